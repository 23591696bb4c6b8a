import type { Props, PropValue } from '../sql/ast.js';
import type { FormatInfo, FormatName } from './schema.js';
import { KsqlStatementError } from '../analysis/errors.js';

const COMMON = ['KAFKA_TOPIC', 'KEY_FORMAT', 'VALUE_FORMAT', 'FORMAT', 'PARTITIONS', 'REPLICAS', 'RETENTION_MS', 'TIMESTAMP',
  'TIMESTAMP_FORMAT', 'WRAP_SINGLE_VALUE', 'KEY_DELIMITER', 'VALUE_DELIMITER', 'KEY_SCHEMA_ID', 'VALUE_SCHEMA_ID',
  'KEY_SCHEMA_FULL_NAME', 'VALUE_SCHEMA_FULL_NAME', 'VALUE_AVRO_SCHEMA_FULL_NAME', 'KEY_PROTOBUF_NULLABLE_REPRESENTATION',
  'VALUE_PROTOBUF_NULLABLE_REPRESENTATION'];
const CREATE_ONLY = ['WINDOW_TYPE', 'WINDOW_SIZE', 'SOURCE_CONNECTOR', 'SOURCED_BY_CONNECTOR'];
const FORMATS: FormatName[] = ['KAFKA', 'JSON', 'DELIMITED', 'NONE', 'AVRO', 'PROTOBUF', 'JSON_SR', 'PROTOBUF_NOSR'];

/** Validated WITH clause of a CREATE, CSAS/CTAS or INSERT INTO. */
export class WithProps {
  constructor(private readonly props: Props) {}

  static validate(props: Props, kind: 'create' | 'createAs' | 'insert'): WithProps {
    const allowed = kind === 'insert' ? ['QUERY_ID'] : kind === 'create' ? [...COMMON, ...CREATE_ONLY] : COMMON;
    if (props.has('CLEANUP_POLICY')) {
      throw new KsqlStatementError('Invalid config variable in the WITH clause: CLEANUP_POLICY.\nThe CLEANUP_POLICY config is automatically inferred based on the type of source (STREAM or TABLE).\nUsers can\'t set the CLEANUP_POLICY config manually.');
    }
    const unknown = [...props.keys()].filter((k) => !allowed.includes(k));
    if (unknown.length) throw new KsqlStatementError(`Invalid config variable(s) in the WITH clause: ${unknown.join(',')}`);
    const p = new WithProps(props);
    if (props.has('FORMAT') && props.has('KEY_FORMAT')) throw new KsqlStatementError("Cannot supply both 'KEY_FORMAT' and 'FORMAT' properties, as 'FORMAT' sets both key and value formats. Either use just 'FORMAT', or use 'KEY_FORMAT' and 'VALUE_FORMAT'.");
    if (props.has('FORMAT') && props.has('VALUE_FORMAT')) throw new KsqlStatementError("Cannot supply both 'VALUE_FORMAT' and 'FORMAT' properties, as 'FORMAT' sets both key and value formats. Either use just 'FORMAT', or use 'KEY_FORMAT' and 'VALUE_FORMAT'.");
    return p;
  }

  has(k: string): boolean { return this.props.has(k); }
  raw(k: string): PropValue | undefined { return this.props.get(k)?.value; }
  string(k: string): string | undefined { const v = this.raw(k); return v === undefined ? undefined : String(v); }
  int(k: string): number | undefined {
    const v = this.raw(k);
    if (v === undefined) return undefined;
    const n = typeof v === 'number' ? v : Number(v);
    if (!Number.isInteger(n)) throw new KsqlStatementError(`Invalid value ${v} for property ${k}: Not an int.`);
    return n;
  }
  long(k: string): number | undefined {
    const v = this.raw(k);
    if (v === undefined) return undefined;
    const n = typeof v === 'number' ? v : /^\s*-?\d+\s*$/.test(String(v)) ? Number(v) : NaN;
    if (!Number.isSafeInteger(n)) throw new KsqlStatementError(`Invalid value ${v} for property ${k}: Not a long.`);
    return n;
  }
  bool(k: string): boolean | undefined {
    const v = this.raw(k);
    if (v === undefined) return undefined;
    if (typeof v === 'boolean') return v;
    if (/^(true|false)$/i.test(String(v))) return String(v).toLowerCase() === 'true';
    throw new KsqlStatementError(`Property '${k}' is not a boolean value`);
  }

  private format(k: string): FormatName | undefined {
    const v = this.string(k);
    if (v === undefined) return undefined;
    const f = v.toUpperCase() as FormatName;
    if (!FORMATS.includes(f)) throw new KsqlStatementError(`Unknown format: ${v}`);
    return f;
  }

