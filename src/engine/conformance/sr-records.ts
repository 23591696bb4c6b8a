import { isLosslessNumber, type LosslessNumber } from 'lossless-json';
import type { Engine } from '../engine.js';
import { serdesOf, type DataSource } from '../catalog/metastore.js';
import { keyColumns, valueColumns, type Column } from '../catalog/schema.js';
import { fromJson } from '../serde/json-value.js';
import { isSchemaFormat, isUnwrapped, schemaTypeOf } from '../serde/sr-serde.js';
import { keySerde, valueSerde } from '../serde/formats.js';
import { inferColumns } from '../exec/sr-binding.js';
import { typesEqual, type SqlType } from '../sql/types.js';
import { inJavaHashMapOrder } from '../functions/values.js';
import { Decimal } from '../util/decimal.js';
import type { SchemaType } from '../schema-registry/registry.js';
import { ApproxDouble } from './compare.js';

/** A `topics` entry of a test: its formats and the schemas the harness registers for it. */
export interface TopicSpec {
  name: string; partitions?: unknown; replicas?: unknown; keyFormat?: string; valueFormat?: string;
  keySchema?: unknown; valueSchema?: unknown; keySchemaId?: unknown; valueSchemaId?: unknown;
  keySchemaReferences?: SchemaRef[]; valueSchemaReferences?: SchemaRef[];
}
interface SchemaRef { name: string; format?: string; schema: unknown }

/** Registers the schemas of `topics` entries under `<topic>-key|value`, as ksqlDB's harness does with its mock registry. */
export function registerTopicSchemas(engine: Engine, topics: TopicSpec[], derived: DerivedSchemas[] = []): void {
  // ksqlDB's harness keeps the test's topics, then those its CREATE statements imply, in a Java
  // HashMap and registers their schemas in that map's order, each topic's key before its value
  const names = [...new Set([...topics.map((t) => t.name), ...derived.map((d) => d.topic)])];
  for (const name of javaHashMapOrder(names)) {
    const tp = topics.find((t) => t.name === name);
    if (!tp) {
      // a schema the CREATE registers when it runs: it takes the id it would have had
      for (const d of derived.filter((x) => x.topic === name)) for (const side of d.sides) engine.registry.reserveFor(`${name}-${side}`);
      continue;
    }
    for (const side of ['key', 'value'] as const) {
      const schema = side === 'key' ? tp.keySchema : tp.valueSchema;
      // a schema without a format matters only to a CREATE that takes its columns from the registry
      const implied = derived.some((d) => d.topic === name);
      const format = (side === 'key' ? tp.keyFormat : tp.valueFormat) ?? (schema === undefined || schema === null || implied ? '' : formatOfSchema(schema));
      // a JSON topic with a schema is registered as a JSON schema, as ksqlDB's harness does
      const upper = format.toUpperCase() === 'JSON' ? 'JSON_SR' : format.toUpperCase();
      if (schema === undefined || schema === null || !isSchemaFormat(upper)) continue;
      const schemaType = schemaTypeOf(upper);
      const refs = (side === 'key' ? tp.keySchemaReferences : tp.valueSchemaReferences) ?? [];
      const given = side === 'key' ? tp.keySchemaId : tp.valueSchemaId;
      // ksqlDB's harness hands its mock registry the schema with its references resolved, so the
      // schema takes the next id before they do: VALUE_SCHEMA_ID=1 names it, not an import
      const id = given !== undefined ? plain(given) as number : refs.length ? engine.registry.reserveId() : undefined;
      const references = refs.map((r) => {
        const refType = r.format ? schemaTypeOf(r.format.toUpperCase()) : schemaType;
        engine.registry.register(r.name, { schema: text(r.schema, refType), schemaType: refType });
        return { name: r.name, subject: r.name, version: 1 };
      });
      // a schema the registry rejects is left out; the statements then fail as they would without it
      try { engine.registry.register(`${tp.name}-${side}`, { schema: text(schema, schemaType), schemaType, references }, id); } catch { /* see above */ }
    }
  }
}

/** A topic's schema without a format: Protobuf text, a JSON schema (an object with properties), or Avro. */
function formatOfSchema(schema: unknown): string {
  if (typeof schema === 'string' && /\b(syntax|message)\b/.test(schema)) return 'PROTOBUF';
  const o = plain(schema) as { type?: unknown; properties?: unknown; $schema?: unknown } | null;
  if (o && typeof o === 'object' && !Array.isArray(o) && (o.$schema !== undefined || (o.type === 'object' && o.properties !== undefined))) return 'JSON_SR';
  return 'AVRO';
}

/** A topic a CREATE with columns names, and the sides whose schema it registers. */
export interface DerivedSchemas { topic: string; sides: ('key' | 'value')[] }

/** The order a java.util.HashMap (default capacity and load factor) gives keys inserted in this order. */
export function javaHashMapOrder(keys: string[]): string[] {
  return [...inJavaHashMapOrder(new Map(keys.map((k) => [k, k])), false).keys()] as string[];
}

