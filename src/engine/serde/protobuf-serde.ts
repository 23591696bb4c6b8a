import { wrapLong, type Long } from '../util/long.js';
import type protobuf from 'protobufjs';
import { protobufjs } from './libraries.js';
import type { Decimal } from '../util/decimal.js';
import type { SqlType } from '../sql/types.js';
import { realOneofs, type ProtoSchema } from './protobuf-schema.js';
import { flatEncoder } from './protobuf-flat.js';
import { decimalFromBytes, decimalToBytes, findName, type Codec, type Shape } from './sr-values.js';
import { SerdeError } from './serde-error.js';
import { isWellFormed } from '../util/java-utf8.js';
import { connectMismatch, type ConnectType } from './connect-types.js';

type Obj = { [k: string]: unknown };
const DAY_MS = 86_400_000;
/** The Protobuf field types that take a SQL type's values as they are, without fromObject's conversions. */
const SCALARS: Partial<Record<SqlType['kind'], string[]>> = {
  BOOLEAN: ['bool'], INTEGER: ['int32', 'sint32', 'sfixed32'], BIGINT: ['int64', 'sint64', 'sfixed64'], DOUBLE: ['double', 'float'], STRING: ['string'],
};

/** Encodes and decodes one Protobuf message type; values follow the columns' SQL types. */
export function protobufCodec(schema: ProtoSchema, type: protobuf.Type, shape: Shape): Codec & { indexes: number[] } {
  const row: SqlType = { kind: 'STRUCT', fields: shape.names.map((name, i) => ({ name, type: shape.types[i]! })) };
  // the message's fields this row writes, matched to columns once
  const writes = type.fieldsArray.flatMap((f) => {
    const i = findName(shape.names, f.name);
    return i < 0 ? [] : [{ f: f.resolve(), i, t: shape.types[i]! }];
  });
  // a oneof is one struct column (`<oneof>_<index>`): its one non-null field is the member written
  const unions = realOneofs(type).map((u) => ({ oneof: u.oneof, i: findName(shape.names, u.name) })).filter((u) => u.i >= 0);
  // fromObject is only needed for conversions, and for a proto2 `required` field's default when it has no value
  const scalarOnly = unions.length === 0 && type.fieldsArray.every((f) => !f.required)
    && writes.every((w) => w.f.resolvedType === null && !w.f.map && !w.f.repeated && SCALARS[w.t.kind]?.includes(w.f.type) === true);
  const readBack = scalarOnly ? readBackOf(type, row, shape) : undefined;
  return {
    indexes: schema.indexesOf(type),
    readBack,
    encodeAfter: scalarOnly ? flatEncoder(writes) : undefined,
    encode(values) {
      const obj: Obj = {};
      for (const w of writes) {
        const x = toField(values[w.i], w.f, w.t);
        if (x !== undefined) obj[w.f.name] = x;
      }
      for (const u of unions) writeUnion(obj, u.oneof, values[u.i], shape.types[u.i]!);
      // fromObject only converts what encode cannot take as it is (enum names, nested messages)
      return type.encode(scalarOnly ? obj : type.fromObject(obj)).finish();
    },
    decode(payload, writer, indexes) {
      const ws = (writer as ProtoSchema | undefined) ?? schema;
      // the message indexes name the writer's message: indexes that name none cannot be read (Confluent's
      // deserializer fails the record), rather than read as the first message
      const wt = writer ? ws.byIndexes(indexes ?? [0]) : type;
      if (!wt) throw new SerdeError(`Invalid message indexes: [${(indexes ?? [0]).join(', ')}] name no message of the writer's schema`);
      const msg = wt.decode(payload) as unknown as Obj;
      return fromMessage(msg, wt, row, true) as unknown[];
    },
  };
}

const wellKnown = (t: protobuf.Type) => t.fullName.replace(/^\./, '');


