import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { framer, unframe } from '../../src/engine/serde/sr-wire.js';
import { decimalFromBytes, decimalToBytes } from '../../src/engine/serde/sr-values.js';
import { Decimal } from '../../src/engine/util/decimal.js';
import { valueSerde } from '../../src/engine/serde/formats.js';
import { parseProto } from '../../src/engine/serde/protobuf-schema.js';
import { protobufCodec } from '../../src/engine/serde/protobuf-serde.js';
import type { SqlType } from '../../src/engine/sql/types.js';

describe('Schema Registry wire format', () => {
  it.each([
    { name: 'Avro/JSON: magic byte and id', id: 1, indexes: undefined, head: '0000000001' },
    { name: 'id is big-endian', id: 0x01020304, indexes: undefined, head: '0001020304' },
    { name: 'Protobuf first message: a single 0', id: 7, indexes: [0], head: '000000000700' },
    { name: 'Protobuf second message: count 1, index 1 (zigzag)', id: 7, indexes: [1], head: '00000000070202' },
    { name: 'Protobuf nested message [0, 2]', id: 7, indexes: [0, 2], head: '0000000007040004' },
  ])('$name', ({ id, indexes, head }) => {
    const payload = Buffer.from('payload');
    const bytes = framer(id, indexes)(payload);
    expect(bytes.subarray(0, bytes.length - payload.length).toString('hex')).toBe(head);
    const back = unframe(bytes, indexes !== undefined);
    expect(back.schemaId).toBe(id);
    expect(back.payload.toString()).toBe('payload');
    if (indexes) expect(back.indexes).toEqual(indexes);
  });

  it.each([
    { name: 'empty', bytes: Buffer.alloc(0) },
    { name: 'wrong magic byte', bytes: Buffer.from([1, 0, 0, 0, 1, 9]) },
    { name: 'too short for an id', bytes: Buffer.from([0, 0, 1]) },
  ])('rejects $name', ({ bytes }) => {
    expect(() => unframe(bytes, false)).toThrow(/magic byte/);
  });
});

describe('decimal bytes (Connect: unscaled two\'s complement, big-endian)', () => {
  it.each([
    { text: '0.00', scale: 2, hex: '00' },
    { text: '1.27', scale: 2, hex: '7f' },
    { text: '1.28', scale: 2, hex: '0080' },
    { text: '-1.28', scale: 2, hex: '80' },
    { text: '-1.29', scale: 2, hex: 'ff7f' },
    { text: '10.01', scale: 2, hex: '03e9' },
  ])('$text at scale $scale is $hex', ({ text, scale, hex }) => {
    const bytes = decimalToBytes(Decimal.parse(text), scale);
    expect(bytes.toString('hex')).toBe(hex);
    expect(decimalFromBytes(bytes, scale).toString()).toBe(text);
  });
});

describe('a record decoded once per reading shape', () => {
  const col = (name: string, kind: 'STRING' | 'BIGINT') => ({ name, type: { kind } as SqlType, ns: 'VALUE' as const });
  const cols = [col('USER', 'STRING'), col('N', 'BIGINT')];

  it('a second reader with the same columns gets what a fresh decode gives, Protobuf defaults included', () => {
    const bytes = valueSerde({ format: 'PROTOBUF_NOSR' }, cols).serialize([null, 5])!;
    const first = valueSerde({ format: 'PROTOBUF_NOSR' }, cols).deserialize(bytes);
    // proto3 has no null string: it reads back as the default, and the cache must not say otherwise
    expect(first).toEqual(['', 5]);
    expect(valueSerde({ format: 'PROTOBUF_NOSR' }, cols).deserialize(bytes)).toBe(first);
    expect(valueSerde({ format: 'PROTOBUF_NOSR' }, cols).deserialize(Buffer.from(bytes))).toEqual(first);
  });

  it('a reader with other columns decodes for itself', () => {
    const bytes = valueSerde({ format: 'PROTOBUF_NOSR' }, cols).serialize(['u', 5])!;
    expect(valueSerde({ format: 'PROTOBUF_NOSR' }, cols).deserialize(bytes)).toEqual(['u', 5]);
    // without a registry the reader's schema comes from its columns: field 1 is USER in both
    expect(valueSerde({ format: 'PROTOBUF_NOSR' }, [col('USER', 'STRING')]).deserialize(bytes)).toEqual(['u']);
  });
});

