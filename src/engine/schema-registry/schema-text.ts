import type { SchemaType } from './registry.js';
import { RegistryError } from './errors.js';
import { avsc, protobufjs } from '../serde/libraries.js';
import { parseProto, type ProtoSchema } from '../serde/protobuf-schema.js';
import type protobuf from 'protobufjs';
import { isLosslessNumber, LosslessNumber, parse as parseLossless, stringify as stringifyLossless } from 'lossless-json';
import { javaRegex } from '../functions/java-regex.js';
import { javaDoubleString } from '../util/decimal.js';

/**
 * The text a schema is stored and compared under: Avro as Avro's Java library prints it (Confluent
 * keeps that form), JSON schemas compactly (so whitespace does not make a new version), Protobuf
 * text as written.
 */
export function normalizeSchema(schema: string, type: SchemaType): string {
  if (type === 'PROTOBUF') return schema;
  // Confluent reads the text with Jackson, whose documents nest at most 1000 deep
  const depth = jsonNestingDepth(schema);
  if (depth > MAX_JSON_DEPTH) throw new RegistryError(422, 42201, `Invalid schema ${schema.slice(0, 200)}..., details: Document nesting depth (${depth}) exceeds the maximum allowed (${MAX_JSON_DEPTH}, from \`StreamReadConstraints.getMaxNestingDepth()\`)`);
  let parsed: unknown;
  try { parsed = JSON.parse(schema); } catch (e) {
    throw new RegistryError(422, 42201, `Invalid schema ${schema}, details: ${(e as Error).message}`);
  }
  // numbers as written, as Jackson keeps them (9223372036854775807 and 1.0 stay so: a default of 1.0
  // and one of 1 are two schemas); a key twice, which that reader refuses, keeps JSON.parse's reading
  let exact: unknown;
  try { exact = parseLossless(schema); } catch { exact = parsed; }
  return stringifyLossless(type === 'AVRO' ? printedAvro(avroNumbers(exact), null) : exact) ?? JSON.stringify(parsed);
}

/** Jackson's default limit on how deep a JSON document nests (StreamReadConstraints). */
const MAX_JSON_DEPTH = 1000;

/** How deep the arrays and objects of a JSON text nest (strings skipped); a text that is no JSON is measured as far as it goes. */
export function jsonNestingDepth(text: string): number {
  let depth = 0, most = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) { for (i++; i < text.length && text.charCodeAt(i) !== 34; i++) if (text.charCodeAt(i) === 92) i++; continue; }
    if (c === 123 || c === 91) { if (++depth > most) most = depth; } else if (c === 125 || c === 93) depth--;
  }
  return most;
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
    // (numbers as written, as the text is stored: a default of 1.0 and one of 1 print apart)
    if (type === 'AVRO') return stringifyLossless(printedAvro(avroNumbers(parseLossless(schema)), null)) ?? JSON.stringify(printedAvro(JSON.parse(schema), null));
    if (type === 'PROTOBUF') {
      const parsed = protobufjs().parse(schema, { keepCase: true });
      const syntax = /^\s*syntax\s*=\s*["'](proto[23])["']/m.exec(schema)?.[1] ?? 'proto2';
      return JSON.stringify({ syntax, package: parsed.package ?? null, imports: parsed.imports ?? [], weak: parsed.weakImports ?? [], root: parsed.root.toJSON() });
    }
  } catch { /* not readable: its text is what it is */ }
  return normalizeSchema(schema, type);
}

const AVRO_PRIMITIVES = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);
const NAMED = new Set(['record', 'error', 'enum', 'fixed']);
/** Attributes Avro reads itself, per kind; any other is a property, printed after them in its order. */
const RESERVED: Record<string, string[]> = {
  record: ['type', 'name', 'namespace', 'doc', 'fields', 'aliases'], enum: ['type', 'name', 'namespace', 'doc', 'symbols', 'default', 'aliases'],
  fixed: ['type', 'name', 'namespace', 'doc', 'size', 'aliases'], array: ['type', 'items'], map: ['type', 'values'], field: ['name', 'type', 'doc', 'default', 'order', 'aliases'],
};

/** A full name's namespace (null at the top), and the name without it. */
const splitName = (full: string): [string | null, string] => { const i = full.lastIndexOf('.'); return i < 0 ? [null, full] : [full.slice(0, i), full.slice(i + 1)]; };

/**
 * An Avro schema as Avro's Java library prints it (Schema.toString), the form Confluent's registry
 * stores and compares: a named type's name short with its namespace beside it, that namespace left
 * out where the enclosing one is the same, a use of a named type short within its own namespace,
 * attributes in Avro's order (properties after), primitives without properties in their short form,
 * a field's order only when it is not ascending. What is not a schema Avro reads is left as it is
 * (the validation that follows refuses it).
 */
