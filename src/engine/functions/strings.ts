import { createHash } from 'node:crypto';
import { setFlagsFromString } from 'node:v8';
import { T, type SqlType } from '../sql/types.js';
import { EvalError } from '../analysis/errors.js';
import { compareValues, inJavaMergeOrder } from './values.js';
import { javaRegex } from './java-regex.js';
import { javaTrim } from '../util/java-trim.js';
import { javaUtf8 } from '../util/java-utf8.js';
import { needsGuard, runGuarded, type SentMatch } from './regex-guard.js';
import { I, S, canPassAs, commonType, define, fixed, MAX_VALUE_ELEMENTS } from './registry.js';

/** String functions: case, trimming, padding, searching, splitting and joining. */
export function registerStringFunctions(): void {
  // ---- strings
  fixed('UCASE', 'STRING', [S], S, (s: string) => s.toUpperCase());
  fixed('LCASE', 'STRING', [S], S, (s: string) => s.toLowerCase());
  // Java's String.trim(): every character up to U+0020 at either end, and no other (a no-break space stays)
  fixed('TRIM', 'STRING', [S], S, javaTrim);
  // lengths and positions count UTF-16 code units, as Java's String does (an emoji is two)
  fixed('LEN', 'STRING', [S], I, (s: string) => s.length);
  fixed('LEN', 'STRING', [T.BYTES], I, (b: Buffer) => b.length);
  // words are runs of non-whitespace (Java's \s: space, \t, \n, \x0B, \f, \r), each capitalized, the whitespace kept
  // each word with the blanks after it, capitalized and joined: blanks before the first word are dropped, as ksqlDB's matcher drops them
  fixed('INITCAP', 'STRING', [S], S, (s: string) => (s.toLowerCase().match(/[^ \t\n\v\f\r]+[ \t\n\v\f\r]*/g) ?? []).map((w) => w[0]!.toUpperCase() + w.slice(1)).join(''));
  // Java's String.replace: an empty target matches before every character and at the end
  fixed('REPLACE', 'STRING', [S, S, S], S, (s: string, a: string, b: string) => (a === '' ? b + s.split('').join(b) + (s === '' ? '' : b) : s.split(a).join(b)));
  for (const t of [S, T.BYTES]) {
    fixed('SUBSTRING', 'STRING', [t, I], t, (s: string | Buffer, p: number) => substring(s, p));
    fixed('SUBSTRING', 'STRING', [t, I, I], t, (s: string | Buffer, p: number, l: number) => substring(s, p, l));
  }
  fixed('INSTR', 'STRING', [S, S], I, (s: string, sub: string) => instr(s, sub, 1, 1));
  fixed('INSTR', 'STRING', [S, S, I], I, (s: string, sub: string, pos: number) => instr(s, sub, pos, 1));
  fixed('INSTR', 'STRING', [S, S, I, I], I, (s: string, sub: string, pos: number, nth: number) => instr(s, sub, pos, nth));
  fixed('LPAD', 'STRING', [S, I, S], S, (s: string, n: number, p: string) => pad(s, n, p, true));
  fixed('RPAD', 'STRING', [S, I, S], S, (s: string, n: number, p: string) => pad(s, n, p, false));
  // BYTES pad with bytes to a length in bytes, as strings with characters
  fixed('LPAD', 'STRING', [T.BYTES, I, T.BYTES], T.BYTES, (b: Buffer, n: number, p: Buffer) => padBytes(b, n, p, true));
  fixed('RPAD', 'STRING', [T.BYTES, I, T.BYTES], T.BYTES, (b: Buffer, n: number, p: Buffer) => padBytes(b, n, p, false));
  // (an empty delimiter splits between UTF-16 units, as Java's Pattern.compile("").split does: a
  // character beyond the BMP comes apart, as REGEXP_SPLIT_TO_ARRAY(s, '') has it)
  fixed('SPLIT', 'STRING', [S, S], T.array(S), (s: string, d: string) => (s === '' ? [''] : d === '' ? s.split('') : s.split(d)));
  fixed('SPLIT', 'STRING', [T.BYTES, T.BYTES], T.array(T.BYTES), splitBytes);
  fixed('SPLIT_TO_MAP', 'STRING', [S, S, S], T.map(S, S), splitToMap);
  // (a group the pattern has not fails the call where there is a match to take it from, as Matcher.group throws)
  fixed('REGEXP_EXTRACT', 'REGULAR EXPRESSION', [S, S], S, (re: string, s: string) => firstMatch(re, s)?.[0] ?? null);
  fixed('REGEXP_EXTRACT', 'REGULAR EXPRESSION', [S, S, I], S, (re: string, s: string, g: number) => { const m = firstMatch(re, s); return m ? groupOf(m, g) : null; });
  fixed('REGEXP_EXTRACT_ALL', 'REGULAR EXPRESSION', [S, S], T.array(S), (re: string, s: string) => allMatches(re, s).map((m) => m.groups[0]));
  fixed('REGEXP_EXTRACT_ALL', 'REGULAR EXPRESSION', [S, S, I], T.array(S), (re: string, s: string, g: number) => allMatches(re, s).map((m) => groupOf(m.groups, g)));
  fixed('REGEXP_REPLACE', 'REGULAR EXPRESSION', [S, S, S], S, (s: string, re: string, by: string) => {
    const r = regex(re, 'g', s);
    let replacement: string;
    // Java reads the replacement at the first match: a text without one comes back as it was, whatever the replacement holds
    try { replacement = javaReplacement(by, r); } catch (e) { if (firstMatch(re, s) === null) return s; throw e; }
    return needsGuard(r) ? runGuarded({ op: 'replace', source: r.source, flags: r.flags, text: s, replacement }, re) as string : s.replace(r, replacement);
  });
  fixed('REGEXP_SPLIT_TO_ARRAY', 'REGULAR EXPRESSION', [S, S], T.array(S), regexSplit);
  fixed('MD5', 'STRING', [S], S, (s: string) => createHash('md5').update(javaUtf8(s)).digest('hex'));
  // MASK and its variants: upper case to X, lower case to x, digits to n, anything else to -; the
  // optional four arguments replace those (their first character), and a NULL one leaves that kind
  // of character as it is. A NULL string or count gives NULL.
  const masked = (s: string, from: number, to: number, r: (string | null)[]) => s.split('').map((c, i) => (i >= from && i < to ? maskChar(c, r) : c)).join('');
  const variants: [string, (len: number, n: number) => [number, number]][] = [
    ['MASK_LEFT', (_l, n) => [0, n]], ['MASK_RIGHT', (l, n) => [l - n, l]], ['MASK_KEEP_LEFT', (l, n) => [n, l]], ['MASK_KEEP_RIGHT', (l, n) => [0, l - n]],
  ];
  define('MASK', 'STRING', 'MASK(STRING[, upper, lower, digit, other])', (args) => {
    if ((args.length !== 1 && args.length !== 5) || !args.every((a) => canPassAs(a, S))) return undefined;
    return { returnType: S, argTypes: args.map(() => S), fn: ([s, ...r]) => (s == null ? null : masked(s as string, 0, Infinity, maskReplacements(r as (string | null)[]))) };
  });
  for (const [name, range] of variants) {
    define(name, 'STRING', `${name}(STRING, INTEGER[, upper, lower, digit, other])`, (args) => {
      if ((args.length !== 2 && args.length !== 6) || !canPassAs(args[0]!, S) || !canPassAs(args[1]!, I) || !args.slice(2).every((a) => canPassAs(a, S))) return undefined;
      return { returnType: S, argTypes: [S, I, ...args.slice(2).map(() => S)], fn: ([s, n, ...r]) => {
        if (s == null || n == null) return null;
        if ((n as number) < 0) throw new EvalError(`function ${name.toLowerCase()} requires a non-negative number of characters to mask or skip`);
        const len = (s as string).length;
        const [from, to] = range(len, Math.min(n as number, len));
        return masked(s as string, from, to, maskReplacements(r as (string | null)[]));
      } };
    });
  }
  // (a number that is no code point gives NULL, quietly, as Character.isValidCodePoint tells ksqlDB)
  fixed('CHR', 'STRING', [I], S, (n: number) => (n >= 0 && n <= 0x10ffff ? String.fromCodePoint(n) : null));
  // CHR('\\u004b'): UTF-16 codes written as text, unescaped as Java text (StringEscapeUtils.unescapeJava:
  // '\\ud820\\udeb8' is one character, '\\u004bxyz' is Kxyz); text shorter than 6 or not from \\u gives NULL
  fixed('CHR', 'STRING', [S], S, (u: string) => (u.length >= 6 && u.startsWith('\\u') ? unescapeJava(u) : null));
  define('ELT', 'STRING', 'ELT(n, STRING...)', (args) => {
    if (args.length < 1 || !canPassAs(args[0]!, I) || !args.slice(1).every((a) => a.kind === 'STRING' || a.kind === 'NULL')) return undefined;
    return { returnType: S, argTypes: [I, ...args.slice(1).map(() => S)], fn: ([n, ...rest]) => (n == null || (n as number) < 1 ? null : rest[(n as number) - 1] ?? null) };
  });
  define('FIELD', 'STRING', 'FIELD(value, value...)', (args) => {
    const t = commonType(args);
    if (args.length < 1 || !t || !isPrimitive(t)) return undefined;
    return { returnType: I, argTypes: args.map(() => t), fn: ([v, ...rest]) => (v == null ? 0 : rest.findIndex((x) => x != null && compareValues(x, v) === 0) + 1) };
  });
  fixed('UUID', 'STRING', [], S, () => crypto.randomUUID());
  // java.util.UUID of 16 bytes (two longs), as text; other lengths are NULL
  fixed('UUID', 'STRING', [T.BYTES], S, (b: Buffer) => {
    if (b.length !== 16) return null;
    const h = b.toString('hex');
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  });
  define('CONCAT', 'STRING', 'CONCAT(STRING...)', (args) => {
    if (args.length === 0) return undefined;
    if (args.every((a) => a.kind === 'BYTES' || a.kind === 'NULL')) {
      return { returnType: T.BYTES, argTypes: args.map(() => T.BYTES), fn: (a) => Buffer.concat(a.filter((x) => x != null) as Buffer[]) };
    }
    if (!args.every((a) => a.kind === 'STRING' || a.kind === 'NULL')) return undefined;
    return { returnType: S, argTypes: args.map(() => S), fn: (a) => a.map((x) => x ?? '').join('') };
  });
  define('CONCAT_WS', 'STRING', 'CONCAT_WS(STRING, STRING...)', (args) => {
    if (args.length < 2) return undefined;
    if (args.every((a) => a.kind === 'BYTES' || a.kind === 'NULL')) {
      return { returnType: T.BYTES, argTypes: args.map(() => T.BYTES), fn: ([sep, ...rest]) => {
        if (sep == null) return null;
        const parts = rest.filter((x) => x != null) as Buffer[];
        return Buffer.concat(parts.flatMap((p, i) => (i === 0 ? [p] : [sep as Buffer, p])));
      } };
    }
    if (!args.every((a) => a.kind === 'STRING' || a.kind === 'NULL')) return undefined;
    return { returnType: S, argTypes: args.map(() => S), fn: (a) => (a[0] == null ? null : a.slice(1).filter((x) => x != null).join(a[0] as string)) };
  });
}

