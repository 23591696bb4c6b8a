import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { valueSerde } from '../../src/engine/serde/formats.js';
import { flatJsonReader } from '../../src/engine/serde/json-flat-read.js';
import { fromJson, makeFieldPicker } from '../../src/engine/serde/json-value.js';
import type { Column } from '../../src/engine/catalog/schema.js';
import type { SqlType } from '../../src/engine/sql/types.js';

// The flat reader must give exactly what the general way (JSON.parse, the field picker, the column
// conversions) gives, or leave the record to it. A serde that has learned a layout from one record
// reads another of the same keys; a fresh serde (which has learned nothing) reads it the general way.

const KINDS = ['STRING', 'INTEGER', 'BIGINT', 'DOUBLE', 'BOOLEAN'] as const;
const columns = fc.uniqueArray(fc.constantFrom('A', 'B', 'SIDE', 'Price', 'x'), { minLength: 1, maxLength: 4 })
  .chain((names) => fc.tuple(fc.constant(names), fc.array(fc.constantFrom(...KINDS), { minLength: names.length, maxLength: names.length })))
  .map(([names, kinds]): Column[] => names.map((name, i) => ({ name, type: { kind: kinds[i]! } as SqlType, ns: 'VALUE' })));

// keys: the column names, other cases of them, other names, and ones written with an escape
const key = fc.constantFrom('A', 'a', 'B', 'b', 'SIDE', 'side', 'Side', 'Price', 'PRICE', 'x', 'X', 'other', 'A\\u0042', '\u00e9t\u00e9', '1', '__proto__');
const plainValue = fc.oneof(
  fc.stringMatching(/^[ -!#-[\]-~]{0,12}$/).map((s) => `"${s}"`),
  fc.integer({ min: -(10 ** 15) + 1, max: 10 ** 15 - 1 }).map(String),
  fc.constantFrom('true', 'false', 'null', '0', '-0', '2147483647', '2147483648', '-2147483648', '-2147483649', '999999999999999', '-999999999999999'),
  // (the first whole numbers of 16 digits: a double may round them, and the general way reads them exactly)
  fc.constantFrom('1000000000000000', '9007199254740993', '-9999999999999999'),
);
const trickyValue = fc.oneof(
  fc.constantFrom('"a\\"b"', '"a\\\\b"', '"\\u0041"', '"caf\u00e9"', '"\u007f"', '"tab\there"', '"12345678901234567890"', '"1.0"', '""'),
  fc.constantFrom('1234567890123456', '-1234567890123456', '9007199254740993', '-9999999999999999', '12345678901234567890', '01', '-', '1.5', '1.0', '1e3', '-1E-3', '0.0', '1.', '.5', '+1', '1e400'),
  fc.constantFrom('{}', '[]', '{"A":1}', '[1,2]', 'tru', 'nul', 'True', 'NaN', 'Infinity'),
);
const value = fc.oneof({ arbitrary: plainValue, weight: 4 }, { arbitrary: trickyValue, weight: 1 });
const space = fc.constantFrom('', '', '', ' ', '\n', '\t', '\r\n  ');
const members = fc.array(fc.tuple(key, value), { maxLength: 6 });
/** An object's text from its members, with whitespace between tokens. */
const objectText = (ms: [string, string][], sp: string[]) => {
  const s = (i: number) => sp[i % sp.length]!;
  return `${s(0)}{${s(1)}${ms.map(([k, v], i) => `"${k}"${s(i + 2)}:${s(i + 3)}${v}`).join(`${s(4)},${s(5)}`)}${s(6)}}${s(7)}`;
};
const mutation = fc.oneof(
  { arbitrary: fc.constant((t: string) => t), weight: 6 },
  { arbitrary: fc.nat().map((n) => (t: string) => t.slice(0, n % (t.length + 1))), weight: 1 },
  { arbitrary: fc.constantFrom('x', ' ', '}', ',', '{}').map((x) => (t: string) => t + x), weight: 1 },
);

function read(cols: Column[], bytes: Buffer, teacher?: Buffer): { row?: readonly unknown[] | null; error?: string } {
  const serde = valueSerde({ format: 'JSON' }, cols);
  if (teacher) { try { serde.deserialize(teacher); } catch { /* a teacher that does not read teaches nothing */ } }
  try { return { row: serde.deserialize(bytes) }; } catch (e) { return { error: (e as Error).message }; }
}

describe('flat JSON records read from their bytes', () => {
  // the teacher's keys: the record's (most often), one more or one fewer, or others
  const teacherKeys = fc.oneof(
    { arbitrary: fc.constant((ks: string[]) => ks), weight: 4 },
    { arbitrary: key.map((k) => (ks: string[]) => [...ks, k]), weight: 1 },
    { arbitrary: fc.constant((ks: string[]) => ks.slice(0, -1)), weight: 1 },
    { arbitrary: fc.array(key, { maxLength: 6 }).map((other) => () => other), weight: 1 },
  );

  it('give what the general way gives, for any record after a teacher of the same keys or others', () => {
    fc.assert(fc.property(columns, members, teacherKeys, fc.array(plainValue, { minLength: 7, maxLength: 7 }), fc.array(space, { minLength: 8, maxLength: 8 }), mutation, (cols, ms, keysOf, teacherValues, sp, mutate) => {
      const text = mutate(objectText(ms, sp));
      // the teacher: plain values, no whitespace
      const teacher = Buffer.from(objectText(keysOf(ms.map(([k]) => k)).map((k, i) => [k, teacherValues[i]!]), ['']));
      const learned = read(cols, Buffer.from(text), teacher);
      const general = read(cols, Buffer.from(text));
      expect(learned).toEqual(general);
      // -0 and 0 are told apart
      if (general.row) general.row.forEach((v, i) => expect(Object.is(v, learned.row![i])).toBe(true));
    }), { numRuns: 6000 });
  });

  it('read plain records of the learned layout themselves (so the test above covers them)', () => {
    const cols: Column[] = [['SIDE', 'STRING'], ['QUANTITY', 'INTEGER'], ['PRICE', 'DOUBLE'], ['ID', 'BIGINT'], ['OK', 'BOOLEAN']].map(([name, kind]) => ({ name: name!, type: { kind } as SqlType, ns: 'VALUE' }));
    const reader = flatJsonReader(cols.map((c) => c.type))!;
    const picker = makeFieldPicker(cols.map((c) => c.name));
    picker(JSON.parse('{"side":"BUY","quantity":1,"extra":"z","price":2,"id":3,"ok":true}') as Record<string, unknown>);
    const layout = picker.layout()!;
    reader.learn(layout.keys, layout.targets);
    expect(reader.read(Buffer.from('{"side":"SELL","quantity":-7,"extra":null,"price":12,"id":999999999999999,"ok":false}'))).toEqual(['SELL', -7, 12, 999999999999999, false]);
    expect(reader.read(Buffer.from(' { "side" : "a" , "quantity" : 0 , "extra" : 5 , "price" : -0 , "id" : null , "ok" : null } '))).toEqual(['a', 0, -0, null, null]);
    // texts are given again from a table by their hash: two of one hash ("Aa" and "BB", as Java's
    // String.hashCode has it too) are still told apart
    for (const side of ['Aa', 'BB', 'Aa', 'BB']) expect(reader.read(Buffer.from(`{"side":"${side}","quantity":1,"extra":"z","price":2,"id":3,"ok":true}`))![0]).toBe(side);
    // another layout, or a value it leaves to the general way
    expect(reader.read(Buffer.from('{"quantity":1,"side":"BUY","extra":"z","price":2,"id":3,"ok":true}'))).toBeUndefined();
    expect(reader.read(Buffer.from('{"side":"BUY","quantity":1.5,"extra":"z","price":2,"id":3,"ok":true}'))).toBeUndefined();
    expect(reader.read(Buffer.from('{"side":"B\\u0055Y","quantity":1,"extra":"z","price":2,"id":3,"ok":true}'))).toBeUndefined();
  });

  it('leave a record with fewer keys than the layout to the general way: a key the layout had may have taken a column from another', () => {
    const cols: Column[] = [{ name: 'A', type: { kind: 'STRING' }, ns: 'VALUE' }];
    // "A" (the exact name) takes the column over "a"; without it, "a" does
    expect(read(cols, Buffer.from('{"a":"z"}'), Buffer.from('{"a":"x","A":"y"}'))).toEqual({ row: ['z'] });
  });

  it('read a BIGINT of -0 as 0 (a long has none), whatever else the record holds; a DOUBLE keeps it', () => {
    // the general conversion too, from a number, a fraction that truncates to 0, text, and inside a struct
    expect([-0, -0.5, '-0'].map((v) => Object.is(fromJson(v, { kind: 'BIGINT' }), 0))).toEqual([true, true, true]);
    expect(Object.is((fromJson({ F: -0 }, { kind: 'STRUCT', fields: [{ name: 'F', type: { kind: 'BIGINT' } }] }) as { F: number }).F, 0)).toBe(true);
    const cols: Column[] = [{ name: 'L', type: { kind: 'BIGINT' }, ns: 'VALUE' }, { name: 'D', type: { kind: 'DOUBLE' }, ns: 'VALUE' }, { name: 'S', type: { kind: 'STRING' }, ns: 'VALUE' }];
    for (const s of ['"x"', '"12345678901234567890"']) {
      const text = `{"L":-0,"D":-0,"S":${s}}`;
      for (const r of [read(cols, Buffer.from(text)), read(cols, Buffer.from(text), Buffer.from(text))]) {
        expect(Object.is(r.row![0], 0)).toBe(true);
        expect(Object.is(r.row![1], -0)).toBe(true);
      }
    }
  });

  it('is not made for columns of other types', () => {
    expect(flatJsonReader([{ kind: 'STRING' }, { kind: 'ARRAY', item: { kind: 'STRING' } } as SqlType])).toBeUndefined();
  });
});