/**
 * For a message of plain scalar fields, what decoding a row written with it gives, worked out from
 * the row: a column the message lacks reads NULL; an unset field reads NULL if it has presence and
 * the type's default otherwise. Values that would not come back as they went (a float field, a
 * BIGINT beyond 2^53, a string with a lone surrogate) make it give up.
 */
function readBackOf(type: protobuf.Type, row: SqlType & { kind: 'STRUCT' }, shape: Shape): ((values: unknown[]) => unknown[] | undefined) | undefined {
  const plan = readPlan(type, row);
  // a float loses precision, empty bytes read as NULL, and a field's own default (proto2) is not the type's
  if (plan.some((p) => p !== undefined && (p.union !== undefined || p.f.type === 'float' || p.emptyIsNull || p.f.options?.default !== undefined))) return undefined;
  const defaults = shape.types.map((t) => (t.kind === 'STRING' ? '' : t.kind === 'BOOLEAN' ? false : 0));
  const kinds = shape.types.map((t) => t.kind);
  return (values) => {
    const out: unknown[] = new Array(plan.length);
    for (let i = 0; i < plan.length; i++) {
      const p = plan[i], v = values[i];
      if (p === undefined || p.union) { out[i] = null; continue; }
      if (v === null || v === undefined) { out[i] = p.presence ? null : defaults[i]; continue; }
      if (typeof v === 'string') { if (!isWellFormed(v)) return undefined; out[i] = v; continue; }
      if (kinds[i] === 'INTEGER' || kinds[i] === 'BIGINT') {
        // only whole numbers the wire type holds come back as they went, and -0 comes back as 0
        if (kinds[i] === 'INTEGER' ? ((v as number) | 0) !== v : !Number.isSafeInteger(v)) return undefined;
        out[i] = (v as number) === 0 ? 0 : v;
        continue;
      }
      out[i] = v;
    }
    return out;
  };
}

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
  for (const u of realOneofs(type)) {
    const i = findName(names, u.name);
    if (i >= 0) writeUnion(out, u.oneof, src[names[i]!], t.fields[i]!.type);
  }
  return out;
}

/** A oneof's struct column into the message: its first non-null field is the member set. */
function writeUnion(out: Obj, oneof: protobuf.OneOf, v: unknown, t: SqlType): void {
  if (v === null || v === undefined || t.kind !== 'STRUCT') return;
  const src = v as Obj, names = t.fields.map((f) => f.name);
  for (const f of oneof.fieldsArray) {
    const i = findName(names, f.name);
    const x = i < 0 ? undefined : src[names[i]!];
    if (x === null || x === undefined) continue;
    // (a member set to its default is still the member set: it is written)
    const field = f.resolve();
    out[f.name] = field.map || field.repeated ? toField(x, field, t.fields[i]!.type) : toElement(x, field, t.fields[i]!.type);
    return;
  }
}

/**
 * An element of a repeated or map field, which holds no null: protobuf-java refuses one when the
 * message is built, so the record is not written (it had become the text "undefined", or NaN, or a
 * default message).
 */
function present(x: unknown, f: protobuf.Field): unknown {
  if (x === null || x === undefined) throw new SerdeError(`Protobuf field '${f.name}' cannot hold a null ${f.map ? 'map value' : 'element'}`);
  return x;
}

function toField(v: unknown, f: protobuf.Field, t: SqlType): unknown {
  if (v === null || v === undefined) return undefined;
  f.resolve();
  if (f.map && t.kind === 'MAP') return Object.fromEntries([...(v as Map<unknown, unknown>)].map(([k, x]) => [String(k), toElement(present(x, f), f, t.value)]));
  if (f.repeated && t.kind === 'ARRAY') return (v as unknown[]).map((x) => toElement(present(x, f), f, t.item));
  const x = toElement(v, f, t);
  return isImplicitDefault(x, f) ? undefined : x;
}

