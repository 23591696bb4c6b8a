import type protobuf from 'protobufjs';
import { protobufjs } from '../serde/libraries.js';
import { parseProto } from '../serde/protobuf-schema.js';
import { javaDoubleString } from '../util/decimal.js';

type Msg = Record<string, unknown>;
const isMessage = (t: protobuf.ReflectionObject | null): t is protobuf.Type => t instanceof protobufjs().Type;

/**
 * A protobuf query row as ksqlDB's REST test harness shows it: the bytes decoded with the header's
 * schema (its first message) and printed in Java's protobuf text format, `NAME: value` lines with
 * nested messages in indented `NAME { ... }` blocks.
 */
export function protoRowText(schemaText: string, bytes: Buffer): string {
  const type = parseProto(schemaText).message();
  if (!type) throw new Error('the protoSchema declares no message');
  return printMessage(type.decode(bytes) as unknown as Msg, type, '');
}

/** Fields in number order; proto3 fields without presence are printed only when they hold more than the default. */
function printMessage(m: Msg, type: protobuf.Type, indent: string): string {
  let out = '';
  for (const f of [...type.fieldsArray].sort((a, b) => a.id - b.id)) {
    f.resolve();
    const v = m[f.name];
    if (f.map) {
      const keyType = (f as unknown as protobuf.MapField).keyType;
      for (const [k, x] of Object.entries((v ?? {}) as Msg)) out += `${indent}${f.name} {\n${indent}  key: ${scalar(k, keyType)}\n${value(x, f, `${indent}  `, 'value')}${indent}}\n`;
    } else if (f.repeated) {
      for (const x of (v ?? []) as unknown[]) out += value(x, f, indent, f.name);
    } else if (Object.prototype.hasOwnProperty.call(m, f.name) && v !== null && v !== undefined) {
      const presence = isMessage(f.resolvedType) || f.partOf !== null || f.options?.proto3_optional === true;
      if (presence || !isDefault(v)) out += value(v, f, indent, f.name);
    }
  }
  return out;
}

function value(v: unknown, f: protobuf.Field, indent: string, name: string): string {
  const rt = f.resolvedType;
  if (isMessage(rt)) return `${indent}${name} {\n${printMessage(v as Msg, rt, `${indent}  `)}${indent}}\n`;
  if (rt instanceof protobufjs().Enum) return `${indent}${name}: ${rt.valuesById[v as number] ?? String(v)}\n`;
  return `${indent}${name}: ${scalar(v, f.type)}\n`;
}

function scalar(v: unknown, type: string): string {
  switch (type) {
    case 'string': return `"${escapeBytes(Buffer.from(v as string, 'utf8'))}"`;
    case 'bytes': return `"${escapeBytes(Buffer.from(v as Uint8Array))}"`;
    // Java prints both through Double.toString / Float.toString; a float's digits may differ here
    case 'double': case 'float': return javaDoubleString(v as number);
    default: return String(v);
  }
}

function isDefault(v: unknown): boolean {
  if (typeof v === 'object' && v !== null && 'isZero' in v) return (v as { isZero(): boolean }).isZero();
  if (v instanceof Uint8Array) return v.length === 0;
  return v === 0 || v === '' || v === false;
}

/** Java TextFormat's escapeBytes: C escapes for control characters and quotes, octal for other bytes outside printable ASCII. */
function escapeBytes(b: Buffer): string {
  const named: Record<number, string> = { 7: '\\a', 8: '\\b', 12: '\\f', 10: '\\n', 13: '\\r', 9: '\\t', 11: '\\v', 92: '\\\\', 39: "\\'", 34: '\\"' };
  let out = '';
  for (const x of b) out += named[x] ?? (x >= 0x20 && x <= 0x7e ? String.fromCharCode(x) : `\\${(x >> 6) & 3}${(x >> 3) & 7}${x & 7}`);
  return out;
}
