import { describe, expect, it } from 'vitest';
import { propertyProblem } from '../../src/engine/exec/property-values.js';
import { Engine } from '../../src/engine/engine.js';

describe('property names and values', () => {
  it('takes ksqlDB\'s own names, and Kafka Streams, consumer and producer configs, bare, behind ksql.streams. or a client prefix', () => {
    for (const name of ['ksql.query.pull.table.scan.enabled', 'ksql.functions.substring.legacy.args', 'auto.offset.reset', 'ksql.streams.auto.offset.reset',
      'ksql.streams.num.stream.threads', 'cache.max.bytes.buffering', 'processing.guarantee', 'ksql.streams.producer.acks', 'consumer.max.poll.records',
      'main.consumer.fetch.min.bytes', 'ksql.streams.restore.consumer.client.rack', 'linger.ms', 'ssl.truststore.location', 'producer.sasl.jaas.config']) {
      expect([name, propertyProblem(name, name.endsWith('reset') ? 'earliest' : name.endsWith('guarantee') ? 'exactly_once_v2' : name.endsWith('enabled') ? 'true' : '1')]).toEqual([name, undefined]);
    }
  });

  it('refuses a name none of those configs has, named like an Object member or not', () => {
    for (const name of ['foo.bar', 'auto.offest.reset', 'ksql.streams.foo', 'consumer.acks', 'producer.group.id', 'admin.retries', 'constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      expect([name, propertyProblem(name, 'x')]).toEqual([name, { unknown: true, message: `Not recognizable as ksql, streams, consumer, or producer property: '${name}'` }]);
    }
  });

  it('checks a value as Kafka\'s ConfigDef parses it (its wording), and the choices Kafka checks', () => {
    expect(propertyProblem('ksql.streams.auto.offset.reset', 'sideways')).toEqual({ unknown: false, message: 'Invalid value sideways for configuration auto.offset.reset: String must be one of: latest, earliest, none' });
    expect(propertyProblem('ksql.streams.num.stream.threads', 'abc')?.message).toBe('Invalid value abc for configuration num.stream.threads: Not a number of type INT');
    expect(propertyProblem('num.stream.threads', '2147483648')?.message).toBe('Invalid value 2147483648 for configuration num.stream.threads: Not a number of type INT');
    expect(propertyProblem('commit.interval.ms', '1.5')?.message).toBe('Invalid value 1.5 for configuration commit.interval.ms: Not a number of type LONG');
    expect(propertyProblem('enable.idempotence', 'yes')?.message).toBe('Invalid value yes for configuration enable.idempotence: Expected value to be either true or false');
    // ksqlDB's own booleans that the engine reads, as KsqlConfig parses them
    expect(propertyProblem('ksql.query.pull.table.scan.enabled', 'maybe')?.message).toBe('Invalid value maybe for configuration ksql.query.pull.table.scan.enabled: Expected value to be either true or false');
    for (const value of ['false', 'TRUE', true]) expect(propertyProblem('ksql.query.push.v2.enabled', value)).toBeUndefined();
    expect(propertyProblem('processing.guarantee', 'twice')?.message).toBe('Invalid value twice for configuration processing.guarantee: String must be one of: at_least_once, exactly_once, exactly_once_beta, exactly_once_v2');
    for (const [name, value] of [['num.stream.threads', ' 4 '], ['commit.interval.ms', 9007199254740992], ['enable.idempotence', 'TRUE'], ['cache.max.bytes.buffering', -1]] as const) {
      expect([name, propertyProblem(name, value)]).toEqual([name, undefined]);
    }
  });

  it('a statement run with properties named like Object members runs (it failed with a JavaScript error); SET of one is refused by name', () => {
    const engine = new Engine({ properties: {} });
    const ctx = { properties: { toString: 'x', constructor: 'y' }, variables: new Map<string, string>() };
    expect(engine.executeStatement("CREATE STREAM P (V STRING) WITH (kafka_topic='p', partitions=1, value_format='json');", ctx)).toMatchObject({ commandStatus: { status: 'SUCCESS' } });
    expect(() => engine.executeStatement("SET 'valueOf'='z';", ctx)).toThrow('Unknown property: valueOf');
    expect(() => engine.executeStatement("UNSET 'foo.bar';", ctx)).toThrow('Unknown property: foo.bar');
    expect(engine.executeStatement("SET 'ksql.streams.cache.max.bytes.buffering'='0';", ctx)).toBeUndefined();
    expect(ctx.properties).toMatchObject({ 'ksql.streams.cache.max.bytes.buffering': '0' });
  });
});
