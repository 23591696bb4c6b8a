import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { runSql } from '../helpers/engine.js';

const sink = (e: Engine, topic: string) => e.topics.get(topic)!.records().map((r) => `${r.key?.toString() ?? 'null'} -> ${r.value?.toString() ?? 'null'} @${r.timestamp}`);

describe('foreign-key table joins', () => {
  it('an inner join retracts a row at each update to a foreign key with no right row, whether the key changed or not (Kafka Streams subscribes every update)', () => {
    const e = new Engine();
    runSql(e, `CREATE TABLE L (ID STRING PRIMARY KEY, FK STRING, A INT) WITH (kafka_topic='l', value_format='JSON', partitions=1);
      CREATE TABLE R (ID STRING PRIMARY KEY, B INT) WITH (kafka_topic='r', value_format='JSON', partitions=1);
      CREATE TABLE IJ AS SELECT L.ID, A, B FROM L JOIN R ON L.FK = R.ID`);
    const put = (topic: string, key: string, value: object | null, ts: number) => e.topics.append(topic, { key: Buffer.from(key), value: value && Buffer.from(JSON.stringify(value)), timestamp: ts });
    put('l', 'k', { FK: 'r9', A: 3 }, 500); // new, unmatched: nothing
    put('l', 'k', { FK: 'r9', A: 4 }, 550); // updated, same unmatched key: a tombstone
    put('l', 'k', { FK: 'r8', A: 5 }, 560); // a new unmatched key: a tombstone
    put('r', 'r8', { B: 1 }, 570); // now matched
    put('l', 'k', { FK: 'r8', A: 6 }, 580); // matched update
    e.drain();
    expect(sink(e, 'IJ')).toEqual(['k -> null @550', 'k -> null @560', 'k -> {"A":5,"B":1} @570', 'k -> {"A":6,"B":1} @580']);
  });
});

describe('tables whose key of several columns has a NULL column', () => {
  it('are rows to an aggregation and a foreign-key join, as to a projection (only a record without a key is skipped)', () => {
    const e = new Engine();
    runSql(e, `CREATE TABLE T (K1 STRING PRIMARY KEY, K2 INT PRIMARY KEY, FK STRING, V INT) WITH (kafka_topic='t', key_format='JSON', value_format='JSON', partitions=1);
      CREATE TABLE R (ID STRING PRIMARY KEY, B INT) WITH (kafka_topic='r', value_format='JSON', partitions=1);
      CREATE TABLE QT AS SELECT * FROM T;
      CREATE TABLE AGG AS SELECT K1, COUNT(*) AS C FROM T GROUP BY K1;
      CREATE TABLE FJ AS SELECT K1, K2, V, B FROM T JOIN R ON T.FK = R.ID`);
    e.topics.append('r', { key: Buffer.from('r1'), value: Buffer.from('{"B":10}'), timestamp: 1 });
    e.topics.append('t', { key: Buffer.from('{"K1":"a","K2":null}'), value: Buffer.from('{"FK":"r1","V":5}'), timestamp: 5 });
    e.topics.append('t', { key: Buffer.from('{"K1":"a","K2":1}'), value: Buffer.from('{"FK":"r1","V":6}'), timestamp: 6 });
    // a record without a key is no row of a table
    e.topics.append('t', { key: null, value: Buffer.from('{"FK":"r1","V":7}'), timestamp: 7 });
    e.drain();
    expect(sink(e, 'QT')).toEqual(['{"K1":"a","K2":null} -> {"FK":"r1","V":5} @5', '{"K1":"a","K2":1} -> {"FK":"r1","V":6} @6']);
    expect(sink(e, 'AGG')).toEqual(['"a" -> {"C":1} @5', '"a" -> {"C":2} @6']);
    expect(sink(e, 'FJ')).toEqual(['{"K1":"a","K2":null} -> {"V":5,"B":10} @5', '{"K1":"a","K2":1} -> {"V":6,"B":10} @6']);
  });
});

describe('a key of several columns, all NULL', () => {
  it('is written as its format writes a key of NULLs, not as no key (a single NULL key column is no key)', () => {
    const e = new Engine();
    const ctx = { properties: { 'ksql.streams.auto.offset.reset': 'earliest' }, variables: new Map<string, string>() };
    for (const sql of [
      "CREATE STREAM D3 (A STRING KEY, B INT KEY, C STRING) WITH (KAFKA_TOPIC='d3', PARTITIONS=1, FORMAT='DELIMITED');",
      'CREATE STREAM D3C AS SELECT * FROM D3;',
      "CREATE STREAM D3J WITH (FORMAT='JSON') AS SELECT * FROM D3;",
      "CREATE STREAM MJ (A STRING KEY, B INT KEY, C STRING) WITH (KAFKA_TOPIC='mj', PARTITIONS=1, FORMAT='JSON');",
      "CREATE STREAM SJ (A STRING KEY, C STRING) WITH (KAFKA_TOPIC='sj', PARTITIONS=1, FORMAT='JSON');",
    ]) e.executeStatement(sql, ctx);
    e.topics.append('d3', { key: Buffer.from(','), value: Buffer.from('x'), timestamp: 1 });
    e.executeStatement("INSERT INTO MJ (C) VALUES ('q');", ctx);
    e.executeStatement("INSERT INTO SJ (C) VALUES ('q');", ctx);
    e.drain();
    const keys = (topic: string) => e.topics.get(topic)!.records().map((r) => r.key?.toString() ?? null);
    expect(keys('D3C')).toEqual([',']);
    expect(keys('D3J')).toEqual(['{"A":null,"B":null}']);
    expect(keys('mj')).toEqual(['{"A":null,"B":null}']);
    expect(keys('sj')).toEqual([null]);
  });

  it('is a key to a table over the topic: its row is kept and counted, as a record with key bytes is', () => {
    const e = new Engine();
    const ctx = { properties: { 'ksql.streams.auto.offset.reset': 'earliest' }, variables: new Map<string, string>() };
    for (const sql of [
      "CREATE STREAM S (A STRING KEY, B INT KEY, C STRING) WITH (KAFKA_TOPIC='s', PARTITIONS=1, FORMAT='JSON');",
      "CREATE TABLE T (A STRING PRIMARY KEY, B INT PRIMARY KEY, C STRING) WITH (KAFKA_TOPIC='s', FORMAT='JSON');",
      "INSERT INTO S (C) VALUES ('q');",
      "INSERT INTO S (A, C) VALUES ('a', 'r');",
      'CREATE TABLE QT AS SELECT * FROM T;',
      'CREATE TABLE AG AS SELECT C, COUNT(*) AS N FROM T GROUP BY C;',
    ]) e.executeStatement(sql, ctx);
    e.drain();
    expect(sink(e, 'QT').map((x) => x.replace(/ @\d+$/, ''))).toEqual(['{"A":null,"B":null} -> {"C":"q"}', '{"A":"a","B":null} -> {"C":"r"}']);
    expect(sink(e, 'AG').map((x) => x.replace(/ @\d+$/, ''))).toEqual(['"q" -> {"N":1}', '"r" -> {"N":1}']);
  });
});
