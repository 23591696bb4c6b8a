import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { runSql as run } from '../helpers/engine.js';

const ctx = { properties: {}, variables: new Map<string, string>() };

describe('sources in Schema Registry formats against a read-only registry', () => {
  it('a CREATE that must register its schema fails with the registry\'s reason, and the engine goes on', () => {
    const engine = new Engine();
    engine.registry.setMode('READONLY');
    expect(() => engine.executeStatement("CREATE STREAM S (A INT) WITH (KAFKA_TOPIC='t', VALUE_FORMAT='AVRO', PARTITIONS=1);", ctx))
      .toThrow('Could not register schema for topic: Subject t-value is in read-only mode; error code: 42205');
    engine.registry.setMode('READWRITE');
    expect(engine.executeStatement("CREATE STREAM S (A INT) WITH (KAFKA_TOPIC='t', VALUE_FORMAT='AVRO', PARTITIONS=1);", ctx)).toMatchObject({ commandStatus: { status: 'SUCCESS' } });
  });
});

describe('a field written as a type its column does not take', () => {
  // a record in Confluent's wire format: magic 0, schema id, (Protobuf: message index [0]), payload
  const framed = (id: number, payload: Buffer, protobufIndex = false) => {
    const head = Buffer.alloc(5);
    head.writeInt32BE(id, 1);
    return Buffer.concat([head, protobufIndex ? Buffer.from([0]) : Buffer.alloc(0), payload]);
  };
  const run = (engine: Engine, sql: string) => { for (const s of sql.split(/;\s*/).filter(Boolean)) engine.executeStatement(`${s};`, { properties: { 'ksql.streams.auto.offset.reset': 'earliest' }, variables: new Map() }); };

  it('is not read, in AVRO and PROTOBUF alike: the record goes to the processing log, and integers widen into STRING columns', async () => {
    const avro = (await import('avsc')).default;
    const protobuf = (await import('protobufjs')).default;
    const engine = new Engine({ properties: { 'ksql.streams.auto.offset.reset': 'earliest' } });
    engine.startProcessingLog();
    const avroSchema = { type: 'record', name: 'Mm', fields: [{ name: 'a', type: 'double' }, { name: 's', type: 'long' }] };
    const avroId = engine.registry.register('mm-value', { schema: JSON.stringify(avroSchema) });
    const proto = 'syntax = "proto3";\nmessage Pm {\n  string a = 1;\n  int64 s = 2;\n}\n';
    const protoId = engine.registry.register('pm-value', { schema: proto, schemaType: 'PROTOBUF' });
    run(engine, `CREATE STREAM MM (A INT, S STRING) WITH (KAFKA_TOPIC='mm', VALUE_FORMAT='AVRO', PARTITIONS=1);
      CREATE STREAM MMS (A DOUBLE, S STRING) WITH (KAFKA_TOPIC='mm', VALUE_FORMAT='AVRO', PARTITIONS=1);
      CREATE STREAM PM (A INT, S STRING) WITH (KAFKA_TOPIC='pm', VALUE_FORMAT='PROTOBUF', PARTITIONS=1);
      CREATE STREAM PMS (A STRING, S STRING) WITH (KAFKA_TOPIC='pm', VALUE_FORMAT='PROTOBUF', PARTITIONS=1);
      CREATE STREAM OUT_MM WITH (VALUE_FORMAT='JSON') AS SELECT * FROM MM; CREATE STREAM OUT_MMS WITH (VALUE_FORMAT='JSON') AS SELECT * FROM MMS;
      CREATE STREAM OUT_PM WITH (VALUE_FORMAT='JSON') AS SELECT * FROM PM; CREATE STREAM OUT_PMS WITH (VALUE_FORMAT='JSON') AS SELECT * FROM PMS`);
    engine.topics.append('mm', { key: null, value: framed(avroId, avro.Type.forSchema(avroSchema as never).toBuffer({ a: 1.5, s: 42 })), timestamp: 1 });
    const pm = protobuf.parse(proto).root.lookupType('Pm');
    engine.topics.append('pm', { key: null, value: framed(protoId, Buffer.from(pm.encode(pm.fromObject({ a: 'abc', s: 42 })).finish()), true), timestamp: 1 });
    engine.drain();
    const rows = (topic: string) => (engine.topics.get(topic)?.records() ?? []).map((r) => r.value!.toString());
    expect([rows('OUT_MM'), rows('OUT_PM')]).toEqual([[], []]);
    expect([rows('OUT_MMS'), rows('OUT_PMS')]).toEqual([['{"A":1.5,"S":"42"}'], ['{"A":"abc","S":"42"}']]);
    const logged = (engine.topics.get('default_ksql_processing_log')?.records() ?? []).map((r) => r.value!.toString());
    expect(logged).toEqual([expect.stringContaining('Cannot deserialize type float64 as type int32'), expect.stringContaining('Cannot deserialize type string as type int32')]);
  });
});