describe('Protobuf encoding', () => {
  const shape = { names: ['A', 'N'], types: [{ kind: 'STRING' }, { kind: 'BIGINT' }] as SqlType[], unwrapped: false };
  it('a proto2 required field with a NULL value is written with its default', () => {
    const schema = parseProto('syntax = "proto2"; message M { required string A = 1; required int64 N = 2; }');
    const codec = protobufCodec(schema, schema.message()!, shape);
    expect(codec.decode(Buffer.from(codec.encode([null, null])))).toEqual(['', 0]);
  });
  it('proto3 scalars round-trip, and NULL reads back as the default', () => {
    const schema = parseProto('syntax = "proto3"; message M { string A = 1; int64 N = 2; }');
    const codec = protobufCodec(schema, schema.message()!, shape);
    expect(codec.decode(Buffer.from(codec.encode(['x', 2 ** 40])))).toEqual(['x', 2 ** 40]);
    expect(codec.decode(Buffer.from(codec.encode([null, null])))).toEqual(['', 0]);
  });
  it.each([
    { name: 'proto3 bytes holding no bytes read as NULL', proto: 'bytes B = 1;', value: Buffer.alloc(0), back: null },
    { name: 'proto3 bytes with content read back as they are', proto: 'bytes B = 1;', value: Buffer.from('!'), back: Buffer.from('!') },
    { name: 'optional bytes set to no bytes stay empty', proto: 'optional bytes B = 1;', value: Buffer.alloc(0), back: Buffer.alloc(0) },
  ])('$name', ({ proto, value, back }) => {
    const schema = parseProto(`syntax = "proto3"; message M { ${proto} }`);
    const codec = protobufCodec(schema, schema.message()!, { names: ['B'], types: [{ kind: 'BYTES' }], unwrapped: false });
    expect(codec.decode(Buffer.from(codec.encode([value])))).toEqual([back]);
  });
});

describe('Protobuf values read back without decoding', () => {
  const schema = parseProto('syntax = "proto3"; message M { string S = 1; int32 I = 2; int64 L = 3; double D = 4; bool B = 5; optional string O = 6; optional int64 OL = 7; }');
  const types: SqlType[] = [{ kind: 'STRING' }, { kind: 'INTEGER' }, { kind: 'BIGINT' }, { kind: 'DOUBLE' }, { kind: 'BOOLEAN' }, { kind: 'STRING' }, { kind: 'BIGINT' }, { kind: 'STRING' }];
  // the last column has no field in the message
  const codec = protobufCodec(schema, schema.message()!, { names: ['S', 'I', 'L', 'D', 'B', 'O', 'OL', 'NOFIELD'], types, unwrapped: false });
  const nullable = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null });
  const row = fc.tuple(
    nullable(fc.string({ unit: 'grapheme' })), nullable(fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.constant(-0))), nullable(fc.oneof(fc.maxSafeInteger(), fc.constant(-0))),
    nullable(fc.double()), nullable(fc.boolean()), nullable(fc.string()), nullable(fc.maxSafeInteger()), nullable(fc.string()),
  );

  it('are what decoding the encoded row gives, for plain scalar fields', () => {
    expect(codec.readBack).toBeDefined();
    fc.assert(fc.property(row, (values) => {
      expect(codec.readBack!(values)).toEqual(codec.decode(Buffer.from(codec.encode(values))));
    }));
  });

  it('are not guessed for values that would not come back as they went', () => {
    expect(codec.readBack!(['\uD800', 1, 1, 1, true, null, null, null])).toBeUndefined();
    expect(codec.readBack!(['a', 1, 2 ** 60, 1, true, null, null, null])).toBeUndefined();
    // an INTEGER the int32 field cannot hold, or not whole
    expect(codec.readBack!(['a', 3_000_000_000, 1, 1, true, null, null, null])).toBeUndefined();
    expect(codec.readBack!(['a', 1.5, 1, 1, true, null, null, null])).toBeUndefined();
    // a field with its own default (proto2) reads back that default, not the type's
    const proto2 = parseProto('syntax = "proto2"; message P { optional int32 I = 1 [default = 5]; }');
    expect(protobufCodec(proto2, proto2.message()!, { names: ['I'], types: [{ kind: 'INTEGER' }], unwrapped: false }).readBack).toBeUndefined();
    const floats = parseProto('syntax = "proto3"; message F { float X = 1; }');
    expect(protobufCodec(floats, floats.message()!, { names: ['X'], types: [{ kind: 'DOUBLE' }], unwrapped: false }).readBack).toBeUndefined();
  });
});

