import { decodeBase64 } from './base64.js';
import { recordArena } from './arena.js';
import { generatedFunction } from '../util/generated.js';
import { parseLong, wrapLong } from '../util/long.js';
import { digitsMayRound, stringifyJsonExact } from './json-exact.js';
import { Decimal, javaDoubleString, javaJsonNumberText } from '../util/decimal.js';
import { isLosslessNumber, LosslessNumber, stringify as stringifyLossless } from 'lossless-json';
import type { SqlType } from '../sql/types.js';
import { inJavaHashMapOrder } from '../functions/values.js';
import { formatDate, formatTime, formatTimestamp } from '../util/civil-time.js';

/**
 * A JSON number as written (its token's text) in an INT or BIGINT column, as Jackson's intValue() and
 * longValue() take a BigDecimal node: the integer part, exactly, then its low 32 or 64 bits. For
 * numbers a double does not hold exactly (beyond 2^53, fractions, 1e400).
 */
export function integralOfNumberText(text: string, kind: 'INTEGER' | 'BIGINT'): number | bigint {
  const m = /^(-?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text.trim());
  if (!m) throw new Error(`not a JSON number: ${text}`);
  const intDigits = m[2] ?? '', fracDigits = m[3] ?? '', exp = Number(m[4] ?? 0);
  let whole: bigint;
  // (a number ten to the 64th or more times an integer has no low 64 bits set: past that, 0)
  if (exp - fracDigits.length >= 64) whole = 0n;
  else if (exp >= 0) whole = BigInt(`0${intDigits}${fracDigits.slice(0, exp).padEnd(exp, '0')}`);
  else whole = intDigits.length + exp <= 0 ? 0n : BigInt(intDigits.slice(0, intDigits.length + exp));
  if (m[1] === '-') whole = -whole;
  return kind === 'INTEGER' ? Number(BigInt.asIntN(32, whole)) : wrapLong(whole);
}

/**
 * Thrown by fromJson while `strict` where a number JSON.parse read may not be the number written (for
 * an INT, BIGINT or DECIMAL, beyond what a double holds exactly, a fraction, or 16 digits or more; for
 * a STRING, its text as written).
 */
class InexactNumber extends Error {
  /** `text`: only an object or list in a STRING column, whose numbers JSON.stringify may write otherwise than they were written (1.0). */
  constructor(readonly why: 'integral' | 'text') { super(why); }
}
let strict = false;
/** The text of the record fromParsedJson reads, while it reads it: whether it has a number a double may round (see digitsMayRound). */
let digitsText: (() => string) | undefined;
const manyDigits = (): boolean => digitsText !== undefined && digitsMayRound(digitsText());

/**
 * fromJson of a value JSON.parse read from JSON text, as ksqlDB's deserializer reads it: where a
 * number's text as written counts (an INT, BIGINT or DECIMAL a double may not hold, a number going
 * into a STRING), it is converted again from `asWritten()`, the same value read with its numbers as written
 * (LosslessNumber; undefined where that reader refuses the record, which keeps JSON.parse's numbers).
 */
export function fromParsedJson(v: unknown, t: SqlType, path: string, text: () => string, asWritten: () => unknown): unknown {
  let why: InexactNumber['why'];
  strict = true;
  digitsText = text;
  try { return fromJson(v, t, path); } catch (e) {
    if (!(e instanceof InexactNumber)) throw e;
    why = e.why;
  } finally { strict = false; digitsText = undefined; }
  // (an object or list going into a STRING: JSON.stringify writes the numbers of a text with no
  // fraction or exponent anywhere as they were written)
  if (why === 'text' && !/[0-9][.eE]/.test(text())) return fromJson(v, t, path);
  return fromJson(asWritten() ?? v, t, path);
}

/** A number as written (a LosslessNumber's text) in a column of type `t`, as Jackson's number node gives it. */
function fromNumberText(text: string, t: SqlType, path: string): unknown {
  switch (t.kind) {
    case 'INTEGER': case 'BIGINT': return integralOfNumberText(text, t.kind);
    case 'STRING': return javaJsonNumberText(text);
    case 'DECIMAL': return fromJson(text, t, path);
    default: return fromJson(Number(text), t, path);
  }
}

