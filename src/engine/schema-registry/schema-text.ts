import type { SchemaType } from './registry.js';
import { RegistryError } from './errors.js';
import { avsc, protobufjs } from '../serde/libraries.js';
import { parseProto } from '../serde/protobuf-schema.js';

/**
 * The text a schema is stored and compared under: Avro and JSON schemas are parsed and printed
 * compactly (so whitespace does not make a new version), Protobuf text is kept as written.
 */
export function normalizeSchema(schema: string, type: SchemaType): string {
  if (type === 'PROTOBUF') return schema;
  try { return JSON.stringify(JSON.parse(schema)); } catch (e) {
    throw new RegistryError(422, 42201, `Invalid schema ${schema}, details: ${(e as Error).message}`);
  }
}

/**
 * What makes two schemas the same one, as Confluent's registry compares them (its canonical string):
 * an Avro schema whatever its attribute order or the long form of a primitive ({"type": "string"});
 * a Protobuf schema whatever its layout and comments (protobufjs's reading of it); a JSON schema by
 * its compact text.
 */
export function schemaIdentity(schema: string, type: SchemaType): string {
  const cacheKey = `${type}\u0000${schema}`;
  let id = identities.get(cacheKey);
  if (id === undefined) {
    id = identityOf(schema, type);
    if (identities.size >= 10_000) identities.clear();
    identities.set(cacheKey, id);
  }
  return id;
}

/** Identities already worked out: registering compares a schema with every stored one. */
const identities = new Map<string, string>();

function identityOf(schema: string, type: SchemaType): string {
  try {
    if (type === 'AVRO') return JSON.stringify(canonicalAvro(JSON.parse(schema)));
    if (type === 'PROTOBUF') {
      const parsed = protobufjs().parse(schema, { keepCase: true });
      const syntax = /^\s*syntax\s*=\s*["'](proto[23])["']/m.exec(schema)?.[1] ?? 'proto2';
      return JSON.stringify({ syntax, package: parsed.package ?? null, imports: parsed.imports ?? [], weak: parsed.weakImports ?? [], root: parsed.root.toJSON() });
    }
  } catch { /* not readable: its text is what it is */ }
  return normalizeSchema(schema, type);
}

const AVRO_PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);
const AVRO_ORDER = ['type', 'name', 'namespace', 'doc', 'aliases', 'fields', 'symbols', 'items', 'values', 'size', 'default', 'order', 'logicalType', 'precision', 'scale'];

/** An Avro schema's JSON with attributes in one order and primitives in their short form, as Avro's Java library prints it. */
function canonicalAvro(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(canonicalAvro);
  if (node === null || typeof node !== 'object') return node;
  const o = node as Record<string, unknown>;
  const keys = Object.keys(o);
  if (keys.length === 1 && typeof o.type === 'string' && AVRO_PRIMITIVES.has(o.type)) return o.type;
  const ordered = [...AVRO_ORDER.filter((k) => k in o), ...keys.filter((k) => !AVRO_ORDER.includes(k)).sort()];
  return Object.fromEntries(ordered.map((k) => [k, k === 'default' ? o[k] : k === 'fields' && Array.isArray(o[k]) ? (o[k] as unknown[]).map(canonicalAvro) : canonicalAvro(o[k])]));
}

/**
 * Refuses a schema its own library cannot read (Confluent's 42201): Avro through avsc, Protobuf
 * through protobufjs, each with the schemas it references (named as the schema refers to them,
 * dependencies first); a JSON schema must be an object or a boolean.
 */
export function validateSchema(schema: string, type: SchemaType, references: { name: string; schema: string }[]): void {
  try {
    if (type === 'AVRO') {
      const registry = {}, names = new Map<string, string>();
      for (const r of references) avsc().Type.forSchema(asciiNames(JSON.parse(r.schema), names) as never, { registry });
      avsc().Type.forSchema(asciiNames(JSON.parse(schema), names) as never, { registry });
    } else if (type === 'PROTOBUF') {
      parseProto(schema, new Map(references.map((r) => [r.name, r.schema])));
    } else {
      const parsed: unknown = JSON.parse(schema);
      if (typeof parsed !== 'boolean' && (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))) throw new Error('a JSON schema is an object or a boolean');
      checkJsonTypes(parsed);
    }
  } catch (e) {
    throw new RegistryError(422, 42201, `Invalid schema ${schema}, details: ${(e as Error).message}`);
  }
}

const JSON_TYPES = new Set(['string', 'number', 'integer', 'boolean', 'object', 'array', 'null']);

/** Keywords whose value is one schema, a list of schemas, or a map of names to schemas. */
const ONE_SCHEMA = ['items', 'additionalItems', 'additionalProperties', 'contains', 'propertyNames', 'not', 'if', 'then', 'else', 'unevaluatedItems', 'unevaluatedProperties'];
const SCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf', 'prefixItems', 'items'];
const SCHEMA_MAPS = ['properties', 'patternProperties', 'definitions', '$defs', 'dependentSchemas', 'dependencies'];

/**
 * Every `type` of a JSON schema, and of the schemas within it, names one of JSON Schema's seven
 * types. Only keywords that hold schemas are followed: the values of enum, const, default,
 * required or dependencies' name lists are data.
 */
function checkJsonTypes(node: unknown): void {
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return;
  const o = node as Record<string, unknown>;
  if ('type' in o) {
    for (const t of Array.isArray(o.type) ? o.type : [o.type]) if (typeof t !== 'string' || !JSON_TYPES.has(t)) throw new Error(`unknown type ${JSON.stringify(t)}`);
  }
  for (const k of ONE_SCHEMA) if (k in o && !Array.isArray(o[k])) checkJsonTypes(o[k]);
  for (const k of SCHEMA_LISTS) if (Array.isArray(o[k])) (o[k] as unknown[]).forEach(checkJsonTypes);
  for (const k of SCHEMA_MAPS) {
    const m = o[k];
    if (m && typeof m === 'object' && !Array.isArray(m)) for (const v of Object.values(m)) if (!Array.isArray(v)) checkJsonTypes(v);
  }
}

/**
 * Avro's Java library takes any letter in a name where avsc takes only ASCII: such names (and every
 * use of them) are swapped for ASCII stand-ins before avsc checks the schema. Defaults and docs are
 * values, not names, and stay as they are.
 */
function asciiNames(node: unknown, names: Map<string, string>): unknown {
  if (typeof node === 'string') {
    if (/^[\p{L}_][\p{L}\p{N}_.]*$/u.test(node) && /[^\p{ASCII}]/u.test(node)) {
      let stand = names.get(node);
      if (!stand) names.set(node, stand = `u${names.size}_${node.replace(/[^\p{ASCII}]/gu, '_')}`);
      return stand;
    }
    return node;
  }
  if (Array.isArray(node)) return node.map((n) => asciiNames(n, names));
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, k === 'default' || k === 'doc' ? v : asciiNames(v, names)]));
  }
  return node;
}