describe('Protobuf messages of plain scalar fields written in one pass', () => {
  // field ids out of declaration order, a gap, a large id (two-byte tag), and every scalar kind
  const schema = parseProto(`syntax = "proto3"; message M {
    int32 I = 3; sint32 SI = 1; sfixed32 FI = 20; int64 L = 2; sint64 SL = 7; sfixed64 FL = 300;
    double D = 5; float F = 6; bool B = 4; string S = 9; optional string O = 8; }`);
  const names = ['I', 'SI', 'FI', 'L', 'SL', 'FL', 'D', 'F', 'B', 'S', 'O'];
  const types: SqlType[] = ['INTEGER', 'INTEGER', 'INTEGER', 'BIGINT', 'BIGINT', 'BIGINT', 'DOUBLE', 'DOUBLE', 'BOOLEAN', 'STRING', 'STRING'].map((kind) => ({ kind }) as SqlType);
  const codec = protobufCodec(schema, schema.message()!, { names, types, unwrapped: false });
  const prefix = Buffer.from('0000000007' + '00', 'hex');
  const nullable = <T>(a: fc.Arbitrary<T>) => fc.option(a, { nil: null });
  const int32 = fc.oneof(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.constantFrom(0, -1, 127, 128, -0));
  const int64 = fc.oneof(fc.maxSafeInteger(), fc.constantFrom(0, -0, -1, 127, 128, 2 ** 32, -(2 ** 32), 2 ** 52, -(2 ** 52), 2 ** 52 + 1, -(2 ** 52) - 1, 2 ** 53 - 1, -(2 ** 53) + 1));
  const text = fc.oneof(fc.string({ unit: 'grapheme' }), fc.string({ unit: 'binary', minLength: 30, maxLength: 60 }), fc.string({ unit: 'binary' }));
  const row = fc.tuple(nullable(int32), nullable(int32), nullable(int32), nullable(int64), nullable(int64), nullable(int64),
    nullable(fc.double()), nullable(fc.double()), nullable(fc.boolean()), nullable(text), nullable(text));

  it('gives exactly the bytes protobufjs writes, after the frame', () => {
    expect(codec.encodeAfter).toBeDefined();
    fc.assert(fc.property(row, (values) => {
      const fast = codec.encodeAfter!(values, prefix);
      expect(fast).toBeDefined();
      expect(fast!.toString('hex')).toBe(Buffer.concat([prefix, codec.encode(values)]).toString('hex'));
    }), { numRuns: 2000 });
  });

  it('leaves values protobufjs would coerce to the general encoder', () => {
    const base = [1, 1, 1, 1, 1, 1, 1, 1, true, 'a', null];
    expect(codec.encodeAfter!(base, prefix)).toBeDefined();
    for (const [i, v] of [[0, 1.5], [1, 2 ** 31], [3, 2 ** 60], [5, 0.5]] as const) {
      const values = [...base]; values[i] = v;
      expect(codec.encodeAfter!(values, prefix)).toBeUndefined();
    }
  });

  it('is not offered for messages with nested, repeated or enum fields', () => {
    const nested = parseProto('syntax = "proto3"; message N { repeated int32 R = 1; }');
    expect(protobufCodec(nested, nested.message()!, { names: ['R'], types: [{ kind: 'ARRAY', item: { kind: 'INTEGER' } }], unwrapped: false }).encodeAfter).toBeUndefined();
  });
});