const isPrimitive = (t: SqlType) => !['ARRAY', 'MAP', 'STRUCT'].includes(t.kind);

/** 1-based; a negative position counts from the end. Strings count code points, BYTES bytes. */
function substring(s: string | Buffer, pos: number, len?: number): string | Buffer {
  const size = s.length;
  const start = pos >= 0 ? Math.min(Math.max(pos - 1, 0), size) : Math.max(size + pos, 0);
  // (start + len is an int sum, as in ksqlDB's Java: beyond 2^31 - 1 it wraps, and the end is the start)
  const end = len === undefined ? size : Math.max(Math.min((start + len) | 0, size), start);
  if (typeof s !== 'string') return s.subarray(start, end);
  return s.substring(start, end);
}

/** Position of the nth occurrence of `sub`, searching forward from `pos` or, when negative, backward from the end. */
export function instr(s: string, sub: string, pos: number, nth: number): number {
  if (nth < 1) return 0;
  // Java's lastIndexOf finds nothing from before the start (JavaScript's would search from 0)
  let i = pos < 0 ? (s.length + pos < 0 ? -1 : s.lastIndexOf(sub, s.length + pos)) : s.indexOf(sub, pos - 1);
  for (let n = 1; n < nth && i >= 0; n++) i = pos < 0 ? (i === 0 ? -1 : s.lastIndexOf(sub, i - 1)) : s.indexOf(sub, i + 1);
  return i + 1;
}

