import type { Column, FormatInfo } from '../catalog/schema.js';
import type { RegisteredSchema, SchemaLookup, SchemaType } from '../schema-registry/registry.js';
import type { Serde, SerializeOptions } from './formats.js';
import { SerdeError } from './serde-error.js';
import { avroCodec } from './avro-serde.js';
import { avroSchemaFor, DEFAULT_VALUE_RECORD, type AvroSchema } from './avro-schema.js';
import { jsonSrCodec } from './json-sr-serde.js';
import { jsonSchemaFor, type JsonSchema } from './json-schema.js';
import { protobufCodec } from './protobuf-serde.js';
import { parseProto, protoSchemaText, type ProtoSchema } from './protobuf-schema.js';
import { framePrefix, framer, unframe } from './sr-wire.js';
import { avroWithReferences, jsonWithReferences, referenced } from './schema-references.js';
import { recall, remember } from './decoded-cache.js';
import { typeToString } from '../sql/types.js';
import type { Codec, Shape } from './sr-values.js';

export const SR_FORMATS = ['AVRO', 'PROTOBUF', 'JSON_SR'] as const;
/** The subject of a topic's keys or values (Confluent's TopicNameStrategy). */
export const subjectOf = (topic: string, isKey: boolean): string => `${topic}-${isKey ? 'key' : 'value'}`;
export const isSrFormat = (f: string): boolean => (SR_FORMATS as readonly string[]).includes(f);
/** Formats whose schemas come from columns or a registry: the SR ones and PROTOBUF_NOSR. */
export const isSchemaFormat = (f: string): boolean => isSrFormat(f) || f === 'PROTOBUF_NOSR';

export function schemaTypeOf(format: string): SchemaType {
  return format === 'AVRO' ? 'AVRO' : format === 'JSON_SR' ? 'JSON' : 'PROTOBUF';
}

/** Single keys go bare in AVRO and JSON_SR (UNWRAP_SINGLES); Protobuf always writes a message. */
export function isUnwrapped(format: FormatInfo, cols: Column[], isKey: boolean): boolean {
  if (format.format === 'PROTOBUF' || format.format === 'PROTOBUF_NOSR') return false;
  return cols.length === 1 && (isKey || format.wrapSingle === false);
}

/** The schema text ksqlDB derives from columns for a format (what CSAS/CTAS register). */
export function schemaTextFor(format: FormatInfo, cols: Column[], isKey: boolean): string {
  const unwrapped = isUnwrapped(format, cols, isKey);
  switch (format.format) {
    case 'AVRO': return JSON.stringify(avroSchemaFor(cols, { fullName: format.fullSchemaName ?? DEFAULT_VALUE_RECORD, unwrapped }));
    case 'JSON_SR': return JSON.stringify(jsonSchemaFor(cols, unwrapped, isKey));
    default: return protoSchemaText(cols, { name: format.fullSchemaName, nullable: format.nullable });
  }
}

/** A parsed writer schema, by what the format needs to decode with it. */
type Parsed = { kind: 'AVRO'; schema: AvroSchema } | { kind: 'JSON'; schema: JsonSchema } | { kind: 'PROTOBUF'; schema: ProtoSchema };

function parse(s: Pick<RegisteredSchema, 'schema' | 'schemaType' | 'references'>, registry: SchemaLookup | undefined): Parsed {
  if (s.schemaType === 'AVRO') return { kind: 'AVRO', schema: avroWithReferences(s.schema, s.references, registry) };
  if (s.schemaType === 'JSON') return { kind: 'JSON', schema: jsonWithReferences(s.schema, s.references, registry) };
  return { kind: 'PROTOBUF', schema: parseProto(s.schema, registry ? referenced(s.references, registry) : new Map()) };
}

/**
 * The serde of an AVRO, PROTOBUF, JSON_SR or PROTOBUF_NOSR key or value. It writes with the schema
 * `format.schemaId` names in the registry (or, without one, the schema derived from the columns) in
 * Confluent's wire format, and reads records by the schema id each one carries. Without a schema id,
 * given a `subject` and a registry that registers, it registers the columns' schema there when it
 * first writes, as Confluent's serializers do (auto.register.schemas), and writes with that id; a
 * registration the subject refuses fails that write (the next one tries again).
 */
