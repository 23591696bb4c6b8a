import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';

// The catalog rules a migration meets when it changes or removes what earlier migrations made:
// CREATE OR REPLACE, DROP after TERMINATE, CSAS into an existing topic, the statements DESCRIBE shows.
function engine() {
  const e = new Engine({ properties: { 'ksql.streams.auto.offset.reset': 'earliest' } });
  const ctx = { properties: {}, variables: new Map<string, string>() };
  const run = (sql: string) => e.executeStatement(sql, ctx) as Record<string, unknown>;
  const fails = (sql: string) => { try { run(sql); } catch (err) { return (err as Error).message; } throw new Error(`accepted: ${sql}`); };
  const describe = (name: string) => (run(`DESCRIBE ${name};`) as { sourceDescription: Record<string, unknown> }).sourceDescription;
  return { e, run, fails, describe };
}

describe('DROP of a source that a CREATE ... AS SELECT reads', () => {
  it('is refused while that stream or table exists, its query running or terminated (ksqlDB keeps the constraint in its metastore)', () => {
    const { e, run, fails, describe } = engine();
    run("CREATE STREAM P1 (ID INT KEY, V STRING) WITH (kafka_topic='p1', partitions=1, value_format='json');");
    run('CREATE STREAM P2 AS SELECT * FROM P1;');
    run('CREATE STREAM P3 AS SELECT * FROM P1;');
    const message = 'Cannot drop P1.\nThe following streams and/or tables read from this source: [P2, P3].\nYou need to drop them before dropping P1.';
    expect(fails('DROP STREAM P1;')).toBe(message);
    for (const q of [...e.queries.keys()]) run(`TERMINATE ${q};`);
    expect(describe('P1').sourceConstraints).toEqual(['P2', 'P3']);
    expect(fails('DROP STREAM P1;')).toBe(message);
    run('DROP STREAM P2;');
    expect(describe('P1').sourceConstraints).toEqual(['P3']);
    run('DROP STREAM P3;');
    expect(run('DROP STREAM P1;')).toMatchObject({ commandStatus: { message: 'Source `P1` (topic: p1) was dropped.' } });
  });
});

