import type { Engine } from '../engine.js';
import type { Column, FormatInfo } from '../catalog/schema.js';
import { KsqlStatementError } from '../analysis/errors.js';
import { RegistryError, type SchemaLookup } from '../schema-registry/registry.js';
import { isSrFormat, schemaTextFor, schemaTypeOf, subjectOf } from '../serde/sr-serde.js';
import { avroColumns, defaultKeyRecordName, expandNamedTypes } from '../serde/avro-schema.js';
import { jsonColumns } from '../serde/json-schema.js';
import { parseProto, protoColumns } from '../serde/protobuf-schema.js';
import { avroWithReferences, jsonWithReferences, referenced } from '../serde/schema-references.js';
import { typeDepth } from '../sql/types.js';
import { MAX_TYPE_DEPTH } from '../sql/parser.js';

export { subjectOf };

const missingSchema = (topic: string, isKey: boolean) => new KsqlStatementError(
  `Schema for message ${isKey ? 'keys' : 'values'} on topic '${topic}' does not exist in the Schema Registry.\nSubject: ${subjectOf(topic, isKey)}\n\n`
  + `Possible causes include:\n- The topic itself does not exist\n\t-> Use SHOW TOPICS; to check\n`
  + `- Messages on the topic are not serialized using a format Schema Registry supports\n\t-> Use PRINT '${topic}' FROM BEGINNING; to verify\n`
  + `- Messages on the topic have not been serialized using a Confluent Schema Registry supported serializer\n\t-> See https://docs.confluent.io/current/schema-registry/docs/serializer-formatter.html\n`
  + `- The schema is registered on a different instance of the Schema Registry\n\t-> Use the REST API to list available subjects\thttps://docs.confluent.io/current/schema-registry/docs/api.html#get--subjects\n`
  + `- You do not have permissions to access the Schema Registry.\n\t-> See https://docs.confluent.io/current/schema-registry/docs/security.html`);

/**
 * Columns of one side (key or value) inferred from the registry (ksqlDB's DefaultSchemaInjector):
 * the schema with the given id, else the subject's latest version. Names are upper-cased unless a
 * schema id was given, in which case ksqlDB uses the schema as it is.
 */
export function inferColumns(engine: { registry: SchemaLookup }, topic: string, format: FormatInfo, isKey: boolean, required: boolean): { columns: Column[]; format: FormatInfo } | undefined {
  let registered;
  try {
    registered = format.schemaId !== undefined ? engine.registry.schemaById(format.schemaId) : engine.registry.version(subjectOf(topic, isKey), 'latest');
  } catch (e) {
    if (!(e instanceof RegistryError)) throw e;
    if (required) throw missingSchema(topic, isKey);
    return undefined;
  }
  const ns = isKey ? 'KEY' : 'VALUE';
  if (registered.schemaType !== schemaTypeOf(format.format)) {
    throw new KsqlStatementError(`${isKey ? 'Key' : 'Value'} schema is not in the expected format. You may want to set ${ns}_FORMAT to '${registered.schemaType === 'JSON' ? 'JSON_SR' : registered.schemaType}'.\ntopic: ${topic}\nexpected format: ${format.format}\nactual format from Schema Registry: ${registered.schemaType}`);
  }
  const upper = format.schemaId === undefined;
  let columns: Column[];
  try {
    // an Avro or JSON key, or a value read unwrapped, is one column even when the schema is a record
    const whole = isKey || format.wrapSingle === false;
    if (registered.schemaType === 'AVRO') columns = avroColumns(expandNamedTypes(avroWithReferences(registered.schema, registered.references, engine.registry)), ns, upper, whole);
    else if (registered.schemaType === 'JSON') columns = jsonColumns(jsonWithReferences(registered.schema, registered.references, engine.registry), ns, upper, whole);
    else {
      // (an import's own imports too)
      const proto = parseProto(registered.schema, referenced(registered.references, engine.registry));
      const msg = proto.message(format.fullSchemaName);
      if (!msg) throw missingSchema(topic, isKey);
      columns = protoColumns(proto, msg, ns, upper);
    }
    // a type deeper than a statement may name would make a source no later statement can describe
    const deepest = columns.reduce((m, c) => Math.max(m, typeDepth(c.type)), 0);
    if (deepest > MAX_TYPE_DEPTH) throw new Error(`the schema nests ARRAY, MAP and STRUCT types ${deepest} levels deep, more than the ${MAX_TYPE_DEPTH} a statement may name`);
  } catch (e) {
    if (e instanceof KsqlStatementError) throw e;
    throw new KsqlStatementError(`Unable to verify if the ${isKey ? 'key' : 'value'} schema for topic: ${topic} is compatible with ksqlDB.\nReason: ${(e as Error).message}`);
  }
  // a value schema that is no record (a primitive, an array, a union) is the value itself: one ROWVAL
  // column read and written unwrapped, as ksqlDB reads it
  const bare = !isKey && format.wrapSingle !== false && registered.schemaType !== 'PROTOBUF' && !isRecordSchema(registered.schemaType, registered.schema);
  return { columns, format: { ...format, schemaId: registered.id, ...(bare ? { wrapSingle: false } : {}) } };
}

