// Java's Double.toString as JDKs before 19 write it (FloatingDecimal): not always the shortest
// digits that read back as the double, as JavaScript's String(d) writes, but the digits of its own
// algorithm, described in its comments and reproduced here step for step. ksqlDB's servers run
// such JDKs, so their JSON and CAST(... AS STRING) carry these digits: 1.0E23 is written
// 9.999999999999999E22, 2^62 4.6116860184273879E18.
//
// For a double d = f * 2^e (f of 53 bits), it estimates the decimal exponent k, then takes decimal
// digits of B / S one by one (B / S = d / 10^k), stopping when the remainder is within M (half a
// unit in the last place of d, scaled alike) of either end; the last digit is rounded up when the
// remainder is nearer the next one. Whole numbers below 2^63 take a shorter way: the integer's
// digits, less those its precision makes insignificant.

/** Digits Java drops from a whole number of 2^(54 + p) and above, by p (insignificantDigitsForPow2). */
const INSIGNIFICANT = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6, 6, 7, 7, 7, 8, 8, 8, 9, 9, 9, 9, 10, 10, 10, 11, 11, 11, 12, 12, 12, 12, 13, 13, 13, 14, 14, 14, 15, 15, 15, 15, 16, 16, 16, 17, 17, 17, 18, 18, 18, 19];
/** Bits of 5^i (N_5_BITS): whether B and 10 * S fit in an int or a long. */
const N_5_BITS = [0, 3, 5, 7, 10, 12, 14, 17, 19, 21, 24, 26, 28, 31, 33, 35, 38, 40, 42, 45, 47, 49, 52, 54, 56, 59, 61];
const bits5 = (i: number) => (i < N_5_BITS.length ? N_5_BITS[i]! : i * 3);

const view = new DataView(new ArrayBuffer(8));

