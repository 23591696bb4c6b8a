import { describe, expect, it } from 'vitest';
import { T } from '../../../src/engine/sql/types.js';
import { call } from './call.js';

const S = T.STRING, I = T.INTEGER, BY = T.BYTES;
const bytes = (s: string) => Buffer.from(s, 'utf8');

describe('INSTR', () => {
  it.each([
    ['corporate floor', 'or', [], 2],
    ['corporate floor', 'or', [4], 5],
    ['corporate floor', 'or', [4, 2], 14],
    ['corporate floor', 'or', [-4], 5],
    ['corporate floor', 'or', [-4, 2], 2],
    ['short', 'or', [4, 2], 0],
    ['no substring', 'or', [], 0],
  ] as const)('INSTR(%j, %j, ...%j) = %d', (s, sub, rest, expected) => {
    expect(call('INSTR', [S, S, ...rest.map(() => I)], [s, sub, ...rest])).toBe(expected);
  });
});

describe('SPLIT and friends', () => {
  it.each([
    ['a.b.c', '.', ['a', 'b', 'c']], ['..a..', '.', ['', '', 'a', '', '']], ['abc', '', ['a', 'b', 'c']], ['', '', ['']], ['', '.', ['']],
  ])('SPLIT(%j, %j)', (s, d, expected) => { expect(call('SPLIT', [S, S], [s, d])).toEqual(expected); });

  it.each([
    ['a$$b.c', '$$', ['a', 'b.c']], ['.abc.', '.', ['', 'abc', '']], ['abc', '', ['a', 'b', 'c']], ['', '', ['']],
  ])('SPLIT on BYTES(%j, %j)', (s, d, expected) => {
    expect(call('SPLIT', [BY, BY], [bytes(s), bytes(d)])).toEqual(expected.map(bytes));
  });

  it.each([
    ['apple:green/banana:yellow', '/', ':', { apple: 'green', banana: 'yellow' }],
    ['apple:green/banana:yellow', '&&', ':', { apple: 'green/banana' }],
    ['a:1//b:2/', '/', ':', { a: '1', b: '2' }],
    ['a:1', '/', '=', {}],
    ['a:1', '', ':', null],
    // the same delimiter for entries and pairs: NULL, as ksqlDB answers it
    ['a=b', '=', '=', null],
  ])('SPLIT_TO_MAP(%j, %j, %j)', (s, e, kv, expected) => {
    const m = call('SPLIT_TO_MAP', [S, S, S], [s, e, kv]) as Map<string, string> | null;
    expect(m === null ? null : Object.fromEntries(m)).toEqual(expected);
  });

  it.each([
    ['aabcda', '(ab|cd)', ['a', '', 'a']], ['zxy', '(ab|cd)', ['zxy']], ['a1b2', '\\d', ['a', 'b', '']],
  ])('REGEXP_SPLIT_TO_ARRAY(%j, %j) keeps empties and drops groups', (s, re, expected) => {
    expect(call('REGEXP_SPLIT_TO_ARRAY', [S, S], [s, re])).toEqual(expected);
  });
});

