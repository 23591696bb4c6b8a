// BIGINT values as Java's long holds them: exact 64-bit integers. A value is a JavaScript number
// while it is a safe integer (nearly always, and fast), and a bigint beyond ±2^53, so every value
// has one representation and every path that meets only numbers stays as it was.

/** A BIGINT value. */
export type Long = number | bigint;

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER), MIN_SAFE = -MAX_SAFE;
export const LONG_MIN = -(2n ** 63n), LONG_MAX = 2n ** 63n - 1n;

/** The one representation of an exact integer: a number when safe, else the bigint. */
export const toLong = (b: bigint): Long => (b >= MIN_SAFE && b <= MAX_SAFE ? Number(b) : b);

/** An integer wrapped to 64 bits, as Java's long arithmetic overflows. */
export const wrapLong = (b: bigint): Long => toLong(BigInt.asIntN(64, b));

/** Java's (long) of a double: truncated, NaN is 0, and values beyond the range saturate. */
export function longOfDouble(d: number): Long {
  if (Number.isNaN(d)) return 0;
  if (d <= -(2 ** 63)) return toLong(LONG_MIN);
  if (d >= 2 ** 63) return toLong(LONG_MAX);
  const t = Math.trunc(d);
  return Number.isSafeInteger(t) ? t : toLong(BigInt(t));
}

/** Whether a bigint fits a long (else it is out of BIGINT's range). */
export const fitsLong = (b: bigint): boolean => b >= LONG_MIN && b <= LONG_MAX;

/** Java's long arithmetic (+ - * / %), exact and wrapping; division truncates; a zero divisor throws `zero`. */
export function longArith(op: '+' | '-' | '*' | '/' | '%', a: Long, b: Long, zero: () => never): Long {
  if (typeof a === 'number' && typeof b === 'number') {
    let r: number;
    switch (op) {
      case '+': r = a + b; break;
      case '-': r = a - b; break;
      case '*': r = a * b; break;
      case '/': if (b === 0) zero(); r = Math.trunc(a / b); break;
      case '%': if (b === 0) zero(); r = a % b; break;
    }
    // a result beyond 2^53 may have lost digits: it is computed again exactly
    if (Number.isSafeInteger(r)) return r;
  }
  const x = BigInt(a), y = BigInt(b);
  switch (op) {
    case '+': return wrapLong(x + y);
    case '-': return wrapLong(x - y);
    case '*': return wrapLong(x * y);
    case '/': if (y === 0n) zero(); return wrapLong(x / y);
    case '%': if (y === 0n) zero(); return wrapLong(x % y);
  }
}

/** Reads an integer text as a long, or undefined when it is beyond BIGINT's range. */
export function parseLong(text: string): Long | undefined {
  const b = BigInt(text.trim());
  return fitsLong(b) ? toLong(b) : undefined;
}
