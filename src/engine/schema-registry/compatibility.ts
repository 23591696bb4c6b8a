import type avro from 'avsc';
import type protobuf from 'protobufjs';
import { avsc } from '../serde/libraries.js';
import type { CompatibilityLevel, RegisteredSchema, SchemaInput } from './registry.js';
import { parseProto } from '../serde/protobuf-schema.js';
import { own } from '../util/own.js';

/** A schema, with the texts of the schemas it references (named as it imports or uses them). */
type Schema = Pick<RegisteredSchema, 'schema' | 'schemaType'> & Pick<SchemaInput, 'references'> & { refs?: { name: string; schema: string }[] };

/**
 * Problems that make `next` incompatible with `prev` under a level; empty when compatible.
 * BACKWARD: readers of `next` read data written with `prev`; FORWARD the other way; FULL both.
 */
export function checkCompatibility(level: CompatibilityLevel, prev: Schema, next: Schema): string[] {
  if (level === 'NONE') return [];
  if (prev.schemaType !== next.schemaType) return [`Incompatible schema type: ${prev.schemaType} -> ${next.schemaType}`];
  const backward = level.startsWith('BACKWARD') || level.startsWith('FULL');
  const forward = level.startsWith('FORWARD') || level.startsWith('FULL');
  const out: string[] = [];
  if (backward) out.push(...canRead(next, prev));
  if (forward) out.push(...canRead(prev, next));
  return out;
}

function canRead(reader: Schema, writer: Schema): string[] {
  switch (reader.schemaType) {
    case 'AVRO': {
      // each side's referenced types are defined first, in a registry of its own
      let readerTypes: Record<string, avro.Type> = {};
      // Avro's SchemaCompatibility matches named types by their short names (a namespace may change),
      // where avsc's resolver compares full names: both sides are read without namespaces, unless
      // two of a side's types then share a name
      const parse = (s: Schema, registry: Record<string, avro.Type>, plain: (x: unknown) => unknown) => {
        for (const ref of s.refs ?? []) avsc().Type.forSchema(plain(JSON.parse(ref.schema)) as avro.Schema, { registry });
        return avsc().Type.forSchema(plain(JSON.parse(s.schema)) as avro.Schema, { registry });
      };
      let pair: [avro.Type, avro.Type] | undefined;
      try {
        try { pair = [parse(reader, readerTypes, withoutNamespaces), parse(writer, {}, withoutNamespaces)]; } catch {
          readerTypes = {};
          pair = [parse(reader, readerTypes, (x) => x), parse(writer, {}, (x) => x)];
        }
        pair[0].createResolver(pair[1]);
        return [];
      } catch (e) {
        // avsc's resolver fails some pairs with a JavaScript error of its own (a record read from an
        // int): those are told as Avro's compatibility check tells a type mismatch, never as that error
        const own = !(e instanceof TypeError || e instanceof RangeError);
        const kinds = pair && firstKindMismatch(pair[0], pair[1]);
        const message = own || !kinds ? (e as Error).message : `reader type: ${kinds[0]} not compatible with writer type: ${kinds[1]}`;
        return [`{errorType:'${own ? avroProblem(message, readerTypes) : 'TYPE_MISMATCH'}', description:'${message}'}`];
      }
    }
    case 'PROTOBUF': return protobufReads(reader, writer);
    default: return jsonReads(reader.schema, writer.schema);
  }
}

const AVRO_PRIMITIVE = new Set(['null', 'boolean', 'int', 'long', 'float', 'double', 'bytes', 'string']);
const shortName = (n: string) => n.slice(n.lastIndexOf('.') + 1);

/** An Avro schema with its named types (and the names that use them) by short name: no namespaces. */
function withoutNamespaces(s: unknown): unknown {
  if (typeof s === 'string') return AVRO_PRIMITIVE.has(s) ? s : shortName(s);
  if (Array.isArray(s)) return s.map(withoutNamespaces);
  if (s === null || typeof s !== 'object') return s;
  const o = { ...(s as Record<string, unknown>) };
  const named = o.type === 'record' || o.type === 'error' || o.type === 'enum' || o.type === 'fixed';
  if (named) {
    delete o.namespace;
    if (typeof o.name === 'string') o.name = shortName(o.name);
    if (Array.isArray(o.aliases)) o.aliases = o.aliases.map((a) => (typeof a === 'string' ? shortName(a) : a));
  }
  if (Array.isArray(o.fields)) o.fields = o.fields.map((f: Record<string, unknown>) => ({ ...f, type: withoutNamespaces(f.type) }));
  if (o.items !== undefined) o.items = withoutNamespaces(o.items);
  if (o.values !== undefined) o.values = withoutNamespaces(o.values);
  if (!named && o.type !== undefined) o.type = withoutNamespaces(o.type);
  return o;
}

