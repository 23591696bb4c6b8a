import { isLosslessNumber, type LosslessNumber } from 'lossless-json';
import { Decimal, javaDoubleString } from '../util/decimal.js';

/** The actual side of a comparison: JSON values (numbers kept as text) or typed engine values. */
export type Actual = unknown;

function decimalOf(text: string): Decimal | undefined {
  try { return Decimal.parse(text); } catch { return undefined; }
}

function sameDecimal(expectedText: string, actualText: string): boolean {
  const a = decimalOf(expectedText), b = decimalOf(actualText);
  if (!a || !b) return expectedText === actualText;
  return a.equals(b);
}

/**
 * ksqlDB's test comparator (functional-tests README rules): objects need the same field count,
 * fields match by exact then upper-cased name, numbers compare by the actual's type, strings may
 * match decimals and base64 bytes.
 */
export function matches(expected: unknown, actual: Actual, exactNumeric = true): boolean {
  if (expected === null || expected === undefined) return actual === null || actual === undefined;
  if (actual === null || actual === undefined) return false;
  if (isLosslessNumber(expected)) {
    const text = (expected as LosslessNumber).value;
    if (isLosslessNumber(actual)) {
      const at = (actual as LosslessNumber).value;
      // an integer in JSON text reads as Jackson's IntNode or LongNode: the integer rules apply
      if (/^-?\d+$/.test(at)) { const e = decimalOf(text); return e !== undefined && e.setScale(0, 'DOWN').unscaled === BigInt(at); }
      if (!exactNumeric) return Math.abs(Number(text) - Number(at)) < 1e-6;
      return sameDecimal(text, at);
    }
    if (actual instanceof Decimal) return sameDecimal(text, actual.toString());
    // a BIGINT beyond 2^53, exact
    if (typeof actual === 'bigint') { const e = decimalOf(text); return e !== undefined && e.setScale(0, 'DOWN').unscaled === actual; }
    if (typeof actual === 'number') {
      if (Number.isInteger(actual) && !Object.is(actual, -0) && (actual as unknown as { __double?: boolean }).__double !== true) {
        return Math.trunc(Number(text)) === actual || BigInt(Math.trunc(Number(text))) === BigInt(actual);
      }
      return sameDecimal(text, javaDoubleString(actual));
    }
    if (actual instanceof ApproxDouble) return Math.abs(Number(text) - actual.v) < 1e-6;
    if (actual instanceof TypedDouble) return exactNumeric ? sameDecimal(text, javaDoubleString(actual.v)) : Math.abs(Number(text) - actual.v) < 1e-6;
    return false;
  }
  if (typeof expected === 'string') {
    if (typeof actual === 'string') return actual === expected;
    if (isLosslessNumber(actual)) return sameDecimal(expected, (actual as LosslessNumber).value) && /^-?[\d.]+$/.test(expected);
    if (actual instanceof Decimal) { const d = decimalOf(expected); return d !== undefined && d.equals(actual); }
    if (Buffer.isBuffer(actual)) return actual.toString('base64') === expected;
    return false;
  }
  if (typeof expected === 'boolean') return actual === expected;
  if (Array.isArray(expected)) {
    return Array.isArray(actual) && actual.length === expected.length && expected.every((x, i) => matches(x, actual[i], exactNumeric));
  }
  if (typeof expected === 'object') {
    let entries: [string, unknown][];
    if (actual instanceof Map) entries = [...actual].map(([k, v]) => [String(k), v]);
    else if (typeof actual === 'object' && !Array.isArray(actual) && !Buffer.isBuffer(actual) && !(actual instanceof Decimal) && !isLosslessNumber(actual)) entries = Object.entries(actual as object);
    else return false;
    const exp = Object.entries(expected as object);
    if (exp.length !== entries.length) return false;
    const actualMap = new Map(entries);
    // a field the actual lacks reads as null, as a Java map's get does: only an expected null matches it
    return exp.every(([k, v]) => matches(v, actualMap.has(k) ? actualMap.get(k) : actualMap.get(k.toUpperCase()), exactNumeric));
  }
  return false;
}

/** A DOUBLE read from a typed format (KAFKA), compared through Java's Double.toString. */
export class TypedDouble { constructor(readonly v: number) {} }

/** A DOUBLE read from AVRO, PROTOBUF or JSON_SR: ksqlDB's harness compares these within 1e-6. */
export class ApproxDouble { constructor(readonly v: number) {} }

export function show(v: unknown): string {
  if (v === undefined) return 'undefined';
  return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? Number(x) : isLosslessNumber(x) ? Number((x as LosslessNumber).value) : x instanceof Decimal ? x.toString() : x instanceof TypedDouble || x instanceof ApproxDouble ? x.v : x instanceof Map ? Object.fromEntries(x) : Buffer.isBuffer(x) ? x.toString('base64') : (x && typeof x === 'object' && x.type === 'Buffer' && Array.isArray(x.data)) ? Buffer.from(x.data).toString('base64') : x));
}