/** Converts a parsed JSON value into the engine's value for a column type; throws on a mismatch. */
export function fromJson(v: unknown, t: SqlType, path = ''): unknown {
  if (v === null || v === undefined) return null;
  if (isLosslessNumber(v)) return fromNumberText(v.value, t, path);
  switch (t.kind) {
    case 'BOOLEAN':
      if (typeof v === 'boolean') return v;
      if (typeof v === 'string' && /^(true|false)$/i.test(v)) return v.toLowerCase() === 'true';
      break;
    case 'INTEGER': case 'BIGINT': case 'DATE': case 'TIME': case 'TIMESTAMP': {
      // a number is taken as Jackson's intValue() and asLong() take it (ksqlDB's JSON deserializer
      // reads floats as BigDecimal): the integer part, its low 32 or 64 bits; text must be such an
      // integer itself (Integer.parseInt, Long.parseLong), so it is never wrapped
      if (t.kind === 'BIGINT' && typeof v === 'string' && /^\s*-?\d{16,}\s*$/.test(v)) {
        const l = parseLong(v);
        if (l === undefined) break;
        return l;
      }
      if (typeof v === 'bigint') {
        if (t.kind === 'INTEGER') return Number(BigInt.asIntN(32, v));
        if (t.kind === 'BIGINT') return wrapLong(v);
        break;
      }
      const n = typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : NaN;
      // (a number a double may not hold as written: beyond 2^53, a fraction, beyond a double or an INT)
      if (strict && typeof v === 'number' && (t.kind === 'INTEGER' || t.kind === 'BIGINT') && (!Number.isSafeInteger(n) || (t.kind === 'INTEGER' && (n > 2147483647 || n < -2147483648)) || manyDigits())) throw new InexactNumber('integral');
      if (Number.isFinite(n)) {
        if (typeof v === 'string' && t.kind === 'INTEGER' && (n > 2147483647 || n < -2147483648)) break;
        if (t.kind === 'INTEGER') return n | 0;
        if (t.kind === 'BIGINT' && !Number.isSafeInteger(Math.trunc(n))) return wrapLong(BigInt(Math.trunc(n)));
        // (a long has no -0: -0 and -0.5 are 0)
        return Math.trunc(n) + 0;
      }
      break;
    }
    case 'DOUBLE': {
      const n = typeof v === 'number' || typeof v === 'bigint' ? Number(v) : typeof v === 'string' ? Number(v) : NaN;
      if (!Number.isNaN(n) || v === 'NaN') return n;
      break;
    }
    case 'DECIMAL':
      // (a number of 16 digits or more is read from its text, as Jackson's BigDecimal holds it)
      if (strict && typeof v === 'number' && manyDigits()) throw new InexactNumber('integral');
      if (typeof v === 'number' || typeof v === 'string' || typeof v === 'bigint') {
        const d = typeof v === 'number' ? Decimal.fromNumber(v) : Decimal.parse(String(v));
        const r = d.setScale(t.scale);
        if (r.precision - r.scale > t.precision - t.scale && r.unscaled !== 0n) break;
        return r;
      }
      break;
    case 'STRING':
      if (typeof v === 'string') return v;
      // a number is its text as written (1.0, 1.50), which only the record read again has
      if (strict && typeof v === 'number') throw new InexactNumber('integral');
      if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'bigint') return String(v);
      // an object or a list is its JSON text (Jackson's toString), numbers as written (read as bigints,
      // or read again exactly: 1.0 stays 1.0)
      if (strict && holds(v, (x) => typeof x === 'number')) throw new InexactNumber('text');
      return holds(v, isLosslessNumber) ? stringifyLossless(asJacksonNumbers(v))! : stringifyJsonExact(v);
    case 'BYTES': {
      // text that is not base64 fails the record, as Jackson's binaryValue() fails it
      const bytes = typeof v === 'string' ? decodeBase64(v) : undefined;
      if (bytes) return bytes;
      break;
    }
    case 'ARRAY':
      if (Array.isArray(v)) return v.map((x, i) => fromJson(x, t.item, `${path}[${i}]`));
      break;
    case 'MAP':
      if (typeof v === 'object' && !Array.isArray(v)) {
        const m = new Map<unknown, unknown>();
        for (const [k, x] of Object.entries(v as object)) m.set(fromJson(k, t.key), fromJson(x, t.value));
        return inJavaHashMapOrder(m, true);
      }
      break;
    case 'STRUCT':
      if (typeof v === 'object' && !Array.isArray(v)) {
        const src = v as Record<string, unknown>;
        const out: Record<string, unknown> = {};
        for (const f of t.fields) out[f.name] = fromJson(lookupField(src, f.name), f.type, `${path}.${f.name}`);
        return out;
      }
      break;
    default: break;
  }
  throw new Error(`Can't convert type. sourceType: ${jsonKind(v)}, requiredType: ${t.kind}, path: ${path || '$'}`);
}

