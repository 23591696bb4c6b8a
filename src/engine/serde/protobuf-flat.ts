import type protobuf from 'protobufjs';
import { protobufjs } from './libraries.js';

// A message of plain scalar fields (the settlement stream's, and most a CSAS writes) is encoded
// here straight into the framed record buffer: one allocation, no per-field operations list. The
// bytes are exactly protobufjs's (fields in id order, a field written whenever its value is not
// null nor, without presence, its default; strings under 40 characters through its own UTF-8
// writer); a property test holds the two
// to that. Values protobufjs would coerce (a fractional INTEGER, a BIGINT beyond 2^53) are left to it.

type Kind = 'int32' | 'sint32' | 'sfixed32' | 'int64' | 'sint64' | 'sfixed64' | 'double' | 'float' | 'bool' | 'string';
const WIRE: Record<Kind, number> = { int32: 0, sint32: 0, int64: 0, sint64: 0, bool: 0, sfixed32: 5, float: 5, sfixed64: 1, double: 1, string: 2 };
const KINDS = new Set<string>(Object.keys(WIRE));

/** Writes a row's values (by column index) as one message, after `prefix`; undefined when it cannot. */
export type FlatEncoder = (values: readonly unknown[], prefix: Uint8Array) => Buffer | undefined;

/**
 * The encoder of `fields` (each a message field and the column it takes), or undefined when a field
 * is not a plain scalar this encoder writes.
 */
export function flatEncoder(fields: { f: protobuf.Field; i: number }[]): FlatEncoder | undefined {
  if (fields.some(({ f }) => f.repeated || f.map || f.resolvedType !== null || !KINDS.has(f.type))) return undefined;
  const sorted = [...fields].sort((a, b) => a.f.id - b.f.id);
  const cols = sorted.map((x) => x.i);
  const kinds = sorted.map((x) => x.f.type as Kind);
  // proto3 fields without presence leave their default out (see isImplicitDefault)
  const implicit = sorted.map((x) => !x.f.hasPresence);
  const skip = (j: number, v: unknown) => implicit[j]! && (Object.is(v, 0) || v === '' || v === false);
  const tags = sorted.map((x) => varintBytes(((x.f.id << 3) | WIRE[x.f.type as Kind]) >>> 0));
  const { util } = protobufjs();
  const LongBits = util.LongBits;
  const utf8 = util.utf8;
  const n = sorted.length;
  // per field: its value's byte length (strings), or its 64-bit form, between the two passes
  const lens = new Array<number>(n).fill(0);
  const longs = new Array<protobuf.util.LongBits | null>(n).fill(null);
  return (values, prefix) => {
    let size = prefix.length;
    for (let j = 0; j < n; j++) {
      const v = values[cols[j]!];
      if (v === null || v === undefined || skip(j, v)) continue;
      size += tags[j]!.length;
      switch (kinds[j]!) {
        case 'string': {
          if (typeof v !== 'string') return undefined;
          const len = utf8Length(v);
          lens[j] = len; size += varintLength(len) + len; break;
        }
        case 'int32':
          if (typeof v !== 'number' || (v | 0) !== v) return undefined;
          size += v < 0 ? 10 : varintLength(v); break;
        case 'sint32':
          if (typeof v !== 'number' || (v | 0) !== v) return undefined;
          size += varintLength(((v << 1) ^ (v >> 31)) >>> 0); break;
        case 'sfixed32':
          if (typeof v !== 'number' || (v | 0) !== v) return undefined;
          size += 4; break;
        case 'int64': case 'sint64': {
          if (!Number.isSafeInteger(v)) return undefined;
          // a safe integer not below 0, or the zigzag of one within 2^52 of 0, is a varint of a
          // whole number a double holds exactly: written from the number
          const x = v as number;
          if (kinds[j] === 'sint64' ? Math.abs(x) <= 2 ** 52 : x >= 0) { longs[j] = null; size += numberVarintLength(kinds[j] === 'sint64' ? (x >= 0 ? 2 * x : -2 * x - 1) : x); break; }
          // (zzEncode leaves the shared zero that fromNumber(0) returns as it is)
          const bits = LongBits.fromNumber(x);
          if (kinds[j] === 'sint64') bits.zzEncode();
          longs[j] = bits; size += bits.length(); break;
        }
        case 'sfixed64': if (!Number.isSafeInteger(v)) return undefined; size += 8; break;
        case 'double': if (typeof v !== 'number') return undefined; size += 8; break;
        case 'float': if (typeof v !== 'number') return undefined; size += 4; break;
        case 'bool': if (typeof v !== 'boolean') return undefined; size += 1; break;
      }
    }
    const out = Buffer.allocUnsafe(size);
    out.set(prefix, 0);
    let pos = prefix.length;
    for (let j = 0; j < n; j++) {
      const v = values[cols[j]!];
      if (v === null || v === undefined || skip(j, v)) continue;
      const tag = tags[j]!;
      for (let t = 0; t < tag.length; t++) out[pos++] = tag[t]!;
      switch (kinds[j]!) {
        case 'string': {
          const len = lens[j]!;
          pos = writeVarint(out, pos, len);
          // protobufjs's BufferWriter: its own UTF-8 writer below 40 characters, Buffer's above
          if (len > 0) pos += (v as string).length < 40 ? utf8.write(v as string, out, pos) : out.write(v as string, pos, 'utf8');
          break;
        }
        case 'int32':
          if ((v as number) >= 0) pos = writeVarint(out, pos, v as number);
          else pos = writeVarint64(out, pos, LongBits.fromNumber(v as number));
          break;
        case 'sint32': pos = writeVarint(out, pos, (((v as number) << 1) ^ ((v as number) >> 31)) >>> 0); break;
        case 'sfixed32': out.writeUInt32LE((v as number) >>> 0, pos); pos += 4; break;
        case 'int64': case 'sint64': {
          const bits = longs[j];
          const x = v as number;
          pos = bits ? writeVarint64(out, pos, bits) : writeNumberVarint(out, pos, kinds[j] === 'sint64' ? (x >= 0 ? 2 * x : -2 * x - 1) : x);
          break;
        }
        case 'sfixed64': {
          const bits = LongBits.fromNumber(v as number);
          out.writeUInt32LE(bits.lo, pos); out.writeUInt32LE(bits.hi, pos + 4); pos += 8; break;
        }
        case 'double': out.writeDoubleLE(v as number, pos); pos += 8; break;
        case 'float': out.writeFloatLE(v as number, pos); pos += 4; break;
        case 'bool': out[pos++] = v ? 1 : 0; break;
      }
    }
    return out;
  };
}

