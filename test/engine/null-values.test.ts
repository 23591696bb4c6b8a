import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { runSql as run, tableRows as rows } from '../helpers/engine.js';

// A value's null in the two places where formats had it differ: a record without value bytes, and a
// NULL inside an ARRAY or a MAP going into Protobuf.

describe('null values', () => {
  it('a record without value bytes is a tombstone in every value format, KAFKA\'s included (it was a row whose one column was NULL)', () => {
    const e = new Engine();
    for (const [name, format] of [['K', "VALUE_FORMAT='KAFKA'"], ['J', "VALUE_FORMAT='JSON', WRAP_SINGLE_VALUE=false"]]) {
      run(e, `CREATE TABLE T${name} (K STRING PRIMARY KEY, V STRING) WITH (KAFKA_TOPIC='t${name.toLowerCase()}', PARTITIONS=1, ${format});
        CREATE TABLE Q${name} AS SELECT * FROM T${name};
        CREATE STREAM S${name} (K STRING KEY, V STRING) WITH (KAFKA_TOPIC='s${name.toLowerCase()}', PARTITIONS=1, ${format});
        CREATE STREAM F${name} AS SELECT * FROM S${name} WHERE V IS NULL`);
      for (const [k, v] of [['a', 'x'], ['b', 'y'], ['a', null]] as const) {
        for (const t of [`t${name.toLowerCase()}`, `s${name.toLowerCase()}`]) e.topics.append(t, { key: Buffer.from(k), value: v === null ? null : Buffer.from(name === 'J' ? JSON.stringify(v) : v), timestamp: 1000 });
      }
      e.drain();
    }
    expect(rows(e, 'QK')).toEqual(['["b"]: ["b","y"]']);
    expect(rows(e, 'QK')).toEqual(rows(e, 'QJ'));
    // the sink forwards the tombstone; a stream's WHERE V IS NULL does not pass a record that has no row
    expect(e.topics.get('QK')!.records().map((r) => [r.key!.toString(), r.value?.toString() ?? null])).toEqual([['a', 'x'], ['b', 'y'], ['a', null]]);
    expect([e.topics.get('FK')!.records().length, e.topics.get('FJ')!.records().length]).toEqual([0, 0]);
  });

  it.each([
    ['an ARRAY', { TAGS: ['a', null], M: { k: 'v' }, DS: [1.5] }, "'TAGS' cannot hold a null element"],
    ['a MAP', { TAGS: ['a'], M: { k: null }, DS: [1.5] }, "'M' cannot hold a null map value"],
    ['an ARRAY<DOUBLE>', { TAGS: ['a'], M: { k: 'v' }, DS: [null, 1.5] }, "'DS' cannot hold a null element"],
  ])('a NULL element of %s is not written to Protobuf (its repeated and map fields hold none): the sink cannot write the record, and the query stops there (ERROR), as Kafka Streams does on a record it cannot serialize', (_what, bad, field) => {
    const e = new Engine();
    run(e, `CREATE STREAM PN (ID INT KEY, TAGS ARRAY<STRING>, M MAP<STRING, STRING>, DS ARRAY<DOUBLE>) WITH (KAFKA_TOPIC='pn', PARTITIONS=1, VALUE_FORMAT='JSON');
      CREATE STREAM PN_PB WITH (VALUE_FORMAT='PROTOBUF') AS SELECT * FROM PN`);
    const put = (id: number, value: object) => e.topics.append('pn', { key: Buffer.from([0, 0, 0, id]), value: Buffer.from(JSON.stringify(value)), timestamp: 1000 });
    put(1, { TAGS: ['a', 'b'], M: { k: 'v' }, DS: [1.5] });
    put(2, bad);
    put(3, { TAGS: ['c'], M: { k: 'v' }, DS: [2.5] });
    e.drain();
    const q = [...e.queries.values()].find((x) => x.sinkName === 'PN_PB')!;
    expect(q.runtime!.state).toBe('ERROR');
    expect(q.runtime!.stats.errors).toBe(1);
    expect(q.runtime!.stats.fatal?.message).toBe(`Exception caught in process: Unable to serialize record for topic PN_PB: Protobuf field ${field}`);
    // only the record before the failing one went out, and it reads back whole
    const out = e.topics.get('PN_PB')!.records();
    expect(out.map((r) => r.key!.readInt32BE(0))).toEqual([1]);
    expect(out[0]!.value!.toString('latin1')).not.toContain('undefined');
  });
});

