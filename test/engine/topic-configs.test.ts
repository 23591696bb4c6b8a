import { describe, expect, it } from 'vitest';
import { topicConfigProblem } from '../../src/engine/kafka/topic-configs.js';

describe('topic configs, checked as a Kafka broker checks them', () => {
  it('names the config and the reason in ConfigDef\'s words', () => {
    expect(topicConfigProblem('no.such.config', '1')).toBe('Unknown topic config name: no.such.config');
    expect(topicConfigProblem('retention.ms', 'abc')).toBe('Invalid value abc for configuration retention.ms: Not a number of type LONG');
    expect(topicConfigProblem('max.message.bytes', '2147483648')).toBe('Invalid value 2147483648 for configuration max.message.bytes: Not a number of type INT');
    expect(topicConfigProblem('preallocate', 'yes')).toBe('Invalid value yes for configuration preallocate: Expected value to be either true or false');
    expect(topicConfigProblem('cleanup.policy', 'compact,bogus')).toBe('Invalid value compact,bogus for configuration cleanup.policy: String must be one of: compact, delete');
  });

  it('takes good values, the largest LONG included', () => {
    for (const [k, v] of [['retention.ms', '-1'], ['flush.ms', '9223372036854775807'], ['cleanup.policy', 'compact,delete'], ['min.cleanable.dirty.ratio', '0.1'], ['compression.type', 'zstd']]) expect(topicConfigProblem(k!, v!), k).toBeUndefined();
    expect(topicConfigProblem('flush.ms', '9223372036854775808')).toMatch(/Not a number of type LONG/);
  });
});
