/**
 * The Kafka protocol's primitive types (big-endian integers, length-prefixed strings, bytes and
 * arrays, zigzag varints). A read past the end throws WireError: the request is malformed.
 */
export class WireError extends Error {}

export class Reader {
  private pos = 0;
  constructor(private readonly buf: Buffer) {}

  get remaining(): number { return this.buf.length - this.pos; }
  private need(n: number): void { if (this.pos + n > this.buf.length) throw new WireError(`truncated: need ${n} bytes at ${this.pos}`); }

  int8(): number { this.need(1); return this.buf.readInt8(this.pos++); }
  int16(): number { this.need(2); const v = this.buf.readInt16BE(this.pos); this.pos += 2; return v; }
  int32(): number { this.need(4); const v = this.buf.readInt32BE(this.pos); this.pos += 4; return v; }
  uint32(): number { this.need(4); const v = this.buf.readUInt32BE(this.pos); this.pos += 4; return v; }
  int64(): bigint { this.need(8); const v = this.buf.readBigInt64BE(this.pos); this.pos += 8; return v; }
  /** An int64 that fits a JS number (offsets, timestamps). */
  long(): number { return Number(this.int64()); }
  bool(): boolean { return this.int8() !== 0; }

  uvarint(): number {
    // one byte is the common case (lengths and deltas under 64 in records)
    const first = this.buf[this.pos];
    if (first !== undefined && first < 0x80) { this.pos++; return first; }
    // a multiplier, not 2 ** shift: a variable power is a call to pow() in V8
    let v = 0, scale = 1;
    for (let shift = 0; ; shift += 7) {
      if (shift > 35) throw new WireError('varint too long');
      this.need(1);
      const b = this.buf[this.pos++]!;
      v += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return v;
      scale *= 128;
    }
  }
  varint(): number { const u = this.uvarint(); return u % 2 === 0 ? u / 2 : -(u + 1) / 2; }
  varlong(): number {
    // up to 7 bytes (49 bits) a number is exact; a longer one is read as a bigint
    const start = this.pos;
    let u = 0, scale = 1;
    for (let i = 0; i < 7; i++) {
      this.need(1);
      const b = this.buf[this.pos++]!;
      u += (b & 0x7f) * scale;
      if ((b & 0x80) === 0) return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
      scale *= 128;
    }
    this.pos = start;
    let v = 0n, shift = 0n;
    for (;;) {
      this.need(1);
      const b = BigInt(this.buf[this.pos++]!);
      v |= (b & 0x7fn) << shift;
      if ((b & 0x80n) === 0n) break;
      shift += 7n;
      if (shift > 63n) throw new WireError('varlong too long');
    }
    return Number((v >> 1n) ^ -(v & 1n));
  }

  string(): string { const s = this.nullableString(); if (s === null) throw new WireError('null string'); return s; }
  nullableString(): string | null {
    const n = this.int16();
    if (n < 0) return null;
    this.need(n);
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }
  bytes(): Buffer | null {
    const n = this.int32();
    if (n < 0) return null;
    return this.raw(n);
  }
  skip(n: number): void { if (n < 0) throw new WireError(`negative length ${n}`); this.need(n); this.pos += n; }
  /** Skips a varint or varlong without decoding it. */
  skipVarint(): void {
    for (let i = 0; i < 10; i++) { this.need(1); if ((this.buf[this.pos++]! & 0x80) === 0) return; }
    throw new WireError('varint too long');
  }
  raw(n: number): Buffer { this.need(n); const b = this.buf.subarray(this.pos, this.pos + n); this.pos += n; return b; }
  array<T>(item: (r: Reader) => T): T[] {
    const n = this.int32();
    if (n < 0) return [];
    if (n > this.remaining) throw new WireError(`array of ${n} items in ${this.remaining} bytes`);
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(item(this));
    return out;
  }
  /** Tagged fields of a flexible version: skipped. */
  tags(): void {
    const n = this.uvarint();
    for (let i = 0; i < n; i++) { this.uvarint(); this.raw(this.uvarint()); }
  }
  compactString(): string | null {
    const n = this.uvarint() - 1;
    if (n < 0) return null;
    return this.raw(n).toString('utf8');
  }
  compactArray<T>(item: (r: Reader) => T): T[] {
    const n = this.uvarint() - 1;
    if (n < 0) return [];
    if (n > this.remaining) throw new WireError(`array of ${n} items in ${this.remaining} bytes`);
    const out: T[] = [];
    for (let i = 0; i < n; i++) out.push(item(this));
    return out;
  }
}

