import { Decimal } from '../util/decimal.js';
import { T, canImplicitlyCast, isNumeric, typeToString, widerNumeric, type SqlType } from '../sql/types.js';
import { EvalError } from '../analysis/errors.js';
import { convert, compareValues } from './values.js';

export interface ResolvedFunction {
  returnType: SqlType;
  /** Argument types the call site must convert its arguments to before `fn`. */
  argTypes: SqlType[];
  fn: (args: unknown[]) => unknown;
}

export interface ScalarFunction {
  name: string;
  category: string;
  description: string;
  resolve(args: SqlType[]): ResolvedFunction | undefined;
}

const registry = new Map<string, ScalarFunction>();
export const scalarFunctions = (): ScalarFunction[] => [...registry.values()];
export const getScalarFunction = (name: string): ScalarFunction | undefined => registry.get(name.toUpperCase());

function define(name: string, category: string, description: string, resolve: ScalarFunction['resolve']): void {
  registry.set(name, { name, category, description, resolve });
}

/** A function of fixed parameter types; NULL in any argument gives NULL unless `nullSafe`. */
function fixed(name: string, category: string, params: SqlType[], ret: SqlType, fn: (...a: any[]) => unknown, nullSafe = false): void {
  const prev = registry.get(name);
  const overload = (args: SqlType[]): ResolvedFunction | undefined => {
    if (args.length !== params.length || !args.every((a, i) => canImplicitlyCast(a, params[i]!))) return prev?.resolve(args);
    return { returnType: ret, argTypes: params, fn: nullSafe ? (a) => fn(...a) : (a) => (a.some((x) => x === null || x === undefined) ? null : fn(...a)) };
  };
  define(name, category, `${name}(${params.map(typeToString).join(', ')})`, (args) => overload(args) ?? prev?.resolve(args));
}

const S = T.STRING, I = T.INTEGER, B = T.BIGINT, D = T.DOUBLE, BOOL = T.BOOLEAN;

// ---- strings
fixed('UCASE', 'STRING', [S], S, (s: string) => s.toUpperCase());
fixed('LCASE', 'STRING', [S], S, (s: string) => s.toLowerCase());
fixed('TRIM', 'STRING', [S], S, (s: string) => s.trim());
fixed('LTRIM', 'STRING', [S], S, (s: string) => s.replace(/^\s+/, ''));
fixed('RTRIM', 'STRING', [S], S, (s: string) => s.replace(/\s+$/, ''));
fixed('LEN', 'STRING', [S], I, (s: string) => [...s].length);
fixed('LEN', 'STRING', [T.BYTES], I, (b: Buffer) => b.length);
fixed('INITCAP', 'STRING', [S], S, (s: string) => s.split(' ').map((w) => (w ? w[0]!.toUpperCase() + w.slice(1).toLowerCase() : w)).join(' '));
fixed('REPLACE', 'STRING', [S, S, S], S, (s: string, a: string, b: string) => s.split(a).join(b));
fixed('SUBSTRING', 'STRING', [S, I], S, (s: string, p: number) => substring(s, p));
fixed('SUBSTRING', 'STRING', [S, I, I], S, (s: string, p: number, l: number) => substring(s, p, l));
fixed('INSTR', 'STRING', [S, S], I, (s: string, sub: string) => s.indexOf(sub) + 1);
fixed('LPAD', 'STRING', [S, I, S], S, (s: string, n: number, p: string) => pad(s, n, p, true));
fixed('RPAD', 'STRING', [S, I, S], S, (s: string, n: number, p: string) => pad(s, n, p, false));
fixed('SPLIT', 'STRING', [S, S], T.array(S), (s: string, d: string) => (d === '' ? [...s] : s.split(d)));
fixed('MD5', 'STRING', [S], S, async0);
fixed('CHR', 'STRING', [I], S, (n: number) => String.fromCodePoint(n));
fixed('UUID', 'STRING', [], S, () => crypto.randomUUID());
fixed('EXTRACTJSONFIELD', 'JSON', [S, S], S, (j: string, path: string) => extractJsonField(j, path));
fixed('IS_JSON_STRING', 'JSON', [S], BOOL, (s: string | null) => { if (s === null) return false; try { JSON.parse(s); return true; } catch { return false; } }, true);
define('CONCAT', 'STRING', 'CONCAT(STRING...)', (args) => {
  if (args.length === 0) return undefined;
  if (args.every((a) => a.kind === 'BYTES' || a.kind === 'NULL')) {
    return { returnType: T.BYTES, argTypes: args.map(() => T.BYTES), fn: (a) => Buffer.concat(a.filter((x) => x != null) as Buffer[]) };
  }
  if (!args.every((a) => a.kind === 'STRING' || a.kind === 'NULL')) return undefined;
  return { returnType: S, argTypes: args.map(() => S), fn: (a) => a.map((x) => x ?? '').join('') };
});
define('CONCAT_WS', 'STRING', 'CONCAT_WS(STRING, STRING...)', (args) => {
  if (args.length < 2 || !args.every((a) => a.kind === 'STRING' || a.kind === 'NULL')) return undefined;
  return { returnType: S, argTypes: args.map(() => S), fn: (a) => (a[0] == null ? null : a.slice(1).filter((x) => x != null).join(a[0] as string)) };
});

