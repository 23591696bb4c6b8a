import { parse as parseLossless } from 'lossless-json';

// JSON with integers beyond 2^53 kept exact (as bigints), for BIGINT columns: Java's Jackson reads
// and writes longs exactly, where JSON.parse and JSON.stringify round them or refuse them.

const LONG_DIGITS = /\d{16}/;

/** Parses JSON; integers beyond 2^53 are bigints (only texts with a run of 16 digits take the slow path). */
export function parseJsonExact(text: string): unknown {
  if (!LONG_DIGITS.test(text)) return JSON.parse(text);
  return parseLossless(text, null, (n: string) => {
    if (/^-?\d+$/.test(n)) { const v = Number(n); return Number.isSafeInteger(v) ? v : BigInt(n); }
    return Number(n);
  });
}

/** JSON.stringify that writes bigints as plain integers. */
export function stringifyJsonExact(value: unknown): string {
  try { return JSON.stringify(value); } catch (e) {
    if (!(e instanceof TypeError)) throw e;
  }
  // a bigint in the value: written through a marker string, then unquoted
  return JSON.stringify(value, (_k, x) => (typeof x === 'bigint' ? `\u0000long:${x}\u0000` : x)).replace(/"\\u0000long:(-?\d+)\\u0000"/g, '$1');
}
