import type { RegisteredSchema, SchemaLookup } from '../schema-registry/registry.js';
import { AVRO_PRIMITIVES, type AvroSchema } from './avro-schema.js';
import { splitFullName } from './full-name.js';
import type { JsonSchema } from './json-schema.js';

// Schemas that use other subjects' schemas (Schema Registry references), made to stand alone: each
// referenced definition is written in where it is first used, as Confluent's parsers resolve them
// from the referenced schemas, so the walks that infer columns and read values meet every type in place.

type References = RegisteredSchema['references'];

/** The referenced schemas, each with its own references' schemas first, by reference name (a Protobuf import's). */
export function referenced(refs: References, registry: SchemaLookup, out = new Map<string, string>()): Map<string, string> {
  for (const r of refs) {
    if (out.has(r.name)) continue;
    const v = registry.version(r.subject, r.version);
    referenced(v.references, registry, out);
    out.set(r.name, v.schema);
  }
  return out;
}

/** An Avro schema with the named types its references define written in at their first use. */
export function avroWithReferences(text: string, refs: References, registry: SchemaLookup | undefined): AvroSchema {
  const schema = JSON.parse(text) as AvroSchema;
  if (refs.length === 0 || !registry) return schema;
  // the named types the referenced schemas define at their top, by full name
  const defs = new Map<string, AvroSchema>();
  for (const s of referenced(refs, registry).values()) {
    const top = JSON.parse(s) as AvroSchema;
    for (const t of Array.isArray(top) ? top : [top]) {
      if (typeof t !== 'object' || t === null || Array.isArray(t) || typeof t.name !== 'string') continue;
      defs.set(t.name.includes('.') ? t.name : typeof t.namespace === 'string' && t.namespace ? `${t.namespace}.${t.name}` : t.name, t);
    }
  }
  const defined = new Set<string>();
  const full = (name: string, ns: string | undefined) => (name.includes('.') || !ns ? name : `${ns}.${name}`);
  const walk = (s: AvroSchema, ns: string | undefined): AvroSchema => {
    if (typeof s === 'string') {
      if (AVRO_PRIMITIVES.has(s)) return s;
      const name = defs.has(full(s, ns)) ? full(s, ns) : s;
      const def = defs.get(name);
      // a name already defined (here or by a reference written in before) is used as it is
      if (!def || defined.has(name)) return s;
      defined.add(name);
      return walk(def, undefined);
    }
    if (Array.isArray(s)) return s.map((x) => walk(x, ns));
    if (typeof s !== 'object' || s === null) return s;
    const o = s as Exclude<AvroSchema, string | AvroSchema[]>;
    if (typeof o.name === 'string' && (o.type === 'record' || o.type === 'error' || o.type === 'enum' || o.type === 'fixed')) {
      const own = o.name.includes('.') ? splitFullName(o.name).space : (typeof o.namespace === 'string' ? o.namespace || undefined : ns);
      defined.add(full(o.name, own));
      if (o.type !== 'record' && o.type !== 'error') return s;
      return { ...o, fields: (o.fields as { type: AvroSchema }[]).map((f) => ({ ...f, type: walk(f.type, own) })) } as AvroSchema;
    }
    if (o.type === 'array') return { ...o, items: walk(o.items as AvroSchema, ns) } as AvroSchema;
    if (o.type === 'map') return { ...o, values: walk(o.values as AvroSchema, ns) } as AvroSchema;
    if (o.type !== undefined && typeof o.type === 'object') return { ...o, type: walk(o.type as AvroSchema, ns) } as AvroSchema;
    if (typeof o.type === 'string' && !AVRO_PRIMITIVES.has(o.type)) return walk(o.type, ns);
    return s;
  };
  return walk(schema, undefined);
}

/**
 * A JSON schema with every `$ref` to a referenced schema (`name` or `name#/pointer`) replaced by
 * what it names; local references (`#/...`) inside a referenced schema are resolved too, since
 * written into another document they would name that document's parts.
 */
export function jsonWithReferences(text: string, refs: References, registry: SchemaLookup | undefined): JsonSchema {
  const schema = JSON.parse(text) as JsonSchema;
  if (refs.length === 0 || !registry) return schema;
  const docs = new Map([...referenced(refs, registry)].map(([name, s]) => [name, JSON.parse(s) as JsonSchema]));
  const pointer = (root: JsonSchema, p: string): JsonSchema => {
    let node: unknown = root;
    for (const raw of p.split('/').filter(Boolean)) node = node !== null && typeof node === 'object' ? (node as Record<string, unknown>)[decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
    if (node === null || typeof node !== 'object') throw new Error(`JSON schema reference ${p} names nothing in the schema`);
    return node as JsonSchema;
  };
  // `root`: the referenced document being written in (its local references resolve in it), or none for the schema itself
  const walk = (v: unknown, root: JsonSchema | undefined, seen: string[]): unknown => {
    if (Array.isArray(v)) return v.map((x) => walk(x, root, seen));
    if (v === null || typeof v !== 'object') return v;
    const o = v as Record<string, unknown>;
    const ref = o.$ref;
    if (typeof ref === 'string') {
      const [name, frag = ''] = ref.split('#') as [string, string?];
      const doc = name ? docs.get(name) : root;
      if (doc) {
        const key = `${name}#${frag}`;
        if (seen.includes(key)) throw new Error(`Unsupported JSON schema: ${ref} refers to itself`);
        return walk(pointer(doc, frag), doc, [...seen, key]);
      }
    }
    return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, walk(x, root, seen)]));
  };
  return walk(schema, undefined, []) as JsonSchema;
}
