import { longOfDouble, wrapLong } from '../util/long.js';
import { Decimal } from '../util/decimal.js';
import { T, canImplicitlyCast, isNumeric, widerNumeric, type SqlType } from '../sql/types.js';
import { EvalError } from '../analysis/errors.js';
import { javaOrderOf } from './values.js';
import { B, D, I, S, ambiguousCall, define, fixed, isNumericOrNull, type ResolvedFunction } from './registry.js';

/** Numeric functions: rounding, powers and logarithms, trigonometry, GREATEST/LEAST, GEO_DISTANCE. */
export function registerMathFunctions(): void {
  // ---- numbers
  // an INTEGER's absolute value stays 32-bit, as Java's Math.abs: ABS(-2147483648) is -2147483648
  // (a BIGINT beyond 2^53 is a bigint: whole already, its absolute value wraps at Long.MIN_VALUE as Java's)
  define('ABS', 'MATHEMATICAL', 'ABS(number)', (args) => numericSame(args, (x) => (x instanceof Decimal ? (x.unscaled < 0n ? x.negate() : x) : typeof x === 'bigint' ? wrapLong(x < 0n ? -x : x) : args[0]!.kind === 'INTEGER' ? Math.abs(x as number) | 0 : Math.abs(x as number))));
  define('CEIL', 'MATHEMATICAL', 'CEIL(number)', (args) => numericSame(args, (x) => (x instanceof Decimal ? ceilDec(x) : typeof x === 'bigint' ? x : Math.ceil(x as number))));
  define('FLOOR', 'MATHEMATICAL', 'FLOOR(number)', (args) => numericSame(args, (x) => (x instanceof Decimal ? ceilDec(x.negate()).negate() : typeof x === 'bigint' ? x : Math.floor(x as number))));
  define('SIGN', 'MATHEMATICAL', 'SIGN(number)', (args) => (args.length === 1 && isNumericOrNull(args[0]!) ? { returnType: I, argTypes: [args[0]!.kind === 'NULL' ? D : args[0]!], fn: ([x]) => (x == null ? null : x instanceof Decimal ? Number(x.unscaled > 0n) - Number(x.unscaled < 0n) : typeof x === 'bigint' ? Number(x > 0n) - Number(x < 0n) : javaSign(x as number)) } : undefined));
  define('ROUND', 'MATHEMATICAL', 'ROUND(number[, places])', (args) => {
    const t = args[0];
    if (!t || !isNumericOrNull(t)) return undefined;
    if (args.length === 1) {
      if (t.kind === 'DECIMAL') return { returnType: T.decimal(Math.max(1, t.precision - t.scale), 0), argTypes: [t], fn: ([x]) => (x == null ? null : (x as Decimal).setScale(0, 'HALF_CEILING')) };
      const ret = t.kind === 'INTEGER' ? I : B;
      // a double's ROUND is Java's Math.round: a long, saturating beyond its range (NaN is 0); doubles from 2^53 on are whole
      return { returnType: ret, argTypes: [t.kind === 'NULL' ? D : t], fn: ([x]) => (x == null ? null : typeof x === 'bigint' ? x : t.kind === 'DOUBLE' && !(Math.abs(x as number) < 2 ** 53) ? longOfDouble(x as number) : roundHalfUp(x as number, 0)) };
    }
    if (args.length === 2 && canImplicitlyCast(args[1]!, I)) {
      if (t.kind === 'DECIMAL') return { returnType: t, argTypes: [t, I], fn: ([x, p]) => (x == null || p == null ? null : decimalTo(x as Decimal, p as number, t.scale, 'HALF_CEILING')) };
      return { returnType: t.kind === 'INTEGER' || t.kind === 'BIGINT' ? t : D, argTypes: [t.kind === 'NULL' ? D : t, I], fn: ([x, p]) => (x == null || p == null ? null : typeof x === 'bigint' && (p as number) >= 0 ? x : roundHalfUp(Number(x), p as number)) };
    }
    return undefined;
  });
  define('TRUNC', 'MATHEMATICAL', 'TRUNC(number[, places])', (args) => {
    const t = args[0];
    if (!t || !isNumericOrNull(t)) return undefined;
    if (args.length === 1) {
      if (t.kind === 'DECIMAL') return { returnType: T.decimal(Math.max(1, t.precision - t.scale), 0), argTypes: [t], fn: ([x]) => (x == null ? null : (x as Decimal).setScale(0, 'DOWN')) };
      return { returnType: t.kind === 'INTEGER' ? I : B, argTypes: [t.kind === 'NULL' ? D : t], fn: ([x]) => (x == null ? null : typeof x === 'bigint' ? x : t.kind === 'DOUBLE' ? longOfDouble(x as number) : Math.trunc(x as number)) };
    }
    if (args.length === 2) {
      if (t.kind === 'DECIMAL') return { returnType: t, argTypes: [t, I], fn: ([x, p]) => (x == null || p == null ? null : decimalTo(x as Decimal, p as number, t.scale, 'DOWN')) };
      return { returnType: t.kind === 'INTEGER' || t.kind === 'BIGINT' ? t : D, argTypes: [t.kind === 'NULL' ? D : t, I], fn: ([x, p]) => { if (x == null || p == null) return null; if (typeof x === 'bigint' && (p as number) >= 0) return x; return inDecimal(Number(x), p as number, 'DOWN'); } };
    }
    return undefined;
  });
  for (const [name, f] of [['SQRT', Math.sqrt], ['CBRT', javaCbrt], ['EXP', Math.exp], ['LN', Math.log], ['SIN', Math.sin], ['COS', Math.cos], ['TAN', Math.tan],
    ['ASIN', Math.asin], ['ACOS', Math.acos], ['ATAN', Math.atan], ['SINH', Math.sinh], ['COSH', Math.cosh], ['TANH', Math.tanh],
    // (Math.toDegrees and toRadians: one multiplication by the ratio, as Java 9 and later do it)
    ['DEGREES', (x: number) => x * 57.29577951308232], ['RADIANS', (x: number) => x * 0.017453292519943295], ['COT', (x: number) => 1 / Math.tan(x)]] as const) {
    fixed(name, 'MATHEMATICAL', [D], D, f as (x: number) => number);
  }
  // LOG(x) is the natural logarithm in ksqlDB; a base <= 0 or 1 gives NaN
  fixed('LOG', 'MATHEMATICAL', [D], D, Math.log);
  fixed('LOG', 'MATHEMATICAL', [D, D], D, (b: number, v: number) => (b <= 0 || b === 1 ? NaN : Math.log(v) / Math.log(b)));
  fixed('POWER', 'MATHEMATICAL', [D, D], D, Math.pow);
  fixed('ATAN2', 'MATHEMATICAL', [D, D], D, Math.atan2);
  fixed('RANDOM', 'MATHEMATICAL', [], D, Math.random);
  fixed('PI', 'MATHEMATICAL', [], D, () => Math.PI);
  fixed('GEO_DISTANCE', 'MATHEMATICAL', [D, D, D, D], D, (a: number, b: number, c: number, d: number) => geoDistance(a, b, c, d, 'KM'));
  fixed('GEO_DISTANCE', 'MATHEMATICAL', [D, D, D, D, S], D, (a: number, b: number, c: number, d: number, u: string) => geoDistance(a, b, c, d, u));
  for (const [name, sign] of [['GREATEST', 1], ['LEAST', -1]] as const) {
    define(name, 'MATHEMATICAL', `${name}(value, ...)`, (args) => {
      if (args.length === 0) return undefined;
      const t = extremeArgType(args);
      if (t === 'ambiguous') return ambiguousCall(name, args);
      if (!t) return undefined;
      // (Stream.max/min with compareTo: for DOUBLE, Double's, where -0.0 is below 0.0 and NaN above all)
      const compare = javaOrderOf(t).compare;
      return { returnType: t, argTypes: args.map(() => t), fn: (a) => a.filter((x) => x != null).reduce<unknown>((best, x) => (best == null || compare(x, best) * sign > 0 ? x : best), null) };
    });
  }
}

