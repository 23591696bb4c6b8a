import { gzipSync } from 'node:zlib';
import { decompress } from './compression.js';
import { crc32, crc32c } from '@node-rs/crc32';
import { Reader, WireError, Writer } from './wire.js';
import type { Header, PendingBatch } from '../storage/topics.js';
import type { Lease } from '../storage/slabs.js';

/** A record as a producer sends it and a consumer receives it. */
export interface WireRecord { offset: number; timestamp: number; key: Buffer | null; value: Buffer | null; headers: Header[] }

/** A record batch's header, checked (CRC, magic, compression, record framing); its records not yet decoded. */
export interface BatchHeader {
  baseOffset: number;
  producerId: number;
  producerEpoch: number;
  baseSequence: number;
  transactional: boolean;
  control: boolean;
  count: number;
  /** The last record's offset from the first (a batch of n records: n - 1). */
  lastOffsetDelta: number;
  baseTimestamp: number;
  /** The records' bytes, decompressed. */
  body: Buffer;
  /** The batch's size on the wire (what a broker's log holds). */
  size: number;
  /** Whether a record has a null key (a compacted topic refuses it). */
  nullKey: boolean;
  /** The batch's codec (attributes bits 0-2: 0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd). */
  compression: number;
  /** A compressed batch as it came (a view of the request): what a broker's log keeps and a fetch sends back. */
  wire?: Buffer;
}

/** Kafka's record batch error: the producer gets CORRUPT_MESSAGE (2) or UNSUPPORTED_COMPRESSION_TYPE (76). */
export class BatchError extends Error {
  constructor(message: string, readonly code: number) { super(message); }
}

const crcOf = (b: Buffer) => crc32c(b) >>> 0;
/**
 * What one produce request's compressed batches may decompress to, all together (Kafka's default
 * message.max.bytes is about 1 MB compressed; a broker's socket limit is 100 MB).
 */
const MAX_DECOMPRESSED = 100 * 1024 * 1024;

/** The bytes a produce request's batches may still decompress to; one per request. */
export interface DecompressionBudget { left: number }
export const decompressionBudget = (): DecompressionBudget => ({ left: MAX_DECOMPRESSED });

/**
 * Reads the record batches (magic 2) of a Produce request's partition data: each header, with the
 * CRC checked and every record's framing walked, so a batch that passes decodes without error.
 * Nothing per record is allocated here; decodeRecords does that when the records are read.
 */
export function readBatches(data: Buffer, budget: DecompressionBudget = decompressionBudget(), opts: { anyTimestamp?: boolean; timeRange?: [number, number] } = {}): BatchHeader[] {
  const out: BatchHeader[] = [];
  let pos = 0;
  while (pos < data.length) {
    if (data.length - pos < 61) throw new BatchError('truncated record batch', 2);
    const start = pos;
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
    const count = batch.readInt32BE(45);
    let body = batch.subarray(49);
    const compression = attributes & 7;
    if (compression > 4) throw new BatchError(`compression type ${compression} is not one of Kafka's (none, gzip, snappy, lz4, zstd)`, 76);
    if (compression !== 0) {
      try { body = decompress(compression, body, budget.left); } catch (e) { throw new BatchError((e as Error).message, 2); }
      budget.left -= body.length;
    }
    const baseTimestamp = Number(batch.readBigInt64BE(15));
    const nullKey = checkFraming(body, count, opts.anyTimestamp ? undefined : baseTimestamp, opts.anyTimestamp ? undefined : opts.timeRange, compression !== 0);
    out.push({
      baseOffset, producerId: Number(batch.readBigInt64BE(31)), producerEpoch: batch.readInt16BE(39), baseSequence: batch.readInt32BE(41),
      transactional: (attributes & 16) !== 0, control: (attributes & 32) !== 0,
      count, lastOffsetDelta: batch.readInt32BE(11), baseTimestamp, body, size: 12 + length, nullKey, compression,
      ...(compression !== 0 ? { wire: data.subarray(start, pos) } : {}),
    });
  }
  return out;
}

/**
 * A message set of Produce v0 to v2 (messages of magic 0 or 1, each checked against its CRC32; a
 * compressed message wraps a message set of its own) as one record batch of magic 2, the format
 * this log holds, as a broker converts what older clients send. A magic 0 message has no time (-1).
 */
export function legacyMessageSet(data: Buffer, budget: DecompressionBudget): Buffer {
  const records: WireRecord[] = [];
  readMessages(data, budget, records, false);
  return records.length === 0 ? Buffer.alloc(0) : encodeBatch(records);
}