export function srSerde(format: FormatInfo, cols: Column[], isKey: boolean, registry: SchemaLookup | undefined, subject?: string): Serde {
  if (cols.length === 0) return { serialize: () => null, deserialize: () => [] };
  const shape: Shape = { names: cols.map((c) => c.name), types: cols.map((c) => c.type), unwrapped: isUnwrapped(format, cols, isKey) };
  const framed = format.format !== 'PROTOBUF_NOSR';
  if (framed && format.schemaId !== undefined && !registry) throw new SerdeError(`Format ${format.format} needs a Schema Registry`);
  const own = framed && format.schemaId !== undefined
    ? registry!.schemaById(format.schemaId)
    : { schema: schemaTextFor(format, cols, isKey), schemaType: schemaTypeOf(format.format), references: [] };
  const writer = parse(own, registry);
  let codec: Codec;
  let indexes: number[] | undefined;
  if (writer.kind === 'AVRO') codec = avroCodec(writer.schema, shape);
  else if (writer.kind === 'JSON') codec = jsonSrCodec(writer.schema, shape);
  else {
    const type = writer.schema.message(format.fullSchemaName);
    if (!type) throw new SerdeError(`Schema for message ${isKey ? 'keys' : 'values'} does not contain the message ${format.fullSchemaName ?? '(first message)'}`);
    const c = protobufCodec(writer.schema, type, shape);
    codec = c; indexes = c.indexes;
  }
  const parsedById = new Map<number, Parsed>();
  const writerOf = (id: number): Parsed => {
    if (id === writeId) return writer;
    let p = parsedById.get(id);
    if (!p) {
      if (!registry) throw new SerdeError(`Schema ${id} not found`);
      p = parse(registry.schemaById(id), registry);
      parsedById.set(id, p);
    }
    return p;
  };
  const path = writer.kind === 'PROTOBUF' ? indexes : undefined;
  let writeId = format.schemaId;
  let framePayload = framer(writeId ?? 0, path);
  let prefix = framed ? framePrefix(writeId ?? 0, path) : Buffer.alloc(0);
  const registers = framed && writeId === undefined && subject !== undefined && registry?.register !== undefined;
  // the id a reader's bytes are framed with before the side registered: the subject's latest, else none
  const latestId = (): number => { try { return registry!.version(subject!, 'latest').id; } catch { return 0; } };
  const registerOwn = (): void => {
    try { writeId = registry!.register!(subject!, { schema: own.schema, schemaType: own.schemaType }); } catch (e) {
      const kind = own.schemaType === 'AVRO' ? 'Avro' : own.schemaType === 'JSON' ? 'JSON' : 'Protobuf';
      const code = (e as { errorCode?: unknown }).errorCode;
      throw new SerdeError(`Error registering ${kind} schema for subject ${subject!}: ${(e as Error).message}${code === undefined ? '' : `; error code: ${String(code)}`}`);
    }
    framePayload = framer(writeId, path);
    prefix = framePrefix(writeId, path);
  };
  // what the bytes decode to depends on the schema they name and on this reader's format and columns
  const readingShape = [JSON.stringify(format), isKey, ...cols.map((c) => `${c.name} ${typeToString(c.type)}`)].join('\u0000');
  return {
    serialize(values, opts?: SerializeOptions) {
      // a key of one column that is NULL is no key at all, unless asked to keep it; a key of several
      // NULL columns is a key of NULLs (ksqlDB's key serializer writes the whole key object)
      const keep = opts?.keepEmptyKey === true && isKey && !shape.unwrapped;
      if (!keep && (shape.unwrapped || (isKey && cols.length === 1)) && values.every((v) => v === null || v === undefined)) return null;
      if (registers && writeId === undefined) {
        if (opts?.readOnly) return framer(latestId(), path)(codec.encode(values));
        registerOwn();
      }
      const bytes = codec.encodeAfter?.(values, prefix) ?? (framed ? framePayload(codec.encode(values)) : Buffer.from(codec.encode(values)));
      // readers of these bytes with this shape get what decoding would give, without decoding
      const back = codec.readBack?.(values);
      if (back) remember(bytes, readingShape, back);
      return bytes;
    },
    deserialize(bytes) {
      if (bytes === null) return null;
      const known = recall(bytes, readingShape);
      if (known) return known;
      try {
        let values: unknown[] | null;
        if (!framed) values = codec.decode(bytes);
        else {
          const f = unframe(bytes, writer.kind === 'PROTOBUF');
          const w = f.schemaId === 0 && writeId === undefined ? writer : writerOf(f.schemaId);
          values = codec.decode(f.payload, w.schema, f.indexes);
        }
        if (values) remember(bytes, readingShape, values);
        return values;
      } catch (e) {
        if (e instanceof SerdeError) throw e;
        throw new SerdeError(`Failed to deserialize data for topic with format ${format.format}: ${(e as Error).message}`);
      }
    },
  };
}
