import type protobuf from 'protobufjs';
import { protobufjs } from './libraries.js';
import { recordArena } from './arena.js';
import { generatedFunction } from '../util/generated.js';

// A message of plain scalar fields (the settlement stream's, and most a CSAS writes) is encoded
// here straight into the records' arena, after the frame: no per-field operations list. The
// bytes are exactly protobufjs's (fields in id order, a field written whenever its value is not
// null nor, without presence, its default; strings under 40 characters through its own UTF-8
// writer); a property test holds the two to that. Values protobufjs would coerce (a fractional INTEGER, a BIGINT beyond 2^53) are left to it.

type Kind = 'int32' | 'sint32' | 'sfixed32' | 'int64' | 'sint64' | 'sfixed64' | 'double' | 'float' | 'bool' | 'string';
const WIRE: Record<Kind, number> = { int32: 0, sint32: 0, int64: 0, sint64: 0, bool: 0, sfixed32: 5, float: 5, sfixed64: 1, double: 1, string: 2 };
const KINDS = new Set<string>(Object.keys(WIRE));

/** Writes a row's values (by column index) as one message, after `prefix`; undefined when it cannot. */
export type FlatEncoder = (values: readonly unknown[], prefix: Uint8Array) => Buffer | undefined;

/**
 * The encoder of `fields` (each a message field and the column it takes), or undefined when a field
 * is not a plain scalar this encoder writes. The encoder is generated for the message: one straight
 * run of code per field (its column, tag bytes and kind fixed), a first pass that checks the values
 * and bounds the size, and a second that writes into the records' arena. A string is written as
 * ASCII (its length is then its size) and written again, after its UTF-8 size, where it was not.
 */
