import type { SchemaType } from './registry.js';
import { RegistryError } from './errors.js';

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