/** A string's UTF-8 length: counted here where it is ASCII (most are), else by Buffer. */
function utf8Length(s: string): number {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 127) return Buffer.byteLength(s);
  return s.length;
}

/** The varint length of a whole number from 0 to 2^53. */
function numberVarintLength(v: number): number {
  let n = 1;
  while (v >= 128) { v = Math.floor(v / 128); n++; }
  return n;
}

/** Writes a whole number from 0 to 2^53 as a varint. */
function writeNumberVarint(buf: Buffer, pos: number, v: number): number {
  while (v >= 128) { buf[pos++] = (v % 128) | 128; v = Math.floor(v / 128); }
  buf[pos++] = v;
  return pos;
}

function varintLength(v: number): number {
  return v < 128 ? 1 : v < 16384 ? 2 : v < 2097152 ? 3 : v < 268435456 ? 4 : 5;
}

function varintBytes(v: number): number[] {
  const out: number[] = [];
  while (v > 127) { out.push((v & 127) | 128); v >>>= 7; }
  out.push(v);
  return out;
}

function writeVarint(buf: Buffer, pos: number, v: number): number {
  while (v > 127) { buf[pos++] = (v & 127) | 128; v >>>= 7; }
  buf[pos++] = v;
  return pos;
}

function writeVarint64(buf: Buffer, pos: number, bits: { lo: number; hi: number }): number {
  let lo = bits.lo, hi = bits.hi;
  while (hi) {
    buf[pos++] = (lo & 127) | 128;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
  }
  while (lo > 127) { buf[pos++] = (lo & 127) | 128; lo >>>= 7; }
  buf[pos++] = lo;
  return pos;
}