describe('regular expressions', () => {
  it.each([
    ['REGEXP_EXTRACT', ['test.', 'some_test_string'], 'test_'],
    ['REGEXP_EXTRACT', ['test.', 'anothertest'], null],
    ['REGEXP_EXTRACT', ['(.*) (.*)', 'andy coates', 2], 'coates'],
    ['REGEXP_EXTRACT_ALL', ['test.', 'some_test_string_testabab'], ['test_', 'testa']],
    ['REGEXP_EXTRACT_ALL', ['(\\w+) (\\w*)', 'apurva mehta agavra ', 2], ['mehta', '']],
    ['REGEXP_REPLACE', ['baababaa', '(ab)+', 'cat'], 'bacataa'],
    ['REGEXP_REPLACE', ['abc', '(b)', '[$1]'], 'a[b]c'],
    // Java's syntax: \h and \v (horizontal and vertical whitespace), \R (a line break), (?x) comments
    ['REGEXP_EXTRACT', ['\\h+', 'a \u00A0\tb'], ' \u00A0\t'],
    ['REGEXP_EXTRACT', ['a\\Rb', 'xa\r\nb'], 'a\r\nb'],
    ['REGEXP_EXTRACT', ['\\v', 'a\u2028b'], '\u2028'],
    ['REGEXP_EXTRACT', ['(?x) a b # the letters', 'xab'], 'ab'],
    // \x{h...h}: a code point in hex, in a class too, beyond the BMP too
    ['REGEXP_EXTRACT', ['\\x{41}', 'ABC'], 'A'],
    ['REGEXP_REPLACE', ['ABC', '[\\x{41}-\\x{42}]', '-'], '--C'],
    ['REGEXP_EXTRACT', ['\\x{1F600}+', 'a\u{1F600}\u{1F600}b'], '\u{1F600}\u{1F600}'],
    ['REGEXP_EXTRACT', ['\\p{L}\\x{1F600}', 'a\u{1F600}b'], 'a\u{1F600}'],
    // (in a class it is one character, not its two UTF-16 units)
    ['REGEXP_REPLACE', ['a:b?(c)\u{1F600}', '[\\x{1F600}]', ''], 'a:b?(c)'],
    // a { that is no counted repetition is a character only escaped or in a class; a{2} counts
    ['REGEXP_EXTRACT', ['a\\{b', 'a{b'], 'a{b'],
    ['REGEXP_EXTRACT', ['[{]', 'x{'], '{'],
    ['REGEXP_EXTRACT', ['a{2}', 'caab'], 'aa'],
    // (?x) drops whitespace inside classes too, but not within \Q...\E
    ['REGEXP_EXTRACT', ['(?x)[a b]+', 'x ab'], 'ab'],
    ['REGEXP_EXTRACT', ['(?x)\\Qa b\\E', 'xa b'], 'a b'],
    // Java's replacement: ${name} names a group, $12 is group 1 then '2' when there is no group 12, \$ a dollar, $0 the match
    ['REGEXP_REPLACE', ['abc', '(?<n>b)', '<${n}>'], 'a<b>c'],
    ['REGEXP_REPLACE', ['abc', '(b)', '$12'], 'ab2c'],
    ['REGEXP_REPLACE', ['abc', 'b', '\\$$0'], 'a$bc'],
    // (?i) folds US-ASCII letters only (Java's CASE_INSENSITIVE without UNICODE_CASE); (?iu) folds all
    ['REGEXP_REPLACE', ['ÉCOLE école Ecole', '(?i)école', 'x'], 'ÉCOLE x Ecole'],
    ['REGEXP_REPLACE', ['ÉCOLE école ECOLE', '(?iu)école', 'x'], 'x x ECOLE'],
    ['REGEXP_EXTRACT', ['(?i)É', 'é'], null],
    ['REGEXP_EXTRACT', ['(?i)[à-ÿa-c]+É', 'ABCàé'], null],
    ['REGEXP_EXTRACT', ['(?i)[à-ÿa-c]+é', 'xABCàé'], 'ABCàé'],
    ['REGEXP_EXTRACT', ['(?i)(?<w>caf)\\u00e9', 'CAFé'], 'CAFé'],
    ['REGEXP_EXTRACT', ['(?i)[^a]ü', 'Aü bü'], 'bü'],
    ['REGEXP_EXTRACT', ['(?i)ecole', 'ECOLE'], 'ECOLE'],
    // a back reference matches its group in any case only under the i flag, which then stays
    ['REGEXP_EXTRACT', ['(?i)(é|a)\\1', 'xaA'], 'aA'],
  ] as const)('%s(%j) = %j', (name, args, expected) => {
    const types = args.map((a) => (typeof a === 'number' ? I : S));
    expect(call(name, types, [...args])).toEqual(expected);
  });

  it.each([
    ['abc', 'b', '$$', 'Illegal group reference'],
    ['abc', 'b', '$2', 'No group 2'],
    ['abc', 'b', '${x}', 'No group with name {x}'],
    ['abc', 'b', 'x\\', 'character to be escaped is missing'],
  ])('REGEXP_REPLACE(%j, %j, %j) fails the record as Java\'s exception does', (s, re, by, message) => {
    expect(() => call('REGEXP_REPLACE', [S, S, S], [s, re, by])).toThrow(message);
  });

  it.each([
    ['{b}', 'Illegal repetition near index 0'], ['a{,2}', 'Illegal repetition near index 1'],
    ['\\x{zz}', 'Illegal hexadecimal escape sequence'], ['\\x{110000}', 'Hexadecimal codepoint is too big'],
  ])('the pattern %j fails the record as Java refuses it', (re, message) => {
    expect(() => call('REGEXP_EXTRACT', [S, S], [re, 'a{b}'])).toThrow(message);
  });
});

describe('TRIM as Java\'s String.trim()', () => {
  it('removes the characters up to U+0020 at either end, and no other whitespace', () => {
    expect(call('TRIM', [S], ['\u0001 x\t\u001F'])).toBe('x');
    expect(call('TRIM', [S], ['\u00A0x\u00A0'])).toBe('\u00A0x\u00A0');
    expect(call('TRIM', [S], ['\u3000x'])).toBe('\u3000x');
  });
});

