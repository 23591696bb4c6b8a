import { describe, expect, it } from 'vitest';
import { keySerde } from '../../src/engine/serde/formats.js';
import type { SqlType } from '../../src/engine/sql/types.js';
import { Decimal } from '../../src/engine/util/decimal.js';

describe('Protobuf keys whose fields are all null', () => {
  const key = (name: string, type: SqlType) => ({ name, type, ns: 'KEY' as const });
  it.each([
    { name: 'STRING reads back as ""', cols: [key('F1', { kind: 'STRING' })], back: [''] },
    { name: 'INT reads back as 0', cols: [key('F1', { kind: 'INTEGER' })], back: [0] },
    { name: 'BOOLEAN reads back as false', cols: [key('F1', { kind: 'BOOLEAN' })], back: [false] },
    { name: 'ARRAY reads back as []', cols: [key('F1', { kind: 'ARRAY', item: { kind: 'STRING' } })], back: [[]] },
    { name: 'several columns read back as their defaults', cols: [key('F1', { kind: 'INTEGER' }), key('F2', { kind: 'STRING' })], back: [0, ''] },
  ])('a key kept as a message: $name', ({ cols, back }) => {
    const serde = keySerde({ format: 'PROTOBUF' }, cols);
    const bytes = serde.serialize(cols.map(() => null), { keepEmptyKey: true });
    expect(bytes).not.toBeNull();
    expect(serde.deserialize(bytes)).toEqual(back);
  });

  it('is no key at all unless asked to keep it', () => {
    const serde = keySerde({ format: 'PROTOBUF' }, [key('F1', { kind: 'STRING' })]);
    expect(serde.serialize([null])).toBeNull();
  });

  it('a key of defaults is still a key', () => {
    const serde = keySerde({ format: 'PROTOBUF' }, [key('F1', { kind: 'STRING' })]);
    expect(serde.deserialize(serde.serialize(['']))).toEqual(['']);
  });
});

describe('Protobuf defaults on the wire', () => {
  const col = (name: string, type: SqlType, ns: 'KEY' | 'VALUE' = 'KEY') => ({ name, type, ns });
  it('a proto3 field holding its default (0, "", false) is left out, as protobuf-java leaves it out: a key of 0 is the bare message', () => {
    const serde = keySerde({ format: 'PROTOBUF_NOSR' }, [col('A', { kind: 'INTEGER' })]);
    expect(serde.serialize([0])!.length).toBe(0);
    expect(serde.serialize([7])).toEqual(Buffer.from([0x08, 0x07]));
    expect(serde.deserialize(serde.serialize([0]))).toEqual([0]);
    const several = keySerde({ format: 'PROTOBUF_NOSR' }, [col('S', { kind: 'STRING' }), col('B', { kind: 'BOOLEAN' }), col('D', { kind: 'DOUBLE' })]);
    expect(several.serialize(['', false, 0])!.length).toBe(0);
    // -0.0 is no default to Java's Double.equals: it is written
    expect(several.serialize(['', false, -0])!.length).toBe(9);
  });

  it('a field with presence (OPTIONAL) writes its 0, so it reads back 0, not NULL; a WRAPPER of 0 is an empty message', () => {
    const optional = keySerde({ format: 'PROTOBUF_NOSR', nullable: 'OPTIONAL' }, [col('A', { kind: 'INTEGER' })]);
    expect(optional.serialize([0])).toEqual(Buffer.from([0x08, 0x00]));
    expect(optional.deserialize(optional.serialize([0]))).toEqual([0]);
    const wrapped = keySerde({ format: 'PROTOBUF_NOSR', nullable: 'WRAPPER' }, [col('A', { kind: 'INTEGER' })]);
    expect(wrapped.serialize([0])).toEqual(Buffer.from([0x0a, 0x00]));
    expect(wrapped.deserialize(wrapped.serialize([0]))).toEqual([0]);
    expect(wrapped.deserialize(wrapped.serialize([null]) ?? Buffer.alloc(0))).toEqual([null]);
  });

  it('the well-known types\' own fields holding 0 are left out too: midnight and the epoch are empty messages', () => {
    const serde = keySerde({ format: 'PROTOBUF_NOSR' }, [col('T', { kind: 'TIME' }), col('TS', { kind: 'TIMESTAMP' }), col('D', { kind: 'DECIMAL', precision: 4, scale: 0 })]);
    // TimeOfDay 00:00:00, Timestamp 0, Decimal 5 (precision 1, the value's own as Confluent's
    // DecimalUtils.fromBigDecimal writes it; scale 0 not written): fields 1, 2 and 3
    expect(serde.serialize([0, 0, new Decimal(5n, 0)])).toEqual(Buffer.from([0x0a, 0x00, 0x12, 0x00, 0x1a, 0x05, 0x0a, 0x01, 0x05, 0x10, 0x01]));
    expect(serde.serialize([0, 0, new Decimal(1234n, 0)])!.subarray(-3)).toEqual(Buffer.from([0xd2, 0x10, 0x04]));
    // one second: TimeOfDay's seconds (field 3), Timestamp's seconds (field 1), nothing else
    const second = serde.serialize([1000, 1000, new Decimal(5n, 0)])!;
    expect(second.subarray(0, 8)).toEqual(Buffer.from([0x0a, 0x02, 0x18, 0x01, 0x12, 0x02, 0x08, 0x01]));
    expect(serde.deserialize(second)).toEqual([1000, 1000, new Decimal(5n, 0)]);
    expect(serde.deserialize(serde.serialize([0, 0, new Decimal(0n, 0)]))).toEqual([0, 0, new Decimal(0n, 0)]);
  });
});
