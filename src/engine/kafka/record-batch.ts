import { gunzipSync, gzipSync } from 'node:zlib';
import crc32c from 'crc-32/crc32c.js';
import { Reader, WireError, Writer } from './wire.js';
import type { Header } from '../storage/topics.js';

/** A record as a producer sends it and a consumer receives it. */
export interface WireRecord { offset: number; timestamp: number; key: Buffer | null; value: Buffer | null; headers: Header[] }

export interface DecodedBatch {
  baseOffset: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  transactional: boolean;
  control: boolean;
  records: WireRecord[];
}

/** Kafka's record batch error: the producer gets CORRUPT_MESSAGE (2) or UNSUPPORTED_COMPRESSION_TYPE (76). */
export class BatchError extends Error {
  constructor(message: string, readonly code: number) { super(message); }
}

const crcOf = (b: Buffer) => crc32c.buf(b) >>> 0;

/** Decodes the record batches (magic 2) of a Produce request's partition data. */
export function decodeBatches(data: Buffer): DecodedBatch[] {
  const out: DecodedBatch[] = [];
  let pos = 0;
  while (pos < data.length) {
    if (data.length - pos < 61) throw new BatchError('truncated record batch', 2);
    const baseOffset = Number(data.readBigInt64BE(pos));
    const length = data.readInt32BE(pos + 8);
    if (length < 49 || pos + 12 + length > data.length) throw new BatchError('record batch length out of range', 2);
    const batch = data.subarray(pos + 12, pos + 12 + length);
    pos += 12 + length;
    const magic = batch.readInt8(4);
    if (magic !== 2) throw new BatchError(`record batch magic ${magic} is not supported`, 2);
    const crc = batch.readUInt32BE(5);
    if (crcOf(batch.subarray(9)) !== crc) throw new BatchError('record batch CRC does not match', 2);
    const attributes = batch.readInt16BE(9);
    const baseTimestamp = Number(batch.readBigInt64BE(15));
    const producerId = Number(batch.readBigInt64BE(31));
    const producerEpoch = batch.readInt16BE(39);
    const baseSequence = batch.readInt32BE(41);
    const count = batch.readInt32BE(45);
    let body = batch.subarray(49);
    const compression = attributes & 7;
    if (compression === 1) body = gunzipSync(body);
    else if (compression !== 0) throw new BatchError(`compression type ${compression} is not supported (gzip and none are)`, 76);
    const r = new Reader(body);
    const records: WireRecord[] = [];
    try {
      for (let i = 0; i < count; i++) {
        r.varint(); // record length
        r.int8(); // attributes
        const tsDelta = r.varlong();
        const offsetDelta = r.varint();
        const kl = r.varint();
        // views into the request, not copies: the records keep the request's bytes alive, as copies would
        const key = kl < 0 ? null : r.raw(kl);
        const vl = r.varint();
        const value = vl < 0 ? null : r.raw(vl);
        const headers: Header[] = [];
        const hc = r.varint();
        for (let h = 0; h < hc; h++) {
          const hk = r.raw(r.varint()).toString('utf8');
          const hvl = r.varint();
          headers.push({ key: hk, value: hvl < 0 ? null : r.raw(hvl) });
        }
        records.push({ offset: baseOffset + offsetDelta, timestamp: baseTimestamp + tsDelta, key, value, headers });
      }
    } catch (e) {
      if (e instanceof WireError) throw new BatchError(`corrupt record: ${e.message}`, 2);
      throw e;
    }
    out.push({ baseOffset, producerId, producerEpoch, baseSequence, transactional: (attributes & 16) !== 0, control: (attributes & 32) !== 0, records });
  }
  return out;
}

/** Encodes records with consecutive offsets as one record batch (magic 2), optionally gzipped. */
export function encodeBatch(records: WireRecord[], gzip = false): Buffer {
  const baseOffset = records[0]!.offset;
  const baseTimestamp = Math.min(...records.map((r) => r.timestamp));
  const maxTimestamp = Math.max(...records.map((r) => r.timestamp));
  const body = new Writer();
  for (const rec of records) {
    const w = new Writer();
    w.int8(0).varlong(rec.timestamp - baseTimestamp).varint(rec.offset - baseOffset);
    if (rec.key === null) w.varint(-1); else w.varint(rec.key.length).raw(rec.key);
    if (rec.value === null) w.varint(-1); else w.varint(rec.value.length).raw(rec.value);
    w.varint(rec.headers.length);
    for (const h of rec.headers) {
      const hk = Buffer.from(h.key, 'utf8');
      w.varint(hk.length).raw(hk);
      if (h.value === null) w.varint(-1); else w.varint(h.value.length).raw(h.value);
    }
    const bytes = w.toBuffer();
    body.varint(bytes.length).raw(bytes);
  }
  let recordsBytes = body.toBuffer();
  if (gzip) recordsBytes = gzipSync(recordsBytes);
  const tail = new Writer()
    .int16(gzip ? 1 : 0)
    .int32(records[records.length - 1]!.offset - baseOffset)
    .int64(baseTimestamp).int64(maxTimestamp)
    .int64(-1).int16(-1).int32(-1)
    .int32(records.length)
    .raw(recordsBytes)
    .toBuffer();
  const head = new Writer().int64(baseOffset).int32(4 + 1 + 4 + tail.length).int32(0).int8(2).uint32(crcOf(tail)).toBuffer();
  return Buffer.concat([head, tail]);
}