describe('Avro schemas that name a type once and use it again', () => {
  it('infer the columns of every use and read their values, as Avro resolves the names', async () => {
    const avro = (await import('avsc')).default;
    const engine = new Engine({ properties: { 'ksql.streams.auto.offset.reset': 'earliest' } });
    const schema = { type: 'record', name: 'Order', namespace: 'com.acme', fields: [
      { name: 'billing', type: { type: 'record', name: 'Address', fields: [{ name: 'city', type: 'string' }] } },
      { name: 'shipping', type: ['null', 'Address'], default: null },
      { name: 'status', type: { type: 'enum', name: 'St', symbols: ['A', 'B'] } },
      { name: 'prev', type: 'com.acme.St' },
    ] };
    const id = engine.registry.register('ship-value', { schema: JSON.stringify(schema) });
    const ctx2 = { properties: { 'ksql.streams.auto.offset.reset': 'earliest' }, variables: new Map<string, string>() };
    engine.executeStatement("CREATE STREAM SHIP WITH (KAFKA_TOPIC='ship', VALUE_FORMAT='AVRO', PARTITIONS=1);", ctx2);
    expect(engine.metastore.get('SHIP')!.columns.map((c) => `${c.name} ${c.type.kind}`)).toEqual(['BILLING STRUCT', 'SHIPPING STRUCT', 'STATUS STRING', 'PREV STRING']);
    engine.executeStatement("CREATE STREAM SHIPPED WITH (VALUE_FORMAT='JSON') AS SELECT * FROM SHIP;", ctx2);
    const head = Buffer.alloc(5);
    head.writeInt32BE(id, 1);
    const payload = avro.Type.forSchema(schema as never).toBuffer({ billing: { city: 'A' }, shipping: { city: 'B' }, status: 'A', prev: 'B' });
    engine.topics.append('ship', { key: null, value: Buffer.concat([head, payload]), timestamp: 1 });
    engine.drain();
    expect(engine.topics.get('SHIPPED')!.records().map((r) => JSON.parse(r.value!.toString()))).toEqual([
      { BILLING: { CITY: 'A' }, SHIPPING: { CITY: 'B' }, STATUS: 'A', PREV: 'B' },
    ]);
  });

  it('tell apart two records of one short name in different namespaces (no false recursion)', () => {
    const engine = new Engine();
    const schema = { type: 'record', name: 'Address', fields: [
      { name: 'inner', type: { type: 'record', name: 'Address', namespace: 'com.b', fields: [{ name: 'street', type: 'string' }] } },
      { name: 'h', type: { type: 'record', name: 'Holder', namespace: 'com.b', fields: [{ name: 'a', type: 'Address' }] } },
    ] };
    engine.registry.register('ns-value', { schema: JSON.stringify(schema) });
    engine.executeStatement("CREATE STREAM NS WITH (KAFKA_TOPIC='ns', VALUE_FORMAT='AVRO', PARTITIONS=1);", { properties: {}, variables: new Map() });
    expect(engine.metastore.get('NS')!.columns.map((c) => c.name)).toEqual(['INNER', 'H']);
  });
});

