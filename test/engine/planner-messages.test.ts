import { describe, expect, it } from 'vitest';
import { parseStatement } from '../../src/engine/sql/parser.js';
import { T, typeToString } from '../../src/engine/sql/types.js';
import { MetaStore } from '../../src/engine/catalog/metastore.js';
import { planQuery } from '../../src/engine/analysis/planner.js';

/** An engine that has run the statements (reading topics from the start unless told otherwise). */
async function engineAfter(statements: string[], properties: Record<string, string> = { 'ksql.streams.auto.offset.reset': 'earliest' }) {
  const { Engine } = await import('../../src/engine/engine.js');
  const engine = new Engine({ properties });
  const ctx = { properties: {}, variables: new Map<string, string>() };
  for (const s of statements) engine.executeStatement(s, ctx);
  return engine;
}

const metastore = new MetaStore();
metastore.put({
  name: 'INPUT', type: 'STREAM', topic: 'input', isSource: false, statement: '',
  keyFormat: { format: 'JSON' }, valueFormat: { format: 'JSON' },
  columns: [{ name: 'K', type: T.INTEGER, ns: 'KEY' }, { name: 'K2', type: T.INTEGER, ns: 'KEY' }, { name: 'S', type: T.STRING, ns: 'VALUE' }],
});
const plan = (select: string) => {
  const stmt = parseStatement(`${select};`);
  if (stmt.kind !== 'select') throw new Error('not a query');
  return planQuery(stmt.query, metastore, { persistent: true, sinkName: 'OUTPUT' });
};

metastore.put({
  name: 'R', type: 'STREAM', topic: 'r', isSource: false, statement: '',
  keyFormat: { format: 'JSON' }, valueFormat: { format: 'JSON' },
  columns: [{ name: 'RK', type: T.INTEGER, ns: 'KEY' }, { name: 'T', type: T.STRING, ns: 'VALUE' }],
});

describe('PARTITION BY over a join', () => {
  it('keys the joined rows by its expression, which the projection must select', () => {
    const p = plan('SELECT I.S, I.K, R.RK FROM INPUT I JOIN R WITHIN 10 SECONDS ON I.K = R.RK PARTITION BY I.S');
    expect(p.columns.map((c) => [c.name, c.isKey])).toEqual([['S', true], ['K', false], ['RK', false]]);
    expect(() => plan('SELECT I.K, R.RK FROM INPUT I JOIN R WITHIN 10 SECONDS ON I.K = R.RK PARTITION BY S'))
      .toThrow('must include the partitioning expression I.S in its projection (eg, SELECT I.S...).');
  });
});

describe('PARTITION BY over a join, through the engine', () => {
  const joinWith = async (partitionBy: string, select: string) => {
    const engine = await engineAfter([
      "CREATE STREAM L (K STRING KEY, A STRING, B STRING) WITH (kafka_topic='l', value_format='JSON', partitions=1);",
      "CREATE STREAM R (K STRING KEY, C STRING) WITH (kafka_topic='r', value_format='JSON', partitions=1);",
      `CREATE STREAM OUT AS SELECT ${select} FROM L JOIN R WITHIN 1 MINUTE ON L.K = R.K PARTITION BY ${partitionBy};`,
    ]);
    engine.topics.append('l', { key: Buffer.from('k1'), value: Buffer.from('{"A":"a1","B":"b1"}'), timestamp: 1 });
    engine.topics.append('r', { key: Buffer.from('k1'), value: Buffer.from('{"C":"c1"}'), timestamp: 2 });
    engine.drain();
    return { columns: engine.metastore.get('OUT')!.columns.map((c) => `${c.name} ${c.ns}`), records: engine.topics.get('OUT')!.records().map((r) => [r.key?.toString() ?? null, r.value!.toString()]) };
  };

  it('keys the joined rows by its expression', async () => {
    const out = await joinWith('L.B', 'L.B, L.A, R.C');
    expect(out.columns).toEqual(['B KEY', 'A VALUE', 'C VALUE']);
    expect(out.records).toEqual([['b1', '{"A":"a1","C":"c1"}']]);
  });

  it('SELECT * brings each side\'s value, pseudo and key columns, as the joined rows hold them before the re-keying', async () => {
    const out = await joinWith('L.B', '*');
    expect(out.columns).toEqual(['L_B KEY', 'L_A VALUE', 'L_ROWTIME VALUE', 'L_ROWPARTITION VALUE', 'L_ROWOFFSET VALUE', 'L_K VALUE', 'R_C VALUE', 'R_ROWTIME VALUE', 'R_ROWPARTITION VALUE', 'R_ROWOFFSET VALUE', 'R_K VALUE']);
    expect(out.records).toEqual([['b1', '{"L_A":"a1","L_ROWTIME":1,"L_ROWPARTITION":0,"L_ROWOFFSET":0,"L_K":"k1","R_C":"c1","R_ROWTIME":2,"R_ROWPARTITION":0,"R_ROWOFFSET":0,"R_K":"k1"}']]);
  });

  it('PARTITION BY NULL leaves the joined rows without a key', async () => {
    const out = await joinWith('NULL', 'L.A, R.C');
    expect(out.columns).toEqual(['A VALUE', 'C VALUE']);
    expect(out.records).toEqual([[null, '{"A":"a1","C":"c1"}']]);
  });
});

