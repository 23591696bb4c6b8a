import { describe, expect, it } from 'vitest';
import { Engine } from '../../src/engine/engine.js';

const ctx = { properties: {}, variables: new Map<string, string>() };

describe('sources in Schema Registry formats against a read-only registry', () => {
  it('a CREATE that must register its schema fails with the registry\'s reason, and the engine goes on', () => {
    const engine = new Engine();
    engine.registry.setMode('READONLY');
    expect(() => engine.executeStatement("CREATE STREAM S (A INT) WITH (KAFKA_TOPIC='t', VALUE_FORMAT='AVRO', PARTITIONS=1);", ctx))
      .toThrow('Could not register schema for topic: Subject t-value is in read-only mode; error code: 42205');
    engine.registry.setMode('READWRITE');
    expect(engine.executeStatement("CREATE STREAM S (A INT) WITH (KAFKA_TOPIC='t', VALUE_FORMAT='AVRO', PARTITIONS=1);", ctx)).toMatchObject({ commandStatus: { status: 'SUCCESS' } });
  });
});
