import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { runSql as run, tableRows as rows } from '../helpers/engine.js';

// Aggregations that read the same source share one read of each record within a drain (the
// pipeline's four per-minute tables). Each must still see the record as its own source defines it.
const put = (e: Engine, value: object) => e.topics.append('s', { key: null, value: Buffer.from(JSON.stringify(value)), timestamp: 1000 });

describe('aggregations reading one source', () => {
  it('each count what their own WHERE passes from the same records', () => {
    const e = new Engine();
    run(e, `CREATE STREAM S (K STRING, D STRING) WITH (kafka_topic='s', value_format='JSON', partitions=1);
      CREATE TABLE A AS SELECT K, COUNT(*) AS N FROM S WHERE D LIKE '%a%' GROUP BY K;
      CREATE TABLE B AS SELECT K, COUNT(*) AS N FROM S WHERE D LIKE '%b%' GROUP BY K`);
    for (const d of ['a', 'b', 'ab', 'a']) put(e, { K: 'x', D: d });
    e.drain();
    expect(rows(e, 'A')).toEqual(['["x"]: ["x",3]']);
    expect(rows(e, 'B')).toEqual(['["x"]: ["x",2]']);
  });

  it('read a record with the columns their own source had when they started (a column added later is not shared back)', () => {
    const e = new Engine();
    run(e, `CREATE STREAM S (K STRING) WITH (kafka_topic='s', value_format='JSON', partitions=1);
      CREATE TABLE BY_K AS SELECT K, COUNT(*) AS N FROM S GROUP BY K;
      ALTER STREAM S ADD COLUMN V STRING;
      CREATE TABLE BY_V AS SELECT V, COUNT(*) AS N FROM S GROUP BY V`);
    put(e, { K: 'k1', V: 'v1' });
    put(e, { K: 'k1', V: 'v2' });
    e.drain();
    expect(rows(e, 'BY_K')).toEqual(['["k1"]: ["k1",2]']);
    expect(rows(e, 'BY_V')).toEqual(['["v1"]: ["v1",1]', '["v2"]: ["v2",1]']);
  });
});

describe('grouping by a DOUBLE', () => {
  it('keeps 0.0 and -0.0 apart, as Kafka Streams groups by the key\'s bytes (JavaScript\'s equality takes them for one)', () => {
    const e = new Engine();
    run(e, `CREATE STREAM S (ID INT KEY, D DOUBLE) WITH (kafka_topic='s', value_format='JSON', partitions=1);
      CREATE TABLE T AS SELECT D, COUNT(*) AS C FROM S GROUP BY D`);
    for (const d of ['0.0', '-0.0', '0.0']) e.topics.append('s', { key: null, value: Buffer.from(`{"D":${d}}`), timestamp: 1000 });
    e.drain();
    const q = [...e.queries.values()].find((x) => x.sinkName === 'T')!;
    const groups = [...q.materialized!.entries()].map(([, r]) => [Object.is(r.key[0], -0) ? '-0.0' : String(r.key[0]), r.values[1]]).sort();
    expect(groups).toEqual([['-0.0', 1], ['0', 2]]);
    // the sink's changelog: each record's count is its own group's
    const out = e.topics.get('T')!.records().map((r) => `${r.key!.readDoubleBE(0)}:${r.value!.toString()}`);
    expect(out).toEqual(['0:{"C":1}', '0:{"C":1}', '0:{"C":2}']);
    expect(e.topics.get('T')!.records().map((r) => Object.is(r.key!.readDoubleBE(0), -0))).toEqual([false, true, false]);
  });
});
