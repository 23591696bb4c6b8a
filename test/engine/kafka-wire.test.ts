import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import crc32c from 'crc-32/crc32c.js';
import { Reader, Writer, WireError } from '../../src/engine/kafka/wire.js';
import { decodeRecords, encodeBatch, readBatches, BatchError, type WireRecord } from '../../src/engine/kafka/record-batch.js';

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

  it('a flipped byte fails the CRC-32C check with CORRUPT_MESSAGE', () => {
    const bytes = encodeBatch(records);
    bytes[bytes.length - 3] ^= 0xff;
    expect(() => readBatches(bytes)).toThrow(expect.objectContaining({ code: 2 }) as unknown as BatchError);
  });

  it('snappy, lz4 and zstd are refused with UNSUPPORTED_COMPRESSION_TYPE', () => {
    const bytes = Buffer.from(encodeBatch(records));
    bytes.writeInt16BE(2, 21); // attributes: snappy
    bytes.writeUInt32BE(crc32c.buf(bytes.subarray(21)) >>> 0, 17); // re-signed, so only the compression is wrong
    expect(() => readBatches(bytes)).toThrow(expect.objectContaining({ code: 76 }) as unknown as BatchError);
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