/**
 * A proto3 scalar without presence holding its type's default (0, '', false, no bytes, the first
 * enum value) is not written, as protobuf-java's DynamicMessage leaves it out: the bytes, and so a
 * key's partition, are the ones ksqlDB and Confluent's serializers produce. (-0.0 is written, as
 * Java's Double.equals tells it from 0.0.)
 */
export function isImplicitDefault(x: unknown, f: protobuf.Field): boolean {
  if (f.hasPresence || f.repeated || f.map || f.resolvedType instanceof protobufjs().Type) return false;
  if (f.resolvedType instanceof protobufjs().Enum) return x === 0 || (typeof x === 'string' && f.resolvedType.values[x] === 0);
  return Object.is(x, 0) || x === '' || x === false || (x instanceof Uint8Array && x.length === 0);
}

/** A well-known type's fields without those holding 0 or no bytes (proto3: not written). */
function written(fields: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, x] of Object.entries(fields)) if (!(x === 0 || (x instanceof Uint8Array && x.length === 0))) out[k] = x;
  return out;
}

function toElement(v: unknown, f: protobuf.Field, t: SqlType): unknown {
  if (v === null || v === undefined) return f.resolvedType instanceof protobufjs().Type ? {} : undefined;
  const rt = f.resolvedType;
  if (rt instanceof protobufjs().Type) {
    const name = wellKnown(rt);
    if (WRAPPERS.has(name)) {
      // (a wrapper's own value field has no presence either: a wrapped 0 is an empty message)
      const value = t.kind === 'BYTES' ? Buffer.from(v as Uint8Array) : v;
      return rt.fields.value && isImplicitDefault(value, rt.fields.value.resolve()) ? {} : { value };
    }
    // (their fields are proto3 scalars too: one holding 0 is not written, as protobuf-java leaves it out)
    if (name === 'google.protobuf.Timestamp') { const ms = v as number; return written({ seconds: Math.floor(ms / 1000), nanos: (((ms % 1000) + 1000) % 1000) * 1e6 }); }
    if (name === 'google.type.Date') { const d = new Date((v as number) * DAY_MS); return written({ year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() }); }
    if (name === 'google.type.TimeOfDay') { const ms = v as number; return written({ hours: Math.floor(ms / 3_600_000), minutes: Math.floor(ms / 60_000) % 60, seconds: Math.floor(ms / 1000) % 60, nanos: (ms % 1000) * 1e6 }); }
    // (its precision is the value's own, as Confluent's DecimalUtils.fromBigDecimal writes it: 1.5 is 2)
    if (name === 'confluent.type.Decimal' && t.kind === 'DECIMAL') return written({ value: decimalToBytes(v as Decimal, t.scale), precision: (v as Decimal).setScale(t.scale).precision, scale: t.scale });
    return toProto(v, rt, t);
  }
  if (t.kind === 'BYTES') return Buffer.from(v as Uint8Array);
  // an enum takes one of its names (protobufjs would write the first value for any other, silently)
  if (rt instanceof protobufjs().Enum && typeof v === 'string' && !Object.hasOwn(rt.values, v)) {
    throw new SerdeError(`'${v}' is no value of the enum ${rt.name} (field ${f.name}): ${Object.keys(rt.values).join(', ')}`);
  }
  // a long beyond 2^53 goes to protobufjs as its two 32-bit halves (it takes no bigint)
  if (typeof v === 'bigint') return { low: Number(BigInt.asIntN(32, v)), high: Number(BigInt.asIntN(32, v >> 32n)), unsigned: false };
  return v;
}

/**
 * How a message type's fields feed a struct's fields (or a row's columns), worked out once per pair:
 * a field, or a oneof read as one struct (`<oneof>_<index>`).
 */
