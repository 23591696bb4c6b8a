import { describe, expect, it } from 'vitest';
import { T } from '../../../src/engine/sql/types.js';
import { parseTimestampText } from '../../../src/engine/functions/values.js';
import { call, resolve } from './call.js';
import { Decimal } from '../../../src/engine/util/decimal.js';
import { Scope, compileExpr } from '../../../src/engine/analysis/compile.js';

const D = T.DOUBLE, I = T.INTEGER;

describe('math functions', () => {
  it('ROUND of a DECIMAL(p, s) without places is a DECIMAL(p - s, 0)', () => {
    const r = resolve('ROUND', [T.decimal(33, 16)]);
    if (typeof r === 'string') throw new Error(r);
    expect(r.returnType).toEqual(T.decimal(17, 0));
  });

  it.each([
    [1.5, [], 2], [-1.5, [], -1], [-1.7, [], -2], [-1.5, [0], -1], [-12345.678, [2], -12345.68], [12345.678, [-2], 12300], [-1.25, [1], -1.2],
  ])('ROUND(%d, ...%j) rounds half towards +infinity', (x, places, expected) => {
    expect(call('ROUND', [D, ...places.map(() => I)], [x, ...places])).toBe(expected);
  });

  it.each([
    ['-2.5', [], '-2'], ['2.5', [], '3'], ['-2.6', [], '-3'], ['-2.45', [1], '-2.40'], ['2.45', [1], '2.50'], ['-2.46', [1], '-2.50'], ['-25.00', [-1], '-20.00'],
  ] as [string, number[], string][])('ROUND of the DECIMAL %s (places %j) rounds half towards +infinity too', (x, places, expected) => {
    const d = Decimal.parse(x);
    expect(String(call('ROUND', [T.decimal(d.precision, d.scale), ...places.map(() => I)], [d, ...places]))).toBe(expected);
  });

  it.each([
    ['TRUNC', 2292.7, 2, 2292.7], ['TRUNC', 8991.55, 2, 8991.55], ['TRUNC', -33484.7, 2, -33484.7], ['TRUNC', 1.5e300, -300, 1e300], ['TRUNC', -1.99, 1, -1.9],
    ['TRUNC', 1234.5, -2, 1200], ['ROUND', 1.5e300, -300, 2e300], ['ROUND', 1.005, 2, 1.01], ['ROUND', -1250, -2, -1200], ['ROUND', 1250, -2, 1300],
  ] as [string, number, number, number][])('%s(%d, %d) works on the double\'s shortest decimal, as BigDecimal.valueOf: %d', (fn, x, places, expected) => {
    expect(call(fn, [D, I], [x, places])).toBe(expected);
  });

  it('ROUND and TRUNC to places far beyond a number\'s digits answer at once: the number, or 0', () => {
    expect(call('ROUND', [D, I], [1.25, 2_000_000_000])).toBe(1.25);
    expect(call('TRUNC', [D, I], [-1.25e300, -2_000_000_000])).toBe(0);
    const d = Decimal.parse('12.34'), t = T.decimal(4, 2);
    expect(String(call('ROUND', [t, I], [d, 2_000_000_000]))).toBe('12.34');
    expect(String(call('TRUNC', [t, I], [d, -2_000_000_000]))).toBe('0.00');
    expect(String(call('ROUND', [t, I], [d, -1]))).toBe('10.00');
    expect(String(call('ROUND', [t, I], [Decimal.parse('99.99'), -2]))).toBe('100.00');
  });

  it('ROUND and TRUNC to places of an infinite or NaN double fail the call, as BigDecimal.valueOf refuses it', () => {
    expect(() => call('ROUND', [D, I], [Infinity, 2])).toThrow('Character I is neither a decimal digit number');
    expect(() => call('TRUNC', [D, I], [NaN, -1])).toThrow('Character N is neither a decimal digit number');
  });

  it.each([
    [[13], Math.log(13)], [[0], -Infinity], [[15, 13], 0.9471572411831843], [[1, 13], NaN], [[-15, 13], NaN], [[0, 13], NaN],
  ])('LOG(%j) is the natural log, or log to a base', (args, expected) => {
    expect(call('LOG', args.map(() => D), args)).toBe(expected);
  });

  it('GEO_DISTANCE matches ksqlDB to the last digit', () => {
    expect(call('GEO_DISTANCE', [D, D, D, D], [37.4439, -122.1663, 51, 0])).toBe(8682.459061368269);
    expect(call('GEO_DISTANCE', [D, D, D, D], [39.18660374, -76.73262144, 39.18660374, -76.73222145])).toBe(0.03447366811448324);
  });
});

