import type { Column } from '../catalog/schema.js';
import { T, type SqlType } from '../sql/types.js';

export type JsonSchema = { [k: string]: unknown };

/**
 * The JSON schema ksqlDB registers for JSON_SR columns (Confluent's JsonSchemaData): an object whose
 * properties are `oneOf [null, type]` with `connect.index`, and Connect types for ints and logicals.
 */
export function jsonSchemaFor(cols: Column[], unwrapped: boolean, isKey = false): JsonSchema {
  // a single key goes bare, and may be null: `oneOf [null, type]`, as ksqlDB registers key schemas
  if (unwrapped && cols.length === 1) return jsonType(cols[0]!.type, isKey);
  return objectOf(cols);
}

function objectOf(fields: { name: string; type: SqlType }[]): JsonSchema {
  return { type: 'object', properties: Object.fromEntries(fields.map((f, i) => [f.name, { ...jsonType(f.type, true), 'connect.index': i }])) };
}

function jsonType(t: SqlType, nullable: boolean): JsonSchema {
  let s: JsonSchema;
  switch (t.kind) {
    case 'BOOLEAN': s = { type: 'boolean' }; break;
    case 'INTEGER': s = { type: 'integer', 'connect.type': 'int32' }; break;
    case 'BIGINT': s = { type: 'integer', 'connect.type': 'int64' }; break;
    case 'DOUBLE': s = { type: 'number', 'connect.type': 'float64' }; break;
    case 'STRING': s = { type: 'string' }; break;
    case 'BYTES': s = { type: 'string', 'connect.type': 'bytes' }; break;
    case 'DATE': s = { type: 'integer', title: 'org.apache.kafka.connect.data.Date', 'connect.type': 'int32' }; break;
    case 'TIME': s = { type: 'integer', title: 'org.apache.kafka.connect.data.Time', 'connect.type': 'int32' }; break;
    case 'TIMESTAMP': s = { type: 'integer', title: 'org.apache.kafka.connect.data.Timestamp', 'connect.type': 'int64' }; break;
    case 'DECIMAL': s = { type: 'number', title: 'org.apache.kafka.connect.data.Decimal', 'connect.type': 'bytes', 'connect.parameters': { scale: String(t.scale), 'connect.decimal.precision': String(t.precision) } }; break;
    case 'ARRAY': s = { type: 'array', items: jsonType(t.item, true) }; break;
    case 'MAP': s = { type: 'object', additionalProperties: jsonType(t.value, true), 'connect.type': 'map' }; break;
    case 'STRUCT': s = objectOf(t.fields); break;
    default: throw new Error(`Unsupported type for JSON_SR: ${t.kind}`);
  }
  return nullable ? { oneOf: [{ type: 'null' }, s] } : s;
}

/** The node a local `$ref` (`#/definitions/X`, `#/$defs/X`, any JSON pointer into the schema) names. */
function resolveRef(root: JsonSchema, ref: string): JsonSchema {
  if (!ref.startsWith('#')) throw new Error(`Unsupported JSON schema reference ${ref}: only references within the schema are read`);
  let node: unknown = root;
  for (const raw of ref.slice(1).split('/').filter(Boolean)) {
    const part = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    node = node !== null && typeof node === 'object' ? (node as JsonSchema)[part] : undefined;
  }
  if (node === null || typeof node !== 'object') throw new Error(`JSON schema reference ${ref} names nothing in the schema`);
  return node as JsonSchema;
}

/** The column type of a JSON schema node (schema inference); local `$ref`s are followed, as Connect's JsonSchemaData does. */
export function sqlTypeOfJson(s: JsonSchema, upper: boolean, root: JsonSchema = s, refs: string[] = []): SqlType {
  if (typeof s.$ref === 'string') {
    // a type that contains itself has no column type
    if (refs.includes(s.$ref)) throw new Error(`Unsupported JSON schema: ${s.$ref} refers to itself`);
    return sqlTypeOfJson(resolveRef(root, s.$ref), upper, root, [...refs, s.$ref]);
  }
  const inner = (x: JsonSchema) => sqlTypeOfJson(x, upper, root, refs);
  const one = (s.oneOf ?? s.anyOf) as JsonSchema[] | undefined;
  if (one) {
    const nonNull = one.filter((x) => x.type !== 'null');
    if (nonNull.length === 1) return inner(nonNull[0]!);
  }
  let type = s.type;
  if (Array.isArray(type)) type = type.find((x) => x !== 'null');
  // an object may be given by its properties alone
  if (type === undefined && s.properties) type = 'object';
  const connectType = s['connect.type'];
  const title = s.title;
  switch (type) {
    case 'boolean': return T.BOOLEAN;
    case 'integer':
      if (title === 'org.apache.kafka.connect.data.Date') return T.DATE;
      if (title === 'org.apache.kafka.connect.data.Time') return T.TIME;
      if (title === 'org.apache.kafka.connect.data.Timestamp') return T.TIMESTAMP;
      return connectType === 'int32' || connectType === 'int8' || connectType === 'int16' ? T.INTEGER : T.BIGINT;
    case 'number':
      if (title === 'org.apache.kafka.connect.data.Decimal') {
        const p = s['connect.parameters'] as Record<string, string> | undefined;
        return T.decimal(Number(p?.['connect.decimal.precision'] ?? 64), Number(p?.scale ?? 0));
      }
      return T.DOUBLE;
    case 'string': return connectType === 'bytes' ? T.BYTES : T.STRING;
    case 'array': return T.array(inner((s.items ?? {}) as JsonSchema));
    case 'object': {
      if (s.additionalProperties && typeof s.additionalProperties === 'object' && !s.properties) return T.map(T.STRING, inner(s.additionalProperties as JsonSchema));
      const props = Object.entries((s.properties ?? {}) as Record<string, JsonSchema>);
      props.sort((a, b) => Number(a[1]['connect.index'] ?? 0) - Number(b[1]['connect.index'] ?? 0));
      return T.struct(props.map(([n, p]) => ({ name: upper ? n.toUpperCase() : n, type: inner(p) })));
    }
    default: throw new Error(`Unsupported JSON schema type ${String(type)}`);
  }
}

export function jsonColumns(s: JsonSchema, ns: 'KEY' | 'VALUE', upper: boolean, whole = false): Column[] {
  const t = sqlTypeOfJson(s, upper);
  if (t.kind === 'STRUCT' && (s.type === 'object' || s.properties) && !whole) return t.fields.map((f) => ({ name: f.name, type: f.type, ns }));
  return [{ name: ns === 'KEY' ? 'ROWKEY' : 'ROWVAL', type: t, ns }];
}
