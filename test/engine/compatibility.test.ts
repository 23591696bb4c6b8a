import { describe, expect, it } from 'vitest';
import { checkCompatibility } from '../../src/engine/schema-registry/compatibility.js';

const avro = (s: unknown) => ({ schema: JSON.stringify(s), schemaType: 'AVRO' as const });
const record = (name: string, fields: unknown[]) => ({ type: 'record', name, fields });

describe('Avro compatibility problems, named as Confluent names them', () => {
  it.each([
    ['TYPE_MISMATCH', record('R', [{ name: 'a', type: 'int' }]), record('R', [{ name: 'a', type: 'string' }])],
    ['READER_FIELD_MISSING_DEFAULT_VALUE', record('R', [{ name: 'a', type: 'int' }]), record('R', [{ name: 'a', type: 'int' }, { name: 'b', type: 'int' }])],
    ['MISSING_ENUM_SYMBOLS', { type: 'enum', name: 'E', symbols: ['A', 'B'] }, { type: 'enum', name: 'E', symbols: ['A'] }],
    ['MISSING_UNION_BRANCH', record('R', [{ name: 'a', type: ['null', 'int', 'string'] }]), record('R', [{ name: 'a', type: ['null', 'int'] }])],
    ['NAME_MISMATCH', record('R', []), record('S', [])],
    ['FIXED_SIZE_MISMATCH', { type: 'fixed', name: 'x.F', size: 3 }, { type: 'fixed', name: 'x.F', size: 2 }],
  ])('%s (BACKWARD: the new schema cannot read data the old one wrote)', (kind, previous, next) => {
    const problems = checkCompatibility('BACKWARD', avro(previous), avro(next));
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(new RegExp(`^\\{errorType:'${kind}', description:'.+'\\}$`));
  });

  it('a namespace that changes (of the record, or of a record inside it) is no change, as Avro\'s SchemaCompatibility matches short names', () => {
    const order = (ns: string, inner: string) => ({ ...record('Order', [{ name: 'id', type: 'string' }, { name: 'at', type: { type: 'record', name: 'Place', namespace: inner, fields: [{ name: 'c', type: 'string' }] } }]), namespace: ns });
    expect(checkCompatibility('FULL', avro(order('com.old', 'a')), avro(order('com.new', 'b')))).toEqual([]);
    expect(checkCompatibility('BACKWARD', avro(record('com.old.R', [])), avro(record('S', [])))[0]).toMatch(/^\{errorType:'NAME_MISMATCH'/);
    // two types of one schema that differ only by namespace are still told apart
    const both = record('R', [{ name: 'u', type: [{ type: 'record', name: 'a.X', fields: [{ name: 'i', type: 'int' }] }, { type: 'record', name: 'b.X', fields: [{ name: 's', type: 'string' }] }] }]);
    expect(checkCompatibility('FULL', avro(both), avro(both))).toEqual([]);
  });

  it('a record where a primitive, array, map or union was is a TYPE_MISMATCH told in Avro\'s words, not an error of the JavaScript library under it', () => {
    for (const [previous, name] of [['int', 'INT'], [{ type: 'array', items: 'int' }, 'ARRAY'], [{ type: 'map', values: 'int' }, 'MAP'], [['null', 'int'], 'UNION']] as const) {
      expect(checkCompatibility('BACKWARD', avro(previous), avro(record('R', [{ name: 'a', type: 'int' }])))).toEqual([`{errorType:'TYPE_MISMATCH', description:'reader type: RECORD not compatible with writer type: ${name}'}`]);
    }
    // in a field: the field's types are named, not the records around them
    expect(checkCompatibility('BACKWARD', avro(record('R', [{ name: 'a', type: 'int' }])), avro(record('R', [{ name: 'a', type: record('S', [{ name: 'x', type: 'int' }]) }]))))
      .toEqual(["{errorType:'TYPE_MISMATCH', description:'reader type: RECORD not compatible with writer type: INT'}"]);
  });

  it('a new field with a default reads old data', () => {
    expect(checkCompatibility('BACKWARD', avro(record('R', [{ name: 'a', type: 'int' }])), avro(record('R', [{ name: 'a', type: 'int' }, { name: 'b', type: 'int', default: 0 }])))).toEqual([]);
  });
});
