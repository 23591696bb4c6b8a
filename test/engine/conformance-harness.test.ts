import { describe, expect, it } from 'vitest';
import type { Engine } from '../../src/engine/engine.js';
import { registerTopicSchemas } from '../../src/engine/conformance/sr-records.js';
import { recordHeaders } from '../../src/engine/conformance/qtt.js';
import { SchemaRegistry } from '../../src/engine/schema-registry/registry.js';

const LOGISTICS = 'syntax = "proto3";\nimport "event.proto";\nmessage Logistics { Event event = 1; }';
const EVENT = 'syntax = "proto3";\nmessage Event { int64 timestamp = 1; }';

describe('schemas of a test\'s topics, registered as ksqlDB\'s harness does', () => {
  const register = (valueSchemaId?: number) => {
    const registry = new SchemaRegistry();
    registerTopicSchemas({ registry } as unknown as Engine, [{
      name: 'input', valueFormat: 'PROTOBUF', valueSchema: LOGISTICS, valueSchemaId,
      valueSchemaReferences: [{ name: 'event.proto', format: 'PROTOBUF', schema: EVENT }],
    }]);
    return registry;
  };

  it.each([
    { name: 'without an id the schema takes the next id, before its references', given: undefined, own: 1, ref: 2 },
    { name: 'a given id is kept; the references take the next ones', given: 10, own: 10, ref: 1 },
  ])('$name', ({ given, own, ref }) => {
    const registry = register(given);
    expect(registry.version('input-value', 'latest').id).toBe(own);
    expect(registry.version('event.proto', 'latest').id).toBe(ref);
    expect(registry.schemaById(own).references).toEqual([{ name: 'event.proto', subject: 'event.proto', version: 1 }]);
  });

  it('a reserved id is not handed out again', () => {
    const registry = new SchemaRegistry();
    const reserved = registry.reserveId();
    expect(registry.register('a-value', { schema: EVENT, schemaType: 'PROTOBUF' })).toBe(reserved + 1);
  });
});

describe('headers of a test\'s input records', () => {
  it('are stored in order, base64 values decoded and a null value kept', () => {
    const headers = recordHeaders({ topic: 't', value: null, headers: [{ KEY: 'abc', VALUE: 'IQ==' }, { KEY: 'none', VALUE: null }] });
    expect(headers).toEqual([{ key: 'abc', value: Buffer.from('!') }, { key: 'none', value: null }]);
  });
  it('are none when the record gives none', () => {
    expect(recordHeaders({ topic: 't', value: null })).toEqual([]);
  });
});

describe('topics that exist before a test\'s statements run', () => {
  it('a `topics` entry without partitions takes the PARTITIONS of the CREATE that names it; a CREATE with columns makes its own topic', async () => {
    const { Engine } = await import('../../src/engine/engine.js');
    const { precreateTopics } = await import('../../src/engine/conformance/qtt.js');
    const engine = new Engine({});
    precreateTopics(engine, {
      name: 't', topics: [{ name: 'left_topic' }, { name: 'plain' }],
      statements: [
        "CREATE TABLE L WITH (kafka_topic='left_topic', partitions=128, format='AVRO', KEY_SCHEMA_ID=101, VALUE_SCHEMA_ID=102);",
        "CREATE STREAM S (K INT KEY, V INT) WITH (kafka_topic='s_topic', value_format='JSON');",
      ],
    });
    expect(engine.topics.get('left_topic')!.partitions.length).toBe(128);
    expect(engine.topics.get('plain')!.partitions.length).toBe(1);
    expect(engine.topics.get('s_topic')!.partitions.length).toBe(4);
  });
});

