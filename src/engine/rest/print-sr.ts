import type avro from 'avsc';
import type { SchemaRegistry } from '../schema-registry/registry.js';
import { avroTypeOf } from '../serde/avro-serde.js';
import type { AvroSchema } from '../serde/avro-schema.js';
import { parseProto } from '../serde/protobuf-schema.js';
import { unframe } from '../serde/sr-wire.js';
import { javaDoubleString } from '../util/decimal.js';

// PRINT of a record in Confluent's Schema Registry wire format (magic byte 0, a schema id this
// server's registry holds): decoded with that schema, as ksqlDB's PRINT does with its registry
// client. Avro is printed as Avro's GenericRecord prints itself; Protobuf and JSON Schema as JSON.

/** Each registered schema parsed once, however many records a PRINT shows with it. */
const parsed = new WeakMap<object, unknown>();
function parsedOnce<T>(schema: object, parse: () => T): T {
  if (!parsed.has(schema)) parsed.set(schema, parse());
  return parsed.get(schema) as T;
}

/** The record's format and text, or undefined when it is not framed with a schema this registry knows. */
export function describeFramed(b: Buffer, registry: SchemaRegistry): { format: string; text: string } | undefined {
  if (b.length < 5 || b[0] !== 0) return undefined;
  let schema;
  try { schema = registry.schemaById(b.readInt32BE(1)); } catch { return undefined; }
  try {
    switch (schema.schemaType ?? 'AVRO') {
      case 'AVRO': {
        // (read as the server reads its records: longs beyond 2^53 stay exact)
        const t = parsedOnce(schema, () => avroTypeOf(JSON.parse(schema.schema) as AvroSchema));
        return { format: 'AVRO', text: avroText(t.fromBuffer(b.subarray(5)), t) };
      }
      case 'PROTOBUF': {
        const framed = unframe(b, true);
        const type = parsedOnce(schema, () => parseProto(schema.schema)).byIndexes(framed.indexes ?? [0]);
        if (!type) return undefined;
        return { format: 'PROTOBUF', text: JSON.stringify(type.toObject(type.decode(framed.payload), { longs: String, enums: String, bytes: String })) };
      }
      default: {
        const text = b.subarray(5).toString('utf8');
        JSON.parse(text);
        return { format: 'JSON_SR', text };
      }
    }
  } catch { return undefined; }
}


/**
 * A string as Avro's GenericData.toString quotes it (writeEscapedString): JSON's short escapes, and
 * \uXXXX in upper-case hex for the control characters, U+007F to U+009F and U+2000 to U+20FF.
 */
function avroString(s: string): string {
  const SHORT: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t' };
  // (the control characters are the point of the pattern)
  // eslint-disable-next-line no-control-regex
  return `"${s.replace(/["\\\u0000-\u001f\u007f-\u009f\u2000-\u20ff]/g, (c) => SHORT[c] ?? `\\u${c.charCodeAt(0).toString(16).toUpperCase().padStart(4, '0')}`)}"`;
}

/** A value as Avro's GenericData.toString writes it: JSON with ": " and ", ", doubles as Java prints them. */
function avroText(v: unknown, t: avro.Type): string {
  if (v === null || v === undefined) return 'null';
  const type = t as avro.Type & { typeName: string; fields?: { name: string; type: avro.Type }[]; itemsType?: avro.Type; valuesType?: avro.Type; types?: avro.Type[]; underlyingType?: avro.Type };
  switch (type.typeName) {
    case 'record': case 'error':
      return `{${type.fields!.map((f) => `${JSON.stringify(f.name)}: ${avroText((v as Record<string, unknown>)[f.name], f.type)}`).join(', ')}}`;
    case 'array': return `[${(v as unknown[]).map((x) => avroText(x, type.itemsType!)).join(', ')}]`;
    case 'map': return `{${Object.entries(v as Record<string, unknown>).map(([k, x]) => `${avroString(k)}: ${avroText(x, type.valuesType!)}`).join(', ')}}`;
    case 'union:unwrapped': {
      const branch = type.types!.find((b) => b.typeName !== 'null' && b.isValid(v));
      return branch ? avroText(v, branch) : JSON.stringify(v);
    }
    case 'union:wrapped': {
      const [name, inner] = Object.entries(v as Record<string, unknown>)[0]!;
      const branch = type.types!.find((b) => (b as { branchName?: string }).branchName === name);
      return branch ? avroText(inner, branch) : JSON.stringify(v);
    }
    case 'float': case 'double': return javaDoubleString(v as number);
    case 'bytes': case 'fixed': return `{"bytes": ${avroString(Buffer.from(v as Uint8Array).toString('latin1'))}}`;
    case 'string': case 'enum': return avroString(String(v));
    case 'abstract:long': return String(v);
    default:
      // a logical type prints as its underlying value
      if (type.underlyingType) return avroText(v instanceof Date ? v.getTime() : v, type.underlyingType);
      return String(v);
  }
}
