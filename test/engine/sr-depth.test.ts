import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';
import { handleRegistryRequest } from '../../src/engine/schema-registry/routes.js';

const ctx = { properties: {}, variables: new Map<string, string>() };
/** An Avro record nesting another `depth` times. */
const avro = (depth: number) => {
  let t = '"string"';
  for (let i = depth; i > 0; i--) t = `{"type":"record","name":"R${i}","fields":[{"name":"a","type":${t}}]}`;
  return { schema: t };
};
const jsonSchema = (depth: number) => ({ schemaType: 'JSON', schema: '{"type":"object","properties":{"a":'.repeat(depth) + '{"type":"string"}' + '}}'.repeat(depth) });

describe('deeply nested schemas', () => {
  it('the registry refuses a schema nested deeper than 1000 (as Jackson reads Confluent\'s), 422 and not a 500, and goes on serving', () => {
    const engine = new Engine({});
    const register = (subject: string, body: unknown) => handleRegistryRequest(engine.registry, { method: 'POST', path: `/subjects/${subject}/versions`, query: new URLSearchParams(), body });
    for (const [subject, body, depth] of [['j', jsonSchema(3000), 6001], ['a', avro(2000), 6000], ['x', { schema: '['.repeat(50_000) + '"string"' + ']'.repeat(50_000) }, 50_000]] as const) {
      const r = register(subject, body);
      expect([r.status, (r.body as { error_code: number }).error_code]).toEqual([422, 42201]);
      expect((r.body as { message: string }).message).toContain(`details: Document nesting depth (${depth}) exceeds the maximum allowed (1000`);
    }
    expect(register('fine', avro(300)).status).toBe(200);
    expect(register('fine-json', jsonSchema(499)).status).toBe(200);
  });

  it('a source cannot take its columns from a schema nesting types deeper than a statement may name', () => {
    const engine = new Engine({});
    handleRegistryRequest(engine.registry, { method: 'POST', path: '/subjects/deep-value/versions', query: new URLSearchParams(), body: avro(300) });
    expect(() => engine.executeStatement("CREATE STREAM DEEP WITH (kafka_topic='deep', value_format='AVRO', partitions=1);", ctx))
      .toThrow('Reason: the schema nests ARRAY, MAP and STRUCT types 299 levels deep, more than the 256 a statement may name');
    handleRegistryRequest(engine.registry, { method: 'POST', path: '/subjects/ok-value/versions', query: new URLSearchParams(), body: avro(200) });
    expect(() => engine.executeStatement("CREATE STREAM OK WITH (kafka_topic='ok', value_format='AVRO', partitions=1);", ctx)).not.toThrow();
  });
});