function async0(): never { throw new EvalError('MD5 unavailable'); }

function substring(s: string, pos: number, len?: number): string {
  const cps = [...s];
  let start = pos > 0 ? pos - 1 : pos < 0 ? cps.length + pos : 0;
  if (start < 0) start = 0;
  const end = len === undefined ? cps.length : Math.min(cps.length, start + Math.max(0, len));
  return cps.slice(start, end).join('');
}
function pad(s: string, n: number, p: string, left: boolean): string | null {
  if (n < 0 || p === '') return null;
  if (s.length >= n) return s.slice(0, n);
  let fill = '';
  while (fill.length < n - s.length) fill += p;
  fill = fill.slice(0, n - s.length);
  return left ? fill + s : s + fill;
}
function extractJsonField(json: string, path: string): string | null {
  let v: unknown;
  try { v = JSON.parse(json); } catch { return null; }
  const parts = path.replace(/^\$/, '').match(/\.[^.[\]]+|\[\d+\]|\["[^"]*"\]/g) ?? [];
  for (const part of parts) {
    if (v === null || typeof v !== 'object') return null;
    const key = part.startsWith('.') ? part.slice(1) : part.startsWith('["') ? part.slice(2, -2) : Number(part.slice(1, -1));
    v = (v as Record<string | number, unknown>)[key];
    if (v === undefined) return null;
  }
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? v : JSON.stringify(v);
}

// ---- numbers
define('ABS', 'MATHEMATICAL', 'ABS(number)', (args) => numericSame(args, (x) => (x instanceof Decimal ? (x.unscaled < 0n ? x.negate() : x) : Math.abs(x as number))));
define('CEIL', 'MATHEMATICAL', 'CEIL(number)', (args) => numericSame(args, (x) => (x instanceof Decimal ? ceilDec(x) : Math.ceil(x as number))));
define('FLOOR', 'MATHEMATICAL', 'FLOOR(number)', (args) => numericSame(args, (x) => (x instanceof Decimal ? ceilDec(x.negate()).negate() : Math.floor(x as number))));
define('SIGN', 'MATHEMATICAL', 'SIGN(number)', (args) => (args.length === 1 && isNumericOrNull(args[0]!) ? { returnType: I, argTypes: [args[0]!.kind === 'NULL' ? D : args[0]!], fn: ([x]) => (x == null ? null : x instanceof Decimal ? Number(x.unscaled > 0n) - Number(x.unscaled < 0n) : Math.sign(x as number)) } : undefined));
define('ROUND', 'MATHEMATICAL', 'ROUND(number[, places])', (args) => {
  const t = args[0];
  if (!t || !isNumericOrNull(t)) return undefined;
  if (args.length === 1) {
    if (t.kind === 'DECIMAL') return { returnType: T.decimal(Math.max(1, t.precision - t.scale + 1), 0), argTypes: [t], fn: ([x]) => (x == null ? null : (x as Decimal).setScale(0, 'HALF_UP')) };
    const ret = t.kind === 'INTEGER' ? I : B;
    return { returnType: ret, argTypes: [t.kind === 'NULL' ? D : t], fn: ([x]) => (x == null ? null : roundHalfUp(x as number, 0)) };
  }
  if (args.length === 2 && canImplicitlyCast(args[1]!, I)) {
    if (t.kind === 'DECIMAL') return { returnType: t, argTypes: [t, I], fn: ([x, p]) => (x == null || p == null ? null : (x as Decimal).setScale(p as number, 'HALF_UP').setScale(t.scale, 'HALF_UP')) };
    return { returnType: t.kind === 'INTEGER' || t.kind === 'BIGINT' ? t : D, argTypes: [t.kind === 'NULL' ? D : t, I], fn: ([x, p]) => (x == null || p == null ? null : roundHalfUp(x as number, p as number)) };
  }
  return undefined;
});
define('TRUNC', 'MATHEMATICAL', 'TRUNC(number[, places])', (args) => {
  const t = args[0];
  if (!t || !isNumericOrNull(t)) return undefined;
  if (args.length === 1) {
    if (t.kind === 'DECIMAL') return { returnType: T.decimal(Math.max(1, t.precision - t.scale), 0), argTypes: [t], fn: ([x]) => (x == null ? null : (x as Decimal).setScale(0, 'DOWN')) };
    return { returnType: t.kind === 'INTEGER' ? I : B, argTypes: [t.kind === 'NULL' ? D : t], fn: ([x]) => (x == null ? null : Math.trunc(x as number)) };
  }
  if (args.length === 2) {
    if (t.kind === 'DECIMAL') return { returnType: t, argTypes: [t, I], fn: ([x, p]) => (x == null || p == null ? null : (x as Decimal).setScale(p as number, 'DOWN').setScale(t.scale)) };
    return { returnType: t.kind === 'INTEGER' || t.kind === 'BIGINT' ? t : D, argTypes: [t.kind === 'NULL' ? D : t, I], fn: ([x, p]) => { if (x == null || p == null) return null; const f = 10 ** (p as number); return Math.trunc((x as number) * f) / f; } };
  }
  return undefined;
});
for (const [name, f] of [['SQRT', Math.sqrt], ['CBRT', Math.cbrt], ['EXP', Math.exp], ['LN', Math.log], ['SIN', Math.sin], ['COS', Math.cos], ['TAN', Math.tan],
  ['ASIN', Math.asin], ['ACOS', Math.acos], ['ATAN', Math.atan], ['SINH', Math.sinh], ['COSH', Math.cosh], ['TANH', Math.tanh],
  ['DEGREES', (x: number) => (x * 180) / Math.PI], ['RADIANS', (x: number) => (x * Math.PI) / 180], ['COT', (x: number) => 1 / Math.tan(x)]] as const) {
  fixed(name, 'MATHEMATICAL', [D], D, f as (x: number) => number);
}
fixed('LOG', 'MATHEMATICAL', [D], D, Math.log10);
fixed('LOG', 'MATHEMATICAL', [D, D], D, (b: number, v: number) => Math.log(v) / Math.log(b));
fixed('POWER', 'MATHEMATICAL', [D, D], D, Math.pow);
fixed('ATAN2', 'MATHEMATICAL', [D, D], D, Math.atan2);
fixed('RANDOM', 'MATHEMATICAL', [], D, Math.random);
fixed('PI', 'MATHEMATICAL', [], D, () => Math.PI);
fixed('GEO_DISTANCE', 'MATHEMATICAL', [D, D, D, D], D, (a: number, b: number, c: number, d: number) => geoDistance(a, b, c, d, 'KM'));
fixed('GEO_DISTANCE', 'MATHEMATICAL', [D, D, D, D, S], D, (a: number, b: number, c: number, d: number, u: string) => geoDistance(a, b, c, d, u));
for (const name of ['GREATEST', 'LEAST']) {
  define(name, 'MATHEMATICAL', `${name}(value, ...)`, (args) => {
    const known = args.filter((a) => a.kind !== 'NULL');
    if (known.length === 0) return undefined;
    let t: SqlType = known[0]!;
    for (const a of known.slice(1)) {
      if (isNumeric(t) && isNumeric(a)) t = widerNumeric(t, a); else if (a.kind !== t.kind) return undefined;
    }
    const sign = name === 'GREATEST' ? 1 : -1;
    return { returnType: t, argTypes: args.map(() => t), fn: (a) => a.filter((x) => x != null).reduce<unknown>((best, x) => (best == null || compareValues(x, best) * sign > 0 ? x : best), null) };
  });
}

function isNumericOrNull(t: SqlType): boolean { return isNumeric(t) || t.kind === 'NULL'; }
function numericSame(args: SqlType[], f: (x: unknown) => unknown): ResolvedFunction | undefined {
  if (args.length !== 1 || !isNumericOrNull(args[0]!)) return undefined;
  const t = args[0]!.kind === 'NULL' ? D : args[0]!;
  return { returnType: t, argTypes: [t], fn: ([x]) => (x == null ? null : f(x)) };
}
function ceilDec(x: Decimal): Decimal {
  const t = x.setScale(0, 'DOWN');
  const up = x.compare(t) > 0 ? t.add(new Decimal(1n, 0)) : t;
  return up.setScale(x.scale);
}
function roundHalfUp(x: number, places: number): number {
  const f = 10 ** places;
  const d = Decimal.fromNumber(x).setScale(Math.max(places, 0) , 'HALF_UP');
  if (places >= 0) return d.toNumber();
  return Math.floor(x * f + 0.5) / f;
}
function geoDistance(lat1: number, lon1: number, lat2: number, lon2: number, unit: string): number {
  const u = unit.toUpperCase();
  let r: number;
  if (u === 'KM' || u === 'KILOMETERS' || u === 'KILOMETRES') r = 6371;
  else if (u === 'MI' || u === 'MILES') r = 3959;
  else throw new EvalError(`GeoDistance function: invalid radius unit: ${unit}`);
  const toR = Math.PI / 180;
  const dLat = (lat2 - lat1) * toR, dLon = (lon2 - lon1) * toR;
  const a = Math.sin(dLat / 2) ** 2 + Math.cos(lat1 * toR) * Math.cos(lat2 * toR) * Math.sin(dLon / 2) ** 2;
  return 2 * r * Math.asin(Math.sqrt(a));
}

// ---- nulls and conditionals
define('COALESCE', 'CONDITIONAL', 'COALESCE(value, ...)', (args) => {
  const t = commonType(args);
  if (!t || args.length === 0) return undefined;
  return { returnType: t, argTypes: args.map(() => t), fn: (a) => a.find((x) => x != null) ?? null };
});
define('IFNULL', 'CONDITIONAL', 'IFNULL(expression, altValue)', (args) => {
  const t = args.length === 2 ? commonType(args) : undefined;
  if (!t) return undefined;
  return { returnType: t, argTypes: [t, t], fn: ([a, b]) => a ?? b ?? null };
});
define('NULLIF', 'CONDITIONAL', 'NULLIF(a, b)', (args) => {
  const t = args.length === 2 ? commonType(args) : undefined;
  if (!t) return undefined;
  return { returnType: t, argTypes: [t, t], fn: ([a, b]) => (a != null && b != null && compareValues(a, b) === 0 ? null : a ?? null) };
});
// Test-only UDFs of ksqlDB's functional tests: return the value, or fail the record when `run` is false.
for (const name of ['WHENCONDITION', 'WHENRESULT']) {
  define(name, 'OTHER', `${name}(value, run)`, (args) => (args.length === 2 ? {
    returnType: args[0]!.kind === 'NULL' ? BOOL : args[0]!, argTypes: [args[0]!.kind === 'NULL' ? BOOL : args[0]!, BOOL],
    fn: ([v, run]) => { if (!run) throw new EvalError(`${name} should not be evaluated`); return v; },
  } : undefined));
}

export function commonType(args: SqlType[]): SqlType | undefined {
  let t: SqlType | undefined;
  for (const a of args) {
    if (a.kind === 'NULL') continue;
    if (!t) { t = a; continue; }
    if (isNumeric(t) && isNumeric(a)) t = widerNumeric(t, a);
    else if (!canImplicitlyCast(a, t)) return undefined;
  }
  return t ?? T.STRING;
}

// ---- collections
define('ARRAY_LENGTH', 'ARRAY', 'ARRAY_LENGTH(array)', (args) => (args.length === 1 && args[0]!.kind === 'ARRAY' ? { returnType: I, argTypes: args, fn: ([a]) => (a == null ? null : (a as unknown[]).length) } : undefined));
define('ARRAY_CONTAINS', 'ARRAY', 'ARRAY_CONTAINS(array, value)', (args) => (args.length === 2 && args[0]!.kind === 'ARRAY' ? { returnType: BOOL, argTypes: [args[0]!, args[0]!.item], fn: ([a, v]) => (a == null ? false : (a as unknown[]).some((x) => (x == null ? v == null : v != null && compareValues(x, v) === 0))) } : undefined));
for (const [name, sign] of [['ARRAY_MAX', 1], ['ARRAY_MIN', -1]] as const) {
  define(name, 'ARRAY', `${name}(array)`, (args) => (args.length === 1 && args[0]!.kind === 'ARRAY' ? {
    returnType: args[0]!.item, argTypes: args,
    fn: ([a]) => (a == null ? null : (a as unknown[]).filter((x) => x != null).reduce<unknown>((best, x) => (best == null || compareValues(x, best) * sign > 0 ? x : best), null)),
  } : undefined));
}
define('AS_VALUE', 'OTHER', 'AS_VALUE(keyColumn)', (args) => (args.length === 1 ? { returnType: args[0]!.kind === 'NULL' ? S : args[0]!, argTypes: args, fn: ([a]) => a ?? null } : undefined));
define('MAP_KEYS', 'MAP', 'MAP_KEYS(map)', (args) => (args.length === 1 && args[0]!.kind === 'MAP' ? { returnType: T.array(args[0]!.key), argTypes: args, fn: ([m]) => (m == null ? null : [...(m as Map<unknown, unknown>).keys()]) } : undefined));
define('MAP_VALUES', 'MAP', 'MAP_VALUES(map)', (args) => (args.length === 1 && args[0]!.kind === 'MAP' ? { returnType: T.array(args[0]!.value), argTypes: args, fn: ([m]) => (m == null ? null : [...(m as Map<unknown, unknown>).values()]) } : undefined));

// ---- date and time
fixed('UNIX_TIMESTAMP', 'DATE / TIME', [], B, () => Date.now());
fixed('UNIX_TIMESTAMP', 'DATE / TIME', [T.TIMESTAMP], B, (t: number) => t);
fixed('UNIX_DATE', 'DATE / TIME', [], I, () => Math.floor(Date.now() / 86_400_000));
fixed('UNIX_DATE', 'DATE / TIME', [T.DATE], I, (d: number) => d);
fixed('FROM_UNIXTIME', 'DATE / TIME', [B], T.TIMESTAMP, (t: number) => t);
fixed('FROM_DAYS', 'DATE / TIME', [I], T.DATE, (d: number) => d);
fixed('TIMESTAMPTOSTRING', 'DATE / TIME', [B, S], S, (t: number, f: string) => formatJavaDate(t, f, 'UTC'));
fixed('TIMESTAMPTOSTRING', 'DATE / TIME', [B, S, S], S, (t: number, f: string, z: string) => formatJavaDate(t, f, z));
fixed('FORMAT_TIMESTAMP', 'DATE / TIME', [T.TIMESTAMP, S], S, (t: number, f: string) => formatJavaDate(t, f, 'UTC'));
fixed('FORMAT_TIMESTAMP', 'DATE / TIME', [T.TIMESTAMP, S, S], S, (t: number, f: string, z: string) => formatJavaDate(t, f, z));
fixed('FORMAT_DATE', 'DATE / TIME', [T.DATE, S], S, (d: number, f: string) => formatJavaDate(d * 86_400_000, f, 'UTC'));
fixed('PARSE_DATE', 'DATE / TIME', [S, S], T.DATE, (s: string) => Math.floor(convert(s, S, T.TIMESTAMP) as number / 86_400_000));
fixed('PARSE_TIMESTAMP', 'DATE / TIME', [S, S], T.TIMESTAMP, (s: string) => convert(s, S, T.TIMESTAMP));
fixed('STRINGTOTIMESTAMP', 'DATE / TIME', [S, S], B, (s: string) => convert(s, S, T.TIMESTAMP));

/** A subset of Java's DateTimeFormatter patterns: y M d H h m s S a and quoted text. */
export function formatJavaDate(ms: number, pattern: string, zone: string): string {
  let offsetMin = 0;
  const z = /^(?:UTC|GMT)?([+-])(\d{1,2}):?(\d{2})?$/.exec(zone);
  if (z) offsetMin = (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3] ?? 0));
  const d = new Date(ms + offsetMin * 60_000);
  const fields: Record<string, (n: number) => string> = {
    y: (n) => (n === 2 ? String(d.getUTCFullYear()).slice(-2) : String(d.getUTCFullYear()).padStart(n, '0')),
    M: (n) => String(d.getUTCMonth() + 1).padStart(n, '0'),
    d: (n) => String(d.getUTCDate()).padStart(n, '0'),
    H: (n) => String(d.getUTCHours()).padStart(n, '0'),
    h: (n) => String(d.getUTCHours() % 12 || 12).padStart(n, '0'),
    m: (n) => String(d.getUTCMinutes()).padStart(n, '0'),
    s: (n) => String(d.getUTCSeconds()).padStart(n, '0'),
    S: (n) => String(d.getUTCMilliseconds()).padStart(3, '0').slice(0, n).padEnd(n, '0'),
    a: () => (d.getUTCHours() < 12 ? 'AM' : 'PM'),
    Z: () => `${offsetMin < 0 ? '-' : '+'}${String(Math.floor(Math.abs(offsetMin) / 60)).padStart(2, '0')}${String(Math.abs(offsetMin) % 60).padStart(2, '0')}`,
    X: (n) => (offsetMin === 0 ? 'Z' : `${offsetMin < 0 ? '-' : '+'}${String(Math.floor(Math.abs(offsetMin) / 60)).padStart(2, '0')}${n >= 3 ? ':' : ''}${n >= 2 ? String(Math.abs(offsetMin) % 60).padStart(2, '0') : ''}`),
  };
  let out = '';
  for (let i = 0; i < pattern.length;) {
    const c = pattern[i]!;
    if (c === '\'') {
      const j = pattern.indexOf('\'', i + 1);
      out += j < 0 ? pattern.slice(i + 1) : pattern.slice(i + 1, j) || '\'';
      i = j < 0 ? pattern.length : j + 1; continue;
    }
    let n = 1;
    while (pattern[i + n] === c) n++;
    const f = fields[c];
    out += f ? f(n) : c.repeat(n);
    i += n;
  }
  return out;
}


