import { describe, expect, it } from 'vitest';
import { SchemaRegistry } from '../../src/engine/schema-registry/registry.js';
import { handleRegistryRequest } from '../../src/engine/schema-registry/routes.js';
import { protobufDescriptors as descriptors, protobufjs } from '../../src/engine/serde/libraries.js';

const AVRO_V1 = JSON.stringify({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'int' }] });
const AVRO_V2 = JSON.stringify({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'int' }, { name: 'b', type: ['null', 'string'], default: null }] });
const AVRO_BAD = JSON.stringify({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'int' }, { name: 'c', type: 'string' }] });
const PROTO = 'syntax = "proto3";\nmessage TradeSettlement { string user = 1; double amount = 3; }\n';
const JSON_SCHEMA = JSON.stringify({ type: 'object', properties: { a: { type: 'integer' } } });

/** One request to a registry, as the routes take it. */
const call = (registry: SchemaRegistry, method: string, path: string, body?: unknown) => {
  const url = new URL(path, 'http://sr');
  return handleRegistryRequest(registry, { method, path: url.pathname, query: url.searchParams, body });
};

type Step = [method: string, path: string, body: unknown, status: number, expected: unknown];

/** One registry, requests in order: each row is a request and the answer Confluent's API gives. */
const steps: Step[] = [
  ['GET', '/subjects', undefined, 200, []],
  ['GET', '/config', undefined, 200, { compatibilityLevel: 'BACKWARD' }],
  ['POST', '/subjects/t-value/versions', { schema: AVRO_V1 }, 200, { id: 1 }],
  ['POST', '/subjects/t-value/versions', { schema: ` ${AVRO_V1} ` }, 200, { id: 1 }],
  ['POST', '/subjects/other-value/versions', { schema: AVRO_V1 }, 200, { id: 1 }],
  ['POST', '/subjects/t-value/versions', { schema: AVRO_V2 }, 200, { id: 2 }],
  ['POST', '/subjects/t-value/versions', { schema: AVRO_BAD }, 409, { error_code: 409 }],
  ['POST', '/compatibility/subjects/t-value/versions/latest', { schema: AVRO_BAD }, 200, { is_compatible: false }],
  ['POST', '/compatibility/subjects/t-value/versions/1', { schema: AVRO_V2 }, 200, { is_compatible: true }],
  ['PUT', '/config/t-value', { compatibility: 'NONE' }, 200, { compatibility: 'NONE' }],
  ['GET', '/config/t-value', undefined, 200, { compatibilityLevel: 'NONE' }],
  ['GET', '/config/other-value', undefined, 404, { error_code: 40408 }],
  ['GET', '/config/other-value?defaultToGlobal=true', undefined, 200, { compatibilityLevel: 'BACKWARD' }],
  ['PUT', '/config', { compatibility: 'SIDEWAYS' }, 422, { error_code: 42203 }],
  ['POST', '/subjects/t-value/versions', { schema: AVRO_BAD }, 200, { id: 3 }],
  ['GET', '/subjects', undefined, 200, ['other-value', 't-value']],
  ['GET', '/subjects/t-value/versions', undefined, 200, [1, 2, 3]],
  ['GET', '/subjects/t-value/versions/latest', undefined, 200, { subject: 't-value', version: 3, id: 3, schema: AVRO_BAD }],
  ['GET', '/subjects/t-value/versions/2/schema', undefined, 200, AVRO_V2],
  ['GET', '/subjects/t-value/versions/abc', undefined, 422, { error_code: 42202 }],
  ['GET', '/subjects/t-value/versions/9', undefined, 404, { error_code: 40402, message: 'Version 9 not found.' }],
  ['POST', '/subjects/t-value', { schema: AVRO_V2 }, 200, { subject: 't-value', version: 2, id: 2 }],
  ['POST', '/subjects/t-value', { schema: JSON.stringify({ type: 'string' }) }, 404, { error_code: 40403 }],
  ['GET', '/schemas/ids/2', undefined, 200, { schema: AVRO_V2 }],
  ['GET', '/schemas/ids/1/versions', undefined, 200, [{ subject: 't-value', version: 1 }, { subject: 'other-value', version: 1 }]],
  ['GET', '/schemas/ids/99', undefined, 404, { error_code: 40403, message: 'Schema 99 not found' }],
  ['POST', '/subjects/p-value/versions', { schema: PROTO, schemaType: 'PROTOBUF' }, 200, { id: 4 }],
  ['GET', '/schemas/ids/4', undefined, 200, { schemaType: 'PROTOBUF', schema: PROTO }],
  ['POST', '/subjects/j-value/versions', { schema: JSON_SCHEMA, schemaType: 'JSON' }, 200, { id: 5 }],
  ['GET', '/subjects/j-value/versions/1', undefined, 200, { subject: 'j-value', version: 1, id: 5, schemaType: 'JSON', schema: JSON_SCHEMA }],
  ['GET', '/schemas/types', undefined, 200, ['JSON', 'PROTOBUF', 'AVRO']],
  ['GET', '/subjects/missing/versions', undefined, 404, { error_code: 40401, message: "Subject 'missing' not found." }],
  ['DELETE', '/subjects/t-value/versions/3', undefined, 200, 3],
  ['GET', '/subjects/t-value/versions', undefined, 200, [1, 2]],
  ['DELETE', '/subjects/t-value?permanent=true', undefined, 404, { error_code: 40405 }],
  ['DELETE', '/subjects/t-value', undefined, 200, [1, 2]],
  ['GET', '/subjects', undefined, 200, ['j-value', 'other-value', 'p-value']],
  ['GET', '/subjects?deleted=true', undefined, 200, ['j-value', 'other-value', 'p-value', 't-value']],
  ['DELETE', '/subjects/t-value', undefined, 404, { error_code: 40404 }],
  ['DELETE', '/subjects/t-value?permanent=true', undefined, 200, [1, 2, 3]],
  ['GET', '/subjects?deleted=true', undefined, 200, ['j-value', 'other-value', 'p-value']],
  ['POST', '/subjects/x-value/versions', { schema: '{not json' }, 422, { error_code: 42201 }],
  ['GET', '/nowhere', undefined, 404, { error_code: 404 }],
  // a path the registry serves, with a method it does not take there: 405, as Jersey answers
  ['PUT', '/subjects/x-value/versions', { schema: '"string"' }, 405, { error_code: 405, message: 'HTTP 405 Method Not Allowed' }],
  ['POST', '/subjects', undefined, 405, { error_code: 405 }],
  ['DELETE', '/schemas/ids/1', undefined, 405, { error_code: 405 }],
  ['GET', '/contexts', undefined, 200, ['.']],
  // a schema whose every version was deleted for good is gone by id; one another subject still uses stays
  ['GET', '/schemas/ids/2', undefined, 404, { error_code: 40403 }],
  ['GET', '/schemas/ids/1', undefined, 200, { schema: AVRO_V1 }],
  ['GET', '/schemas/ids/abc', undefined, 404, { error_code: 404 }],
  ['GET', '/subjects?subjectPrefix=j', undefined, 200, ['j-value']],
  ['GET', '/schemas?subjectPrefix=p', undefined, 200, [{ subject: 'p-value', version: 1, id: 4, schemaType: 'PROTOBUF', schema: PROTO }]],
  // no version: against what the subject's level compares with (BACKWARD: the latest)
  ['POST', '/compatibility/subjects/other-value/versions', { schema: AVRO_V2 }, 200, { is_compatible: true }],
  ['POST', '/compatibility/subjects/other-value/versions', { schema: AVRO_BAD }, 200, { is_compatible: false }],
  // a subject with no version yet: anything is compatible (registering it would succeed), against
  // 'latest' too, as Confluent's resource takes it; a version named is not found
  ['POST', '/compatibility/subjects/brand-new/versions', { schema: AVRO_V1 }, 200, { is_compatible: true }],
  ['POST', '/compatibility/subjects/brand-new/versions/latest', { schema: AVRO_V1 }, 200, { is_compatible: true }],
  ['POST', '/compatibility/subjects/brand-new/versions/1', { schema: AVRO_V1 }, 404, { error_code: 40402 }],
  // Confluent's default prefix, every context: this registry's one context, every subject
  ['GET', '/subjects?subjectPrefix=:*:', undefined, 200, ['j-value', 'other-value', 'p-value']],
  ['GET', '/subjects?subjectPrefix=:.:p', undefined, 200, ['p-value']],
  // the well-known files a producer's schema may import without a reference
  ['POST', '/subjects/wk-value/versions', { schemaType: 'PROTOBUF', schema: 'syntax = "proto3";\nimport "google/protobuf/duration.proto";\nimport "google/type/money.proto";\nmessage D {\n  google.protobuf.Duration d = 1;\n  google.type.Money m = 2;\n}\n' }, 200, {}],
  ['POST', '/subjects/wk-value/versions', { schemaType: 'PROTOBUF', schema: 'syntax = "proto3";\nimport "nowhere/else.proto";\nmessage E {\n  int32 a = 1;\n}\n' }, 422, { error_code: 42201 }],
];

