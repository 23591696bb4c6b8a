import { describe, expect, it } from 'vitest';
import { Scope } from '../../src/engine/analysis/compile.js';
import { unifyExprs } from '../../src/engine/analysis/coercion.js';
import { T, typeToString } from '../../src/engine/sql/types.js';
import type { Expr } from '../../src/engine/sql/ast.js';

const ctx = { scope: new Scope([{ name: 'A', type: T.INTEGER, field: 'a' }, { name: 'B', type: T.BIGINT, field: 'b' }, { name: 'F', type: T.BOOLEAN, field: 'f' }]), clause: 'SELECT' };
const int = (n: number): Expr => ({ t: 'lit', type: T.INTEGER, value: n, text: String(n) });
const str = (s: string): Expr => ({ t: 'lit', type: T.STRING, value: s });
const nul: Expr = { t: 'lit', type: T.NULL, value: null };
const col = (name: string): Expr => ({ t: 'col', name, pos: { line: 1, col: 0 } });

describe('coercion of constructor elements and IN lists', () => {
  it.each([
    [[int(1), col('B')], 'BIGINT', [1, 40]],
    [[col('A'), str('3'), nul], 'INTEGER', [30, 3, null]],
    [[str('x'), int(10)], 'STRING', ['x', '10']],
    [[{ t: 'array', items: [col('B')] }, { t: 'array', items: [str('3'), nul] }], 'ARRAY<BIGINT>', [[40], [3, null]]],
    [[{ t: 'struct', fields: [{ name: 'X', value: col('A') }, { name: 'Y', value: col('B') }] }, { t: 'struct', fields: [{ name: 'Y', value: col('A') }, { name: 'Z', value: col('B') }] }],
      'STRUCT<`X` INTEGER, `Y` BIGINT, `Z` BIGINT>', [{ X: 30, Y: 40, Z: null }, { X: null, Y: 30, Z: 40 }]],
  ] as [Expr[], string, unknown[]][])('unifies %j to %s', (exprs, type, values) => {
    const r = unifyExprs(exprs, ctx);
    expect(r.type && typeToString(r.type)).toBe(type);
    expect(r.items.map((c) => c.fn({ a: 30, b: 40, f: true }))).toEqual(values);
  });

  it('has no type when every element is NULL', () => {
    expect(unifyExprs([nul, nul], ctx).type).toBeUndefined();
  });

  it.each([
    [[int(1), str('not a number')], 'Invalid Select: invalid input syntax for type INTEGER: "not a number".'],
    [[col('B'), col('F')], 'Invalid Select: operator does not exist: BIGINT = BOOLEAN (F)'],
  ] as [Expr[], string][])('rejects %j', (exprs, message) => {
    expect(() => unifyExprs(exprs, ctx)).toThrow(message);
  });
});