// ---- more collections, JSON and bytes
const arrayFn = (name: string, arity: number, ret: (t: SqlType) => SqlType, fn: (a: unknown[], ...rest: unknown[]) => unknown, nullArrayGivesNull = true) =>
  define(name, 'ARRAY', `${name}(array${arity > 1 ? ', ...' : ''})`, (args) => {
    if (args.length !== arity || args[0]!.kind !== 'ARRAY') return undefined;
    const t = args[0]!;
    const argTypes = args.map((a, i) => (i === 0 ? t : a.kind === 'NULL' && t.kind === 'ARRAY' ? t.item : a));
    return { returnType: ret(t), argTypes, fn: ([a, ...rest]) => (a == null && nullArrayGivesNull ? null : fn((a ?? []) as unknown[], ...rest)) };
  });
const distinctValues = (list: unknown[]) => list.filter((x, i) => list.findIndex((y) => (x == null ? y == null : y != null && compareValues(x, y) === 0)) === i);
arrayFn('ARRAY_DISTINCT', 1, (t) => t, (a) => distinctValues(a));
arrayFn('ARRAY_SORT', 1, (t) => t, (a) => [...a].sort((x, y) => (x == null ? 1 : y == null ? -1 : compareValues(x, y))));
arrayFn('ARRAY_SORT', 2, (t) => t, (a, dir) => { const asc = String(dir ?? 'ASC').toUpperCase() !== 'DESC'; return [...a].sort((x, y) => (x == null ? 1 : y == null ? -1 : compareValues(x, y) * (asc ? 1 : -1))); });
arrayFn('ARRAY_REMOVE', 2, (t) => t, (a, v) => a.filter((x) => !(x == null ? v == null : v != null && compareValues(x, v) === 0)));
arrayFn('ARRAY_JOIN', 1, () => T.STRING, (a) => a.map((x) => (x == null ? 'null' : String(x instanceof Decimal ? x.toString() : x))).join(','));
arrayFn('ARRAY_JOIN', 2, () => T.STRING, (a, d) => a.map((x) => (x == null ? 'null' : String(x instanceof Decimal ? x.toString() : x))).join(String(d ?? '')));
for (const [name, op] of [['ARRAY_CONCAT', 'concat'], ['ARRAY_UNION', 'union'], ['ARRAY_INTERSECT', 'intersect'], ['ARRAY_EXCEPT', 'except']] as const) {
  define(name, 'ARRAY', `${name}(array, array)`, (args) => {
    if (args.length !== 2) return undefined;
    const t = args.find((a) => a.kind === 'ARRAY');
    if (!t || args.some((a) => a.kind !== 'ARRAY' && a.kind !== 'NULL')) return undefined;
    return { returnType: t, argTypes: [t, t], fn: ([a, b]) => {
      if (op === 'concat') return a == null && b == null ? null : [...((a ?? []) as unknown[]), ...((b ?? []) as unknown[])];
      if (a == null || b == null) return null;
      const x = a as unknown[], y = b as unknown[];
      const inY = (v: unknown) => y.some((w) => (v == null ? w == null : w != null && compareValues(v, w) === 0));
      if (op === 'union') return distinctValues([...x, ...y]);
      if (op === 'intersect') return distinctValues(x.filter(inY));
      return distinctValues(x.filter((v) => !inY(v)));
    } };
  });
}
define('TO_JSON_STRING', 'JSON', 'TO_JSON_STRING(any)', (args) => (args.length === 1 ? {
  returnType: T.STRING, argTypes: args,
  fn: ([v]) => (v === undefined ? null : toJsonString(v, args[0]!)),
} : undefined));
fixed('TO_BYTES', 'BYTES', [S, S], T.BYTES, (s: string, enc: string) => encodeBytes(s, enc));
fixed('FROM_BYTES', 'BYTES', [T.BYTES, S], S, (b: Buffer, enc: string) => decodeBytes(b, enc));
fixed('ENCODE', 'STRING', [S, S, S], S, (s: string, from: string, to: string) => decodeBytes(encodeBytes(s, from), to));

