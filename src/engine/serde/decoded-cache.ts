// A record's value is decoded once per reading shape: the queries that read a topic in this
// process (the four per-minute tables all read trade-settlements, and each query reads what the
// one before it wrote) get the values that were first decoded (or, where writing and reading back
// is the identity, serialized), not a new parse. The bytes stay the record of truth for every
// other reader. The values ride on the buffer itself (a WeakMap costs more in garbage collection
// than the parse it saves). Readers must treat the values as read-only.
const DECODED = Symbol('decoded');
type Decoded = Buffer & { [DECODED]?: { shape: string; values: unknown[] } };

/** The values `bytes` decoded to with the reading shape `shape` (a string naming format and columns), if known. */
export function recall(bytes: Buffer, shape: string): unknown[] | undefined {
  const known = (bytes as Decoded)[DECODED];
  return known !== undefined && known.shape === shape ? known.values : undefined;
}

/**
 * The buffers given values since the last `forgetDecoded`: the values are of use while the queries
 * that read the record next run (the same drain), and are dropped after, so a record a topic still
 * holds does not hold its values too (they would outlive the young generation, and every scavenge
 * would copy them).
 */
let recent: Decoded[] = [];

/** Keeps `values` as what `bytes` decode to with `shape`; undefined values become null. */
export function remember(bytes: Buffer, shape: string, values: unknown[]): void {
  for (let i = 0; i < values.length; i++) if (values[i] === undefined) values[i] = null;
  // (a process that never drains, as one that only serves pull queries, forgets in steps)
  if (recent.length >= 65_536) forgetDecoded();
  (bytes as Decoded)[DECODED] = { shape, values };
  recent.push(bytes);
}

/** Records given a shared read (TopicRecord.shared) since the last `forgetDecoded`, dropped with the values. */
let shared: { shared?: unknown }[] = [];

/** Keeps `read` as what a source made of `rec` until the next `forgetDecoded`. */
export function shareRead(rec: { shared?: unknown }, read: unknown): void {
  if (shared.length >= 65_536) forgetDecoded();
  rec.shared = read;
  shared.push(rec);
}

/** Drops the values remembered so far (the bytes decode again when read again), and the shared reads. */
export function forgetDecoded(): void {
  const done = recent;
  recent = [];
  for (let i = 0; i < done.length; i++) done[i]![DECODED] = undefined;
  const reads = shared;
  shared = [];
  for (let i = 0; i < reads.length; i++) reads[i]!.shared = undefined;
}
