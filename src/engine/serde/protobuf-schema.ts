import type protobuf from 'protobufjs';
import { protobufjs } from './libraries.js';
import type { Column } from '../catalog/schema.js';
import { T, type SqlType } from '../sql/types.js';
import { splitFullName } from './full-name.js';
import { own as ownEntry } from '../util/own.js';

// The imports Confluent's Protobuf converter uses for ksqlDB types, declared here so schemas that
// import them parse without a file system (the message shapes are those of the published .proto files).
const WELL_KNOWN: Record<string, string> = {
  'google/protobuf/wrappers.proto': `syntax = "proto3"; package google.protobuf;
    message DoubleValue { double value = 1; } message FloatValue { float value = 1; }
    message Int64Value { int64 value = 1; } message UInt64Value { uint64 value = 1; }
    message Int32Value { int32 value = 1; } message UInt32Value { uint32 value = 1; }
    message BoolValue { bool value = 1; } message StringValue { string value = 1; } message BytesValue { bytes value = 1; }`,
  'google/protobuf/timestamp.proto': 'syntax = "proto3"; package google.protobuf; message Timestamp { int64 seconds = 1; int32 nanos = 2; }',
  'google/type/date.proto': 'syntax = "proto3"; package google.type; message Date { int32 year = 1; int32 month = 2; int32 day = 3; }',
  'google/type/timeofday.proto': 'syntax = "proto3"; package google.type; message TimeOfDay { int32 hours = 1; int32 minutes = 2; int32 seconds = 3; int32 nanos = 4; }',
  'confluent/type/decimal.proto': 'syntax = "proto3"; package confluent.type; message Decimal { bytes value = 1; uint32 precision = 2; int32 scale = 3; }',
  'confluent/meta.proto': 'syntax = "proto3"; package confluent;',
  // more of the files Schema Registry knows without a reference, so producers' schemas that import them register
  'google/protobuf/duration.proto': 'syntax = "proto3"; package google.protobuf; message Duration { int64 seconds = 1; int32 nanos = 2; }',
  'google/protobuf/empty.proto': 'syntax = "proto3"; package google.protobuf; message Empty {}',
  'google/protobuf/any.proto': 'syntax = "proto3"; package google.protobuf; message Any { string type_url = 1; bytes value = 2; }',
  'google/protobuf/field_mask.proto': 'syntax = "proto3"; package google.protobuf; message FieldMask { repeated string paths = 1; }',
  'google/type/money.proto': 'syntax = "proto3"; package google.type; message Money { string currency_code = 1; int64 units = 2; int32 nanos = 3; }',
  'google/type/latlng.proto': 'syntax = "proto3"; package google.type; message LatLng { double latitude = 1; double longitude = 2; }',
  'google/type/dayofweek.proto': `syntax = "proto3"; package google.type; enum DayOfWeek { DAY_OF_WEEK_UNSPECIFIED = 0; MONDAY = 1; TUESDAY = 2;
    WEDNESDAY = 3; THURSDAY = 4; FRIDAY = 5; SATURDAY = 6; SUNDAY = 7; }`,
  'google/type/month.proto': `syntax = "proto3"; package google.type; enum Month { MONTH_UNSPECIFIED = 0; JANUARY = 1; FEBRUARY = 2; MARCH = 3;
    APRIL = 4; MAY = 5; JUNE = 6; JULY = 7; AUGUST = 8; SEPTEMBER = 9; OCTOBER = 10; NOVEMBER = 11; DECEMBER = 12; }`,
};

/** A parsed .proto file (plus its imports): its messages in declaration order, for message indexes. */
/** What the schema's own file declares at its top level (syntax: as written; none is proto2). */
export interface ProtoFile { package: string; imports: string[]; syntax: string | undefined; nested: protobuf.ReflectionObject[] }