/**
 * A test's schema as registry text: Protobuf text as it is; an Avro or JSON schema given as a JSON
 * string is either its text or, like "int", a schema that is itself a string.
 */
const text = (s: unknown, type: SchemaType): string => {
  if (typeof s !== 'string') return JSON.stringify(plain(s), (_k, x) => (typeof x === 'bigint' ? Number(x) : x));
  if (type === 'PROTOBUF') return s;
  try { JSON.parse(s); return s; } catch { return JSON.stringify(s); }
};

/** Test JSON (numbers kept as text) as plain values. */
export function plain(v: unknown): unknown {
  if (isLosslessNumber(v)) {
    // an integer beyond 2^53 stays exact (a bigint), as a BIGINT holds it
    const t = (v as LosslessNumber).value, n = Number(t);
    return /^-?\d+$/.test(t) && !Number.isSafeInteger(n) ? BigInt(t) : n;
  }
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

const rowType = (cols: Column[]): SqlType => ({ kind: 'STRUCT', fields: cols.map((c) => ({ name: c.name, type: c.type })) });

/** A test record's key or value in a schema format: JSON converted to the columns, then serialized. */
export function encodeSr(ds: DataSource, spec: unknown, isKey: boolean): Buffer | null {
  let cols = isKey ? keyColumns(ds.columns) : valueColumns(ds.columns);
  const format = isKey ? ds.keyFormat : ds.valueFormat;
  let serde = isKey ? serdesOf(ds).key : serdesOf(ds).value;
  // a topic with a registered schema gets its records written with that schema's own types, as
  // ksqlDB's harness writes them; the source then reads them with its columns' types
  const own = registeredColumns(ds, isKey);
  if (own && own.length === cols.length && own.some((c, i) => !typesEqual(c.type, cols[i]!.type))) {
    cols = own; serde = (isKey ? keySerde : valueSerde)(format, own, ds.registry);
  }
  const v = plain(spec);
  // a copy of the bytes: the serde remembers what it wrote on the buffer it returns, and the engine
  // must read test inputs by decoding them
  const fresh = (b: Buffer | null) => (b === null ? null : Buffer.from(b));
  if (isUnwrapped(format, cols, isKey) || (cols.length === 1 && isKey && (v === null || typeof v !== 'object' || Array.isArray(v)))) {
    return fresh(serde.serialize([fromJson(v, cols[0]!.type)]));
  }
  const row = fromJson(v, rowType(cols)) as Record<string, unknown>;
  // ksqlDB's harness writes a key object as a message even when its fields are all null
  return fresh(serde.serialize(cols.map((c) => row[c.name]), { keepEmptyKey: v !== null }));
}

/** The columns of the registered schema a source's key or value is written with (its schema id), if any. */
function registeredColumns(ds: DataSource, isKey: boolean): Column[] | undefined {
  const format = isKey ? ds.keyFormat : ds.valueFormat;
  if (format.schemaId === undefined || !ds.registry) return undefined;
  return inferColumns({ registry: ds.registry }, ds.topic, format, isKey, false)?.columns;
}

/** A decoded key or value for comparison: columns by name (or the bare single key), doubles compared within 1e-6. */
export function decodeSr(ds: DataSource, bytes: Buffer, isKey: boolean): unknown {
  let cols = isKey ? keyColumns(ds.columns) : valueColumns(ds.columns);
  const format = isKey ? ds.keyFormat : ds.valueFormat;
  let serde = isKey ? serdesOf(ds).key : serdesOf(ds).value;
  // a sink written with a registered schema holds all of that schema's fields, as ksqlDB's harness reads them
  const all = registeredColumns(ds, isKey);
  if (all && all.length > cols.length) { cols = all; serde = (isKey ? keySerde : valueSerde)(format, all, ds.registry); }
  const vals = serde.deserialize(bytes);
  if (vals === null) return null;
  // Protobuf decimals reach ksqlDB's harness as numbers, compared like doubles
  const protobuf = format.format === 'PROTOBUF' || format.format === 'PROTOBUF_NOSR';
  if (isUnwrapped(format, cols, isKey)) return approx(vals[0], cols[0]!.type, protobuf);
  return Object.fromEntries(cols.map((c, i) => [c.name, approx(vals[i], c.type, protobuf)]));
}

function approx(v: unknown, t: SqlType, protobuf = false): unknown {
  if (v === null || v === undefined) return null;
  switch (t.kind) {
    case 'DOUBLE': return new ApproxDouble(v as number);
    case 'DECIMAL': return protobuf && v instanceof Decimal ? new ApproxDouble(v.toNumber()) : v;
    case 'ARRAY': return (v as unknown[]).map((x) => approx(x, t.item, protobuf));
    case 'MAP': return new Map([...(v as Map<unknown, unknown>)].map(([k, x]) => [k, approx(x, t.value, protobuf)]));
    case 'STRUCT': return Object.fromEntries(t.fields.map((f) => [f.name, approx((v as Record<string, unknown>)[f.name], f.type, protobuf)]));
    default: return v;
  }
}