/** The digits and decimal exponent of a finite, non-zero |d| (d = 0.digits * 10^decExponent). */
function javaDigits(d: number): { digits: string; decExponent: number } {
  view.setFloat64(0, d);
  const raw = view.getBigUint64(0);
  let fractBits = raw & 0xfffffffffffffn;
  let binExp = Number((raw >> 52n) & 0x7ffn);
  let nSignificantBits: number;
  if (binExp === 0) {
    // a subnormal: normalized, its exponent lowered by the shift
    const leadingZeros = 64 - fractBits.toString(2).length;
    const shift = leadingZeros - 11;
    fractBits <<= BigInt(shift);
    binExp = 1 - shift;
    nSignificantBits = 64 - leadingZeros;
  } else {
    fractBits |= 1n << 52n;
    nSignificantBits = 53;
  }
  binExp -= 1023;
  const tailZeros = trailingZeros(fractBits);
  const nFractBits = 53 - tailZeros;
  const nTinyBits = Math.max(0, nFractBits - binExp - 1);
  if (binExp <= 62 && binExp >= -21 && nTinyBits === 0) {
    // a whole number below 2^63: its digits, rounded half up at the insignificant ones
    const insignificant = binExp > nSignificantBits ? (binExp - nSignificantBits - 1 > 1 ? INSIGNIFICANT[binExp - nSignificantBits - 1] ?? 0 : 0) : 0;
    let value = binExp >= 52 ? fractBits << BigInt(binExp - 52) : fractBits >> BigInt(52 - binExp);
    let decExponent = 0;
    if (insignificant) {
      const pow = 10n ** BigInt(insignificant);
      const residue = value % pow;
      value /= pow;
      decExponent += insignificant;
      if (residue >= pow >> 1n) value++;
    }
    const text = value.toString();
    const significant = text.replace(/0+$/, '');
    return { digits: significant, decExponent: decExponent + text.length };
  }
  let decExp = estimateDecExp(fractBits, binExp);
  const B5 = Math.max(0, -decExp);
  let B2 = B5 + nTinyBits + binExp;
  const S5 = Math.max(0, decExp);
  let S2 = S5 + nTinyBits;
  const M5 = B5;
  let M2 = B2 - nSignificantBits;
  const f = fractBits >> BigInt(tailZeros);
  B2 -= nFractBits - 1;
  const common2 = Math.min(B2, S2);
  B2 -= common2; S2 -= common2; M2 -= common2;
  // (the next smaller double of a power of two is half as far: Java halves M, on both sides)
  if (nFractBits === 1) M2 -= 1;
  if (M2 < 0) { B2 -= M2; S2 -= M2; M2 = 0; }
  const Bbits = nFractBits + B2 + bits5(B5);
  const tenSbits = S2 + 1 + bits5(S5 + 1);
  let digits = '';
  let low: boolean, high: boolean, lowDigitDifference: number;
  if (Bbits < 64 && tenSbits < 64) {
    // in ints, or longs: their arithmetic wraps, and a test of M that overflowed is both low and high
    const width = Bbits < 32 && tenSbits < 32 ? 32 : 64;
    const wrap = (v: bigint) => BigInt.asIntN(width, v);
    let b = wrap(f * 5n ** BigInt(B5) << BigInt(B2));
    const s = wrap(5n ** BigInt(S5) << BigInt(S2));
    let m = wrap(5n ** BigInt(M5) << BigInt(M2));
    const tens = wrap(s * 10n);
    let q = b / s;
    b = wrap(10n * (b % s));
    m = wrap(m * 10n);
    low = b < m;
    high = wrap(b + m) > tens;
    if (q === 0n && !high) decExp--;
    else digits += q.toString();
    // (an E-form number shows two digits at least)
    if (decExp < -3 || decExp >= 8) high = low = false;
    while (!low && !high) {
      q = b / s;
      b = wrap(10n * (b % s));
      m = wrap(m * 10n);
      if (m > 0n) { low = b < m; high = wrap(b + m) > tens; } else { low = true; high = true; }
      digits += q.toString();
    }
    const diff = wrap((b << 1n) - tens);
    lowDigitDifference = diff === 0n ? 0 : diff > 0n ? 1 : -1;
  } else {
    // big integers: the remainder and M kept ten times over, and high taken where B + M reaches 10 * S
    const s = 5n ** BigInt(S5) << BigInt(S2);
    let b = f * 5n ** BigInt(B5) << BigInt(B2);
    let m = 5n ** BigInt(M5 + 1) << BigInt(M2 + 1);
    const tens = 5n ** BigInt(S5 + 1) << BigInt(S2 + 1);
    let q = b / s;
    b = (b % s) * 10n;
    low = b < m;
    high = b + m >= tens;
    if (q === 0n && !high) decExp--;
    else digits += q.toString();
    if (decExp < -3 || decExp >= 8) high = low = false;
    while (!low && !high) {
      q = b / s;
      b = (b % s) * 10n;
      m *= 10n;
      low = b < m;
      high = b + m >= tens;
      digits += q.toString();
    }
    lowDigitDifference = high && low ? (b << 1n === tens ? 0 : (b << 1n) > tens ? 1 : -1) : 0;
  }
  let decExponent = decExp + 1;
  // the last digit, rounded as the remainder says (a tie to an even digit)
  const roundUp = high && (!low || lowDigitDifference > 0 || (lowDigitDifference === 0 && (digits.charCodeAt(digits.length - 1) & 1) !== 0));
  if (roundUp) {
    let i = digits.length - 1;
    while (i > 0 && digits[i] === '9') i--;
    if (i === 0 && digits[0] === '9') { digits = '1' + '0'.repeat(digits.length - 1); decExponent++; }
    else digits = digits.slice(0, i) + String.fromCharCode(digits.charCodeAt(i) + 1) + '0'.repeat(digits.length - 1 - i);
  }
  return { digits, decExponent };
}

/** FloatingDecimal.estimateDecExp: floor of an estimate of log10(d) from its bits, never above it. */
function estimateDecExp(fractBits: bigint, binExp: number): number {
  // (the fraction of the normalized significand: a subnormal's, shifted up)
  view.setBigUint64(0, (1023n << 52n) | (fractBits & 0xfffffffffffffn));
  const d2 = view.getFloat64(0);
  const d = (d2 - 1.5) * 0.289529654 + 0.176091259 + binExp * 0.301029995663981;
  return Math.floor(d);
}

function trailingZeros(v: bigint): number {
  let n = 0;
  while ((v & 1n) === 0n && n < 64) { v >>= 1n; n++; }
  return n;
}

/** A double as Java's Double.toString writes it (JDK 8 to 18). */
export function javaDoubleText(d: number): string {
  if (Number.isNaN(d)) return 'NaN';
  if (d === Infinity) return 'Infinity';
  if (d === -Infinity) return '-Infinity';
  if (d === 0) return Object.is(d, -0) ? '-0.0' : '0.0';
  const sign = d < 0 ? '-' : '';
  const { digits, decExponent: e } = javaDigits(Math.abs(d));
  if (e > 0 && e < 8) {
    const whole = digits.slice(0, e).padEnd(e, '0');
    const frac = digits.length > e ? digits.slice(e) : '0';
    return `${sign}${whole}.${frac}`;
  }
  if (e <= 0 && e > -3) return `${sign}0.${'0'.repeat(-e)}${digits}`;
  return `${sign}${digits[0]}.${digits.length > 1 ? digits.slice(1) : '0'}E${e - 1}`;
}