describe('a Protobuf sink named with a full name', () => {
  it('registers the package and the message, and its records read back', () => {
    const engine = new Engine({ properties: { 'ksql.streams.auto.offset.reset': 'earliest' } });
    const c = { properties: { 'ksql.streams.auto.offset.reset': 'earliest' }, variables: new Map<string, string>() };
    engine.executeStatement("CREATE STREAM SRC (ID INT KEY, V STRING) WITH (KAFKA_TOPIC='src', VALUE_FORMAT='JSON', PARTITIONS=1);", c);
    engine.executeStatement("CREATE STREAM PFN WITH (KAFKA_TOPIC='pfn', VALUE_FORMAT='PROTOBUF', VALUE_SCHEMA_FULL_NAME='com.acme.Out') AS SELECT ID, V FROM SRC;", c);
    expect(engine.registry.version('pfn-value', 'latest').schema).toBe('syntax = "proto3";\n\npackage com.acme;\n\nmessage Out {\n  string V = 1;\n}\n');
    engine.executeStatement("INSERT INTO SRC (ID, V) VALUES (1, 'one');", c);
    engine.executeStatement("CREATE STREAM BACK WITH (VALUE_FORMAT='JSON') AS SELECT * FROM PFN;", c);
    engine.drain();
    expect(engine.topics.get('BACK')!.records().map((r) => r.value!.toString())).toEqual(['{"V":"one"}']);
  });
});

describe('schemas that use other subjects\' schemas (references)', () => {
  const framed = (id: number, payload: Buffer) => { const head = Buffer.alloc(5); head.writeInt32BE(id, 1); return Buffer.concat([head, payload]); };
  const describeCols = (engine: Engine, name: string) => engine.metastore.get(name)!.columns.map((c) => `${c.name} ${c.type.kind === 'STRUCT' ? `STRUCT<${c.type.fields.map((f) => `${f.name} ${f.type.kind}`).join(', ')}>` : c.type.kind}`);

  it('an AVRO value whose record uses a referenced record infers its columns and is read, as Confluent\'s parser resolves the reference', async () => {
    const avro = (await import('avsc')).default;
    const engine = new Engine();
    const addr = { type: 'record', name: 'Addr', namespace: 'r1.common', fields: [{ name: 'city', type: 'string' }] };
    engine.registry.register('r1.common.Addr', { schema: JSON.stringify(addr) });
    const cust = { type: 'record', name: 'Cust', namespace: 'r1', fields: [{ name: 'name', type: 'string' }, { name: 'home', type: 'r1.common.Addr' }, { name: 'work', type: ['null', 'r1.common.Addr'], default: null }] };
    const id = engine.registry.register('r1cust-value', { schema: JSON.stringify(cust), references: [{ name: 'r1.common.Addr', subject: 'r1.common.Addr', version: 1 }] });
    engine.topics.create('r1cust', { partitions: 1, replicas: 1 });
    // the writer's type, with the referenced record known to avsc first, as a client library builds it
    const registry = {};
    avro.Type.forSchema(addr as never, { registry });
    const type = avro.Type.forSchema(cust as never, { registry, wrapUnions: false });
    engine.topics.append('r1cust', { key: null, value: framed(id, type.toBuffer({ name: 'n', home: { city: 'Paris' }, work: { city: 'Lyon' } })), timestamp: 1 });
    run(engine, "CREATE STREAM R1 WITH (KAFKA_TOPIC='r1cust', VALUE_FORMAT='AVRO'); CREATE STREAM R1_OUT WITH (VALUE_FORMAT='JSON') AS SELECT NAME, HOME->CITY AS HOME_CITY, WORK->CITY AS WORK_CITY FROM R1");
    expect(describeCols(engine, 'R1')).toEqual(['NAME STRING', 'HOME STRUCT<CITY STRING>', 'WORK STRUCT<CITY STRING>']);
    expect(engine.topics.get('R1_OUT')!.records().map((r) => JSON.parse(r.value!.toString()))).toEqual([{ NAME: 'n', HOME_CITY: 'Paris', WORK_CITY: 'Lyon' }]);
  });

  it('a JSON schema whose $ref names a referenced subject (whole, or a pointer into it) infers its columns', () => {
    const engine = new Engine();
    engine.registry.register('addr.json', { schemaType: 'JSON', schema: JSON.stringify({ type: 'object', properties: { city: { type: 'string' }, geo: { $ref: '#/definitions/geo' } }, definitions: { geo: { type: 'object', properties: { lat: { type: 'number' } } } } }) });
    engine.registry.register('r2-value', { schemaType: 'JSON', references: [{ name: 'addr.json', subject: 'addr.json', version: 1 }],
      schema: JSON.stringify({ type: 'object', properties: { name: { type: 'string' }, home: { $ref: 'addr.json' }, where: { $ref: 'addr.json#/definitions/geo' } } }) });
    run(engine, "CREATE STREAM R2 WITH (KAFKA_TOPIC='r2', PARTITIONS=1, VALUE_FORMAT='JSON_SR')");
    expect(describeCols(engine, 'R2')).toEqual(['NAME STRING', 'HOME STRUCT<CITY STRING, GEO STRUCT>', 'WHERE STRUCT<LAT DOUBLE>']);
  });
});

