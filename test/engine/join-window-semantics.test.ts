import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { earliest, runSql as run } from '../helpers/engine.js';

// Behaviour the corpus covers thinly, checked against what Kafka Streams does under ksqlDB: each
// test runs statements in an engine and reads the sink topic's records in the order written.
const ctx = earliest();
const intKey = (n: number) => { const b = Buffer.alloc(4); b.writeInt32BE(n); return b; };
/** A record straight onto a topic (a tombstone when `value` is null), then the queries run. */
function put(e: Engine, topic: string, key: number, value: object | null, ts: number) {
  e.topics.append(topic, { key: intKey(key), value: value === null ? null : Buffer.from(JSON.stringify(value)), timestamp: ts });
  e.drain();
}
/** The sink's records: "key@time value", the key read as a KAFKA INT or STRING (windowed keys: their first bytes). */
function output(e: Engine, topic: string, stringKeys = false): string[] {
  return (e.topics.get(topic)?.records() ?? []).map((r) => {
    const k = r.key === null ? 'null' : stringKeys ? r.key.subarray(0, r.key.length - (r.key.length > 16 ? 16 : 8)).toString() : String(r.key.readInt32BE(0));
    return `${k}@${r.timestamp} ${r.value === null ? 'null' : r.value.toString()}`;
  });
}
const streams = (e: Engine, l: string, r: string) => run(e, `CREATE STREAM ${l} (ID INT KEY, V STRING) WITH (kafka_topic='${l.toLowerCase()}', value_format='JSON', partitions=1);
  CREATE STREAM ${r} (ID INT KEY, V STRING) WITH (kafka_topic='${r.toLowerCase()}', value_format='JSON', partitions=1)`);

describe('a join started over records already there (auto.offset.reset=earliest)', () => {
  const seeded = (first: [string, number, object, number], second: [string, number, object, number]) => {
    const e = new Engine();
    run(e, `CREATE STREAM SO (ID INT KEY, V STRING) WITH (kafka_topic='so', value_format='JSON', partitions=1);
      CREATE TABLE T (ID INT PRIMARY KEY, TV STRING) WITH (kafka_topic='t', value_format='JSON', partitions=1)`);
    for (const [topic, key, value, ts] of [first, second]) e.topics.append(topic, { key: intKey(key), value: Buffer.from(JSON.stringify(value)), timestamp: ts });
    run(e, 'CREATE STREAM J AS SELECT SO.ID AS ID, V, TV FROM SO LEFT JOIN T ON SO.ID = T.ID');
    return e;
  };

  it('reads that backlog in time order across its inputs, as Kafka Streams merges what it has fetched', () => {
    expect(output(seeded(['so', 1, { V: 's9000' }, 9000], ['t', 1, { TV: 't5000' }, 5000]), 'J')).toEqual(['1@9000 {"V":"s9000","TV":"t5000"}']);
    expect(output(seeded(['t', 1, { TV: 't9000' }, 9000], ['so', 1, { V: 's5000' }, 5000]), 'J')).toEqual(['1@5000 {"V":"s5000","TV":null}']);
  });

  it('reads what arrives once it runs in the order it arrives', () => {
    const e = seeded(['so', 1, { V: 's1' }, 1000], ['t', 2, { TV: 'two' }, 1000]);
    put(e, 'so', 3, { V: 'late-table' }, 9000);
    put(e, 't', 3, { TV: 'three' }, 5000);
    put(e, 'so', 3, { V: 'after' }, 9500);
    expect(output(e, 'J')).toEqual(['1@1000 {"V":"s1","TV":null}', '3@9000 {"V":"late-table","TV":null}', '3@9500 {"V":"after","TV":"three"}']);
  });
});