describe('Schema Registry REST routes', () => {
  const registry = new SchemaRegistry();
  it.each(steps.map((s, i) => ({ i, method: s[0], path: s[1], step: s })))('$i: $method $path', ({ step: [method, path, body, status, expected] }) => {
    const url = new URL(path, 'http://sr');
    const r = handleRegistryRequest(registry, { method, path: url.pathname, query: url.searchParams, body });
    expect(r.status).toBe(status);
    if (path.endsWith('/schema')) expect(r.raw).toBe(true);
    if (expected !== null && typeof expected === 'object' && !Array.isArray(expected)) expect(r.body).toMatchObject(expected);
    else expect(r.body).toEqual(expected);
  });

  it('keeps a hard-deleted schema for the server\'s own readers: records written with it stay readable', () => {
    expect(registry.schemaById(2).schema).toBe(AVRO_V2);
  });
});

describe('what the registry keeps of a schema', () => {

  it('an id\'s text never changes: the same Protobuf schema written otherwise under another subject gets the id, not a new text for it', () => {
    const registry = new SchemaRegistry();
    const first = 'syntax = "proto3";\npackage ex;\n// a comment\nmessage Order {   string id = 1;\n  int32 qty = 2; }';
    const id = (call(registry, 'POST', '/subjects/p1/versions', { schemaType: 'PROTOBUF', schema: first }).body as { id: number }).id;
    expect(call(registry, 'POST', '/subjects/p2/versions', { schemaType: 'PROTOBUF', schema: 'syntax = "proto3";\npackage ex;\n\nmessage Order {\n  string id = 1;\n  int32 qty = 2;\n}\n' }).body).toEqual({ id });
    expect([call(registry, 'GET', `/schemas/ids/${id}`).body, call(registry, 'GET', '/subjects/p1/versions/1/schema').body]).toEqual([{ schemaType: 'PROTOBUF', schema: first }, first]);
  });

  it('a JSON schema\'s numbers as written (Jackson keeps 9223372036854775807 and 1.0), so 1 and 1.0 are two schemas', () => {
    const registry = new SchemaRegistry();
    const text = '{"type":"object","properties":{"n":{"type":"integer","maximum":9223372036854775807,"minimum":1.0}}}';
    const id = (call(registry, 'POST', '/subjects/nj/versions', { schemaType: 'JSON', schema: text }).body as { id: number }).id;
    expect(call(registry, 'GET', '/subjects/nj/versions/1/schema').body).toBe(text);
    const other = (call(registry, 'POST', '/subjects/nj2/versions', { schemaType: 'JSON', schema: text.replace('1.0', '1') }).body as { id: number }).id;
    expect(other).not.toBe(id);
  });

  it('an Avro schema\'s numbers as Java\'s Schema prints them: a fraction or exponent as a double (1.00 is 1.0, 1e3 1000.0), an integer as written', () => {
    const registry = new SchemaRegistry();
    const text = (d: string) => `{"type":"record","name":"R","fields":[{"name":"x","type":"double","default":${d}}]}`;
    const id = (call(registry, 'POST', '/subjects/ad/versions', { schema: text('1.0') }).body as { id: number }).id;
    expect(call(registry, 'GET', `/schemas/ids/${id}/schema`).body).toBe(text('1.0'));
    for (const same of ['1.00', '1e0']) expect((call(registry, 'POST', '/subjects/ad/versions', { schema: text(same) }).body as { id: number }).id).toBe(id);
    expect((call(registry, 'POST', '/subjects/ad2/versions', { schema: text('1') }).body as { id: number }).id).not.toBe(id);
    const big = (call(registry, 'POST', '/subjects/ad3/versions', { schema: text('1e3') }).body as { id: number }).id;
    expect(call(registry, 'GET', `/schemas/ids/${big}/schema`).body).toBe(text('1000.0'));
  });

  it('a JSON schema\'s pattern is taken as Java\'s regular expressions take it (Confluent\'s loader compiles it so)', () => {
    const registry = new SchemaRegistry();
    for (const p of ['(?i)^abc$', '^\\S+\\@\\S+$', '^\\p{IsAlphabetic}+$', '^[a-z]++$']) {
      expect([p, call(registry, 'POST', `/subjects/jp/versions`, { schemaType: 'JSON', schema: JSON.stringify({ type: 'string', pattern: p }) }).status]).toEqual([p, 200]);
    }
  });

  it('a version is an integer as Integer.valueOf reads it, or "latest" in any case', () => {
    const registry = new SchemaRegistry();
    call(registry, 'POST', '/subjects/u/versions', { schema: AVRO_V1 });
    for (const v of ['0x1', '1.0', '1e0']) expect([v, call(registry, 'GET', `/subjects/u/versions/${v}`).status]).toEqual([v, 422]);
    for (const v of ['1', '+1', 'LATEST', 'Latest', '-1']) expect([v, call(registry, 'GET', `/subjects/u/versions/${v}`).status]).toEqual([v, 200]);
  });
});

