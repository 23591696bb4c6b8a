import type { Column } from '../catalog/schema.js';
import { T, type SqlType } from '../sql/types.js';
import { splitFullName } from './full-name.js';

/** An Avro schema as JSON (avsc accepts it as is). */
export type AvroSchema = string | AvroSchema[] | { type: string | AvroSchema; [k: string]: unknown };

export const AVRO_NAMESPACE = 'io.confluent.ksql.avro_schemas';
export const DEFAULT_VALUE_RECORD = `${AVRO_NAMESPACE}.KsqlDataSourceSchema`;

/**
 * `LEFT_TABLE` -> `io.confluent.ksql.avro_schemas.LeftTableKey`: the key record name ksqlDB gives a
 * source's key schema, its name turned from UPPER_UNDERSCORE into UpperCamel words (fk-join.json).
 */
export function defaultKeyRecordName(sourceName: string): string {
  const camel = sourceName.split('_').map((w) => w.charAt(0).toUpperCase() + w.slice(1).toLowerCase()).join('');
  return `${AVRO_NAMESPACE}.${camel}Key`;
}

/**
 * The Avro schema ksqlDB registers for columns (Confluent's AvroData naming): a record of nullable
 * fields, nested records named `<Record>_<FIELD>`, a single unwrapped key as its bare type.
 */
export function avroSchemaFor(cols: Column[], opts: { fullName: string; unwrapped: boolean }): AvroSchema {
  if (opts.unwrapped && cols.length === 1) return avroType(cols[0]!.type, opts.fullName, false);
  return record(cols, opts.fullName);
}

function record(fields: { name: string; type: SqlType }[], fullName: string): AvroSchema {
  const { space, name } = splitFullName(fullName);
  return {
    type: 'record', name, ...(space ? { namespace: space } : {}),
    fields: fields.map((f) => ({ name: f.name, type: avroType(f.type, `${fullName}_${f.name}`, true), default: null })),
    'connect.name': fullName,
  };
}

function avroType(t: SqlType, name: string, nullable: boolean): AvroSchema {
  let s: AvroSchema;
  switch (t.kind) {
    case 'BOOLEAN': s = 'boolean'; break;
    case 'INTEGER': s = 'int'; break;
    case 'BIGINT': s = 'long'; break;
    case 'DOUBLE': s = 'double'; break;
    case 'STRING': s = 'string'; break;
    case 'BYTES': s = 'bytes'; break;
    case 'DATE': s = { type: 'int', logicalType: 'date' }; break;
    case 'TIME': s = { type: 'int', logicalType: 'time-millis' }; break;
    case 'TIMESTAMP': s = { type: 'long', logicalType: 'timestamp-millis' }; break;
    case 'DECIMAL': s = { type: 'bytes', logicalType: 'decimal', precision: t.precision, scale: t.scale }; break;
    case 'ARRAY': s = { type: 'array', items: avroType(t.item, name, true) }; break;
    case 'MAP':
      // Connect writes maps with non-string keys as arrays of key/value records
      s = t.key.kind === 'STRING'
        ? { type: 'map', values: avroType(t.value, name, true) }
        : { type: 'array', items: record([{ name: 'key', type: t.key }, { name: 'value', type: t.value }], `${name}_MapEntry`) };
      break;
    case 'STRUCT': s = record(t.fields, name); break;
    default: throw new Error(`Unsupported type for AVRO: ${t.kind}`);
  }
  return nullable ? ['null', s] : s;
}

export const AVRO_PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);
const expandedSchemas = new WeakMap<object, AvroSchema>();
/** Each part of a schema `expandNamedTypes` had to copy, and the part of the original it stands for. */
const originals = new WeakMap<object, object>();

/** The part of the schema as written that a part of an expanded schema stands for (itself when it was not copied). */
export const originalOf = <S extends AvroSchema>(part: S): S => (typeof part === 'object' && part !== null ? (originals.get(part) as S | undefined) ?? part : part);

/**
 * The schema with every reference to a named type (a record, enum or fixed defined earlier, by its
 * full or namespace-relative name) replaced by that type's definition, so the walks over it (column
 * inference, reading values) meet every type in place, as Avro's parser resolves them. The original
 * stays what Avro's own parser is given; parts with no reference in them are the original's own
 * objects (see originalOf for the others). A record that refers to itself is refused: ksqlDB has
 * no recursive types.
 */
