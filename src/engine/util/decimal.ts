import { javaTrim } from './java-trim.js';
import { javaDoubleText } from './java-double.js';
/** Exact decimals for ksqlDB's DECIMAL(p, s): an unscaled bigint and a scale, like Java's BigDecimal. */
export class Decimal {
  constructor(readonly unscaled: bigint, readonly scale: number) {}

  static parse(text: string): Decimal {
    // (trimmed as Java's String.trim trims: the characters up to U+0020, not a no-break space)
    const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(javaTrim(text));
    if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new Error(`invalid decimal: ${text}`);
    const frac = m[3] ?? '';
    let scale = frac.length - Number(m[4] ?? 0);
    let unscaled = BigInt((m[2] || '0') + frac);
    if (scale < 0) { unscaled *= 10n ** BigInt(-scale); scale = 0; }
    return new Decimal(m[1] === '-' ? -unscaled : unscaled, scale);
  }

  static fromNumber(n: number): Decimal { return Decimal.parse(javaDoubleString(n)); }

  /** Digits in the unscaled value (precision as BigDecimal counts it). */
  get precision(): number { const s = (this.unscaled < 0n ? -this.unscaled : this.unscaled).toString(); return s.length; }

  /** HALF_CEILING: a tie goes toward positive infinity (-2.5 -> -2), as Math.round and ksqlDB's ROUND. */
  setScale(scale: number, round: 'HALF_UP' | 'HALF_CEILING' | 'DOWN' | 'EXACT' = 'HALF_UP'): Decimal {
    if (scale === this.scale) return this;
    if (scale > this.scale) return new Decimal(this.unscaled * 10n ** BigInt(scale - this.scale), scale);
    const div = 10n ** BigInt(this.scale - scale);
    let q = this.unscaled / div;
    const r = this.unscaled % div;
    if (round === 'EXACT' && r !== 0n) throw new Error('Rounding necessary');
    if (round === 'HALF_UP' || round === 'HALF_CEILING') {
      const twice = (r < 0n ? -r : r) * 2n;
      if (twice > div || (twice === div && (round === 'HALF_UP' || this.unscaled > 0n))) q += this.unscaled < 0n ? -1n : 1n;
    }
    return new Decimal(q, scale);
  }

  add(o: Decimal): Decimal { const s = Math.max(this.scale, o.scale); return new Decimal(this.setScale(s).unscaled + o.setScale(s).unscaled, s); }
  sub(o: Decimal): Decimal { return this.add(o.negate()); }
  mul(o: Decimal): Decimal { return new Decimal(this.unscaled * o.unscaled, this.scale + o.scale); }
  negate(): Decimal { return new Decimal(-this.unscaled, this.scale); }
  /** Division to a given scale, rounding half up. */
  /**
   * this / o at `scale`, exactly: a quotient with more digits than that is an error (as ksqlDB's
   * division with RoundingMode.UNNECESSARY), which makes the expression NULL.
   */
  div(o: Decimal, scale: number): Decimal {
    if (o.unscaled === 0n) throw new Error('Division by zero');
    // this / o = (u1 / 10^s1) / (u2 / 10^s2), scaled so the quotient has `scale` digits
    const shift = scale + o.scale - this.scale;
    let num = this.unscaled, den = o.unscaled;
    if (shift >= 0) num *= 10n ** BigInt(shift); else den *= 10n ** BigInt(-shift);
    if (num % den !== 0n) throw new Error('Rounding necessary');
    return new Decimal(num / den, scale);
  }
  /**
   * The remainder of this / o (the sign of this), as BigDecimal.remainder with a MathContext of
   * `precision` digits: where the whole quotient has more significant digits than that (trailing
   * zeros aside), Java's divideToIntegralValue gives up ("Division impossible"), which makes
   * ksqlDB's DECIMAL % NULL.
   */
  mod(o: Decimal, precision?: number): Decimal {
    const s = Math.max(this.scale, o.scale);
    const a = this.setScale(s).unscaled, b = o.setScale(s).unscaled;
    if (precision !== undefined) {
      const q = (a / b < 0n ? -(a / b) : a / b).toString().replace(/0+$/, '');
      if (q.length > precision) throw new Error('Division impossible');
    }
    return new Decimal(a % b, s);
  }
  compare(o: Decimal): number {
    const s = Math.max(this.scale, o.scale);
    const a = this.setScale(s).unscaled, b = o.setScale(s).unscaled;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  /** Value and scale equal, like BigDecimal.equals. */
  equals(o: Decimal): boolean { return this.unscaled === o.unscaled && this.scale === o.scale; }
  toNumber(): number { return Number(this.toString()); }

  /** Plain notation, never exponent form (BigDecimal.toPlainString). */
  toString(): string {
    const neg = this.unscaled < 0n;
    let digits = (neg ? -this.unscaled : this.unscaled).toString();
    if (this.scale > 0) {
      digits = digits.padStart(this.scale + 1, '0');
      digits = `${digits.slice(0, digits.length - this.scale)}.${digits.slice(digits.length - this.scale)}`;
    }
    return (neg ? '-' : '') + digits;
  }
}

/**
 * A JSON number's text as ksqlDB's JSON deserializer gives it to a STRING column (Jackson's
 * JsonNode.asText(), numbers with a fraction or exponent read as BigDecimal): integers as their
 * digits; others as BigDecimal.toString writes them, scale kept (1.0, 1.50), exponent form when the
 * exponent is positive or the number small (1E+2, 1E-7).
 */
export function javaJsonNumberText(token: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(token);
  if (!m) return token;
  if (m[3] === undefined && m[4] === undefined) return BigInt(token).toString();
  const frac = m[3] ?? '';
  const scale = frac.length - Number(m[4] ?? 0);
  const coeff = BigInt(m[2]! + frac).toString();
  const sign = m[1] === '-' && coeff !== '0' ? '-' : '';
  const adjusted = -scale + (coeff.length - 1);
  if (scale >= 0 && adjusted >= -6) {
    if (scale === 0) return sign + coeff;
    const padded = coeff.padStart(scale + 1, '0');
    return `${sign}${padded.slice(0, padded.length - scale)}.${padded.slice(padded.length - scale)}`;
  }
  return `${sign}${coeff[0]}${coeff.length > 1 ? `.${coeff.slice(1)}` : ''}E${adjusted >= 0 ? '+' : ''}${adjusted}`;
}

/** Java's Double.toString: `43.0`, `1.0E7`, `1.0E-4`, `NaN`, `Infinity`. */
export function javaDoubleString(d: number): string {
  if (Number.isNaN(d)) return 'NaN';
  if (d === Infinity) return 'Infinity';
  if (d === -Infinity) return '-Infinity';
  if (d === 0) return Object.is(d, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(d);
  if (abs >= 1e-3 && abs < 1e7) {
    const s = String(d);
    return s.includes('.') ? s : `${s}.0`;
  }
  // Java's digits are the shortest (JavaScript's) but for whole numbers from 2^54, subnormals, powers
  // of two (whose lower neighbour is nearer), and numbers whose shortest form is one digit (Java
  // writes two at least, and goes on from the first: 1.0E23 is 9.999999999999999E22): those take
  // Java's own algorithm
  if (abs >= 2 ** 54 || abs < 2.2250738585072014e-308 || 2 ** Math.round(Math.log2(abs)) === abs) return javaDoubleText(d);
  const shortest = d.toExponential();
  const [mant, exp] = shortest.split('e') as [string, string];
  if (!mant.includes('.')) return javaDoubleText(d);
  return `${mant}E${Number(exp)}`;
}
