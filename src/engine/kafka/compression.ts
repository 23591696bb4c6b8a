import { createRequire } from 'node:module';
import { gunzipSync } from 'node:zlib';
import type * as Snappy from 'snappy';
import type * as Lz4 from 'lz4-napi';
import type * as Zstd from 'fzstd';
import { Reader } from './wire.js';

/**
 * The record-batch compression codecs Kafka defines (attributes & 7): none, gzip, snappy, lz4 and
 * zstd. A broker only decompresses what producers send; it answers fetches uncompressed. Each
 * codec refuses output beyond `max` bytes before it is produced (and zstd a window beyond 32 MiB),
 * so a small batch cannot inflate into more memory than the listener allows.
 */
export const CODECS = ['none', 'gzip', 'snappy', 'lz4', 'zstd'] as const;

/** A body that does not decompress, or would decompress beyond the limit. */
export class CodecError extends Error {}

// the codec libraries load on first use: most producers send uncompressed batches
const load = createRequire(import.meta.url);
let snappyLib: typeof Snappy | undefined, lz4Lib: typeof Lz4 | undefined, zstdLib: typeof Zstd | undefined;
const snappy = () => (snappyLib ??= load('snappy') as typeof Snappy);
const lz4 = () => (lz4Lib ??= load('lz4-napi') as typeof Lz4);
const zstd = () => (zstdLib ??= load('fzstd') as typeof Zstd);

/** The records' bytes of a batch compressed with `codec` (1-4). */
export function decompress(codec: number, body: Buffer, max: number): Buffer {
  try {
    switch (codec) {
      case 1: return gunzipSync(body, { maxOutputLength: max });
      case 2: return unsnappy(body, max);
      case 3: return unlz4(body, max);
      case 4: return unzstd(body, max);
      default: throw new CodecError(`compression type ${codec} is not one of Kafka's`);
    }
  } catch (e) {
    if (e instanceof CodecError) throw e;
    throw new CodecError(`${CODECS[codec] ?? codec}: ${(e as Error).message}`);
  }
}

const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);

/**
 * Snappy as Kafka's clients write it: the Java client frames blocks the way snappy-java does (a
 * 16-byte header, then each block after its 4-byte length); librdkafka may send one raw block.
 */
function unsnappy(body: Buffer, max: number): Buffer {
  if (body.length < 16 || !body.subarray(0, 8).equals(XERIAL_MAGIC)) return snappyBlock(body, max);
  const parts: Buffer[] = [];
  let pos = 16, total = 0;
  while (pos < body.length) {
    if (pos + 4 > body.length) throw new CodecError('snappy: truncated block length');
    const n = body.readInt32BE(pos);
    if (n < 0 || pos + 4 + n > body.length) throw new CodecError('snappy: block overruns the batch');
    const block = snappyBlock(body.subarray(pos + 4, pos + 4 + n), max - total);
    parts.push(block);
    total += block.length;
    pos += 4 + n;
  }
  return Buffer.concat(parts, total);
}

/** One raw snappy block; its length prefix (an unsigned varint, as Kafka's) is checked against the limit first. */
function snappyBlock(block: Buffer, max: number): Buffer {
  const size = new Reader(block).uvarint();
  if (size > max) throw new CodecError(`snappy: block of ${size} bytes is over the ${max} allowed`);
  return snappy().uncompressSync(block, { asBuffer: true }) as Buffer;
}

/**
 * LZ4 frames (Kafka's record batch v2 uses the standard frame format). The output is bounded before
 * anything is decompressed: each block holds at most the frame's block size, so the block headers
 * give the most the frames can hold.
 */
function unlz4(body: Buffer, max: number): Buffer {
  const bound = lz4Bound(body);
  if (bound > max) throw new CodecError(`lz4: frames of up to ${bound} bytes are over the ${max} allowed`);
  return lz4().decompressFrameSync(body);
}

const LZ4_BLOCK_SIZES: Record<number, number> = { 4: 64 << 10, 5: 256 << 10, 6: 1 << 20, 7: 4 << 20 };