function splitBytes(b: Buffer, d: Buffer): Buffer[] {
  if (d.length === 0) return b.length === 0 ? [b] : [...b].map((x) => Buffer.from([x]));
  const out: Buffer[] = [];
  let from = 0;
  for (let i = b.indexOf(d); i >= 0; i = b.indexOf(d, from)) { out.push(b.subarray(from, i)); from = i + d.length; }
  out.push(b.subarray(from));
  return out;
}

/** Entries split on `entryDelim` (empty ones skipped), each on `kvDelim`; entries without a key-value pair are dropped. */
/** Java escapes in text resolved, as Apache Commons Text's StringEscapeUtils.unescapeJava resolves them. */
function unescapeJava(s: string): string {
  const SIMPLE: Record<string, string> = { b: '\b', n: '\n', t: '\t', f: '\f', r: '\r', '\\': '\\', '"': '"', '\'': '\'' };
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!, next = s[i + 1];
    // (a backslash that starts no escape is dropped, as Commons Text's lookup maps it to nothing)
    if (c !== '\\') { out += c; continue; }
    if (next === undefined) continue;
    if (next === 'u') {
      // \\uXXXX, with any number of u's and an optional +
      let j = i + 1;
      while (s[j] === 'u') j++;
      if (s[j] === '+') j++;
      const hex = s.slice(j, j + 4);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new EvalError(`Unable to parse unicode value: ${hex}`);
      out += String.fromCharCode(parseInt(hex, 16));
      i = j + 3;
    } else if (SIMPLE[next] !== undefined) { out += SIMPLE[next]; i++; } else if (/[0-7]/.test(next)) {
      // an octal escape of up to three digits, at most \\377
      const m = /^[0-7]{1,3}/.exec(s.slice(i + 1))![0];
      const digits = m.length === 3 && m[0]! > '3' ? m.slice(0, 2) : m;
      out += String.fromCharCode(parseInt(digits, 8));
      i += digits.length;
    }
  }
  return out;
}