describe('a Protobuf oneof', () => {
  const framed = (id: number, payload: Uint8Array) => { const head = Buffer.alloc(6); head.writeInt32BE(id, 1); return Buffer.concat([head, payload]); };

  it('is one struct column named <oneof>_<index>, before the other fields, as Confluent\'s converter makes it; the member set is read, and written back as the member', async () => {
    const protobuf = (await import('protobufjs')).default;
    const engine = new Engine();
    const text = 'syntax = "proto3";\nmessage Trade {\n  string id = 1;\n  oneof venue {\n    string exchange = 2;\n    int32 pool = 3;\n  }\n  optional int32 qty = 4;\n  oneof side { bool buy = 5; }\n}\n';
    const id = engine.registry.register('trades-value', { schema: text, schemaType: 'PROTOBUF' });
    const Trade = protobuf.parse(text, { keepCase: true }).root.lookupType('Trade');
    engine.topics.create('trades', { partitions: 1, replicas: 1 });
    for (const m of [{ id: 'a', exchange: 'NYSE', qty: 5, buy: true }, { id: 'b', pool: 7 }, { id: 'c' }]) {
      engine.topics.append('trades', { key: null, value: framed(id, Trade.encode(Trade.fromObject(m)).finish()), timestamp: 1 });
    }
    run(engine, `CREATE STREAM TR WITH (KAFKA_TOPIC='trades', VALUE_FORMAT='PROTOBUF');
      CREATE STREAM TR_OUT WITH (VALUE_FORMAT='JSON') AS SELECT ID, VENUE_0 AS V, VENUE_0->POOL AS POOL, QTY, SIDE_1->BUY AS BUY FROM TR`);
    const cols = engine.metastore.get('TR')!.columns.map((c) => `${c.name} ${c.type.kind === 'STRUCT' ? `STRUCT<${c.type.fields.map((f) => `${f.name} ${f.type.kind}`).join(', ')}>` : c.type.kind}`);
    expect(cols).toEqual(['VENUE_0 STRUCT<EXCHANGE STRING, POOL INTEGER>', 'SIDE_1 STRUCT<BUY BOOLEAN>', 'ID STRING', 'QTY INTEGER']);
    expect(engine.topics.get('TR_OUT')!.records().map((r) => JSON.parse(r.value!.toString()))).toEqual([
      { ID: 'a', V: { EXCHANGE: 'NYSE', POOL: null }, POOL: null, QTY: 5, BUY: true },
      { ID: 'b', V: { EXCHANGE: null, POOL: 7 }, POOL: 7, QTY: null, BUY: null },
      { ID: 'c', V: null, POOL: null, QTY: null, BUY: null },
    ]);
    // written with the registered schema, the struct's non-null field is the member set (even a default value)
    run(engine, `CREATE STREAM TR_W WITH (KAFKA_TOPIC='trades_w', VALUE_FORMAT='PROTOBUF', VALUE_SCHEMA_ID=${id}, PARTITIONS=1);
      INSERT INTO TR_W (\`venue_0\`, \`id\`) VALUES (STRUCT(\`exchange\` := CAST(NULL AS STRING), \`pool\` := 0), 'd')`);
    const written = engine.topics.get('trades_w')!.records()[0]!.value!;
    expect(Trade.toObject(Trade.decode(written.subarray(6)), { oneofs: true })).toEqual({ id: 'd', pool: 0, venue: 'pool' });
  });
});