/**
 * The first pair of types of different kinds, reader's and writer's, found going down both schemas
 * together (fields by name, array items, map values), as Avro's check names the types that differ.
 */
function firstKindMismatch(reader: avro.Type, writer: avro.Type): [string, string] | undefined {
  const r = avroTypeName(reader), w = avroTypeName(writer);
  if (r !== w) return [r, w];
  const inner = (t: avro.Type) => t as unknown as { fields?: { name: string; type: avro.Type }[]; itemsType?: avro.Type; valuesType?: avro.Type };
  if (r === 'RECORD') {
    for (const f of inner(reader).fields ?? []) {
      const other = inner(writer).fields?.find((x) => x.name === f.name);
      const found = other && firstKindMismatch(f.type, other.type);
      if (found) return found;
    }
  }
  if (r === 'ARRAY') return firstKindMismatch(inner(reader).itemsType!, inner(writer).itemsType!);
  if (r === 'MAP') return firstKindMismatch(inner(reader).valuesType!, inner(writer).valuesType!);
  return undefined;
}

/** An Avro type's kind as Avro's Schema.Type names it (RECORD, INT, ...); avsc's logical types go by the type under them. */
const avroTypeName = (t: avro.Type): string => (t.typeName.startsWith('logical:') ? (t as unknown as { underlyingType: avro.Type }).underlyingType.typeName : t.typeName).replace(/:.*/, '').toUpperCase();

/** Confluent's name for the Avro incompatibility avsc's resolver describes. */
function avroProblem(message: string, readerTypes: Record<string, avro.Type>): string {
  if (message.startsWith('no matching field for default-less')) return 'READER_FIELD_MISSING_DEFAULT_VALUE';
  if (message.startsWith('no alias found')) return 'NAME_MISMATCH';
  const m = /^cannot read (".*?"|\S+) as (.*)$/.exec(message);
  if (!m) return 'TYPE_MISMATCH';
  if (m[2]!.startsWith('[')) return 'MISSING_UNION_BRANCH';
  // a named type read as itself: an enum lacking symbols, or a fixed of another size
  const named = m[1] === m[2] ? readerTypes[JSON.parse(m[2]!) as string]?.typeName : undefined;
  return named === 'enum' ? 'MISSING_ENUM_SYMBOLS' : named === 'fixed' ? 'FIXED_SIZE_MISMATCH' : 'TYPE_MISMATCH';
}

/** Protobuf's scalar types by wire encoding: a field may change to another of its group. */
const SCALAR_GROUP: Record<string, string> = {
  int32: 'varint', uint32: 'varint', int64: 'varint', uint64: 'varint', bool: 'varint',
  sint32: 'zigzag', sint64: 'zigzag', fixed32: 'fixed32', sfixed32: 'fixed32', fixed64: 'fixed64', sfixed64: 'fixed64',
  string: 'bytes', bytes: 'bytes', double: 'double', float: 'float',
};

type ProtoType = protobuf.Type;
type ProtoField = protobuf.Field;
const isMessage = (t: protobuf.ReflectionObject): t is ProtoType => 'fieldsArray' in t;
/** A type's name within its package: its own, after the messages it is declared in. */
function localName(t: protobuf.ReflectionObject): string {
  let name = t.name;
  for (let p = t.parent; p && isMessage(p); p = p.parent) name = `${p.name}.${name}`;
  return name;
}

