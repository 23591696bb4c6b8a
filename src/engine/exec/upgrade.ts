import { KsqlStatementError } from '../analysis/errors.js';
import { schemaToString, type Column, type FormatInfo } from '../catalog/schema.js';
import type { DataSource } from '../catalog/metastore.js';
import { typesEqual } from '../sql/types.js';

/** What a stream or table becomes under CREATE OR REPLACE: a new DDL statement's or a query's sink. */
export type Upgrade = Pick<DataSource, 'type' | 'topic' | 'columns' | 'keyFormat' | 'valueFormat' | 'timestampColumn' | 'timestampFormat' | 'windowInfo'>;

/**
 * Whether CREATE OR REPLACE may turn `existing` into `next`, as ksqlDB's StructuredDataSource
 * judges it for CREATE STREAM/TABLE and CREATE ... AS SELECT alike: the kind, the topic, the key and
 * value formats and the timestamp column stay (the key format with its window, the value format with
 * its wrapping of a single value, the timestamp column with its format); the key columns stay as they
 * are; value columns may only be appended.
 */
export function checkUpgrade(existing: DataSource, next: Upgrade): void {
  const prefix = `Cannot upgrade data source: DataSource '\`${existing.name}\`' has`;
  const refuse = (property: string, from: string, to: string): never => { throw new KsqlStatementError(`${prefix} ${property} = ${from} which is not upgradeable to ${to}`); };
  if (existing.type !== next.type) refuse('type', existing.type, next.type);
  // (the schemas as ksqlDB's LogicalSchema writes itself: names quoted, key columns marked KEY)
  const schema = `${prefix} schema = ${schemaToString(existing.columns)} which is not upgradeable to ${schemaToString(next.columns)}.`;
  const side = (ns: Column['ns']) => [existing.columns.filter((c) => c.ns === ns), next.columns.filter((c) => c.ns === ns)] as const;
  const moved = (before: Column[], after: Column[]) => before.filter((c, i) => !after[i] || after[i]!.name !== c.name || !typesEqual(after[i]!.type, c.type));
  const [oldKeys, newKeys] = side('KEY');
  const keys = moved(oldKeys, newKeys);
  if (keys.length || oldKeys.length !== newKeys.length) {
    throw new KsqlStatementError(`${schema} (Key columns must be identical. The following key columns are changed, missing or reordered: [${schemaToString(keys.length ? keys : newKeys)}])`);
  }
  const values = moved(...side('VALUE'));
  if (values.length) throw new KsqlStatementError(`${schema} (The following columns are changed, missing or reordered: [${schemaToString(values)}])`);
  // headers are columns of their own kind: they too may not change
  const headers = moved(...side('HEADER'));
  if (headers.length) throw new KsqlStatementError(`${schema} (The following columns are changed, missing or reordered: [${schemaToString(headers)}])`);
  const timestamp = (s: Upgrade) => (s.timestampColumn === undefined ? 'none' : `${s.timestampColumn}${s.timestampFormat === undefined ? '' : ` (format '${s.timestampFormat}')`}`);
  if (timestamp(existing) !== timestamp(next)) refuse('timestampColumn', timestamp(existing), timestamp(next));
  if (existing.topic !== next.topic) refuse('kafkaTopicName', existing.topic, next.topic);
  for (const [property, from, to] of [['keyFormat', existing.keyFormat, next.keyFormat], ['valueFormat', existing.valueFormat, next.valueFormat]] as const) {
    // (named by format; by delimiter too where only that changed)
    if (from.format !== to.format) refuse(property, from.format, to.format);
    if ((from.delimiter ?? ',') !== (to.delimiter ?? ',')) refuse(property, withDelimiter(from), withDelimiter(to));
  }
  if (windowed(existing) !== windowed(next)) refuse('keyFormat', `${existing.keyFormat.format}${windowed(existing)}`, `${next.keyFormat.format}${windowed(next)}`);
  const wraps = (f: FormatInfo) => f.wrapSingle ?? true;
  if (wraps(existing.valueFormat) !== wraps(next.valueFormat)) {
    refuse('valueFormat', `${existing.valueFormat.format}(WRAP_SINGLE_VALUE=${wraps(existing.valueFormat)})`, `${next.valueFormat.format}(WRAP_SINGLE_VALUE=${wraps(next.valueFormat)})`);
  }
}

const withDelimiter = (f: FormatInfo): string => `${f.format}(delimiter='${f.delimiter ?? ','}')`;
/** A key's window as it counts for an upgrade: its type and size, or '' for none. */
const windowed = (s: Upgrade): string => (s.windowInfo ? `, windowed ${s.windowInfo.type}${s.windowInfo.sizeMs === undefined ? '' : ` ${s.windowInfo.sizeMs} ms`}` : '');
