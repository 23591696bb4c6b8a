import { convert } from '../functions/values.js';
import { parseJavaDate } from '../functions/java-time.js';
import { T, type SqlType } from '../sql/types.js';
import { EvalError } from './errors.js';

/** A record whose TIMESTAMP column gives no time: skipped, or, with ksql.timestamp.throw.on.invalid, the query's end. */
export class InvalidTimestamp extends EvalError {}

/**
 * A record's time from its TIMESTAMP column (WITH (TIMESTAMP=..., TIMESTAMP_FORMAT=...)): BIGINT
 * and TIMESTAMP values as they are, STRING parsed with the format (ISO-8601 without one). A null,
 * a negative time or text that does not parse is an invalid timestamp: the record is skipped, as
 * ksqlDB skips it, with an error for the processing log (or the query stops, where
 * ksql.timestamp.throw.on.invalid is true).
 */
export function timestampFromColumn(v: unknown, column: { name: string; type: SqlType }, format: string | undefined): number {
  let ts: number | undefined;
  if (typeof v === 'number') ts = v;
  else if (typeof v === 'string') {
    try { ts = format !== undefined ? parseJavaDate(v, format, 'UTC') : convert(v, T.STRING, T.TIMESTAMP) as number; } catch { ts = undefined; }
  }
  if (ts === undefined || !Number.isFinite(ts) || ts < 0) {
    throw new InvalidTimestamp(`Invalid timestamp in column ${column.name}: ${v === null || v === undefined ? 'null' : typeof v === 'bigint' ? String(v) : JSON.stringify(v)}`);
  }
  return ts;
}