describe('datetime text', () => {
  it.each([
    ['2018', Date.UTC(2018, 0, 1)], ['2018-05', Date.UTC(2018, 4, 1)], ['2019-01-01T00:00:00+0445', Date.UTC(2018, 11, 31, 19, 15)],
  ])('reads partial %j from the start of the period', (text, expected) => {
    expect(parseTimestampText(text)).toBe(expected);
  });

  it.each([
    ['ROUND', 1e20, 9223372036854775807n], ['ROUND', -1e20, -9223372036854775808n], ['ROUND', 9.3e18, 9223372036854775807n], ['ROUND', 2 ** 60, 2n ** 60n],
    ['ROUND', -Infinity, -9223372036854775808n], ['ROUND', NaN, 0], ['TRUNC', 1e20, 9223372036854775807n], ['TRUNC', -2.7, -2], ['TRUNC', NaN, 0],
  ] as [string, number, number | bigint][])('%s(DOUBLE %d) is a long as Java makes it: saturated at the range, NaN 0', (fn, x, expected) => {
    expect(call(fn, [D], [x])).toBe(expected);
  });

  it('GREATEST and LEAST take numbers, strings, bytes and times only: no BOOLEAN, ARRAY or MAP overload', () => {
    for (const t of [T.BOOLEAN, T.array(I), T.map(T.STRING, I)]) expect(() => resolve('GREATEST', [t, t])).toThrow('does not accept these parameters');
    expect(call('LEAST', [T.STRING, T.STRING], ['b', 'a'])).toBe('a');
  });

  // each as a JDK 17 answers (Math.cbrt, Math.toDegrees/toRadians, (int) Math.signum, Stream.max with compareTo); the
  // first three agree bit for bit with Java's on 33,000 generated doubles
  it('CBRT is Java\'s (fdlibm\'s) cube root, DEGREES and RADIANS one multiplication, SIGN of NaN 0', () => {
    expect([call('CBRT', [D], [2.4372183422198486]), call('CBRT', [D], [27]), call('CBRT', [D], [-64]), call('CBRT', [D], [5e-324])]).toEqual([1.3457513143168978, 3, -4, 1.7031839360032603e-108]);
    expect([call('DEGREES', [D], [9.954551184561154]), call('RADIANS', [D], [3.141592653589793])]).toEqual([570.3537698223083, 0.05483113556160755]);
    expect([call('SIGN', [D], [NaN]), call('SIGN', [D], [-0]), call('SIGN', [D], [-2.5])]).toEqual([0, 0, -1]);
  });
  it('GREATEST and LEAST order DOUBLEs as Double.compareTo: -0.0 below 0.0, NaN above every number', () => {
    expect(Object.is(call('GREATEST', [D, D], [-0, 0]), 0)).toBe(true);
    expect(Object.is(call('LEAST', [D, D], [0, -0]), -0)).toBe(true);
    expect([call('GREATEST', [D, D], [1, NaN]), call('LEAST', [D, D], [NaN, 1])]).toEqual([NaN, 1]);
  });
  it('DECIMAL % is BigDecimal.remainder with the result\'s precision: a whole quotient of more digits than that is "Division impossible" (NULL)', () => {
    // DECIMAL(4,0) % DECIMAL(2,1) is a DECIMAL(2,1): min(4 - 0, 2 - 1) + max(0, 1) digits
    const pos = { line: 1, col: 0 };
    const scope = new Scope([{ name: 'A', type: T.decimal(4, 0), field: 'a' }, { name: 'B', type: T.decimal(2, 1), field: 'b' }]);
    const mod = compileExpr({ t: 'arith', op: '%', l: { t: 'col', name: 'A', pos }, r: { t: 'col', name: 'B', pos } }, { scope, clause: 'SELECT' });
    expect(mod.type).toEqual(T.decimal(2, 1));
    const at = (a: string, b: string) => { try { return String(mod.fn({ a: Decimal.parse(a), b: Decimal.parse(b) })); } catch (e) { return (e as Error).message; } };
    // (the quotients 300, 30 and 99 hold in two digits, trailing zeros aside; 333 and 123 do not)
    expect([at('300', '1.0'), at('31', '1.0'), at('99', '1.0'), at('1000', '3.0'), at('-123', '1.0'), at('7', '0.0')]).toEqual(['0.0', '0.0', '0.0', 'Division impossible', 'Division impossible', 'Division by zero']);
    expect(at('10', '3.0')).toBe('1.0');
  });
});
