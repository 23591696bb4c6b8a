import { describe, expect, it } from 'vitest';
import { T } from '../../../src/engine/sql/types.js';
import { call } from './call.js';

const S = T.STRING, BY = T.BYTES;
const b64 = (s: string) => Buffer.from(s, 'base64');

describe('bytes functions', () => {
  it.each([
    ['INT_FROM_BYTES', [BY], [b64('AAAH5Q==')], 2021],
    ['INT_FROM_BYTES', [BY, S], [b64('5QcAAA=='), 'LITTLE_ENDIAN'], 2021],
    ['BIGINT_FROM_BYTES', [BY], [b64('AAAAASoF8gA=')], 5000000000],
    ['DOUBLE_FROM_BYTES', [BY, S], [b64('gvXJm/2mgEA='), 'LITTLE_ENDIAN'], 532.8738323],
    ['FROM_BYTES', [BY, S], [Buffer.from([0x1a, 0xb2]), 'hex'], '1AB2'],
    ['FROM_BYTES', [BY, S], [Buffer.from('!'), 'ascii'], '!'],
  ] as const)('%s(%j)', (name, types, args, expected) => {
    expect(call(name, [...types], [...args])).toBe(expected);
  });

  it('refuses the wrong number of bytes', () => {
    expect(() => call('INT_FROM_BYTES', [BY], [Buffer.from([1, 2])])).toThrow('Number of bytes must be equal to 4, but found 2');
  });

  it.each([
    ['4578616d706C6521', 'hex', 'utf8', 'Example!'],
    ['0x578616d706C6521', 'hex', 'base64', 'BXhhbXBsZSE='],
    ["X'4578'", 'hex', 'ascii', 'Ex'],
    ['578616d706C6521', 'hex', 'utf8', null],
    ['0x0x', 'hex', 'utf8', null],
    ['Ελ', 'ascii', 'hex', '3f3f'],
    ['zpXO', 'base64', 'ascii', '\ufffd\ufffd\ufffd'],
    ['Example!', 'ascii', 'hex', '4578616d706c6521'],
    // base64 as java.util.Base64's basic decoder takes it: the last unit padded whole or not at all, no other characters
    ['YWI', 'base64', 'utf8', 'ab'],
    ['YWI=', 'base64', 'utf8', 'ab'],
    ['a-b_', 'base64', 'hex', null],
    ['abcde', 'base64', 'hex', null],
    ['a b=', 'base64', 'hex', null],
  ])('ENCODE(%j, %s, %s) = %j', (s, from, to, expected) => {
    expect(call('ENCODE', [S, S, S], [s, from, to])).toBe(expected);
  });
  it('TO_BYTES of text that is no base64 fails the call', () => {
    expect(() => call('TO_BYTES', [S, S], ['a-b_', 'base64'])).toThrow('Failed to decode base64 string: a-b_');
  });
});
