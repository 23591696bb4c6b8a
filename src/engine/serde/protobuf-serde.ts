import protobuf from 'protobufjs';
import type { Decimal } from '../util/decimal.js';
import type { SqlType } from '../sql/types.js';
import type { ProtoSchema } from './protobuf-schema.js';
import { decimalFromBytes, decimalToBytes, findName, type Codec, type Shape } from './sr-values.js';

type Obj = { [k: string]: unknown };
const DAY_MS = 86_400_000;

/** Encodes and decodes one Protobuf message type; values follow the columns' SQL types. */
export function protobufCodec(schema: ProtoSchema, type: protobuf.Type, shape: Shape): Codec & { indexes: number[] } {
  const row: SqlType = { kind: 'STRUCT', fields: shape.names.map((name, i) => ({ name, type: shape.types[i]! })) };
  return {
    indexes: schema.indexesOf(type),
    encode(values) {
      const obj = toProto(Object.fromEntries(shape.names.map((n, i) => [n, values[i]])), type, row) as Obj;
      return type.encode(type.fromObject(obj)).finish();
    },
    decode(payload, writer, indexes) {
      const ws = (writer as ProtoSchema | undefined) ?? schema;
      const wt = (writer ? ws.byIndexes(indexes ?? [0]) : type) ?? type;
      const msg = wt.decode(payload) as unknown as Obj;
      const rec = fromMessage(msg, wt, row);
      return shape.names.map((n) => rec[n] ?? null);
    },
  };
}

const wellKnown = (t: protobuf.Type) => t.fullName.replace(/^\./, '');

function toProto(v: unknown, type: protobuf.Type, t: SqlType): unknown {
  if (t.kind !== 'STRUCT') return undefined;
  const src = v as Obj;
  const names = t.fields.map((f) => f.name);
  const out: Obj = {};
  for (const f of type.fieldsArray) {
    const i = findName(names, f.name);
    if (i < 0) continue;
    const x = toField(src[names[i]!], f, t.fields[i]!.type);
    if (x !== undefined) out[f.name] = x;
  }
  return out;
}

function toField(v: unknown, f: protobuf.Field, t: SqlType): unknown {
  if (v === null || v === undefined) return undefined;
  f.resolve();
  if (f.map && t.kind === 'MAP') return Object.fromEntries([...(v as Map<unknown, unknown>)].map(([k, x]) => [String(k), toElement(x, f, t.value)]));
  if (f.repeated && t.kind === 'ARRAY') return (v as unknown[]).map((x) => toElement(x, f, t.item));
  return toElement(v, f, t);
}

function toElement(v: unknown, f: protobuf.Field, t: SqlType): unknown {
  if (v === null || v === undefined) return f.resolvedType instanceof protobuf.Type ? {} : undefined;
  const rt = f.resolvedType;
  if (rt instanceof protobuf.Type) {
    const name = wellKnown(rt);
    if (name.startsWith('google.protobuf.') && name.endsWith('Value')) return { value: t.kind === 'BYTES' ? Buffer.from(v as Uint8Array) : v };
    if (name === 'google.protobuf.Timestamp') { const ms = v as number; return { seconds: Math.floor(ms / 1000), nanos: (((ms % 1000) + 1000) % 1000) * 1e6 }; }
    if (name === 'google.type.Date') { const d = new Date((v as number) * DAY_MS); return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() }; }
    if (name === 'google.type.TimeOfDay') { const ms = v as number; return { hours: Math.floor(ms / 3_600_000), minutes: Math.floor(ms / 60_000) % 60, seconds: Math.floor(ms / 1000) % 60, nanos: (ms % 1000) * 1e6 }; }
    if (name === 'confluent.type.Decimal' && t.kind === 'DECIMAL') return { value: decimalToBytes(v as Decimal, t.scale), precision: t.precision, scale: t.scale };
    return toProto(v, rt, t);
  }
  if (t.kind === 'BYTES') return Buffer.from(v as Uint8Array);
  return v;
}

function fromMessage(msg: Obj, type: protobuf.Type, t: SqlType): Obj {
  const out: Obj = {};
  if (t.kind !== 'STRUCT') return out;
  const names = type.fieldsArray.map((f) => f.name);
  for (const sf of t.fields) {
    const i = findName(names, sf.name);
    if (i < 0) { out[sf.name] = null; continue; }
    const f = type.fieldsArray[i]!;
    f.resolve();
    // proto3 `optional` fields have presence: unset is NULL, not the default
    const hasPresence = f.partOf !== null || f.options?.proto3_optional === true || (f as { proto3Optional?: boolean }).proto3Optional === true;
    if (hasPresence && !Object.prototype.hasOwnProperty.call(msg, f.name)) { out[sf.name] = null; continue; }
    out[sf.name] = fromField(msg[f.name], f, sf.type);
  }
  return out;
}

function fromField(v: unknown, f: protobuf.Field, t: SqlType): unknown {
  if (f.map && t.kind === 'MAP') return new Map(Object.entries((v ?? {}) as Obj).map(([k, x]) => [k, fromElement(x, f, t.value)]));
  if (f.repeated && t.kind === 'ARRAY') return ((v ?? []) as unknown[]).map((x) => fromElement(x, f, t.item));
  return fromElement(v, f, t);
}

function fromElement(v: unknown, f: protobuf.Field, t: SqlType): unknown {
  const rt = f.resolvedType;
  if (rt instanceof protobuf.Enum) return typeof v === 'number' ? rt.valuesById[v] ?? String(v) : v;
  if (rt instanceof protobuf.Type) {
    if (v === null || v === undefined) return null;
    const m = v as Obj;
    const name = wellKnown(rt);
    if (name.startsWith('google.protobuf.') && name.endsWith('Value')) return scalar(m.value ?? rt.fields.value!.defaultValue, t);
    if (name === 'google.protobuf.Timestamp') return num(m.seconds) * 1000 + Math.floor(num(m.nanos) / 1e6);
    if (name === 'google.type.Date') return Date.UTC(num(m.year), num(m.month) - 1, num(m.day)) / DAY_MS;
    if (name === 'google.type.TimeOfDay') return ((num(m.hours) * 60 + num(m.minutes)) * 60 + num(m.seconds)) * 1000 + Math.floor(num(m.nanos) / 1e6);
    if (name === 'confluent.type.Decimal' && t.kind === 'DECIMAL') return decimalFromBytes(Buffer.from((m.value ?? []) as Uint8Array), num(m.scale)).setScale(t.scale);
    return fromMessage(m, rt, t);
  }
  return scalar(v, t);
}

function scalar(v: unknown, t: SqlType): unknown {
  if (v === null || v === undefined) return null;
  switch (t.kind) {
    case 'BYTES': return Buffer.from(v as Uint8Array);
    case 'INTEGER': case 'BIGINT': case 'DOUBLE': return num(v);
    default: return v;
  }
}

/** protobufjs decodes 64-bit ints as Long objects when the `long` package is present. */
function num(v: unknown): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'object' ? Number(String(v)) : Number(v);
}