  /** A table that is not windowed lives in a compacted topic, which keeps each key's row for good. */
  checkRetention(kind: 'STREAM' | 'TABLE', windowed: boolean): void {
    if (kind === 'TABLE' && !windowed && this.has('RETENTION_MS')) {
      throw new KsqlStatementError('Invalid config variable in the WITH clause: RETENTION_MS. Non-windowed tables do not support retention.');
    }
  }

  keyFormatName(): FormatName | undefined { return this.format('FORMAT') ?? this.format('KEY_FORMAT'); }
  valueFormatName(): FormatName | undefined { return this.format('FORMAT') ?? this.format('VALUE_FORMAT'); }

  delimiter(k: 'KEY_DELIMITER' | 'VALUE_DELIMITER'): string | undefined {
    const v = this.string(k);
    if (v === undefined) return undefined;
    if (v.toUpperCase() === 'TAB') return '\t';
    if (v.toUpperCase() === 'SPACE') return ' ';
    const prefix = `Failed to prepare statement: Configuration ${k} is invalid: `;
    if (v.trim() === '') throw new KsqlStatementError(`${prefix}Delimiter cannot be empty, if you meant to have a tab or space for delimiter, please use the special values 'TAB' or 'SPACE'\nExample valid value: ';'`);
    if (v.length !== 1) throw new KsqlStatementError(`${prefix}Invalid delimiter value: '${v}'. Delimiter must be a single character or TAB,SPACE\nExample valid value: ';'`);
    return v;
  }

  formatInfo(name: FormatName, isKey: boolean): FormatInfo {
    const info: FormatInfo = { format: name };
    const delimKey = isKey ? 'KEY_DELIMITER' : 'VALUE_DELIMITER';
    if (name !== 'DELIMITED' && this.has(delimKey)) throw new KsqlStatementError(`${name} does not support the following configs: [delimiter]`);
    // formats without a wrapping object cannot wrap a single value
    if (!isKey && (name === 'DELIMITED' || name === 'KAFKA') && this.bool('WRAP_SINGLE_VALUE') === true) throw new KsqlStatementError(`Format '${name}' does not support 'WRAP_SINGLE_VALUE' set to 'true'.`);
    if (!isKey && (name === 'PROTOBUF' || name === 'PROTOBUF_NOSR') && this.bool('WRAP_SINGLE_VALUE') === false) throw new KsqlStatementError(`Format '${name}' does not support 'WRAP_SINGLE_VALUE' set to 'false'.`);
    if (name === 'DELIMITED') info.delimiter = this.delimiter(isKey ? 'KEY_DELIMITER' : 'VALUE_DELIMITER') ?? ',';
    if (!isKey) { const w = this.bool('WRAP_SINGLE_VALUE'); if (w !== undefined) info.wrapSingle = w; }
    const side = isKey ? 'KEY' : 'VALUE';
    const fullName = this.string(`${side}_SCHEMA_FULL_NAME`) ?? (isKey ? undefined : this.string('VALUE_AVRO_SCHEMA_FULL_NAME'));
    if (fullName !== undefined) {
      if (!['AVRO', 'PROTOBUF', 'PROTOBUF_NOSR', 'JSON_SR'].includes(name) || name === 'JSON_SR') throw new KsqlStatementError(`${name} does not support the following configs: [fullSchemaName]`);
      info.fullSchemaName = fullName;
    }
    const id = this.int(`${side}_SCHEMA_ID`);
    if (id !== undefined) info.schemaId = id;
    const nullable = this.string(`${side}_PROTOBUF_NULLABLE_REPRESENTATION`)?.toUpperCase();
    if (nullable !== undefined) {
      if (!['WRAPPER', 'OPTIONAL'].includes(nullable)) throw new KsqlStatementError(`Invalid value ${nullable} for property ${side}_PROTOBUF_NULLABLE_REPRESENTATION: String must be one of: WRAPPER, OPTIONAL`);
      if (name === 'PROTOBUF' || name === 'PROTOBUF_NOSR') info.nullable = nullable as 'WRAPPER' | 'OPTIONAL';
    }
    return info;
  }
}

/** '10 SECONDS' -> ms (WINDOW_SIZE). */
export function parseDurationText(text: string): number | undefined {
  const m = /^\s*(\d+)\s+([A-Za-z]+)\s*$/.exec(text);
  if (!m) return undefined;
  const unit = m[2]!.toUpperCase().replace(/S$/, '');
  const f: Record<string, number> = { MILLISECOND: 1, SECOND: 1000, MINUTE: 60_000, HOUR: 3_600_000, DAY: 86_400_000 };
  return f[unit] === undefined ? undefined : Number(m[1]) * f[unit]!;
}
