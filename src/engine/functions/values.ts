import { fitsLong, longOfDouble, wrapLong } from '../util/long.js';
import { Decimal } from '../util/decimal.js';
import type { SqlType } from '../sql/types.js';
import { EvalError } from '../analysis/errors.js';
import { rememberShort } from '../util/remember-short.js';
import { javaTrim } from '../util/java-trim.js';

const JAVA_DECIMAL = /^[+-]?(?:NaN|Infinity|(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?[fFdD]?)$/;
const JAVA_HEX = /^([+-]?)0[xX]([0-9a-fA-F]*)\.?([0-9a-fA-F]*)[pP]([+-]?\d+)[fFdD]?$/;

/**
 * Java's Double.parseDouble: decimal digits with an optional exponent and f/d suffix, NaN, Infinity,
 * or a hex significand with its binary exponent (0x1.8p1); anything else (an empty text, 0x10 without
 * the p exponent, 1_000) is an error.
 */
export function javaParseDouble(text: string): number {
  const s = javaTrim(text);
  if (JAVA_DECIMAL.test(s)) return Number(s.replace(/[fFdD]$/, ''));
  const hex = JAVA_HEX.exec(s);
  if (hex && (hex[2] || hex[3])) {
    const [, sign, whole, fraction, exp] = hex;
    const significand = Number.parseInt(`${whole}${fraction}` || '0', 16) / 16 ** fraction!.length;
    return (sign === '-' ? -1 : 1) * significand * 2 ** Number(exp);
  }
  throw new EvalError(`Cannot cast '${s}' to DOUBLE`);
}

/** Converts a non-null engine value of type `from` to type `to` (CAST and implicit widening). */
export function convert(v: unknown, from: SqlType, to: SqlType): unknown {
  if (v === null || v === undefined) return null;
  if (from.kind === to.kind && from.kind !== 'DECIMAL' && from.kind !== 'ARRAY' && from.kind !== 'MAP' && from.kind !== 'STRUCT') return v;
  switch (to.kind) {
    case 'STRING': return valueToString(v, from);
    case 'BOOLEAN':
      if (from.kind === 'STRING') return javaTrim(v as string).toLowerCase() === 'true';
      break;
    case 'INTEGER': case 'BIGINT': {
      // BIGINTs are exact longs; narrowing to INT keeps the low 32 bits, as Java's (int) of a long
      let n: bigint;
      if (from.kind === 'STRING') {
        const s = javaTrim(v as string);
        if (!/^[+-]?\d+$/.test(s)) throw new EvalError(`Cannot cast '${s}' to ${to.kind}`);
        n = BigInt(s.replace(/^\+/, ''));
        // Integer.parseInt / Long.parseLong refuse what their type cannot hold
        if (to.kind === 'INTEGER' ? n > 2147483647n || n < -2147483648n : !fitsLong(n)) throw new EvalError(`Cannot cast '${s}' to ${to.kind}`);
      } else if (from.kind === 'DECIMAL') n = (v as Decimal).setScale(0, 'DOWN').unscaled;
      else if (from.kind === 'DOUBLE') {
        // Java's (int) and (long) of a double: NaN is 0, and values beyond the type's range saturate
        const d = v as number;
        if (to.kind === 'INTEGER') return Number.isNaN(d) ? 0 : d <= -2147483648 ? -2147483648 : d >= 2147483647 ? 2147483647 : Math.trunc(d);
        return longOfDouble(d);
      } else if (from.kind === 'INTEGER' || from.kind === 'BIGINT') {
        if (typeof v === 'number') return to.kind === 'INTEGER' ? Math.trunc(v) | 0 : Math.trunc(v);
        n = v as bigint;
      } else if (from.kind === 'BOOLEAN') break;
      else { const x = v as number; return to.kind === 'INTEGER' ? x | 0 : x; }
      return to.kind === 'INTEGER' ? Number(BigInt.asIntN(32, n)) : wrapLong(n);
    }
    case 'DOUBLE':
      if (from.kind === 'STRING') return javaParseDouble(v as string);
      if (from.kind === 'DECIMAL') return (v as Decimal).toNumber();
      if (from.kind === 'INTEGER' || from.kind === 'BIGINT') return Number(v);
      break;
    case 'DECIMAL': {
      let d: Decimal;
      if (from.kind === 'DECIMAL') d = v as Decimal;
      else if (from.kind === 'STRING') d = Decimal.parse(v as string);
      else if (from.kind === 'INTEGER' || from.kind === 'BIGINT') d = new Decimal(BigInt(v as number | bigint), 0);
      else if (from.kind === 'DOUBLE') d = Decimal.fromNumber(v as number);
      else break;
      const r = d.setScale(to.scale, 'HALF_UP');
      if (r.precision > to.precision && r.unscaled !== 0n && r.precision - r.scale > to.precision - to.scale) {
        throw new EvalError(`Numeric field overflow: A field with precision ${to.precision} and scale ${to.scale} must round to an absolute value less than 10^${to.precision - to.scale}. Got ${d.toString()}`);
      }
      return r;
    }
    case 'TIMESTAMP':
      if (from.kind === 'STRING') return parseTimestampText(v as string);
      if (from.kind === 'DATE') return (v as number) * 86_400_000;
      break;
    case 'DATE':
      if (from.kind === 'STRING') return Math.floor(parseTimestampText(v as string, true) / 86_400_000);
      if (from.kind === 'TIMESTAMP') return Math.floor((v as number) / 86_400_000);
      break;
    case 'TIME':
      if (from.kind === 'STRING') return parseTimeText(v as string);
      if (from.kind === 'TIMESTAMP') return (((v as number) % 86_400_000) + 86_400_000) % 86_400_000;
      break;
    case 'BYTES':
      if (from.kind === 'BYTES') return v;
      break;
    case 'ARRAY':
      if (from.kind === 'ARRAY') return (v as unknown[]).map((x) => convert(x, from.item, to.item));
      break;
    case 'MAP':
      if (from.kind === 'MAP') {
        const m = new Map<unknown, unknown>();
        for (const [k, x] of v as Map<unknown, unknown>) m.set(convert(k, from.key, to.key), convert(x, from.value, to.value));
        return m;
      }
      break;
    case 'STRUCT':
      if (from.kind === 'STRUCT') {
        const o = v as Record<string, unknown>;
        const out: Record<string, unknown> = {};
        for (const f of to.fields) {
          const g = from.fields.find((x) => x.name === f.name);
          out[f.name] = g ? convert(o[g.name], g.type, f.type) : null;
        }
        return out;
      }
      break;
    default: break;
  }
  throw new EvalError(`Cast of ${from.kind} to ${to.kind} is not supported`);
}

/** Java-compatible text of a value (CAST(x AS STRING), CONCAT, string + string). */
export function valueToString(v: unknown, t: SqlType): string | null {
  if (v === null || v === undefined) return null;
  switch (t.kind) {
    case 'DOUBLE': return javaDouble(v as number);
    case 'DECIMAL': return (v as Decimal).toString();
    case 'TIMESTAMP': return formatTimestamp(v as number);
    case 'DATE': return formatDate(v as number);
    case 'TIME': return new Date(v as number).toISOString().slice(11, 19);
    case 'BYTES': return Buffer.from(v as Uint8Array).toString('base64');
    case 'ARRAY': return `[${(v as unknown[]).map((x) => (x === null ? 'null' : valueToString(x, t.item))).join(', ')}]`;
    case 'MAP': return `{${[...(v as Map<unknown, unknown>)].map(([k, x]) => `${valueToString(k, t.key)}=${x === null ? 'null' : valueToString(x, t.value)}`).join(', ')}}`;
    case 'STRUCT': return `Struct{${t.fields.filter((f) => (v as Record<string, unknown>)[f.name] != null).map((f) => `${f.name}=${valueToString((v as Record<string, unknown>)[f.name], f.type)}`).join(',')}}`;
    default: return String(v);
  }
}

import { javaDoubleString as javaDouble } from '../util/decimal.js';
import { CYCLE_MS, formatDate, formatTimestamp } from '../util/civil-time.js';
/** The epoch milliseconds a Java long holds (java.sql.Timestamp's range). */
const LONG_RANGE_MS = 2 ** 63;

/**
 * Local date and time fields to epoch milliseconds (UTC), resolved as java.time resolves them: a
 * month, day, hour, minute or second out of its range is an error; a day past the end of its month
 * is that month's last day (SMART), or an error where the parse is STRICT (LocalDate.parse); 24:00
 * is the start of the next day.
 */
export function resolveDateTime(y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0, strictDay = false): number {
  const range = (field: string, v: number, lo: number, hi: string | number) => { throw new EvalError(`Invalid value for ${field} (valid values ${lo} - ${hi}): ${v}`); };
  if (mo < 1 || mo > 12) range('MonthOfYear', mo, 1, 12);
  if (d < 1 || d > 31) range('DayOfMonth', d, 1, '28/31');
  const last = new Date(Date.UTC(2000, mo, 0)).getUTCDate() - (mo === 2 && !(y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0)) ? 1 : 0);
  if (d > last) {
    if (strictDay) throw new EvalError(`Invalid date '${MONTH_NAMES[mo - 1]} ${d}'${mo === 2 && d === 29 ? ` as '${y}' is not a leap year` : ''}`);
    d = last;
  }
  let nextDay = 0;
  if (h === 24 && mi === 0 && s === 0 && ms === 0) { h = 0; nextDay = 86_400_000; }
  if (h < 0 || h > 23) range('HourOfDay', h, 0, 23);
  if (mi > 59) range('MinuteOfHour', mi, 0, 59);
  if (s > 59) range('SecondOfMinute', s, 0, 59);
  // Date.UTC reads years 0-99 as 1900-1999: the year is set on its own
  const t = new Date(Date.UTC(2000, mo - 1, d, h, mi, s, ms));
  // a year beyond Date's range is set whole 400-year cycles nearer, and the cycles added back
  const cycles = Math.abs(y) > 200_000 ? Math.trunc(y / 400) : 0;
  t.setUTCFullYear(y - 400 * cycles);
  const out = t.getTime() + cycles * CYCLE_MS + nextDay;
  if (Math.abs(out) > LONG_RANGE_MS) throw new EvalError('long overflow');
  return out;
}
const MONTH_NAMES = ['JANUARY', 'FEBRUARY', 'MARCH', 'APRIL', 'MAY', 'JUNE', 'JULY', 'AUGUST', 'SEPTEMBER', 'OCTOBER', 'NOVEMBER', 'DECEMBER'];