describe('joins on DOUBLE keys of NaN and -0.0', () => {
  it('a foreign-key join and an outer stream-stream join read such keys back from their state (they threw, and the other keys\' results went with them)', () => {
    const e = new Engine();
    run(e, `CREATE TABLE L (ID DOUBLE PRIMARY KEY, FK INT) WITH (KAFKA_TOPIC='l', PARTITIONS=1, FORMAT='JSON');
      CREATE TABLE R (ID INT PRIMARY KEY, V STRING) WITH (KAFKA_TOPIC='r', PARTITIONS=1, FORMAT='JSON');
      CREATE TABLE J AS SELECT L.ID AS ID, FK, V FROM L JOIN R ON L.FK = R.ID`);
    for (const id of ['"NaN"', '-0.0']) e.topics.append('l', { key: Buffer.from(id), value: Buffer.from('{"FK":1}'), timestamp: 1000 });
    e.topics.append('r', { key: Buffer.from('1'), value: Buffer.from('{"V":"x"}'), timestamp: 2000 });
    e.drain();
    const q = [...e.queries.values()].find((x) => x.sinkName === 'J')!;
    expect(q.runtime!.stats.errors).toBe(0);
    expect(e.topics.get('J')!.records().map((r) => [r.key!.toString(), r.value!.toString()])).toEqual([['"NaN"', '{"FK":1,"V":"x"}'], ['-0.0', '{"FK":1,"V":"x"}']]);

    run(e, `CREATE STREAM SL (K DOUBLE KEY, A INT) WITH (KAFKA_TOPIC='sl', PARTITIONS=1, FORMAT='JSON');
      CREATE STREAM SR (K DOUBLE KEY, B INT) WITH (KAFKA_TOPIC='sr', PARTITIONS=1, FORMAT='JSON');
      CREATE STREAM SJ AS SELECT SL.K AS K, A, B FROM SL LEFT JOIN SR WITHIN 1 SECOND GRACE PERIOD 0 SECONDS ON SL.K = SR.K`);
    for (const [k, ts] of [['"NaN"', 1000], ['1.0', 1000], ['2.0', 10000]] as const) e.topics.append('sl', { key: Buffer.from(k), value: Buffer.from('{"A":1}'), timestamp: ts });
    e.drain();
    const sj = [...e.queries.values()].find((x) => x.sinkName === 'SJ')!;
    expect(sj.runtime!.stats.errors).toBe(0);
    // the two left rows whose window closed come out unmatched, NaN's included
    expect(e.topics.get('SJ')!.records().map((r) => r.key!.toString()).sort()).toEqual(['"NaN"', '1.0']);
  });

  it('a foreign-key join and an outer stream-stream join give back keys of every type as they came: a DECIMAL, a BIGINT beyond 2^53', () => {
    const e = new Engine();
    run(e, `CREATE TABLE DL (ID DECIMAL(4, 2) PRIMARY KEY, FK INT) WITH (KAFKA_TOPIC='dl', PARTITIONS=1, FORMAT='JSON');
      CREATE TABLE BL (ID BIGINT PRIMARY KEY, FK INT) WITH (KAFKA_TOPIC='bl', PARTITIONS=1, FORMAT='JSON');
      CREATE TABLE FR (ID INT PRIMARY KEY, V STRING) WITH (KAFKA_TOPIC='fr', PARTITIONS=1, FORMAT='JSON');
      CREATE TABLE DJ AS SELECT DL.ID AS ID, FK, V FROM DL JOIN FR ON DL.FK = FR.ID;
      CREATE TABLE BJ AS SELECT BL.ID AS ID, FK, V FROM BL JOIN FR ON BL.FK = FR.ID`);
    e.topics.append('dl', { key: Buffer.from('1.50'), value: Buffer.from('{"FK":1}'), timestamp: 1000 });
    e.topics.append('bl', { key: Buffer.from('9007199254740993'), value: Buffer.from('{"FK":1}'), timestamp: 1000 });
    // the right row after the left ones: the results are made from the right side's update
    e.topics.append('fr', { key: Buffer.from('1'), value: Buffer.from('{"V":"x"}'), timestamp: 2000 });
    e.drain();
    expect(e.topics.get('DJ')!.records().map((r) => r.key!.toString())).toEqual(['1.50']);
    expect(e.topics.get('BJ')!.records().map((r) => r.key!.toString())).toEqual(['9007199254740993']);

    run(e, `CREATE STREAM DS (K DECIMAL(4, 2) KEY, A INT) WITH (KAFKA_TOPIC='ds', PARTITIONS=1, FORMAT='JSON');
      CREATE STREAM DR (K DECIMAL(4, 2) KEY, B INT) WITH (KAFKA_TOPIC='dr', PARTITIONS=1, FORMAT='JSON');
      CREATE STREAM DSJ AS SELECT DS.K AS K, A, B FROM DS LEFT JOIN DR WITHIN 1 SECOND GRACE PERIOD 0 SECONDS ON DS.K = DR.K`);
    for (const [k, ts] of [['1.50', 1000], ['2.00', 10000]] as const) e.topics.append('ds', { key: Buffer.from(k), value: Buffer.from('{"A":1}'), timestamp: ts });
    e.drain();
    expect(e.topics.get('DSJ')!.records().map((r) => r.key!.toString())).toEqual(['1.50']);
  });
});