describe('schemas the registry refuses (42201) and references it resolves', () => {
  const post = (registry: SchemaRegistry, subject: string, body: unknown) =>
    handleRegistryRequest(registry, { method: 'POST', path: `/subjects/${subject}/versions`, query: new URLSearchParams(), body });

  it.each([
    ['an Avro type that does not exist', { schema: JSON.stringify({ type: 'strin' }) }],
    ['an Avro record without fields', { schema: JSON.stringify({ type: 'record', name: 'R' }) }],
    ['Protobuf text that does not parse', { schemaType: 'PROTOBUF', schema: 'message M { string a = ; }' }],
    ['a JSON schema that is an array', { schemaType: 'JSON', schema: '[1]' }],
    ['references that are no list', { schema: '"string"', references: 'bad' }],
    ['a reference without its subject', { schema: '"string"', references: [{ name: 1 }] }],
    // what a JSON Schema loader refuses besides unknown types
    ['a JSON schema whose required is no list', { schemaType: 'JSON', schema: '{"type":"object","required":"a"}' }],
    ['a JSON schema whose properties are a list', { schemaType: 'JSON', schema: '{"type":"object","properties":[]}' }],
    ['a JSON schema whose pattern is no regular expression', { schemaType: 'JSON', schema: '{"type":"string","pattern":"("}' }],
    ['a JSON schema pointing into itself at nothing', { schemaType: 'JSON', schema: '{"$ref":"#/definitions/missing"}' }],
  ])('%s', (_name, body) => {
    const r = post(new SchemaRegistry(), 'x-value', body);
    expect([r.status, (r.body as { error_code: number }).error_code]).toEqual([422, 42201]);
  });

  it('a reference to a subject or version there is not makes the schema unreadable (42201), as Confluent\'s parser reports it', () => {
    const registry = new SchemaRegistry();
    const r = post(registry, 'p2', { schema: JSON.stringify({ type: 'record', name: 'P', fields: [{ name: 'a', type: 'ex.Address' }] }), references: [{ name: 'ex.Address', subject: 'nosuch', version: 1 }] });
    expect([r.status, r.body]).toEqual([422, { error_code: 42201, message: expect.stringMatching(/details: No schema reference found for subject "nosuch" and version 1$/) }]);
  });

  it('an Avro schema naming a type from a referenced subject is registered', () => {
    const registry = new SchemaRegistry();
    const address = { type: 'record', name: 'Address', fields: [{ name: 'city', type: 'string' }] };
    expect(post(registry, 'address', { schema: JSON.stringify(address) }).status).toBe(200);
    const user = { type: 'record', name: 'User', fields: [{ name: 'home', type: 'Address' }] };
    const r = post(registry, 'user-value', { schema: JSON.stringify(user), references: [{ name: 'Address', subject: 'address', version: 1 }] });
    expect([r.status, r.body]).toEqual([200, { id: 2 }]);
    expect(post(registry, 'user2-value', { schema: JSON.stringify(user) }).status).toBe(422);
  });

  const req = call;

  it('checks a new version against the old with both sides\' references (Avro and Protobuf), and knows who references what', () => {
    const registry = new SchemaRegistry();
    const address = { type: 'record', name: 'Address', namespace: 'x', fields: [{ name: 'city', type: 'string' }] };
    expect(post(registry, 'addr', { schema: JSON.stringify(address) }).status).toBe(200);
    const refs = [{ name: 'x.Address', subject: 'addr', version: 1 }];
    const person = (extra: object[]) => JSON.stringify({ type: 'record', name: 'Person', namespace: 'x', fields: [{ name: 'home', type: 'x.Address' }, ...extra] });
    expect(post(registry, 'person-value', { schema: person([]), references: refs }).body).toEqual({ id: 2 });
    expect(req(registry, 'POST', '/compatibility/subjects/person-value/versions/latest', { schema: person([]), references: refs }).body).toEqual({ is_compatible: true });
    expect(post(registry, 'person-value', { schema: person([{ name: 'age', type: 'int', default: 0 }]), references: refs }).body).toEqual({ id: 3 });
    expect(req(registry, 'GET', '/subjects/addr/versions/1/referencedby').body).toEqual([2, 3]);
    // a referenced version stays, as Confluent's registry keeps it
    expect(req(registry, 'DELETE', '/subjects/addr/versions/1').body).toMatchObject({ error_code: 42206 });
    expect(req(registry, 'DELETE', '/subjects/addr').body).toMatchObject({ error_code: 42206 });

    const common = 'syntax = "proto3";\npackage c;\nmessage Money { int64 cents = 1; }\n';
    expect(post(registry, 'common', { schemaType: 'PROTOBUF', schema: common }).status).toBe(200);
    const order = (more: string) => `syntax = "proto3";\nimport "common.proto";\nmessage Order { c.Money total = 1;${more} }\n`;
    const prefs = [{ name: 'common.proto', subject: 'common', version: 1 }];
    expect(post(registry, 'order-value', { schemaType: 'PROTOBUF', schema: order(''), references: prefs }).status).toBe(200);
    expect(post(registry, 'order-value', { schemaType: 'PROTOBUF', schema: order(' string note = 2;'), references: prefs }).status).toBe(200);
  });

  it('a second soft delete of a version is 40406; a permanent delete of one not soft-deleted first is 40407, a not-found (404) as all 404xx codes', () => {
    const registry = new SchemaRegistry();
    post(registry, 'sd', { schema: JSON.stringify({ type: 'string' }) });
    expect(req(registry, 'DELETE', '/subjects/sd/versions/1?permanent=true')).toMatchObject({ status: 404, body: { error_code: 40407 } });
    expect(req(registry, 'DELETE', '/subjects/sd/versions/1').body).toBe(1);
    expect(req(registry, 'DELETE', '/subjects/sd/versions/1').body).toMatchObject({ error_code: 40406 });
    expect(req(registry, 'DELETE', '/subjects/sd/versions/1?permanent=true').body).toBe(1);
  });
});

describe('schemas are the same one as Confluent compares them, not by their text', () => {
  const req = call;

  it('Avro: attribute order and the long form of a primitive make no new version, and a lookup finds it', () => {
    const registry = new SchemaRegistry();
    const first = JSON.stringify({ type: 'record', name: 'P', fields: [{ name: 'id', type: 'int' }, { name: 's', type: 'string' }] });
    const same = JSON.stringify({ fields: [{ type: 'int', name: 'id' }, { name: 's', type: { type: 'string' } }], name: 'P', type: 'record' });
    expect(req(registry, 'POST', '/subjects/p-value/versions', { schema: first }).body).toEqual({ id: 1 });
    expect(req(registry, 'POST', '/subjects/p-value/versions', { schema: same }).body).toEqual({ id: 1 });
    expect(req(registry, 'POST', '/subjects/p-value', { schema: same }).body).toMatchObject({ version: 1, id: 1, schema: first });
    expect(req(registry, 'POST', '/subjects/q-value/versions', { schema: JSON.stringify({ type: 'string' }) }).body).toEqual({ id: 2 });
    expect(req(registry, 'POST', '/subjects/q2-value/versions', { schema: '"string"' }).body).toEqual({ id: 2 });
  });

  it('Protobuf: layout and comments make no new version, and a lookup finds it', () => {
    const registry = new SchemaRegistry();
    const first = 'syntax = "proto3";\npackage demo;\n\nmessage Trade {\n  string id = 1;\n  int64 qty = 2;\n}\n';
    const same = 'syntax = "proto3";\npackage demo;\n// the same message\nmessage Trade {\n    string id = 1;\n    int64 qty = 2;\n}';
    expect(req(registry, 'POST', '/subjects/pb-value/versions', { schemaType: 'PROTOBUF', schema: first }).body).toEqual({ id: 1 });
    expect(req(registry, 'POST', '/subjects/pb-value/versions', { schemaType: 'PROTOBUF', schema: same }).body).toEqual({ id: 1 });
    expect(req(registry, 'POST', '/subjects/pb-value', { schemaType: 'PROTOBUF', schema: same }).body).toMatchObject({ version: 1, id: 1, schema: first });
    const other = 'syntax = "proto3";\npackage demo;\nmessage Trade {\n  string id = 1;\n  int64 qty = 3;\n}\n';
    expect(req(registry, 'POST', '/subjects/pb-value', { schemaType: 'PROTOBUF', schema: other }).status).toBe(404);
  });
});