/** CAST of text to TIMESTAMP (or, `strictDay`, to DATE, which LocalDate.parse reads strictly). */
export function parseTimestampText(s: string, strictDay = false): number {
  // partial datetimes ('2018', '2018-05') fill in from the start of the period
  const m = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:[T ](\d{2})(?::(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?)?)?)?\s*(Z|[+-]\d{2}:?\d{2})?$/.exec(s.trim());
  if (!m) throw new EvalError(`Failed to parse timestamp '${s}'`);
  const ms = m[7] ? Number(m[7].padEnd(3, '0').slice(0, 3)) : 0;
  let t = resolveDateTime(Number(m[1]), Number(m[2] ?? 1), Number(m[3] ?? 1), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0), ms, strictDay);
  if (m[8] && m[8] !== 'Z') {
    const sign = m[8][0] === '-' ? -1 : 1;
    const digits = m[8].slice(1).replace(':', '');
    t -= sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return t;
}

/** CAST of text to TIME (LocalTime.parse: hours 0-23, minutes and seconds 0-59). */
export function parseTimeText(s: string): number {
  const m = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/.exec(s.trim());
  if (!m) throw new EvalError(`Failed to parse time '${s}'`);
  const [h, mi, sec] = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
  if (h > 23 || mi > 59 || sec > 59) throw new EvalError(`Failed to parse time '${s}': ${h > 23 ? 'HourOfDay' : mi > 59 ? 'MinuteOfHour' : 'SecondOfMinute'} out of range`);
  return ((h * 60 + mi) * 60 + sec) * 1000 + (m[4] ? Number(m[4].padEnd(3, '0').slice(0, 3)) : 0);
}