type FieldRead = { f: protobuf.Field; presence: boolean; emptyIsNull: boolean; union?: undefined };
type UnionRead = { union: protobuf.OneOf; f?: undefined };
type ReadPlan = (FieldRead | UnionRead | undefined)[];
const readPlans = new WeakMap<protobuf.Type, WeakMap<SqlType, ReadPlan>>();

function readPlan(type: protobuf.Type, t: SqlType & { kind: 'STRUCT' }): ReadPlan {
  let byRow = readPlans.get(type);
  if (!byRow) readPlans.set(type, byRow = new WeakMap());
  let plan = byRow.get(t);
  if (!plan) {
    const names = type.fieldsArray.map((f) => f.name);
    const unions = realOneofs(type);
    const unionNames = unions.map((u) => u.name);
    plan = t.fields.map((sf) => {
      const i = findName(names, sf.name);
      if (i < 0) {
        const u = findName(unionNames, sf.name);
        return u < 0 ? undefined : { union: unions[u]!.oneof };
      }
      const f = type.fieldsArray[i]!.resolve();
      // proto3 `optional` fields have presence: unset is NULL, not the default
      const presence = f.partOf !== null || f.options?.proto3_optional === true || (f as { proto3Optional?: boolean }).proto3Optional === true;
      // ksqlDB reads a proto3 `bytes` field holding no bytes as NULL (protobuf.json "should not filter out bytes")
      const emptyIsNull = !presence && f.type === 'bytes' && !f.repeated && !f.map;
      return { f, presence, emptyIsNull };
    });
    byRow.set(t, plan);
  }
  return plan;
}

/** A message as a struct (by field name), or as a row's values in column order when `asRow`. */
function fromMessage(msg: Obj, type: protobuf.Type, t: SqlType, asRow = false): Obj | unknown[] {
  if (t.kind !== 'STRUCT') return asRow ? [] : {};
  const plan = readPlan(type, t);
  const out: unknown[] = new Array(t.fields.length);
  for (let i = 0; i < plan.length; i++) {
    const p = plan[i];
    if (p?.union) { out[i] = readUnion(msg, p, t.fields[i]!.type); continue; }
    if (p === undefined || (p.presence && !Object.prototype.hasOwnProperty.call(msg, p.f.name))) { out[i] = null; continue; }
    const v = fromField(msg[p.f.name], p.f, t.fields[i]!.type) ?? null;
    out[i] = p.emptyIsNull && Buffer.isBuffer(v) && v.length === 0 ? null : v;
  }
  if (asRow) return out;
  const obj: Obj = {};
  for (let i = 0; i < out.length; i++) obj[t.fields[i]!.name] = out[i];
  return obj;
}

/** A oneof as its struct: the member set holds its value, the others NULL; none set is NULL. */
function readUnion(msg: Obj, p: UnionRead, t: SqlType): Obj | null {
  if (t.kind !== 'STRUCT') return null;
  const set = p.union.fieldsArray.find((f) => Object.prototype.hasOwnProperty.call(msg, f.name) && msg[f.name] !== undefined);
  if (!set) return null;
  // the struct's field that is the member set, by name, as its other fields match theirs
  const i = findName(t.fields.map((f) => f.name), set.name);
  const out: Obj = {};
  for (const sf of t.fields) out[sf.name] = null;
  if (i >= 0) out[t.fields[i]!.name] = fromField(msg[set.name], set.resolve(), t.fields[i]!.type) ?? null;
  return out;
}

function fromField(v: unknown, f: protobuf.Field, t: SqlType): unknown {
  if (f.map && t.kind === 'MAP') return new Map(Object.entries((v ?? {}) as Obj).map(([k, x]) => [k, fromElement(x, f, t.value)]));
  if (f.repeated && t.kind === 'ARRAY') return ((v ?? []) as unknown[]).map((x) => fromElement(x, f, t.item));
  return fromElement(v, f, t);
}

