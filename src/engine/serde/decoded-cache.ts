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

/** Keeps `values` as what `bytes` decode to with `shape`; undefined values become null. */
export function remember(bytes: Buffer, shape: string, values: unknown[]): void {
  for (let i = 0; i < values.length; i++) if (values[i] === undefined) values[i] = null;
  (bytes as Decoded)[DECODED] = { shape, values };
}
