import { describe, expect, it } from 'vitest';
import { T } from '../../../src/engine/sql/types.js';
import { call } from './call.js';

const S = T.STRING;

describe('URL functions', () => {
  it.each([
    ['URL_ENCODE_PARAM', '?foo $bar', '%3Ffoo+%24bar'],
    ['URL_ENCODE_PARAM', 'ü', '%C3%BC'],
    ['URL_DECODE_PARAM', '%3Ffoo+%24bar', '?foo $bar'],
    ['URL_EXTRACT_FRAGMENT', 'http://www.test.com/?query#fragment', 'fragment'],
    ['URL_EXTRACT_FRAGMENT', 'http://www.nofragment.com', null],
    ['URL_EXTRACT_HOST', 'http://test@confluent.io:8080/nested/path?query', 'confluent.io'],
    ['URL_EXTRACT_PATH', 'http://test@confluent.io:8080/nested/path?query', '/nested/path'],
    ['URL_EXTRACT_PORT', 'http://test@confluent.io:8080/nested/path', 8080],
    ['URL_EXTRACT_PORT', 'http://test@confluent.io', null],
    ['URL_EXTRACT_PROTOCOL', 'https://confluent.io', 'https'],
    ['URL_EXTRACT_PROTOCOL', 'www.confluent.io', null],
    ['URL_EXTRACT_QUERY', 'http://www.test.com/path?q1&q2', 'q1&q2'],
    ['URL_EXTRACT_QUERY', 'http://www.test.com/path', null],
    ['URL_EXTRACT_HOST', 'http://bad host.com/', null],
    // hosts java.net.URI reads as registry-based: no host and no port
    ['URL_EXTRACT_HOST', 'http://kafka_1:9092/p', null],
    ['URL_EXTRACT_PORT', 'http://kafka_1:9092/p', null],
    ['URL_EXTRACT_HOST', 'http://\u00C4\u00D6.com/x', null],
    ['URL_EXTRACT_HOST', 'http://1.2.3.999/x', null],
    ['URL_EXTRACT_HOST', 'http://10.0.0.1:80/x', '10.0.0.1'],
    ['URL_EXTRACT_HOST', 'http://localhost:80/x', 'localhost'],
    ['URL_EXTRACT_HOST', 'http://[::1]:80/x', '[::1]'],
    ['URL_EXTRACT_PATH', 'http://kafka_1:9092/p', '/p'],
  ] as const)('%s(%j) = %j', (name, url, expected) => {
    expect(call(name, [S], [url])).toBe(expected);
  });

  it.each([
    ['one', 'a'], ['two', 'b'], ['three', ''], ['four', null],
  ])('URL_EXTRACT_PARAMETER(..., %j) = %j', (name, expected) => {
    expect(call('URL_EXTRACT_PARAMETER', [S, S], ['http://www.test.com/?one=a&two=b&three', name])).toBe(expected);
  });
  it.each([
    ['q', 'a+b'], ['r', 'c'], ['d', ''], ['e', 'f=g'], ['x y', '1'],
  ])('URL_EXTRACT_PARAMETER reads the query as java.net.URI decodes it, then splits it: %j = %j', (name, expected) => {
    // (%26 is an & once decoded, so it splits the query; a + stays; a value keeps what follows its first =)
    expect(call('URL_EXTRACT_PARAMETER', [S, S], ['http://x.com/p?q=a+b&r=c%26d&e=f=g&x%20y=1', name])).toBe(expected);
  });
  it('an escape that is no UTF-8 decodes to U+FFFD, as java.net.URI decodes it, and spoils nothing else', () => {
    expect(call('URL_EXTRACT_PARAMETER', [S, S], ['http://x.com/p?a=%FF&b=1', 'b'])).toBe('1');
    expect(call('URL_EXTRACT_PARAMETER', [S, S], ['http://x.com/p?a=%FF&b=1', 'a'])).toBe('\uFFFD');
    expect(call('URL_EXTRACT_QUERY', [S], ['http://x.com/p?a=%C3%A9'])).toBe('a=\u00E9');
  });
});
