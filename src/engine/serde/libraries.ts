import { createRequire } from 'node:module';
import type Protobuf from 'protobufjs';
import type Avro from 'avsc';

// protobufjs and avsc take about 30 ms to load; a server whose topics never meet a Protobuf or
// Avro schema should not pay that at start-up. Both are CommonJS, so they load synchronously on
// first use.
const load = createRequire(import.meta.url);
let protobufLib: typeof Protobuf | undefined;
let avroLib: typeof Avro | undefined;
let descriptorLib: (typeof Protobuf.Root & Record<string, Protobuf.Type>) | undefined;

/** protobufjs, loaded on first use. */
export const protobufjs = (): typeof Protobuf => (protobufLib ??= load('protobufjs') as typeof Protobuf);
/** protobufjs's reflection of google/protobuf/descriptor.proto (FileDescriptorProto and the rest), loaded on first use. */
export const protobufDescriptors = (): typeof Protobuf.Root & Record<string, Protobuf.Type> => {
  protobufjs();
  return (descriptorLib ??= load('protobufjs/ext/descriptor/index.js') as typeof Protobuf.Root & Record<string, Protobuf.Type>);
};
/** avsc, loaded on first use. */
export const avsc = (): typeof Avro => (avroLib ??= load('avsc') as typeof Avro);
