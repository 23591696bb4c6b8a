import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import crc32c from 'crc-32/crc32c.js';
import { Reader, Writer, WireError } from '../../src/engine/kafka/wire.js';
import { decodeRecords, encodeBatch, readBatches, BatchError, type WireRecord } from '../../src/engine/kafka/record-batch.js';
import { CodecError, decompress } from '../../src/engine/kafka/compression.js';
import { gzipSync } from 'node:zlib';
import * as snappy from 'snappy';
import * as lz4 from 'lz4-napi';

describe('Kafka wire primitives', () => {
  it('varints, varlongs and unsigned varints round-trip', () => {
    fc.assert(fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.integer({ min: 0, max: 2 ** 31 }), fc.maxSafeInteger(), (v, u, l) => {
      const neg = l === 0 ? 0 : -l; // not -0: the wire has no negative zero
      const r = new Reader(new Writer().varint(v).uvarint(u).varlong(l).varlong(neg).toBuffer());
      expect([r.varint(), r.uvarint(), r.varlong(), r.varlong()]).toEqual([v, u, l, neg]);
    }));
  });

  it.each([
    [(w: Writer) => w.varint(0), [0x00]],
    [(w: Writer) => w.varint(-1), [0x01]],
    [(w: Writer) => w.varint(1), [0x02]],
    [(w: Writer) => w.varint(300), [0xd8, 0x04]],
    [(w: Writer) => w.nullableString(null), [0xff, 0xff]],
    [(w: Writer) => w.string('ab'), [0x00, 0x02, 0x61, 0x62]],
  ])('writes Kafka\'s encoding (%#)', (write, bytes) => { expect([...write(new Writer()).toBuffer()]).toEqual(bytes); });

  it('a read past the end is a WireError', () => {
    expect(() => new Reader(Buffer.from([0, 5, 0x61])).string()).toThrow(WireError);
    expect(() => new Reader(Buffer.from([0, 0, 0, 9])).array((r) => r.int32())).toThrow(WireError);
  });
});