/** The most that LZ4 frames can decompress to, from their headers and block sizes. */
function lz4Bound(body: Buffer): number {
  let pos = 0, bound = 0;
  const need = (n: number) => { if (pos + n > body.length) throw new CodecError('lz4: truncated frame'); };
  while (pos < body.length) {
    need(7);
    if (body.readUInt32LE(pos) !== 0x184d2204) throw new CodecError('lz4: not an LZ4 frame');
    const flags = body[pos + 4]!, blockMax = LZ4_BLOCK_SIZES[(body[pos + 5]! >> 4) & 7];
    if (blockMax === undefined) throw new CodecError('lz4: bad block size');
    pos += 6 + ((flags & 0x08) ? 8 : 0) + ((flags & 0x01) ? 4 : 0) + 1;
    for (;;) {
      need(4);
      const size = body.readUInt32LE(pos) & 0x7fffffff;
      pos += 4;
      if (size === 0) break;
      if (size > blockMax) throw new CodecError('lz4: block larger than its frame allows');
      pos += size + ((flags & 0x10) ? 4 : 0);
      bound += blockMax;
    }
    if (flags & 0x04) pos += 4;
  }
  return bound;
}

/**
 * Zstandard frames. The decoder sets aside each frame's window before it writes anything, so the
 * frame headers and block headers are walked first: a window over ZSTD_MAX_WINDOW, or blocks that
 * could regenerate more than the limit, are refused before any memory is taken.
 */
function unzstd(body: Buffer, max: number): Buffer {
  const bound = zstdBound(body, max);
  if (bound > max) throw new CodecError(`zstd: frames of up to ${bound} bytes are over the ${max} allowed`);
  return Buffer.from(zstd().decompress(new Uint8Array(body.buffer, body.byteOffset, body.length)));
}

/** The largest window a frame may ask for (the format's recommended decoder minimum is 8 MiB). */
const ZSTD_MAX_WINDOW = 32 << 20;

/** The most that Zstandard frames can regenerate, from their frame and block headers. */
function zstdBound(body: Buffer, max: number): number {
  let pos = 0, bound = 0;
  const need = (n: number) => { if (pos + n > body.length) throw new CodecError('zstd: truncated frame'); };
  while (pos < body.length) {
    need(5);
    if (body.readUInt32LE(pos) !== 0xfd2fb528) throw new CodecError('zstd: not a Zstandard frame');
    const desc = body[pos + 4]!;
    pos += 5;
    const single = (desc & 0x20) !== 0, fcsFlag = desc >> 6, dictBytes = [0, 1, 2, 4][desc & 3]!, checksum = (desc & 0x04) !== 0;
    let window = 0;
    if (!single) {
      need(1);
      const w = body[pos]!, base = 2 ** (10 + (w >> 3));
      window = base + (base / 8) * (w & 7);
      pos += 1;
    }
    pos += dictBytes;
    const fcsBytes = fcsFlag === 0 ? (single ? 1 : 0) : [0, 2, 4, 8][fcsFlag]!;
    need(fcsBytes);
    if (fcsBytes) {
      const raw = fcsBytes === 1 ? body[pos]! : fcsBytes === 2 ? body.readUInt16LE(pos) + 256 : fcsBytes === 4 ? body.readUInt32LE(pos) : Number(body.readBigUInt64LE(pos));
      // the decoder sets aside a stated content size at once; a single-segment frame's window is its content
      if (raw > max) throw new CodecError(`zstd: a frame of ${raw} bytes is over the ${max} allowed`);
      if (single) window = raw;
    }
    pos += fcsBytes;
    if (window > ZSTD_MAX_WINDOW) throw new CodecError(`zstd: a window of ${window} bytes is over the ${ZSTD_MAX_WINDOW} allowed`);
    // each block regenerates at most min(window, 128 KiB); raw and RLE blocks state their size
    for (let last = false; !last;) {
      need(3);
      const h = body.readUIntLE(pos, 3), type = (h >> 1) & 3, size = h >>> 3;
      last = (h & 1) === 1;
      pos += 3;
      if (type === 3) throw new CodecError('zstd: reserved block type');
      const stored = type === 1 ? 1 : size;
      need(stored);
      pos += stored;
      bound += type === 2 ? Math.min(window, 128 << 10) : size;
    }
    if (checksum) { need(4); pos += 4; }
  }
  return bound;
}
