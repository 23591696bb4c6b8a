import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Decimal, javaDoubleString } from '../../src/engine/util/decimal.js';

describe('Decimal', () => {
  it.each([
    ['1.50', '1.50'], ['-0.005', '-0.005'], ['1.5E-4', '0.00015'], ['12', '12'],
  ])('parses %s exactly', (text, plain) => { expect(Decimal.parse(text).toString()).toBe(plain); });

  it('rounds half up when the scale shrinks', () => {
    expect(Decimal.parse('2.345').setScale(2).toString()).toBe('2.35');
    expect(Decimal.parse('-2.345').setScale(2).toString()).toBe('-2.35');
  });

  it('divides exactly to the requested scale; a quotient that would need rounding is an error (NULL in a query), as in ksqlDB', () => {
    expect(Decimal.parse('10').div(Decimal.parse('4'), 6).toString()).toBe('2.500000');
    expect(Decimal.parse('0.001').div(Decimal.parse('8'), 6).toString()).toBe('0.000125');
    expect(() => Decimal.parse('10').div(Decimal.parse('3'), 6)).toThrow('Rounding necessary');
    // trimmed as Java's String.trim: control characters and spaces, not a no-break space
    expect(Decimal.parse('\t 12.5\n').toString()).toBe('12.5');
    expect(() => Decimal.parse('12\u00a0')).toThrow('invalid decimal');
    expect(() => Decimal.parse('0.001').div(Decimal.parse('3'), 14)).toThrow('Rounding necessary');
  });

  it('adds exactly for any pair of cent amounts', () => {
    fc.assert(fc.property(fc.integer({ min: -1e9, max: 1e9 }), fc.integer({ min: -1e9, max: 1e9 }), (a, b) => {
      const sum = new Decimal(BigInt(a), 2).add(new Decimal(BigInt(b), 2));
      expect(sum.unscaled).toBe(BigInt(a) + BigInt(b));
    }));
  });
});

describe("Java's Double.toString", () => {
  it.each([
    [43, '43.0'], [1e7, '1.0E7'], [1e-4, '1.0E-4'], [0.001, '0.001'], [123.456, '123.456'], [-0.5, '-0.5'],
    // at least two digits, the two closest to the value: the smallest double is 4.9E-324, not 5.0E-324
    [Number.MIN_VALUE, '4.9E-324'], [-Number.MIN_VALUE, '-4.9E-324'], [Number.MAX_VALUE, '1.7976931348623157E308'], [3e10, '3.0E10'],
    // a whole number from 2^54 to 2^63: the integer's digits, less those its precision makes insignificant
    // (JDK 17's output: a digit or two more than the shortest)
    [2 ** 62, '4.6116860184273879E18'], [-(2 ** 62), '-4.6116860184273879E18'], [172514405190205568, '1.72514405190205568E17'],
    [966765389931347968, '9.6676538993134797E17'], [32149179904032768, '3.2149179904032768E16'], [2 ** 54, '1.8014398509481984E16'], [2 ** 53, '9.007199254740992E15'],
    // FloatingDecimal's own digits elsewhere: two at least, from the first digit on; a symmetric stop
    [1e23, '9.999999999999999E22'], [2e23, '1.9999999999999998E23'], [8.41e21, '8.409999999999999E21'], [5e22, '4.9999999999999996E22'],
    [1.6e-322, '1.58E-322'], [1e-323, '1.0E-323'], [2 ** -1017, '7.1202363472230444E-307'], [1e21, '1.0E21'], [0.1, '0.1'], [1.5e-7, '1.5E-7'],
  ])('prints %d as %s', (d, s) => {
    expect(javaDoubleString(d)).toBe(s);
  });
});