export function expandNamedTypes(schema: AvroSchema): AvroSchema {
  if (typeof schema !== 'object' || schema === null) return schema;
  const known = expandedSchemas.get(schema);
  if (known) return known;
  const named = new Map<string, AvroSchema>();
  const open = new Set<string>();
  const fullName = (name: string, ns: string | undefined) => (name.includes('.') || !ns ? name : `${ns}.${name}`);
  const copied = <T>(from: object, to: T): T => { originals.set(to as object, originals.get(from) ?? from); return to; };
  const walk = (s: AvroSchema, ns: string | undefined): AvroSchema => {
    if (typeof s === 'string') {
      if (AVRO_PRIMITIVES.has(s)) return s;
      const full = fullName(s, ns);
      if (open.has(full)) throw new Error(`Unsupported recursive Avro type ${s}`);
      return named.get(full) ?? named.get(s) ?? s;
    }
    if (Array.isArray(s)) {
      const items = s.map((x) => walk(x, ns));
      return items.every((x, i) => x === s[i]) ? s : copied<AvroSchema>(s, items);
    }
    if (typeof s !== 'object' || s === null) return s;
    const o = s as Exclude<AvroSchema, string | AvroSchema[]>;
    if ((o.type === 'record' || o.type === 'error' || o.type === 'enum' || o.type === 'fixed') && typeof o.name === 'string') {
      const name = o.name;
      const own = name.includes('.') ? splitFullName(name).space : (typeof o.namespace === 'string' ? o.namespace || undefined : ns);
      const full = fullName(name, own);
      if (o.type !== 'record' && o.type !== 'error') { named.set(full, s); return s; }
      open.add(full);
      const fields = (o.fields as { type: AvroSchema }[]).map((f) => { const type = walk(f.type, own); return type === f.type ? f : copied(f, { ...f, type }); });
      open.delete(full);
      const out: AvroSchema = fields.every((f, i) => f === (o.fields as unknown[])[i]) ? s : copied<AvroSchema>(o, { ...o, fields } as AvroSchema);
      named.set(full, out);
      return out;
    }
    const inner = o.type === 'array' ? 'items' : o.type === 'map' ? 'values' : typeof o.type === 'object' && o.type !== null ? 'type' : undefined;
    if (inner) {
      const was = o[inner] as AvroSchema, now = walk(was, ns);
      return now === was ? s : copied<AvroSchema>(o, { ...o, [inner]: now } as AvroSchema);
    }
    if (typeof o.type === 'string' && !AVRO_PRIMITIVES.has(o.type)) return walk(o.type, ns);
    return s;
  };
  const out = walk(schema, undefined);
  expandedSchemas.set(schema, out);
  return out;
}

/** The column type of an Avro schema (schema inference); `upper` upper-cases field names. */
export function sqlTypeOfAvro(s: AvroSchema, upper: boolean): SqlType {
  if (Array.isArray(s)) {
    const nonNull = s.filter((x) => x !== 'null');
    if (nonNull.length !== 1) {
      // Connect turns other unions into a struct of one optional field per branch
      return T.struct(nonNull.map((x, i) => ({ name: `${upper ? 'CONNECT_UNION_FIELD_' : ''}${typeof x === 'string' ? x : String((x as { name?: string }).name ?? i)}`.toUpperCase(), type: sqlTypeOfAvro(x, upper) })));
    }
    return sqlTypeOfAvro(nonNull[0]!, upper);
  }
  if (typeof s === 'string') return primitive(s);
  const logical = s.logicalType as string | undefined;
  if (logical === 'decimal') return T.decimal(Number(s.precision ?? 64), Number(s.scale ?? 0));
  if (logical === 'date') return T.DATE;
  if (logical === 'time-millis') return T.TIME;
  if (logical === 'timestamp-millis') return T.TIMESTAMP;
  if (typeof s.type !== 'string') return sqlTypeOfAvro(s.type, upper);
  switch (s.type) {
    case 'record': return T.struct((s.fields as { name: string; type: AvroSchema }[]).map((f) => ({ name: upper ? f.name.toUpperCase() : f.name, type: sqlTypeOfAvro(f.type, upper) })));
    case 'array': return T.array(sqlTypeOfAvro(s.items as AvroSchema, upper));
    case 'map': return T.map(T.STRING, sqlTypeOfAvro(s.values as AvroSchema, upper));
    case 'enum': return T.STRING;
    case 'fixed': return T.BYTES;
    default: return primitive(s.type);
  }
}

function primitive(name: string): SqlType {
  switch (name) {
    case 'boolean': return T.BOOLEAN;
    case 'int': return T.INTEGER;
    case 'long': return T.BIGINT;
    case 'float': case 'double': return T.DOUBLE;
    case 'string': return T.STRING;
    case 'bytes': return T.BYTES;
    default: throw new Error(`Unsupported Avro type ${name}`);
  }
}

/** Columns of a registered Avro schema: a record's fields, or one column for a bare key/value type. */
export function avroColumns(s: AvroSchema, ns: 'KEY' | 'VALUE', upper: boolean, whole = false): Column[] {
  const t = sqlTypeOfAvro(s, upper);
  const isRecord = !Array.isArray(s) && typeof s === 'object' && s.type === 'record';
  if (isRecord && t.kind === 'STRUCT' && !whole) return t.fields.map((f) => ({ name: f.name, type: f.type, ns }));
  return [{ name: ns === 'KEY' ? 'ROWKEY' : 'ROWVAL', type: t, ns }];
}
