import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { forgetDecoded, recall, remember } from '../../src/engine/serde/decoded-cache.js';
import { keySerde } from '../../src/engine/serde/formats.js';

describe('decoded values cache', () => {
  it('gives back the values remembered for the same reading shape only', () => {
    const bytes = Buffer.from('{"A":1}');
    remember(bytes, 'JSON:A INT', [1, undefined]);
    expect(recall(bytes, 'JSON:A INT')).toEqual([1, null]);
    expect(recall(bytes, 'JSON:A BIGINT')).toBeUndefined();
    expect(recall(Buffer.from('{"A":1}'), 'JSON:A INT')).toBeUndefined();
  });

  it('forgets every value once the queries have run, so held records do not hold their values', () => {
    const a = Buffer.from('a'), b = Buffer.from('b');
    remember(a, 's', ['a']);
    remember(b, 's', ['b']);
    forgetDecoded();
    expect(recall(a, 's')).toBeUndefined();
    expect(recall(b, 's')).toBeUndefined();
    // remembered again after, they are known again
    remember(a, 's', ['a2']);
    expect(recall(a, 's')).toEqual(['a2']);
    forgetDecoded();
  });

  it('forgets in steps when nothing drains: the first of 65,536 remembered goes when one more comes', () => {
    forgetDecoded();
    const first = Buffer.from('first');
    remember(first, 's', [0]);
    for (let i = 1; i < 65_536; i++) remember(Buffer.from([i & 255]), 's', [i]);
    expect(recall(first, 's')).toEqual([0]);
    const last = Buffer.from('last');
    remember(last, 's', [1]);
    expect(recall(first, 's')).toBeUndefined();
    expect(recall(last, 's')).toEqual([1]);
    forgetDecoded();
  });
});

describe('KAFKA STRING keys this engine wrote', () => {
  const serde = keySerde({ format: 'KAFKA' }, [{ name: 'K', type: { kind: 'STRING' }, ns: 'KEY' }]);
  it('read back as decoding a copy of their bytes gives, lone surrogates and long texts included', () => {
    fc.assert(fc.property(fc.oneof(fc.string({ unit: 'binary' }), fc.string({ unit: 'grapheme', minLength: 60, maxLength: 90 }), fc.constantFrom('User_1', '\uD800', 'a\uDC00b', '')), (text) => {
      const bytes = serde.serialize([text])!;
      expect(serde.deserialize(bytes)).toEqual(serde.deserialize(Buffer.from(bytes)));
      // and the bytes are the text's UTF-8 (a lone surrogate as U+FFFD, as Buffer writes it)
      expect(bytes.equals(Buffer.from(text, 'utf8'))).toBe(true);
    }), { numRuns: 1500 });
  });
});
