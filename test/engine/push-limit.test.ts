import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { parseStatement } from '../../src/engine/sql/parser.js';
import { startPushQuery } from '../../src/engine/exec/select.js';

describe('a push query with LIMIT', () => {
  it('stops reading once it has its rows: from earliest over a long topic it reads no further than them', () => {
    const engine = new Engine({ properties: {} });
    const ctx = { properties: {}, variables: new Map<string, string>() };
    engine.executeStatement("CREATE STREAM LONGS (V INT) WITH (kafka_topic='longs', partitions=1, value_format='json');", ctx);
    for (let i = 0; i < 20_000; i++) engine.topics.append('longs', { key: null, value: Buffer.from(`{"V":${i}}`), timestamp: i });
    const stmt = parseStatement('SELECT * FROM LONGS EMIT CHANGES LIMIT 2;');
    if (stmt.kind !== 'select') throw new Error('not a query');
    const rows: unknown[][] = [];
    let ended: string | undefined;
    startPushQuery(engine, stmt.query, { 'ksql.streams.auto.offset.reset': 'earliest' }, (values) => rows.push(values), (reason) => { ended = reason; });
    const processed = engine.drain();
    expect(rows.map((r) => r[0])).toEqual([0, 1]);
    expect(ended).toBe('limit');
    expect(processed).toBe(2);
  });
});