/** A JSON value read with its numbers as written, each number as Jackson writes its node (1.50, 2E+3). */
function asJacksonNumbers(v: unknown): unknown {
  if (isLosslessNumber(v)) return new LosslessNumber(javaJsonNumberText(v.value));
  if (Array.isArray(v)) return v.map(asJacksonNumbers);
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, asJacksonNumbers(x)]));
  return v;
}

/** Whether a parsed JSON value, or a value in it at any depth, is one `leaf` picks. */
function holds(v: unknown, leaf: (x: unknown) => boolean): boolean {
  if (leaf(v)) return true;
  if (Array.isArray(v)) return v.some((x) => holds(x, leaf));
  return v !== null && typeof v === 'object' && Object.values(v).some((x) => holds(x, leaf));
}

const upperCache = new Map<string, string>();
const upper = (k: string): string => {
  let u = upperCache.get(k);
  if (u === undefined) { if (upperCache.size > 10_000) upperCache.clear(); u = k.toUpperCase(); upperCache.set(k, u); }
  return u;
};

/**
 * Picks the named fields of a JSON object in one pass over its keys, with lookupField's rules: an
 * exact name wins, otherwise the first key that matches case-insensitively.
 */
export function makeFieldPicker(names: string[]): FieldPicker {
  const exact = new Map(names.map((n, i) => [n, i]));
  const byUpper = new Map<string, number[]>();
  names.forEach((n, i) => { const u = n.toUpperCase(); byUpper.set(u, [...(byUpper.get(u) ?? []), i]); });
  // per column: 0 unset, 1 case-insensitive, 2 exact, and the position of the key it took (one
  // list each for every call: the picker is not reentrant)
  const how = new Uint8Array(names.length);
  const from = new Int32Array(names.length);
  // the keys of the last object picked the long way, in order, and per key the column it gave (-1
  // none): records of one producer list the same keys in the same order, and are picked by that
  let lastKeys: string[] = [];
  let lastTargets: Int32Array | undefined;
  const pickSlowly = (obj: Record<string, unknown>, out: unknown[]): void => {
    how.fill(0);
    from.fill(-1);
    const keys: string[] = [];
    for (const k in obj) {
      if (!Object.prototype.hasOwnProperty.call(obj, k)) continue;
      const p = keys.length;
      keys.push(k);
      const i = exact.get(k);
      if (i !== undefined) { out[i] = obj[k]; how[i] = 2; from[i] = p; }
      const group = byUpper.get(upper(k));
      if (group) for (const j of group) if (how[j] === 0) { out[j] = obj[k]; how[j] = 1; from[j] = p; }
    }
    // (a key that gave two columns, as `a` and `A` both read `"a"`, is left to this way)
    const targets = new Int32Array(keys.length).fill(-1);
    for (let j = 0; j < from.length; j++) {
      const p = from[j]!;
      if (p < 0) continue;
      if (targets[p] !== -1) { lastTargets = undefined; return; }
      targets[p] = j;
    }
    lastKeys = keys;
    lastTargets = targets;
  };
  const picker = (obj: Record<string, unknown>): unknown[] => {
    const out: unknown[] = new Array(names.length).fill(undefined);
    const targets = lastTargets;
    if (targets !== undefined) {
      let p = 0;
      for (const k in obj) {
        if (lastKeys[p] !== k) { p = -1; break; }
        const t = targets[p++]!;
        if (t >= 0) out[t] = obj[k];
      }
      if (p === lastKeys.length) return out;
      out.fill(undefined);
    }
    pickSlowly(obj, out);
    return out;
  };
  picker.layout = () => (lastTargets === undefined ? undefined : { keys: lastKeys, targets: lastTargets });
  return picker;
}

/** Picks a parsed object's fields for columns; `layout` tells the keys (in order) of the object last picked the long way, and the column each gave. */
export type FieldPicker = ((obj: Record<string, unknown>) => unknown[]) & { layout(): { keys: readonly string[]; targets: Int32Array } | undefined };

