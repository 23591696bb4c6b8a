import { describe, expect, it } from 'vitest';
import { propertyValueProblem } from '../../src/engine/exec/property-values.js';
import { Engine } from '../../src/engine/engine.js';

describe('property values', () => {
  it('checks the values Kafka checks, and takes any other property, named like an Object member or not', () => {
    expect(propertyValueProblem('ksql.streams.auto.offset.reset', 'sideways')).toBe('Invalid value sideways for configuration auto.offset.reset: String must be one of: latest, earliest, none');
    expect(propertyValueProblem('auto.offset.reset', 'earliest')).toBeUndefined();
    for (const name of ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf']) expect(propertyValueProblem(name, 'x'), name).toBeUndefined();
  });

  it('a statement run with such properties runs (it failed with a JavaScript error)', () => {
    const engine = new Engine({ properties: {} });
    const ctx = { properties: { toString: 'x', constructor: 'y' }, variables: new Map<string, string>() };
    expect(engine.executeStatement("CREATE STREAM P (V STRING) WITH (kafka_topic='p', partitions=1, value_format='json');", ctx)).toMatchObject({ commandStatus: { status: 'SUCCESS' } });
    expect(engine.executeStatement("SET 'valueOf'='z';", ctx)).toBeUndefined();
  });
});
