/**
 * Confluent's Schema Registry wire format: magic byte 0, the schema id as a big-endian int32, for
 * Protobuf the message-index path (a zigzag varint count, then the indexes; the single byte 0 means
 * "the first message"), then the payload.
 */
export interface Framed { schemaId: number; indexes?: number[]; payload: Buffer }

export class WireFormatError extends Error {}

/** Frames payloads for one schema id and message path: the header is built once. */
export function framer(schemaId: number, indexes?: number[]): (payload: Uint8Array) => Buffer {
  const prefix = framePrefix(schemaId, indexes);
  return (payload) => {
    const out = Buffer.allocUnsafe(prefix.length + payload.length);
    prefix.copy(out, 0);
    out.set(payload, prefix.length);
    return out;
  };
}

/** The bytes before a payload framed for `schemaId` (and, for Protobuf, the message path `indexes`). */
export function framePrefix(schemaId: number, indexes?: number[]): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(schemaId >>> 0, 1);
  const idx = !indexes ? [] : indexes.length === 1 && indexes[0] === 0 ? [0] : [indexes.length, ...indexes];
  return Buffer.concat([head, Buffer.from(idx.flatMap(zigzagVarint))]);
}

export function unframe(bytes: Buffer, withIndexes: boolean): Framed {
  if (bytes.length < 5 || bytes[0] !== 0) throw new WireFormatError('Unknown magic byte!');
  const schemaId = bytes.readInt32BE(1);
  if (!withIndexes) return { schemaId, payload: bytes.subarray(5) };
  let pos = 5;
  const read = (): number => {
    let shift = 0, n = 0;
    for (;;) {
      if (pos >= bytes.length) throw new WireFormatError('Truncated message indexes');
      const b = bytes[pos++]!;
      n |= (b & 0x7f) << shift;
      if (!(b & 0x80)) break;
      shift += 7;
    }
    return (n >>> 1) ^ -(n & 1);
  };
  const count = read();
  const indexes = count === 0 ? [0] : Array.from({ length: count }, read);
  return { schemaId, indexes, payload: bytes.subarray(pos) };
}

function zigzagVarint(n: number): number[] {
  let z = ((n << 1) ^ (n >> 31)) >>> 0;
  const out: number[] = [];
  while (z > 0x7f) { out.push((z & 0x7f) | 0x80); z >>>= 7; }
  out.push(z);
  return out;
}
