import { describe, expect, it } from 'vitest';
import { longArith, parseLong, toLong, wrapLong } from '../../src/engine/util/long.js';
import { parseJsonExact, stringifyJsonExact } from '../../src/engine/serde/json-exact.js';

const zero = (): never => { throw new Error('/ by zero'); };

describe('BIGINT as Java\'s long', () => {
  it('one representation: a number while safe, a bigint beyond 2^53', () => {
    expect(toLong(5n)).toBe(5);
    expect(toLong(2n ** 53n - 1n)).toBe(Number.MAX_SAFE_INTEGER);
    expect(toLong(2n ** 53n + 1n)).toBe(9007199254740993n);
    expect(parseLong('-9223372036854775808')).toBe(-(2n ** 63n));
    expect(parseLong('9223372036854775808')).toBeUndefined();
  });
  it.each([
    ['+', 9223372036854775807n, 1, -9223372036854775808n],
    ['+', 9007199254740992, 1, 9007199254740993n],
    ['-', -9223372036854775808n, 1, 9223372036854775807n],
    ['*', 4611686018427387904n, 2, -9223372036854775808n],
    ['*', 3037000500, 3037000500, -9223372036709301616n],
    ['*', 3037000499, 3037000499, 9223372030926249001n],
    ['/', -9223372036854775808n, -1, -9223372036854775808n],
    ['/', -7, 2, -3],
    ['%', -7, 2, -1],
    ['%', 9007199254740993n, 10, 3],
    ['+', 1, 2, 3],
  ] as const)('%s of %s and %s is %s, exact and wrapping', (op, a, b, expected) => {
    expect(longArith(op, a, b, zero)).toBe(expected);
  });
  it('a zero divisor is the caller\'s error', () => {
    expect(() => longArith('/', 1, 0, zero)).toThrow('/ by zero');
    expect(() => longArith('%', 2n ** 60n, 0, zero)).toThrow('/ by zero');
    expect(wrapLong(2n ** 64n + 5n)).toBe(5);
  });
  it('JSON with longs beyond 2^53 reads and writes them exactly; everything else as JSON does', () => {
    expect(parseJsonExact('{"a":9223372036854775807,"b":1.5,"c":"1234567890123456789","d":12}')).toEqual({ a: 9223372036854775807n, b: 1.5, c: '1234567890123456789', d: 12 });
    expect(parseJsonExact('{"a":1}')).toEqual({ a: 1 });
    expect(stringifyJsonExact({ a: 9223372036854775807n, b: [1, -5n, 'x'] })).toBe('{"a":9223372036854775807,"b":[1,-5,"x"]}');
    expect(stringifyJsonExact({ a: 1 })).toBe('{"a":1}');
  });
});

describe('state with longs beyond 2^53 survives the journal', () => {
  it('encodeValue and decodeValue keep a bigint a bigint, inside objects and arrays too', async () => {
    const { encodeValue, decodeValue } = await import('../../src/engine/state/store.js');
    const state = { key: [1234567890123456789n], accs: [9223372036854775807n, 3], ts: 5 };
    expect(decodeValue(JSON.parse(JSON.stringify(encodeValue(state))))).toEqual(state);
  });
});
