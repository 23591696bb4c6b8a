import type { DataSource } from '../catalog/metastore.js';
import { serdesOf } from '../catalog/metastore.js';
import { keyColumns, valueColumns, headerColumns } from '../catalog/schema.js';
import { splitWindowedKey } from '../serde/formats.js';
import { DeserializationError } from '../serde/serde-error.js';
import { shareRead } from '../serde/decoded-cache.js';
import type { TopicRecord } from '../storage/topics.js';
import { timestampFromColumn } from './timestamp-column.js';
import type { Row } from './compile.js';
import { literalBuilder } from './plan-util.js';

/**
 * Keys of records that had none (null key bytes): every column NULL, and marked, so a projection
 * that passes the key on writes no key, as ksqlDB does, rather than a key of NULL columns.
 */
const NO_KEYS = new WeakSet<unknown[]>();
function noKey(columns: number): unknown[] {
  const key = new Array<unknown>(columns).fill(null);
  NO_KEYS.add(key);
  return key;
}
/** Whether a key is the key of a record that had none. */
export const isNoKey = (key: unknown[]): boolean => key.length > 0 && key[0] === null && NO_KEYS.has(key);

export interface SourceMsg {
  key: unknown[];
  /** All columns by name plus ROWTIME, ROWPARTITION, ROWOFFSET (and WINDOWSTART/WINDOWEND); null for a tombstone. */
  row: Row | null;
  ts: number;
  window?: { start: number; end: number };
  headers: TopicRecord['headers'];
  partition: number;
  offset: number;
}

/** A record as a source read it, kept on the record for the other queries reading the same source (see `shared`). */
interface SharedRead { ds: DataSource; msg: SourceMsg }

/**
 * Decodes a topic record with a source's key and value formats; throws on a record that does not
 * deserialize. `prefix` goes before every field name of the row (a join's `ALIAS_`). `shared`: the
 * caller never changes the message, its key or its row, so one read of a record serves every query
 * that reads it from the same source in the same drain (the four per-minute tables read each
 * settlement once between them), until the decoded values are forgotten.
 */
export function makeSourceReader(ds: DataSource, prefix = '', shared = false): (rec: TopicRecord) => SourceMsg {
  const read = readerOf(ds, prefix);
  if (!shared || prefix !== '') return read;
  return (rec) => {
    const known = rec.shared as SharedRead | undefined;
    if (known !== undefined && known.ds === ds) return known.msg;
    const msg = read(rec);
    shareRead(rec, { ds, msg } satisfies SharedRead);
    return msg;
  };
}

function readerOf(ds: DataSource, prefix: string): (rec: TopicRecord) => SourceMsg {
  const { key: ks, value: vs } = serdesOf(ds);
  const keys = keyColumns(ds.columns), values = valueColumns(ds.columns), headers = headerColumns(ds.columns);
  const win = ds.windowInfo;
  const tsCol = ds.timestampColumn ? ds.columns.find((c) => c.name === ds.timestampColumn) : undefined;
  // the row is one object literal (a shape V8 keeps fast), written once per source
  const build = literalBuilder<(k: unknown[], v: readonly unknown[], ts: number, p: number, o: number) => Row>(['k', 'v', 'ts', 'p', 'o'], [
    ...keys.map((c, i): [string, string] => [prefix + c.name, `k[${i}] ?? null`]), ...values.map((c, i): [string, string] => [prefix + c.name, `v[${i}] ?? null`]),
    [`${prefix}ROWTIME`, 'ts'], [`${prefix}ROWPARTITION`, 'p'], [`${prefix}ROWOFFSET`, 'o'],
  ]);
  const tsKey = tsCol ? keys.indexOf(tsCol) : -1, tsValue = tsCol ? values.indexOf(tsCol) : -1;
  return (rec) => {
    let keyBytes = rec.key;
    let window: { start: number; end: number } | undefined;
    if (win && keyBytes) {
      const split = splitWindowedKey(keyBytes, win.type === 'SESSION', win.sizeMs ?? 0);
      keyBytes = split.inner; window = split.window;
    }
    // a key travels on in messages, so it is copied; the values are only read into the row
    let key: unknown[], vals: readonly unknown[] | null;
    if (keys.length === 0) key = [];
    else if (keyBytes === null) key = noKey(keys.length);
    else {
      let k;
      try { k = ks.deserialize(keyBytes); } catch (e) { throw new DeserializationError('key', rec.topic, e); }
      key = !k ? keys.map(() => null) : ks.fresh ? k as unknown[] : k.slice();
    }
    try { vals = vs.deserialize(rec.value); } catch (e) { throw new DeserializationError('value', rec.topic, e); }
    let ts = rec.timestamp;
    if (vals === null) {
      return { key, row: null, ts, window, headers: rec.headers, partition: rec.partition, offset: rec.offset };
    }
    if (tsCol) ts = timestampFromColumn(tsKey >= 0 ? key[tsKey] : tsValue >= 0 ? vals[tsValue] : undefined, tsCol, ds.timestampFormat);
    const row = build(key, vals, ts, rec.partition, rec.offset);
    for (const h of headers) {
      if (h.headerKey === undefined) row[prefix + h.name] = rec.headers.map((x) => ({ KEY: x.key, VALUE: x.value }));
      else row[prefix + h.name] = [...rec.headers].reverse().find((x) => x.key === h.headerKey)?.value ?? null;
    }
    if (window) { row[prefix + 'WINDOWSTART'] = window.start; row[prefix + 'WINDOWEND'] = window.end; }
    return { key, row, ts, window, headers: rec.headers, partition: rec.partition, offset: rec.offset };
  };
}