describe('record batches (magic 2)', () => {
  const records: WireRecord[] = [
    { offset: 5, timestamp: 1000, key: Buffer.from('k'), value: Buffer.from('v1'), headers: [{ key: 'h', value: Buffer.from('x') }] },
    { offset: 6, timestamp: 1001, key: null, value: null, headers: [] },
  ];
  it.each([false, true])('encode then decode gives the records back (gzip %s)', (gzip) => {
    const [b] = readBatches(encodeBatch(records, gzip));
    expect(decodeRecords(b!)).toEqual(records);
    expect(b!.baseOffset).toBe(5);
  });

  it('a batch of more records than a call takes arguments keeps its first and last timestamps', () => {
    const many: WireRecord[] = Array.from({ length: 200_000 }, (_v, i) => ({ offset: i, timestamp: 5000 - (i % 7), key: null, value: Buffer.from('v'), headers: [] }));
    const [b] = readBatches(encodeBatch(many));
    const back = decodeRecords(b!);
    expect(back).toHaveLength(200_000);
    expect([Math.min(back[0]!.timestamp, back[6]!.timestamp), back[199_999]!.timestamp]).toEqual([4994, many[199_999]!.timestamp]);
  });

  it('a flipped byte fails the CRC-32C check with CORRUPT_MESSAGE', () => {
    const bytes = encodeBatch(records);
    bytes[bytes.length - 3] ^= 0xff;
    expect(() => readBatches(bytes)).toThrow(expect.objectContaining({ code: 2 }) as unknown as BatchError);
  });

  // a batch's records compressed with a codec: the header's attributes, length and CRC redone
  const compressed = (codec: number, compress: (body: Buffer) => Buffer): Buffer => {
    const plain = encodeBatch(records);
    const body = compress(plain.subarray(61));
    const out = Buffer.concat([plain.subarray(0, 61), body]);
    out.writeInt32BE(out.length - 12, 8);
    out.writeInt16BE(codec, 21);
    out.writeUInt32BE(crc32c.buf(out.subarray(21)) >>> 0, 17);
    return out;
  };
  // the two records' bytes as the zstd command line compresses them (the library here only decompresses)
  const ZSTD_BODY = Buffer.from('KLUv/SQVqQAAGgAAAAJrBHYxAgJoAngMAAICAQEAAFw2Rw==', 'base64');
  const xerial = (body: Buffer) => {
    const block = snappy.compressSync(body);
    const head = Buffer.alloc(16);
    Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]).copy(head);
    head.writeInt32BE(1, 8); head.writeInt32BE(1, 12);
    const len = Buffer.alloc(4); len.writeInt32BE(block.length);
    return Buffer.concat([head, len, block]);
  };
  it.each([
    ['snappy, one raw block (librdkafka)', 2, (b: Buffer) => snappy.compressSync(b)],
    ['snappy, framed as snappy-java does (the Java client)', 2, xerial],
    ['lz4 frame', 3, (b: Buffer) => lz4.compressFrameSync(b)],
    ['zstd frame', 4, () => ZSTD_BODY],
  ])('%s decompresses to the records', (_name, codec, compress) => {
    const [b] = readBatches(compressed(codec, compress));
    expect(decodeRecords(b!)).toEqual(records);
  });

  it('a compression type beyond zstd is UNSUPPORTED_COMPRESSION_TYPE; a body that does not decompress is CORRUPT_MESSAGE', () => {
    expect(() => readBatches(compressed(5, (b) => b))).toThrow(expect.objectContaining({ code: 76 }) as unknown as BatchError);
    for (const codec of [2, 3, 4]) expect(() => readBatches(compressed(codec, (b) => b))).toThrow(expect.objectContaining({ code: 2 }) as unknown as BatchError);
  });

  it('each codec stops at the limit instead of inflating a small body into a large one', () => {
    const big = Buffer.alloc(1 << 20);
    expect(() => decompress(2, snappy.compressSync(big), 1000)).toThrow(CodecError);
    expect(() => decompress(3, lz4.compressFrameSync(big), 1000)).toThrow(CodecError);
    expect(() => decompress(4, ZSTD_BODY, 10)).toThrow(CodecError);
    expect(() => decompress(1, gzipSync(big), 1000)).toThrow(CodecError);
  });

  it('the batches of one request share one limit on what they decompress to', () => {
    const batch = compressed(1, (b) => gzipSync(b));
    const two = Buffer.concat([batch, batch]);
    const plainSize = encodeBatch(records).length - 61;
    expect(readBatches(two, { left: 2 * plainSize })).toHaveLength(2);
    const budget = { left: 2 * plainSize - 1 };
    expect(() => readBatches(two, budget)).toThrow(expect.objectContaining({ code: 2 }) as unknown as BatchError);
  });

  it('a zstd frame asking for a huge window is refused before the decoder sets the window aside', () => {
    // 10 bytes: a frame with a window of almost 2 GiB and one raw block of one byte
    const frame = Buffer.from('28b52ffd00a709000041', 'hex');
    expect(() => decompress(4, frame, 1 << 20)).toThrow(/window of \d+ bytes is over/);
    // the same block in a frame with a small window decodes
    expect(decompress(4, Buffer.from('28b52ffd000009000041', 'hex'), 1 << 20).toString()).toBe('A');
    // a stated content size beyond the limit is refused too
    const sized = Buffer.from('28b52ffd20' + '05' + '090000' + '41', 'hex');
    expect(() => decompress(4, sized, 4)).toThrow(CodecError);
  });

  it('snappy framed in several blocks counts every block against the limit', () => {
    const part = Buffer.alloc(600, 0x61);
    const block = (b: Buffer) => { const c = snappy.compressSync(b); const len = Buffer.alloc(4); len.writeInt32BE(c.length); return Buffer.concat([len, c]); };
    const framed = Buffer.concat([xerial(Buffer.alloc(0)).subarray(0, 16), block(part), block(part)]);
    expect(decompress(2, framed, 1200).length).toBe(1200);
    expect(() => decompress(2, framed, 1000)).toThrow(CodecError);
  });

  // a batch whose CRC is right but whose records are not: refused at produce time, never stored
  const resigned = (bytes: Buffer) => { bytes.writeUInt32BE(crc32c.buf(bytes.subarray(21)) >>> 0, 17); return bytes; };
  it.each([
    ['a record count above the records there are', (b: Buffer) => b.writeInt32BE(3, 57)],
    ['a key length past the record', (b: Buffer) => { b[61 + 4] = 0x7e; }],
    ['a negative header key length', (b: Buffer) => { b[61 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 2 + 1] = 0x01; }],
    ['a negative header count', (b: Buffer) => { b[61 + 1 + 1 + 1 + 1 + 1 + 1 + 1 + 2] = 0x01; }],
    ['a key length of -2', (b: Buffer) => { b[61 + 4] = 0x03; }],
  ])('%s is CORRUPT_MESSAGE', (_name, damage) => {
    const bytes = Buffer.from(encodeBatch(records));
    damage(bytes);
    expect(() => readBatches(resigned(bytes))).toThrow(expect.objectContaining({ code: 2 }) as unknown as BatchError);
  });

  it('a gzipped batch whose body does not inflate is CORRUPT_MESSAGE', () => {
    const bytes = Buffer.from(encodeBatch(records, true));
    bytes[bytes.length - 12] ^= 0xff; // inside the deflate stream or its trailer
    expect(() => readBatches(resigned(bytes))).toThrow(expect.objectContaining({ code: 2 }) as unknown as BatchError);
  });

  it('readBatches checks the framing without decoding; decodeRecords then gives the records with offsets from the base given', () => {
    const [h] = readBatches(encodeBatch(records));
    expect([h!.count, h!.baseTimestamp]).toEqual([2, 1000]);
    expect(decodeRecords(h!, 100).map((r) => r.offset)).toEqual([100, 101]);
    expect(decodeRecords(h!).map((r) => r.value?.toString() ?? null)).toEqual(['v1', null]);
  });
});
