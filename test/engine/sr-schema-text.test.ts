import { describe, expect, it } from 'vitest';
import { schemaTextFor } from '../../src/engine/serde/sr-serde.js';
import { T } from '../../src/engine/sql/types.js';

describe('the JSON_SR schemas CSAS/CTAS register', () => {
  it('a single key goes bare and may be null (oneOf null), as ksqlDB registers it (json_sr.json, joins.json); a value is the object itself', () => {
    const json = { format: 'JSON_SR' } as const;
    expect(JSON.parse(schemaTextFor(json, [{ name: 'ID', type: T.INTEGER, ns: 'KEY' }], true))).toEqual({ oneOf: [{ type: 'null' }, { type: 'integer', 'connect.type': 'int32' }] });
    expect(JSON.parse(schemaTextFor(json, [{ name: 'K', type: T.struct([{ name: 'F1', type: T.STRING }]), ns: 'KEY' }], true))).toEqual({
      oneOf: [{ type: 'null' }, { type: 'object', properties: { F1: { 'connect.index': 0, oneOf: [{ type: 'null' }, { type: 'string' }] } } }],
    });
    expect(JSON.parse(schemaTextFor(json, [{ name: 'FOO', type: T.INTEGER, ns: 'VALUE' }], false))).toEqual({
      type: 'object', properties: { FOO: { 'connect.index': 0, oneOf: [{ type: 'null' }, { type: 'integer', 'connect.type': 'int32' }] } },
    });
  });
});
