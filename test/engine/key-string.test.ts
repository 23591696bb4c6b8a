import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { keyString, LatestWindowText, parseKeyString } from '../../src/engine/functions/values.js';
import { Decimal } from '../../src/engine/util/decimal.js';

describe('keyString (the text a key is stored under)', () => {
  it('is JSON.stringify of the values for strings, numbers, booleans and nulls', () => {
    const plain = fc.oneof(fc.string(), fc.double({ noNaN: true, noDefaultInfinity: true }).filter((d) => !Object.is(d, -0)), fc.integer(), fc.boolean(), fc.constant(null));
    fc.assert(fc.property(fc.array(plain, { maxLength: 5 }), (values) => {
      expect(keyString(values)).toBe(JSON.stringify(values));
    }));
  });

  it('tells apart the doubles whose bytes differ where JSON or JavaScript\'s equality would not: 0.0 and -0.0; NaN, the infinities and NULL', () => {
    const doubles = [0, -0, NaN, Infinity, -Infinity, null];
    for (const shape of [(d: unknown) => [d], (d: unknown) => ['a', d], (d: unknown) => [{ F: d }]]) {
      const texts = doubles.map((d) => keyString(shape(d)));
      expect(new Set(texts).size).toBe(doubles.length);
      // and the same value always has the same text, which reads back as the values
      expect(doubles.map((d) => keyString(shape(d)))).toEqual(texts);
      expect(texts.map((t) => parseKeyString(t))).toEqual(doubles.map(shape));
    }
  });

  it('tells apart keys that JSON alone would not: decimals from strings', () => {
    expect(keyString([Decimal.parse('1.50')])).not.toBe(keyString(['1.50']));
    expect(keyString(['a', Decimal.parse('2')])).toBe(keyString(['a', Decimal.parse('2')]));
  });
});

describe('windowedKeyString', () => {
  it('is keyString of the key followed by the bounds', async () => {
    const { windowedKeyString } = await import('../../src/engine/functions/values.js');
    const plain = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null));
    fc.assert(fc.property(fc.array(plain, { maxLength: 3 }), fc.nat(), fc.nat(), (key, start, end) => {
      expect(windowedKeyString(key, start, end)).toBe(keyString([...key, start, end]));
    }));
    expect(windowedKeyString([Decimal.parse('1.5')], 0, 10)).toBe(keyString([Decimal.parse('1.5'), 0, 10]));
  });
});

describe('a key\'s latest window text', () => {
  it('is known for the window last kept for that key only', () => {
    const texts = new LatestWindowText();
    expect(texts.known('["a"]', 0, 10)).toBeUndefined();
    expect(texts.keep('["a"]', 0, 10, 'a@0')).toBe('a@0');
    expect(texts.known('["a"]', 0, 10)).toBe('a@0');
    expect(texts.known('["a"]', 0, 20)).toBeUndefined();
    expect(texts.known('["b"]', 0, 10)).toBeUndefined();
    texts.keep('["a"]', 10, 20, 'a@10');
    expect([texts.known('["a"]', 0, 10), texts.known('["a"]', 10, 20)]).toEqual([undefined, 'a@10']);
  });
});
