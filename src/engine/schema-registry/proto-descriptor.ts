import type protobuf from 'protobufjs';
import { protobufDescriptors, protobufjs } from '../serde/libraries.js';
import { parseProto } from '../serde/protobuf-schema.js';

// A Protobuf schema as Confluent's registry answers `?format=serialized`: the schema's own file as
// a FileDescriptorProto (google/protobuf/descriptor.proto), base64. Clients that build their
// message types from descriptors (Confluent's own JavaScript serdes) ask for this form.

/** The file name Confluent's registry gives a schema registered as text. */
const FILE_NAME = 'default';

type Descriptor = Record<string, unknown> & { name?: string; field?: FieldDescriptor[]; nestedType?: Descriptor[] };
type FieldDescriptor = Record<string, unknown> & { name?: string; typeName?: string };

/** The schema text (its imports' texts by import name) as a base64 FileDescriptorProto. */
export function serializedProto(text: string, imports: Map<string, string>): string {
  const schema = parseProto(text, imports);
  const d = protobufDescriptors();
  const pb = protobufjs();
  const { file } = schema;
  const edition = file.syntax === 'proto3' ? 'proto3' : 'proto2';
  const messageType: Descriptor[] = [], enumType: unknown[] = [];
  for (const n of file.nested) {
    if (n instanceof pb.Type) messageType.push(qualified(n, (n as unknown as { toDescriptor(e: string): Descriptor }).toDescriptor(edition)));
    else if (n instanceof pb.Enum) enumType.push((n as unknown as { toDescriptor(): unknown }).toDescriptor());
  }
  const proto = d.FileDescriptorProto!.create({
    name: FILE_NAME, ...(file.package ? { package: file.package } : {}), dependency: file.imports, messageType, enumType,
    // (protoc leaves proto2's syntax unset)
    ...(edition === 'proto3' ? { syntax: 'proto3' } : {}),
  });
  return Buffer.from(d.FileDescriptorProto!.encode(proto).finish()).toString('base64');
}

/**
 * A message's descriptor with every type name written in full (`.pkg.Outer.Inner`) and each map
 * field's entry message named `<Field>Entry`, as protoc writes them: protobufjs writes names relative
 * to the message and entries without the suffix, which not every reader resolves.
 */
function qualified(type: protobuf.Type, descriptor: Descriptor): Descriptor {
  for (const fd of descriptor.field ?? []) {
    const field = type.fields[fd.name!];
    if (!field) continue;
    if (field.map) {
      const entry = descriptor.nestedType?.find((n) => n.name === fd.typeName);
      const name = mapEntryName(field.name);
      if (entry) {
        entry.name = name;
        const value = entry.field?.find((f) => f.name === 'value');
        if (value && field.resolvedType) value.typeName = field.resolvedType.fullName;
      }
      fd.typeName = `${type.fullName}.${name}`;
    } else if (field.resolvedType) fd.typeName = field.resolvedType.fullName;
  }
  for (const nd of descriptor.nestedType ?? []) {
    const nested = type.nested?.[nd.name!];
    if (nested && 'fieldsArray' in nested) qualified(nested as protobuf.Type, nd);
  }
  return descriptor;
}

/** protoc's name for a map field's entry message: the field's name in camel case, capitalized, then Entry. */
function mapEntryName(field: string): string {
  let out = '', cap = true;
  for (const c of field) {
    if (c === '_') cap = true;
    else { out += cap && c >= 'a' && c <= 'z' ? c.toUpperCase() : c; cap = false; }
  }
  return `${out}Entry`;
}