describe('persistent query messages', () => {
  it.each([
    ['SELECT K, S FROM INPUT', 'must include the key columns K and K2 in its projection (eg, SELECT K, K2...).'],
    ['SELECT K, S FROM INPUT PARTITION BY K, K2', 'must include the partitioning expressions INPUT.K and INPUT.K2 in its projection (eg, SELECT INPUT.K, INPUT.K2...).'],
    ['SELECT K, K2, CAST(S AS ARRAY<INT>) AS A FROM INPUT', 'Invalid Select: Cast of STRING to ARRAY<INTEGER> is not supported'],
    ['SELECT K, K2, COALESCE() AS C FROM INPUT', "Function 'COALESCE' does not accept parameters ()."],
    ['SELECT K, K2, LCASE(K) AS C FROM INPUT', "Function 'lcase' does not accept parameters (INTEGER)."],
    ['SELECT K, COUNT(*) AS N FROM INPUT WINDOW TUMBLING (SIZE 2 MILLISECONDS)', 'Non-aggregate SELECT expression(s) not part of GROUP BY: K\n'],
    ['SELECT COUNT(*) AS N FROM INPUT WINDOW TUMBLING (SIZE 2 MILLISECONDS)', 'WINDOW clause requires a GROUP BY clause.'],
    ['SELECT * FROM INPUT WINDOW TUMBLING (SIZE 2 MILLISECONDS)', 'WINDOW clause requires a GROUP BY clause.'],
  ])('%s', (select, message) => {
    expect(() => plan(select)).toThrow(message);
  });
});

