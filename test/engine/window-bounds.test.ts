import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { splitWindowedKey, windowedKey } from '../../src/engine/serde/formats.js';
import { parseStatement } from '../../src/engine/sql/parser.js';
import { T } from '../../src/engine/sql/types.js';
import { MetaStore } from '../../src/engine/catalog/metastore.js';
import { planQuery } from '../../src/engine/analysis/planner.js';
import { columnRefs } from '../../src/engine/analysis/expr-walk.js';

const metastore = new MetaStore();
metastore.put({
  name: 'TEST', type: 'STREAM', topic: 'test', isSource: false, statement: '',
  keyFormat: { format: 'KAFKA' }, valueFormat: { format: 'JSON' },
  columns: [{ name: 'K', type: T.STRING, ns: 'KEY' }, { name: 'V', type: T.BIGINT, ns: 'VALUE' }],
});
const query = (sql: string) => {
  const stmt = parseStatement(sql);
  if (stmt.kind !== 'select') throw new Error('not a query');
  return stmt.query;
};
const windowed = (rest: string) => query(`SELECT K, COUNT(1) AS C FROM TEST WINDOW TUMBLING (SIZE 1 SECOND) ${rest} EMIT CHANGES;`);

describe('window bounds in windowed aggregations', () => {
  it.each([
    ['GROUP BY K, WINDOWSTART', 'WINDOWSTART'],
    ['GROUP BY WINDOWEND', 'WINDOWEND'],
    ['GROUP BY K HAVING WINDOWSTART > 10 AND MIN(WINDOWEND) < 20', 'WINDOWSTART'],
    ['GROUP BY K HAVING MIN(WINDOWEND) > 10', 'WINDOWEND'],
  ])('refuses %s', (rest, name) => {
    expect(() => planQuery(windowed(rest), metastore, { persistent: false }))
      .toThrow(`Window bounds column ${name} can only be used in the SELECT clause of windowed aggregations`);
  });

  it('refuses bounds inside an aggregate in SELECT', () => {
    const q = query('SELECT K, MIN(WINDOWSTART) AS M FROM TEST WINDOW TUMBLING (SIZE 1 SECOND) GROUP BY K EMIT CHANGES;');
    expect(() => planQuery(q, metastore, { persistent: false })).toThrow('Window bounds column WINDOWSTART');
  });

  it('allows selecting the bounds', () => {
    const q = query('SELECT K, WINDOWSTART, WINDOWEND, COUNT(1) AS C FROM TEST WINDOW TUMBLING (SIZE 1 SECOND) GROUP BY K EMIT CHANGES;');
    expect(() => planQuery(q, metastore, { persistent: false })).not.toThrow();
  });
});

describe('columnRefs', () => {
  it.each([
    ['A + B * 2', ['A', 'B']],
    ["CASE WHEN X > 1 THEN Y ELSE 'z' END", ['X', 'Y']],
    ['STRUCT(F := A, G := MAP(B := C))', ['A', 'B', 'C']],
    ['TRANSFORM(ARR, x => x + N)', ['ARR', 'X', 'N']],
    ["'literal'", []],
  ])('finds the columns of %s', (expr, names) => {
    const w = query(`SELECT * FROM S WHERE ${expr};`).where!;
    expect(columnRefs(w).map((c) => c.name)).toEqual(names);
  });
});

describe('SELECT * over a windowed stream', () => {
  const ms = new MetaStore();
  ms.put({
    name: 'WS', type: 'STREAM', topic: 'ws', isSource: false, statement: '', windowInfo: { type: 'TUMBLING', sizeMs: 30000 },
    keyFormat: { format: 'KAFKA' }, valueFormat: { format: 'JSON' },
    columns: [{ name: 'K', type: T.INTEGER, ns: 'KEY' }, { name: 'V', type: T.BIGINT, ns: 'VALUE' }],
  });
  it.each([
    [true, ['K', 'V']],
    [false, ['K', 'WINDOWSTART', 'WINDOWEND', 'V']],
  ])('persistent=%s selects %j (a sink keeps the window in its key)', (persistent, names) => {
    const plan = planQuery(query('SELECT * FROM WS EMIT CHANGES;'), ms, { persistent, sinkName: 'OUT' });
    expect(plan.columns.map((c) => c.name)).toEqual(names);
  });
});

describe('windowed key bytes', () => {
  // Kafka Streams' layout: the key, then the window start (a session: its end, then its start) as big-endian int64s
  const int64 = (v: number) => { const b = Buffer.alloc(8); b.writeBigInt64BE(BigInt(v)); return b; };
  const time = fc.oneof(fc.maxSafeInteger(), fc.constantFrom(0, -1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, -(2 ** 32), -(2 ** 31) - 1, 2 ** 53 - 1, -(2 ** 53) + 1));
  it('are the key and the window bounds as Kafka Streams lays them out, written one after another into shared memory', () => {
    fc.assert(fc.property(fc.option(fc.uint8Array({ maxLength: 40 }), { nil: null }), time, time, fc.boolean(), (key, start, end, session) => {
      const inner = key && Buffer.from(key);
      const made = windowedKey(inner, { start, end }, session);
      const expected = Buffer.concat([inner ?? Buffer.alloc(0), ...(session ? [int64(end), int64(start)] : [int64(start)])]);
      expect(made.toString('hex')).toBe(expected.toString('hex'));
      // and read back as written
      const back = splitWindowedKey(made, session, 1000);
      expect(back.inner.toString('hex')).toBe((inner ?? Buffer.alloc(0)).toString('hex'));
      expect(back.window.start).toBe(start);
      if (session) expect(back.window.end).toBe(end);
    }), { numRuns: 2000 });
    // a bound no int64 holds is refused
    for (const bad of [2 ** 63, -(2 ** 63) - 2 ** 12, Infinity, NaN]) expect(() => windowedKey(Buffer.from('k'), { start: bad, end: 0 }, false)).toThrow(RangeError);
  });
});