/** Whether an Avro or JSON schema is a record (an object of fields), whose fields become columns. */
function isRecordSchema(type: string, text: string): boolean {
  const s = JSON.parse(text) as unknown;
  if (typeof s !== 'object' || s === null || Array.isArray(s)) return false;
  const o = s as { type?: unknown; properties?: unknown; additionalProperties?: unknown };
  if (type === 'AVRO') return o.type === 'record';
  // (an object of additionalProperties alone is a map)
  const map = o.properties === undefined && typeof o.additionalProperties === 'object' && o.additionalProperties !== null;
  return (o.type === 'object' || (o.type === undefined && o.properties !== undefined)) && !map;
}

/** The format's SCHEMA_FULL_NAME, or the name ksqlDB gives a source's Avro key record. */
export function withDefaultName(format: FormatInfo, sourceName: string, isKey: boolean): FormatInfo {
  if (format.format !== 'AVRO' || format.fullSchemaName || !isKey) return format;
  return { ...format, fullSchemaName: defaultKeyRecordName(sourceName) };
}

/**
 * Registers the schema derived from a side's columns under `<topic>-key|value` and returns the
 * format with its id. A CREATE registers only when the subject has no schema yet (a producer's
 * schema stays the latest); a sink registers always, and a schema the subject's compatibility level
 * refuses fails the statement, as ksqlDB's SchemaRegisterInjector fails it.
 */
export function registerColumns(engine: Engine, topic: string, format: FormatInfo, cols: Column[], isKey: boolean, onlyIfMissing = false): FormatInfo {
  if (!isSrFormat(format.format) || cols.length === 0) return format;
  if (format.schemaId !== undefined) return format;
  const subject = subjectOf(topic, isKey);
  const input = { schema: schemaTextFor(format, cols, isKey), schemaType: schemaTypeOf(format.format) };
  if (onlyIfMissing && engine.registry.listSubjects().includes(subject)) {
    // a producer's subject: the source writes with its columns' schema (the producer's could not hold
    // a column it lacks), the version of the subject that holds it, else registered when the source
    // first writes, as ksqlDB's serializer registers it (a format without an id does that)
    try { return { ...format, schemaId: engine.registry.lookup(subject, input).id }; } catch (e) {
      if (!(e instanceof RegistryError)) throw e;
      return format;
    }
  }
  try {
    return { ...format, schemaId: engine.registry.register(subject, input) };
  } catch (e) {
    if (!(e instanceof RegistryError)) throw e;
    // a refusal (an incompatible schema, a read-only subject) fails the statement, naming the registry's reason
    throw new KsqlStatementError(`Could not register schema for topic: ${e.message}; error code: ${e.errorCode}`);
  }
}

/** ksqlDB's checks of SR-format WITH properties on a CREATE. */
export function checkSchemaIdProps(format: FormatInfo, declared: boolean, isKey: boolean): void {
  if (format.schemaId === undefined) return;
  const side = isKey ? 'KEY' : 'VALUE';
  if (!isSrFormat(format.format)) throw new KsqlStatementError(`${side}_FORMAT should support schema inference when ${side}_SCHEMA_ID is provided. Current format is ${format.format}.`);
  if (declared) throw new KsqlStatementError(`Table elements and ${side}_SCHEMA_ID cannot both exist for create statement.`);
}
