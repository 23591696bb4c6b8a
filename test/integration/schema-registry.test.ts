import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import avro from 'avsc';
import { frameTradeSettlement, TRADE_SETTLEMENT_PROTO } from '../helpers/trade-settlement.js';
import { freePort, ksql, queryStream, startServerProcess, type Running } from '../helpers/server.js';
import { migrate, startLocalServer, type LocalServer } from '../../src/index.js';

const MIGRATIONS = fileURLToPath(new URL('../../migrations', import.meta.url));
const SR_TYPE = 'application/vnd.schemaregistry.v1+json';

async function sr(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; type: string | null; body: any }> {
  const r = await fetch(`${base}${path}`, { method, headers: { 'content-type': SR_TYPE }, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: r.status, type: r.headers.get('content-type'), body: await r.json() };
}

describe('ksql-migrate server --schema-registry-port', () => {
  let server: Running;
  let registry: string;
  beforeAll(async () => {
    const port = await freePort();
    server = await startServerProcess(['--schema-registry-port', String(port)]);
    registry = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => { await server.stop(); });

  it('says where the registry listens and answers with its content type and error bodies', async () => {
    const said = /Schema Registry listening on http:\/\/127\.0\.0\.1:\d+/;
    expect(await server.outputMatching(said)).toMatch(said);
    const missing = await sr(registry, 'GET', '/subjects/nope/versions');
    expect(missing).toEqual({ status: 404, type: SR_TYPE, body: { error_code: 40401, message: "Subject 'nope' not found." } });
  });

  it('a malformed path or reference is the client\'s error (4xx), and the registry keeps serving', async () => {
    const raw = await new Promise<string>((resolve) => {
      const s = connect(Number(new URL(registry).port), '127.0.0.1', () => s.write('GET http://[ HTTP/1.1\r\nHost: x\r\n\r\n'));
      let got = ''; s.on('data', (d) => { got += d; if (got.includes('}')) { s.destroy(); resolve(got); } });
    });
    expect(raw).toMatch(/^HTTP\/1\.1 400 /);
    expect(await sr(registry, 'GET', '/subjects/%E0%A4%A/versions')).toEqual({ status: 400, type: SR_TYPE, body: { error_code: 400, message: 'Bad Request: malformed percent-encoding in the path' } });
    for (const ref of [null, { name: 'x', subject: { toString: 1 }, version: 1 }, { name: 'x', subject: 'y' }]) {
      const r = await sr(registry, 'POST', '/subjects/refs/versions', { schema: '"int"', references: [ref] });
      expect([r.status, r.body.error_code]).toEqual([422, 42201]);
    }
    expect((await sr(registry, 'GET', '/subjects')).status).toBe(200);
  });

  it('CREATE STREAM without columns takes them from the registered schema; CSAS registers its sink schema', async () => {
    await ksql(server.url, "CREATE STREAM SEED (K STRING KEY, V INT) WITH (KAFKA_TOPIC='orders', VALUE_FORMAT='JSON', PARTITIONS=1);");
    const avro = { type: 'record', name: 'Order', fields: [{ name: 'id', type: 'string' }, { name: 'qty', type: ['null', 'int'], default: null }] };
    expect((await sr(registry, 'POST', '/subjects/orders-value/versions', { schema: JSON.stringify(avro) })).body).toEqual({ id: 1 });

    const created = await ksql(server.url, "CREATE STREAM ORDERS WITH (KAFKA_TOPIC='orders', VALUE_FORMAT='AVRO');");
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const described = await ksql(server.url, 'DESCRIBE ORDERS;');
    expect(described.body[0].sourceDescription.fields.map((f: any) => [f.name, f.schema.type])).toEqual([['ID', 'STRING'], ['QTY', 'INTEGER']]);

    const csas = await ksql(server.url, "CREATE STREAM BIG_ORDERS WITH (VALUE_FORMAT='PROTOBUF') AS SELECT ID, QTY FROM ORDERS WHERE QTY > 10;");
    expect(csas.status, JSON.stringify(csas.body)).toBe(200);
    const latest = await sr(registry, 'GET', '/subjects/BIG_ORDERS-value/versions/latest');
    expect(latest.body).toMatchObject({ subject: 'BIG_ORDERS-value', version: 1, schemaType: 'PROTOBUF' });
    expect(latest.body.schema).toBe('syntax = "proto3";\n\nmessage ConnectDefault1 {\n  string ID = 1;\n  int32 QTY = 2;\n}\n');

    // the /schema endpoints return the schema itself, unescaped: Avro as its JSON, Protobuf as its text
    const rawAvro = await fetch(`${registry}/subjects/orders-value/versions/1/schema`);
    expect(rawAvro.headers.get('content-type')).toBe(SR_TYPE);
    expect(await rawAvro.json()).toEqual(avro);
    const rawProto = await fetch(`${registry}/schemas/ids/${latest.body.id}/schema`);
    expect(await rawProto.text()).toBe(latest.body.schema);

    const wrongFormat = await ksql(server.url, "CREATE STREAM NOPE WITH (KAFKA_TOPIC='orders', VALUE_FORMAT='PROTOBUF');");
    expect(wrongFormat.status).toBe(400);
    expect(wrongFormat.body.message).toContain("You may want to set VALUE_FORMAT to 'AVRO'");
    const noSubject = await ksql(server.url, "CREATE STREAM NOPE WITH (KAFKA_TOPIC='orders', KEY_FORMAT='AVRO', VALUE_FORMAT='AVRO', KEY_SCHEMA_ID=42);");
    expect(noSubject.body.message).toContain("Schema for message keys on topic 'orders' does not exist in the Schema Registry.");
  });

  it('negotiates as Confluent\'s JAX-RS resources do: the answer\'s type by Accept (406 for none of its own), request bodies of its types (415 else), HEAD as GET', async () => {
    const get = (accept?: string) => fetch(`${registry}/subjects`, { headers: accept ? { accept } : {} });
    const types = await Promise.all(['application/json', 'application/vnd.schemaregistry+json', '*/*', 'application/*', 'text/html, application/json;q=0.1'].map(async (a) => (await get(a)).headers.get('content-type')));
    expect(types).toEqual(['application/json', 'application/vnd.schemaregistry+json', SR_TYPE, SR_TYPE, 'application/json']);
    // the client's q first, the registry's own weight only between types it accepts as much
    expect((await get('application/json;q=0.6, application/vnd.schemaregistry.v1+json;q=0.5')).headers.get('content-type')).toBe('application/json');
    expect((await get('application/json, application/vnd.schemaregistry+json')).headers.get('content-type')).toBe('application/vnd.schemaregistry+json');
    const refused = await get('text/html');
    expect([refused.status, await refused.json()]).toEqual([406, { error_code: 406, message: 'HTTP 406 Not Acceptable' }]);
    // (a body of bytes: fetch gives a string body a text/plain type of its own)
    const post = (type: string | undefined) => fetch(`${registry}/subjects/mt-value/versions`, { method: 'POST', headers: type ? { 'content-type': type } : {}, body: new TextEncoder().encode(JSON.stringify({ schema: '"string"' })) });
    const plain = await post('text/plain');
    expect([plain.status, await plain.json()]).toEqual([415, { error_code: 415, message: 'HTTP 415 Unsupported Media Type' }]);
    for (const t of ['application/json; charset=utf-8', 'application/octet-stream', SR_TYPE, undefined]) expect([t, (await post(t)).status]).toEqual([t, 200]);
    const head = await fetch(`${registry}/subjects`, { method: 'HEAD' });
    expect([head.status, head.headers.get('content-type'), await head.text()]).toEqual([200, SR_TYPE, '']);
  });
});

describe('the registry in --data-dir', () => {
  it('keeps registrations, versions and levels across a restart', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ksqlm-sr-'));
    const start = async () => { const port = await freePort(); return { proc: await startServerProcess(['--data-dir', dir, '--schema-registry-port', String(port)]), url: `http://127.0.0.1:${port}` }; };
    const first = await start();
    const schema = JSON.stringify({ type: 'record', name: 'A', fields: [{ name: 'x', type: 'int' }] });
    await sr(first.url, 'POST', '/subjects/keep-value/versions', { schema: JSON.stringify({ type: 'string' }) });
    await sr(first.url, 'PUT', '/config/keep-value', { compatibility: 'NONE' });
    expect((await sr(first.url, 'POST', '/subjects/keep-value/versions', { schema })).body).toEqual({ id: 2 });
    await first.proc.stop();
    const second = await start();
    try {
      expect((await sr(second.url, 'GET', '/subjects/keep-value/versions')).body).toEqual([1, 2]);
      expect((await sr(second.url, 'GET', '/config/keep-value')).body).toEqual({ compatibilityLevel: 'NONE' });
      expect((await sr(second.url, 'POST', '/subjects/keep-value/versions', { schema })).body).toEqual({ id: 2 });
    } finally { await second.proc.stop(); }
  });
});

describe('a TradeSettlement written by a Protobuf client with the Schema Registry wire format', () => {
  let server: LocalServer;
  beforeAll(async () => {
    server = await startLocalServer({ port: 0, schemaRegistryPort: 0, properties: { 'ksql.streams.auto.offset.reset': 'earliest' } });
    const r = await migrate({ server: server.url, migrationsDir: MIGRATIONS, defines: { partitions: '1' } });
    expect(r.outcomes.every((o) => o.status === 'success'), JSON.stringify(r.outcomes.map((o) => [o.file.version, o.status, o.reason]))).toBe(true);
  });
  afterAll(async () => { await server.close(); });

  it('is counted by COMPLETED_PER_MINUTE', async () => {
    // what the settlement Lambda's serializer does: register the schema, then frame each record
    const reg = await sr(server.schemaRegistryUrl!, 'POST', '/subjects/trade-settlements-value/versions', { schema: TRADE_SETTLEMENT_PROTO, schemaType: 'PROTOBUF' });
    expect(reg.status, JSON.stringify(reg.body)).toBe(200);
    const value = frameTradeSettlement(reg.body.id, { user: 'User_1', symbol: 'ZVV', amount: 1500, disposition: 'Completed', reason: 'Within same day limit', timestamp: 120_500 });
    server.engine.topics.append('trade-settlements', { key: Buffer.from('ZVV'), value, timestamp: Date.now(), partition: 0 });
    server.engine.drain();

    const r = await queryStream(server.url, "SELECT SYMBOL, NUM_COMPLETED, WINDOWSTART FROM COMPLETED_PER_MINUTE WHERE SYMBOL = 'ZVV';");
    expect(r.status, r.raw).toBe(200);
    expect(r.rows).toEqual([['ZVV', 1, 120_000]]);
  });
});

describe('a CSAS whose sink subject holds a schema its own is incompatible with', () => {
  let server: LocalServer;
  beforeAll(async () => { server = await startLocalServer({ port: 0, schemaRegistryPort: 0, properties: { 'ksql.streams.auto.offset.reset': 'earliest' } }); });
  afterAll(async () => { await server.close(); });

  it('fails with the registry\'s reason, as ksqlDB fails it, instead of running a query that writes nothing', async () => {
    const old = { type: 'record', name: 'Z', fields: [{ name: 'ID', type: 'int' }] };
    expect((await sr(server.schemaRegistryUrl!, 'POST', '/subjects/CONFLICT_OUT-value/versions', { schema: JSON.stringify(old) })).status).toBe(200);
    expect((await ksql(server.url, "CREATE STREAM CONFLICT (ID STRING) WITH (KAFKA_TOPIC='conflict', PARTITIONS=1, VALUE_FORMAT='AVRO');")).status).toBe(200);
    const r = await ksql(server.url, 'CREATE STREAM CONFLICT_OUT AS SELECT * FROM CONFLICT;');
    expect(r.status).toBe(400);
    expect(r.body.message).toMatch(/^Could not register schema for topic: Schema being registered is incompatible with an earlier schema for subject "CONFLICT_OUT-value", details: \[.+\]; error code: 409$/);
    expect((await ksql(server.url, 'SHOW QUERIES;')).body[0].queries).toEqual([]);
    expect((await sr(server.schemaRegistryUrl!, 'GET', '/subjects/CONFLICT_OUT-value/versions')).body).toEqual([1]);
    // with the subject's level at NONE the statement registers its schema as a new version and runs
    expect((await sr(server.schemaRegistryUrl!, 'PUT', '/config/CONFLICT_OUT-value', { compatibility: 'NONE' })).status).toBe(200);
    expect((await ksql(server.url, 'CREATE STREAM CONFLICT_OUT AS SELECT * FROM CONFLICT;')).status).toBe(200);
    expect((await sr(server.schemaRegistryUrl!, 'GET', '/subjects/CONFLICT_OUT-value/versions')).body).toEqual([1, 2]);
  });

  it('DROP ... DELETE TOPIC deletes the topic\'s subjects, as ksqlDB does, so the sink can be made again with other columns', async () => {
    expect((await ksql(server.url, "CREATE STREAM RECREATE_SRC (ID INT KEY, V INT, W STRING) WITH (KAFKA_TOPIC='recreate_src', PARTITIONS=1, VALUE_FORMAT='JSON'); CREATE STREAM RECREATED WITH (KEY_FORMAT='AVRO', VALUE_FORMAT='AVRO') AS SELECT ID, V FROM RECREATE_SRC;")).status).toBe(200);
    const subjects = async () => ((await sr(server.schemaRegistryUrl!, 'GET', '/subjects')).body as string[]).filter((x) => x.startsWith('RECREATED-'));
    expect(await subjects()).toEqual(['RECREATED-key', 'RECREATED-value']);
    expect((await ksql(server.url, 'DROP STREAM RECREATED DELETE TOPIC;')).status).toBe(200);
    expect(await subjects()).toEqual([]);
    const again = await ksql(server.url, "CREATE STREAM RECREATED WITH (KEY_FORMAT='AVRO', VALUE_FORMAT='AVRO') AS SELECT ID, W AS V FROM RECREATE_SRC;");
    expect(again.status, JSON.stringify(again.body)).toBe(200);
    // a DROP without DELETE TOPIC keeps them
    expect((await ksql(server.url, 'DROP STREAM RECREATED;')).status).toBe(200);
    expect(await subjects()).toEqual(['RECREATED-key', 'RECREATED-value']);
  });

  it('DROP ... DELETE TOPIC whose subject cannot be deleted (another schema references it) fails as ksqlDB fails it, and drops nothing', async () => {
    expect((await ksql(server.url, "CREATE STREAM REFERENCED (ID INT KEY, V STRING) WITH (KAFKA_TOPIC='referenced', VALUE_FORMAT='AVRO', PARTITIONS=1);")).status).toBe(200);
    const latest = (await sr(server.schemaRegistryUrl!, 'GET', '/subjects/referenced-value/versions/latest')).body as { schema: string; version: number };
    const name = (JSON.parse(latest.schema) as { namespace?: string; name: string });
    const full = name.namespace ? `${name.namespace}.${name.name}` : name.name;
    const user = { type: 'record', name: 'User', fields: [{ name: 'r', type: full }] };
    expect((await sr(server.schemaRegistryUrl!, 'POST', '/subjects/user-value/versions', { schema: JSON.stringify(user), references: [{ name: full, subject: 'referenced-value', version: latest.version }] })).status).toBe(200);
    const r = await ksql(server.url, 'DROP STREAM REFERENCED DELETE TOPIC;');
    expect([r.status, r.body.message]).toEqual([400, 'Could not clean up the schema registry for topic: referenced']);
    expect((await ksql(server.url, 'DESCRIBE REFERENCED;')).status).toBe(200);
  });
});

describe('JSON_SR schemas with local definitions', () => {
  let server: LocalServer;
  beforeAll(async () => { server = await startLocalServer({ port: 0, schemaRegistryPort: 0, properties: { 'ksql.streams.auto.offset.reset': 'earliest' } }); });
  afterAll(async () => { await server.close(); });

  it('follow $ref into definitions and $defs for the columns, and refuse a type that contains itself', async () => {
    const schema = {
      type: 'object', definitions: { Addr: { type: 'object', properties: { city: { type: 'string' } } } }, $defs: { Tags: { type: 'array', items: { type: 'string' } } },
      properties: { name: { type: 'string' }, home: { $ref: '#/definitions/Addr' }, tags: { $ref: '#/$defs/Tags' } },
    };
    const reg = await sr(server.schemaRegistryUrl!, 'POST', '/subjects/people-value/versions', { schema: JSON.stringify(schema), schemaType: 'JSON' });
    expect(reg.status).toBe(200);
    const created = await ksql(server.url, "CREATE STREAM PEOPLE WITH (KAFKA_TOPIC='people', PARTITIONS=1, VALUE_FORMAT='JSON_SR');");
    expect(created.status, JSON.stringify(created.body)).toBe(200);
    const fields = (await ksql(server.url, 'DESCRIBE PEOPLE;')).body[0].sourceDescription.fields;
    expect(fields.map((f: { name: string; schema: { type: string; fields: { name: string }[] | null; memberSchema: { type: string } | null } }) => [f.name, f.schema.type, f.schema.fields?.map((x) => x.name) ?? f.schema.memberSchema?.type ?? null]))
      .toEqual([['NAME', 'STRING', null], ['HOME', 'STRUCT', ['CITY']], ['TAGS', 'ARRAY', 'STRING']]);
    const value = Buffer.concat([Buffer.from([0, 0, 0, 0, reg.body.id]), Buffer.from(JSON.stringify({ name: 'Ann', home: { city: 'Oslo' }, tags: ['a'] }))]);
    server.engine.topics.append('people', { key: null, value, timestamp: Date.now(), partition: 0 });
    server.engine.drain();
    expect((await queryStream(server.url, 'SELECT NAME, HOME->CITY, TAGS FROM PEOPLE;')).rows).toEqual([['Ann', 'Oslo', ['a']]]);

    const loop = { type: 'object', definitions: { Node: { type: 'object', properties: { next: { $ref: '#/definitions/Node' } } } }, properties: { head: { $ref: '#/definitions/Node' } } };
    expect((await sr(server.schemaRegistryUrl!, 'POST', '/subjects/loop-value/versions', { schema: JSON.stringify(loop), schemaType: 'JSON' })).status).toBe(200);
    const refused = await ksql(server.url, "CREATE STREAM LOOP WITH (KAFKA_TOPIC='loop', PARTITIONS=1, VALUE_FORMAT='JSON_SR');");
    expect([refused.status, refused.body.message]).toEqual([400, expect.stringContaining('#/definitions/Node refers to itself')]);
  });
});

describe('PRINT of Schema Registry formats', () => {
  let server: LocalServer;
  beforeAll(async () => { server = await startLocalServer({ port: 0, schemaRegistryPort: 0 }); });
  afterAll(async () => { await server.close(); });

  const print = async (topic: string) => {
    const r = await fetch(`${server.url}/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ksql: `PRINT '${topic}' FROM BEGINNING LIMIT 1;` }) });
    return (await r.text()).replace(/rowtime: [^,]+, /, '');
  };
  const put = (topic: string, value: Buffer) => { server.engine.topics.create(topic, { partitions: 1, replicas: 1 }); server.engine.topics.append(topic, { key: Buffer.from('k'), value, timestamp: 0, partition: 0 }); };
  const frame = (id: number, payload: Buffer, indexes: number[] = []) => Buffer.concat([Buffer.from([0, 0, 0, 0, id]), Buffer.from(indexes), payload]);

  it('decodes records framed with a schema the registry holds: Avro as its records print, Protobuf and JSON Schema as JSON', async () => {
    const avroSchema = { type: 'record', name: 'R', fields: [{ name: 'id', type: 'string' }, { name: 'n', type: 'double' }, { name: 'tags', type: { type: 'array', items: 'string' } }, { name: 'm', type: ['null', 'int'] }] };
    const a = await sr(server.schemaRegistryUrl!, 'POST', '/subjects/pa-value/versions', { schema: JSON.stringify(avroSchema) });
    put('pa', frame(a.body.id, avro.Type.forSchema(avroSchema as avro.Schema).toBuffer({ id: 'x', n: 2, tags: ['a', 'b'], m: 5 })));
    expect(await print('pa')).toBe('Key format: KAFKA_STRING\nValue format: AVRO\nkey: k, value: {"id": "x", "n": 2.0, "tags": ["a", "b"], "m": 5}, partition: 0\n');

    const proto = 'syntax = "proto3"; message P { string id = 1; int64 n = 2; }';
    const p = await sr(server.schemaRegistryUrl!, 'POST', '/subjects/pp-value/versions', { schema: proto, schemaType: 'PROTOBUF' });
    const P = protobuf.parse(proto).root.lookupType('P');
    put('pp', frame(p.body.id, Buffer.from(P.encode(P.fromObject({ id: 'y', n: 7 })).finish()), [0]));
    expect(await print('pp')).toBe('Key format: KAFKA_STRING\nValue format: PROTOBUF\nkey: k, value: {"id":"y","n":"7"}, partition: 0\n');

    const j = await sr(server.schemaRegistryUrl!, 'POST', '/subjects/pj-value/versions', { schema: JSON.stringify({ type: 'object', properties: { id: { type: 'string' } } }), schemaType: 'JSON' });
    put('pj', frame(j.body.id, Buffer.from('{"id":"z"}')));
    expect(await print('pj')).toBe('Key format: KAFKA_STRING\nValue format: JSON_SR\nkey: k, value: {"id":"z"}, partition: 0\n');

    // longs beyond 2^53 stay exact, and bytes print as Avro prints them
    expect((await ksql(server.url, "CREATE STREAM PBIG (ID BIGINT KEY, B BIGINT, D DECIMAL(4, 2)) WITH (KAFKA_TOPIC='pbig', KEY_FORMAT='AVRO', VALUE_FORMAT='AVRO', PARTITIONS=1); INSERT INTO PBIG (ID, B, D) VALUES (9007199254740993, 9007199254740993, 0.65);")).status).toBe(200);
    expect(await print('pbig')).toBe('Key format: AVRO\nValue format: AVRO\nkey: 9007199254740993, value: {"B": 9007199254740993, "D": {"bytes": "A"}}, partition: 0\n');

    // strings and bytes are escaped as Avro's writeEscapedString escapes them (control characters,
    // U+007F to U+009F and U+2000 to U+20FF as upper-case \uXXXX)
    const esc = { type: 'record', name: 'E', fields: [{ name: 's', type: 'string' }, { name: 'b', type: 'bytes' }, { name: 'm', type: { type: 'map', values: 'int' } }] };
    const e = await sr(server.schemaRegistryUrl!, 'POST', '/subjects/pe-value/versions', { schema: JSON.stringify(esc) });
    put('pe', frame(e.body.id, avro.Type.forSchema(esc as avro.Schema).toBuffer({ s: 'a\u001fb\u0085c\u2028d"\\\n😀é', b: Buffer.from([0, 0x1f, 0x9f, 0x41]), m: { 'k\t': 1 } })));
    expect(await print('pe')).toBe('Key format: KAFKA_STRING\nValue format: AVRO\nkey: k, value: {"s": "a\\u001Fb\\u0085c\\u2028d\\"\\\\\\n😀é", "b": {"bytes": "\\u0000\\u001F\\u009FA"}, "m": {"k\\t": 1}}, partition: 0\n');

    // a schema id the registry does not hold leaves the bytes as they are
    put('pu', frame(99, Buffer.from([1, 2])));
    expect(await print('pu')).toBe('Key format: KAFKA_STRING\nValue format: UNRECOGNIZED_BYTES\nkey: k, value: 00000000630102, partition: 0\n');
  });
});

describe('value schemas that are no record', () => {
  let server: LocalServer;
  beforeAll(async () => { server = await startLocalServer({ port: 0, schemaRegistryPort: 0, properties: { 'ksql.streams.auto.offset.reset': 'earliest' } }); });
  afterAll(async () => { await server.close(); });

  it('are the value itself: one ROWVAL column read and written unwrapped (Avro string and union, JSON Schema string and map)', async () => {
    const head = (id: number) => Buffer.from([0, 0, 0, 0, id]);
    const cases = [
      { topic: 'bare_str', type: 'AVRO', schema: '"string"', bytes: (id: number) => Buffer.concat([head(id), avro.Type.forSchema('string').toBuffer('hello')]), row: 'hello' },
      { topic: 'bare_union', type: 'AVRO', schema: JSON.stringify(['null', 'int', 'string']), bytes: (id: number) => Buffer.concat([head(id), avro.Type.forSchema(['null', 'int', 'string'], { wrapUnions: true }).toBuffer({ int: 5 })]), row: { CONNECT_UNION_FIELD_INT: 5, CONNECT_UNION_FIELD_STRING: null } },
      { topic: 'bare_json', type: 'JSON', schema: JSON.stringify({ type: 'string' }), bytes: (id: number) => Buffer.concat([head(id), Buffer.from('"hi"')]), row: 'hi' },
      { topic: 'bare_map', type: 'JSON', schema: JSON.stringify({ type: 'object', additionalProperties: { type: 'integer' } }), bytes: (id: number) => Buffer.concat([head(id), Buffer.from('{"a":1}')]), row: { a: 1 } },
    ];
    for (const c of cases) {
      const reg = await sr(server.schemaRegistryUrl!, 'POST', `/subjects/${c.topic}-value/versions`, { schema: c.schema, schemaType: c.type });
      expect(reg.status).toBe(200);
      const name = c.topic.toUpperCase();
      const made = await ksql(server.url, `CREATE STREAM ${name} WITH (KAFKA_TOPIC='${c.topic}', PARTITIONS=1, VALUE_FORMAT='${c.type === 'JSON' ? 'JSON_SR' : 'AVRO'}');`);
      expect(made.status, JSON.stringify(made.body)).toBe(200);
      server.engine.topics.append(c.topic, { key: null, value: c.bytes(reg.body.id), timestamp: Date.now(), partition: 0 });
      server.engine.drain();
      const r = await queryStream(server.url, `SELECT ROWVAL FROM ${name};`);
      expect([c.topic, r.rows]).toEqual([c.topic, [[c.row]]]);
    }
    // written back bare: an INSERT reads the same again
    expect((await ksql(server.url, "INSERT INTO BARE_STR (ROWVAL) VALUES ('again');")).status).toBe(200);
    expect((await queryStream(server.url, 'SELECT ROWVAL FROM BARE_STR;')).rows).toEqual([['hello'], ['again']]);
  });
});

describe('Avro unions of more than one type', () => {
  let server: LocalServer;
  beforeAll(async () => { server = await startLocalServer({ port: 0, schemaRegistryPort: 0, properties: { 'ksql.streams.auto.offset.reset': 'earliest' } }); });
  afterAll(async () => { await server.close(); });

  it('are a struct with the written branch set, as Connect reads them, and are written back as that branch', async () => {
    const schema = { type: 'record', name: 'R', fields: [{ name: 'id', type: 'string' }, { name: 'v', type: ['null', 'string', 'int'], default: null }] };
    const reg = await sr(server.schemaRegistryUrl!, 'POST', '/subjects/unions-value/versions', { schema: JSON.stringify(schema) });
    expect(reg.status).toBe(200);
    expect((await ksql(server.url, "CREATE STREAM UNIONS WITH (KAFKA_TOPIC='unions', PARTITIONS=1, VALUE_FORMAT='AVRO'); CREATE STREAM UNIONS_OUT AS SELECT * FROM UNIONS;")).status).toBe(200);
    const t = avro.Type.forSchema(schema as avro.Schema, { wrapUnions: true });
    const head = Buffer.from([0, 0, 0, 0, reg.body.id]);
    for (const r of [{ id: 'int', v: { int: 5 } }, { id: 'string', v: { string: 'str' } }, { id: 'none', v: null }]) {
      server.engine.topics.append('unions', { key: null, value: Buffer.concat([head, t.toBuffer(r)]), timestamp: Date.now(), partition: 0 });
    }
    server.engine.drain();
    const expected = [['int', { CONNECT_UNION_FIELD_STRING: null, CONNECT_UNION_FIELD_INT: 5 }], ['string', { CONNECT_UNION_FIELD_STRING: 'str', CONNECT_UNION_FIELD_INT: null }], ['none', null]];
    expect((await queryStream(server.url, 'SELECT ID, V FROM UNIONS;')).rows).toEqual(expected);
    expect((await queryStream(server.url, 'SELECT ID, V FROM UNIONS_OUT;')).rows).toEqual(expected);
    // a row written into the stream takes the branch its struct sets
    expect((await ksql(server.url, "INSERT INTO UNIONS (ID, V) VALUES ('ins', STRUCT(CONNECT_UNION_FIELD_INT := 9));")).status).toBe(200);
    const written = server.engine.topics.get('unions')!.partitions[0]!.all().at(-1)!.value!;
    expect(t.fromBuffer(written.subarray(5))).toEqual({ id: 'ins', v: { int: 9 } });
  });

  it('whose branches a value cannot tell apart (int and long, int and double, two records, a string and an enum) keep the branch written, both ways', async () => {
    const rec = (name: string) => ({ type: 'record', name, fields: [{ name: 'x', type: 'int' }] });
    const schema = { type: 'record', name: 'Amb', namespace: 'io.example', fields: [
      { name: 'id', type: 'string' },
      { name: 'il', type: ['null', 'int', 'long'] }, { name: 'id2', type: ['null', 'int', 'double'] },
      { name: 'ab', type: ['null', rec('A'), rec('B')] }, { name: 'se', type: ['null', 'string', { type: 'enum', name: 'E', symbols: ['P', 'Q'] }] },
    ] };
    const reg = await sr(server.schemaRegistryUrl!, 'POST', '/subjects/ambiguous-value/versions', { schema: JSON.stringify(schema) });
    expect(reg.status).toBe(200);
    expect((await ksql(server.url, "CREATE STREAM AMBIGUOUS WITH (KAFKA_TOPIC='ambiguous', PARTITIONS=1, VALUE_FORMAT='AVRO');")).status).toBe(200);
    const t = avro.Type.forSchema(schema as avro.Schema, { wrapUnions: true });
    const head = Buffer.from([0, 0, 0, 0, reg.body.id]);
    server.engine.topics.append('ambiguous', { key: null, value: Buffer.concat([head, t.toBuffer({ id: 'r', il: { long: 7 }, id2: { double: 2.5 }, ab: { 'io.example.B': { x: 3 } }, se: { 'io.example.E': 'Q' } })]), timestamp: Date.now(), partition: 0 });
    server.engine.drain();
    const r = await queryStream(server.url, 'SELECT IL, ID2, AB, SE FROM AMBIGUOUS;');
    expect(r.status, r.raw).toBe(200);
    expect(r.rows).toEqual([[
      { CONNECT_UNION_FIELD_INT: null, CONNECT_UNION_FIELD_LONG: 7 }, { CONNECT_UNION_FIELD_INT: null, CONNECT_UNION_FIELD_DOUBLE: 2.5 },
      { CONNECT_UNION_FIELD_A: null, CONNECT_UNION_FIELD_B: { X: 3 } }, { CONNECT_UNION_FIELD_STRING: null, CONNECT_UNION_FIELD_E: 'Q' },
    ]]);
    const ins = await ksql(server.url, "INSERT INTO AMBIGUOUS (ID, IL) VALUES ('w', STRUCT(CONNECT_UNION_FIELD_LONG := CAST(8 AS BIGINT)));");
    expect(ins.status, JSON.stringify(ins.body)).toBe(200);
    const written = server.engine.topics.get('ambiguous')!.partitions[0]!.all().at(-1)!.value!;
    expect(t.fromBuffer(written.subarray(5))).toMatchObject({ id: 'w', il: { long: 8 } });
  });
});

describe('Protobuf records read as Confluent\'s deserializer reads them', () => {
  let server: LocalServer;
  beforeAll(async () => { server = await startLocalServer({ port: 0, schemaRegistryPort: 0, properties: { 'ksql.streams.auto.offset.reset': 'earliest' } }); });
  afterAll(async () => { await server.close(); });

  it('uint64 and fixed64 of 2^63 and above are the signed longs of their bits; message indexes that name no message fail the record (processing log) instead of reading it as the first message', async () => {
    const proto = 'syntax = "proto3"; message S { string id = 1; uint64 u64 = 2; fixed64 f64 = 3; }';
    const reg = await sr(server.schemaRegistryUrl!, 'POST', '/subjects/pb64-value/versions', { schema: proto, schemaType: 'PROTOBUF' });
    expect(reg.status).toBe(200);
    expect((await ksql(server.url, "CREATE STREAM PB64 WITH (KAFKA_TOPIC='pb64', PARTITIONS=1, VALUE_FORMAT='PROTOBUF'); CREATE STREAM PB64_OUT AS SELECT ID, U64, CAST(U64 AS STRING) AS U, U64 > 0 AS POSITIVE, CAST(F64 AS STRING) AS F FROM PB64;")).status).toBe(200);
    const S = protobuf.parse(proto).root.lookupType('S');
    const payload = (id: string) => Buffer.from(S.encode(S.fromObject({ id, u64: '18446744073709551615', f64: '9223372036854775808' })).finish());
    // Confluent's framing: magic byte, schema id, then the message indexes ([0] is one 0 byte; else a zigzag count and zigzag indexes)
    const framed = (indexes: number[], id: string) => Buffer.concat([Buffer.from([0]), Buffer.from([0, 0, 0, reg.body.id]), Buffer.from(indexes), payload(id)]);
    for (const [indexes, id] of [[[0], 'max'], [[2, 14], 'index 7'], [[4, 0, 6], 'index 0.3']] as const) {
      server.engine.topics.append('pb64', { key: null, value: framed([...indexes], id), timestamp: Date.now(), partition: 0 });
    }
    server.engine.drain();
    expect((await queryStream(server.url, 'SELECT ID, U, POSITIVE, F FROM PB64_OUT;')).rows).toEqual([['max', '-1', false, '-9223372036854775808']]);
    const log = await queryStream(server.url, 'SELECT MESSAGE->DESERIALIZATIONERROR->ERRORMESSAGE FROM KSQL_PROCESSING_LOG;');
    expect(log.rows.map((r) => String(r[0]))).toEqual([
      expect.stringMatching(/^Failed to deserialize value from topic: pb64\. .*Invalid message indexes: \[7\] name no message of the writer's schema/),
      expect.stringMatching(/^Failed to deserialize value from topic: pb64\. .*Invalid message indexes: \[0, 3\] name no message of the writer's schema/),
    ]);
  });
});