describe('Avro encoding with a registered schema that has more fields', async () => {
  const { avroCodec } = await import('../../src/engine/serde/avro-serde.js');
  const { avsc } = await import('../../src/engine/serde/libraries.js');
  it('writes a field the columns lack with its default, or null', () => {
    const schema = { type: 'record', name: 'R', fields: [{ name: 'A', type: 'int' }, { name: 'B', type: ['null', 'int'] }, { name: 'C', type: 'string', default: 'foo' }] };
    const codec = avroCodec(schema as never, { names: ['A'], types: [{ kind: 'INTEGER' }], unwrapped: false });
    const bytes = Buffer.from(codec.encode([7]));
    expect(avsc().Type.forSchema(schema as never).fromBuffer(bytes)).toEqual({ A: 7, B: null, C: 'foo' });
  });

  it('uses only defaults written as plain JSON values: a bytes default is not taken as it is', () => {
    const schema = { type: 'record', name: 'R', fields: [{ name: 'A', type: 'int' }, { name: 'D', type: 'bytes', default: '\u0000' }] };
    const codec = avroCodec(schema as never, { names: ['A'], types: [{ kind: 'INTEGER' }], unwrapped: false });
    expect(() => codec.encode([7])).toThrow();
  });

  it('writes a null the schema does not allow with the field\'s default', () => {
    const schema = { type: 'record', name: 'R', fields: [{ name: 'A', type: 'long', default: 10 }, { name: 'B', type: ['null', 'int'], default: null }] };
    const codec = avroCodec(schema as never, { names: ['A', 'B'], types: [{ kind: 'BIGINT' }, { kind: 'INTEGER' }], unwrapped: false });
    expect(avsc().Type.forSchema(schema as never).fromBuffer(Buffer.from(codec.encode([null, null])))).toEqual({ A: 10, B: null });
  });
});

describe('JSON_SR payloads', () => {
  it('are written as ksqlDB writes JSON (the Connect converter\'s Jackson nodes): a DOUBLE as Java prints it, a DECIMAL with its scale, a BIGINT exactly; read back to the same values', async () => {
    const { jsonSrCodec } = await import('../../src/engine/serde/json-sr-serde.js');
    const types: SqlType[] = [{ kind: 'DOUBLE' }, { kind: 'DECIMAL', precision: 4, scale: 2 }, { kind: 'BIGINT' }, { kind: 'STRING' }, { kind: 'ARRAY', item: { kind: 'DOUBLE' } }];
    const codec = jsonSrCodec({ type: 'object', properties: { D: {}, DEC: {}, B: {}, S: {}, A: {} } }, { names: ['D', 'DEC', 'B', 'S', 'A'], types, unwrapped: false } as never);
    const values = [21, Decimal.parse('10.00'), 2n ** 60n, 'x"y', [1e20, 0.5]];
    const bytes = codec.encode(values);
    expect(Buffer.from(bytes).toString()).toBe('{"D":21.0,"DEC":10.00,"B":1152921504606846976,"S":"x\\"y","A":[1.0E20,0.5]}');
    expect(codec.decode(Buffer.from(bytes))).toEqual(values);
    const one = jsonSrCodec({ type: 'number' }, { names: ['V'], types: [{ kind: 'DOUBLE' }], unwrapped: true } as never);
    expect(Buffer.from(one.encode([3])).toString()).toBe('3.0');
  });
});