function printedAvro(node: unknown, space: string | null): unknown {
  if (typeof node === 'string') {
    if (AVRO_PRIMITIVES.has(node)) return node;
    const full = node.includes('.') || space === null ? node : `${space}.${node}`;
    const [ns, name] = splitName(full);
    return ns === space ? name : full;
  }
  if (Array.isArray(node)) return node.map((n) => printedAvro(n, space));
  if (node === null || typeof node !== 'object') return node;
  const o = node as Record<string, unknown>;
  const type = o.type;
  if (typeof type !== 'string') return node;
  const props = (reserved: string[]) => Object.keys(o).filter((k) => !reserved.includes(k)).map((k): [string, unknown] => [k, o[k]]);
  if (NAMED.has(type)) {
    if (typeof o.name !== 'string') return node;
    const given = typeof o.namespace === 'string' ? o.namespace : undefined;
    const full = o.name.includes('.') ? o.name : given !== undefined ? (given === '' ? o.name : `${given}.${o.name}`) : space === null ? o.name : `${space}.${o.name}`;
    const [ns, name] = splitName(full);
    const out: [string, unknown][] = [['type', type], ['name', name]];
    if (ns !== space) out.push(['namespace', ns ?? '']);
    if (o.doc !== undefined) out.push(['doc', o.doc]);
    const kind = type === 'error' ? 'record' : type;
    if (kind === 'record') {
      if (!Array.isArray(o.fields)) return node;
      out.push(['fields', o.fields.map((f) => printedField(f, ns))]);
    } else if (kind === 'enum') {
      out.push(['symbols', o.symbols]);
      if (o.default !== undefined) out.push(['default', o.default]);
    } else out.push(['size', o.size]);
    out.push(...props(RESERVED[kind]!));
    if (o.aliases !== undefined) out.push(['aliases', o.aliases]);
    return Object.fromEntries(out);
  }
  if (type === 'array') return Object.fromEntries([['type', type], ['items', printedAvro(o.items, space)], ...props(RESERVED.array!)]);
  if (type === 'map') return Object.fromEntries([['type', type], ['values', printedAvro(o.values, space)], ...props(RESERVED.map!)]);
  const rest = props(['type']);
  // a primitive (or a name) in its long form: short without properties
  if (rest.length === 0) return printedAvro(type, space);
  return AVRO_PRIMITIVES.has(type) ? Object.fromEntries([['type', type], ...rest]) : node;
}

function printedField(field: unknown, space: string | null): unknown {
  if (field === null || typeof field !== 'object' || Array.isArray(field)) return field;
  const f = field as Record<string, unknown>;
  const out: [string, unknown][] = [['name', f.name], ['type', printedAvro(f.type, space)]];
  if (f.doc !== undefined) out.push(['doc', f.doc]);
  if (f.default !== undefined) out.push(['default', f.default]);
  if (f.order !== undefined && f.order !== 'ascending') out.push(['order', f.order]);
  if (f.aliases !== undefined) out.push(['aliases', f.aliases]);
  out.push(...Object.keys(f).filter((k) => !RESERVED.field!.includes(k)).map((k) => [k, f[k]] as [string, unknown]));
  return Object.fromEntries(out);
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
      checkProtoRules(parseProto(schema, new Map(references.map((r) => [r.name, r.schema]))), schema);
    } else {
      const parsed: unknown = JSON.parse(schema);
      if (typeof parsed !== 'boolean' && (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed))) throw new Error('a JSON schema is an object or a boolean');
      checkJsonTypes(parsed, parsed);
    }
  } catch (e) {
    throw new RegistryError(422, 42201, `Invalid schema ${schema}, details: ${(e as Error).message}`);
  }
}

/** Field numbers Protobuf keeps for itself, and the highest one a field may have. */
const PROTO_RESERVED_IDS = [19_000, 19_999], PROTO_MAX_ID = 536_870_911;

/**
 * What Protobuf's own descriptor builder refuses that protobufjs reads (it refuses reserved
 * numbers and names itself): field numbers outside 1..2^29-1 or in the library's reserved range, and in
 * proto3 explicit defaults and an enum whose first value is not zero. A schema names at least one
 * message (its records are one).
 */
