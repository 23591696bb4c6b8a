import { avsc } from '../serde/libraries.js';
import type { CompatibilityLevel, RegisteredSchema, SchemaInput } from './registry.js';
import { parseProto } from '../serde/protobuf-schema.js';

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
      try {
        // each side's referenced types are defined first, in a registry of its own
        const parse = (s: Schema) => {
          const registry = {};
          for (const ref of s.refs ?? []) avsc().Type.forSchema(JSON.parse(ref.schema), { registry });
          return avsc().Type.forSchema(JSON.parse(s.schema), { registry });
        };
        parse(reader).createResolver(parse(writer));
        return [];
      } catch (e) { return [`{errorType:'READER_FIELD_MISSING_DEFAULT_VALUE', description:'${(e as Error).message}'}`]; }
    }
    case 'PROTOBUF': return protobufReads(reader, writer);
    default: return jsonReads(reader.schema, writer.schema);
  }
}

/** Protobuf stays readable while every field number that both sides use keeps its wire type. */
function protobufReads(reader: Schema, writer: Schema): string[] {
  let r, w;
  const imports = (s: Schema) => new Map((s.refs ?? []).map((x) => [x.name, x.schema]));
  try { r = parseProto(reader.schema, imports(reader)); w = parseProto(writer.schema, imports(writer)); } catch (e) { return [`{errorType:'PARSE_ERROR', description:'${(e as Error).message}'}`]; }
  const out: string[] = [];
  for (const wt of w.messages()) {
    const rt = r.messages().find((m) => m.fullName === wt.fullName);
    if (!rt) continue;
    for (const wf of wt.fieldsArray) {
      const rf = rt.fieldsArray.find((f) => f.id === wf.id);
      if (rf && (rf.type !== wf.type || rf.repeated !== wf.repeated || rf.map !== wf.map)) {
        out.push(`{errorType:'FIELD_KIND_CHANGED', description:'The kind of field ${wf.name} (${wf.id}) of ${wt.fullName} changed'}`);
      }
    }
  }
  return out;
}

interface JsonSchemaNode { type?: string | string[]; properties?: Record<string, JsonSchemaNode>; required?: string[]; additionalProperties?: unknown }

/** JSON Schema, simplified: the reader may not require properties the writer lacks, nor retype shared ones. */
function jsonReads(reader: string, writer: string): string[] {
  const r = JSON.parse(reader) as JsonSchemaNode, w = JSON.parse(writer) as JsonSchemaNode;
  const out: string[] = [];
  for (const p of r.required ?? []) if (!w.properties?.[p]) out.push(`{errorType:'REQUIRED_PROPERTY_ADDED_TO_UNOPEN_CONTENT_MODEL', description:'#/properties/${p}'}`);
  for (const [name, rp] of Object.entries(r.properties ?? {})) {
    const wp = w.properties?.[name];
    if (wp && JSON.stringify(rp.type) !== JSON.stringify(wp.type)) out.push(`{errorType:'TYPE_CHANGED', description:'#/properties/${name}'}`);
  }
  return out;
}