describe('statement checks, through the engine', () => {
  const run = async (statements: string[], properties: Record<string, string> = {}) => {
    const { Engine } = await import('../../src/engine/engine.js');
    const engine = new Engine({ properties });
    const ctx = { properties: {}, variables: new Map<string, string>() };
    for (const s of statements) engine.executeStatement(s, ctx);
    return engine;
  };
  const input = "CREATE STREAM IN1 (K STRING KEY, A STRING, B STRING) WITH (kafka_topic='in1', value_format='JSON', partitions=1);";

  it.each([
    ['WRAP_SINGLE_VALUE on a sink of two value columns', "CREATE STREAM OUT1 WITH (WRAP_SINGLE_VALUE=true) AS SELECT * FROM IN1;", "'WRAP_SINGLE_VALUE' is only valid for single-field value schemas"],
    ['a STRUCT with a field twice', 'CREATE STREAM OUT1 AS SELECT K, STRUCT(F := A, F := B) AS S FROM IN1;', 'Duplicate field names found in STRUCT'],
    ['a bare NULL column in a sink', 'CREATE STREAM OUT1 AS SELECT K, NULL AS N FROM IN1;', "Can't infer a type of null"],
    ['a lambda whose result is a bare NULL (ARRAY<NULL>, no type a schema has)', "CREATE STREAM OUT1 AS SELECT K, TRANSFORM(ARRAY[A], x => NULL) AS T FROM IN1;", "Can't infer a type of null"],
    ['a system column selected as it is', 'CREATE STREAM OUT1 AS SELECT K, ROWTIME FROM IN1;', 'Reserved column name in select: `ROWTIME`. Please remove or alias the column.'],
    ['another column aliased to a system column', 'CREATE STREAM OUT1 AS SELECT K, A AS ROWOFFSET FROM IN1;', '`ROWOFFSET` is a reserved column name. You cannot use it as an alias for a column.'],
    ['a stream without columns', "CREATE STREAM OUT2 WITH (kafka_topic='o2', value_format='DELIMITED', partitions=1);", 'No columns supplied.'],
    ['a windowed source without a key column', "CREATE STREAM OUT2 (A INT) WITH (kafka_topic='o2', value_format='JSON', partitions=1, window_type='SESSION');", 'Windowed sources require a key column.'],
    ['the NONE key format with a key column', "CREATE STREAM OUT2 (K STRING KEY, A INT) WITH (kafka_topic='o2', key_format='NONE', value_format='JSON', partitions=1);", "The 'NONE' format can only be used when no columns are defined. Got: [`K` STRING KEY]"],
    ['an aggregate and a loose column without GROUP BY', 'CREATE TABLE OUT1 AS SELECT A, COUNT(*) AS C FROM IN1;', 'Non-aggregate SELECT expression(s) not part of GROUP BY: A'],
    ['a persistent aggregate without GROUP BY', 'CREATE TABLE OUT1 AS SELECT COUNT(*) AS C FROM IN1;', 'CREATE TABLE AS SELECT statement does not support aggregate function [COUNT(ROWTIME)] without a GROUP BY clause.'],
    ['SELECT * with columns outside the GROUP BY', 'CREATE TABLE OUT1 AS SELECT *, COUNT(*) AS C FROM IN1 GROUP BY K;', 'Non-aggregate SELECT expression(s) not part of GROUP BY: A, B'],
    ['GROUP BY over the KAFKA value format', "CREATE TABLE OUT1 AS SELECT A, COUNT(*) AS C FROM KV GROUP BY A;", "Source(s) KV are using the 'KAFKA' value format. This format does not yet support GROUP BY."],
    ['an AVRO map with INT keys', "CREATE STREAM OUT2 (M MAP<INT, DOUBLE>) WITH (kafka_topic='o2', value_format='AVRO', partitions=1);", 'Avro only supports MAPs with STRING keys'],
    ['an AVRO field name Avro refuses', "CREATE STREAM OUT2 (`1ABC` DOUBLE) WITH (kafka_topic='o2', value_format='AVRO', partitions=1);", 'Schema is not compatible with Avro: Illegal initial character: 1ABC'],
    ['an AVRO field name with a character Avro refuses', "CREATE STREAM OUT2 (`A-B` DOUBLE) WITH (kafka_topic='o2', value_format='AVRO', partitions=1);", 'Schema is not compatible with Avro: Illegal character in: A-B'],
    ['a JSON_SR map with INT keys', 'CREATE STREAM OUT2 WITH (value_format=\'JSON_SR\') AS SELECT K, MAP(1 := A) AS M FROM IN1;', 'JSON only supports MAP types with STRING keys'],
    ['SELECT with an unknown source qualifier', 'CREATE STREAM OUT1 AS SELECT UNKNOWN.* FROM IN1;', "'UNKNOWN' is not a valid stream/table name or alias."],
    ['HAVING on a column outside the GROUP BY', 'CREATE TABLE OUT1 AS SELECT K, COUNT(*) AS C FROM IN1 GROUP BY K HAVING LEN(A) < 2;', 'Non-aggregate HAVING expression not part of GROUP BY: A'],
    ['a join comparing columns of different types', "CREATE STREAM OUT1 AS SELECT I1.K, I1.A, I2.N FROM IN1 I1 JOIN NUM I2 WITHIN 1 MINUTE ON I1.K = I2.K WHERE I1.A > I2.N;", 'Cannot compare I1_A (STRING) to I2_N (INTEGER) with GREATER_THAN.'],
    ['a grouping key projected twice', 'CREATE TABLE OUT1 AS SELECT K, A, K AS K3, COUNT(*) AS C FROM IN1 GROUP BY K, A;', 'The projection contains a key column more than once: `K` and `K3`.'],
    ['an aggregation that projects only its key', 'CREATE TABLE OUT1 AS SELECT K FROM IN1 GROUP BY K HAVING COUNT(*) = 1;', 'The projection contains no value columns.'],
    ['an aggregate with structured state over DELIMITED', "CREATE TABLE OUT1 AS SELECT K, STDDEV_SAMP(N) AS S FROM DL GROUP BY K;", 'One of the functions used in the statement has an intermediate type that the value format can not handle.'],
    ['ATTR over DELIMITED (its state is a list of values and counts)', "CREATE TABLE OUT1 AS SELECT K, ATTR(N) AS S FROM DL GROUP BY K;", 'One of the functions used in the statement has an intermediate type that the value format can not handle.'],
    ['one aggregate a table source cannot take (function, not functions)', 'CREATE TABLE OUT1 AS SELECT V, MIN(LEN(ID)) AS M FROM T2 GROUP BY V;', 'The aggregation function MIN cannot be applied to a table source, only to a stream source.'],
    ['arithmetic with a bare NULL', 'CREATE STREAM OUT1 AS SELECT K, 1 + NULL AS X FROM IN1;', 'Error processing expression: (1 + null). Arithmetic on types INTEGER and null are not supported.'],
    ['a later join whose sides name one source, before an earlier join\'s key problem', "CREATE STREAM OUT1 AS SELECT * FROM IN1 JOIN T2 ON IN1.A = T2.V JOIN T3 ON IN1.A = IN1.A;", 'Each side of the join must reference exactly one source and not the same source. Left side references `IN1` and right references `IN1`'],
    ['a join without its key in the projection, bare columns named with their source', 'CREATE STREAM OUT1 AS SELECT IN1.B, V FROM IN1 JOIN T2 ON IN1.A = ID;', 'must include the join expressions IN1.A or T2.ID in its projection'],
    ['a sink TIMESTAMP column the projection lacks, before its missing key', "CREATE STREAM OUT1 WITH (timestamp='nope') AS SELECT A FROM IN1;", "The TIMESTAMP column set in the WITH clause does not exist in the schema: 'NOPE'"],
    ['window bounds selected by a windowed aggregate over a join', 'CREATE TABLE OUT1 AS SELECT IN1.K, COUNT(*) AS C, WINDOWSTART AS WS FROM IN1 JOIN T2 ON IN1.K = T2.ID WINDOW TUMBLING (SIZE 10 MILLISECONDS) GROUP BY IN1.K;', "SELECT column 'WINDOWSTART' cannot be resolved."],
    ['NULL as a column type', "CREATE STREAM OUT2 (K STRING KEY, M MAP<STRING, NULL>) WITH (kafka_topic='o2', value_format='JSON', partitions=1);", 'Syntax Error'],
  ])('%s is refused', async (_name, statement, message) => {
    const others = ["CREATE TABLE T2 (ID STRING PRIMARY KEY, V STRING) WITH (kafka_topic='t2', value_format='JSON', partitions=1);", "CREATE TABLE T3 (ID STRING PRIMARY KEY, V STRING) WITH (kafka_topic='t3', value_format='JSON', partitions=1);", "CREATE STREAM DL (K STRING KEY, N INT) WITH (kafka_topic='dl', value_format='DELIMITED', partitions=1);", "CREATE STREAM KV (K STRING KEY, A STRING) WITH (kafka_topic='kv', value_format='KAFKA', partitions=1);", "CREATE STREAM NUM (K STRING KEY, N INT) WITH (kafka_topic='num', value_format='JSON', partitions=1);"];
    await expect(run([input, ...others, statement])).rejects.toThrow(message);
  });

  it('ALTER on a SOURCE stream names the source', async () => {
    await expect(run(["CREATE SOURCE STREAM S (K STRING KEY, A STRING) WITH (kafka_topic='s', value_format='JSON', partitions=1);", 'ALTER STREAM S ADD COLUMN B INT;']))
      .rejects.toThrow("Cannot alter stream 'S': ALTER operations are not supported on source streams.");
  });

  it('a sink that gains a key from a keyless source takes ksql.persistence.default.format.key, else the other join side\'s key format, else KAFKA', async () => {
    const keyless = [
      "CREATE STREAM NK (FOO INT, BAR INT) WITH (kafka_topic='nk', key_format='NONE', value_format='JSON', partitions=1);",
      "CREATE TABLE T (ID INT PRIMARY KEY, VAL STRING) WITH (kafka_topic='t', key_format='DELIMITED', value_format='JSON', partitions=1);",
      'CREATE STREAM BY_BAR AS SELECT * FROM NK PARTITION BY BAR;',
      'CREATE STREAM JOINED AS SELECT NK.FOO, VAL FROM NK JOIN T ON NK.FOO = T.ID;',
    ];
    const plain = await run(keyless);
    expect(plain.metastore.get('BY_BAR')!.keyFormat.format).toBe('KAFKA');
    expect(plain.metastore.get('JOINED')!.keyFormat.format).toBe('DELIMITED');
    const configured = await run(keyless, { 'ksql.persistence.default.format.key': 'JSON' });
    expect(configured.metastore.get('BY_BAR')!.keyFormat.format).toBe('JSON');
  });

  it('INSERT INTO a plain stream from a windowed join writes plain keys; an n-way join of windowed streams on their keys runs', async () => {
    const { windowedKey } = await import('../../src/engine/serde/formats.js');
    const ddl = (name: string) => `CREATE STREAM ${name} (K INT KEY, ID BIGINT) WITH (kafka_topic='${name.toLowerCase()}', value_format='JSON', partitions=1, window_type='TUMBLING', window_size='2 SECONDS');`;
    const engine = await run([ddl('W1'), ddl('W2'), ddl('W3'),
      "CREATE STREAM PLAIN (S1_K INT KEY, A BIGINT, B BIGINT) WITH (kafka_topic='plain', value_format='JSON', partitions=1);",
      'INSERT INTO PLAIN SELECT W1.K AS S1_K, W1.ID AS A, W2.ID AS B FROM W1 JOIN W2 WITHIN 1 MINUTE ON W1.K = W2.K;',
      'CREATE STREAM THREE AS SELECT * FROM W1 JOIN W2 WITHIN 1 MINUTE ON W1.K = W2.K JOIN W3 WITHIN 1 MINUTE ON W2.K = W3.K;',
    ], { 'ksql.streams.auto.offset.reset': 'earliest' });
    const key = Buffer.alloc(4); key.writeInt32BE(7);
    for (const t of ['w1', 'w2']) engine.topics.append(t, { key: windowedKey(key, { start: 0, end: 2000 }, false), value: Buffer.from('{"ID":1}'), timestamp: 0 });
    engine.drain();
    const [rec] = engine.topics.get('plain')!.records();
    expect(rec!.key).toEqual(key);
  });

  it('windowed sources join only on their keys, and session windows only to session windows', async () => {
    const ddl = (name: string, w: string) => `CREATE STREAM ${name} (ID INT KEY, V INT) WITH (kafka_topic='${name.toLowerCase()}', value_format='JSON', partitions=1, ${w});`;
    await expect(run([ddl('W1', "window_type='SESSION'"), ddl('W2', "window_type='TUMBLING', window_size='1 SECOND'"), 'CREATE STREAM J AS SELECT * FROM W1 JOIN W2 WITHIN 1 MINUTE ON W1.ID = W2.ID;']))
      .rejects.toThrow('Session windowed sources can only be joined to other session windowed sources');
    await expect(run([ddl('W1', "window_type='HOPPING', window_size='5 SECONDS'"), ddl('W2', "window_type='TUMBLING', window_size='1 SECOND'"), 'CREATE STREAM J AS SELECT * FROM W1 JOIN W2 WITHIN 1 MINUTE ON W1.ID = W2.V;']))
      .rejects.toThrow('Implicit repartitioning of windowed sources is not supported.');
    const tdl = (name: string) => `CREATE TABLE ${name} (K STRING PRIMARY KEY, F STRING) WITH (kafka_topic='${name.toLowerCase()}', value_format='JSON', partitions=1, window_type='TUMBLING', window_size='1 SECOND');`;
    const tables = await run([tdl('T1'), tdl('T2')]);
    const push = parseStatement('SELECT * FROM T1 JOIN T2 ON T1.F = T2.K EMIT CHANGES;');
    if (push.kind !== 'select') throw new Error('not a query');
    expect(() => planQuery(push.query, tables.metastore, { persistent: false, push: true })).toThrow('Foreign-key table-table joins are not supported on windowed tables.');
  });

  it('a struct field named like a source column gets a suffix', async () => {
    const engine = await run([
      "CREATE STREAM O (K STRING KEY, ITEMID STRUCT<ITEMID BIGINT, NAME STRING>) WITH (kafka_topic='o', value_format='JSON', partitions=1);",
      'CREATE STREAM S4 AS SELECT K, ITEMID->ITEMID, ITEMID->NAME, ITEMID AS IID FROM O;',
    ]);
    expect(engine.metastore.get('S4')!.columns.map((c) => c.name)).toEqual(['K', 'ITEMID_1', 'NAME', 'IID']);
  });

  it('a join of windowed streams is windowed: SELECT * brings each side\'s window bounds, and records keep the window', async () => {
    const { windowedKey, splitWindowedKey } = await import('../../src/engine/serde/formats.js');
    const ddl = (name: string, topic: string) => `CREATE STREAM ${name} (K INT KEY, ID BIGINT) WITH (kafka_topic='${topic}', value_format='JSON', partitions=1, window_type='TUMBLING', window_size='2 SECONDS');`;
    const engine = await run([ddl('S1', 'l'), ddl('S2', 'r'), 'CREATE STREAM J AS SELECT * FROM S1 JOIN S2 WITHIN 1 MINUTE ON S1.K = S2.K;'], { 'ksql.streams.auto.offset.reset': 'earliest' });
    const key = Buffer.alloc(4); key.writeInt32BE(1);
    engine.topics.append('l', { key: windowedKey(key, { start: 0, end: 2000 }, false), value: Buffer.from('{"ID":1}'), timestamp: 0 });
    engine.topics.append('r', { key: windowedKey(key, { start: 0, end: 2000 }, false), value: Buffer.from('{"ID":4}'), timestamp: 0 });
    engine.drain();
    const j = engine.metastore.get('J')!;
    expect(j.windowInfo).toEqual({ type: 'TUMBLING', sizeMs: 2000 });
    expect(j.columns.map((c) => c.name)).toEqual(['S1_K', 'S1_WINDOWSTART', 'S1_WINDOWEND', 'S1_ID', 'S2_K', 'S2_WINDOWSTART', 'S2_WINDOWEND', 'S2_ID']);
    const [rec] = engine.topics.get('J')!.records();
    expect(splitWindowedKey(rec!.key!, false, 2000).window).toEqual({ start: 0, end: 2000 });
    expect(JSON.parse(rec!.value!.toString())).toMatchObject({ S1_WINDOWSTART: 0, S1_WINDOWEND: 2000, S2_ID: 4 });
  });

  it.each([
    ['TUMBLING', "window_type='TUMBLING', window_size='2 SECONDS'", false, [[0, 2000], [2000, 4000], [0, 2000]], ['1:3']],
    ['SESSION', "window_type='SESSION'", true, [[0, 500], [0, 900], [0, 500]], ['1:3']],
  ])('windowed streams join only rows of the same window (%s: its whole windowed key)', async (_type, windowing, session, windows, joined) => {
    const { windowedKey } = await import('../../src/engine/serde/formats.js');
    const ddl = (name: string, topic: string) => `CREATE STREAM ${name} (K INT KEY, ID BIGINT) WITH (kafka_topic='${topic}', value_format='JSON', partitions=1, ${windowing});`;
    const engine = await run([ddl('S1', 'l'), ddl('S2', 'r'), 'CREATE STREAM J AS SELECT S1.K, S1.ID AS L, S2.ID AS R FROM S1 JOIN S2 WITHIN 1 MINUTE ON S1.K = S2.K;'], { 'ksql.streams.auto.offset.reset': 'earliest' });
    const key = Buffer.alloc(4); key.writeInt32BE(1);
    const [left, ...rights] = windows as [number, number][];
    engine.topics.append('l', { key: windowedKey(key, { start: left![0], end: left![1] }, session as boolean), value: Buffer.from('{"ID":1}'), timestamp: left![1] });
    // the first right row shares the key but not the window; the second shares both
    rights.forEach(([start, end], i) => engine.topics.append('r', { key: windowedKey(key, { start, end }, session as boolean), value: Buffer.from(`{"ID":${i + 2}}`), timestamp: end }));
    engine.drain();
    expect(engine.topics.get('J')!.records().map((r) => { const v = JSON.parse(r.value!.toString()); return `${v.L}:${v.R}`; })).toEqual(joined);
  });

  it('a PROTOBUF table answers pull queries with what its changelog reads back (NULL as the default)', async () => {
    const { runPullQuery } = await import('../helpers/pull.js');
    const { parseStatement } = await import('../../src/engine/sql/parser.js');
    const engine = await run([
      "CREATE TABLE PT (K INT PRIMARY KEY, S STRING, N INT) WITH (kafka_topic='pt', format='JSON', partitions=1);",
      "CREATE TABLE PB WITH (value_format='PROTOBUF') AS SELECT * FROM PT;",
      "INSERT INTO PT (K, S, N) VALUES (1, NULL, NULL);",
    ], { 'ksql.streams.auto.offset.reset': 'earliest' });
    engine.drain();
    const q = parseStatement('SELECT * FROM PB WHERE K = 1;');
    if (q.kind !== 'select') throw new Error('not a query');
    expect(runPullQuery(engine, q.query).rows).toEqual([[1, '', 0]]);
  });

  it('AVRO takes any letter in a name, as Avro\'s Java library does', async () => {
    const engine = await run(["CREATE STREAM U (`café` DOUBLE) WITH (kafka_topic='u', value_format='AVRO', partitions=1);"]);
    expect(engine.metastore.get('U')!.columns.map((c) => c.name)).toEqual(['café']);
  });

  it('ksql.persistence.wrap.single.values=false unwraps a single value column, and only that', async () => {
    const engine = await run([input, 'CREATE STREAM ONE AS SELECT K, A FROM IN1;', 'CREATE STREAM TWO AS SELECT K, A, B FROM IN1;'], { 'ksql.persistence.wrap.single.values': 'false' });
    expect(engine.metastore.get('ONE')!.valueFormat.wrapSingle).toBe(false);
    expect(engine.metastore.get('TWO')!.valueFormat.wrapSingle).toBeUndefined();
  });
});

