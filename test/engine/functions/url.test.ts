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
    // a port beyond an int makes the authority registry-based too
    ['URL_EXTRACT_PORT', 'http://h.com:2147483647/p', 2147483647],
    ['URL_EXTRACT_PORT', 'http://h.com:2147483648/p', null],
    ['URL_EXTRACT_HOST', 'http://h.com:99999999999/p', null],
    // an opaque URI has a scheme and a fragment, no path, query or host; a scheme with nothing after it is no URI
    ['URL_EXTRACT_PATH', 'mailto:a@b.com', null],
    ['URL_EXTRACT_QUERY', 'mailto:a@b.com?subject=x', null],
    ['URL_EXTRACT_PROTOCOL', 'mailto:a@b.com', 'mailto'],
    ['URL_EXTRACT_FRAGMENT', 'urn:isbn:123#f', 'f'],
    ['URL_EXTRACT_PROTOCOL', 'http:', null],
    ['URL_EXTRACT_PROTOCOL', 'http:#f', null],
    // URLDecoder decodes a run of escapes as UTF-8 text: bytes that are none become U+FFFD; a sign is Integer.parseInt's
    ['URL_DECODE_PARAM', '%C3', '\uFFFD'],
    ['URL_DECODE_PARAM', 'a%C3%28b', 'a\uFFFD(b'],
    ['URL_DECODE_PARAM', '%E2%82%AC+%+1', '\u20AC \u0001'],
  ] as const)('%s(%j) = %j', (name, url, expected) => {
    expect(call(name, [S], [url])).toBe(expected);
  });

  it.each([
    ['%zz', 'Illegal hex characters in escape (%) pattern - Error at index 0 in: "zz"'],
    ['%1z', 'Illegal hex characters in escape (%) pattern - Error at index 1 in: "1z"'],
    ['%-1', 'Illegal hex characters in escape (%) pattern - negative value'],
    ['ab%4', 'Incomplete trailing escape (%) pattern'],
  ])('URL_DECODE_PARAM(%j) fails the call as URLDecoder does', (text, message) => {
    expect(() => call('URL_DECODE_PARAM', [S], [text])).toThrow(`URLDecoder: ${message}`);
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
  // each as java.net.URI answers it on a JDK 17
  it.each([
    ['URL_EXTRACT_HOST', 'http://h/[x]', null], ['URL_EXTRACT_FRAGMENT', 'http://h/#a#b', null], ['URL_EXTRACT_HOST', 'http://[1::2::3]/', null],
    ['URL_EXTRACT_HOST', 'http://[::1]:8080/x', '[::1]'], ['URL_EXTRACT_HOST', 'http://[fe80::1%25eth0]/', '[fe80::1%25eth0]'],
    // an authority that is no server (h:8a, a@b@h) is registry-based: no host, the rest still there
    ['URL_EXTRACT_PATH', 'http://h:8a/p', '/p'], ['URL_EXTRACT_HOST', 'http://a@b@h/p', null], ['URL_EXTRACT_PATH', 'http://a@b@h/p', '/p'],
    // brackets in the query are taken; a byte order mark is a character like any other, a no-break space or U+0085 none
    ['URL_EXTRACT_QUERY', 'http://h/p?filter[name]=x', 'filter[name]=x'], ['URL_EXTRACT_PATH', 'http://h/\ufeff', '/\ufeff'],
    ['URL_EXTRACT_PATH', 'http://h/a\u00a0b', null], ['URL_EXTRACT_PATH', 'http://h/a\u0085b', null],
    // an opaque URI takes brackets anywhere
    ['URL_EXTRACT_PROTOCOL', 'mailto:a[b]', 'mailto'], ['URL_EXTRACT_FRAGMENT', 'mailto:a[b]#f', 'f'], ['URL_EXTRACT_PROTOCOL', 'urn:isbn:[123]', 'urn'],
  ])('%s(%j) is %j', (name, url, expected) => {
    expect(call(name, [S], [url])).toBe(expected);
  });
});