/** Finds a field by exact name, then case-insensitively (ksqlDB's JSON deserializer does both). */
export function lookupField(obj: Record<string, unknown>, name: string): unknown {
  if (Object.prototype.hasOwnProperty.call(obj, name)) return obj[name];
  const upper = name.toUpperCase();
  for (const k of Object.keys(obj)) if (k.toUpperCase() === upper) return obj[k];
  return undefined;
}

const jsonKind = (v: unknown) => Array.isArray(v) ? 'ArrayNode' : typeof v === 'object' ? 'ObjectNode' : typeof v === 'string' ? 'TextNode' : typeof v === 'number' || typeof v === 'bigint' ? 'NumericNode' : 'BooleanNode';

export type JsonStyle = 'topic' | 'rest';

/** Text that JSON writes as is between quotes: printable ASCII without `"` or `\`. */
const PLAIN = /^[ !#-[\]-~]*$/;

/**
 * A string as JSON text, as Jackson's UTF-8 writer (ksqlDB's, for topics and REST rows) writes it:
 * JSON.stringify's escapes, with `\uXXXX` in upper-case hex, and each UTF-16 surrogate escaped on its
 * own (a character beyond the BMP is `\uD83D\uDE00`, not its four UTF-8 bytes).
 */
export function jsonString(s: string): string {
  if (PLAIN.test(s)) return `"${s}"`;
  const j = JSON.stringify(s);
  if (!/\\u|[\ud800-\udfff]/.test(j)) return j;
  // (an escaped backslash is passed over whole, so the text \u0041 in the string stays as it is)
  return j.replace(/\\\\|\\u([0-9a-f]{4})|[\ud800-\udfff]/g, (m, hex: string | undefined) => (m === '\\\\' ? m
    : hex !== undefined ? `\\u${hex.toUpperCase()}` : `\\u${m.charCodeAt(0).toString(16).toUpperCase()}`));
}

/**
 * The JSON object of a row's values for these named columns (topic style), as UTF-8 bytes: each
 * column as toJsonText writes it, after its name as jsonString writes it. Written without the text,
 * by code generated for the columns: each column's head (`{"NAME":`) as constant bytes, printable
 * ASCII strings and integral digits byte by byte, anything else through toJsonText and encoded in
 * place. A first pass bounds the size (a character of text is at most 6 bytes, an escape \uXXXX).
 */
export function jsonObjectBytesWriter(cols: { name: string; type: SqlType }[]): (values: readonly unknown[]) => Buffer {
  const checks: string[] = [], writes: string[] = [];
  let headBytes = 0;
  cols.forEach((c, i) => {
    const head = [...Buffer.from(`${i === 0 ? '{' : ','}${jsonString(c.name)}:`)];
    headBytes += head.length;
    const v = `v${i}`, t = `t${i}`;
    const kind = c.type.kind;
    // t: the text of a value written as text (undefined where the value is written as it is)
    checks.push(`const ${v} = values[${i}]; let ${t};`, `if (${v} === null || ${v} === undefined) bound += 4;`);
    writes.push(head.map((b) => `a[p++] = ${b};`).join(' '), `if (${v} === null || ${v} === undefined) { a[p++] = 110; a[p++] = 117; a[p++] = 108; a[p++] = 108; }`);
    if (kind === 'STRING') {
      checks.push(`else if (typeof ${v} === 'string') bound += 6 * ${v}.length + 2;`, `else { ${t} = toJsonText(${v}, types[${i}]); bound += 3 * ${t}.length; }`);
      // printable ASCII without " or \ is written as it is; any other goes as jsonString writes it
      writes.push(`else if (${t} !== undefined) p += a.write(${t}, p, 'utf8');`, 'else {',
        `  const from = p; a[p++] = 34; let plain = true;`,
        `  for (let j = 0; j < ${v}.length; j++) { const c = ${v}.charCodeAt(j); if (c < 32 || c > 126 || c === 34 || c === 92) { plain = false; break; } a[p++] = c; }`,
        `  if (plain) a[p++] = 34; else p = from + a.write(jsonString(${v}), from, 'utf8');`, '}');
    } else if (kind === 'INTEGER' || kind === 'BIGINT') {
      // as toJsonText writes them, '' + v: a whole number of 32 bits digit by digit (no text made,
      // which for values of many kinds costs a conversion each); another number's or a bigint's
      // text is ASCII
      checks.push(`else if (typeof ${v} === 'number' && (${v} | 0) === ${v}) bound += 11;`, `else { ${t} = '' + ${v}; bound += 3 * ${t}.length; }`);
      writes.push(`else if (${t} === undefined) p = writeInt32(a, p, ${v});`,
        `else if (typeof ${v} === 'number' || typeof ${v} === 'bigint') for (let j = 0; j < ${t}.length; j++) a[p++] = ${t}.charCodeAt(j);`,
        `else p += a.write(${t}, p, 'utf8');`);
    } else if (kind === 'BOOLEAN') {
      checks.push('else bound += 5;');
      writes.push(`else if (${v}) { a[p++] = 116; a[p++] = 114; a[p++] = 117; a[p++] = 101; }`, 'else { a[p++] = 102; a[p++] = 97; a[p++] = 108; a[p++] = 115; a[p++] = 101; }');
    } else {
      checks.push(`else { ${t} = toJsonText(${v}, types[${i}]); bound += 3 * ${t}.length; }`);
      writes.push(`else p += a.write(${t}, p, 'utf8');`);
    }
  });
  const body = [
    'return (values) => {',
    `let bound = ${headBytes + (cols.length === 0 ? 1 : 0) + 1};`,
    ...checks,
    // written straight into the records' arena: no text built from pieces and then encoded
    'const a = arena.room(bound);',
    'let p = arena.used;',
    ...(cols.length === 0 ? ['a[p++] = 123;'] : []),
    ...writes,
    'a[p++] = 125;',
    'return arena.take(p);',
    '};',
  ].join('\n');
  const helpers = { arena: recordArena, types: cols.map((c) => c.type), toJsonText, jsonString, writeInt32 };
  return generatedFunction<(values: readonly unknown[]) => Buffer>('json-writer', helpers, body);
}

/** Writes a whole number of 32 bits as its decimal digits (-0 as 0, as '' + v writes it) at `p`; gives where it ends. */
function writeInt32(a: Buffer, p: number, v: number): number {
  let x = v;
  if (x < 0) { a[p++] = 45; x = -x; }
  let digits = 1;
  for (let q = x; q >= 10; q = Math.floor(q / 10)) digits++;
  for (let k = p + digits - 1; k >= p; k--) { const d = x % 10; a[k] = 48 + d; x = (x - d) / 10; }
  return p + digits;
}

/** Writes an engine value as JSON text for its type: doubles as Java prints them, decimals plain. */
export function toJsonText(v: unknown, t: SqlType, style: JsonStyle = 'topic'): string {
  if (v === null || v === undefined) return 'null';
  switch (t.kind) {
    case 'BOOLEAN': return v ? 'true' : 'false';
    case 'INTEGER': case 'BIGINT': return String(v);
    case 'DOUBLE': {
      const n = v as number;
      if (!Number.isFinite(n)) return JSON.stringify(javaDoubleString(n));
      return javaDoubleString(n);
    }
    case 'DECIMAL': return (v as Decimal).toString();
    case 'STRING': return typeof v === 'string' ? jsonString(v) : JSON.stringify(v);
    case 'BYTES': return JSON.stringify(Buffer.from(v as Uint8Array).toString('base64'));
    case 'TIMESTAMP': return style === 'rest' ? JSON.stringify(formatTimestamp(v as number)) : String(v);
    case 'DATE': return style === 'rest' ? JSON.stringify(formatDate(v as number)) : String(v);
    case 'TIME': return style === 'rest' ? JSON.stringify(formatTime(v as number)) : String(v);
    case 'ARRAY': return `[${(v as unknown[]).map((x) => toJsonText(x, t.item, style)).join(',')}]`;
    case 'MAP': {
      const parts: string[] = [];
      for (const [k, x] of v as Map<unknown, unknown>) parts.push(`${jsonString(String(k))}:${toJsonText(x, t.value, style)}`);
      return `{${parts.join(',')}}`;
    }
    case 'STRUCT': {
      const o = v as Record<string, unknown>;
      return `{${t.fields.map((f) => `${jsonString(f.name)}:${toJsonText(o[f.name], f.type, style)}`).join(',')}}`;
    }
    default: return JSON.stringify(v);
  }
}