describe('a function that fails while a row is evaluated', () => {
  it('gives NULL in its place and a processing error; the rest of the row goes on', async () => {
    const engine = await engineAfter([
      "CREATE STREAM D (K STRING KEY, F STRING) WITH (kafka_topic='d', value_format='JSON', partitions=1);",
      "CREATE STREAM OUT1 AS SELECT K, IFNULL(CAST(PARSE_DATE(F, 'yyyy-MM-dd') AS STRING), 'none') AS V, ARRAY[F, CAST(PARSE_DATE(F, 'yyyy-MM-dd') AS STRING)] AS A FROM D;",
      "INSERT INTO D (K, F) VALUES ('a', '2022-02-02');",
      "INSERT INTO D (K, F) VALUES ('b', 'abcd');",
    ]);
    engine.drain();
    const out = engine.topics.get('OUT1')!.records().map((r) => JSON.parse(r.value!.toString()) as unknown);
    expect(out).toEqual([{ V: '2022-02-02', A: ['2022-02-02', '2022-02-02'] }, { V: 'none', A: ['abcd', null] }]);
    const q = [...engine.queries.values()].find((x) => x.sinkName === 'OUT1')!;
    expect(q.runtime!.stats.errors).toBe(2);
  });
});

describe('INSERT INTO with integer literals for DECIMAL columns', () => {
  const setup = [
    "CREATE STREAM SRC (IGNORED STRING) WITH (kafka_topic='src', value_format='JSON', partitions=1);",
    "CREATE STREAM DST (C1 DECIMAL(5, 2)) WITH (kafka_topic='dst', value_format='JSON', partitions=1);",
  ];
  const engineWith = (insert: string) => engineAfter([...setup, insert]);

  it('casts a literal whose digits fit the column, and writes it with the column\'s scale', async () => {
    const engine = await engineWith('INSERT INTO DST SELECT 123 AS C1 FROM SRC;');
    engine.topics.append('src', { key: null, value: Buffer.from('{"IGNORED":"x"}'), timestamp: 1 });
    engine.drain();
    expect(engine.topics.get('dst')!.records().map((r) => r.value!.toString())).toEqual(['{"C1":123.00}']);
  });

  it('refuses a literal with more integer digits than the column holds', async () => {
    await expect(engineWith('INSERT INTO DST SELECT 1234 AS C1 FROM SRC;')).rejects.toThrow('Incompatible schema between results and sink.');
  });
});

