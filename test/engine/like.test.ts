import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { likeMatcher, likeToRegex } from '../../src/engine/analysis/compile.js';

describe('LIKE matching', () => {
  // patterns and texts over a few characters, so wildcards, escapes and matches all come up often
  const alphabet = fc.constantFrom('a', 'b', '%', '_', '\\', '!', '\n', '\uD83D\uDE00');
  const pattern = fc.array(alphabet, { maxLength: 8 }).map((cs) => cs.join(''));
  const text = fc.array(fc.constantFrom('a', 'b', '%', '_', '\\', '\n', '\uD83D\uDE00'), { maxLength: 8 }).map((cs) => cs.join(''));

  it('matches what the pattern\'s regular expression matches, with and without an escape character', () => {
    fc.assert(fc.property(pattern, text, fc.constantFrom(undefined, '\\', '!', '%'), (p, s, esc) => {
      expect(likeMatcher(p, esc)(s)).toBe(likeToRegex(p, esc).test(s));
    }), { numRuns: 20_000 });
  });

  it('takes the common patterns without a regular expression: text, text%, %text, %text%', () => {
    expect(likeMatcher('%Pending%')('Large Pending trade')).toBe(true);
    expect(likeMatcher('%Pending%')('pending')).toBe(false);
    expect(likeMatcher('SEC%')('SEC Flagged')).toBe(true);
    expect(likeMatcher('%ed')('Completed')).toBe(true);
    expect(likeMatcher('%')('')).toBe(true);
    expect(likeMatcher('')('')).toBe(true);
    expect(likeMatcher('')('a')).toBe(false);
    // an escaped % is text
    expect(likeMatcher('100\\%', '\\')('100%')).toBe(true);
    expect(likeMatcher('100\\%', '\\')('1000')).toBe(false);
  });
});