function readMessages(data: Buffer, budget: DecompressionBudget, out: WireRecord[], inner: boolean): void {
  let pos = 0;
  while (pos < data.length) {
    if (data.length - pos < 12) throw new BatchError('truncated message set', 2);
    const size = data.readInt32BE(pos + 8);
    if (size < 14 || pos + 12 + size > data.length) throw new BatchError('message size out of range', 2);
    const msg = data.subarray(pos + 12, pos + 12 + size);
    pos += 12 + size;
    if ((crc32(msg.subarray(4)) >>> 0) !== msg.readUInt32BE(0)) throw new BatchError('message CRC does not match', 2);
    const magic = msg.readInt8(4), attributes = msg.readInt8(5);
    if (magic !== 0 && magic !== 1) throw new BatchError(`message magic ${magic} is not that of a message set (0 or 1)`, 2);
    if (magic === 1 && size < 22) throw new BatchError('message size out of range', 2);
    const timestamp = magic === 1 ? Number(msg.readBigInt64BE(6)) : -1;
    const r = new Reader(msg.subarray(magic === 1 ? 14 : 6));
    let key: Buffer | null, value: Buffer | null;
    try {
      key = r.bytes(); value = r.bytes();
      if (r.remaining !== 0) throw new WireError(`message has ${r.remaining} bytes after its value`);
    } catch (e) {
      if (e instanceof WireError) throw new BatchError(`corrupt message: ${e.message}`, 2);
      throw e;
    }
    const codec = attributes & 7;
    if (codec === 0) { out.push({ offset: out.length, timestamp, key, value, headers: [] }); continue; }
    // zstd came with magic 2; a wrapper inside a wrapper is no message set Kafka writes
    if (codec > 3) throw new BatchError(`compression type ${codec} needs record batches (magic 2)`, 76);
    if (inner || value === null) throw new BatchError('corrupt compressed message', 2);
    let body: Buffer;
    try { body = decompress(codec, value, budget.left); } catch (e) { throw new BatchError((e as Error).message, 2); }
    budget.left -= body.length;
    readMessages(body, budget, out, true);
  }
}

/**
 * Walks `count` records: each field within its record, each record exactly its stated length, each
 * time one this log can hold exactly (within 2^53 ms of 1970 either way; INVALID_TIMESTAMP otherwise).
 * Returns whether a record has a null key.
 */
function checkFraming(body: Buffer, count: number, baseTimestamp: number | undefined, timeRange?: [number, number], compressed = false): boolean {
  if (count < 0) throw new BatchError(`record count ${count} is negative`, 2);
  const r = new Reader(body);
  let nullKey = false;
  try {
    for (let i = 0; i < count; i++) {
      const length = r.varint();
      if (length < 0 || length > r.remaining) throw new WireError(`record ${i} of ${length} bytes overruns the batch`);
      const end = r.remaining - length;
      r.skip(1); // attributes
      const ts = r.varlong() + (baseTimestamp ?? 0);
      if (baseTimestamp !== undefined && !Number.isSafeInteger(ts)) throw new BatchError(`record ${i} has a timestamp beyond what this log holds exactly (${ts})`, 32);
      // message.timestamp.before.max.ms / after.max.ms: a time too far from the broker's is refused
      // (a record without a time, -1, is not judged: Kafka's validator skips NO_TIMESTAMP)
      if (timeRange && ts !== -1 && (ts < timeRange[0] || ts > timeRange[1])) throw new BatchError(`record ${i}'s timestamp ${ts} is outside the topic's range [${timeRange[0]}, ${timeRange[1]}]`, 32);
      // a compressed batch's records count their offsets from 0 in steps of 1, as Kafka's validator requires
      // of one (it is kept and sent back as it came, so its offsets are what consumers see)
      const delta = r.varint();
      if (compressed && delta !== i) throw new BatchError(`Inner record ${i} inside the compressed record batch does not have incremental offsets, expected offset is ${i}`, 87);
      if (skipBytes(r, 'key') < 0) nullKey = true;
      skipBytes(r, 'value');
      const hc = r.varint();
      if (hc < 0) throw new WireError(`record ${i} has ${hc} headers`);
      for (let h = 0; h < hc; h++) {
        r.skip(r.varint());
        skipBytes(r, 'header value');
      }
      if (r.remaining !== end) throw new WireError(`record ${i} is not ${length} bytes long`);
    }
  } catch (e) {
    if (e instanceof WireError) throw new BatchError(`corrupt record: ${e.message}`, 2);
    throw e;
  }
  if (r.remaining !== 0) throw new BatchError(`record batch has ${r.remaining} bytes after its ${count} records`, 2);
  return nullKey;
}

/** Skips a length-prefixed field and returns its length: -1 is null, any other negative length is corrupt. */
function skipBytes(r: Reader, what: string): number {
  const n = r.varint();
  if (n < -1) throw new WireError(`${what} length ${n}`);
  if (n > 0) r.skip(n);
  return n;
}