/** Total order over values of one comparable type; null handling is the caller's. */
export function compareValues(a: unknown, b: unknown): number {
  if (a instanceof Decimal || b instanceof Decimal) {
    const da = a instanceof Decimal ? a : Decimal.fromNumber(a as number);
    const db = b instanceof Decimal ? b : Decimal.fromNumber(b as number);
    if (typeof a === 'number' && !Number.isInteger(a)) return Math.sign(a - db.toNumber());
    if (typeof b === 'number' && !Number.isInteger(b)) return Math.sign(da.toNumber() - b);
    return da.compare(db);
  }
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : a === b ? 0 : Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : -1;
  // a BIGINT beyond 2^53 against any number (JavaScript compares the two kinds exactly)
  if ((typeof a === 'bigint' || typeof a === 'number') && (typeof b === 'bigint' || typeof b === 'number')) {
    if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : -1;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return signedBytesCompare(a, b);
  return valuesEqual(a, b) ? 0 : 1;
}

/** BYTES in order as Java's ByteBuffer.compareTo has them: byte by byte as signed bytes (0x80 below 0x01), then the shorter first. */
function signedBytesCompare(a: Buffer, b: Buffer): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    if (a[i] === b[i]) continue;
    return ((a[i]! << 24) >> 24) < ((b[i]! << 24) >> 24) ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/** Java's Double.compareTo: -0.0 below 0.0, NaN above every other double and equal to itself. */
export function compareDoubles(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  if (a === b) return a === 0 ? Number(Object.is(b, -0)) - Number(Object.is(a, -0)) : 0;
  return Number.isNaN(a) ? (Number.isNaN(b) ? 0 : 1) : -1;
}

/**
 * The order and equality Java's collections give values of `t` (compareTo and equals, in ksqlDB's
 * functions that sort, dedupe or count them): SQL's, except for DOUBLE (Double's, compareDoubles).
 * NULL equals NULL.
 */
export function javaOrderOf(t: SqlType): JavaOrder {
  return t.kind === 'DOUBLE' ? DOUBLE_ORDER : SQL_ORDER;
}
interface JavaOrder { compare: (a: unknown, b: unknown) => number; equals: (a: unknown, b: unknown) => boolean }
const SQL_ORDER: JavaOrder = { compare: compareValues, equals: (a, b) => valuesEqual(a, b) || (a == null && b == null) };
const DOUBLE_ORDER: JavaOrder = {
  compare: (a, b) => compareDoubles(a as number, b as number),
  equals: (a, b) => (a == null || b == null ? a == null && b == null : compareDoubles(a as number, b as number) === 0),
};

export function valuesEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return false;
  if (a instanceof Decimal || b instanceof Decimal) return compareValues(a, b) === 0;
  if (Buffer.isBuffer(a) && Buffer.isBuffer(b)) return a.equals(b);
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => valuesEqual(x, b[i]));
  if (a instanceof Map && b instanceof Map) {
    if (a.size !== b.size) return false;
    for (const [k, v] of a) if (!b.has(k) || !valuesEqual(v, b.get(k))) return false;
    return true;
  }
  if (typeof a === 'object' && typeof b === 'object') {
    const ka = Object.keys(a as object), kb = Object.keys(b as object);
    return ka.length === kb.length && ka.every((k) => valuesEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]));
  }
  return false;
}