export class ProtoSchema {
  constructor(
    readonly root: protobuf.Root, private readonly own: protobuf.Type[], readonly decimals: Map<string, { precision: number; scale: number }>,
    readonly file: ProtoFile = { package: '', imports: [], syntax: undefined, nested: own },
  ) {}

  /** Top-level messages of the schema's own file, in order (index 0 is "the first message"). */
  messages(): protobuf.Type[] { return this.own; }

  /** The message a format uses: the named one, else the first. */
  message(fullName?: string): protobuf.Type | undefined {
    if (!fullName) return this.own[0];
    const name = fullName.replace(/^\./, '');
    return this.all().find((t) => t.fullName.replace(/^\./, '') === name);
  }

  /** The message-index path of a type (Confluent's wire format): [i] for top level, [i, j] nested. */
  indexesOf(type: protobuf.Type): number[] {
    const path: number[] = [];
    let t: protobuf.ReflectionObject = type;
    while (t.parent && t.parent instanceof protobufjs().Type) {
      path.unshift((t.parent as protobuf.Type).nestedArray.filter((n) => n instanceof protobufjs().Type).indexOf(t as protobuf.Type));
      t = t.parent;
    }
    path.unshift(this.own.indexOf(t as protobuf.Type));
    return path;
  }

  byIndexes(indexes: number[]): protobuf.Type | undefined {
    let t: protobuf.Type | undefined = this.own[indexes[0] ?? 0];
    for (const i of indexes.slice(1)) t = t?.nestedArray.filter((n) => n instanceof protobufjs().Type)[i] as protobuf.Type | undefined;
    return t;
  }

  /** The schema's own messages and the messages declared inside them, all the way down. */
  everyMessage(): protobuf.Type[] { return this.all(); }

  private all(): protobuf.Type[] {
    const out: protobuf.Type[] = [];
    const walk = (t: protobuf.Type) => { out.push(t); for (const n of t.nestedArray) if (n instanceof protobufjs().Type) walk(n); };
    this.own.forEach(walk);
    return out;
  }
}

/**
 * Parses Protobuf schema text; `references` maps import names to their schema text. Confluent's
 * field options (`[(confluent.field_meta) = {...}]`, which carry decimal precision and scale) are
 * read here and removed, as protobufjs does not parse aggregate option values.
 */