/** The records of a batch that readBatches accepted; offsets count up from `baseOffset`. */
export function decodeRecords(b: BatchHeader, baseOffset = b.baseOffset): WireRecord[] {
  const r = new Reader(b.body);
  const records: WireRecord[] = new Array(b.count);
  for (let i = 0; i < b.count; i++) {
    r.varint(); // record length
    r.skip(1); // attributes
    const tsDelta = r.varlong();
    r.skipVarint(); // offset delta: a broker assigns offsets in order
    const kl = r.varint();
    // views into the request, not copies: the records keep the request's bytes alive, as copies would
    const key = kl < 0 ? null : r.raw(kl);
    const vl = r.varint();
    const value = vl < 0 ? null : r.raw(vl);
    const hc = r.varint();
    const headers: Header[] = hc === 0 ? [] : new Array(hc);
    for (let h = 0; h < hc; h++) {
      const hk = r.raw(r.varint()).toString('utf8');
      const hvl = r.varint();
      headers[h] = { key: hk, value: hvl < 0 ? null : r.raw(hvl) };
    }
    records[i] = { offset: baseOffset + i, timestamp: b.baseTimestamp + tsDelta, key, value, headers };
  }
  return records;
}

/** compression.type's name for each codec number. */
const CODEC_NAMES = ['uncompressed', 'gzip', 'snappy', 'lz4', 'zstd'];

/**
 * A checked batch as a log holds it until it is read; a record without a time (-1) gets the append
 * time, and every record does when the topic keeps log append times. Its records are copied into
 * `memory` (the request they came in is read into memory used again for the next one).
 */
export function producedBatch(b: BatchHeader, appendTime: number, logAppendTime: boolean, memory: Lease, compressionType = 'producer'): PendingBatch {
  b.body.copy(memory.bytes);
  const held: BatchHeader = { ...b, body: memory.bytes, wire: undefined };
  // a compressed batch is kept as it came, for fetches to send back as a broker does, where the topic
  // keeps the producer's codec (compression.type producer, or that codec; a broker recompresses into
  // another, and the batch goes out uncompressed here); not a LogAppendTime topic's, whose times the
  // log rewrites, nor a transaction's, whose markers this log does not write
  const keeps = compressionType === 'producer' || compressionType === CODEC_NAMES[b.compression];
  const wire = b.wire && keeps && !logAppendTime && !b.transactional ? Buffer.from(b.wire) : undefined;
  return {
    count: b.count,
    bytes: b.size,
    wire,
    decode() {
      // records are views of the bytes they are decoded from, and outlive the log: shared memory is copied first
      const own = memory.pooled ? { ...held, body: Buffer.from(held.body) } : held;
      const records = decodeRecords(own);
      // (a record without a time, -1, keeps it on a CreateTime topic, as Kafka keeps it)
      if (logAppendTime) for (const r of records) r.timestamp = appendTime;
      memory.giveBack();
      return records;
    },
    dropped() { memory.giveBack(); },
  };
}

/**
 * Encodes records of a LogAppendTime topic: a batch of that type carries one time for all its
 * records (its max timestamp), so records appended at different times go in batches of their own.
 */
export function encodeLogAppendTimeBatches(records: WireRecord[]): Buffer {
  const batches: Buffer[] = [];
  for (let i = 0; i < records.length;) {
    let j = i + 1;
    while (j < records.length && records[j]!.timestamp === records[i]!.timestamp) j++;
    batches.push(encodeBatch(records.slice(i, j), false, true));
    i = j;
  }
  return batches.length === 1 ? batches[0]! : Buffer.concat(batches);
}

/** Encodes records with consecutive offsets as one record batch (magic 2), optionally gzipped. */
export function encodeBatch(records: WireRecord[], gzip = false, logAppendTime = false): Buffer {
  const baseOffset = records[0]!.offset;
  // a loop, not Math.min(...): a fetch may carry more records than a call takes arguments
  let baseTimestamp = Infinity, maxTimestamp = -Infinity;
  for (const r of records) { if (r.timestamp < baseTimestamp) baseTimestamp = r.timestamp; if (r.timestamp > maxTimestamp) maxTimestamp = r.timestamp; }
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
    // attributes: compression in bits 0-2, the timestamp type (1: LogAppendTime) in bit 3
    .int16((gzip ? 1 : 0) | (logAppendTime ? 8 : 0))
    .int32(records[records.length - 1]!.offset - baseOffset)
    .int64(baseTimestamp).int64(maxTimestamp)
    .int64(-1).int16(-1).int32(-1)
    .int32(records.length)
    .raw(recordsBytes)
    .toBuffer();
  const head = new Writer().int64(baseOffset).int32(4 + 1 + 4 + tail.length).int32(0).int8(2).uint32(crcOf(tail)).toBuffer();
  return Buffer.concat([head, tail]);
}
