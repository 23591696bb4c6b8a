import { describe, expect, it } from 'vitest';
import { keySerde } from '../../src/engine/serde/formats.js';
import type { SqlType } from '../../src/engine/sql/types.js';

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
