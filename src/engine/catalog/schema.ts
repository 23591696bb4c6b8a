import { typeToString, quoteIfNeeded, type SqlType } from '../sql/types.js';

export type Namespace = 'KEY' | 'VALUE' | 'HEADER';

export interface Column {
  name: string;
  type: SqlType;
  ns: Namespace;
  /** For HEADER('k') columns: the header key; undefined for a HEADERS (all headers) column. */
  headerKey?: string;
}

export type FormatName = 'KAFKA' | 'JSON' | 'DELIMITED' | 'NONE' | 'AVRO' | 'PROTOBUF' | 'JSON_SR' | 'PROTOBUF_NOSR';

export interface FormatInfo {
  format: FormatName;
  delimiter?: string;
  /** Value formats: whether a single value column is wrapped in an object (default true). */
  wrapSingle?: boolean;
  /** AVRO, PROTOBUF, JSON_SR: the registered schema records are written with. */
  schemaId?: number;
  /** KEY_/VALUE_SCHEMA_FULL_NAME: the Avro record or Protobuf message name. */
  fullSchemaName?: string;
  /** PROTOBUF: how nullable primitives are written (KEY_/VALUE_PROTOBUF_NULLABLE_REPRESENTATION). */
  nullable?: 'DEFAULT' | 'WRAPPER' | 'OPTIONAL';
}

export interface WindowInfo { type: 'TUMBLING' | 'HOPPING' | 'SESSION'; sizeMs?: number }

export const SYSTEM_COLUMNS = ['ROWTIME', 'ROWPARTITION', 'ROWOFFSET', 'WINDOWSTART', 'WINDOWEND'];

export const keyColumns = (cols: Column[]) => cols.filter((c) => c.ns === 'KEY');
export const valueColumns = (cols: Column[]) => cols.filter((c) => c.ns === 'VALUE');
export const headerColumns = (cols: Column[]) => cols.filter((c) => c.ns === 'HEADER');

/** "`K` STRING KEY, `V` INTEGER": the schema text ksqlDB prints in errors and query headers. */
export function schemaToString(cols: Column[], markKeys = true): string {
  return cols.map((c) => {
    let s = `\`${c.name}\` ${typeToString(c.type)}`;
    if (c.ns === 'KEY' && markKeys) s += ' KEY';
    if (c.ns === 'HEADER') s += c.headerKey === undefined ? ' HEADERS' : ` HEADER('${c.headerKey}')`;
    return s;
  }).join(', ');
}

/** Column list in CREATE statement form: K STRING KEY, V INTEGER. */
export function columnsToSql(cols: Column[], sourceType: 'STREAM' | 'TABLE'): string {
  return cols.map((c) => {
    let s = `${quoteIfNeeded(c.name)} ${typeToString(c.type)}`;
    if (c.ns === 'KEY') s += sourceType === 'TABLE' ? ' PRIMARY KEY' : ' KEY';
    if (c.ns === 'HEADER') s += c.headerKey === undefined ? ' HEADERS' : ` HEADER('${c.headerKey}')`;
    return s;
  }).join(', ');
}
