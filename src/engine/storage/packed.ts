import type { Header, TopicRecord } from './topics.js';

/**
 * A partition's records packed once every query has read them: their keys' and values' places in
 * memory (the memory itself is not copied), lengths, times and sequence numbers in one table of
 * numbers. A log keeps thousands of records for its retention; kept as objects (a record, a key
 * buffer, a value buffer each), every young-generation collection would copy them and promote
 * them, and they would die in the old generation (a fifth of the engine's time under a steady
 * stream of records, measured). Packed, a run of records is a handful of objects, and a record is
 * made again when it is read, its key and value views of the same memory.
 */

/** The table's numbers per record: key offset, key length (-1: null), value offset, value length (-1: null), timestamp, seq. */
const W = 6;

/** What retention counts for a record: its key and value bytes and a fixed overhead, as a broker's log counts batches. */
export const storedBytes = (keyLength: number, valueLength: number): number => 70 + keyLength + valueLength;

export class PackedRun {
  private constructor(
    /** Each record's key's and value's memory (2 per record; null for a null key or value). */
    private readonly memory: readonly (ArrayBufferLike | null)[],
    /** (a plain array of doubles: a typed array's memory of its own costs more to make than the run saves) */
    private readonly table: readonly number[],
    /** Each record's headers, where any record has some; null when none has. */
    private readonly headers: readonly Header[][] | null,
    readonly count: number,
  ) {}

  /** Packs `records` (consecutive offsets of one partition); `noHeaders` is what a record without headers holds. */
  static of(records: readonly TopicRecord[], noHeaders: readonly Header[]): PackedRun {
    const n = records.length;
    const memory = new Array<ArrayBufferLike | null>(2 * n);
    const table = new Array<number>(n * W);
    let withHeaders = false;
    for (let i = 0, t = 0; i < n; i++, t += W) {
      const r = records[i]!, key = r.key, value = r.value;
      if (key === null) { memory[2 * i] = null; table[t] = 0; table[t + 1] = -1; } else { memory[2 * i] = key.buffer; table[t] = key.byteOffset; table[t + 1] = key.length; }
      if (value === null) { memory[2 * i + 1] = null; table[t + 2] = 0; table[t + 3] = -1; } else { memory[2 * i + 1] = value.buffer; table[t + 2] = value.byteOffset; table[t + 3] = value.length; }
      table[t + 4] = r.timestamp;
      table[t + 5] = r.seq;
      if (r.headers !== noHeaders && r.headers.length > 0) withHeaders = true;
    }
    return new PackedRun(memory, table, withHeaders ? records.map((r) => r.headers) : null, n);
  }

  /** Record `i` of the run (at `offset` of `topic`'s `partition`), made anew. */
  record(i: number, topic: string, partition: number, offset: number, noHeaders: Header[]): TopicRecord {
    const t = i * W, table = this.table;
    const km = this.memory[2 * i], vm = this.memory[2 * i + 1];
    const key = km ? Buffer.from(km, table[t]!, table[t + 1]!) : null;
    const value = vm ? Buffer.from(vm, table[t + 2]!, table[t + 3]!) : null;
    return { topic, partition, offset, key, value, timestamp: table[t + 4]!, headers: this.headers?.[i] ?? noHeaders, seq: table[t + 5]!, shared: undefined };
  }

  /** What retention counts for record `i`. */
  bytesOf(i: number): number {
    const t = i * W;
    return storedBytes(Math.max(0, this.table[t + 1]!), Math.max(0, this.table[t + 3]!));
  }

  /** The run from record `from` to before `to`. */
  slice(from: number, to = this.count): PackedRun {
    const end = Math.max(from, Math.min(to, this.count));
    // (copied: the memory of the records left out is no longer held)
    return new PackedRun(this.memory.slice(2 * from, 2 * end), this.table.slice(from * W, end * W), this.headers?.slice(from, end) ?? null, end - from);
  }
}