describe('CREATE OR REPLACE of a stream or table', () => {
  const base = "CREATE STREAM S1 (ID INT KEY, V STRING, C2 BIGINT) WITH (kafka_topic='t1', partitions=1, value_format='json');";
  it('keeps the key, the value columns (more may follow them), the formats and the timestamp column, as its query counterpart does', () => {
    const { run, fails, describe } = engine();
    run(base);
    const prefix = "Cannot upgrade data source: DataSource '`S1`' has";
    const schema = `${prefix} schema = \`ID\` INTEGER KEY, \`V\` STRING, \`C2\` BIGINT which is not upgradeable to`;
    expect(fails("CREATE OR REPLACE STREAM S1 (ID BIGINT KEY, V STRING, C2 BIGINT) WITH (kafka_topic='t1', value_format='json');"))
      .toBe(`${schema} \`ID\` BIGINT KEY, \`V\` STRING, \`C2\` BIGINT. (Key columns must be identical. The following key columns are changed, missing or reordered: [\`ID\` INTEGER KEY])`);
    expect(fails("CREATE OR REPLACE STREAM S1 (ID INT KEY, C2 BIGINT, V STRING) WITH (kafka_topic='t1', value_format='json');"))
      .toBe(`${schema} \`ID\` INTEGER KEY, \`C2\` BIGINT, \`V\` STRING. (The following columns are changed, missing or reordered: [\`V\` STRING, \`C2\` BIGINT])`);
    expect(fails("CREATE OR REPLACE STREAM S1 (ID INT KEY, V STRING, C2 BIGINT) WITH (kafka_topic='t1', value_format='json', key_format='json');")).toBe(`${prefix} keyFormat = KAFKA which is not upgradeable to JSON`);
    expect(fails("CREATE OR REPLACE STREAM S1 (ID INT KEY, V STRING, C2 BIGINT) WITH (kafka_topic='t1', value_format='delimited');")).toBe(`${prefix} valueFormat = JSON which is not upgradeable to DELIMITED`);
    expect(fails("CREATE OR REPLACE STREAM S1 (ID INT KEY, V STRING, C2 BIGINT) WITH (kafka_topic='t1', value_format='json', timestamp='c2');")).toBe(`${prefix} timestampColumn = none which is not upgradeable to C2`);
    expect(fails("CREATE OR REPLACE STREAM S1 (ID INT KEY, V STRING, C2 BIGINT) WITH (kafka_topic='t2', partitions=1, value_format='json');")).toBe(`${prefix} kafkaTopicName = t1 which is not upgradeable to t2`);
    // appending a value column is an upgrade; the stored statement says how it was made
    run("CREATE OR REPLACE STREAM S1 (ID INT KEY, V STRING, C2 BIGINT, C3 DOUBLE) WITH (kafka_topic='t1', value_format='json');");
    expect(describe('S1').statement).toBe("CREATE OR REPLACE STREAM S1 (ID INTEGER KEY, V STRING, C2 BIGINT, C3 DOUBLE) WITH (CLEANUP_POLICY='delete', KAFKA_TOPIC='t1', KEY_FORMAT='KAFKA', VALUE_FORMAT='json');");
    // ... with its columns in the order it declares them (DESCRIBE's fields list keys, values, headers)
    run("CREATE STREAM H3 (HS ARRAY<STRUCT<KEY STRING, VALUE BYTES>> HEADERS, V STRING, K INT KEY, W INT) WITH (kafka_topic='h3', value_format='json', partitions=1);");
    expect(describe('H3').statement).toBe("CREATE STREAM H3 (HS ARRAY<STRUCT<KEY STRING, VALUE BYTES>> HEADERS, V STRING, K INTEGER KEY, W INTEGER) WITH (CLEANUP_POLICY='delete', KAFKA_TOPIC='h3', KEY_FORMAT='KAFKA', PARTITIONS=1, VALUE_FORMAT='json');");
  });

  it('keeps the key format\'s window, the timestamp column\'s format and the wrapping of a single value, which ksqlDB counts as the formats and the column', () => {
    const { run, fails, describe } = engine();
    const prefix = (name: string) => `Cannot upgrade data source: DataSource '\`${name}\`' has`;
    run("CREATE TABLE T1 (ID INT PRIMARY KEY, V STRING) WITH (kafka_topic='tt1', partitions=1, value_format='json');");
    expect(fails("CREATE OR REPLACE TABLE T1 (ID INT PRIMARY KEY, V STRING) WITH (kafka_topic='tt1', value_format='json', window_type='tumbling', window_size='1 minute');"))
      .toBe(`${prefix('T1')} keyFormat = KAFKA which is not upgradeable to KAFKA, windowed TUMBLING 60000 ms`);
    run("CREATE TABLE W1 (ID INT PRIMARY KEY, V STRING) WITH (kafka_topic='w1', partitions=1, value_format='json', window_type='tumbling', window_size='1 minute');");
    expect(fails("CREATE OR REPLACE TABLE W1 (ID INT PRIMARY KEY, V STRING) WITH (kafka_topic='w1', value_format='json', window_type='hopping', window_size='1 minute');"))
      .toBe(`${prefix('W1')} keyFormat = KAFKA, windowed TUMBLING 60000 ms which is not upgradeable to KAFKA, windowed HOPPING 60000 ms`);
    expect(describe('W1').windowType).toBe('TUMBLING');
    run("CREATE STREAM TS1 (ID INT KEY, TS STRING) WITH (kafka_topic='ts1', partitions=1, value_format='json', timestamp='ts', timestamp_format='yyyy-MM-dd');");
    expect(fails("CREATE OR REPLACE STREAM TS1 (ID INT KEY, TS STRING) WITH (kafka_topic='ts1', value_format='json', timestamp='ts', timestamp_format='dd/MM/yyyy');"))
      .toBe(`${prefix('TS1')} timestampColumn = TS (format 'yyyy-MM-dd') which is not upgradeable to TS (format 'dd/MM/yyyy')`);
    run("CREATE STREAM ONE (ID INT KEY, V STRING) WITH (kafka_topic='one', partitions=1, value_format='json');");
    expect(fails("CREATE OR REPLACE STREAM ONE (ID INT KEY, V STRING) WITH (kafka_topic='one', value_format='json', wrap_single_value=false);"))
      .toBe(`${prefix('ONE')} valueFormat = JSON(WRAP_SINGLE_VALUE=true) which is not upgradeable to JSON(WRAP_SINGLE_VALUE=false)`);
    // the same settings given again are no change
    run("CREATE OR REPLACE TABLE W1 (ID INT PRIMARY KEY, V STRING, X INT) WITH (kafka_topic='w1', value_format='json', window_type='tumbling', window_size='60 seconds');");
    run("CREATE OR REPLACE STREAM TS1 (ID INT KEY, TS STRING, X INT) WITH (kafka_topic='ts1', value_format='json', timestamp='ts', timestamp_format='yyyy-MM-dd');");
  });

  it('a query\'s sink replaced after its query was terminated gets a query of a new id (the old one is gone); PARTITIONS that differ from its topic\'s are refused', () => {
    const { e, run, fails } = engine();
    run("CREATE STREAM SRC (ID INT KEY, V INT) WITH (kafka_topic='srcr', partitions=1, value_format='json');");
    run('CREATE STREAM OUT AS SELECT * FROM SRC;');
    const [first] = [...e.queries.keys()];
    run('CREATE OR REPLACE STREAM OUT AS SELECT * FROM SRC WHERE V > 0;');
    expect([...e.queries.keys()]).toEqual([first]);
    run(`TERMINATE ${first};`);
    const replaced = run('CREATE OR REPLACE STREAM OUT AS SELECT * FROM SRC WHERE V > 1;') as { commandStatus: { message: string } };
    const [second] = [...e.queries.keys()];
    expect([second !== first, /^CSAS_OUT_\d+$/.test(second!), replaced.commandStatus.message]).toEqual([true, true, `Created query with ID ${second}`]);
    expect(fails('CREATE OR REPLACE STREAM OUT WITH (PARTITIONS=4) AS SELECT * FROM SRC WHERE V > 2;'))
      .toBe("A Kafka topic with the name 'OUT' already exists, with different partition/replica configuration than required. KSQL expects 4 partitions (topic has 1), and 1 replication factor (topic has 1).");
  });
});

