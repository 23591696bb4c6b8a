import { toLong } from '../util/long.js';
import type avro from 'avsc';
import { avsc } from './libraries.js';
import { Decimal } from '../util/decimal.js';
import type { SqlType } from '../sql/types.js';
import type { AvroSchema } from './avro-schema.js';
import { decimalFromBytes, decimalToBytes, findName, type Codec, type Shape } from './sr-values.js';

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

function avroTypeOf(schema: AvroSchema): avro.Type {
  const key = JSON.stringify(schema);
  let t = types.get(key);
  if (!t) { t = avsc().Type.forSchema(schema as avro.Schema, { wrapUnions: false, registry: { long: longType ??= makeLongType() } }); types.set(key, t); }
  return t;
}

/** Encodes and decodes AVRO payloads of one writer schema; values follow the columns' SQL types. */
export function avroCodec(schema: AvroSchema, shape: Shape): Codec {
  const type = avroTypeOf(schema);
  return {
    encode(values) {
      const v = shape.unwrapped ? toAvro(values[0], schema, shape.types[0]!) : toAvro(Object.fromEntries(shape.names.map((n, i) => [n, values[i]])), schema, { kind: 'STRUCT', fields: shape.names.map((name, i) => ({ name, type: shape.types[i]! })) });
      return type.toBuffer(v);
    },
    decode(payload, writer) {
      const w = writer ? avroTypeOf(writer as AvroSchema) : type;
      const ws = (writer as AvroSchema | undefined) ?? schema;
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

/** Which branch a decoded union value is of: the first whose type takes it. */
function branchOf(v: unknown, branches: AvroSchema[]): number {
  return branches.findIndex((b) => { try { return avroTypeOf(b).isValid(v); } catch { return false; } });
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
    return i < 0 || !branches[i] ? null : toAvro((v as Obj)[t.fields[i]!.name], branches[i]!, t.fields[i]!.type);
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

function fromAvro(v: unknown, schema: AvroSchema, t: SqlType): unknown {
  if (v === null || v === undefined) return null;
  const branches = unionBranches(schema);
  if (branches && t.kind === 'STRUCT') {
    // a struct of one field per branch, the one written set
    const i = branchOf(v, branches);
    const out: Obj = Object.fromEntries(t.fields.map((f) => [f.name, null]));
    if (i >= 0 && t.fields[i]) out[t.fields[i]!.name] = fromAvro(v, branches[i]!, t.fields[i]!.type);
    return out;
  }
  const s = nonNull(schema);
  const o = typeof s === 'object' && !Array.isArray(s) ? s : undefined;
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