/** Protobuf stays readable while every field number that both sides use keeps its wire type. */
function protobufReads(reader: Schema, writer: Schema): string[] {
  let r, w;
  const imports = (s: Schema) => new Map((s.refs ?? []).map((x) => [x.name, x.schema]));
  try { r = parseProto(reader.schema, imports(reader)); w = parseProto(writer.schema, imports(writer)); } catch (e) { return [`{errorType:'PARSE_ERROR', description:'${(e as Error).message}'}`]; }
  const out: string[] = [];
  // a field's type as resolved: `Inner`, `Outer.Inner` and `.pkg.Outer.Inner` are one message type
  const typeOf = (f: { type: string; resolvedType: { fullName: string } | null }) => f.resolvedType?.fullName ?? f.type;
  // messages are compared by name at every depth: a message declared inside another is one too. A
  // renamed message, or a changed package, is no change of name (the wire format carries neither, and
  // a serializer that registers its own schema after ksqlDB registered the stream's relies on it), but
  // its fields still are read: a message no name pairs is compared with the one at its message index
  // (what the wire format does carry), if no name pairs that one either
  const readers = new Map(r.everyMessage().map((m) => [m.fullName, m]));
  const writers = new Set(w.everyMessage().map((m) => m.fullName));
  const pairs = new Map<unknown, ProtoType>();
  for (const wt of w.everyMessage()) {
    const byIndex = readers.has(wt.fullName) ? undefined : r.byIndexes(w.indexesOf(wt));
    const rt = readers.get(wt.fullName) ?? (byIndex && !writers.has(byIndex.fullName) ? byIndex : undefined);
    if (rt) pairs.set(wt, rt);
  }
  // a field's type is the same on both sides: a message type its pair (one of another schema: its
  // name), an enum its name within its package, any other type its name
  const sameType = (rf: ProtoField, wf: ProtoField): boolean => {
    const rt = rf.resolvedType, wt = wf.resolvedType;
    if (!rt || !wt || isMessage(rt) !== isMessage(wt)) return typeOf(rf) === typeOf(wf);
    if (isMessage(wt)) { const pair = pairs.get(wt); return pair ? pair === rt : rt.fullName === wt.fullName; }
    return rt.fullName === wt.fullName || localName(rt) === localName(wt);
  };
  for (const [wt, rt] of pairs as Map<ProtoType, ProtoType>) {
    // proto2's required fields: one the reader adds may be missing from what was written; one it drops no longer is written
    for (const rf of rt.fieldsArray) if (rf.required && !wt.fieldsArray.some((f) => f.id === rf.id && f.required)) out.push(`{errorType:'REQUIRED_FIELD_ADDED', description:'The required field ${rf.name} (${rf.id}) of ${wt.fullName} was added'}`);
    for (const wf of wt.fieldsArray) if (wf.required && !rt.fieldsArray.some((f) => f.id === wf.id && f.required)) out.push(`{errorType:'REQUIRED_FIELD_REMOVED', description:'The required field ${wf.name} (${wf.id}) of ${wt.fullName} was removed'}`);
    // a field a writer's oneof has that the reader's oneof of that name lacks
    for (const wo of wt.oneofsArray) {
      const ro = rt.oneofsArray.find((o) => o.name === wo.name);
      if (!ro) continue;
      for (const wf of wo.fieldsArray) if (!ro.fieldsArray.some((f) => f.id === wf.id)) out.push(`{errorType:'ONEOF_FIELD_REMOVED', description:'The field ${wf.name} (${wf.id}) of the oneof ${wo.name} of ${wt.fullName} was removed'}`);
    }
    // fields that were in no oneof and are in one now: one alone into a new oneof reads as before;
    // more than one into the same oneof, or one into a oneof the writer had, may lose a value
    const moved = new Map<string, number>();
    for (const rf of rt.fieldsArray) {
      const wf = wt.fieldsArray.find((f) => f.id === rf.id);
      if (!rf.partOf || !wf || wf.partOf) continue;
      const existing = wt.oneofsArray.find((o) => o.name === rf.partOf!.name);
      if (existing) out.push(`{errorType:'FIELD_MOVED_TO_EXISTING_ONEOF', description:'The field ${rf.name} (${rf.id}) of ${wt.fullName} moved to the existing oneof ${existing.name}'}`);
      else moved.set(rf.partOf.name, (moved.get(rf.partOf.name) ?? 0) + 1);
    }
    for (const [oneof, n] of moved) if (n > 1) out.push(`{errorType:'MULTIPLE_FIELDS_MOVED_TO_ONEOF', description:'${n} fields of ${wt.fullName} moved to the new oneof ${oneof}'}`);
    for (const wf of wt.fieldsArray) {
      const rf = rt.fieldsArray.find((f) => f.id === wf.id);
      if (rf && !sameType(rf, wf) && rf.repeated === wf.repeated && rf.map === wf.map && own(SCALAR_GROUP, rf.type) !== undefined && own(SCALAR_GROUP, wf.type) !== undefined) {
        // scalars that share a wire encoding read each other (protobuf's rules for updating a message type)
        if (SCALAR_GROUP[rf.type] !== SCALAR_GROUP[wf.type]) out.push(`{errorType:'FIELD_SCALAR_KIND_CHANGED', description:'The kind of scalar field ${wf.name} (${wf.id}) of ${wt.fullName} changed'}`);
        continue;
      }
      if (rf && (!sameType(rf, wf) || rf.repeated !== wf.repeated || rf.map !== wf.map)) {
        out.push(`{errorType:'FIELD_KIND_CHANGED', description:'The kind of field ${wf.name} (${wf.id}) of ${wt.fullName} changed'}`);
      }
    }
  }
  return out;
}

interface JsonSchemaNode {
  type?: string | string[]; properties?: Record<string, JsonSchemaNode>; required?: string[]; additionalProperties?: unknown;
  items?: JsonSchemaNode | JsonSchemaNode[]; enum?: unknown[];
  maxLength?: number; minLength?: number; maximum?: number; minimum?: number; maxItems?: number; minItems?: number;
}