describe('the Avro key schema of a source with several key columns', () => {
  it('is a record named after the source in UpperCamel words (LEFT_TABLE: LeftTableKey), as fk-join.json has it', async () => {
    const { defaultKeyRecordName } = await import('../../src/engine/serde/avro-schema.js');
    expect(['LEFT_TABLE', 'OUTPUT', 'REGION_STATS_2', 'pageviews_enriched'].map(defaultKeyRecordName)).toEqual([
      'io.confluent.ksql.avro_schemas.LeftTableKey', 'io.confluent.ksql.avro_schemas.OutputKey',
      'io.confluent.ksql.avro_schemas.RegionStats2Key', 'io.confluent.ksql.avro_schemas.PageviewsEnrichedKey',
    ]);
    const e = new Engine();
    const ctx = { properties: { 'ksql.streams.auto.offset.reset': 'earliest' }, variables: new Map<string, string>() };
    e.executeStatement("CREATE STREAM PAGEVIEWS_ENRICHED (ID INT KEY, GENDER STRING, REGIONID STRING) WITH (KAFKA_TOPIC='pe', PARTITIONS=1, FORMAT='JSON');", ctx);
    e.executeStatement("CREATE TABLE REGION_STATS WITH (FORMAT='AVRO') AS SELECT GENDER, REGIONID, COUNT(*) AS N FROM PAGEVIEWS_ENRICHED GROUP BY GENDER, REGIONID;", ctx);
    const latest = e.registry.version('REGION_STATS-key', 'latest');
    expect(JSON.parse(latest.schema)).toMatchObject({ type: 'record', name: 'RegionStatsKey', namespace: 'io.confluent.ksql.avro_schemas' });
  });
});