describe('WITH properties of a CREATE', () => {
  it('RETENTION_MS is a whole number, and the new topic\'s retention.ms, which a CREATE ... AS SELECT from it keeps', () => {
    const { e, run, fails } = engine();
    expect(fails("CREATE STREAM R1 (ID INT KEY, V INT) WITH (kafka_topic='r1', partitions=1, value_format='json', retention_ms='abc');")).toBe('Invalid value abc for property RETENTION_MS: Not a long.');
    run("CREATE STREAM R2 (ID INT KEY, V INT) WITH (kafka_topic='r2', partitions=1, value_format='json', retention_ms=1000);");
    expect(e.topics.get('r2')!.config.overrides).toEqual({ 'retention.ms': '1000' });
    run('CREATE STREAM R3 AS SELECT * FROM R2;');
    expect(e.topics.get('R3')!.config.overrides).toEqual({ 'retention.ms': '1000' });
  });

  it('a TIMESTAMP_FORMAT that is no DateTimeFormatter pattern, and a WINDOW_SIZE without a WINDOW_TYPE, are refused', () => {
    const { fails } = engine();
    expect(fails("CREATE STREAM F1 (ID INT KEY, TS STRING) WITH (kafka_topic='f1', partitions=1, value_format='json', timestamp='ts', timestamp_format='yyyy-MM-dd bbb');"))
      .toBe('Invalid datetime format for config:TIMESTAMP_FORMAT, reason:Unknown pattern letter: b');
    expect(fails("CREATE STREAM F2 (ID INT KEY, V INT) WITH (kafka_topic='f2', partitions=1, value_format='json', window_size='10 seconds');"))
      .toBe("'WINDOW_SIZE' should not be set for SESSION windows.");
  });
});

