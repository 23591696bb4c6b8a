import { toLong } from '../util/long.js';
import type avro from 'avsc';
import { avsc } from './libraries.js';
import { Decimal } from '../util/decimal.js';
import type { SqlType } from '../sql/types.js';
import { expandNamedTypes, originalOf, type AvroSchema } from './avro-schema.js';
import { decimalFromBytes, decimalToBytes, findName, type Codec, type Shape } from './sr-values.js';
import { connectMismatch, type ConnectType } from './connect-types.js';

type Obj = { [k: string]: unknown };
const types = new Map<string, avro.Type>();

// avsc's own long refuses values beyond 2^53; the engine's BIGINTs are exact longs (a number while
// safe, else a bigint), so longs are read and written through a 64-bit integer
let longType: avro.types.LongType | undefined;
const makeLongType = () => avsc().types.LongType.__with({
  fromBuffer: (buf: Buffer) => toLong(buf.readBigInt64LE()),
  toBuffer: (n: number | bigint) => { const b = Buffer.alloc(8); b.writeBigInt64LE(BigInt.asIntN(64, typeof n === 'bigint' ? n : BigInt(Math.trunc(n)))); return b; },
  fromJSON: (x: unknown) => (typeof x === 'bigint' ? toLong(x) : Number(x)),
  toJSON: (n: number | bigint) => (typeof n === 'bigint' ? n : Number(n)),
  isValid: (n: unknown) => typeof n === 'bigint' || (typeof n === 'number' && Number.isInteger(n)),
  compare: (a: number | bigint, b: number | bigint) => (a === b ? 0 : a < b ? -1 : 1),
});

/** A union of more than one non-null branch is read and written wrapped ({ branch: value }), so the branch written is known. */
const isMultiUnion = (s: unknown): s is AvroSchema[] => Array.isArray(s) && s.filter((x) => x !== 'null').length > 1;
/** The wrapped union type of each such union of the schemas parsed here, by the schema's own array. */
const unionTypes = new WeakMap<object, avro.Type>();
const walked = new WeakSet<object>();

/** The avsc type the server reads a schema's records with: exact 64-bit longs, several-branch unions wrapped. */
export function avroTypeOf(schema: AvroSchema): avro.Type {
  const key = JSON.stringify(schema);
  let t = types.get(key);
  if (!t) {
    const hook = (s: unknown, opts: unknown) => (isMultiUnion(s) ? new (avsc().types.WrappedUnionType)(s as avro.Schema, opts as avro.ForSchemaOptions) : undefined);
    t = avsc().Type.forSchema(schema as avro.Schema, { wrapUnions: 'auto', typeHook: hook as avro.ForSchemaOptions['typeHook'], registry: { long: longType ??= makeLongType() } });
    types.set(key, t);
  }
  if (typeof schema === 'object' && !walked.has(schema)) { walked.add(schema); noteUnions(schema, t); }
  return t;
}

/** Pairs this schema's multi-branch unions with the parsed type's (a type may have come from an equal schema's parse). */
function noteUnions(s: AvroSchema, t: avro.Type): void {
  const tt = t as avro.Type & { fields?: { type: avro.Type }[]; itemsType?: avro.Type; valuesType?: avro.Type; types?: avro.Type[] };
  if (Array.isArray(s)) {
    if (isMultiUnion(s)) unionTypes.set(s, t);
    s.forEach((b, i) => { if (tt.types?.[i]) noteUnions(b, tt.types[i]!); });
    return;
  }
  if (typeof s !== 'object' || s === null) return;
  const o = s as { type?: unknown; fields?: { type: AvroSchema }[]; items?: AvroSchema; values?: AvroSchema };
  if (typeof o.type === 'object' && o.type !== null) { noteUnions(o.type as AvroSchema, t); return; }
  o.fields?.forEach((f, i) => { if (tt.fields?.[i]) noteUnions(f.type, tt.fields[i]!.type); });
  if (o.items !== undefined && tt.itemsType) noteUnions(o.items, tt.itemsType);
  if (o.values !== undefined && tt.valuesType) noteUnions(o.values, tt.valuesType);
}