/**
 * A stable string for grouping and state-store keys. Kafka Streams groups and looks up by a key's
 * bytes, which tell apart the doubles JavaScript's equality does not (0.0 and -0.0; NaN, the
 * infinities and NULL, which JSON writes alike): each has its own text.
 */
export function keyString(values: readonly unknown[]): string {
  // most keys are one string or number: the same text as JSON.stringify of the array, built directly
  if (values.length === 1) {
    const v = values[0];
    if (typeof v === 'string') return stringKey(v);
    if (typeof v === 'number' && Number.isFinite(v) && !Object.is(v, -0)) return `[${v}]`;
  }
  // strings, numbers, booleans and nulls (a windowed key: the key, then its bounds) are joined directly
  let text = '[';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (i > 0) text += ',';
    if (typeof v === 'string') text += JSON.stringify(v);
    else if (typeof v === 'number') text += numberKeyText(v);
    else if (typeof v === 'bigint') text += String(v);
    else if (v === null || v === undefined) text += 'null';
    else if (typeof v === 'boolean') text += v ? 'true' : 'false';
    else return keyStringOf(values);
  }
  return text + ']';
}

/** keyString of a one-string key (a short one remembered: the same text object hashes once in a Map). */
const stringKey = rememberShort((v) => `[${JSON.stringify(v)}]`);

/**
 * Text made from a key's text and a window's bounds (a state key, a table row's key), remembered
 * for each key's latest window: records of a key mostly fall in its latest window, and the same
 * text object, whose hash a Map has already computed, is cheaper to look up than new text.
 */
export class LatestWindowText {
  private readonly byKey = new Map<string, { start: number; end: number; text: string }>();
  /** The text kept for this key's window, if it is the key's latest. */
  known(keyText: string, start: number, end: number): string | undefined {
    const k = this.byKey.get(keyText);
    return k !== undefined && k.start === start && k.end === end ? k.text : undefined;
  }
  /** Keeps `text` as this key's latest window's; returns it. */
  keep(keyText: string, start: number, end: number, text: string): string {
    const k = this.byKey.get(keyText);
    if (k) { k.start = start; k.end = end; k.text = text; } else {
      if (this.byKey.size >= 10_000) this.byKey.clear();
      this.byKey.set(keyText, { start, end, text });
    }
    return text;
  }
}