describe('the record comparator of ksqlDB\'s test harness', async () => {
  const { matches } = await import('../../src/engine/conformance/compare.js');
  const { parse } = await import('lossless-json');
  const json = (text: string) => parse(text);

  it('reads an integer in JSON text as Jackson\'s IntNode or LongNode: an expected fraction is truncated', () => {
    expect(matches(json('{"V":3.0}'), json('{"V":3}'))).toBe(true);
    expect(matches(json('{"V":3.7}'), json('{"V":3}'))).toBe(true);
    expect(matches(json('{"V":4.0}'), json('{"V":3}'))).toBe(false);
    expect(matches(json('{"V":9223372036854775807}'), json('{"V":9223372036854775807}'))).toBe(true);
    expect(matches(json('{"V":9223372036854775806}'), json('{"V":9223372036854775807}'))).toBe(false);
    // truncated exactly, beyond 2^53 and beyond a double's range
    expect(matches(json('{"V":12345678901234567.9}'), json('{"V":12345678901234567}'))).toBe(true);
    expect(matches(json('{"V":1e400}'), json('{"V":3}'))).toBe(false);
  });

  it('keeps scale for fractions in the actual text', () => {
    expect(matches(json('{"V":1.0}'), json('{"V":1.00}'))).toBe(false);
    expect(matches(json('{"V":1.5E-4}'), json('{"V":0.00015}'))).toBe(true);
  });

  it('reads a field the actual lacks as null, as a Java map does, with the same field count', () => {
    expect(matches(json('{"HEX":null,"B":null}'), json('{"ASCII":null,"B":null}'))).toBe(true);
    expect(matches(json('{"HEX":1,"B":null}'), json('{"ASCII":1,"B":null}'))).toBe(false);
    expect(matches(json('{"HEX":null}'), json('{"ASCII":null,"B":null}'))).toBe(false);
  });
});

describe('the order ksqlDB\'s harness registers topic schemas in', async () => {
  const { javaHashMapOrder } = await import('../../src/engine/conformance/sr-records.js');
  it('is a Java HashMap\'s: by bucket of String.hashCode, then insertion order', () => {
    // "input" hashes to bucket 1 of 16 and "OUTPUT" to bucket 5, whichever came first
    expect(javaHashMapOrder(['OUTPUT', 'input'])).toEqual(['input', 'OUTPUT']);
    expect(javaHashMapOrder(['input', 'OUTPUT'])).toEqual(['input', 'OUTPUT']);
    // "Aa" and "BB" share a hash: the first inserted comes first
    expect(javaHashMapOrder(['BB', 'Aa'])).toEqual(['BB', 'Aa']);
  });

  it('gives an implied schema the id set aside for its subject', () => {
    const registry = new SchemaRegistry();
    registry.reserveFor('input-value');
    const explicit = registry.register('OUTPUT-value', { schema: '"int"' });
    const implied = registry.register('input-value', { schema: '"string"' });
    expect([implied, explicit]).toEqual([1, 2]);
  });

  it('keeps the id set aside when a registration under the subject is refused', () => {
    const registry = new SchemaRegistry();
    registry.reserveFor('input-value');
    expect(() => registry.register('input-value', { schema: '{"type": "strin"}' })).toThrow();
    registry.register('other-value', { schema: '"int"' });
    expect(registry.register('input-value', { schema: '"string"' })).toBe(1);
  });
});

describe('test files of ksqlDB\'s corpus', () => {
  it('are read with their comments taken out (upstream files have // and /* */ ones), numbers as written, strings kept whole', async () => {
    const { parseCorpusJson } = await import('../../src/engine/conformance/corpus-json.js');
    const doc = parseCorpusJson('{\n  // the cases\n  "tests": [ /* one */ {"name": "a // not a comment", "v": 1.50} ]\n}') as { tests: { name: string; v: { value: string } }[] };
    expect([doc.tests[0]!.name, doc.tests[0]!.v.value]).toEqual(['a // not a comment', '1.50']);
    // a parse error still points at the place in the file
    expect(() => parseCorpusJson('// x\n{"a": }')).toThrow(/position 11/);
  });
});