describe('stream-stream joins', () => {
  it('without GRACE PERIOD keep a record 24 hours in all (grace is 24 h less twice WITHIN), not WITHIN plus 24 hours', () => {
    const HOUR = 3_600_000;
    const e = new Engine();
    streams(e, 'L', 'R');
    run(e, 'CREATE STREAM J AS SELECT L.ID AS ID, L.V AS LV, R.V AS RV FROM L JOIN R WITHIN 1 HOUR ON L.ID = R.ID');
    put(e, 'l', 1, { V: 'a' }, 0);
    put(e, 'l', 9, { V: 'z' }, 23 * HOUR);
    // stream time 23 h: the record at 0 is within the store's 24 hours and joins
    put(e, 'r', 1, { V: 'x' }, HOUR / 2);
    put(e, 'l', 9, { V: 'z' }, 25 * HOUR);
    // stream time 25 h: the store keeps records from 1 h on, so the one at 0 is gone (WITHIN plus
    // 24 hours would have kept it until 26 h)
    put(e, 'r', 1, { V: 'y' }, HOUR / 2 + 1);
    expect(output(e, 'J')).toEqual(['1@1800000 {"LV":"a","RV":"x"}']);
  });

  /** The sink J of `select` over streams L and R after `records` ([side, key, V, time]) arrive one at a time. */
  const joined = (select: string, records: ['l' | 'r', number, string, number][]) => {
    const e = new Engine();
    streams(e, 'L', 'R');
    run(e, `CREATE STREAM J AS ${select}`);
    for (const [side, key, v, ts] of records) put(e, side, key, { V: v }, ts);
    return output(e, 'J');
  };

  it('join an arriving row with the other side\'s rows in time order, not the order they arrived', () => {
    expect(joined('SELECT L.ID AS ID, L.V AS LV, R.V AS RV FROM L JOIN R WITHIN 10 SECONDS ON L.ID = R.ID',
      [['r', 1, 'r5', 5000], ['r', 1, 'r2', 2000], ['r', 1, 'r3', 3000], ['l', 1, 'l4', 4000]]))
      .toEqual(['1@4000 {"LV":"l4","RV":"r2"}', '1@4000 {"LV":"l4","RV":"r3"}', '1@5000 {"LV":"l4","RV":"r5"}']);
  });

  it('emit unmatched outer rows, once their window and grace have passed, by time, right side first, then by key bytes', () => {
    expect(joined('SELECT ROWKEY AS K, L.V AS LV, R.V AS RV FROM L FULL OUTER JOIN R WITHIN 10 SECONDS GRACE PERIOD 5 SECONDS ON L.ID = R.ID',
      [['l', 5, 'l5', 1000], ['l', 2, 'l2', 1000], ['r', 3, 'r3', 1000], ['r', 1, 'r1', 500], ['l', 9, 'l9', 30_000]])).toEqual([
      '1@500 {"LV":null,"RV":"r1"}', '3@1000 {"LV":null,"RV":"r3"}', '2@1000 {"LV":"l2","RV":null}', '5@1000 {"LV":"l5","RV":null}',
    ]);
  });
});

describe('table-table joins', () => {
  const tables = (e: Engine) => run(e, `CREATE TABLE LT (ID INT PRIMARY KEY, V STRING) WITH (kafka_topic='lt', value_format='JSON', partitions=1);
    CREATE TABLE RT (ID INT PRIMARY KEY, V STRING) WITH (kafka_topic='rt', value_format='JSON', partitions=1)`);

  it('LEFT and FULL OUTER pass over a tombstone for a key neither side has (a change from null to null)', () => {
    const e = new Engine();
    tables(e);
    run(e, 'CREATE TABLE TL AS SELECT LT.ID AS ID, LT.V AS LV, RT.V AS RV FROM LT LEFT JOIN RT ON LT.ID = RT.ID');
    run(e, 'CREATE TABLE TF AS SELECT ROWKEY AS ID, LT.V AS LV, RT.V AS RV FROM LT FULL OUTER JOIN RT ON LT.ID = RT.ID');
    put(e, 'lt', 1, null, 1000);
    put(e, 'rt', 2, null, 1000);
    put(e, 'lt', 3, { V: 'a' }, 2000);
    put(e, 'lt', 3, null, 3000);
    expect(output(e, 'TL')).toEqual(['3@2000 {"LV":"a","RV":null}', '3@3000 null']);
    expect(output(e, 'TF')).toEqual(['3@2000 {"LV":"a","RV":null}', '3@3000 null']);
  });

  it('a foreign-key join sends nothing for a tombstone of a key the left table never had, and retracts an inner row whose foreign key moves to a missing one', () => {
    const e = new Engine();
    run(e, `CREATE TABLE FL (ID INT PRIMARY KEY, FK INT, V STRING) WITH (kafka_topic='fl', value_format='JSON', partitions=1);
      CREATE TABLE FR (ID INT PRIMARY KEY, RV STRING) WITH (kafka_topic='fr', value_format='JSON', partitions=1);
      CREATE TABLE FJ AS SELECT FL.ID AS ID, FL.FK AS FK, V, RV FROM FL JOIN FR ON FL.FK = FR.ID`);
    put(e, 'fr', 10, { RV: 'ten' }, 500);
    put(e, 'fl', 2, null, 600);
    put(e, 'fl', 1, { FK: 10, V: 'a' }, 1000);
    put(e, 'fl', 1, { FK: 11, V: 'b' }, 2000);
    put(e, 'fl', 4, { FK: 12, V: 'c' }, 2500);
    put(e, 'fl', 4, { FK: 13, V: 'd' }, 3000);
    // a row whose foreign key was null sent nothing: moving it to a missing key retracts nothing
    put(e, 'fl', 5, { FK: null, V: 'e' }, 3500);
    put(e, 'fl', 5, { FK: 14, V: 'f' }, 4000);
    expect(output(e, 'FJ')).toEqual(['1@1000 {"FK":10,"V":"a","RV":"ten"}', '1@2000 null', '4@3000 null']);
  });
});

