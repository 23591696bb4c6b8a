import { describe, expect, it } from 'vitest';
import { T } from '../../../src/engine/sql/types.js';
import { call, resolve } from './call.js';

describe('scalar function registry', () => {
  it.each([
    ['ARRAY_SORT', [T.array(T.INTEGER)], [[3, 1, 2]], [1, 2, 3]],
    ['ARRAY_SORT', [T.array(T.INTEGER), T.STRING], [[3, 1, 2], 'DESC'], [3, 2, 1]],
    ['ARRAY_JOIN', [T.array(T.STRING)], [['a', 'b']], 'a,b'],
    ['ARRAY_JOIN', [T.array(T.STRING), T.STRING], [['a', 'b'], '-'], 'a-b'],
  ] as const)('keeps every overload of %s reachable (%j)', (name, types, args, expected) => {
    expect(call(name, [...types], [...args])).toEqual(expected);
  });

  it('hashes with MD5 to lower-case hex', () => {
    expect(call('MD5', [T.STRING], ['hello'])).toBe('5d41402abc4b2a76b9719d911017c592');
  });

  it('looks names up case-insensitively', () => {
    expect(typeof resolve('ucase', [T.STRING])).toBe('object');
  });
});