describe('a sink written with a registered schema (VALUE_SCHEMA_ID)', () => {
  const engineWithSchema = async (fields: { name: string; type: unknown }[]) => {
    const { Engine } = await import('../../src/engine/engine.js');
    const engine = new Engine({});
    const id = engine.registry.register('elsewhere', { schema: JSON.stringify({ type: 'record', name: 'R', fields }) });
    engine.executeStatement("CREATE STREAM IN1 (`id` INT KEY, `c1` INT) WITH (kafka_topic='in1', value_format='AVRO', partitions=1);", { properties: {}, variables: new Map() });
    return { engine, create: () => engine.executeStatement(`CREATE STREAM OUT1 WITH (value_schema_id=${id}) AS SELECT * FROM IN1;`, { properties: {}, variables: new Map() }) };
  };

  it('takes a schema whose first columns are the query\'s, with more after them', async () => {
    const { engine, create } = await engineWithSchema([{ name: 'c1', type: 'int' }, { name: 'c2', type: ['null', 'int'] }]);
    create();
    expect(engine.metastore.get('OUT1')!.columns.map((c) => c.name)).toEqual(['id', 'c1']);
  });

  it('with a required field the query lacks, fails the record as a serialization error of the sink, which stops the query (elements.json: Unable to serialize record)', async () => {
    const { engine, create } = await engineWithSchema([{ name: 'c1', type: 'int' }, { name: 'c2', type: 'double' }]);
    create();
    const input = engine.metastore.get('IN1')!;
    const { serdesOf } = await import('../../src/engine/catalog/metastore.js');
    engine.topics.append('in1', { key: serdesOf(input).key.serialize([42]), value: serdesOf(input).value.serialize([4]), timestamp: 0 });
    engine.drain();
    const q = [...engine.queries.values()].find((x) => x.sinkName === 'OUT1')!;
    expect(q.runtime!.stats.errors).toBe(1);
    expect(q.runtime!.state).toBe('ERROR');
    expect(q.runtime!.stats.lastError).toMatch(/^Exception caught in process: Unable to serialize record for topic OUT1: /);
    expect(engine.topics.get('OUT1')!.size).toBe(0);
  });

  it.each([
    ['another type', [{ name: 'c1', type: 'string' }, { name: 'c2', type: 'double' }], '[`c1` STRING, `c2` DOUBLE]'],
    ['another order', [{ name: 'c2', type: 'double' }, { name: 'c1', type: 'int' }], '[`c2` DOUBLE, `c1` INTEGER]'],
  ])('refuses one with the query\'s columns in %s', async (_name, fields, registered) => {
    const { create } = await engineWithSchema(fields);
    expect(create).toThrow(`The following value columns are changed, missing or reordered: [\`c1\` INTEGER]. Schema from schema registry is ${registered}`);
  });
});