/**
 * The one overload of GREATEST/LEAST (INT, BIGINT, DOUBLE, DECIMAL, STRING, BYTES, DATE, TIME,
 * TIMESTAMP) the arguments fit: DOUBLE takes any numbers, other numeric mixes fit several
 * overloads; STRING arguments convert to the time type of the others.
 */
function extremeArgType(args: SqlType[]): SqlType | 'ambiguous' | undefined {
  const known = args.filter((a) => a.kind !== 'NULL');
  if (known.length === 0) return 'ambiguous';
  if (known.every(isNumeric)) {
    if (known.some((a) => a.kind === 'DOUBLE')) return D;
    if (new Set(known.map((a) => a.kind)).size > 1) return 'ambiguous';
    return known.reduce<SqlType>((a, b) => widerNumeric(a, b), known[0]!);
  }
  const time = known.find((a) => a.kind === 'DATE' || a.kind === 'TIME' || a.kind === 'TIMESTAMP');
  const t = time ?? known[0]!;
  // no overload takes BOOLEAN, ARRAY, MAP or STRUCT
  if (t.kind !== 'STRING' && t.kind !== 'BYTES' && !time) return undefined;
  return known.every((a) => a.kind === t.kind || (time && a.kind === 'STRING')) ? t : undefined;
}

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
/** ksqlDB rounds half towards positive infinity, doubles and decimals alike: 1.5 -> 2, -1.5 -> -1. */
function roundHalfUp(x: number, places: number): number {
  return inDecimal(x, places, 'HALF_CEILING');
}
/**
 * A double rounded to `places` (below zero: tens, hundreds, ...) as ksqlDB's ROUND and TRUNC do it,
 * through BigDecimal.valueOf: its shortest decimal text, so TRUNC(2292.7, 2) is 2292.7 (a product by
 * 100 in doubles is 229269.99...). Infinities and NaN have no decimal: they fail the call.
 */