describe('CREATE ... AS SELECT', () => {
  it('stores its statement with OR REPLACE and IF NOT EXISTS as written, as ksqlDB\'s formatter writes them', () => {
    const { run, describe } = engine();
    run("CREATE STREAM SRC (ID INT KEY, A INT, B INT) WITH (kafka_topic='src', partitions=1, value_format='json');");
    run('CREATE STREAM SNK AS SELECT ID, A FROM SRC WHERE A > 1;');
    run('CREATE OR REPLACE STREAM SNK AS SELECT ID, A, B FROM SRC WHERE A > 2;');
    expect(describe('SNK').statement).toMatch(/^CREATE OR REPLACE STREAM SNK WITH \(CLEANUP_POLICY='delete', KAFKA_TOPIC='SNK', PARTITIONS=1, REPLICAS=1, RETENTION_MS=604800000\) AS SELECT\n {2}SRC\.ID ID,/);
    run('CREATE STREAM IF NOT EXISTS SNK2 AS SELECT * FROM SRC;');
    expect(describe('SNK2').statement).toMatch(/^CREATE STREAM IF NOT EXISTS SNK2 WITH \(/);
  });
});

describe('a source table\'s query', () => {
  it('shows the table\'s stored statement, as DESCRIBE does', () => {
    const { e, run, describe } = engine();
    run("CREATE SOURCE TABLE ST2 (ID INT PRIMARY KEY, V STRING) WITH (kafka_topic='st', partitions=1, value_format='json');");
    const statement = describe('ST2').statement;
    expect(statement).toMatch(/^CREATE SOURCE TABLE ST2 \(ID INTEGER PRIMARY KEY, V STRING\) WITH \(CLEANUP_POLICY='compact'/);
    const shown = (run('SHOW QUERIES;') as { queries: { id: string; queryString: string }[] }).queries;
    expect(shown.map((q) => q.queryString)).toEqual([statement]);
    expect((describe('ST2').readQueries as { queryString: string }[])[0]!.queryString).toBe(statement);
    void e;
  });
});

describe('CREATE of a stream on a topic that does not exist, without PARTITIONS', () => {
  it('says so in ksqlDB\'s words (stream/table)', () => {
    const { fails } = engine();
    expect(fails("CREATE TABLE X (ID INT PRIMARY KEY, A INT) WITH (kafka_topic='nope', value_format='json');"))
      .toMatch(/^Topic 'nope' does not exist\. If you want to create a new topic for the stream\/table please re-run the statement providing the required 'PARTITIONS' configuration/);
  });
});

describe('a topic a statement would make', () => {
  it('has a name Kafka allows, refused in Kafka\'s words otherwise (a Kafka client could not use it)', () => {
    const { fails, run } = engine();
    expect(fails("CREATE STREAM E1 (A INT) WITH (kafka_topic='e 1', partitions=1, value_format='json');")).toBe('Topic name "e 1" is illegal, it contains a character other than ASCII alphanumerics, \'.\', \'_\' and \'-\'');
    expect(fails("CREATE STREAM E2 (A INT) WITH (kafka_topic='', partitions=1, value_format='json');")).toBe("Topic name is illegal, it can't be empty");
    run("CREATE STREAM SRC (A INT) WITH (kafka_topic='src', partitions=1, value_format='json');");
    expect(fails("CREATE STREAM E3 WITH (kafka_topic='..') AS SELECT * FROM SRC;")).toBe('Topic name cannot be "." or ".."');
  });
});

describe('ALTER STREAM/TABLE ... ADD COLUMN', () => {
  it('adds the ALTER to the stored statement, on a line of its own, as ksqlDB keeps it', () => {
    const { run, describe } = engine();
    run("CREATE STREAM S1 (ID INT KEY, V STRING) WITH (kafka_topic='t1', partitions=1, value_format='json');");
    const created = describe('S1').statement as string;
    run('ALTER STREAM S1 ADD COLUMN C2 BIGINT;');
    expect(describe('S1').statement).toBe(`${created}\nALTER STREAM S1 ADD COLUMN C2 BIGINT;`);
    expect((describe('S1').fields as { name: string }[]).map((f) => f.name)).toEqual(['ID', 'V', 'C2']);
  });
});

describe('SHOW TOPICS', () => {
  it('hides what ksql.hidden.topics names (the platform\'s topics by default), not every name that starts with _, and sorts as a Java TreeMap', () => {
    const { e, run } = engine();
    for (const name of ['b_topic', 'A_TOPIC', '_my_topic', '_confluent-ksql-x', '__consumer_offsets', '_schemas', 'connect-offsets']) e.topics.create(name, { partitions: 1, replicas: 1 });
    const names = (sql: string) => (run(sql) as unknown as { topics: { name: string }[] }).topics.map((t) => t.name);
    expect(names('SHOW TOPICS;')).toEqual(['A_TOPIC', '_my_topic', 'b_topic']);
    expect(names('SHOW ALL TOPICS;')).toEqual(['A_TOPIC', '__consumer_offsets', '_confluent-ksql-x', '_my_topic', '_schemas', 'b_topic', 'connect-offsets']);
    run("ALTER SYSTEM 'ksql.hidden.topics'='_.*';");
    expect(names('SHOW TOPICS;')).toEqual(['A_TOPIC', 'b_topic', 'connect-offsets']);
  });
});

describe('CREATE TYPE IF NOT EXISTS of a type that exists', () => {
  it('runs as a command that finds the type registered (no warning entity: those are for streams and tables)', () => {
    const { run, fails } = engine();
    run('CREATE TYPE ADDR AS STRUCT<street STRING, zip INT>;');
    expect(run('CREATE TYPE IF NOT EXISTS ADDR AS STRUCT<x INT>;')).toMatchObject({ '@type': 'currentStatus', commandStatus: { status: 'SUCCESS', message: 'ADDR is already registered with type STRUCT<`STREET` STRING, `ZIP` INTEGER>' } });
    expect(fails('CREATE TYPE ADDR AS STRUCT<x INT>;')).toBe("Cannot register custom type 'ADDR' since it is already registered with type: STRUCT<`STREET` STRING, `ZIP` INTEGER>");
  });
});

describe('listings', () => {
  it('sort names as Java sorts strings (code units), whatever the machine\'s locale: ASIN before AS_MAP, S1 before S_1, upper case before lower', () => {
    const { run } = engine();
    for (const name of ['S_1', 'S1', '`s0`', 'SA']) run(`CREATE STREAM ${name} (V STRING) WITH (kafka_topic='${name.replace(/`/g, '')}-t', partitions=1, value_format='json');`);
    const streams = (run('SHOW STREAMS;') as { streams: { name: string }[] }).streams.map((s) => s.name);
    expect(streams).toEqual(['S1', 'SA', 'S_1', 's0']);
    const topics = (run('SHOW TOPICS;') as { topics: { name: string }[] }).topics.map((t) => t.name);
    expect(topics).toEqual(['S1-t', 'SA-t', 'S_1-t', 's0-t']);
    const functions = (run('SHOW FUNCTIONS;') as { functions: { name: string }[] }).functions.map((f) => f.name);
    expect(functions.indexOf('ASIN')).toBeLessThan(functions.indexOf('AS_MAP'));
    expect(functions).toEqual([...functions].sort());
  });
});

describe('answers as ksqlDB words and orders them', () => {
  it('ALTER SYSTEM\'s command id is cluster/<uuid>/alter, new each time; a HEADER(\'k\') column describes its key before its type; INSERT VALUES into a windowed source is refused in ksqlDB\'s words', () => {
    const { run, fails } = engine();
    const ids = [run("ALTER SYSTEM 'ksql.hidden.topics'='_.*';"), run("ALTER SYSTEM 'ksql.hidden.topics'='_.*';")].map((r) => (r as unknown as { commandId: string }).commandId);
    for (const id of ids) expect(id).toMatch(/^cluster\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\/alter$/);
    expect(ids[0]).not.toBe(ids[1]);
    run("CREATE STREAM HS (ID STRING KEY, V INT, H2 BYTES HEADER('x')) WITH (kafka_topic='hs', partitions=1, value_format='json');");
    const fields = (run('DESCRIBE HS;') as unknown as { sourceDescription: { fields: object[] } }).sourceDescription.fields;
    expect(JSON.stringify(fields[2])).toBe('{"name":"H2","schema":{"type":"BYTES","fields":null,"memberSchema":null},"headerKey":"x","type":"HEADER"}');
    run('CREATE TABLE WT AS SELECT ID, COUNT(*) AS C FROM HS WINDOW TUMBLING (SIZE 1 HOUR) GROUP BY ID;');
    expect(fails("INSERT INTO WT (ID, C) VALUES ('a', 1);")).toBe('Cannot insert values into windowed stream/table!');
  });
});

describe('a WITH (TIMESTAMP=...) column', () => {
  it('of type STRING needs a TIMESTAMP_FORMAT, said as ksqlDB says it; one of another type than BIGINT, TIMESTAMP or STRING is refused with the corpus\'s message', () => {
    const { fails, run } = engine();
    expect(fails("CREATE STREAM T1 (ID INT KEY, TS STRING) WITH (kafka_topic='t1', partitions=1, value_format='json', timestamp='ts');"))
      .toBe('A String timestamp field has been specified without also specifying the timestamp_format');
    expect(fails("CREATE STREAM T2 (ID INT KEY, TS INT) WITH (kafka_topic='t2', partitions=1, value_format='json', timestamp='ts');"))
      .toBe('Timestamp column, `TS`, should be LONG(INT64), TIMESTAMP, or a String with a timestamp_format specified.');
    expect(run("CREATE STREAM T3 (ID INT KEY, TS STRING) WITH (kafka_topic='t3', partitions=1, value_format='json', timestamp='ts', timestamp_format='yyyy-MM-dd');")).toMatchObject({ commandStatus: { message: 'Stream created' } });
  });
});

describe('a CREATE whose name exists', () => {
  it('is checked as ksqlDB parses and prepares it first (its WITH clause, columns and sources): IF NOT EXISTS passes only a valid statement', () => {
    const { run, fails } = engine();
    run("CREATE STREAM X3 (V STRING) WITH (kafka_topic='tx3', value_format='json', partitions=1);");
    expect(fails("CREATE STREAM IF NOT EXISTS X3 (V STRING) WITH (kafka_topic='tx3', value_format='json', foo=1);")).toBe('Invalid config variable(s) in the WITH clause: FOO');
    expect(fails("CREATE STREAM IF NOT EXISTS X3 (V STRING) WITH (value_format='json');")).toBe('Missing required property "KAFKA_TOPIC" which has no default value.');
    expect(fails("CREATE STREAM IF NOT EXISTS X3 (V STRING) WITH (kafka_topic='tx3', value_format='json', partitions='abc');")).toMatch(/^Invalid value abc for property PARTITIONS/);
    expect(fails("CREATE STREAM IF NOT EXISTS X3 (V STRING) WITH (kafka_topic='tx3', value_format='json', window_type='bogus');")).toMatch(/^Invalid value bogus for property WINDOW_TYPE/);
    expect(fails("CREATE STREAM X3 (ID INT PRIMARY KEY, V STRING) WITH (kafka_topic='tx3', value_format='json');")).toMatch(/^Line: 1, Col: 19: Column `ID` is a 'PRIMARY KEY' column: please use 'KEY' for streams\.\n/);
    expect(fails('CREATE STREAM X3 AS SELECT * FROM NOPE;')).toBe('Exception while preparing statement: NOPE does not exist.');
    expect(fails('CREATE STREAM IF NOT EXISTS X3 AS SELECT * FROM NOPE;')).toBe('Exception while preparing statement: NOPE does not exist.');
    // a valid one: the name is what stops it
    expect(run("CREATE STREAM IF NOT EXISTS X3 (V STRING) WITH (kafka_topic='tx3', value_format='json');")).toMatchObject({ '@type': 'warning_entity' });
    expect(fails("CREATE STREAM X3 (V STRING) WITH (kafka_topic='tx3', value_format='json');")).toBe("Cannot add stream 'X3': A stream with the same name already exists");
  });
});