describe('columns taken from a registered record schema', () => {
  const record = JSON.stringify({ type: 'record', name: 'R', fields: [{ name: 'F1', type: ['null', 'string'] }] });
  const columnsOf = async (subject: string, create: string) => {
    const { Engine } = await import('../../src/engine/engine.js');
    const engine = new Engine({});
    engine.registry.register(subject, { schema: record });
    engine.executeStatement(create, { properties: {}, variables: new Map() });
    return engine.metastore.get('S')!.columns.map((c) => `${c.name} ${c.ns} ${c.type.kind}`);
  };

  it('are one STRUCT key column: an Avro key is the record itself', async () => {
    expect(await columnsOf('t-key', "CREATE STREAM S (V INT) WITH (kafka_topic='t', format='AVRO', partitions=1);")).toEqual(['ROWKEY KEY STRUCT', 'V VALUE INTEGER']);
  });

  it('are the record\'s fields for a value, and one STRUCT column for a value read unwrapped', async () => {
    expect(await columnsOf('t-value', "CREATE STREAM S WITH (kafka_topic='t', value_format='AVRO', partitions=1);")).toEqual(['F1 VALUE STRING']);
    expect(await columnsOf('t-value', "CREATE STREAM S WITH (kafka_topic='t', value_format='AVRO', wrap_single_value=false, partitions=1);")).toEqual(['ROWVAL VALUE STRUCT']);
  });
});

describe('a pull query scanning a table', () => {
  it('goes through its partitions in turn, each in key-bytes order, so LIMIT takes what ksqlDB\'s stores give first', async () => {
    const { runPullQuery } = await import('../helpers/pull.js');
    const { parseStatement } = await import('../../src/engine/sql/parser.js');
    const { partitionForKey } = await import('../../src/engine/storage/partitioner.js');
    const keys = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h'];
    const engine = await engineAfter([
      "CREATE TABLE T (K STRING PRIMARY KEY, V INT) WITH (kafka_topic='t', format='JSON', partitions=4);",
      'CREATE TABLE Q AS SELECT * FROM T;',
      ...keys.map((k, i) => `INSERT INTO T (K, V) VALUES ('${k}', ${i});`),
    ]);
    engine.drain();
    const scan = (sql: string) => { const q = parseStatement(sql); if (q.kind !== 'select') throw new Error('not a query'); return runPullQuery(engine, q.query, { 'ksql.query.pull.limit.clause.enabled': true }).rows.map((r) => r[0]); };
    // the JSON key "a" is the bytes "\"a\"": partition by murmur2 of those, then byte order
    const expected = [...keys].sort((x, y) => partitionForKey(Buffer.from(JSON.stringify(x)), 4) - partitionForKey(Buffer.from(JSON.stringify(y)), 4) || x.localeCompare(y));
    expect(scan('SELECT * FROM Q;')).toEqual(expected);
    expect(scan('SELECT * FROM Q LIMIT 3;')).toEqual(expected.slice(0, 3));
  });
});

describe('the synthetic key of a FULL OUTER join', () => {
  const sources = [
    "CREATE STREAM S1 (ROWKEY INT KEY, A STRING) WITH (kafka_topic='s1', format='JSON', partitions=1);",
    "CREATE STREAM S2 (ROWKEY INT KEY, B STRING) WITH (kafka_topic='s2', format='JSON', partitions=1);",
  ];
  it('is ROWKEY_1 when the sources already have a ROWKEY column', async () => {
    const engine = await engineAfter([...sources, 'CREATE STREAM OUT AS SELECT ROWKEY_1, S1.A, S2.B FROM S1 FULL OUTER JOIN S2 WITHIN 10 SECONDS ON S1.ROWKEY = S2.ROWKEY;']);
    expect(engine.metastore.get('OUT')!.columns.map((c) => `${c.name} ${c.ns}`)).toEqual(['ROWKEY_1 KEY', 'A VALUE', 'B VALUE']);
    await expect(engineAfter([...sources, 'CREATE STREAM OUT AS SELECT S1.A, S2.B FROM S1 FULL OUTER JOIN S2 WITHIN 10 SECONDS ON S1.ROWKEY = S2.ROWKEY;']))
      .rejects.toThrow('must include the join expression ROWKEY_1 in its projection');
  });
});