export function flatEncoder(fields: { f: protobuf.Field; i: number }[]): FlatEncoder | undefined {
  if (fields.some(({ f }) => f.repeated || f.map || f.resolvedType !== null || !KINDS.has(f.type))) return undefined;
  const sorted = [...fields].sort((a, b) => a.f.id - b.f.id);
  const { util } = protobufjs();
  const checks: string[] = [], writes: string[] = [];
  sorted.forEach(({ f, i }, j) => {
    const kind = f.type as Kind;
    const tag = varintBytes(((f.id << 3) | WIRE[kind]) >>> 0);
    const v = `v${j}`, w = `w${j}`;
    // a value is written unless null, or (a proto3 field without presence) its type's default:
    // 0 (not -0), '' or false, whatever the field's kind (see isImplicitDefault)
    const absent = `${v} === null || ${v} === undefined${f.hasPresence ? '' : ` || (${v} === 0 ? 1 / ${v} > 0 : ${v} === '' || ${v} === false)`}`;
    checks.push(`const ${v} = values[${i}], ${w} = !(${absent});`, `if (${w}) {`);
    writes.push(`if (${w}) {`, `  ${tag.map((b) => `out[pos++] = ${b};`).join(' ')}`);
    // (the bound: the tag, and at most 10 bytes for a varint, 5 for a length, 3 per UTF-16 unit)
    switch (kind) {
      case 'string':
        checks.push(`  if (typeof ${v} !== 'string') return undefined;`, `  bound += ${tag.length + 5} + 3 * ${v}.length;`);
        writes.push(`  const at = pos; let all = 0;`,
          `  pos = writeVarint(out, pos, ${v}.length);`,
          `  for (let c = 0; c < ${v}.length; c++) { const ch = ${v}.charCodeAt(c); all |= ch; out[pos++] = ch; }`,
          // not ASCII: its UTF-8 size and bytes, written over. protobufjs's BufferWriter writes
          // below 40 characters with its own UTF-8 writer, and with Buffer's above
          `  if (all > 127) { pos = writeVarint(out, at, Buffer.byteLength(${v})); pos += ${v}.length < 40 ? utf8.write(${v}, out, pos) : out.write(${v}, pos, 'utf8'); }`);
        break;
      case 'int32':
        checks.push(`  if (typeof ${v} !== 'number' || (${v} | 0) !== ${v}) return undefined;`, `  bound += ${tag.length + 10};`);
        writes.push(`  pos = ${v} >= 0 ? writeVarint(out, pos, ${v}) : writeVarint64(out, pos, LongBits.fromNumber(${v}));`);
        break;
      case 'sint32':
        checks.push(`  if (typeof ${v} !== 'number' || (${v} | 0) !== ${v}) return undefined;`, `  bound += ${tag.length + 5};`);
        writes.push(`  pos = writeVarint(out, pos, ((${v} << 1) ^ (${v} >> 31)) >>> 0);`);
        break;
      case 'sfixed32':
        checks.push(`  if (typeof ${v} !== 'number' || (${v} | 0) !== ${v}) return undefined;`, `  bound += ${tag.length + 4};`);
        writes.push(`  out.writeUInt32LE(${v} >>> 0, pos); pos += 4;`);
        break;
      case 'int64':
        checks.push(`  if (!Number.isSafeInteger(${v})) return undefined;`, `  bound += ${tag.length + 10};`);
        // a safe integer not below 0 is written from the number; below 0, its 64 bits
        writes.push(`  pos = ${v} >= 0 ? writeNumberVarint(out, pos, ${v}) : writeVarint64(out, pos, LongBits.fromNumber(${v}));`);
        break;
      case 'sint64':
        checks.push(`  if (!Number.isSafeInteger(${v})) return undefined;`, `  bound += ${tag.length + 10};`);
        // the zigzag of a number within 2^52 of 0 is a whole number a double holds exactly
        // (zzEncode leaves the shared zero that fromNumber(0) returns as it is)
        writes.push(`  if (Math.abs(${v}) <= ${2 ** 52}) pos = writeNumberVarint(out, pos, ${v} >= 0 ? 2 * ${v} : -2 * ${v} - 1);`,
          `  else pos = writeVarint64(out, pos, LongBits.fromNumber(${v}).zzEncode());`);
        break;
      case 'sfixed64':
        checks.push(`  if (!Number.isSafeInteger(${v})) return undefined;`, `  bound += ${tag.length + 8};`);
        writes.push(`  const bits = LongBits.fromNumber(${v}); out.writeUInt32LE(bits.lo, pos); out.writeUInt32LE(bits.hi, pos + 4); pos += 8;`);
        break;
      case 'double':
        checks.push(`  if (typeof ${v} !== 'number') return undefined;`, `  bound += ${tag.length + 8};`);
        writes.push(`  out.writeDoubleLE(${v}, pos); pos += 8;`);
        break;
      case 'float':
        checks.push(`  if (typeof ${v} !== 'number') return undefined;`, `  bound += ${tag.length + 4};`);
        writes.push(`  out.writeFloatLE(${v}, pos); pos += 4;`);
        break;
      case 'bool':
        checks.push(`  if (typeof ${v} !== 'boolean') return undefined;`, `  bound += ${tag.length + 1};`);
        writes.push(`  out[pos++] = ${v} ? 1 : 0;`);
        break;
    }
    checks.push('}');
    writes.push('}');
  });
  const body = [
    'return (values, prefix) => {',
    'let bound = prefix.length;',
    ...checks,
    'const out = arena.room(bound);',
    'let pos = arena.used;',
    'for (let k = 0; k < prefix.length; k++) out[pos++] = prefix[k];',
    ...writes,
    'return arena.take(pos);',
    '};',
  ].join('\n');
  const helpers = { Buffer, arena: recordArena, writeVarint, writeNumberVarint, writeVarint64, LongBits: util.LongBits, utf8: util.utf8 };
  return generatedFunction<FlatEncoder>('protobuf-writer', helpers, body);
}


/** Writes a whole number from 0 to 2^53 as a varint: from its two 32-bit halves, above 2^31. */
function writeNumberVarint(buf: Buffer, pos: number, v: number): number {
  if (v < 2147483648) return writeVarint(buf, pos, v);
  const lo = v >>> 0;
  return writeHalves(buf, pos, lo, (v - lo) / 4294967296);
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
  return writeHalves(buf, pos, bits.lo, bits.hi);
}

/** Writes the varint of a 64-bit value given as its unsigned low and high 32 bits. */
function writeHalves(buf: Buffer, pos: number, lo: number, hi: number): number {
  while (hi) {
    buf[pos++] = (lo & 127) | 128;
    lo = ((lo >>> 7) | (hi << 25)) >>> 0;
    hi >>>= 7;
  }
  while (lo > 127) { buf[pos++] = (lo & 127) | 128; lo >>>= 7; }
  buf[pos++] = lo;
  return pos;
}
