import { decodeBase64 } from '../serde/base64.js';
import type { Expr, Statement } from '../sql/ast.js';
import type { Engine, ExecContext } from '../engine.js';
import { KsqlRequestError } from '../analysis/errors.js';
import { compileExpr, coerceTo, Scope } from '../analysis/compile.js';
import { serdesOf, type DataSource } from '../catalog/metastore.js';
import { keyColumns, valueColumns } from '../catalog/schema.js';
import { convert, valueToString } from '../functions/values.js';
import { canImplicitlyCast, typeToString, T, type SqlType } from '../sql/types.js';
import { formatExpr } from '../analysis/format.js';
import type { Decimal } from '../util/decimal.js';

/** INSERT INTO x [(cols)] VALUES (...): one record appended to the source's topic. */
export function executeInsertValues(engine: Engine, stmt: Extract<Statement, { kind: 'insertValues' }>, ctx: ExecContext): void {
  void ctx;
  const ds = engine.metastore.get(stmt.target);
  if (!ds) throw new KsqlRequestError(`Cannot insert values into an unknown stream/table: \`${stmt.target}\`${engine.metastore.hint(stmt.target)}`);
  const kind = ds.type.toLowerCase();
  if (ds.isSource) throw new KsqlRequestError(`Cannot insert values into read-only ${kind}: ${ds.name}`);
  if (ds.windowInfo) throw new KsqlRequestError('Cannot insert values into windowed stream/table!');
  const fail = (msg: string) => new KsqlRequestError(`Failed to insert values into '${ds.name}'. ${msg}`);
  const keys = keyColumns(ds.columns), values = valueColumns(ds.columns);
  const { row, rowtime } = valuesRow(ds, stmt.columns, stmt.values, fail);
  if (ds.type === 'TABLE') {
    const missing = keys.filter((k) => row.get(k.name) === undefined || row.get(k.name) === null).map((k) => k.name);
    if (missing.length) throw fail(`Value for primary key column(s) ${missing.join(', ')} is required for tables`);
  }
  if (engine.sandbox) return;
  const { key: ks, value: vs } = serdesOf(ds);
  let keyBytes: Buffer | null, valueBytes: Buffer | null;
  try {
    // (the key as its format writes it: one column that is NULL is no key, several NULL columns are a key of NULLs)
    keyBytes = keys.length ? ks.serialize(keys.map((k) => row.get(k.name) ?? null)) : null;
    valueBytes = vs.serialize(values.map((c) => row.get(c.name) ?? null));
  } catch (err) { throw fail((err as Error).message); }
  // the record's time is ROWTIME as given, else now, as ksqlDB's record factory takes it: a TIMESTAMP
  // column is what queries read the time from, not the record's own (as /inserts-stream writes it)
  engine.topics.append(ds.topic, { key: keyBytes, value: valueBytes, timestamp: rowtime ?? Date.now() });
}

/**
 * The row INSERT VALUES would write into `ds`: each named column (all key then value columns when
 * none are named) set from its expression, coerced to the column's type; ROWTIME apart.
 */