describe('session windows', () => {
  it('a record at the very time of a key\'s session updates it in place: no tombstone first', () => {
    const e = new Engine();
    run(e, `CREATE STREAM S (ID STRING KEY, V INT) WITH (kafka_topic='s', value_format='JSON', partitions=1);
      CREATE TABLE SESS AS SELECT ID, COUNT(*) AS C FROM S WINDOW SESSION (5 SECONDS) GROUP BY ID`);
    for (const [v, ts] of [[1, 1000], [2, 1000], [3, 3000]] as const) {
      e.topics.append('s', { key: Buffer.from('a'), value: Buffer.from(JSON.stringify({ V: v })), timestamp: ts });
      e.drain();
    }
    // the third record grows the session to [1000, 3000]: the one at [1000, 1000] is retracted first
    expect(output(e, 'SESS', true)).toEqual(['a@1000 {"C":1}', 'a@1000 {"C":2}', 'a@1000 null', 'a@3000 {"C":3}']);
  });
});

describe('a join whose key is not selected', () => {
  const refused = (select: string) => {
    const e = new Engine();
    streams(e, 'L', 'R');
    try { run(e, `CREATE STREAM OUT AS ${select}`); } catch (err) { return (err as Error).message; }
    return 'accepted';
  };

  it('names the join expressions, and the page on synthetic keys only where the key is ROWKEY', () => {
    expect(refused('SELECT L.V AS LV, R.V AS RV FROM L JOIN R WITHIN 1 SECOND ON L.ID = R.ID')).toBe(
      'Key missing from projection (ie, SELECT). \nThe query used to build `OUT` must include the join expressions L.ID or R.ID in its projection (eg, SELECT L.ID...).');
    expect(refused('SELECT L.V AS LV FROM L FULL OUTER JOIN R WITHIN 1 SECOND ON L.ID = R.ID')).toBe(
      'Key missing from projection (ie, SELECT). See https://cnfl.io/2LV7ouS.\nThe query used to build `OUT` must include the join expression ROWKEY in its projection (eg, SELECT ROWKEY...).\n'
      + 'ROWKEY was added as a synthetic key column because the join criteria did not match any source column. This expression must be included in the projection and may be aliased. ');
  });
});

describe('INSERT VALUES of a struct', () => {
  it('takes it field by field: fields the column lacks are dropped, fields the value lacks are NULL, a field of another type is refused', () => {
    const e = new Engine();
    run(e, "CREATE STREAM ST (ID INT KEY, S STRUCT<A INT, B STRING>) WITH (kafka_topic='st', value_format='JSON', partitions=1)");
    run(e, "INSERT INTO ST (ID, S) VALUES (1, STRUCT(A := 1, EXTRA := 'x'))");
    expect(output(e, 'st')).toEqual(['1@' + e.topics.get('st')!.records()[0]!.timestamp + ' {"S":{"A":1,"B":null}}']);
    expect(() => run(e, "INSERT INTO ST (ID, S) VALUES (2, STRUCT(A := 'not a number'))")).toThrow('Expected type STRUCT<`A` INTEGER, `B` STRING> for field `S` but got STRUCT(Struct{A=not a number})');
  });
});

