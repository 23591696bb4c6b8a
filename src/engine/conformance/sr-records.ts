import { isLosslessNumber, type LosslessNumber } from 'lossless-json';
import type { Engine } from '../engine.js';
import { serdesOf, type DataSource } from '../catalog/metastore.js';
import { keyColumns, valueColumns, type Column } from '../catalog/schema.js';
import { fromJson } from '../serde/json-value.js';
import { isSchemaFormat, isUnwrapped, schemaTypeOf } from '../serde/sr-serde.js';
import type { SqlType } from '../sql/types.js';
import { ApproxDouble } from './compare.js';

/** A `topics` entry of a test: its formats and the schemas the harness registers for it. */
export interface TopicSpec {
  name: string; partitions?: unknown; replicas?: unknown; keyFormat?: string; valueFormat?: string;
  keySchema?: unknown; valueSchema?: unknown; keySchemaId?: unknown; valueSchemaId?: unknown;
  keySchemaReferences?: SchemaRef[]; valueSchemaReferences?: SchemaRef[];
}
interface SchemaRef { name: string; format?: string; schema: unknown }

/** Registers the schemas of `topics` entries under `<topic>-key|value`, as ksqlDB's harness does with its mock registry. */
export function registerTopicSchemas(engine: Engine, topics: TopicSpec[]): void {
  for (const tp of topics) {
    for (const side of ['key', 'value'] as const) {
      const schema = side === 'key' ? tp.keySchema : tp.valueSchema;
      const format = (side === 'key' ? tp.keyFormat : tp.valueFormat) ?? '';
      if (schema === undefined || schema === null || !isSchemaFormat(format.toUpperCase())) continue;
      const schemaType = schemaTypeOf(format.toUpperCase());
      const refs = (side === 'key' ? tp.keySchemaReferences : tp.valueSchemaReferences) ?? [];
      const given = side === 'key' ? tp.keySchemaId : tp.valueSchemaId;
      // ksqlDB's harness hands its mock registry the schema with its references resolved, so the
      // schema takes the next id before they do: VALUE_SCHEMA_ID=1 names it, not an import
      const id = given !== undefined ? plain(given) as number : refs.length ? engine.registry.reserveId() : undefined;
      const references = refs.map((r) => {
        engine.registry.register(r.name, { schema: text(r.schema), schemaType: r.format ? schemaTypeOf(r.format.toUpperCase()) : schemaType });
        return { name: r.name, subject: r.name, version: 1 };
      });
      // a schema the registry rejects is left out; the statements then fail as they would without it
      try { engine.registry.register(`${tp.name}-${side}`, { schema: text(schema), schemaType, references }, id); } catch { /* see above */ }
    }
  }
}

const text = (s: unknown): string => (typeof s === 'string' ? s : JSON.stringify(plain(s)));

/** Test JSON (numbers kept as text) as plain values. */
export function plain(v: unknown): unknown {
  if (isLosslessNumber(v)) return Number((v as LosslessNumber).value);
  if (Array.isArray(v)) return v.map(plain);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain(x)]));
  return v;
}

const rowType = (cols: Column[]): SqlType => ({ kind: 'STRUCT', fields: cols.map((c) => ({ name: c.name, type: c.type })) });

/** A test record's key or value in a schema format: JSON converted to the columns, then serialized. */
export function encodeSr(ds: DataSource, spec: unknown, isKey: boolean): Buffer | null {
  const cols = isKey ? keyColumns(ds.columns) : valueColumns(ds.columns);
  const format = isKey ? ds.keyFormat : ds.valueFormat;
  const serde = isKey ? serdesOf(ds).key : serdesOf(ds).value;
  const v = plain(spec);
  if (isUnwrapped(format, cols, isKey) || (cols.length === 1 && isKey && (v === null || typeof v !== 'object' || Array.isArray(v)))) {
    return serde.serialize([fromJson(v, cols[0]!.type)]);
  }
  const row = fromJson(v, rowType(cols)) as Record<string, unknown>;
  // ksqlDB's harness writes a key object as a message even when its fields are all null
  return serde.serialize(cols.map((c) => row[c.name]), { keepEmptyKey: v !== null });
}

/** A decoded key or value for comparison: columns by name (or the bare single key), doubles compared within 1e-6. */
export function decodeSr(ds: DataSource, bytes: Buffer, isKey: boolean): unknown {
  const cols = isKey ? keyColumns(ds.columns) : valueColumns(ds.columns);
  const format = isKey ? ds.keyFormat : ds.valueFormat;
  const vals = (isKey ? serdesOf(ds).key : serdesOf(ds).value).deserialize(bytes);
  if (vals === null) return null;
  if (isUnwrapped(format, cols, isKey)) return approx(vals[0], cols[0]!.type);
  return Object.fromEntries(cols.map((c, i) => [c.name, approx(vals[i], c.type)]));
}

function approx(v: unknown, t: SqlType): unknown {
  if (v === null || v === undefined) return null;
  switch (t.kind) {
    case 'DOUBLE': return new ApproxDouble(v as number);
    case 'ARRAY': return (v as unknown[]).map((x) => approx(x, t.item));
    case 'MAP': return new Map([...(v as Map<unknown, unknown>)].map(([k, x]) => [k, approx(x, t.value)]));
    case 'STRUCT': return Object.fromEntries(t.fields.map((f) => [f.name, approx((v as Record<string, unknown>)[f.name], f.type)]));
    default: return v;
  }
}