export function valuesRow(ds: DataSource, columns: string[] | undefined, exprs: Expr[], fail: (msg: string) => Error): { row: Map<string, unknown>; rowtime?: number } {
  const keys = keyColumns(ds.columns), values = valueColumns(ds.columns);
  const names = columns ?? [...keys, ...values].map((c) => c.name);
  if (names.length !== exprs.length) {
    throw fail(`Expected a value for each column. Expected Columns: [${names.join(', ')}]. Got [${exprs.map(formatExpr).join(', ')}]`);
  }
  const row = new Map<string, unknown>();
  let rowtime: number | undefined;
  const scope = new Scope([]);
  names.forEach((name, i) => {
    const e = exprs[i]!;
    if (name === 'ROWPARTITION' || name === 'ROWOFFSET') throw fail(`Inserting into column \`${name}\` is not allowed.`);
    const isRowtime = name === 'ROWTIME';
    const col = ds.columns.find((c) => c.name === name);
    if (!col && !isRowtime) throw fail(`Column name \`${name}\` does not exist.`);
    if (col?.ns === 'HEADER') throw fail(`Cannot insert into HEADER columns: ${name}`);
    const type = isRowtime ? T.BIGINT : col!.type;
    let c;
    try { c = compileExpr(e, { scope, clause: 'VALUES' }); } catch (err) { throw fail((err as Error).message); }
    let v: unknown;
    try { v = c.fn({}); } catch (err) { throw fail((err as Error).message); }
    if (v !== null && c.type.kind !== 'NULL') {
      if (c.type.kind === 'STRING' && type.kind !== 'STRING') {
        const got = () => fail(`Expected type ${typeToString(type)} for field \`${name}\` but got ${c.type.kind}(${String(v)})`);
        try { v = stringValue(v as string, type); } catch { throw got(); }
      } else if (type.kind === 'DECIMAL' && (c.type.kind === 'INTEGER' || c.type.kind === 'BIGINT')) {
        // a whole number goes into any DECIMAL it fits without rounding, as ksqlDB's value coercer allows
        try { v = convert(v, c.type, type); } catch (err) { throw fail((err as Error).message); }
      } else if (c.type.kind === 'STRUCT' && type.kind === 'STRUCT' && !canImplicitlyCast(c.type, type)) {
        // a struct goes field by field, as ksqlDB's value coercer takes it: fields the column lacks are
        // dropped, fields the value lacks are NULL (a schema's default then fills them when written)
        const value = structInto(v as Record<string, unknown>, c.type, type);
        if (value === undefined) throw fail(mismatch(type, name, c.type, v));
        v = value;
      } else if (type.kind === 'DECIMAL' && c.type.kind === 'DECIMAL' && (v as Decimal).scale > type.scale
        && (v as Decimal).unscaled % 10n ** BigInt((v as Decimal).scale - type.scale) !== 0n
        && (v as Decimal).precision - (v as Decimal).scale <= type.precision - type.scale) {
        // more decimal places than the column has, not all zeros: ksqlDB's value coercer does not round
        // (too many whole digits is the overflow convert reports)
        const d = v as Decimal;
        throw fail(`Cannot fit decimal '${d.toString()}' into ${typeToString(type)} without rounding. (Requires ${d.precision},${d.scale})`);
      } else if (!canImplicitlyCast(c.type, type) && !(type.kind === 'DECIMAL' && (c.type.kind === 'DECIMAL' || c.type.kind === 'DOUBLE'))) {
        throw fail(mismatch(type, name, c.type, v));
      } else {
        try { v = coerceTo(c, type).fn({}); v = convert(v, coerceTo(c, type).type, type); } catch (err) { throw fail((err as Error).message); }
      }
    }
    // a Kafka record's timestamp is never negative (the producer refuses it)
    if (isRowtime && typeof v === 'number' && v < 0) throw fail(`Invalid timestamp: ${v}. Timestamp should always be non-negative or null.`);
    // a record time is milliseconds a log holds exactly: a BIGINT beyond 2^53 is none
    if (isRowtime && typeof v === 'bigint') throw fail(`Invalid timestamp: ${v}. Timestamp is beyond what a record holds (2^53 ms).`);
    if (isRowtime) rowtime = v as number; else row.set(name, v);
  });
  return { row, rowtime };
}

/**
 * A struct value of type `from` as one of type `to`, matching fields by name (nested structs the
 * same way); undefined when a field both have cannot be cast implicitly.
 */
function structInto(v: Record<string, unknown>, from: SqlType & { kind: 'STRUCT' }, to: SqlType & { kind: 'STRUCT' }): Record<string, unknown> | undefined {
  const out: Record<string, unknown> = {};
  for (const f of to.fields) {
    const src = from.fields.find((x) => x.name === f.name);
    const x = src ? v[src.name] : null;
    if (!src || x === null || x === undefined) { out[f.name] = null; continue; }
    if (src.type.kind === 'STRUCT' && f.type.kind === 'STRUCT' && !canImplicitlyCast(src.type, f.type)) {
      const inner = structInto(x as Record<string, unknown>, src.type, f.type);
      if (inner === undefined) return undefined;
      out[f.name] = inner;
    } else if (canImplicitlyCast(src.type, f.type)) out[f.name] = convert(x, src.type, f.type);
    else return undefined;
  }
  return out;
}

/**
 * A string value for a column of another type, as ksqlDB's value coercer reads it: a BOOLEAN from
 * 'true'/'false'/'yes'/'no' or a prefix of one (any case), BYTES from base64, others as CAST does.
 */
function stringValue(text: string, type: SqlType): unknown {
  if (type.kind === 'BOOLEAN') {
    const s = text.trim().toLowerCase();
    if (s && ('true'.startsWith(s) || 'yes'.startsWith(s))) return true;
    if (s && ('false'.startsWith(s) || 'no'.startsWith(s))) return false;
    throw new Error('not a boolean');
  }
  if (type.kind === 'BYTES') {
    const bytes = decodeBase64(text);
    if (!bytes) throw new Error('not base64');
    return bytes;
  }
  return convert(text, T.STRING, type);
}

/**
 * A value that does not go into its column, as ksqlDB's expression resolver says it: the value it
 * computed (not the expression's text) after the name of its type without parameters (DECIMAL, ARRAY).
 */
function mismatch(column: SqlType, name: string, valueType: SqlType, value: unknown): string {
  return `Expected type ${typeToString(column)} for field \`${name}\` but got ${valueType.kind}(${valueToString(value, valueType)})`;
}