export class Writer {
  private chunks: Buffer[] = [];
  private cur = Buffer.allocUnsafe(256);
  private pos = 0;

  private room(n: number): void {
    if (this.pos + n <= this.cur.length) return;
    this.chunks.push(this.cur.subarray(0, this.pos));
    this.cur = Buffer.allocUnsafe(Math.max(256, n));
    this.pos = 0;
  }
  int8(v: number): this { this.room(1); this.cur.writeInt8(v, this.pos); this.pos += 1; return this; }
  int16(v: number): this { this.room(2); this.cur.writeInt16BE(v, this.pos); this.pos += 2; return this; }
  int32(v: number): this { this.room(4); this.cur.writeInt32BE(v, this.pos); this.pos += 4; return this; }
  uint32(v: number): this { this.room(4); this.cur.writeUInt32BE(v >>> 0, this.pos); this.pos += 4; return this; }
  int64(v: number | bigint): this { this.room(8); this.cur.writeBigInt64BE(BigInt(v), this.pos); this.pos += 8; return this; }
  bool(v: boolean): this { return this.int8(v ? 1 : 0); }
  uvarint(v: number): this {
    while (v >= 0x80) { this.int8u((v % 0x80) | 0x80); v = Math.floor(v / 0x80); }
    return this.int8u(v);
  }
  private int8u(v: number): this { this.room(1); this.cur[this.pos++] = v; return this; }
  varint(v: number): this { return this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1); }
  varlong(v: number): this {
    // zigzag in numbers while 2|v| stays exact; beyond that, in 64-bit bigints
    if (Math.abs(v) < 2 ** 52) return this.uvarint(v >= 0 ? v * 2 : -v * 2 - 1);
    let z = (BigInt(v) << 1n) ^ (BigInt(v) >> 63n);
    z = BigInt.asUintN(64, z);
    while (z >= 0x80n) { this.int8u(Number(z & 0x7fn) | 0x80); z >>= 7n; }
    return this.int8u(Number(z));
  }
  string(s: string): this { return this.nullableString(s); }
  nullableString(s: string | null): this {
    if (s === null) return this.int16(-1);
    const b = Buffer.from(s, 'utf8');
    return this.int16(b.length).raw(b);
  }
  bytes(b: Buffer | null): this {
    if (b === null) return this.int32(-1);
    return this.int32(b.length).raw(b);
  }
  raw(b: Buffer): this {
    if (b.length > 64) { this.chunks.push(this.cur.subarray(0, this.pos), b); this.cur = Buffer.allocUnsafe(256); this.pos = 0; return this; }
    this.room(b.length); b.copy(this.cur, this.pos); this.pos += b.length; return this;
  }
  array<T>(items: readonly T[], write: (w: Writer, item: T) => void): this {
    this.int32(items.length);
    for (const it of items) write(this, it);
    return this;
  }
  /** A compact (flexible versions) nullable string: length + 1 as an unsigned varint, 0 for null. */
  compactString(s: string | null): this {
    if (s === null) return this.uvarint(0);
    const b = Buffer.from(s, 'utf8');
    return this.uvarint(b.length + 1).raw(b);
  }
  /** A compact array: count + 1 as an unsigned varint. */
  compactArray<T>(items: readonly T[], write: (w: Writer, item: T) => void): this {
    this.uvarint(items.length + 1);
    for (const it of items) write(this, it);
    return this;
  }
  /** An empty tagged-field section (flexible versions). */
  tags(): this { return this.uvarint(0); }
  toBuffer(): Buffer { return Buffer.concat([...this.chunks, this.cur.subarray(0, this.pos)]); }
}