describe('joins and the rows Kafka Streams (3.6, under this ksqlDB) drops or holds back', () => {
  it('a stream-stream outer join with GRACE: a row that moves stream time on first emits the held-back padded rows, then its own join result', () => {
    for (const type of ['FULL OUTER', 'LEFT']) {
      const e = new Engine();
      streams(e, 'GL', 'GR');
      run(e, `CREATE STREAM GJ AS SELECT ${type === 'LEFT' ? 'GL.ID AS ID' : 'ROWKEY AS K'}, GL.V AS LV, GR.V AS RV FROM GL ${type} JOIN GR WITHIN 30 SECONDS GRACE PERIOD 0 SECONDS ON GL.ID = GR.ID`);
      put(e, 'gl', 1, { V: 'a' }, 0);
      put(e, 'gr', 2, { V: 'y' }, 20_000);
      put(e, 'gl', 2, { V: 'b' }, 31_000);
      expect(output(e, 'GJ')).toEqual(['1@0 {"LV":"a","RV":null}', '2@31000 {"LV":"b","RV":"y"}']);
    }
  });

  it('a stream-table LEFT JOIN drops a stream row whose join key is NULL, on the key or on a column it re-keys by', () => {
    const e = new Engine();
    run(e, `CREATE STREAM NS (ID INT KEY, SV STRING, FK INT) WITH (kafka_topic='ns', value_format='JSON', partitions=1);
      CREATE TABLE NT (ID INT PRIMARY KEY, TV STRING) WITH (kafka_topic='nt', value_format='JSON', partitions=1);
      CREATE STREAM BY_KEY AS SELECT S.ID AS ID, SV, TV FROM NS S LEFT JOIN NT T ON S.ID = T.ID;
      CREATE STREAM BY_FK AS SELECT S.FK AS FK, SV, TV FROM NS S LEFT JOIN NT T ON S.FK = T.ID`);
    put(e, 'nt', 7, { TV: 't7' }, 0);
    e.topics.append('ns', { key: null, value: Buffer.from(JSON.stringify({ SV: 'nullkey', FK: 7 })), timestamp: 1000 });
    put(e, 'ns', 1, { SV: 'nullfk', FK: null }, 2000);
    put(e, 'ns', 7, { SV: 'ok', FK: 7 }, 3000);
    expect(output(e, 'BY_KEY')).toEqual(['1@2000 {"SV":"nullfk","TV":null}', '7@3000 {"SV":"ok","TV":"t7"}']);
    expect(output(e, 'BY_FK')).toEqual(['7@1000 {"SV":"nullkey","TV":"t7"}', '7@3000 {"SV":"ok","TV":"t7"}']);
  });
});

describe('time at the edges of joins, and windows over tables', () => {
  it('a foreign-key join row a left update makes takes the later of the two rows\' times; one a right update makes takes the right row\'s', () => {
    const e = new Engine();
    run(e, `CREATE TABLE FL (ID INT PRIMARY KEY, FK INT, A STRING) WITH (kafka_topic='fl', value_format='JSON', partitions=1);
      CREATE TABLE FR (ID INT PRIMARY KEY, B STRING) WITH (kafka_topic='fr', value_format='JSON', partitions=1);
      CREATE TABLE FJ AS SELECT FL.ID AS ID, A, B FROM FL JOIN FR ON FL.FK = FR.ID`);
    put(e, 'fr', 30, { B: 'b30' }, 1000);
    put(e, 'fl', 3, { FK: 30, A: 'a3' }, 50);
    put(e, 'fl', 3, { FK: 30, A: 'a3-later' }, 1500);
    put(e, 'fr', 30, { B: 'b30-older' }, 700);
    expect(output(e, 'FJ')).toEqual(['3@1000 {"A":"a3","B":"b30"}', '3@1500 {"A":"a3-later","B":"b30"}', '3@700 {"A":"a3-later","B":"b30-older"}']);
  });

  it('a stream-stream join\'s fetch leaves out a row exactly its store\'s retention behind that store\'s stream time, as a window store\'s fetch starts one past it', () => {
    const e = new Engine();
    streams(e, 'L3', 'R3');
    run(e, 'CREATE STREAM J5 AS SELECT L3.ID AS ID, L3.V AS LV, R3.V AS RV FROM L3 JOIN R3 WITHIN 10 SECONDS GRACE PERIOD 0 SECONDS ON L3.ID = R3.ID');
    put(e, 'r3', 1, { V: 'r0' }, 0);
    put(e, 'r3', 1, { V: 'r1' }, 1);
    // the right store's stream time goes to 20 s: its retention (10 + 10 + 0 s) keeps times after 0
    put(e, 'r3', 9, { V: 'rz' }, 20_000);
    put(e, 'l3', 1, { V: 'l' }, 10_000);
    expect(output(e, 'J5')).toEqual(['1@10000 {"LV":"l","RV":"r1"}']);
  });

  it('an aggregation of a table refuses a WINDOW, in a CREATE TABLE AS and a push query alike, as ksqlDB\'s grouped table does', () => {
    const e = new Engine();
    run(e, "CREATE TABLE TA (ID INT PRIMARY KEY, A STRING) WITH (kafka_topic='ta', value_format='JSON', partitions=1)");
    expect(() => e.executeStatement('CREATE TABLE WT AS SELECT ID, COUNT(*) AS C FROM TA WINDOW TUMBLING (SIZE 10 SECONDS) GROUP BY ID EMIT CHANGES;', ctx)).toThrow(/^Windowing not supported for table aggregations\.$/);
    expect(e.metastore.get('WT')).toBeUndefined();
    expect(e.queries.size).toBe(0);
  });
});