function encodeBytes(s: string, enc: string): Buffer {
  switch (enc.toLowerCase()) {
    case 'hex': if (!/^([0-9a-fA-F]{2})*$/.test(s)) throw new EvalError(`invalid hex: ${s}`); return Buffer.from(s, 'hex');
    case 'utf8': return Buffer.from(s, 'utf8');
    case 'ascii': return Buffer.from(s, 'latin1');
    case 'base64': return Buffer.from(s, 'base64');
    default: throw new EvalError(`Supported input and output encodings are: hex, utf8, ascii and base64`);
  }
}
function decodeBytes(b: Buffer, enc: string): string {
  switch (enc.toLowerCase()) {
    case 'hex': return b.toString('hex');
    case 'utf8': return b.toString('utf8');
    case 'ascii': return b.toString('latin1');
    case 'base64': return b.toString('base64');
    default: throw new EvalError(`Supported input and output encodings are: hex, utf8, ascii and base64`);
  }
}
function toJsonString(v: unknown, t: SqlType): string {
  if (v === null) return 'null';
  switch (t.kind) {
    case 'DOUBLE': return JSON.stringify(v);
    case 'DECIMAL': return (v as Decimal).toString();
    case 'BYTES': return JSON.stringify(Buffer.from(v as Uint8Array).toString('base64'));
    case 'ARRAY': return `[${(v as unknown[]).map((x) => toJsonString(x, t.item)).join(',')}]`;
    case 'MAP': return `{${[...(v as Map<unknown, unknown>)].map(([k, x]) => `${JSON.stringify(String(k))}:${toJsonString(x, t.value)}`).join(',')}}`;
    case 'STRUCT': return `{${t.fields.map((f) => `${JSON.stringify(f.name)}:${toJsonString((v as Record<string, unknown>)[f.name] ?? null, f.type)}`).join(',')}}`;
    default: return JSON.stringify(v);
  }
}