describe('Schema Registry modes, global config reset, and compatibility checks that first validate', () => {
  const registry = new SchemaRegistry();
  const req = (method: string, path: string, body?: unknown) => { const url = new URL(path, 'http://sr'); return handleRegistryRequest(registry, { method, path: url.pathname, query: url.searchParams, body }); };
  it('READONLY refuses writes to a subject (or all of them), IMPORT takes schemas with their ids on an empty registry', () => {
    expect(req('GET', '/mode').body).toEqual({ mode: 'READWRITE' });
    expect(req('PUT', '/mode', { mode: 'IMPORT' }).body).toEqual({ mode: 'IMPORT' });
    expect(req('POST', '/subjects/imp-value/versions', { schema: AVRO_V1, id: 77 }).body).toEqual({ id: 77 });
    expect(req('GET', '/schemas/ids/77').body).toEqual({ schema: AVRO_V1 });
    // IMPORT where schemas exist needs force
    expect(req('PUT', '/mode/imp-value', { mode: 'IMPORT' })).toMatchObject({ status: 422, body: { error_code: 42205 } });
    expect(req('PUT', '/mode/imp-value?force=true', { mode: 'IMPORT' }).body).toEqual({ mode: 'IMPORT' });
    expect(req('PUT', '/mode', { mode: 'READWRITE' }).body).toEqual({ mode: 'READWRITE' });
    // an id of the client's choosing outside IMPORT mode is refused, as Confluent's registry refuses it
    expect(req('POST', '/subjects/imp2-value/versions', { schema: '"float"', id: 501 })).toEqual({ status: 422, body: { error_code: 42205, message: 'Subject imp2-value is not in import mode' } });
    expect(req('GET', '/schemas/ids/501').status).toBe(404);
    expect(req('PUT', '/mode/ro-value', { mode: 'readonly' }).body).toEqual({ mode: 'READONLY' });
    expect(req('POST', '/subjects/ro-value/versions', { schema: AVRO_V1 })).toEqual({ status: 422, body: { error_code: 42205, message: 'Subject ro-value is in read-only mode' } });
    expect(req('GET', '/mode/ro-value').body).toEqual({ mode: 'READONLY' });
    expect(req('GET', '/mode/other')).toMatchObject({ status: 404, body: { error_code: 40409 } });
    expect(req('GET', '/mode/other?defaultToGlobal=true').body).toEqual({ mode: 'READWRITE' });
    expect(req('PUT', '/mode', { mode: 'SIDEWAYS' })).toMatchObject({ status: 422, body: { error_code: 42204 } });
    expect(req('DELETE', '/mode/ro-value').body).toEqual({ mode: 'READONLY' });
    expect(req('POST', '/subjects/ro-value/versions', { schema: AVRO_V1 }).status).toBe(200);
    // a read-only registry refuses deletes as well
    expect(req('PUT', '/mode', { mode: 'READONLY' }).status).toBe(200);
    expect(req('DELETE', '/subjects/ro-value').status).toBe(422);
    expect(req('PUT', '/mode', { mode: 'READWRITE' }).status).toBe(200);
    // and a registry rebuilt from the journal of changes has the same modes
    const replayed = new SchemaRegistry();
    const changes: Parameters<SchemaRegistry['apply']>[0][] = [];
    const source = new SchemaRegistry();
    source.onChange((c) => changes.push(c));
    source.setMode('READONLY', 'a-value');
    for (const c of changes) replayed.apply(c);
    expect(replayed.modeOf('a-value')).toBe('READONLY');
  });

  it('DELETE /config sets the global level back to BACKWARD and answers the one it had', () => {
    expect(req('PUT', '/config', { compatibility: 'FULL' }).status).toBe(200);
    expect(req('DELETE', '/config').body).toEqual({ compatibilityLevel: 'FULL' });
    expect(req('GET', '/config').body).toEqual({ compatibilityLevel: 'BACKWARD' });
  });

  it('a compatibility check of a schema that does not parse is 42201, not "incompatible"', () => {
    expect(req('POST', '/subjects/c-value/versions', { schema: AVRO_V1 }).status).toBe(200);
    const bad = JSON.stringify({ type: 'record', name: 'R', fields: [{ name: 'a', type: 'strin' }] });
    expect(req('POST', '/compatibility/subjects/c-value/versions/latest', { schema: bad })).toMatchObject({ status: 422, body: { error_code: 42201 } });
    expect(req('POST', '/subjects/js-value/versions', { schemaType: 'JSON', schema: '{"type":"strin"}' })).toMatchObject({ status: 422, body: { error_code: 42201 } });
    // dependencies' lists of names and enum values are data, not schemas
    expect(req('POST', '/subjects/jd-value/versions', { schemaType: 'JSON', schema: '{"type":"object","properties":{"type":{"type":"string"},"kind":{"type":"string"}},"dependencies":{"type":["kind"]},"enum":[{"type":"x"}]}' }).status).toBe(200);
    expect(req('POST', '/subjects/jd-value/versions', { schemaType: 'JSON', schema: '{"type":"object","properties":{"a":{"anyOf":[{"type":"strin"}]}}}' })).toMatchObject({ status: 422, body: { error_code: 42201 } });
    // a property called "type" is a name, not a type
    expect(req('POST', '/subjects/js-value/versions', { schemaType: 'JSON', schema: '{"type":"object","properties":{"type":{"type":"string"}}}' }).status).toBe(200);
  });

  const json = (o: unknown) => ({ schemaType: 'JSON', schema: JSON.stringify(o) });
  it.each([
    ['a nested property retyped', { type: 'object', properties: { o: { type: 'object', properties: { x: { type: 'string' } } } } }, { type: 'object', properties: { o: { type: 'object', properties: { x: { type: 'integer' } } } } }, 'TYPE_CHANGED'],
    ['a property dropped from a closed content model', { type: 'object', properties: { a: { type: 'string' }, b: { type: 'string' } }, additionalProperties: false }, { type: 'object', properties: { a: { type: 'string' } }, additionalProperties: false }, 'PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL'],
    ['a shorter maxLength', { type: 'string', maxLength: 10 }, { type: 'string', maxLength: 5 }, 'MAX_LENGTH_DECREASED'],
    ['a narrower enum', { enum: ['x', 'y'] }, { enum: ['x'] }, 'ENUM_ARRAY_NARROWED'],
    ['an object become an array', { type: 'object' }, { type: 'array' }, 'TYPE_CHANGED'],
    ['an added minimum, even of 0 or below', { type: 'object', properties: { x: { type: 'number' } } }, { type: 'object', properties: { x: { type: 'number', minimum: -10 } } }, 'MINIMUM_ADDED'],
    ['an optional property made required', { type: 'object', properties: { a: { type: 'integer' } } }, { type: 'object', properties: { a: { type: 'integer' } }, required: ['a'] }, 'REQUIRED_ATTRIBUTE_ADDED'],
  ])('JSON Schema, BACKWARD: %s is incompatible', (_what, v1, v2, kind) => {
    const subject = `json-${kind}-${Math.random().toString(36).slice(2)}`;
    expect(req('POST', `/subjects/${subject}/versions`, json(v1)).status).toBe(200);
    const check = req('POST', `/compatibility/subjects/${subject}/versions/latest?verbose=true`, json(v2));
    expect(check.body).toMatchObject({ is_compatible: false, messages: [expect.stringContaining(kind)] });
    expect(req('POST', `/subjects/${subject}/versions`, json(v2)).status).toBe(409);
  });

  it('JSON Schema, BACKWARD: a property made required with a default, or no longer required, stays compatible', () => {
    expect(req('POST', '/subjects/jreq-value/versions', json({ type: 'object', properties: { a: { type: 'integer' }, b: { type: 'string' } }, required: ['b'] })).status).toBe(200);
    expect(req('POST', '/subjects/jreq-value/versions', json({ type: 'object', properties: { a: { type: 'integer', default: 0 }, b: { type: 'string' } }, required: ['a'] })).status).toBe(200);
  });

  it('JSON Schema, BACKWARD: widening integer to number, a longer maxLength, a wider enum, a new optional property of a closed model are compatible', () => {
    expect(req('POST', '/subjects/jok-value/versions', json({ type: 'object', properties: { n: { type: 'integer' }, s: { type: 'string', maxLength: 5 }, e: { enum: ['x'] } }, additionalProperties: false })).status).toBe(200);
    expect(req('POST', '/subjects/jok-value/versions', json({ type: 'object', properties: { n: { type: 'number' }, s: { type: 'string', maxLength: 9 }, e: { enum: ['x', 'y'] }, extra: { type: 'string' } }, additionalProperties: false })).status).toBe(200);
  });

  it('JSON Schema: a property added to an open content model is incompatible (old data may hold it as anything); a partially open one covers what its schema reads', () => {
    expect(req('POST', '/subjects/jopen-value/versions', json({ type: 'object', properties: { id: { type: 'integer' } } })).status).toBe(200);
    const added = req('POST', '/compatibility/subjects/jopen-value/versions/latest?verbose=true', json({ type: 'object', properties: { id: { type: 'integer' }, n: { type: 'number' } } }));
    expect(added.body).toEqual({ is_compatible: false, messages: [expect.stringContaining("PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL', description:'#/properties/n'")] });
    // FORWARD: the old schema reads the new data; a new schema that drops a property is the old one adding it
    expect(req('PUT', '/config/jopen-value', { compatibility: 'FORWARD' }).status).toBe(200);
    expect(req('POST', '/compatibility/subjects/jopen-value/versions/latest', json({ type: 'object', properties: {} })).body).toEqual({ is_compatible: false });
    expect(req('POST', '/subjects/jpart-value/versions', json({ type: 'object', properties: { id: { type: 'integer' } }, additionalProperties: { type: 'string' } })).status).toBe(200);
    expect(req('POST', '/compatibility/subjects/jpart-value/versions/latest', json({ type: 'object', properties: { id: { type: 'integer' }, note: { type: 'string' } } })).body).toEqual({ is_compatible: true });
    const uncovered = req('POST', '/compatibility/subjects/jpart-value/versions/latest?verbose=true', json({ type: 'object', properties: { id: { type: 'integer' }, count: { type: 'integer' } } }));
    expect(uncovered.body).toEqual({ is_compatible: false, messages: [expect.stringContaining('PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL')] });
  });

  it('Protobuf: a scalar field may change to another of the same wire encoding (int32/int64/uint64/bool, string/bytes); to another encoding or to a message it may not', () => {
    const proto = (a: string, b: string) => ({ schemaType: 'PROTOBUF', schema: `syntax = "proto3"; message M { ${a} a = 1; ${b} b = 2; } message N { int32 x = 1; }` });
    expect(req('POST', '/subjects/pwire-value/versions', proto('int32', 'string')).status).toBe(200);
    expect(req('POST', '/subjects/pwire-value/versions', proto('int64', 'bytes')).status).toBe(200);
    expect(req('POST', '/subjects/pwire-value/versions', proto('bool', 'string')).status).toBe(200);
    const zigzag = req('POST', '/compatibility/subjects/pwire-value/versions/latest?verbose=true', proto('sint64', 'string'));
    expect(zigzag.body).toMatchObject({ is_compatible: false, messages: [expect.stringContaining('FIELD_SCALAR_KIND_CHANGED')] });
    const message = req('POST', '/compatibility/subjects/pwire-value/versions/latest?verbose=true', proto('N', 'string'));
    expect(message.body).toMatchObject({ is_compatible: false, messages: [expect.stringContaining('FIELD_KIND_CHANGED')] });
  });

  it('Protobuf: messages declared inside others are compared too; fields moved into a oneof are incompatible unless one alone goes into a new one', () => {
    const nested = (t: string) => ({ schemaType: 'PROTOBUF', schema: `syntax = "proto3"; message Outer { Inner in = 1; message Inner { ${t} x = 1; message Deep { ${t} y = 1; } } }` });
    expect(req('POST', '/subjects/pnest-value/versions', nested('int64')).status).toBe(200);
    const changed = req('POST', '/subjects/pnest-value/versions', nested('string'));
    expect([changed.status, (changed.body as { error_code: number }).error_code]).toEqual([409, 409]);
    const verbose = req('POST', '/compatibility/subjects/pnest-value/versions/latest?verbose=true', nested('string'));
    expect(verbose.body).toEqual({ is_compatible: false, messages: [expect.stringContaining("FIELD_SCALAR_KIND_CHANGED', description:'The kind of scalar field x (1) of .Outer.Inner changed"), expect.stringContaining('of .Outer.Inner.Deep changed')] });

    const fields = (body: string) => ({ schemaType: 'PROTOBUF', schema: `syntax = "proto3"; message M { ${body} }` });
    expect(req('POST', '/subjects/poneof-value/versions', fields('int32 a = 1; string b = 2; oneof o { int64 c = 3; }')).status).toBe(200);
    const check = (body: string) => req('POST', '/compatibility/subjects/poneof-value/versions/latest?verbose=true', fields(body)).body;
    expect(check('oneof n { int32 a = 1; } string b = 2; oneof o { int64 c = 3; }')).toEqual({ is_compatible: true, messages: [] });
    expect(check('oneof n { int32 a = 1; string b = 2; } oneof o { int64 c = 3; }')).toEqual({ is_compatible: false, messages: [expect.stringContaining("MULTIPLE_FIELDS_MOVED_TO_ONEOF', description:'2 fields of .M moved to the new oneof n")] });
    expect(check('string b = 2; oneof o { int64 c = 3; int32 a = 1; }')).toEqual({ is_compatible: false, messages: [expect.stringContaining("FIELD_MOVED_TO_EXISTING_ONEOF', description:'The field a (1) of .M moved to the existing oneof o")] });
  });

  it('Protobuf: proto2 required fields may be neither added nor removed, nor may a field leave a oneof', () => {
    const p2 = (body: string) => ({ schemaType: 'PROTOBUF', schema: `syntax = "proto2"; message A { optional string s = 1; ${body} }` });
    expect(req('POST', '/subjects/preq-value/versions', p2('required int32 k = 3;')).status).toBe(200);
    const check = (subject: string, s: unknown) => req('POST', `/compatibility/subjects/${subject}/versions/latest?verbose=true`, s).body;
    expect(check('preq-value', p2('required int32 k = 3; required int32 r = 2;'))).toEqual({ is_compatible: false, messages: [expect.stringContaining("REQUIRED_FIELD_ADDED', description:'The required field r (2) of .A was added")] });
    expect(check('preq-value', p2('optional int32 k = 3;'))).toEqual({ is_compatible: false, messages: [expect.stringContaining("REQUIRED_FIELD_REMOVED', description:'The required field k (3) of .A was removed")] });
    expect(check('preq-value', p2('required int32 k = 3; optional int32 o = 4;'))).toEqual({ is_compatible: true, messages: [] });
    const p3 = (body: string) => ({ schemaType: 'PROTOBUF', schema: `syntax = "proto3"; message A { oneof o { ${body} } }` });
    expect(req('POST', '/subjects/poneof2-value/versions', p3('string a = 1; int32 b = 2;')).status).toBe(200);
    expect(check('poneof2-value', p3('string a = 1;'))).toEqual({ is_compatible: false, messages: [expect.stringContaining("ONEOF_FIELD_REMOVED', description:'The field b (2) of the oneof o of .A was removed")] });
    expect(check('poneof2-value', p3('string a = 1; int32 b = 2; bool c = 3;'))).toEqual({ is_compatible: true, messages: [] });
  });

  it('Protobuf: a changed package and a renamed message stay compatible (the wire format carries neither), as a serializer registering after ksqlDB relies on', () => {
    const proto = (pkg: string, name: string) => ({ schemaType: 'PROTOBUF', schema: `syntax = "proto3"; ${pkg ? `package ${pkg}; ` : ''}message ${name} { string a = 1; }` });
    expect(req('POST', '/subjects/pr-value/versions', proto('', 'ConnectDefault1')).status).toBe(200);
    expect(req('POST', '/subjects/pr-value/versions', proto('io.example', 'Trade')).status).toBe(200);
    // but the renamed message's fields are read as the wire reads them, by message index: a field
    // whose wire type changed under the new name is refused, as it is under the old one
    const named = (pkg: string, name: string, body: string) => ({ schemaType: 'PROTOBUF', schema: `syntax = "proto3"; package ${pkg}; message ${name} { ${body} }` });
    expect(req('PUT', '/config/ren-value', { compatibility: 'FULL_TRANSITIVE' }).status).toBe(200);
    expect(req('POST', '/subjects/ren-value/versions', named('p', 'A', 'int32 x = 1;')).status).toBe(200);
    const check = (s: unknown) => req('POST', '/compatibility/subjects/ren-value/versions/latest?verbose=true', s).body;
    // (FULL: read both ways, each names the message it read)
    expect(check(named('p', 'B', 'string x = 1;'))).toEqual({ is_compatible: false, messages: [expect.stringContaining("FIELD_SCALAR_KIND_CHANGED', description:'The kind of scalar field x (1) of .p.A changed"), expect.stringContaining("FIELD_SCALAR_KIND_CHANGED', description:'The kind of scalar field x (1) of .p.B changed")] });
    expect(check(named('q', 'B', 'int32 y = 1; string z = 2;'))).toEqual({ is_compatible: true, messages: [] });
    const registered = req('POST', '/subjects/ren-value/versions', named('p', 'C', 'bytes x = 1; double y = 2;'));
    expect([registered.status, (registered.body as { error_code: number }).error_code]).toEqual([409, 409]);
    // nested messages pair by their index too; a message whose name the other side still has is not paired by index
    expect(req('POST', '/subjects/ren2-value/versions', { schemaType: 'PROTOBUF', schema: 'syntax = "proto3"; message O { message I { int64 v = 1; } I i = 1; }' }).status).toBe(200);
    const nested = req('POST', '/compatibility/subjects/ren2-value/versions/latest?verbose=true', { schemaType: 'PROTOBUF', schema: 'syntax = "proto3"; message P { message J { string v = 1; } J i = 1; }' }).body;
    // (the field of the renamed type keeps its kind: its type is the pair of the one it had)
    expect(nested).toEqual({ is_compatible: false, messages: [expect.stringContaining("FIELD_SCALAR_KIND_CHANGED', description:'The kind of scalar field v (1) of .O.I changed")] });
    expect(req('POST', '/compatibility/subjects/ren2-value/versions/latest', { schemaType: 'PROTOBUF', schema: 'syntax = "proto3"; package z; message P { message J { uint64 w = 1; } J i = 1; }' }).body).toEqual({ is_compatible: true });
    // a field whose message type became another of the schema's messages is a changed kind, as before
    expect(req('POST', '/subjects/ren3-value/versions', { schemaType: 'PROTOBUF', schema: 'syntax = "proto3"; message A { string s = 1; } message B { int32 n = 1; } message O { A f = 1; }' }).status).toBe(200);
    expect(req('POST', '/compatibility/subjects/ren3-value/versions/latest?verbose=true', { schemaType: 'PROTOBUF', schema: 'syntax = "proto3"; message A { string s = 1; } message B { int32 n = 1; } message O { B f = 1; }' }).body)
      .toEqual({ is_compatible: false, messages: [expect.stringContaining("FIELD_KIND_CHANGED', description:'The kind of field f (1) of .O changed")] });
    // an enum-typed field keeps its kind when only the package changed
    expect(req('POST', '/subjects/ren4-value/versions', { schemaType: 'PROTOBUF', schema: 'syntax = "proto3"; package a; enum E { X = 0; } message M { E e = 1; }' }).status).toBe(200);
    expect(req('POST', '/compatibility/subjects/ren4-value/versions/latest', { schemaType: 'PROTOBUF', schema: 'syntax = "proto3"; package b; enum E { X = 0; } message M { E e = 1; }' }).body).toEqual({ is_compatible: true });
    expect(req('POST', '/compatibility/subjects/ren2-value/versions/latest', { schemaType: 'PROTOBUF', schema: 'syntax = "proto3"; message N { string s = 1; } message O { message I { int64 v = 1; } I i = 1; }' }).body).toEqual({ is_compatible: true });
  });
});

