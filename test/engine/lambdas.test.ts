import { describe, expect, it } from 'vitest';
import { Scope, compileExpr } from '../../src/engine/analysis/compile.js';
import { T } from '../../src/engine/sql/types.js';
import type { Expr } from '../../src/engine/sql/ast.js';

const pos = { line: 1, col: 0 };
const ctx = { scope: new Scope([{ name: 'NUMS', type: T.array(T.INTEGER), field: 'nums' }, { name: 'S', type: T.INTEGER, field: 's' }]), clause: 'SELECT' };
const col = (name: string): Expr => ({ t: 'col', name, pos });
const int = (n: number): Expr => ({ t: 'lit', type: T.INTEGER, value: n });
const plus = (l: Expr, r: Expr): Expr => ({ t: 'arith', op: '+', l, r });
const reduce: Expr = { t: 'call', name: 'REDUCE', pos, args: [col('NUMS'), col('S'), { t: 'lambda', params: ['A', 'X'], body: plus(col('A'), col('X')) }] };
const transform: Expr = { t: 'call', name: 'TRANSFORM', pos, args: [col('NUMS'), { t: 'lambda', params: ['X'], body: plus(col('X'), int(5)) }] };

describe('lambdas and NULL', () => {
  it.each([
    [reduce, { nums: [3, 6], s: 2 }, 11],
    [reduce, { nums: null, s: 2 }, 2],
    [reduce, { nums: [1, 2], s: null }, null],
    [transform, { nums: [3, 6] }, [8, 11]],
    [transform, { nums: null }, null],
  ])('%#: evaluates', (e, row, expected) => {
    expect(compileExpr(e, ctx).fn(row)).toEqual(expected);
  });

  it.each([[reduce, { nums: [5, null], s: 2 }], [transform, { nums: [5, null] }]])('%#: arithmetic on a NULL element fails the call', (e, row) => {
    expect(() => compileExpr(e, ctx).fn(row)).toThrow(/NULL operand/);
  });

  it('arithmetic outside lambdas fails the whole expression on a NULL operand too (ksqlDB unboxes there as well)', () => {
    expect(() => compileExpr(plus(col('S'), int(1)), ctx).fn({ s: null })).toThrow('Error computing expression (S + 1): an operand is NULL');
    expect(compileExpr(plus(col('S'), int(1)), ctx).fn({ s: 2 })).toBe(3);
  });
});

describe('TRANSFORM of a map, and DATE against TIMESTAMP', () => {
  const mctx = { scope: new Scope([{ name: 'M', type: T.map(T.STRING, T.INTEGER), field: 'm' }, { name: 'D', type: T.DATE, field: 'd' }, { name: 'TS', type: T.TIMESTAMP, field: 'ts' }]), clause: 'SELECT' };
  const lambda = (params: string[], body: Expr): Expr => ({ t: 'lambda', params, body });
  it('fails when two entries map to one key', () => {
    const constKey: Expr = { t: 'call', name: 'TRANSFORM', pos, args: [col('M'), lambda(['K', 'V'], { t: 'lit', type: T.STRING, value: 'same' }), lambda(['K', 'V'], col('V'))] };
    const f = compileExpr(constKey, mctx).fn;
    expect(f({ m: new Map([['a', 1]]) })).toEqual(new Map([['same', 1]]));
    expect(() => f({ m: new Map([['a', 1], ['b', 2]]) })).toThrow(/twice/);
  });
  it('fails when a value is transformed to NULL (Collectors.toMap takes no null value)', () => {
    const nullValue: Expr = { t: 'call', name: 'TRANSFORM', pos, args: [col('M'), lambda(['K', 'V'], col('K')), lambda(['K', 'V'], { t: 'lit', type: T.INTEGER, value: null })] };
    expect(() => compileExpr(nullValue, mctx).fn({ m: new Map([['a', 1]]) })).toThrow(/NULL value/);
    // (an empty map has no value to refuse)
    expect(compileExpr(nullValue, mctx).fn({ m: new Map() })).toEqual(new Map());
  });
  it('compares a DATE as the timestamp of its midnight', () => {
    const gt = compileExpr({ t: 'cmp', op: '>', l: col('D'), r: col('TS') }, mctx).fn;
    expect([gt({ d: 10, ts: 300 }), gt({ d: 10, ts: 864_000_000 }), gt({ d: 10, ts: 863_999_999 })]).toEqual([true, false, true]);
  });
});

describe('maps built by MAP(...) and FILTER', () => {
  it('are in java.util.HashMap order; a NULL value FILTER keeps fails the call (Collectors.toMap takes none)', async () => {
    const { parseStatement } = await import('../../src/engine/sql/parser.js');
    const expr = (text: string): Expr => { const s = parseStatement(`SELECT ${text} FROM X;`); if (s.kind !== 'select' || s.query.items[0]!.t !== 'expr') throw new Error('no expression'); return s.query.items[0]!.expr; };
    const run = (text: string) => compileExpr(expr(text), ctx).fn({});
    expect([...(run("MAP('z' := 1, 'y' := 2, 'x' := 3)") as Map<string, number>).keys()]).toEqual(['x', 'y', 'z']);
    // (a HashMap of the number of entries given, duplicates too)
    expect([...(run("MAP('key10' := 1, 'key10' := 2, 'key2' := 3, 'key2' := 4, 'zz' := 5)") as Map<string, number>).keys()]).toEqual(['zz', 'key2', 'key10']);
    expect([...(run("FILTER(MAP('z' := 1, 'y' := 2, 'x' := 3), (k, v) => v > 1)") as Map<string, number>).keys()]).toEqual(['x', 'y']);
    expect(() => run("FILTER(MAP('a' := CAST(NULL AS INT), 'b' := 1), (k, v) => true)")).toThrow('FILTER kept the key a with a NULL value');
    expect([...(run("FILTER(MAP('a' := CAST(NULL AS INT), 'b' := 1), (k, v) => v IS NOT NULL)") as Map<string, number>).keys()]).toEqual(['b']);
  });
});
