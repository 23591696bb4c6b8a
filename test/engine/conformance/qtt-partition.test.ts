import { parse as parseLossless } from 'lossless-json';
import { describe, expect, it } from 'vitest';
import { runQttCase, type QttTest } from '../../../src/engine/conformance/qtt.js';

/** A case as the corpus files hold it; keys 0 and 1 (BIGINT) hash to different partitions of a 4-partition topic. */
const sharedStreamTime = parseLossless(JSON.stringify({
  name: 'shared stream time',
  statements: [
    "CREATE STREAM S (ID BIGINT KEY, V BIGINT) WITH (kafka_topic='s', value_format='JSON');",
    'CREATE TABLE T AS SELECT ID, COUNT(*) AS N FROM S WINDOW TUMBLING (SIZE 10 MILLISECONDS, GRACE PERIOD 0 MILLISECONDS) GROUP BY ID;',
  ],
  inputs: [
    { topic: 's', key: 0, value: { V: 1 }, timestamp: 100 },
    { topic: 's', key: 1, value: { V: 1 }, timestamp: 5 },
  ],
  outputs: [{ topic: 'T', key: 0, value: { N: 1 }, timestamp: 100, window: { start: 100, end: 110, type: 'time' } }],
})) as QttTest;

describe('QTT inputs, as TopologyTestDriver feeds them', () => {
  it('go through one partition, so a later key is late against another key\'s stream time', () => {
    expect(runQttCase('t', sharedStreamTime)).toEqual({ name: 't', status: 'pass' });
  });
});