function splitToMap(s: string, entryDelim: string, kvDelim: string): Map<string, string> | null {
  if (entryDelim === '' || kvDelim === '' || entryDelim === kvDelim) return null;
  const pairs: [string, string][] = [];
  for (const entry of s.split(entryDelim)) {
    if (entry === '') continue;
    const kv = entry.split(kvDelim);
    if (kv.length >= 2) pairs.push([kv[0]!, kv[1]!]);
  }
  // (collected into a HashMap by Collectors.toMap with a merge function: in its order)
  return inJavaMergeOrder(pairs);
}

// A user's pattern with nested quantifiers ('(a+)+$') backtracks exponentially, and one request
// would hold the whole server. V8 falls back to its linear-time engine once a match backtracks too
// much, for every pattern that engine takes (all but backreferences and lookaround).
setFlagsFromString('--enable-experimental-regexp-engine-on-excessive-backtracks');

const regexCache = new Map<string, RegExp>();
/** Where a pattern's groups are among its RegExp's, for one whose translation added groups (see javaRegex). */
const captureMaps = new WeakMap<RegExp, number[]>();
/** A match's groups as the Java pattern numbers them (the whole match first). */
function javaGroups(re: RegExp, groups: ArrayLike<string | null | undefined>): (string | null)[] {
  const map = captureMaps.get(re);
  if (!map) return Array.from(groups, (g) => g ?? null);
  return [groups[0] ?? null, ...map.map((k) => groups[k] ?? null)];
}
/** A Java pattern as a JS RegExp (the common syntax is shared); an invalid pattern fails the record. */
function regex(pattern: string, flags: string, text: string): RegExp {
  const endsWithLineBreak = /[\n\r\u0085\u2028\u2029]$/.test(text);
  const astral = /[\ud800-\udbff][\udc00-\udfff]/.test(text);
  const nonAscii = astral || /[^\t\n\r -~]/.test(text);
  const key = `${flags}${endsWithLineBreak ? '$' : ''}${astral ? 'u' : ''}${nonAscii ? 'w' : ''}/${pattern}`;
  let re = regexCache.get(key);
  if (!re) {
    try {
      const java = javaRegex(pattern, endsWithLineBreak, astral, nonAscii);
      re = new RegExp(java.source, flags + java.flags);
      if (java.captures) captureMaps.set(re, java.captures);
    } catch (e) { throw new EvalError(`Invalid regular expression pattern: ${pattern} (${(e as Error).message})`); }
    regexCache.set(key, re);
  }
  re.lastIndex = 0;
  return re;
}

/** Group `g` of a match (its groups as Java numbers them), or Java's "No group g" where the pattern has no such group. */
function groupOf(groups: (string | null)[], g: number): string | null {
  if (g < 0 || g >= groups.length) throw new EvalError(`No group ${g}`);
  return groups[g] ?? null;
}

/** The first match of a Java pattern: its groups (null where one took no part), or null. */
function firstMatch(pattern: string, s: string): (string | null)[] | null {
  const re = regex(pattern, '', s);
  if (needsGuard(re)) { const m = runGuarded({ op: 'first', source: re.source, flags: re.flags, text: s }, pattern) as SentMatch | null; return m ? javaGroups(re, m.groups) : null; }
  const m = re.exec(s);
  return m ? javaGroups(re, m) : null;
}