describe('Schema Registry: what a review found', () => {
  const registry = new SchemaRegistry();
  const req = (method: string, path: string, body?: unknown) => { const url = new URL(path, 'http://sr'); return handleRegistryRequest(registry, { method, path: url.pathname, query: url.searchParams, body }); };
  const avro = (fields: unknown[]) => ({ schema: JSON.stringify({ type: 'record', name: 'R', fields }) });
  const proto = (text: string) => ({ schemaType: 'PROTOBUF', schema: text });

  it('Avro: a schema is kept as Avro prints it, so names written in full or short, and long forms, are one schema (one id, one version)', () => {
    const fields = [{ name: 'id', type: 'long' }, { name: 'name', type: 'string' }];
    const first = req('POST', '/subjects/u-value/versions', { schema: JSON.stringify({ type: 'record', name: 'User', namespace: 'com.x', fields }) });
    const full = { schema: JSON.stringify({ type: 'record', name: 'com.x.User', fields }) };
    expect(req('POST', '/subjects/u-value', full).body).toMatchObject({ subject: 'u-value', version: 1, id: (first.body as { id: number }).id });
    expect(req('POST', '/subjects/u-value/versions?normalize=true', full).body).toEqual(first.body);
    expect(req('GET', '/subjects/u-value/versions').body).toEqual([1]);
    // nested names: short in the enclosing namespace, full in another; attributes in Avro's order; a
    // primitive's long form short; an ascending order left out; a namespace left for none written ""
    const written = {
      namespace: 'a.b', name: 'Outer', type: 'record', doc: 'd', fields: [
        { type: { type: 'record', name: 'a.b.I', fields: [{ name: 'x', type: { type: 'int' } }] }, name: 'i', order: 'ascending' },
        { name: 'j', type: 'a.b.I', default: { x: 1 }, doc: 'j doc' },
        { name: 'e', type: { type: 'enum', name: 'c.E', symbols: ['A', 'B'], default: 'A' } },
        { name: 'n', type: { type: 'fixed', name: 'F', namespace: '', size: 2 }, order: 'descending' },
        { name: 'm', type: { type: 'map', values: { type: 'array', items: 'I' } }, 'x-prop': 1 },
      ],
    };
    const v = req('POST', '/subjects/ns-value/versions', { schema: JSON.stringify(written) });
    expect(v.status).toBe(200);
    expect(req('GET', '/subjects/ns-value/versions/1').body).toMatchObject({ schema: JSON.stringify({
      type: 'record', name: 'Outer', namespace: 'a.b', doc: 'd', fields: [
        { name: 'i', type: { type: 'record', name: 'I', fields: [{ name: 'x', type: 'int' }] } },
        { name: 'j', type: 'I', doc: 'j doc', default: { x: 1 } },
        { name: 'e', type: { type: 'enum', name: 'E', namespace: 'c', symbols: ['A', 'B'], default: 'A' } },
        { name: 'n', type: { type: 'fixed', name: 'F', namespace: '', size: 2 }, order: 'descending' },
        { name: 'm', type: { type: 'map', values: { type: 'array', items: 'I' } }, 'x-prop': 1 },
      ],
    }) });
  });

  it('Protobuf: what Protobuf\'s descriptor builder refuses is refused (42201), though protobufjs reads it', () => {
    const refused = {
      'syntax = "proto3"; message M { int32 a = 0; }': 'M.a: Field numbers must be positive integers.',
      'syntax = "proto3"; message M { int32 a = 536870912; }': 'M.a: Field numbers cannot be greater than 536870911.',
      'syntax = "proto3"; package p; message M { message N { int32 a = 19001; } }': 'p.M.N.a: Field numbers 19000 through 19999 are reserved for the protocol buffer library implementation.',
      'syntax = "proto3"; message M { reserved 2, 5 to 7; int32 a = 6; }': 'id 6 is reserved in Type M',
      'syntax = "proto3"; message M { int32 a = 1 [default = 5]; }': 'M.a: Explicit default values are not allowed in proto3.',
      'syntax = "proto3"; enum E { A = 1; B = 0; } message M { E e = 1; }': 'E: The first enum value must be zero in proto3.',
      'syntax = "proto3"; message M { enum E { A = 2; } E e = 1; }': 'M.E: The first enum value must be zero in proto3.',
      'syntax = "proto3";': 'the schema defines no message',
      '': 'the schema defines no message',
    };
    for (const [schema, details] of Object.entries(refused)) {
      const r = req('POST', '/subjects/pbad-value/versions', proto(schema));
      expect([schema, r.status, r.body]).toEqual([schema, 422, { error_code: 42201, message: `Invalid schema ${schema}, details: ${details}` }]);
    }
    // proto2 keeps its defaults and enums that start anywhere; the last allowed number is allowed
    for (const schema of ['syntax = "proto2"; enum E { A = 1; } message M { optional int32 a = 1 [default = 5]; optional E e = 2; }', 'syntax = "proto3"; message M { int32 a = 536870911; int32 b = 18999; int32 c = 20000; }']) {
      expect([schema, req('POST', '/subjects/pgood-value/versions', proto(schema)).status]).toEqual([schema, 200]);
    }
  });

  it('Protobuf: a field whose type is written another way (Outer.Inner, .pkg.Outer.Inner) keeps its type', () => {
    expect(req('POST', '/subjects/pq-value/versions', proto('syntax = "proto3"; package n; message Outer { message Inner { string s = 1; } Inner i = 1; }')).status).toBe(200);
    for (const spelling of ['Outer.Inner', '.n.Outer.Inner', 'n.Outer.Inner']) {
      expect(req('POST', '/compatibility/subjects/pq-value/versions/latest', proto(`syntax = "proto3"; package n; message Outer { message Inner { string s = 1; } ${spelling} i = 1; int32 x = 2; }`)).body, spelling).toEqual({ is_compatible: true });
    }
    // another message type is still a changed kind
    expect(req('POST', '/compatibility/subjects/pq-value/versions/latest', proto('syntax = "proto3"; package n; message Outer { message Inner { string s = 1; } message Other { string s = 1; } Other i = 1; }')).body).toEqual({ is_compatible: false });
  });

  it('a check against a named version compares with that version alone, whatever the level; one that does not exist is 40402, under NONE too', () => {
    expect(req('PUT', '/config/tr-value', { compatibility: 'BACKWARD_TRANSITIVE' }).status).toBe(200);
    expect(req('POST', '/subjects/tr-value/versions', avro([{ name: 'a', type: 'int' }])).status).toBe(200);
    expect(req('POST', '/subjects/tr-value/versions', avro([{ name: 'a', type: 'int' }, { name: 'b', type: 'string', default: 'x' }])).status).toBe(200);
    const v3 = avro([{ name: 'a', type: 'int' }, { name: 'b', type: 'string' }]);
    expect(req('POST', '/compatibility/subjects/tr-value/versions/2', v3).body).toEqual({ is_compatible: true });
    // without a version the level decides: every version, and V1 lacks b's default
    expect(req('POST', '/compatibility/subjects/tr-value/versions', v3).body).toEqual({ is_compatible: false });
    expect(req('PUT', '/config/tr-value', { compatibility: 'NONE' }).status).toBe(200);
    expect(req('POST', '/compatibility/subjects/tr-value/versions/99', v3)).toMatchObject({ status: 404, body: { error_code: 40402 } });
  });

  it('?deleted=true shows soft-deleted versions to lookups and to the schema id\'s versions and subjects; a lookup of a schema that does not parse is 42201', () => {
    const s = avro([{ name: 'd', type: 'int' }]);
    const { id } = req('POST', '/subjects/del-value/versions', s).body as { id: number };
    expect(req('DELETE', '/subjects/del-value').status).toBe(200);
    expect(req('GET', `/schemas/ids/${id}/versions`).body).toEqual([]);
    expect(req('GET', `/schemas/ids/${id}/versions?deleted=true`).body).toEqual([{ subject: 'del-value', version: 1 }]);
    expect(req('GET', `/schemas/ids/${id}/subjects?deleted=true`).body).toEqual(['del-value']);
    expect(req('POST', '/subjects/del-value', s)).toMatchObject({ status: 404, body: { error_code: 40401 } });
    expect(req('POST', '/subjects/del-value?deleted=true', s)).toMatchObject({ status: 200, body: { subject: 'del-value', version: 1, id } });
    expect(req('POST', '/subjects/del-value', { schema: '{"type":"recrd"}' })).toMatchObject({ status: 422, body: { error_code: 42201 } });
  });

  it('IMPORT mode keeps the versions given beside the ids, and checks no compatibility: a history copied as it was', () => {
    expect(req('PUT', '/mode/imp2-value', { mode: 'IMPORT' }).body).toEqual({ mode: 'IMPORT' });
    expect(req('POST', '/subjects/imp2-value/versions', { ...avro([{ name: 'a', type: 'int' }]), id: 9001, version: 4 }).body).toEqual({ id: 9001 });
    expect(req('POST', '/subjects/imp2-value/versions', { ...avro([{ name: 'a', type: 'string' }]), id: 9002, version: 5 }).body).toEqual({ id: 9002 });
    expect(req('GET', '/subjects/imp2-value/versions').body).toEqual([4, 5]);
    expect(req('GET', '/subjects/imp2-value/versions/5').body).toMatchObject({ id: 9002, version: 5 });
    // a version taken already is refused
    expect(req('POST', '/subjects/imp2-value/versions', { ...avro([{ name: 'b', type: 'int' }]), id: 9003, version: 5 }).status).toBe(409);
    // and a registry rebuilt from the journal has the same versions
    const changes: Parameters<SchemaRegistry['apply']>[0][] = [];
    const source = new SchemaRegistry();
    source.onChange((c) => changes.push(c));
    source.setMode('IMPORT', 'x-value');
    source.register('x-value', { schema: JSON.stringify({ type: 'record', name: 'R', fields: [] }) }, 50, 7);
    const replayed = new SchemaRegistry();
    for (const c of changes) replayed.apply(c);
    expect(replayed.versions('x-value')).toEqual([7]);
  });
});