describe('a source of a Schema Registry format that gains a column', () => {
  it.each(['AVRO', 'PROTOBUF'])('writes the column it gained, by ALTER or by CREATE OR REPLACE, under a new version of its subject (%s; the column was dropped)', (format) => {
    const e = new Engine();
    // ksqlDB's sql-tests/query-upgrades/alter.sql "add columns to DDL stream", in a registry format
    // (the sinks are JSON, so what the source's records hold reads plainly)
    run(e, `CREATE STREAM A10 (ID INT KEY, COL1 INT) WITH (KAFKA_TOPIC='a10', PARTITIONS=1, VALUE_FORMAT='${format}');
      ALTER STREAM A10 ADD COLUMN COL2 INT;
      CREATE STREAM B10 WITH (VALUE_FORMAT='JSON') AS SELECT * FROM A10;
      INSERT INTO A10 (ID, COL1, COL2) VALUES (1, 1, 1);
      CREATE STREAM S2 (ID INT KEY, NAME STRING) WITH (KAFKA_TOPIC='t2', PARTITIONS=1, VALUE_FORMAT='${format}');
      CREATE OR REPLACE STREAM S2 (ID INT KEY, NAME STRING, EXTRA STRING) WITH (KAFKA_TOPIC='t2', PARTITIONS=1, VALUE_FORMAT='${format}');
      CREATE STREAM S2_OUT WITH (VALUE_FORMAT='JSON') AS SELECT * FROM S2;
      INSERT INTO S2 (ID, NAME, EXTRA) VALUES (1, 'a', 'x')`);
    expect(e.topics.get('B10')!.records().map((r) => r.value!.toString())).toEqual(['{"COL1":1,"COL2":1}']);
    expect(e.topics.get('S2_OUT')!.records().map((r) => r.value!.toString())).toEqual(['{"NAME":"a","EXTRA":"x"}']);
    expect([e.registry.versions('a10-value'), e.registry.versions('t2-value')]).toEqual([[1, 2], [1, 2]]);
    // a subject the registry will not take a version into: the ALTER is done all the same (ksqlDB's
    // registers nothing), and a write, which would register, fails and says why (no column is dropped)
    run(e, `CREATE STREAM RO (ID INT KEY, COL1 INT) WITH (KAFKA_TOPIC='ro', PARTITIONS=1, VALUE_FORMAT='${format}')`);
    e.registry.setMode('READONLY', 'ro-value');
    const ctx = { properties: {}, variables: new Map<string, string>() };
    expect(e.executeStatement('ALTER STREAM RO ADD COLUMN COL2 INT;', ctx)).toMatchObject({ commandStatus: { message: 'Stream RO altered.' } });
    expect(e.registry.versions('ro-value')).toEqual([1]);
    const kind = format === 'AVRO' ? 'Avro' : 'Protobuf';
    expect(() => e.executeStatement('INSERT INTO RO (ID, COL1, COL2) VALUES (1, 1, 1);', ctx)).toThrow(new RegExp(`^Failed to insert values into 'RO'\\. Error registering ${kind} schema for subject ro-value: .*read-only`, 'i'));
    expect(e.topics.get('ro')!.size).toBe(0);
    // once the subject takes versions, the same write goes through with the column
    e.registry.setMode('READWRITE', 'ro-value');
    e.executeStatement('INSERT INTO RO (ID, COL1, COL2) VALUES (1, 1, 1);', ctx);
    expect(e.registry.versions('ro-value')).toEqual([1, 2]);
  });

  it.each(['AVRO', 'PROTOBUF'])('a CREATE of declared columns over a producer\'s subject writes with its own columns\' schema (%s), registered when it first writes (it wrote with the producer\'s, dropping a column the producer lacks)', (format) => {
    const e = new Engine();
    const ctx = { properties: { 'ksql.streams.auto.offset.reset': 'earliest' }, variables: new Map<string, string>() };
    // the producer's schema: its columns' schema as another source writes it, registered first
    run(e, `CREATE STREAM P (ID INT KEY, A INT) WITH (KAFKA_TOPIC='p', PARTITIONS=1, VALUE_FORMAT='${format}')`);
    const producer = e.registry.version('p-value', 'latest').id;
    e.executeStatement(`CREATE STREAM S (ID INT KEY, A INT, B STRING) WITH (KAFKA_TOPIC='p', VALUE_FORMAT='${format}');`, ctx);
    // the CREATE registers nothing over the producer's subject
    expect(e.registry.versions('p-value')).toEqual([1]);
    e.executeStatement("INSERT INTO S (ID, A, B) VALUES (1, 2, 'kept');", ctx);
    expect(e.registry.versions('p-value')).toEqual([1, 2]);
    const own = e.registry.version('p-value', 2).id;
    expect(own).not.toBe(producer);
    const rec = e.topics.get('p')!.records()[0]!;
    expect(rec.value!.readInt32BE(1)).toBe(own);
    e.executeStatement("CREATE STREAM OUT WITH (VALUE_FORMAT='JSON') AS SELECT * FROM S;", ctx);
    e.drain();
    expect(e.topics.get('OUT')!.records().map((r) => r.value!.toString())).toEqual(['{"A":2,"B":"kept"}']);
    // a second write takes the id the first registered, and a new source of the same columns finds it at once
    e.executeStatement("INSERT INTO S (ID, A, B) VALUES (2, 3, 'again');", ctx);
    e.executeStatement(`CREATE STREAM S2 (ID INT KEY, A INT, B STRING) WITH (KAFKA_TOPIC='p', VALUE_FORMAT='${format}');`, ctx);
    expect(e.metastore.get('S2')!.valueFormat.schemaId).toBe(own);
    expect(e.registry.versions('p-value')).toEqual([1, 2]);
  });

  it('a pull query over a SOURCE TABLE of declared columns on a producer\'s subjects registers nothing (its keys are only read)', async () => {
    const { runPullQuery } = await import('../helpers/pull.js');
    const { parseStatement } = await import('../../src/engine/sql/parser.js');
    const e = new Engine();
    const ctx = { properties: { 'ksql.streams.auto.offset.reset': 'earliest' }, variables: new Map<string, string>() };
    e.registry.register('tk2-key', { schema: JSON.stringify({ type: 'int', 'connect.name': 'producer.Key' }), schemaType: 'AVRO' });
    e.registry.register('tk2-value', { schema: JSON.stringify({ type: 'record', name: 'V', fields: [{ name: 'V', type: ['null', 'string'], default: null }] }), schemaType: 'AVRO' });
    run(e, "CREATE STREAM P WITH (KAFKA_TOPIC='tk2', KEY_FORMAT='AVRO', VALUE_FORMAT='AVRO', PARTITIONS=1)");
    e.executeStatement("INSERT INTO P (ROWKEY, V) VALUES (1, 'a');", ctx);
    e.executeStatement("CREATE SOURCE TABLE TK2 (ID INT PRIMARY KEY, V STRING) WITH (KAFKA_TOPIC='tk2', KEY_FORMAT='AVRO', VALUE_FORMAT='AVRO');", ctx);
    e.drain();
    const q = parseStatement('SELECT * FROM TK2;');
    if (q.kind !== 'select') throw new Error(q.kind);
    expect(runPullQuery(e, q.query).rows).toEqual([[1, 'a']]);
    expect([e.registry.versions('tk2-key'), e.registry.versions('tk2-value')]).toEqual([[1], [1]]);
  });

  it('a CREATE of declared columns over a producer\'s JSON_SR subject whose level refuses its schema fails the write and says why (a property added to an open content model), writing nothing', () => {
    const e = new Engine();
    const ctx = { properties: {}, variables: new Map<string, string>() };
    run(e, "CREATE STREAM P (ID INT KEY, A INT) WITH (KAFKA_TOPIC='p', PARTITIONS=1, VALUE_FORMAT='JSON_SR')");
    e.executeStatement("CREATE STREAM S (ID INT KEY, A INT, B STRING) WITH (KAFKA_TOPIC='p', VALUE_FORMAT='JSON_SR');", ctx);
    expect(() => e.executeStatement("INSERT INTO S (ID, A, B) VALUES (1, 2, 'x');", ctx)).toThrow(/^Failed to insert values into 'S'\. Error registering JSON schema for subject p-value: Schema being registered is incompatible with an earlier schema for subject "p-value", details: \[.*PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL.*\]; error code: 409$/);
    expect(e.topics.get('p')!.size).toBe(0);
    e.registry.setLevel('NONE', 'p-value');
    e.executeStatement("INSERT INTO S (ID, A, B) VALUES (1, 2, 'x');", ctx);
    expect([e.topics.get('p')!.size, e.registry.versions('p-value')]).toEqual([1, [1, 2]]);
  });
});

describe('a Protobuf enum column written', () => {
  it('takes one of the enum\'s names; another fails the insert (it was written as the first value, silently)', () => {
    const engine = new Engine();
    const id = engine.registry.register('pe-value', { schema: 'syntax = "proto3"; message Pe { Color color = 1; int32 n = 2; enum Color { RED = 0; GREEN = 1; } }', schemaType: 'PROTOBUF' });
    engine.executeStatement(`CREATE STREAM PE WITH (KAFKA_TOPIC='pe', PARTITIONS=1, VALUE_FORMAT='PROTOBUF', VALUE_SCHEMA_ID=${id});`, ctx);
    engine.executeStatement("INSERT INTO PE (`color`, `n`) VALUES ('GREEN', 1);", ctx);
    expect(() => engine.executeStatement("INSERT INTO PE (`color`, `n`) VALUES ('BLUE', 2);", ctx)).toThrow("'BLUE' is no value of the enum Color (field color): RED, GREEN");
    expect(engine.topics.get('pe')!.records()).toHaveLength(1);
  });
});