describe('a stream record without a key', () => {
  it('keeps no key through a projection, where a key of NULL columns stays one', async () => {
    const engine = await engineAfter([
      "CREATE STREAM IN2 (K INT KEY, K2 INT KEY, V INT) WITH (kafka_topic='in2', format='JSON', partitions=1);",
      'CREATE STREAM OUT2 AS SELECT * FROM IN2;',
    ]);
    engine.topics.append('in2', { key: null, value: Buffer.from('{"V":0}'), timestamp: 0 });
    engine.topics.append('in2', { key: Buffer.from('{"K":null,"K2":null}'), value: Buffer.from('{"V":1}'), timestamp: 0 });
    engine.drain();
    expect(engine.topics.get('OUT2')!.records().map((r) => r.key?.toString() ?? null)).toEqual([null, '{"K":null,"K2":null}']);
  });
});

describe('ksql.new.query.planner.enabled', () => {
  const props = { 'ksql.streams.auto.offset.reset': 'earliest', 'ksql.new.query.planner.enabled': 'true' };
  const input = "CREATE STREAM IN3 (ID INT KEY, AGE INT KEY, NAME STRING) WITH (kafka_topic='in3', format='JSON', partitions=1);";
  it('keys a stream by the key columns it selects, in select order, or by none', async () => {
    const engine = await engineAfter([input, 'CREATE STREAM O1 AS SELECT AGE, ID, NAME FROM IN3;', 'CREATE STREAM O2 AS SELECT NAME FROM IN3;'], props);
    engine.topics.append('in3', { key: Buffer.from('{"ID":1,"AGE":20}'), value: Buffer.from('{"NAME":"a"}'), timestamp: 0 });
    engine.drain();
    expect(engine.metastore.get('O1')!.columns.map((c) => `${c.name} ${c.ns}`)).toEqual(['AGE KEY', 'ID KEY', 'NAME VALUE']);
    expect(engine.topics.get('O1')!.records().map((r) => r.key!.toString())).toEqual(['{"AGE":20,"ID":1}']);
    expect(engine.metastore.get('O2')!.columns.map((c) => `${c.name} ${c.ns}`)).toEqual(['NAME VALUE']);
    expect(engine.topics.get('O2')!.records().map((r) => r.key)).toEqual([null]);
  });
  it('still refuses a key column selected twice', async () => {
    await expect(engineAfter([input, 'CREATE STREAM O3 AS SELECT ID, ID AS ID2, NAME FROM IN3;'], props)).rejects.toThrow('The projection contains a key column (`ID`) more than once');
  });
  it('is off by default: a missing key column is refused', async () => {
    await expect(engineAfter([input, 'CREATE STREAM O2 AS SELECT NAME FROM IN3;'])).rejects.toThrow('Keys missing from projection');
  });
});

describe('maps read from JSON', () => {
  it('are walked in java.util.HashMap order by REDUCE, and TRANSFORM builds its result in that order', async () => {
    const engine = await engineAfter([
      "CREATE STREAM MS (ID STRING KEY, M MAP<STRING, DOUBLE>) WITH (kafka_topic='ms', value_format='JSON', partitions=1);",
      "CREATE STREAM MO AS SELECT ID, REDUCE(M, CAST(3.2 AS DOUBLE), (s, x, y) => CASE WHEN INSTR(x, 'ye') > 0 THEN CEIL(y * s) ELSE FLOOR(s * y) END) AS R, MAP_KEYS(TRANSFORM(M, (k, v) => UCASE(k), (k, v) => v)) AS K FROM MS;",
    ]);
    // inserted as yes, nope, sure: a HashMap of 3 walks yes, sure, nope (12, 26, 189); TRANSFORM's HashMap of 16 buckets gives YES, NOPE, SURE
    engine.topics.append('ms', { key: Buffer.from('"a"'), value: Buffer.from('{"M":{"yes, thanks":3.5,"nope":7.3,"sure, yeah":2.1}}'), timestamp: 0 });
    engine.drain();
    const [out] = engine.topics.get('MO')!.records().map((r) => JSON.parse(r.value!.toString()) as { R: number; K: string[] });
    expect(out!.R).toBe(189);
    // String.hashCode buckets of 16: YES, THANKS 1, NOPE 2, SURE, YEAH 4 (the input walked yes, sure, nope)
    expect(out!.K).toEqual(['YES, THANKS', 'NOPE', 'SURE, YEAH']);
  });

  it('REDUCE keeps its state of the initial value\'s type: a lambda giving a wider number is refused, not narrowed; a narrower one widens', async () => {
    const source = "CREATE STREAM RS (ID INT KEY, B BIGINT, D DOUBLE, ARR ARRAY<INT>) WITH (kafka_topic='rs', value_format='JSON', partitions=1);";
    for (const lambda of ['(s, x) => s + B', '(s, x) => s + D', '(s, x) => s + CAST(x AS DECIMAL(4, 1))']) {
      await expect(engineAfter([source, `CREATE STREAM RO AS SELECT ID, REDUCE(ARR, 0, ${lambda}) AS R FROM RS;`]), lambda).rejects.toThrow("Function 'reduce' does not accept parameters (ARRAY<INTEGER>, ...).");
    }
    const engine = await engineAfter([source, 'CREATE STREAM RO AS SELECT ID, REDUCE(ARR, B, (s, x) => x) AS R, REDUCE(ARR, CAST(0 AS BIGINT), (s, x) => s + B) AS W FROM RS;']);
    expect(engine.metastore.get('RO')!.columns.map((c) => `${c.name} ${typeToString(c.type)}`)).toEqual(['ID INTEGER', 'R BIGINT', 'W BIGINT']);
    engine.topics.append('rs', { key: null, value: Buffer.from('{"B":10000000000,"ARR":[3,1,2]}'), timestamp: 0 });
    engine.drain();
    expect(engine.topics.get('RO')!.records().map((r) => JSON.parse(r.value!.toString()) as unknown)).toEqual([{ R: 2, W: 30000000000 }]);
  });
});