export function parseProto(text: string, references: Map<string, string> = new Map()): ProtoSchema {
  const root = new (protobufjs().Root)();
  const loaded = new Set<string>();
  const decimals = new Map<string, { precision: number; scale: number }>();
  let own: protobuf.Type[] | undefined;
  let file: ProtoFile | undefined;
  const load = (name: string, src: string): void => {
    loaded.add(name);
    const { text: clean, meta } = stripFieldMeta(src);
    const parsed = protobufjs().parse(clean, root, { keepCase: true, alternateCommentMode: true });
    for (const [field, m] of meta) decimals.set(`${parsed.package ? `${parsed.package}.` : ''}${field}`, m);
    // the schema's own messages are those in the root before any import is parsed
    if (!own) {
      const ns = parsed.package ? root.lookup(parsed.package) as protobuf.Namespace : root;
      own = ns.nestedArray.filter((n): n is protobuf.Type => n instanceof protobufjs().Type);
      file = { package: parsed.package ?? '', imports: [...parsed.imports ?? [], ...parsed.weakImports ?? []], syntax: /\bsyntax\s*=\s*["'](proto[23])["']\s*;/.exec(clean)?.[1], nested: ns.nestedArray.slice() };
    }
    for (const imp of [...(parsed.imports ?? []), ...(parsed.weakImports ?? [])]) {
      if (loaded.has(imp)) continue;
      const dep = references.get(imp) ?? ownEntry(WELL_KNOWN, imp);
      if (dep === undefined) throw new Error(`Unknown import ${imp}`);
      load(imp, dep);
    }
  };
  load('', text);
  root.resolveAll();
  return new ProtoSchema(root, own ?? [], decimals, file);
}

/** Removes `[(confluent.field_meta) = { ... }]` options, returning decimal params by "Message.field". */
function stripFieldMeta(src: string): { text: string; meta: Map<string, { precision: number; scale: number }> } {
  const meta = new Map<string, { precision: number; scale: number }>();
  let out = '';
  let i = 0;
  for (;;) {
    const j = src.indexOf('[', i);
    if (j < 0) { out += src.slice(i); break; }
    const opt = /^\[\s*\(confluent\.field_meta\)/.exec(src.slice(j));
    if (!opt) { out += src.slice(i, j + 1); i = j + 1; continue; }
    let depth = 0, k = j;
    for (; k < src.length; k++) { if (src[k] === '[' || src[k] === '{') depth++; else if (src[k] === ']' || src[k] === '}') { depth--; if (depth === 0) break; } }
    const body = src.slice(j, k + 1);
    const before = src.slice(0, j);
    const field = /(\w+)\s*=\s*\d+\s*$/.exec(before)?.[1];
    const p = /key:\s*"precision"[^}]*?value:\s*"(\d+)"|value:\s*"(\d+)"[^}]*?key:\s*"precision"/.exec(body);
    const s = /key:\s*"scale"[^}]*?value:\s*"(\d+)"|value:\s*"(\d+)"[^}]*?key:\s*"scale"/.exec(body);
    if (field) {
      const owner = enclosingMessages(before);
      meta.set(`${owner.join('.')}.${field}`, { precision: Number(p?.[1] ?? p?.[2] ?? 64), scale: Number(s?.[1] ?? s?.[2] ?? 0) });
    }
    out += src.slice(i, j);
    i = k + 1;
  }
  return { text: out, meta };
}

