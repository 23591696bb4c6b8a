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

// Only the most recent records keep their values: the queries that share a record read it within
// the same drain, and values kept for the life of every retained record would be promoted to the
// old generation and collected there, at far more cost than an occasional second parse.
const KEEP = 4096;
const kept: (Decoded | undefined)[] = new Array(KEEP);
let next = 0;

/** Keeps `values` as what `bytes` decode to with `shape`; undefined values become null. */
export function remember(bytes: Buffer, shape: string, values: unknown[]): void {
  for (let i = 0; i < values.length; i++) if (values[i] === undefined) values[i] = null;
  const oldest = kept[next];
  if (oldest !== undefined && oldest !== bytes) oldest[DECODED] = undefined;
  kept[next] = bytes as Decoded;
  next = (next + 1) % KEEP;
  (bytes as Decoded)[DECODED] = { shape, values };
}
