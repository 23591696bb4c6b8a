import type { SqlType } from '../sql/types.js';
import { parseProto, protoSchemaText } from './protobuf-schema.js';
import { protobufCodec } from './protobuf-serde.js';

/** Query rows in ksqlDB's protobuf response format: the schema text a header carries, and each row as that message's bytes. */
export interface ProtobufRows { schema: string; encode(values: unknown[]): Buffer }

export function protobufRows(cols: { name: string; type: SqlType }[]): ProtobufRows {
  const schema = protoSchemaText(cols, { mapsAsEntries: true });
  // rows are encoded with the map<K, V> form of the same schema, whose bytes are those of the entries
  const wire = parseProto(protoSchemaText(cols));
  const codec = protobufCodec(wire, wire.message()!, { names: cols.map((c) => c.name), types: cols.map((c) => c.type), unwrapped: false });
  return { schema, encode: (values) => Buffer.from(codec.encode(values)) };
}