/** Encodes and decodes AVRO payloads of one writer schema; values follow the columns' SQL types. */
export function avroCodec(schema: AvroSchema, shape: Shape): Codec {
  const type = avroTypeOf(schema);
  // (Avro's parser takes the schema as written; the walks over values take it with named types in place)
  const expanded = expandNamedTypes(schema);
  return {
    encode(values) {
      const v = shape.unwrapped ? toAvro(values[0], expanded, shape.types[0]!) : toAvro(Object.fromEntries(shape.names.map((n, i) => [n, values[i]])), expanded, { kind: 'STRUCT', fields: shape.names.map((name, i) => ({ name, type: shape.types[i]! })) });
      return type.toBuffer(v);
    },
    decode(payload, writer) {
      const w = writer ? avroTypeOf(writer as AvroSchema) : type;
      const ws = writer ? expandNamedTypes(writer as AvroSchema) : expanded;
      const raw: unknown = w.fromBuffer(payload);
      if (shape.unwrapped) return [fromAvro(raw, ws, shape.types[0]!)];
      const rec = fromAvro(raw, ws, { kind: 'STRUCT', fields: shape.names.map((name, i) => ({ name, type: shape.types[i]! })) }) as Obj | null;
      return rec === null ? null : shape.names.map((n) => rec[n] ?? null);
    },
  };
}

function nonNull(s: AvroSchema): AvroSchema {
  if (Array.isArray(s)) return s.find((x) => x !== 'null') ?? 'null';
  return s;
}

/** The branches of a union of more than one non-null type, which Connect reads as a struct of one field per branch. */
function unionBranches(s: AvroSchema): AvroSchema[] | undefined {
  if (!Array.isArray(s)) return undefined;
  const branches = s.filter((x) => x !== 'null') as AvroSchema[];
  return branches.length > 1 ? branches : undefined;
}

/** The union's non-null branch types when its values are wrapped ({ branch: value }), else undefined. */
function wrappedBranches(schema: AvroSchema): avro.Type[] | undefined {
  // (a union with a named type in it is a copy in the expanded schema: its avsc type is the original's)
  const t = typeof schema === 'object' ? unionTypes.get(schema) ?? unionTypes.get(originalOf(schema)) : undefined;
  return t ? (t as avro.types.WrappedUnionType).types.filter((b) => b.typeName !== 'null') : undefined;
}

/** Which branch a decoded union value is of: the one it is wrapped in, else the first whose type takes it. */
function branchOf(v: unknown, schema: AvroSchema, branches: AvroSchema[]): { index: number; value: unknown } {
  const wrapped = wrappedBranches(schema);
  if (wrapped) {
    const [name, inner] = Object.entries(v as Obj)[0] ?? [];
    // (a named branch parsed on its own may lack the namespace it has in the whole schema)
    const last = (n: string | undefined) => n?.split('.').pop();
    const exact = wrapped.findIndex((b) => b.branchName === name);
    return { index: exact >= 0 ? exact : wrapped.findIndex((b) => last(b.branchName) === last(name)), value: inner };
  }
  return { index: branches.findIndex((b) => { try { return avroTypeOf(b).isValid(v); } catch { return false; } }), value: v };
}

const allowsNull = (s: AvroSchema): boolean => s === 'null' || (Array.isArray(s) && s.includes('null'));
/** A field default written as it is in the schema's JSON: a plain primitive or an enum symbol (the first branch of a union). */
const PLAIN_DEFAULTS = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'string']);
const plainDefault = (s: AvroSchema): boolean => {
  const first = Array.isArray(s) ? s[0] : s;
  return typeof first === 'string' ? PLAIN_DEFAULTS.has(first) : typeof first === 'object' && first !== null && (first as Obj).type === 'enum';
};

