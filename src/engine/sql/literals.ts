import { toLong } from '../util/long.js';
import { Decimal } from '../util/decimal.js';
import { SqlSyntaxError } from './lexer.js';
import { T, type SqlType } from './types.js';

const INT_MAX = 2147483647, INT_MIN = -2147483648;

/**
 * Types a numeric literal as ksqlDB does: integers are INT when they fit, else BIGINT;
 * digits with a point and no exponent are DECIMAL sized to the value; an exponent makes DOUBLE.
 */
export function parseNumericLiteral(text: string, forceDecimal = false): { type: SqlType; value: unknown } {
  if (/[eE]/.test(text) && !forceDecimal) {
    const v = Number(text);
    if (!Number.isFinite(v)) throw new SqlSyntaxError(1, 0, `Number overflows DOUBLE: ${text}`);
    return { type: T.DOUBLE, value: v };
  }
  if (text.includes('.') || forceDecimal) {
    const d = Decimal.parse(text);
    // as ksqlDB's DecimalUtil.fromValue: a value below 1 counts its leading zero (0.5 is DECIMAL(2,1))
    const precision = d.precision <= d.scale ? d.scale + 1 : d.precision;
    return { type: T.decimal(precision, d.scale), value: d };
  }
  const big = BigInt(text);
  if (big >= BigInt(INT_MIN) && big <= BigInt(INT_MAX)) return { type: T.INTEGER, value: Number(big) };
  if (big >= -(2n ** 63n) && big < 2n ** 63n) return { type: T.BIGINT, value: toLong(big) };
  throw new SqlSyntaxError(1, 0, `Invalid numeric literal: ${text}`);
}
