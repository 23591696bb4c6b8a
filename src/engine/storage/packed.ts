import type { Header, TopicRecord } from './topics.js';

/**
 * A partition's records packed once every query has read them: their keys and values copied into
 * one buffer, their lengths, times and sequence numbers into one table of numbers. A log keeps
 * thousands of records for its retention; kept as objects (a record, a key buffer, a value buffer
 * each), every young-generation collection would copy them and promote them, and they would die
 * in the old generation (a fifth of the engine's time under a steady stream of records, measured).
 * Packed, a run of records is a handful of objects, and a record is made again when it is read.
 */

/** The table's numbers per record: key start, key length (-1: null), value start, value length (-1: null), timestamp, seq. */
const W = 6;

/** What retention counts for a record: its key and value bytes and a fixed overhead, as a broker's log counts batches. */
export const storedBytes = (keyLength: number, valueLength: number): number => 70 + keyLength + valueLength;

export class PackedRun {
  private constructor(
    private readonly memory: Buffer,
    private readonly table: Float64Array,
    /** Each record's headers, where any record has some; null when none has. */
    private readonly headers: readonly Header[][] | null,
    /** The index of this run's first record in the table (a run cut at its front shares the table). */
    private readonly first: number,
    readonly count: number,
  ) {}

  /** Packs `records` (consecutive offsets of one partition); `noHeaders` is what a record without headers holds. */
  static of(records: readonly TopicRecord[], noHeaders: readonly Header[]): PackedRun {
    const n = records.length;
    let size = 0, withHeaders = false;
    for (let i = 0; i < n; i++) {
      const r = records[i]!;
      size += (r.key?.length ?? 0) + (r.value?.length ?? 0);
      if (r.headers !== noHeaders && r.headers.length > 0) withHeaders = true;
    }
    const memory = Buffer.allocUnsafe(size);
    const table = new Float64Array(n * W);
    const headers = withHeaders ? records.map((r) => r.headers) : null;
    let at = 0;
    for (let i = 0, t = 0; i < n; i++, t += W) {
      const r = records[i]!;
      table[t] = at;
      if (r.key === null) table[t + 1] = -1;
      else { memory.set(r.key, at); at += r.key.length; table[t + 1] = r.key.length; }
      table[t + 2] = at;
      if (r.value === null) table[t + 3] = -1;
      else { memory.set(r.value, at); at += r.value.length; table[t + 3] = r.value.length; }
      table[t + 4] = r.timestamp;
      table[t + 5] = r.seq;
    }
    return new PackedRun(memory, table, headers, 0, n);
  }

  /** Record `i` of the run (at `offset` of `topic`'s `partition`), made anew: its key and value are views of the run's memory. */
  record(i: number, topic: string, partition: number, offset: number, noHeaders: Header[]): TopicRecord {
    const t = (this.first + i) * W, table = this.table, memory = this.memory;
    const kl = table[t + 1]!, vl = table[t + 3]!;
    const key = kl < 0 ? null : memory.subarray(table[t]!, table[t]! + kl);
    const value = vl < 0 ? null : memory.subarray(table[t + 2]!, table[t + 2]! + vl);
    return { topic, partition, offset, key, value, timestamp: table[t + 4]!, headers: this.headers?.[this.first + i] ?? noHeaders, seq: table[t + 5]!, shared: undefined };
  }

  /** What retention counts for record `i`. */
  bytesOf(i: number): number {
    const t = (this.first + i) * W;
    return storedBytes(Math.max(0, this.table[t + 1]!), Math.max(0, this.table[t + 3]!));
  }

  /** The run from record `from` to before `to`. */
  slice(from: number, to = this.count): PackedRun {
    return new PackedRun(this.memory, this.table, this.headers, this.first + from, Math.max(0, Math.min(to, this.count) - from));
  }
}