function fromElement(v: unknown, f: protobuf.Field, t: SqlType): unknown {
  const rt = f.resolvedType;
  if (rt instanceof protobufjs().Enum) {
    const mismatch = connectMismatch('string', t);
    if (mismatch) throw mismatch;
    return typeof v === 'number' ? rt.valuesById[v] ?? String(v) : v;
  }
  if (rt instanceof protobufjs().Type) {
    if (v === null || v === undefined) return null;
    const m = v as Obj;
    const name = wellKnown(rt);
    if (WRAPPERS.has(name)) {
      // a wrapper is read as the type it wraps
      const mismatch = connectMismatch(PROTO_CONNECT.get(rt.fields.value!.type), t);
      if (mismatch) throw mismatch;
      return scalar(m.value ?? rt.fields.value!.defaultValue, t);
    }
    if (name === 'google.protobuf.Timestamp') return num(m.seconds) * 1000 + Math.floor(num(m.nanos) / 1e6);
    if (name === 'google.type.Date') return Date.UTC(num(m.year), num(m.month) - 1, num(m.day)) / DAY_MS;
    if (name === 'google.type.TimeOfDay') return ((num(m.hours) * 60 + num(m.minutes)) * 60 + num(m.seconds)) * 1000 + Math.floor(num(m.nanos) / 1e6);
    if (name === 'confluent.type.Decimal' && t.kind === 'DECIMAL') return decimalFromBytes(Buffer.from((m.value ?? []) as Uint8Array), num(m.scale)).setScale(t.scale);
    return fromMessage(m, rt, t);
  }
  // a field written as a type the column does not take is not read (ksqlDB: a deserialization error)
  const mismatch = connectMismatch(PROTO_CONNECT.get(f.type), t);
  if (mismatch) throw mismatch;
  return scalar(v, t);
}

/** google/protobuf/wrappers.proto's messages: each holds one primitive `value`, read as that value. */
const WRAPPERS = new Set(['Double', 'Float', 'Int64', 'UInt64', 'Int32', 'UInt32', 'Bool', 'String', 'Bytes'].map((t) => `google.protobuf.${t}Value`));

/** The Connect type each Protobuf scalar is read as (unsigned 32-bit ints widen to INT64, as Confluent's converter reads them). */
const PROTO_CONNECT = new Map<string, ConnectType>([
  ['int32', 'int32'], ['sint32', 'int32'], ['sfixed32', 'int32'], ['uint32', 'int64'], ['fixed32', 'int64'],
  ['int64', 'int64'], ['sint64', 'int64'], ['sfixed64', 'int64'], ['uint64', 'int64'], ['fixed64', 'int64'],
  ['float', 'float32'], ['double', 'float64'], ['bool', 'boolean'], ['string', 'string'], ['bytes', 'bytes'],
]);

function scalar(v: unknown, t: SqlType): unknown {
  if (v === null || v === undefined) return null;
  switch (t.kind) {
    case 'BYTES': return Buffer.from(v as Uint8Array);
    case 'BIGINT': return long(v);
    case 'INTEGER': case 'DOUBLE': return num(v);
    // an integer or a boolean read into a STRING column is its text (a 64-bit one exactly)
    case 'STRING': return typeof v === 'string' ? v : typeof v === 'object' ? String(long(v)) : String(v);
    default: return v;
  }
}

/**
 * A 64-bit int protobufjs decoded (a Long object, or a number) as an exact long. An unsigned one
 * (uint64, fixed64) of 2^63 or more is the signed long of the same bits, as Java reads it into a BIGINT.
 */
function long(v: unknown): Long {
  if (v === null || v === undefined) return 0;
  return typeof v === 'object' ? wrapLong(BigInt((v as { toString(): string }).toString())) : Number(v);
}

/** protobufjs decodes 64-bit ints as Long objects when the `long` package is present. */
function num(v: unknown): number {
  if (v === null || v === undefined) return 0;
  return typeof v === 'object' ? (v as { toNumber(): number }).toNumber() : Number(v);
}