/** Every match of a Java pattern, with its groups and where it starts. */
function allMatches(pattern: string, s: string): SentMatch[] {
  const re = regex(pattern, 'g', s);
  if (needsGuard(re)) return (runGuarded({ op: 'all', source: re.source, flags: re.flags, text: s }, pattern) as SentMatch[]).map((m) => ({ groups: javaGroups(re, m.groups), index: m.index }));
  return [...s.matchAll(re)].map((m) => ({ groups: javaGroups(re, m), index: m.index }));
}

/**
 * A Java replacement string (Matcher.appendReplacement) as JavaScript's: \x is x; $n takes the first
 * digit, then more while they name a group; ${name} a named group. What Java refuses (a $ without
 * a group, a group the pattern has not) fails the record, as the exception Java throws does.
 */
function javaReplacement(r: string, re: RegExp): string {
  const probe = new RegExp(`${re.source}|`, re.flags.replace('g', '')).exec('')!;
  const map = captureMaps.get(re);
  const groups = map ? map.length : probe.length - 1, names = new Set(Object.keys(probe.groups ?? {}));
  let out = '';
  for (let i = 0; i < r.length; i++) {
    const c = r[i]!;
    if (c === '\\') {
      if (i + 1 >= r.length) throw new EvalError('character to be escaped is missing');
      const x = r[++i]!;
      out += x === '$' ? '$$' : x;
    } else if (c === '$') {
      if (r[i + 1] === '{') {
        const close = r.indexOf('}', i + 2);
        const name = close < 0 ? '' : r.slice(i + 2, close);
        if (!/^[a-zA-Z][a-zA-Z0-9]*$/.test(name)) throw new EvalError("named capturing group is missing trailing '}'");
        if (!names.has(name)) throw new EvalError(`No group with name {${name}}`);
        out += `$<${name}>`;
        i = close;
      } else {
        let j = i + 1;
        if (!/\d/.test(r[j] ?? '')) throw new EvalError('Illegal group reference');
        let n = Number(r[j++]);
        if (n > groups) throw new EvalError(`No group ${n}`);
        while (j < r.length && /\d/.test(r[j]!) && n * 10 + Number(r[j]) <= groups) n = n * 10 + Number(r[j++]);
        out += n === 0 ? '$&' : `$${String(map ? map[n - 1]! : n).padStart(2, '0')}`;
        i = j - 1;
      }
    } else out += c;
  }
  return out;
}

/** Pattern.split keeping trailing empty strings; capture groups do not add elements as in JS. */
function regexSplit(s: string, pattern: string): string[] {
  const out: string[] = [];
  let from = 0;
  for (const m of allMatches(pattern, s)) {
    const whole = m.groups[0]!;
    if (whole === '' && (m.index === 0 || m.index === s.length)) continue;
    out.push(s.slice(from, m.index));
    from = m.index + whole.length;
  }
  out.push(s.slice(from));
  return out;
}
function pad(s: string, n: number, p: string, left: boolean): string | null {
  if (n < 0 || p === '') return null;
  if (s.length >= n) return s.slice(0, n);
  if (n > MAX_VALUE_ELEMENTS) throw new EvalError(`a padded length of ${n} is more than the ${MAX_VALUE_ELEMENTS} characters one value may hold`);
  const fill = p.repeat(Math.ceil((n - s.length) / p.length)).slice(0, n - s.length);
  return left ? fill + s : s + fill;
}

function padBytes(b: Buffer, n: number, p: Buffer, left: boolean): Buffer | null {
  if (n < 0 || p.length === 0) return null;
  if (b.length >= n) return Buffer.from(b.subarray(0, n));
  if (n > MAX_VALUE_ELEMENTS) throw new EvalError(`a padded length of ${n} is more than the ${MAX_VALUE_ELEMENTS} bytes one value may hold`);
  const fill = Buffer.alloc(n - b.length, p);
  return left ? Buffer.concat([fill, b]) : Buffer.concat([b, fill]);
}

/** The four replacement characters of a MASK call; given ones as their first character, NULL keeps. */
function maskReplacements(given: (string | null)[]): (string | null)[] {
  if (given.length === 0) return ['X', 'x', 'n', '-'];
  // (an empty one fails the call: ksqlDB takes its first code point, which an empty text has not)
  return given.map((g) => { if (g === '') throw new EvalError('String index out of range: 0'); return g == null ? null : [...g][0]!; });
}

function maskChar(c: string, [upper, lower, digit, other]: (string | null)[]): string {
  const r = /\p{Lu}/u.test(c) ? upper : /\p{Ll}/u.test(c) ? lower : /\p{Nd}/u.test(c) ? digit : other;
  return r ?? c;
}