/** keyString of the key followed by a window's bounds, without building that array. */
export function windowedKeyString(key: readonly unknown[], start: number, end: number): string {
  const ks = keyString(key);
  return ks.length === 2 ? `[${start},${end}]` : `${ks.slice(0, -1)},${start},${end}]`;
}

function keyStringOf(values: readonly unknown[]): string {
  return JSON.stringify(values, (_k, v) => (v instanceof Decimal ? `D:${v.toString()}` : v instanceof Map ? [...v] : typeof v === 'bigint' ? String(v)
    : typeof v === 'number' && (!Number.isFinite(v) || Object.is(v, -0)) ? { [Object.is(v, -0) ? '-0' : String(v)]: null } : v));
}

/**
 * A number's text in a key, JSON that parseKeyString reads back as the number: -0.0 keeps its sign,
 * the infinities are numbers beyond a double (1e999), and NaN, which JSON has no number for, is
 * {"NaN":null} (a column of numbers holds no object).
 */
const numberKeyText = (v: number): string => (Object.is(v, -0) ? '-0.0' : Number.isNaN(v) ? '{"NaN":null}' : v === Infinity ? '1e999' : v === -Infinity ? '-1e999' : String(v));

/** The special numbers keyStringOf writes as one-key objects. */
const SPECIAL_NUMBERS: Record<string, number> = { '-0': -0, NaN: NaN, Infinity: Infinity, '-Infinity': -Infinity };

/**
 * The values a keyString text was made of, as far as JSON holds them: -0.0, NaN and the infinities
 * included, but not a decimal (its "D:" text) nor a long beyond 2^53 (rounded). Keep the values
 * themselves where they are needed back.
 */
export function parseKeyString(text: string): unknown[] {
  return JSON.parse(text, (_k, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const keys = Object.keys(v);
    return keys.length === 1 && (v as Record<string, unknown>)[keys[0]!] === null && keys[0]! in SPECIAL_NUMBERS ? SPECIAL_NUMBERS[keys[0]!] : v;
  }) as unknown[];
}

/** Java's String.hashCode, spread as java.util.HashMap spreads it. */
function javaStringHash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h ^ (h >>> 16);
}

/**
 * A map with string keys in the order a java.util.HashMap iterates them: by bucket, then by
 * insertion. ksqlDB builds maps as HashMaps, and functions that walk a map (REDUCE, TRANSFORM) see
 * that order. `sized`: built as new HashMap(n) (ksqlDB's deserializers), else new HashMap().
 * Maps with other keys keep their order.
 */
export function inJavaHashMapOrder<V>(m: Map<unknown, V>, sized: boolean | number): Map<unknown, V> {
  if (m.size < 2) return m;
  for (const k of m.keys()) if (typeof k !== 'string') return m;
  // (a number: built as new HashMap(that number), which may be more than the keys there are)
  const asked = typeof sized === 'number' ? sized : m.size;
  let capacity = sized !== false ? 2 ** Math.ceil(Math.log2(Math.max(1, asked))) : 16;
  while (m.size > capacity * 0.75) capacity *= 2;
  return inBuckets(m, capacity, false);
}

/**
 * String keys and values, put one by one (a key again replaces its value where it stands) with
 * HashMap.merge into a new HashMap, as Collectors.toMap with a merge function collects them: in the
 * order the map then iterates. merge grows the table before each call, new key or not, while the
 * map holds more than 3/4 of it, and puts a new key first in its bucket.
 */
export function inJavaMergeOrder<V>(entries: readonly (readonly [string, V])[]): Map<string, V> {
  const m = new Map<string, V>();
  let capacity = 16;
  for (const [k, v] of entries) {
    if (m.size > capacity * 0.75) capacity *= 2;
    m.set(k, v);
  }
  return m.size < 2 ? m : inBuckets(m, capacity, true) as Map<string, V>;
}

/** The entries of a map with string keys by their bucket of a table of `capacity`, in insertion order within one (or the reverse). */
function inBuckets<V>(m: Map<unknown, V>, capacity: number, newestFirst: boolean): Map<unknown, V> {
  const entries = [...m].map(([k, v], i) => ({ k, v, i, b: javaStringHash(k as string) & (capacity - 1) }));
  entries.sort((x, y) => x.b - y.b || (newestFirst ? y.i - x.i : x.i - y.i));
  return new Map(entries.map((e) => [e.k, e.v]));
}