function inDecimal(x: number, places: number, mode: 'HALF_CEILING' | 'DOWN'): number {
  if (!Number.isFinite(x)) throw new EvalError(`Character ${Number.isNaN(x) ? 'N' : 'I'} is neither a decimal digit number, decimal point, nor "e" notation exponential mark.`);
  // a double's shortest decimal has no digit beyond the 350th place after the point nor before the
  // 310th before it: places past those change nothing, or leave 0 (computed, they would hold the
  // server for as long as a number of that many digits takes)
  if (places > 350) return x;
  if (places < -350) return 0;
  return Decimal.fromNumber(x).setScale(places, mode).setScale(Math.max(0, places)).toNumber() || 0;
}
/** A DECIMAL rounded or truncated to `places`, then written at its own scale: places beyond its digits change nothing, or leave 0. */
function decimalTo(x: Decimal, places: number, scale: number, mode: 'HALF_CEILING' | 'DOWN'): Decimal {
  if (places >= x.scale) return x.setScale(scale);
  if (places < -(x.precision - x.scale) - 1) return new Decimal(0n, 0).setScale(scale);
  return x.setScale(places, mode).setScale(scale, 'HALF_UP');
}
function geoDistance(lat1: number, lon1: number, lat2: number, lon2: number, unit: string): number {
  // ksqlDB's GeoDistance checks its coordinates: a latitude outside [-90, 90] or a longitude outside [-180, 180] fails the call
  if ([lat1, lat2].some((x) => x < -90 || x > 90)) throw new EvalError('valid latitude values for GeoDistance function are in the range of -90 to 90 decimal degrees');
  if ([lon1, lon2].some((x) => x < -180 || x > 180)) throw new EvalError('valid longitude values for GeoDistance function are in the range of -180 to +180 decimal degrees');
  const u = unit.toUpperCase();
  let r: number;
  if (u === 'KM' || u === 'KILOMETERS' || u === 'KILOMETRES') r = 6371;
  else if (u === 'MI' || u === 'MILES') r = 3959;
  else throw new EvalError(`GeoDistance function: invalid radius unit: ${unit}`);
  // haversine with the operations in ksqlDB's order, so the last digit matches
  const rad = (deg: number) => (deg / 180) * Math.PI;
  const dLat = rad(lat2 - lat1), dLon = rad(lon2 - lon1);
  const a = Math.sin(dLat / 2) ** 2 + Math.sin(dLon / 2) ** 2 * Math.cos(rad(lat1)) * Math.cos(rad(lat2));
  return 2 * r * Math.asin(Math.sqrt(a));
}

/** (int) Math.signum(x): NaN is 0, as is -0.0. */
const javaSign = (x: number): number => (x > 0 ? 1 : x < 0 ? -1 : 0);

/**
 * Java's Math.cbrt (StrictMath's, the fdlibm algorithm): a first guess from the exponent bits, a
 * rational step to about 23 bits, chopped, and one Newton step. It differs from V8's Math.cbrt in
 * the last digit for about one value in twelve.
 */
function javaCbrt(x: number): number {
  const v = CBRT_VIEW;
  v.setFloat64(0, x);
  let hx = v.getInt32(0);
  const sign = hx & 0x80000000;
  hx ^= sign;
  if (hx >= 0x7ff00000) return x + x; // NaN, infinities
  if (x === 0) return x;
  const ax = Math.abs(x);
  let t: number;
  // a rough cube root, to 5 bits, set in the high word of t
  if (hx < 0x00100000) {
    v.setFloat64(0, 0); v.setInt32(0, 0x43500000); t = v.getFloat64(0) * ax;
    v.setFloat64(0, t); v.setInt32(0, ((v.getInt32(0) >>> 0) / 3 | 0) + 696219795); t = v.getFloat64(0);
  } else { v.setFloat64(0, 0); v.setInt32(0, ((hx >>> 0) / 3 | 0) + 715094163); t = v.getFloat64(0); }
  // to 23 bits
  let r = (t * t) / ax;
  let s = 5.42857142857142815906e-01 + r * t;
  t *= 3.57142857142857150787e-01 + 1.60714285714285720630e+00 / (s + 1.41428571428571436819e+00 + -7.05306122448979611050e-01 / s);
  // chopped to 20 bits, and made larger than the cube root
  v.setFloat64(0, t); v.setInt32(4, 0); v.setInt32(0, v.getInt32(0) + 1); t = v.getFloat64(0);
  // one Newton step, to 53 bits
  s = t * t;
  r = ax / s;
  const w = t + t;
  r = (r - t) / (w + r);
  t = t + t * r;
  return sign ? -t : t;
}
const CBRT_VIEW = new DataView(new ArrayBuffer(8));