function toAvro(v: unknown, schema: AvroSchema, t: SqlType): unknown {
  if (v === null || v === undefined) return null;
  const branches = unionBranches(schema);
  if (branches && t.kind === 'STRUCT') {
    // the struct's one set field is the branch written
    const i = t.fields.findIndex((f) => (v as Obj)[f.name] !== null && (v as Obj)[f.name] !== undefined);
    if (i < 0 || !branches[i]) return null;
    const value = toAvro((v as Obj)[t.fields[i]!.name], branches[i]!, t.fields[i]!.type);
    const wrapped = wrappedBranches(schema);
    return wrapped ? { [wrapped[i]!.branchName!]: value } : value;
  }
  const s = nonNull(schema);
  const o = typeof s === 'object' && !Array.isArray(s) ? s : undefined;
  switch (t.kind) {
    case 'DECIMAL': return decimalToBytes(v as Decimal, Number(o?.scale ?? t.scale));
    case 'BYTES': return Buffer.from(v as Uint8Array);
    case 'ARRAY': return (v as unknown[]).map((x) => toAvro(x, (o?.items ?? 'null') as AvroSchema, t.item));
    case 'MAP': {
      const m = v as Map<unknown, unknown>;
      if (o?.type === 'map') return Object.fromEntries([...m].map(([k, x]) => [String(k), toAvro(x, o.values as AvroSchema, t.value)]));
      const entry = nonNull((o?.items ?? 'null') as AvroSchema) as Obj;
      const fields = (entry.fields ?? []) as { name: string; type: AvroSchema }[];
      return [...m].map(([k, x]) => ({ key: toAvro(k, fields[0]?.type ?? 'null', t.key), value: toAvro(x, fields[1]?.type ?? 'null', t.value) }));
    }
    case 'STRUCT': {
      const src = v as Obj;
      const fields = (o?.fields ?? []) as { name: string; type: AvroSchema; default?: unknown }[];
      const names = t.fields.map((f) => f.name);
      const out: Obj = {};
      for (const f of fields) {
        const i = findName(names, f.name);
        // a field the columns lack, or a null where the schema allows none, takes the schema's default (a JSON value)
        const v = i < 0 ? null : src[names[i]!];
        if (v !== null && v !== undefined) out[f.name] = toAvro(v, f.type, t.fields[i]!.type);
        else out[f.name] = f.default !== undefined && plainDefault(f.type) && (i < 0 || !allowsNull(f.type)) ? f.default : null;
      }
      return out;
    }
    default: return v;
  }
}

/** The Connect type each Avro primitive (and enum, fixed) is read as. */
const AVRO_CONNECT = new Map<unknown, ConnectType>([
  ['boolean', 'boolean'], ['int', 'int32'], ['long', 'int64'], ['float', 'float32'], ['double', 'float64'], ['string', 'string'], ['enum', 'string'], ['bytes', 'bytes'], ['fixed', 'bytes'],
]);

function fromAvro(v: unknown, schema: AvroSchema, t: SqlType): unknown {
  if (v === null || v === undefined) return null;
  const branches = unionBranches(schema);
  if (branches && t.kind === 'STRUCT') {
    // a struct of one field per branch, the one written set
    const { index: i, value } = branchOf(v, schema, branches);
    const out: Obj = Object.fromEntries(t.fields.map((f) => [f.name, null]));
    if (i >= 0 && t.fields[i]) out[t.fields[i]!.name] = fromAvro(value, branches[i]!, t.fields[i]!.type);
    return out;
  }
  const s = nonNull(schema);
  const o = typeof s === 'object' && !Array.isArray(s) ? s : undefined;
  // a field written as a type the column does not take is not read (ksqlDB: a deserialization error)
  const mismatch = connectMismatch(AVRO_CONNECT.get(typeof s === 'string' ? s : o?.type), t);
  if (mismatch) throw mismatch;
  switch (t.kind) {
    case 'DECIMAL': return Buffer.isBuffer(v) ? decimalFromBytes(v, Number(o?.scale ?? t.scale)).setScale(t.scale) : Decimal.fromNumber(Number(v)).setScale(t.scale);
    case 'BYTES': return Buffer.from(v as Uint8Array);
    case 'BIGINT': return typeof v === 'bigint' ? toLong(v) : Number(v);
    case 'DOUBLE': case 'INTEGER': case 'DATE': case 'TIME': case 'TIMESTAMP': return Number(v);
    case 'STRING': return String(v);
    case 'ARRAY': return (v as unknown[]).map((x) => fromAvro(x, (o?.items ?? 'null') as AvroSchema, t.item));
    case 'MAP': {
      if (Array.isArray(v)) {
        const fields = ((nonNull((o?.items ?? 'null') as AvroSchema) as Obj).fields ?? []) as { name: string; type: AvroSchema }[];
        return new Map(v.map((e: Obj) => [fromAvro(e.key, fields[0]?.type ?? 'null', t.key), fromAvro(e.value, fields[1]?.type ?? 'null', t.value)]));
      }
      return new Map(Object.entries(v as Obj).map(([k, x]) => [k, fromAvro(x, (o?.values ?? 'null') as AvroSchema, t.value)]));
    }
    case 'STRUCT': {
      const src = v as Obj;
      const fields = (o?.fields ?? []) as { name: string; type: AvroSchema }[];
      const names = fields.map((f) => f.name);
      const out: Obj = {};
      for (const f of t.fields) {
        const i = findName(names, f.name);
        out[f.name] = i < 0 ? null : fromAvro(src[names[i]!], fields[i]!.type, f.type);
      }
      return out;
    }
    default: return v;
  }
}
