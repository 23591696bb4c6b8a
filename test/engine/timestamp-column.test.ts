import { describe, expect, it } from 'vitest';
import { timestampFromColumn } from '../../src/engine/analysis/timestamp-column.js';
import { T } from '../../src/engine/sql/types.js';

describe('a record time from its TIMESTAMP column', () => {
  const big = { name: 'TS', type: T.BIGINT }, str = { name: 'TS', type: T.STRING };
  it('takes BIGINT values as they are and parses strings with the TIMESTAMP_FORMAT', () => {
    expect(timestampFromColumn(1526075913000, big, undefined)).toBe(1526075913000);
    expect(timestampFromColumn('10-04-19 12:00:17Z', str, 'yy-MM-dd HH:mm:ssX')).toBe(1271678417000);
    expect(timestampFromColumn('2018-05-11T21:58:33Z', str, "yyyy-MM-dd'T'HH:mm:ssX")).toBe(Date.UTC(2018, 4, 11, 21, 58, 33));
  });
  it.each([[null, big], [-2, big], ['not a timestamp', str]])('%j is an invalid timestamp, named in the error', (v, col) => {
    expect(() => timestampFromColumn(v, col, col === str ? "yyyy-MM-dd'T'HH:mm:ssX" : undefined)).toThrow(/Invalid timestamp in column TS/);
  });
});

describe('INSERT VALUES into a source with a TIMESTAMP column', () => {
  it('writes the record at ROWTIME when given, else at the time of the insert, as ksqlDB does; queries read their time from the column', async () => {
    const { Engine } = await import('../../src/engine/engine.js');
    const e = new Engine();
    const ctx = { properties: { 'ksql.streams.auto.offset.reset': 'earliest' }, variables: new Map<string, string>() };
    for (const sql of [
      "CREATE STREAM S1 (ID INT KEY, TS BIGINT, V INT) WITH (KAFKA_TOPIC='t1', PARTITIONS=1, VALUE_FORMAT='JSON', TIMESTAMP='TS');",
      'CREATE STREAM S2 AS SELECT ID, V FROM S1;',
    ]) e.executeStatement(sql, ctx);
    const before = Date.now();
    e.executeStatement('INSERT INTO S1 (ID, TS, V) VALUES (1, 8000, 101);', ctx);
    const after = Date.now();
    e.executeStatement('INSERT INTO S1 (ROWTIME, ID, TS, V) VALUES (5000, 2, 9000, 102);', ctx);
    e.drain();
    const written = e.topics.get('t1')!.records().map((r) => r.timestamp);
    expect(written[0]).toBeGreaterThanOrEqual(before);
    expect(written[0]).toBeLessThanOrEqual(after);
    expect(written[1]).toBe(5000);
    expect(e.topics.get('S2')!.records().map((r) => r.timestamp)).toEqual([8000, 9000]);
  });
});

describe('ksql.timestamp.throw.on.invalid', () => {
  const run = async (props: Record<string, string>) => {
    const { Engine } = await import('../../src/engine/engine.js');
    const e = new Engine({ properties: props });
    const ctx = { properties: { ...props, 'ksql.streams.auto.offset.reset': 'earliest' }, variables: new Map<string, string>() };
    e.executeStatement("CREATE STREAM TI (K STRING KEY, ID BIGINT, TS VARCHAR) WITH (KAFKA_TOPIC='ti', PARTITIONS=1, VALUE_FORMAT='JSON', TIMESTAMP='TS', TIMESTAMP_FORMAT='yy-MM-dd HH:mm:ssX');", ctx);
    e.executeStatement('CREATE STREAM TO_ AS SELECT K, ID FROM TI;', ctx);
    for (const ts of ['!!!', '10-04-19 12:00:17Z']) e.topics.append('ti', { key: null, value: Buffer.from(JSON.stringify({ ID: 1, TS: ts })), timestamp: 0 });
    e.drain();
    const q = [...e.queries.values()][0]!;
    return { state: q.runtime!.state, error: q.runtime!.stats.lastError, written: e.topics.get('TO_')!.partitions[0]!.end };
  };
  it('false (the default): a record without a valid time is skipped, the error logged, and the query goes on', async () => {
    expect(await run({})).toEqual({ state: 'RUNNING', error: 'Invalid timestamp in column TS: "!!!"', written: 1 });
  });
  it('true: the query stops at that record, as Kafka Streams stops on a timestamp extractor that throws', async () => {
    expect(await run({ 'ksql.timestamp.throw.on.invalid': 'true' })).toEqual({
      state: 'ERROR', written: 0,
      error: 'Fatal user code error in TimestampExtractor callback for record ConsumerRecord(topic = ti, partition = 0, offset = 0, CreateTime = 0). Invalid timestamp in column TS: "!!!"',
    });
  });
});