describe('table functions and struct fields, named as ksqlDB names them', () => {
  metastore.put({
    name: 'TF', type: 'STREAM', topic: 'tf', isSource: false, statement: '',
    keyFormat: { format: 'KAFKA' }, valueFormat: { format: 'JSON' },
    columns: [{ name: 'ID', type: T.STRING, ns: 'KEY' }, { name: 'A', type: T.array(T.STRING), ns: 'VALUE' }, { name: 'M', type: T.map(T.STRING, T.INTEGER), ns: 'VALUE' },
      { name: 'ST', type: T.struct([{ name: 'A', type: T.INTEGER }]), ns: 'VALUE' }],
  });
  it.each([
    ['SELECT ID, EXPLODE(M) AS X FROM TF', "Function 'explode' does not accept parameters (MAP<STRING, INTEGER>)."],
    ['SELECT ID, EXPLODE(A, A) AS X FROM TF', "Function 'explode' does not accept parameters (ARRAY<STRING>, ARRAY<STRING>)."],
    ["SELECT ID, CUBE_EXPLODE(A, 'x') AS X FROM TF", "Function 'cube_explode' does not accept parameters (ARRAY<STRING>, STRING)."],
    ['SELECT ID, ST->`a` AS X FROM TF', "Could not find field 'a' in 'ST'."],
  ])('%s', (sql, message) => {
    expect(() => plan(sql)).toThrow(message);
  });
  it('an unquoted field name is upper-cased and found', () => {
    expect(plan('SELECT ID, ST->a AS X FROM TF').columns.map((c) => [c.name, c.type.kind])).toEqual([['ID', 'STRING'], ['X', 'INTEGER']]);
  });
});

describe('time-unit functions', () => {
  it('take the unit as a keyword only: a text in its place matches no form of the function', () => {
    expect(plan('SELECT K, K2, TIMESTAMPADD(DAYS, 1, FROM_UNIXTIME(0)) AS T FROM INPUT').columns.map((c) => c.type.kind)).toContain('TIMESTAMP');
    expect(() => plan("SELECT K, K2, TIMESTAMPADD('DAYS', 1, FROM_UNIXTIME(0)) AS T FROM INPUT")).toThrow("Function 'timestampadd' does not accept parameters (STRING, INTEGER, TIMESTAMP).");
    expect(() => plan('SELECT K, K2, DATEADD(S, 1, FROM_DAYS(1)) AS T FROM INPUT')).toThrow("Function 'dateadd' does not accept parameters (STRING, INTEGER, DATE).");
  });
});

describe('PARTITION BY an expression', () => {
  it('names its key KSQL_COL_n past the names the source already has', () => {
    metastore.put({
      name: 'KC', type: 'STREAM', topic: 'kc', isSource: false, statement: '',
      keyFormat: { format: 'KAFKA' }, valueFormat: { format: 'JSON' },
      columns: [{ name: 'ID', type: T.INTEGER, ns: 'KEY' }, { name: 'KSQL_COL_0', type: T.INTEGER, ns: 'VALUE' }, { name: 'V', type: T.INTEGER, ns: 'VALUE' }],
    });
    const star = plan('SELECT * FROM KC PARTITION BY V + 1');
    expect(star.columns.map((c) => [c.name, c.isKey])).toEqual([['KSQL_COL_1', true], ['KSQL_COL_0', false], ['V', false], ['ID', false]]);
    const explicit = plan('SELECT V + 1, KSQL_COL_0, V FROM KC PARTITION BY V + 1');
    expect(explicit.columns.map((c) => [c.name, c.isKey])).toEqual([['KSQL_COL_1', true], ['KSQL_COL_0', false], ['V', false]]);
  });
});

describe('INSERT INTO a windowed stream', () => {
  it('refuses rows without a window, whose plain keys the stream\'s readers could not read', async () => {
    const engine = await engineAfter([
      "CREATE STREAM PLAIN (ID INT KEY, C INT) WITH (kafka_topic='plain', partitions=1, format='JSON');",
      "CREATE STREAM WIN (ID INT KEY, C INT) WITH (kafka_topic='win', partitions=1, format='JSON', WINDOW_TYPE='TUMBLING', WINDOW_SIZE='1 HOUR');",
    ]);
    const ctx = { properties: {}, variables: new Map<string, string>() };
    expect(() => engine.executeStatement('INSERT INTO WIN SELECT * FROM PLAIN;', ctx)).toThrow('Incompatible data sink and query result. Data sink (WIN) is TUMBLING windowed but the select query result is not windowed.');
  });
});

describe('a hopping window that puts each record in too many windows', () => {
  it('is refused with the count, so one statement cannot hold the server (a day advancing by a millisecond: 86,400,000 windows a record)', () => {
    expect(() => plan('SELECT S, COUNT(*) AS C FROM INPUT WINDOW HOPPING (SIZE 1 DAYS, ADVANCE BY 1 MILLISECONDS) GROUP BY S'))
      .toThrow('WINDOW HOPPING of 86400000 ms advancing by 1 ms puts each record in 86400000 windows: the local server takes at most 100000 (a larger ADVANCE BY, or a smaller SIZE)');
    // a day advancing by a second (86,400 windows) is taken
    expect(plan('SELECT S, COUNT(*) AS C FROM INPUT WINDOW HOPPING (SIZE 1 DAYS, ADVANCE BY 1 SECONDS) GROUP BY S').windowInfo?.type).toBe('HOPPING');
  });
});
