/**
 * Memory that records' bytes are written into one after another, by the writers that know a bound
 * on a record's size before they write it (JSON and Protobuf rows): a record's bytes are a view of
 * the memory, which is never written again (a full arena is left to the records that view it).
 * 8 KB, as Node's own pool for small buffers, which these records' bytes came from before: a record
 * kept long (a table's) keeps no more memory alive than it did.
 */
export class Arena {
  private buf: Buffer;
  /** Where the next record starts. */
  used = 0;
  constructor(private readonly size: number) { this.buf = Buffer.allocUnsafeSlow(size); }
  /** The memory to write a record of at most `bound` bytes into, from `used` on. */
  room(bound: number): Buffer {
    if (this.used + bound > this.buf.length) { this.buf = Buffer.allocUnsafeSlow(Math.max(this.size, bound)); this.used = 0; }
    return this.buf;
  }
  /** The record written from `used` up to `end`: its bytes are its own from now on. */
  take(end: number): Buffer {
    const b = this.buf.subarray(this.used, end);
    this.used = end;
    return b;
  }
}

/** The arena the engine's record writers share (they write one record at a time, never interleaved). */
export const recordArena = new Arena(8 * 1024);