function checkProtoRules(parsed: ProtoSchema, text: string): void {
  const proto3 = /^\s*syntax\s*=\s*["']proto3["']/m.test(text);
  const messages = parsed.everyMessage();
  if (messages.length === 0) throw new Error('the schema defines no message');
  const enums: protobuf.Enum[] = [];
  const top = messages[0]!.parent;
  for (const n of [...(top ? top.nestedArray : []), ...messages.flatMap((m) => m.nestedArray)]) if ('values' in n && !('fieldsArray' in n)) enums.push(n as protobuf.Enum);
  for (const m of messages) {
    for (const f of m.fieldsArray) {
      const where = `${m.fullName.replace(/^\./, '')}.${f.name}`;
      if (f.id < 1) throw new Error(`${where}: Field numbers must be positive integers.`);
      if (f.id > PROTO_MAX_ID) throw new Error(`${where}: Field numbers cannot be greater than ${PROTO_MAX_ID}.`);
      if (f.id >= PROTO_RESERVED_IDS[0]! && f.id <= PROTO_RESERVED_IDS[1]!) throw new Error(`${where}: Field numbers ${PROTO_RESERVED_IDS[0]} through ${PROTO_RESERVED_IDS[1]} are reserved for the protocol buffer library implementation.`);
      if (proto3 && f.options?.default !== undefined) throw new Error(`${where}: Explicit default values are not allowed in proto3.`);
    }
  }
  if (proto3) {
    for (const e of enums) {
      const first = Object.values(e.values)[0];
      if (first !== undefined && first !== 0) throw new Error(`${e.fullName.replace(/^\./, '')}: The first enum value must be zero in proto3.`);
    }
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
function checkJsonTypes(node: unknown, root: unknown): void {
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return;
  const o = node as Record<string, unknown>;
  if ('type' in o) {
    for (const t of Array.isArray(o.type) ? o.type : [o.type]) if (typeof t !== 'string' || !JSON_TYPES.has(t)) throw new Error(`unknown type ${JSON.stringify(t)}`);
  }
  // what a schema loader refuses besides types: keywords of the wrong shape, a pattern that is no
  // regular expression (ECMA 262's, as JSON Schema has them), a pointer into the schema that points nowhere
  if ('required' in o && (!Array.isArray(o.required) || o.required.some((x) => typeof x !== 'string'))) throw new Error('required: expected an array of property names');
  for (const k of ['properties', 'patternProperties', 'definitions', '$defs']) {
    if (k in o && (o[k] === null || typeof o[k] !== 'object' || Array.isArray(o[k]))) throw new Error(`${k}: expected an object`);
  }
  // (Confluent's loader compiles patterns with Java's regular expressions: one refused both ways is no pattern)
  for (const p of [o.pattern, ...Object.keys((o.patternProperties ?? {}) as object)]) {
    if (typeof p === 'string' && !compiles(() => new RegExp(p)) && !compiles(() => { const j = javaRegex(p); new RegExp(j.source, j.flags); })) {
      throw new Error(`pattern ${JSON.stringify(p)} is not a valid regular expression`);
    }
  }
  if (typeof o.$ref === 'string' && o.$ref.startsWith('#/') && pointerTarget(root, o.$ref.slice(1)) === undefined) throw new Error(`$ref ${JSON.stringify(o.$ref)} points to nothing in the schema`);
  for (const k of ONE_SCHEMA) if (k in o && !Array.isArray(o[k])) checkJsonTypes(o[k], root);
  for (const k of SCHEMA_LISTS) if (Array.isArray(o[k])) for (const x of o[k] as unknown[]) checkJsonTypes(x, root);
  for (const k of SCHEMA_MAPS) {
    const m = o[k];
    if (m && typeof m === 'object' && !Array.isArray(m)) for (const v of Object.values(m)) if (!Array.isArray(v)) checkJsonTypes(v, root);
  }
}

const compiles = (f: () => void): boolean => { try { f(); return true; } catch { return false; } };

/**
 * An Avro schema's numbers as Avro's Java library prints them (Jackson nodes): an integer as written,
 * one with a fraction or an exponent as a double (1.00 and 1e0 are 1.0, 1e3 is 1000.0).
 */
function avroNumbers(node: unknown): unknown {
  if (isLosslessNumber(node)) return /[.eE]/.test(node.value) ? new LosslessNumber(javaDoubleString(Number(node.value))) : node;
  if (Array.isArray(node)) return node.map(avroNumbers);
  if (node !== null && typeof node === 'object') return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, avroNumbers(v)]));
  return node;
}

/** What a JSON pointer (/a/b, with ~1 for / and ~0 for ~, percent-encoded as a URI fragment) names in `doc`; undefined for nothing. */
function pointerTarget(doc: unknown, pointer: string): unknown {
  let at: unknown = doc;
  for (const raw of pointer.split('/').slice(1)) {
    let seg: string;
    try { seg = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~'); } catch { return undefined; }
    if (at === null || typeof at !== 'object' || !Object.prototype.hasOwnProperty.call(at, seg)) return undefined;
    at = (at as Record<string, unknown>)[seg];
  }
  return at;
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