function enclosingMessages(before: string): string[] {
  const stack: string[] = [];
  const re = /(message|enum|oneof)\s+(\w+)\s*\{|\{|\}/g;
  for (const m of before.matchAll(re)) {
    if (m[1]) stack.push(m[1] === 'message' ? m[2]! : '');
    else if (m[0] === '{') stack.push('');
    else stack.pop();
  }
  return stack.filter(Boolean);
}

const WRAPPERS: Record<string, SqlType> = {
  'google.protobuf.DoubleValue': T.DOUBLE, 'google.protobuf.FloatValue': T.DOUBLE, 'google.protobuf.Int64Value': T.BIGINT,
  'google.protobuf.UInt64Value': T.BIGINT, 'google.protobuf.Int32Value': T.INTEGER, 'google.protobuf.UInt32Value': T.BIGINT,
  'google.protobuf.BoolValue': T.BOOLEAN, 'google.protobuf.StringValue': T.STRING, 'google.protobuf.BytesValue': T.BYTES,
};

/** The ksqlDB column types of a message's fields; `upper` upper-cases names as inference without a schema id does. */
export function protoColumns(schema: ProtoSchema, type: protobuf.Type, ns: 'KEY' | 'VALUE', upper: boolean): Column[] {
  return messageFields(schema, type, upper).map((f) => ({ ...f, ns }));
}

/**
 * A message's oneofs (not proto3 `optional` fields' synthetic ones), each with the name Confluent's
 * converter gives its column: `<oneof>_<index>`.
 */
export function realOneofs(type: protobuf.Type): { oneof: protobuf.OneOf; name: string }[] {
  let out = oneofsOf.get(type);
  if (!out) {
    out = type.oneofsArray
      .filter((o) => !(o.fieldsArray.length === 1 && (o.fieldsArray[0]!.options?.proto3_optional === true || (o.fieldsArray[0] as { proto3Optional?: boolean }).proto3Optional === true)))
      .map((oneof, i) => ({ oneof, name: `${oneof.name}_${i}` }));
    oneofsOf.set(type, out);
  }
  return out;
}
/** Each message type's oneofs, worked out once (writing a nested message asks for them each time). */
const oneofsOf = new WeakMap<protobuf.Type, { oneof: protobuf.OneOf; name: string }[]>();

/**
 * A message's fields as struct fields, as Confluent's Protobuf converter (flatten.unions off, as
 * ksqlDB has it) makes them: each oneof first, as one optional struct of its fields, then the fields
 * in no oneof.
 */
function messageFields(schema: ProtoSchema, type: protobuf.Type, upper: boolean): { name: string; type: SqlType }[] {
  const cased = (n: string) => (upper ? n.toUpperCase() : n);
  const unions = realOneofs(type);
  const inUnion = new Set(unions.flatMap((u) => u.oneof.fieldsArray));
  return [
    ...unions.map((u) => ({ name: cased(u.name), type: T.struct(u.oneof.fieldsArray.map((f) => ({ name: cased(f.name), type: protoFieldType(schema, f, upper) }))) })),
    ...type.fieldsArray.filter((f) => !inUnion.has(f)).map((f) => ({ name: cased(f.name), type: protoFieldType(schema, f, upper) })),
  ];
}

export function protoFieldType(schema: ProtoSchema, f: protobuf.Field, upper: boolean): SqlType {
  f.resolve();
  if (f.map) {
    const mf = f as unknown as protobuf.MapField;
    return T.map(scalarType(mf.keyType), elementType(schema, f, upper));
  }
  const t = elementType(schema, f, upper);
  return f.repeated ? T.array(t) : t;
}

function elementType(schema: ProtoSchema, f: protobuf.Field, upper: boolean): SqlType {
  const rt = f.resolvedType;
  if (rt instanceof protobufjs().Enum) return T.STRING;
  if (rt instanceof protobufjs().Type) {
    const name = rt.fullName.replace(/^\./, '');
    const wrapped = ownEntry(WRAPPERS, name);
    if (wrapped) return wrapped;
    if (name === 'google.protobuf.Timestamp') return T.TIMESTAMP;
    if (name === 'google.type.Date') return T.DATE;
    if (name === 'google.type.TimeOfDay') return T.TIME;
    if (name === 'confluent.type.Decimal') {
      const owner = (f.parent as protobuf.Type).fullName.replace(/^\./, '');
      const m = schema.decimals.get(`${owner}.${f.name}`);
      return T.decimal(m?.precision ?? 64, m?.scale ?? 0);
    }
    return T.struct(messageFields(schema, rt, upper));
  }
  return scalarType(f.type);
}

function scalarType(t: string): SqlType {
  switch (t) {
    case 'int32': case 'sint32': case 'sfixed32': return T.INTEGER;
    case 'uint32': case 'fixed32': case 'int64': case 'sint64': case 'sfixed64': case 'uint64': case 'fixed64': return T.BIGINT;
    case 'float': case 'double': return T.DOUBLE;
    case 'bool': return T.BOOLEAN;
    case 'string': return T.STRING;
    case 'bytes': return T.BYTES;
    default: throw new Error(`Unsupported Protobuf type ${t}`);
  }
}

export type NullableRepresentation = 'DEFAULT' | 'WRAPPER' | 'OPTIONAL';

export interface ProtoTextOptions {
  /** The message's name; default `ConnectDefault1`. */
  name?: string;
  /** How nullable primitives are declared; default DEFAULT (plain proto3 fields). */
  nullable?: NullableRepresentation;
  /**
   * Declare maps as `repeated ConnectDefaultNEntry` messages with `key` and `value` fields, the way
   * ksqlDB's protobuf query responses write them, instead of `map<K, V>`; the two are the same on
   * the wire. Default false.
   */
  mapsAsEntries?: boolean;
}

/**
 * The schema ksqlDB registers for columns (Confluent's ProtobufData naming): one message
 * `ConnectDefault1`, nested messages `ConnectDefault2`, ... for structs, well-known types for
 * TIMESTAMP/DATE/TIME/DECIMAL, and wrappers or `optional` for nullable primitives when asked.
 */
export function protoSchemaText(cols: { name: string; type: SqlType }[], opts: ProtoTextOptions = {}): string {
  const imports = new Set<string>();
  let counter = 1;
  const nullable = opts.nullable ?? 'DEFAULT';
  const message = (name: string, fields: { name: string; type: SqlType }[], indent: string): string => {
    const nested: string[] = [];
    const lines = fields.map((f, i) => {
      const fieldType = (t: SqlType, inRepeated: boolean): string => {
        switch (t.kind) {
          case 'INTEGER': case 'BIGINT': case 'DOUBLE': case 'BOOLEAN': case 'STRING': case 'BYTES': {
            const base = { INTEGER: 'int32', BIGINT: 'int64', DOUBLE: 'double', BOOLEAN: 'bool', STRING: 'string', BYTES: 'bytes' }[t.kind];
            if (nullable === 'WRAPPER' && !inRepeated) { imports.add('google/protobuf/wrappers.proto'); return `google.protobuf.${{ int32: 'Int32', int64: 'Int64', double: 'Double', bool: 'Bool', string: 'String', bytes: 'Bytes' }[base]}Value`; }
            return base;
          }
          case 'TIMESTAMP': imports.add('google/protobuf/timestamp.proto'); return 'google.protobuf.Timestamp';
          case 'DATE': imports.add('google/type/date.proto'); return 'google.type.Date';
          case 'TIME': imports.add('google/type/timeofday.proto'); return 'google.type.TimeOfDay';
          case 'DECIMAL': imports.add('confluent/type/decimal.proto'); return 'confluent.type.Decimal';
          case 'STRUCT': {
            const n = `ConnectDefault${++counter}`;
            nested.push(message(n, t.fields, `${indent}  `));
            return n;
          }
          default: throw new Error(`Unsupported type ${t.kind}`);
        }
      };
      let decl: string;
      if (f.type.kind === 'ARRAY') decl = `repeated ${fieldType(f.type.item, true)}`;
      else if (f.type.kind === 'MAP' && opts.mapsAsEntries) {
        const n = `ConnectDefault${++counter}Entry`;
        nested.push(message(n, [{ name: 'key', type: f.type.key }, { name: 'value', type: f.type.value }], `${indent}  `));
        decl = `repeated ${n}`;
      } else if (f.type.kind === 'MAP') decl = `map<${fieldType(f.type.key, true)}, ${fieldType(f.type.value, true)}>`;
      else {
        decl = fieldType(f.type, false);
        if (nullable === 'OPTIONAL' && ['int32', 'int64', 'double', 'bool', 'string', 'bytes'].includes(decl)) decl = `optional ${decl}`;
      }
      const meta = f.type.kind === 'DECIMAL' ? ` [(confluent.field_meta) = { params: [{ key: "precision", value: "${f.type.precision}" }, { key: "scale", value: "${f.type.scale}" }] }]` : '';
      if (meta) imports.add('confluent/meta.proto');
      return `${indent}  ${decl} ${f.name} = ${i + 1}${meta};\n`;
    });
    const inner = nested.length ? `\n${nested.join('\n')}` : '';
    return `${indent}message ${name} {\n${lines.join('')}${inner}${indent}}\n`;
  };
  // a full name (com.acme.Out) is a package and a message, as Confluent's converter writes it
  const { space, name } = splitFullName(opts.name ?? 'ConnectDefault1');
  const body = message(name, cols, '');
  const imp = [...imports].sort().map((i) => `import "${i}";\n`).join('');
  const pkg = space ? `package ${space};\n\n` : '';
  return `syntax = "proto3";\n${pkg ? `\n${pkg}` : '\n'}${imp ? `${imp}\n` : ''}${body}`;
}