describe('other string functions', () => {
  it.each([
    ['SUBSTRING', [BY, I], [bytes('some_string'), 6], bytes('string')],
    ['SUBSTRING', [BY, I, I], [bytes('some_string'), 6, 3], bytes('str')],
    ['SUBSTRING', [BY, I], [bytes('short'), 6], bytes('')],
    // the end is start + length as a Java int: a length near 2^31 wraps it, and the substring is empty
    // unless it starts at the first character
    ['SUBSTRING', [S, I, I], ['hello', 2, 2147483647], ''],
    ['SUBSTRING', [S, I, I], ['hello', -2, 2147483647], ''],
    ['SUBSTRING', [S, I, I], ['hello', 1, 2147483647], 'hello'],
    ['SUBSTRING', [S, I, I], ['hello', 0, 3], 'hel'],
    ['SUBSTRING', [S, I, I], ['hello', -9, 2], 'he'],
    ['SUBSTRING', [S, I, I], ['hello', 2, -1], ''],
    ['SUBSTRING', [BY, I, I], [bytes('hello'), 3, 2147483647], bytes('')],
    ['CONCAT_WS', [BY, BY, BY, T.NULL, BY], [bytes('a'), bytes('b'), bytes('yes'), null, bytes('no')], bytes('bayesano')],
    ['CONCAT_WS', [BY, BY], [null, bytes('b')], null],
    ['CHR', [S], ['\\u004b'], 'K'],
    ['CHR', [S], ['K'], null],
    ['SPLIT', [S, S], ['a\u{1F600}b', ''], ['a', '\ud83d', '\ude00', 'b']],
    // text of several escapes, or an escape and more, is unescaped whole (Java's unescapeJava)
    ['CHR', [S], ['\\ud820\\udeb8'], '\u{182B8}'],
    ['CHR', [S], ['\\u004b\\u0053'], 'KS'],
    ['CHR', [S], ['\\u004bxyz'], 'Kxyz'],
    ['CHR', [S], ['\\u004'], null],
    ['CHR', [S], ['x\\u004b'], null],
    // a backslash that starts no escape is dropped
    ['CHR', [S], ['\\u004b\\q'], 'Kq'],
    ['CHR', [S], ['\\u004b\\'], 'K'],
    // a number that is no code point is NULL, without an error (Character.isValidCodePoint)
    ['CHR', [I], [75], 'K'],
    ['CHR', [I], [0x1f600], '\u{1F600}'],
    ['CHR', [I], [-1], null],
    ['CHR', [I], [0x110000], null],
    ['ELT', [I, S, S], [2, 'a', 'b'], 'b'],
    ['ELT', [I, S, S], [3, 'a', 'b'], null],
    ['FIELD', [S, S, S], ['hello', 'world', 'hello'], 2],
    ['FIELD', [S, S, S], [null, 'world', null], 0],
  ] as const)('%s(%j)', (name, types, args, expected) => {
    expect(call(name, [...types], [...args])).toEqual(expected);
  });
});

describe('lengths and positions in UTF-16 code units, as Java\'s String counts them', () => {
  const s = 'AbC\u{1F600}def';
  it('LEN counts an emoji as two; SUBSTRING cuts by the same units; MASK masks each unit', () => {
    expect(call('LEN', [S], [s])).toBe(8);
    expect(call('SUBSTRING', [S, I, I], [s, 4, 2])).toBe('\u{1F600}');
    expect(call('SUBSTRING', [S, I], [s, -3])).toBe('def');
    expect(call('SUBSTRING', [S, I], [s, 20])).toBe('');
    expect(call('MASK_LEFT', [S, I], ['\u{1F600}ab', 2])).toBe('--ab');
  });
  it('REPLACE with an empty target inserts before every character and at the end, as String.replace does', () => {
    expect(call('REPLACE', [S, S, S], ['abc', '', '-'])).toBe('-a-b-c-');
    expect(call('REPLACE', [S, S, S], ['', '', '-'])).toBe('-');
    expect(call('REPLACE', [S, S, S], ['abcb', 'b', 'X'])).toBe('aXcX');
  });
});