// ---- date arithmetic: TIMESTAMPADD(unit, n, ts) and friends; units arrive as their names
const UNIT_MS: Record<string, number> = { MILLISECONDS: 1, SECONDS: 1000, MINUTES: 60_000, HOURS: 3_600_000, DAYS: 86_400_000 };
for (const [name, sign, kind] of [['TIMESTAMPADD', 1, 'TIMESTAMP'], ['TIMESTAMPSUB', -1, 'TIMESTAMP'], ['DATEADD', 1, 'DATE'], ['DATESUB', -1, 'DATE'], ['TIMEADD', 1, 'TIME'], ['TIMESUB', -1, 'TIME']] as const) {
  define(name, 'DATE / TIME', `${name}(unit, interval, value)`, (args) => {
    if (args.length !== 3 || args[0]!.kind !== 'STRING' || !canImplicitlyCast(args[1]!, I) || (args[2]!.kind !== kind && args[2]!.kind !== 'NULL')) return undefined;
    const t = { kind } as SqlType;
    return {
      returnType: t, argTypes: [S, I, t],
      fn: ([unit, n, v]) => {
        if (unit == null || n == null || v == null) return null;
        const ms = UNIT_MS[String(unit).toUpperCase()];
        if (ms === undefined) throw new EvalError(`unsupported time unit ${String(unit)}`);
        if (kind === 'DATE') { if (ms < 86_400_000) throw new EvalError('DATEADD supports DAYS only'); return (v as number) + sign * (n as number) * (ms / 86_400_000); }
        const r = (v as number) + sign * (n as number) * ms;
        return kind === 'TIME' ? ((r % 86_400_000) + 86_400_000) % 86_400_000 : r;
      },
    };
  });
}