describe('Schema Registry: ?format=serialized', () => {
  const registry = new SchemaRegistry();
  const req = (method: string, path: string, body?: unknown) => { const url = new URL(path, 'http://sr'); return handleRegistryRequest(registry, { method, path: url.pathname, query: url.searchParams, body }); };
  const MONEY = 'syntax = "proto3"; package com.x; message Money { int64 units = 1; string cur = 2; }';
  const TRADE = `syntax = "proto3"; package com.x; import "common.proto"; import "google/protobuf/timestamp.proto";
enum Side { BUY = 0; SELL = 1; }
message Other { bool b = 1; }
message Trade { string sym = 1; Side side = 2; map<string, Money> legs = 3; repeated Inner items = 4; google.protobuf.Timestamp at = 5;
  map<string, int32> unit_counts = 6; message Inner { int32 q = 1; Kind k = 2; enum Kind { A = 0; B = 1; } } }`;

  it('a Protobuf schema is its own file as a base64 FileDescriptorProto, type names in full, as clients that build types from descriptors read it', () => {
    expect(req('POST', '/subjects/money/versions', { schemaType: 'PROTOBUF', schema: MONEY }).status).toBe(200);
    const { id } = req('POST', '/subjects/trade-value/versions', { schemaType: 'PROTOBUF', schema: TRADE, references: [{ name: 'common.proto', subject: 'money', version: 1 }] }).body as { id: number };
    const byId = req('GET', `/schemas/ids/${id}?format=serialized`).body as { schemaType: string; schema: string; references: unknown[] };
    expect(byId).toMatchObject({ schemaType: 'PROTOBUF', references: [{ name: 'common.proto', subject: 'money', version: 1 }] });
    // every endpoint that shows the schema shows it so; without the parameter, the text as registered
    expect((req('GET', '/subjects/trade-value/versions/1?format=serialized').body as { schema: string }).schema).toBe(byId.schema);
    expect(req('GET', '/subjects/trade-value/versions/latest/schema?format=serialized').body).toBe(byId.schema);
    expect(req('GET', `/schemas/ids/${id}/schema?format=serialized`).body).toBe(byId.schema);
    expect((req('GET', `/schemas/ids/${id}`).body as { schema: string }).schema).toBe(TRADE);
    const d = descriptors();
    const file = d.FileDescriptorProto!.toObject(d.FileDescriptorProto!.decode(Buffer.from(byId.schema, 'base64'))) as FileProto;
    expect(file).toMatchObject({ name: 'default', package: 'com.x', dependency: ['common.proto', 'google/protobuf/timestamp.proto'], syntax: 'proto3' });
    expect(file.messageType.map((m) => m.name)).toEqual(['Other', 'Trade']);
    expect(file.enumType.map((e) => e.name)).toEqual(['Side']);
    const trade = file.messageType[1]!;
    expect(Object.fromEntries(trade.field.map((f) => [f.name, f.typeName ?? null]))).toEqual({
      sym: null, side: '.com.x.Side', legs: '.com.x.Trade.LegsEntry', items: '.com.x.Trade.Inner', at: '.google.protobuf.Timestamp', unit_counts: '.com.x.Trade.UnitCountsEntry',
    });
    // (map entries named as protoc names them)
    const entry = trade.nestedType.find((n) => n.name === 'LegsEntry')!;
    expect([entry.options?.mapEntry, entry.field.map((f) => [f.name, f.typeName ?? null])]).toEqual([true, [['key', null], ['value', '.com.x.Money']]]);
    expect(trade.nestedType.find((n) => n.name === 'Inner')!.field.map((f) => f.typeName ?? null)).toEqual([null, '.com.x.Trade.Inner.Kind']);
    // Avro and JSON schemas have no serialized form: their text as registered
    expect(req('POST', '/subjects/a-value/versions', { schema: AVRO_V1 }).status).toBe(200);
    expect((req('GET', '/subjects/a-value/versions/1?format=serialized').body as { schema: string }).schema).toBe(AVRO_V1);
  });

  it('a message read through the serialized descriptor decodes as through the schema text', () => {
    const id = (req('POST', '/subjects/p-value/versions', { schemaType: 'PROTOBUF', schema: PROTO }).body as { id: number }).id;
    const serialized = (req('GET', `/schemas/ids/${id}?format=serialized`).body as { schema: string }).schema;
    const d = descriptors();
    const set = d.FileDescriptorSet!.create({ file: [d.FileDescriptorProto!.decode(Buffer.from(serialized, 'base64'))] });
    const fromDescriptor = (protobufjs().Root as unknown as { fromDescriptor(s: unknown): import('protobufjs').Root }).fromDescriptor(set).lookupType('TradeSettlement');
    const fromText = protobufjs().parse(PROTO).root.lookupType('TradeSettlement');
    const bytes = fromText.encode({ user: 'User_1', amount: 12.5 }).finish();
    expect(fromDescriptor.toObject(fromDescriptor.decode(bytes))).toEqual({ user: 'User_1', amount: 12.5 });
  });
});

interface FieldProto { name: string; typeName?: string }
interface MessageProto { name: string; field: FieldProto[]; nestedType: MessageProto[]; options?: { mapEntry?: boolean } }
interface FileProto { name: string; package: string; dependency: string[]; syntax: string; messageType: MessageProto[]; enumType: { name: string }[] }