describe('UUID', () => {
  it('of bytes is java.util.UUID of 16 bytes (two longs); other lengths are NULL (ksqlDB checks the capacity first)', () => {
    expect(call('UUID', [BY], [Buffer.from('00112233445566778899aabbccddeeff', 'hex')])).toBe('00112233-4455-6677-8899-aabbccddeeff');
    expect(call('UUID', [BY], [Buffer.from('00112233445566778899aabbccddeeff0102', 'hex')])).toBeNull();
    expect(call('UUID', [BY], [Buffer.from('0011', 'hex')])).toBeNull();
    expect(call('UUID', [], [])).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe('Java regular expressions (java.util.regex), as ksqlDB\'s REGEXP_* functions take them', () => {
  it.each([
    ['\\p{Alpha}+', 'AbC1', 'AbC'],
    ['\\p{Lower}+', 'ABcd', 'cd'],
    ['[\\p{Digit}x]+', 'ab12x3', '12x3'],
    ['\\P{Digit}+', '12ab3', 'ab'],
    ['\\p{IsLatin}+', '1éa2', 'éa'],
    ['(?i)x+', 'aXxb', 'Xx'],
    ['(?is)a.b', 'A\nB', 'A\nB'],
    ['\\Qa.b\\E', 'xa.b', 'a.b'],
    ['\\Qa.b\\E', 'xaxb', null],
    ['\\Aab', 'abab', 'ab'],
    ['ab\\z', 'ab\n', null],
    ['ab\\Z', 'ab\n', 'ab'],
    ['a++b', 'aaab', 'aaab'],
    ['a{2}+', 'aaa', 'aa'],
  ])('REGEXP_EXTRACT(%j, %j) = %j', (re, s, expected) => {
    expect(call('REGEXP_EXTRACT', [S, S], [re, s])).toBe(expected);
  });
  it('REGEXP_REPLACE takes inline flags; an invalid pattern names itself', () => {
    expect(call('REGEXP_REPLACE', [S, S, S], ['aXbx', '(?i)x', '-'])).toBe('a-b-');
    expect(() => call('REGEXP_REPLACE', [S, S, S], ['a', '(', '-'])).toThrow(/^Invalid regular expression pattern: \(/);
  });
});

describe('Java regular expressions: quoting in classes, Is-prefixed properties, escapes beside Unicode classes', () => {
  it.each([
    ['[\\Qa-z\\E]+', 'm-z', '-z'],
    ['\\p{IsL}+', '1éa2', 'éa'],
    ['\\p{IsLu}+', 'abCDe', 'CD'],
    ['\\p{IsPunctuation}+', 'ab!?c', '!?'],
    ['\\p{IsAlphabetic}+', '12ab3', 'ab'],
    ['\\p{L}+\\-\\d', 'x ab-1', 'ab-1'],
    ['[\\p{L}\\-]+', '1a-b2', 'a-b'],
    ['\\p{L}+\\:', 'é:', 'é:'],
  ])('REGEXP_EXTRACT(%j, %j) = %j', (re, s, expected) => {
    expect(call('REGEXP_EXTRACT', [S, S], [re, s])).toBe(expected);
  });
});

describe('Java regular expressions: class unions and intersections (read with the v flag), \\a and \\e', () => {
  it.each([
    ['[a-z&&[^aeiou]]+', 'queue strength', 'q'],
    ['[a-c[x-z]]+', 'mabxyzq', 'abxyz'],
    ['[^a-c[x-z]]+', 'abmnoxy', 'mno'],
    ['[a-z&&def]+', 'xdefy', 'def'],
    ['[\\w&&[^\\d]]+', '12ab_3', 'ab_'],
    ['[\\P{Digit}]+', '12ab3', 'ab'],
    ['[\\P{Digit}&&[^b]]+', '12ab3', 'a'],
    ['[(){}.&&[^.]]+', 'x(){}.y', '(){}'],
    ['[\\p{Punct}&&[^!]]+', 'a!?{b', '?{'],
    ['[]a&&[a]]+', 'x]aa', 'aa'],
    ['[\\x41-\\x43&&[^B]]+', 'ABC', 'A'],
    ['[\\Q-&\\E&&[&]]', 'a-&', '&'],
    ['(?i)[a-z&&[^x]]+', 'ABXcd', 'AB'],
    // (?i) folds ASCII letters only, as Java without (?u): not É to é, not ſ (U+017F) to s or K to the Kelvin sign
    ['(?i)[é[x]]', 'É', null],
    ['(?i)[é[x]]+', 'xXé', 'xXé'],
    ['(?i)[a-z&&[^k]]+', 'ſ', null],
    ['(?i)[a-z&&[^k]]+', 'JKL', 'J'],
    ['(?i)s[a-c[x]]', 'SB', 'SB'],
    ['(?i)s[a-c[x]]', 'ſb', null],
    ['(?iu)[a-z&&[^k]]+', 'ſ', 'ſ'],
    ['[0-9&&[^5]]{2}', '1552', null],
    ['a\\eb', 'a\u001Bb', 'a\u001Bb'],
    ['[\\e\\a]+', 'x\u001B\u0007', '\u001B\u0007'],
  ])('REGEXP_EXTRACT(%j, %j) = %j', (re, s, expected) => {
    expect(call('REGEXP_EXTRACT', [S, S], [re, s])).toBe(expected);
  });
});

describe('LPAD and RPAD', () => {
  it('pad BYTES with bytes to a length in bytes, cutting longer input, as strings with characters', () => {
    expect(call('LPAD', [BY, I, BY], [bytes('hi'), 5, bytes('xy')])).toEqual(bytes('xyxhi'));
    expect(call('RPAD', [BY, I, BY], [bytes('hi'), 5, bytes('xy')])).toEqual(bytes('hixyx'));
    expect(call('LPAD', [BY, I, BY], [bytes('hello'), 2, bytes('x')])).toEqual(bytes('he'));
    expect(call('RPAD', [BY, I, BY], [bytes('hi'), 4, bytes('')])).toBeNull();
    expect(call('LPAD', [BY, I, BY], [bytes('hi'), -1, bytes('x')])).toBeNull();
  });
  it('a NULL argument beside a STRING one resolves to the STRING form', () => {
    expect(call('LPAD', [S, I, T.NULL], ['a', 4, null])).toBeNull();
    expect(call('LPAD', [S, I, S], ['a', 4, '-'])).toBe('---a');
  });
});

describe('INITCAP', () => {
  it.each([
    ['the   Quick br0wn fOx', 'The   Quick Br0wn Fox'], ['  lead', 'Lead'], ['tail  ', 'Tail  '], ['   ', ''], ['', ''],
  ])('INITCAP(%j) is %j (blanks before the first word are dropped)', (s, expected) => {
    expect(call('INITCAP', [S], [s])).toBe(expected);
  });

  it('INSTR with a negative position before the start finds nothing, as Java\'s lastIndexOf', () => {
    expect(call('INSTR', [S, S, I], ['abc', 'a', -10])).toBe(0);
    expect(call('INSTR', [S, S, I], ['abc', 'a', -3])).toBe(1);
    expect(call('INSTR', [S, S, I], ['abcabc', 'b', -1])).toBe(5);
  });

  it('regular expressions follow Java where JavaScript differs: . stops at U+0085, $ matches before a final line break, \\0 is octal', () => {
    expect(call('REGEXP_EXTRACT', [S, S], ['a.b', 'a\u0085b'])).toBeNull();
    expect(call('REGEXP_EXTRACT', [S, S], ['(?s)a.b', 'a\u0085b'])).toBe('a\u0085b');
    expect(call('REGEXP_EXTRACT', [S, S], ['a$', 'ba\n'])).toBe('a');
    expect(call('REGEXP_EXTRACT', [S, S], ['a$', 'ba\nc'])).toBeNull();
    expect(call('REGEXP_REPLACE', [S, S, S], ['x\n', '$', 'E'])).toBe('xE\nE');
    expect(call('REGEXP_EXTRACT', [S, S], ['\\0101\\07', 'xA\u0007'])).toBe('A\u0007');
  });
});

describe('Java\'s atomic groups, possessive quantifiers, flags for part of a pattern and backreferences (JavaScript lacks the first three)', () => {
  it.each([
    // an atomic group and a possessive quantifier never give back what they matched
    ['REGEXP_EXTRACT', ['(?>a+)b', 'aaab'], 'aaab'],
    ['REGEXP_EXTRACT', ['(?>a*)a', 'aaa'], null],
    ['REGEXP_EXTRACT', ['a++a', 'aaa'], null],
    ['REGEXP_EXTRACT', ['a++b', 'aab'], 'aab'],
    ['REGEXP_EXTRACT', ['[a-c]++c', 'abc'], null],
    ['REGEXP_EXTRACT', ['a{2}+', 'aaa'], 'aa'],
    ['REGEXP_EXTRACT', ['a{1,3}+a', 'aaa'], null],
    ['REGEXP_EXTRACT', ['\\Qa+\\E++', 'a+++'], 'a+++'],
    // groups keep the pattern's numbers, in extraction, replacement and backreferences
    ['REGEXP_EXTRACT', ['(a)++b', 'aab', 1], 'a'],
    ['REGEXP_EXTRACT', ['(x)(?>(a)+)(b)', 'xaab', 3], 'b'],
    ['REGEXP_EXTRACT', ['(x)(?>(a)+)(b)\\3', 'xaabb'], 'xaabb'],
    ['REGEXP_EXTRACT', ['(x)(y)++\\1', 'xyyx'], 'xyyx'],
    ['REGEXP_EXTRACT_ALL', ['(?>(a)+)(b)', 'xaab xab', 2], ['b', 'b']],
    ['REGEXP_REPLACE', ['aab', '(a)++(b)', '$2$1'], 'ba'],
    // a backreference takes a second digit only where that many groups came before it; one to no group never matches
    ['REGEXP_EXTRACT', ['(a)\\10', 'aa0'], 'aa0'],
    ['REGEXP_EXTRACT', ['(a)\\2', 'a'], null],
    // flags for part of a pattern: a group's, or from the middle of a group to its end
    ['REGEXP_EXTRACT', ['(?i:ab)c', 'xABc'], 'ABc'],
    ['REGEXP_EXTRACT', ['(?i:ab)c', 'xABC'], null],
    ['REGEXP_EXTRACT', ['(?i)a(?-i)b', 'AB'], null],
    ['REGEXP_EXTRACT', ['(?i)a(?-i)b', 'Ab'], 'Ab'],
    ['REGEXP_EXTRACT', ['a(?i)b', 'aB'], 'aB'],
    ['REGEXP_EXTRACT', ['(a(?i)b)c', 'aBC'], null],
    ['REGEXP_EXTRACT', ['(?i:[a-c]+)d', 'ABCd'], 'ABCd'],
    ['REGEXP_EXTRACT', ['(?i:(?<w>ab))\\k<w>', 'ABAB'], 'ABAB'],
    ['REGEXP_EXTRACT', ['(?i:é)', 'É'], null],
    ['REGEXP_EXTRACT', ['(?iu:é)', 'É'], 'É'],
    ['REGEXP_EXTRACT', ['(?s:a.b)', 'a\nb'], 'a\nb'],
    ['REGEXP_EXTRACT', ['(?s:a).b', 'a\nb'], null],
    ['REGEXP_EXTRACT', ['x(?m:^b)', 'x\nb'], null],
    ['REGEXP_EXTRACT', ['(?m:^b)', 'a\nb'], 'b'],
    ['REGEXP_EXTRACT_ALL', ['(?m:^.)', 'ab\r\ncd\n'], ['a', 'c']],
    ['REGEXP_EXTRACT_ALL', ['(?m:.$)', 'ab\r\ncd'], ['b', 'd']],
    ['REGEXP_EXTRACT', ['(?x: a b )c', 'abc'], 'abc'],
    ['REGEXP_EXTRACT', ['(?x: a # a comment\n b)c', 'abc'], 'abc'],
    // backreferences side by side keep their order; a quantifier after an atomic group repeats the group
    ['REGEXP_EXTRACT', ['(a)(b)\\1\\2', 'abab'], 'abab'],
    ['REGEXP_EXTRACT', ['(a)(b)\\2\\1', 'abba'], 'abba'],
    ['REGEXP_EXTRACT', ['(\\w)(\\w)\\2\\1', 'xyyx'], 'xyyx'],
    ['REGEXP_EXTRACT', ['(a)(?>(b)(c))(d)\\4\\3', 'abcddc'], 'abcddc'],
    ['REGEXP_EXTRACT', ['(?>a|b)+c', 'abac'], 'abac'],
    ['REGEXP_EXTRACT', ['(?>x|y){2}', 'xy'], 'xy'],
    ['REGEXP_EXTRACT', ['(?>(a)|b)+c', 'abac', 1], 'a'],
    // an empty quote is nothing: the quantifier after it takes what came before
    ['REGEXP_EXTRACT', ['a\\Q\\E++', 'aa'], 'aa'],
    ['REGEXP_EXTRACT', ['a\\Q\\E*b', 'aab'], 'aab'],
  ])('%s(%j)', (name, args, expected) => {
    expect(call(name, args.map((a) => (typeof a === 'number' ? I : S)), args)).toEqual(expected);
  });

  it.each([
    ['REGEXP_EXTRACT', ['.', '\u{1F600}x'], '\u{1F600}'],
    ['REGEXP_EXTRACT', ['[^a]+', 'a\u{1F600}b'], '\u{1F600}b'],
    ['REGEXP_EXTRACT', ['x.{2}', 'x\u{1F600}\u{1F601}y'], 'x\u{1F600}\u{1F601}'],
    ['REGEXP_EXTRACT', ['(?s).$', 'a\u{1F600}'], '\u{1F600}'],
    ['REGEXP_REPLACE', ['a\u{1F600}b', '.', '-'], '---'],
    // the rest of the pattern as on any other text: anchors at the ends, (?i) on ASCII only, Java's classes
    ['REGEXP_REPLACE', ['x\u{1F600}', '\\z', '!'], 'x\u{1F600}!'],
    ['REGEXP_REPLACE', ['\u{1F600}\n', '$', '<>'], '\u{1F600}<>\n<>'],
    ['REGEXP_EXTRACT_ALL', ['\\z', '\u{1F600}'], ['']],
    ['REGEXP_EXTRACT', ['(?i)s', '\u017F\u{1F600}'], null],
    ['REGEXP_EXTRACT', ['[\\w-z]', '-\u{1F600}'], '-'],
    ['REGEXP_EXTRACT', ['(?=a)*b', '\u{1F600}ab'], 'b'],
    // a negated class that names such a character does not take it
    ['REGEXP_REPLACE', ['a\u{1F600}b', '[^\u{1F600}]', 'x'], 'x\u{1F600}x'],
    ['REGEXP_EXTRACT', ['[^\\uD83D\\uDE00]+', '\u{1F600}ab'], 'ab'],
    // ... and takes every other such character whole
    ['REGEXP_REPLACE', ['\u{1F601}', '[^\u{1F600}]', 'x'], 'x'],
    ['REGEXP_REPLACE', ['a\u{1F601}b', '[^\u{1F600}]', 'x'], 'xxx'],
    ['REGEXP_EXTRACT', ['[^\u{1F600}]+', '\u{1F601}\u{1F600}'], '\u{1F601}'],
    ['REGEXP_REPLACE', ['\u{1F601}', '[^\\uD83D\\uDE00]', 'x'], 'x'],
    ['REGEXP_REPLACE', ['\u{1F601}', '[^a\u{1F600}]', 'x'], 'x'],
    // \W, \D, \S, \H, \V and \P{...} take one whole, in a class too; a negated class holding one never does
    ['REGEXP_REPLACE', ['a\u{1F600}b', '\\W', 'x'], 'axb'],
    ['REGEXP_REPLACE', ['1\u{1F600}2', '\\D', 'x'], '1x2'],
    ['REGEXP_REPLACE', ['a\u{1F600}b', '\\S', 'x'], 'xxx'],
    ['REGEXP_REPLACE', ['a\u{1F600} b', '\\H', 'x'], 'xx x'],
    ['REGEXP_REPLACE', ['a\u{1F600}b', '\\V', 'x'], 'xxx'],
    ['REGEXP_REPLACE', ['a\u{1F600}b', '\\P{Alpha}', 'x'], 'axb'],
    ['REGEXP_EXTRACT', ['\\W+', 'a\u{1F600}\u{1F601}b'], '\u{1F600}\u{1F601}'],
    ['REGEXP_REPLACE', ['a\u{1F600}_b', '[\\W_]', 'x'], 'axxb'],
    ['REGEXP_REPLACE', ['a\u{1F600}b', '[^\\W]', 'x'], 'x\u{1F600}x'],
    ['REGEXP_REPLACE', ['a\u{1F600}b', '[\\\\W]', 'x'], 'a\u{1F600}b'],
  ])('%s(%j): a character beyond the BMP is one character, as Java\'s regular expressions take it', (name, args, expected) => {
    expect(call(name, args.map((a) => (typeof a === 'number' ? I : S)), args)).toEqual(expected);
  });

  // each checked against java.util.regex on a JDK 17, as ksqlDB's UDFs call it (find, group, replaceAll)
  it.each([
    // \pL and \PN: one-letter properties, as \p{L}
    ['REGEXP_EXTRACT', ['\\pL+', '\u00e9t\u00e91'], '\u00e9t\u00e9'],
    ['REGEXP_EXTRACT', ['\\PN+', 'ab12'], 'ab'],
    ['REGEXP_EXTRACT', ['[\\pL\\d]+', '\u00e91-'], '\u00e91'],
    ['REGEXP_EXTRACT', ['\\Q\\pL\\E', '\\pL'], '\\pL'],
    // java.lang.Character's classes and keyed properties
    ['REGEXP_EXTRACT', ['\\p{javaLowerCase}+', 'a\u00aab'], 'a\u00aab'],
    ['REGEXP_EXTRACT', ['\\p{javaWhitespace}+', 'a \u00a0b'], ' '],
    ['REGEXP_EXTRACT', ['\\p{javaWhitespace}+', 'a \u2028\u3000b'], ' \u2028\u3000'],
    ['REGEXP_EXTRACT', ['\\p{javaLetterOrDigit}+', '-\u00e92-'], '\u00e92'],
    ['REGEXP_EXTRACT', ['\\p{javaSpaceChar}+', 'a\u00a0b'], '\u00a0'],
    ['REGEXP_EXTRACT', ['\\p{javaMirrored}', 'a(b'], '('],
    ['REGEXP_EXTRACT', ['\\p{script=Greek}+', 'a\u03b1\u03b2b'], '\u03b1\u03b2'],
    ['REGEXP_EXTRACT', ['\\p{Script=GREEK}+', 'a\u03b1\u03b2b'], '\u03b1\u03b2'],
    ['REGEXP_EXTRACT', ['\\p{gc=Lu}+', 'aBCd'], 'BC'],
    ['REGEXP_EXTRACT', ['[\\p{javaDigit}x]+', 'x\u06612a'], 'x\u06612'],
    // \s is ASCII whitespace only, \S the rest (a no-break space among it)
    ['REGEXP_REPLACE', ['a\u00a0 b\u2028c', '\\s+', '_'], 'a\u00a0_b\u2028c'],
    ['REGEXP_EXTRACT', ['\\S+', '\u00a0ab'], '\u00a0ab'],
    ['REGEXP_EXTRACT', ['[\\sa]+', 'a \u00a0'], 'a '],
    ['REGEXP_EXTRACT', ['[a-z&&[^\\s]]', 'x'], 'x'],
    ['REGEXP_EXTRACT', ['[\\s\\S]+', 'price:\u00a010\u202fEUR'], 'price:\u00a010\u202fEUR'],
    ['REGEXP_EXTRACT', ['[\\S]', ' \u00a0x'], '\u00a0'],
    ['REGEXP_EXTRACT', ['[^\\S]+', '\u00a0 \t'], ' \t'],
    ['REGEXP_EXTRACT', ['[\\S-a]+', 'x-y'], 'x-y'],
    // a ] first in a class is the character
    ['REGEXP_EXTRACT', ['[]a]+', ']a]b'], ']a]'],
    ['REGEXP_EXTRACT', ['[^]a]+', ']ab'], 'b'],
    // \h, \H, \v, \V inside a class
    ['REGEXP_EXTRACT', ['[\\H]', 'a'], 'a'],
    ['REGEXP_EXTRACT', ['[x\\h]+', 'x \tx\n'], 'x \tx'],
    // an assertion takes a quantifier: as often as asked, or not at all
    ['REGEXP_EXTRACT', ['^*a', 'a'], 'a'],
    ['REGEXP_EXTRACT', ['\\b+a', 'a'], 'a'],
    ['REGEXP_EXTRACT', ['x(?!y)+', 'xz'], 'x'],
    ['REGEXP_EXTRACT', ['x(?!y)+', 'xy'], null],
    ['REGEXP_EXTRACT', ['(?=b)*a', 'a'], 'a'],
    ['REGEXP_EXTRACT', ['(a)\\b*\\1', 'aa', 1], 'a'],
    ['REGEXP_REPLACE', ['aa', 'a\\z?', 'X'], 'XX'],
    ['REGEXP_EXTRACT', ['a\\4\\b*', 'a'], null],
    // \b and \B count letters, digits and marks of any script as word characters (Java before 19)
    ['REGEXP_EXTRACT', ['\\bcaf\u00e9\\b', 'un caf\u00e9 noir'], 'caf\u00e9'],
    ['REGEXP_EXTRACT', ['a\\b', 'a\u00e9'], null],
    ['REGEXP_EXTRACT', ['x\\b', 'x\u0301'], null],
    ['REGEXP_EXTRACT', ['\\B\u00e9', 'a\u00e9'], '\u00e9'],
    ['REGEXP_REPLACE', ['na\u00efve caf\u00e9', '\\b', '|'], '|na\u00efve| |caf\u00e9|'],
    ['REGEXP_EXTRACT', ['(?i)\\bCAF\u00c9\\b', 'un caf\u00e9'], null],
    ['REGEXP_EXTRACT', ['\\p{L}+\\b', '\u00e9t\u00e9!'], '\u00e9t\u00e9'],
    // the replacement is read at the first match: without one the text comes back, whatever it holds
    ['REGEXP_REPLACE', ['x', 'abc', '$1'], 'x'],
    ['REGEXP_REPLACE', ['x', 'abc', '${n}'], 'x'],
    // a group the pattern has not is NULL where nothing matched
    ['REGEXP_EXTRACT', ['(a)', 'bb', 3], null],
    ['REGEXP_EXTRACT_ALL', ['a', 'bb', 1], []],
  ])('%s(%j) as Java answers it', (name, args, expected) => {
    expect(call(name, args.map((a) => (typeof a === 'number' ? I : S)), args)).toEqual(expected);
  });

  it('text as Java\'s getBytes(UTF_8) writes it (a lone surrogate is ?), ENCODE between two different encodings only, MASK with an empty replacement fails, SPLIT_TO_MAP in Collectors.toMap\'s order (each checked on a JDK 17)', () => {
    expect([call('URL_ENCODE_PARAM', [S], ['\ud800']), call('ENCODE', [S, S, S], ['a\udc00', 'utf8', 'hex']), call('MD5', [S], ['\ud800'])]).toEqual(['%3F', '613f', 'd1457b72c3fb323a2671125aef3eab5d']);
    expect(() => call('ENCODE', [S, S, S], ['a', 'utf8', 'utf8'])).toThrow('Supported input and output encodings are: hex, utf8, ascii and base64');
    expect(() => call('MASK', [S, S, S, S, S], ['ab', '', 'x', 'n', '-'])).toThrow('String index out of range: 0');
    expect([...(call('SPLIT_TO_MAP', [S, S, S], ['a=1,q=2,Q=3,r=4', ',', '=']) as Map<string, string>).keys()]).toEqual(['Q', 'q', 'a', 'r']);
    expect([...(call('SPLIT_TO_MAP', [S, S, S], ['Aa=1,BB=2', ',', '=']) as Map<string, string>).keys()]).toEqual(['BB', 'Aa']);
    // (merge grows the table on a call for a key it has too: 13 keys and a 14th call make it 32 buckets)
    const grown = call('SPLIT_TO_MAP', [S, S, S], ['p:1/q:2/r:3/s:4/t:5/u:6/v:7/w:8/x:9/y:10/z:11/a:12/b:13/p:14', '/', ':']) as Map<string, string>;
    expect([...grown.keys()].slice(0, 4)).toEqual(['a', 'b', 'p', 'q']);
    expect(grown.get('p')).toBe('14');
  });

  it('a group the pattern has not fails the call where there is a match (Matcher.group throws), and so does a bad replacement', () => {
    expect(() => call('REGEXP_EXTRACT', [S, S, I], ['a', 'aa', 1])).toThrow('No group 1');
    expect(() => call('REGEXP_EXTRACT_ALL', [S, S, I], ['(a)', 'aa', 2])).toThrow('No group 2');
    expect(() => call('REGEXP_REPLACE', [S, S, S], ['xabc', 'abc', '$1'])).toThrow('No group 1');
  });

  it('an unknown inline flag fails the record as Java\'s PatternSyntaxException does', () => {
    expect(() => call('REGEXP_EXTRACT', [S, S], ['a(?q)b', 'ab'])).toThrow(/Unknown inline modifier/);
  });
});

describe('patterns V8\'s linear-time engine does not take (lookaround, backreferences, case folding, Unicode properties, nested counts)', () => {
  it.each([
    ['REGEXP_EXTRACT', ['(\\w)\\1', 'abccd'], 'cc'],
    ['REGEXP_EXTRACT', ['(\\w)(\\w)\\2', 'abccd', 1], 'b'],
    ['REGEXP_EXTRACT', ['a(?=b)', 'acab'], 'a'],
    ['REGEXP_EXTRACT', ['(?<!x)y', 'xyzy'], 'y'],
    ['REGEXP_EXTRACT', ['(?<!x)(y)(?!q)', 'zyq', 1], null],
    ['REGEXP_EXTRACT_ALL', ['(\\w)\\1', 'aabbcd'], ['aa', 'bb']],
    ['REGEXP_EXTRACT_ALL', ['(?<=a)(\\w)', 'abac', 1], ['b', 'c']],
    ['REGEXP_REPLACE', ['aab ccd', '(\\w)\\1', '<$1>'], '<a>b <c>d'],
    ['REGEXP_REPLACE', ['price 10 20', '(?<=price )\\d+', 'N'], 'price N 20'],
    ['REGEXP_SPLIT_TO_ARRAY', ['aXbXc', '(?=X)'], ['a', 'Xb', 'Xc']],
    ['REGEXP_EXTRACT', ['(?i)(A+)+B', 'xaaB'], 'aaB'],
    ['REGEXP_EXTRACT', ['(\\p{L}+)+1', 'ab1'], 'ab1'],
    ['REGEXP_EXTRACT_ALL', ['(a{1,2})+', 'aaa-a'], ['aaa', 'a']],
  ])('%s(%j) matches as without the guard', (name, args, expected) => {
    expect(call(name, args.map((a) => (typeof a === 'number' ? I : S)), args)).toEqual(expected);
  });

  it('one that backtracks without end fails its value after its time, and does not hold the process: a later call answers', () => {
    const runaway = () => call('REGEXP_EXTRACT', [S, S], ['(a+)+(?=b)', 'a'.repeat(40)]);
    expect(runaway).toThrow(/^the regular expression \(a\+\)\+\(\?=b\) ran longer than 1000 ms on a value of 40 characters/);
    // the same pattern again gets far less time; other calls go on as before
    expect(runaway).toThrow(/ran longer than 100 ms/);
    expect(call('REGEXP_EXTRACT', [S, S], ['(a+)+(?=b)', 'aab'])).toBe('aa');
    expect(call('REGEXP_EXTRACT', [S, S], ['(\\w)\\1', 'xyyz'])).toBe('yy');
    // case folding backtracks as lookaround does: guarded too
    expect(() => call('REGEXP_EXTRACT', [S, S], ['(?i)(a+)+$', `${'a'.repeat(40)}b`])).toThrow(/^the regular expression \(\?i\)\(a\+\)\+\$ ran longer than 1000 ms/);
  });
});