/**
 * JSON Schema, as Confluent's checker reads it for the changes users make: a reader may not add a
 * property to a writer's open content model (or one its partial model does not cover), require a
 * property a closed writer lacks, retype one (except widening integer to number), close its content
 * model over a property the writer has, narrow an enum, or tighten a length, size or range bound.
 * Properties and array items are compared all the way down.
 */
function jsonReads(reader: string, writer: string): string[] {
  const out: string[] = [];
  compareJson(JSON.parse(reader) as JsonSchemaNode, JSON.parse(writer) as JsonSchemaNode, '#', out);
  return out;
}

const types = (n: JsonSchemaNode): string[] | undefined => (n.type === undefined ? undefined : Array.isArray(n.type) ? [...n.type].sort() : [n.type]);

function compareJson(r: JsonSchemaNode, w: JsonSchemaNode, path: string, out: string[]): void {
  if (typeof r !== 'object' || r === null || typeof w !== 'object' || w === null) return;
  const problem = (kind: string, where = path) => out.push(`{errorType:'${kind}', description:'${where}'}`);
  const rt = types(r), wt = types(w);
  if (rt && wt && !wt.every((t) => rt.includes(t) || (t === 'integer' && rt.includes('number')))) { problem(rt.length < wt.length ? 'TYPE_NARROWED' : 'TYPE_CHANGED'); return; }
  if (rt && !wt) { problem('TYPE_NARROWED'); return; }
  // a writer whose content model is open (additionalProperties absent or true) may have written any
  // property the reader adds, as any type: adding one is incompatible; a partial one (a schema) covers
  // an added property its schema reads
  const open = w.additionalProperties === undefined || w.additionalProperties === true;
  const partial = typeof w.additionalProperties === 'object' && w.additionalProperties !== null ? w.additionalProperties as JsonSchemaNode : undefined;
  for (const p of r.required ?? []) {
    if (!open && !partial && !w.properties?.[p] && !(w.required ?? []).includes(p)) problem('REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL', `${path}/properties/${p}`);
    // a property the writer had but did not require: its data may lack it (unless the reader gives a default)
    else if (w.properties?.[p] && !(w.required ?? []).includes(p) && (r.properties?.[p] as { default?: unknown } | undefined)?.default === undefined) problem('REQUIRED_ATTRIBUTE_ADDED', `${path}/required/${p}`);
  }
  for (const [name, rp] of Object.entries(r.properties ?? {})) {
    const wp = w.properties?.[name];
    if (wp) compareJson(rp, wp, `${path}/properties/${name}`, out);
    else if (open) problem('PROPERTY_ADDED_TO_OPEN_CONTENT_MODEL', `${path}/properties/${name}`);
    else if (partial) {
      const covered: string[] = [];
      compareJson(rp, partial, `${path}/properties/${name}`, covered);
      if (covered.length) problem('PROPERTY_ADDED_NOT_COVERED_BY_PARTIALLY_OPEN_CONTENT_MODEL', `${path}/properties/${name}`);
    }
  }
  if (r.additionalProperties === false) {
    for (const name of Object.keys(w.properties ?? {})) if (!r.properties?.[name]) problem('PROPERTY_REMOVED_FROM_CLOSED_CONTENT_MODEL', `${path}/properties/${name}`);
    if (w.additionalProperties !== false) problem('ADDITIONAL_PROPERTIES_REMOVED');
  }
  if (r.enum && (!w.enum || w.enum.some((v) => !r.enum!.some((x) => JSON.stringify(x) === JSON.stringify(v))))) problem('ENUM_ARRAY_NARROWED', `${path}/enum`);
  const tighter = (key: 'maxLength' | 'maximum' | 'maxItems', kind: string) => { if (r[key] !== undefined && (w[key] === undefined || r[key]! < w[key]!)) problem(w[key] === undefined ? kind.replace('DECREASED', 'ADDED') : kind, `${path}/${key}`); };
  // an added minimum bounds any number; an added minLength or minItems of 0 bounds nothing
  const looser = (key: 'minLength' | 'minimum' | 'minItems', kind: string) => { if (r[key] !== undefined && (w[key] === undefined ? key === 'minimum' || r[key]! > 0 : r[key]! > w[key]!)) problem(w[key] === undefined ? kind.replace('INCREASED', 'ADDED') : kind, `${path}/${key}`); };
  tighter('maxLength', 'MAX_LENGTH_DECREASED'); tighter('maximum', 'MAXIMUM_DECREASED'); tighter('maxItems', 'MAX_ITEMS_DECREASED');
  looser('minLength', 'MIN_LENGTH_INCREASED'); looser('minimum', 'MINIMUM_INCREASED'); looser('minItems', 'MIN_ITEMS_INCREASED');
  if (r.items && w.items && !Array.isArray(r.items) && !Array.isArray(w.items)) compareJson(r.items, w.items, `${path}/items`, out);
}
