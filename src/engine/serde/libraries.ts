import { createRequire } from 'node:module';
import type Protobuf from 'protobufjs';
import type Avro from 'avsc';

// protobufjs and avsc take about 30 ms to load; a server whose topics never meet a Protobuf or
// Avro schema should not pay that at start-up. Both are CommonJS, so they load synchronously on
// first use.
const load = createRequire(import.meta.url);
let protobufLib: typeof Protobuf | undefined;
let avroLib: typeof Avro | undefined;

/** protobufjs, loaded on first use. */
export const protobufjs = (): typeof Protobuf => (protobufLib ??= load('protobufjs') as typeof Protobuf);
/** avsc, loaded on first use. */
export const avsc = (): typeof Avro => (avroLib ??= load('avsc') as typeof Avro);
