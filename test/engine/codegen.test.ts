import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Scope, compileExpr, type Compiled } from '../../src/engine/analysis/compile.js';
import { generated } from '../../src/engine/analysis/codegen.js';
import { projector, safeAll, safeGroups } from '../../src/engine/analysis/plan-util.js';
import type { Expr } from '../../src/engine/sql/ast.js';
import { T, type SqlType } from '../../src/engine/sql/types.js';
import { Decimal } from '../../src/engine/util/decimal.js';

// A generated expression computes what its tree of functions computes: the same value (NaN, -0 and
// bigints told apart) or the same error, for random expressions over columns of every common type.

const pos = { line: 1, col: 0 };
const COLS: [string, SqlType][] = [['I', T.INTEGER], ['J', T.INTEGER], ['D', T.DOUBLE], ['L', T.BIGINT], ['S', T.STRING], ['B', T.BOOLEAN], ['M', T.decimal(4, 2)]];
const scope = new Scope(COLS.map(([name, type]) => ({ name, type, field: name })));

const col = fc.constantFrom(...COLS.map(([name]) => name)).map((name): Expr => ({ t: 'col', name, pos }));
const lit = fc.oneof(
  fc.integer({ min: -5, max: 5 }).map((v): Expr => ({ t: 'lit', type: T.INTEGER, value: v })),
  fc.constantFrom(2147483647, -2147483648, 100000).map((v): Expr => ({ t: 'lit', type: T.INTEGER, value: v })),
  fc.constantFrom(0.5, -2.25, 1e21).map((v): Expr => ({ t: 'lit', type: T.DOUBLE, value: v })),
  fc.constantFrom('a', 'b', '', 'x"y').map((v): Expr => ({ t: 'lit', type: T.STRING, value: v })),
  fc.boolean().map((v): Expr => ({ t: 'lit', type: T.BOOLEAN, value: v })),
  fc.constant<Expr>({ t: 'lit', type: T.NULL, value: null }),
  fc.constant<Expr>({ t: 'lit', type: T.BIGINT, value: 2n ** 60n }),
);
const { expr } = fc.letrec<{ expr: Expr }>((tie) => ({
  expr: fc.oneof({ depthSize: 'small', withCrossShrink: true },
    col, lit,
    fc.tuple(fc.constantFrom('+', '-', '*', '/', '%'), tie('expr'), tie('expr')).map(([op, l, r]): Expr => ({ t: 'arith', op, l, r })),
    fc.tuple(fc.constantFrom('=', '<>', '<', '<=', '>', '>='), tie('expr'), tie('expr')).map(([op, l, r]): Expr => ({ t: 'cmp', op, l, r })),
    fc.tuple(fc.constantFrom('and', 'or'), tie('expr'), tie('expr')).map(([t, l, r]): Expr => ({ t, l, r })),
    tie('expr').map((e): Expr => ({ t: 'not', e })),
    fc.tuple(tie('expr'), fc.boolean()).map(([e, not]): Expr => ({ t: 'isnull', e, not })),
    fc.tuple(fc.array(fc.tuple(tie('expr'), tie('expr')), { minLength: 1, maxLength: 3 }), fc.option(tie('expr'), { nil: undefined }))
      .map(([ws, e]): Expr => ({ t: 'case', whens: ws.map(([when, then]) => ({ when, then })), ...(e ? { else: e } : {}) })),
    fc.tuple(tie('expr'), fc.constantFrom(T.DOUBLE, T.INTEGER, T.STRING, T.BIGINT)).map(([e, type]): Expr => ({ t: 'cast', e, type })),
    // nodes that do not write themselves: called from the generated code
    tie('expr').map((e): Expr => ({ t: 'call', name: 'ABS', args: [e], pos })),
    fc.tuple(tie('expr'), fc.constantFrom('%a%', 'b_', 'a%', '%'), fc.boolean()).map(([e, p, not]): Expr => ({ t: 'like', e, pattern: { t: 'lit', type: T.STRING, value: p }, not })),
    fc.tuple(tie('expr'), tie('expr')).map(([e, pattern]): Expr => ({ t: 'like', e, pattern, not: false })),
  ),
}));
const nullable = <V>(a: fc.Arbitrary<V>) => fc.option(a, { nil: null, freq: 4 });
const row = fc.record({
  I: nullable(fc.oneof(fc.integer({ min: -10, max: 10 }), fc.constantFrom(2147483647, -2147483648, 0))),
  J: nullable(fc.integer({ min: -3, max: 3 })),
  D: nullable(fc.oneof(fc.double(), fc.constantFrom(NaN, -0, 0, Infinity, 0.5))),
  L: nullable(fc.oneof(fc.integer(), fc.constantFrom(2n ** 62n, -(2n ** 63n), 9007199254740993n))),
  S: nullable(fc.constantFrom('a', 'ab', 'b', '', 'B')),
  B: nullable(fc.boolean()),
  M: nullable(fc.constantFrom('1.25', '-0.50', '99.99').map((d) => Decimal.parse(d))),
});

const outcome = (f: () => unknown) => { try { return { value: f() }; } catch (e) { return { error: `${(e as Error).constructor.name}: ${(e as Error).message}` }; } };
const show = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x));
const same = (a: unknown, b: unknown) => (typeof a === 'number' && typeof b === 'number' ? Object.is(a, b) : a instanceof Decimal && b instanceof Decimal ? a.toString() === b.toString() : show(a) === show(b));

describe('expressions written as JavaScript', () => {
  it('give what their functions give, value or error, for any row', () => {
    let written = 0;
    fc.assert(fc.property(expr, fc.array(row, { minLength: 1, maxLength: 5 }), (e, rows) => {
      let c: Compiled;
      try { c = compileExpr(e, { scope, clause: 'SELECT' }); } catch { return; } // not a valid expression
      const fn = generated(c);
      if (c.gen) written++;
      for (const r of rows) {
        const a = outcome(() => c.fn(r)), b = outcome(() => fn(r));
        expect(b.error).toBe(a.error);
        if (a.error === undefined && !same(a.value, b.value)) expect.fail(`${show(e)} on ${show(r)}: ${String(a.value)} vs ${String(b.value)}`);
      }
    }), { numRuns: 5000 });
    // (most valid expressions are written, not only called)
    expect(written).toBeGreaterThan(1000);
  });

  it('give what their functions give for arithmetic and comparisons of numeric columns and literals (overflow, -0, NaN, division by zero, NULL)', () => {
    const leaf = fc.oneof(fc.constantFrom('I', 'J', 'D', 'L', 'M').map((name): Expr => ({ t: 'col', name, pos })), lit);
    const arith = fc.tuple(fc.constantFrom('+', '-', '*', '/', '%'), leaf, leaf).map(([op, l, r]): Expr => ({ t: 'arith', op, l, r }));
    const numeric = fc.oneof(arith, fc.tuple(fc.constantFrom('=', '<>', '<', '<=', '>', '>='), fc.oneof(leaf, arith), fc.oneof(leaf, arith)).map(([op, l, r]): Expr => ({ t: 'cmp', op, l, r })));
    fc.assert(fc.property(numeric, fc.array(row, { minLength: 5, maxLength: 10 }), (e, rows) => {
      let c: Compiled;
      try { c = compileExpr(e, { scope, clause: 'SELECT' }); } catch { return; }
      const fn = generated(c);
      for (const r of rows) {
        const a = outcome(() => c.fn(r)), b = outcome(() => fn(r));
        expect(b.error).toBe(a.error);
        if (a.error === undefined && !same(a.value, b.value)) expect.fail(`${show(e)} on ${show(r)}: ${String(a.value)} vs ${String(b.value)}`);
      }
    }), { numRuns: 3000 });
  });

  it('write a searched CASE of comparisons and arithmetic as one function, calling only what it does not write', () => {
    const c = compileExpr({ t: 'case', whens: [{ when: { t: 'isnull', e: { t: 'col', name: 'S', pos }, not: false }, then: { t: 'lit', type: T.STRING, value: 'none' } },
      { when: { t: 'cmp', op: '>', l: { t: 'arith', op: '*', l: { t: 'col', name: 'I', pos }, r: { t: 'col', name: 'J', pos } }, r: { t: 'lit', type: T.INTEGER, value: 5 } }, then: { t: 'lit', type: T.STRING, value: 'big' } }],
    else: { t: 'lit', type: T.STRING, value: 'small' } }, { scope, clause: 'SELECT' });
    const fn = generated(c);
    expect(fn).not.toBe(c.fn);
    expect([fn({ S: null, I: 1, J: 1 }), fn({ S: 'a', I: 3, J: 2 }), fn({ S: 'a', I: 1, J: 2 })]).toEqual(['none', 'big', 'small']);
    // a NULL operand of arithmetic fails the whole expression, as its function does
    expect(() => fn({ S: 'a', I: null, J: 2 })).toThrow('an operand is NULL');
  });

  it('compute a SELECT\'s columns in one function: a column that fails is NULL and told of by its expression, name and index, the others computed', () => {
    const exprs: Expr[] = [
      { t: 'arith', op: '+', l: { t: 'col', name: 'I', pos }, r: { t: 'lit', type: T.INTEGER, value: 1 } },
      { t: 'arith', op: '/', l: { t: 'col', name: 'I', pos }, r: { t: 'col', name: 'J', pos } },
      { t: 'call', name: 'UCASE', args: [{ t: 'col', name: 'S', pos }], pos },
    ];
    const errors: Error[] = [];
    const project = projector(exprs.map((e) => compileExpr(e, { scope, clause: 'SELECT' })), (e) => errors.push(e as Error), exprs, ['A', 'B', 'C']);
    expect(project({ I: 7, J: 2, S: 'x' })).toEqual([8, 3, 'X']);
    expect(project({ I: 7, J: 0, S: 'x' })).toEqual([8, null, 'X']);
    expect(errors.map((e) => [e.message, (e.cause as Error).message])).toEqual([['Error computing expression (I / J) for column B with index 1', '/ by zero']]);
  });

  it('fall back to the functions where the code would be nested too deeply for the JavaScript parser', () => {
    // I + 1 + 1 + ... and I = 0 OR I = 1 OR ...: 1,500 levels, as the tree of functions evaluates them
    let sum: Expr = { t: 'col', name: 'I', pos }, any: Expr = { t: 'lit', type: T.BOOLEAN, value: false };
    for (let i = 0; i < 1500; i++) {
      sum = { t: 'arith', op: '+', l: sum, r: { t: 'lit', type: T.INTEGER, value: 1 } };
      any = { t: 'or', l: any, r: { t: 'cmp', op: '=', l: { t: 'col', name: 'I', pos }, r: { t: 'lit', type: T.INTEGER, value: i } } };
    }
    const cs = [sum, any].map((e) => compileExpr(e, { scope, clause: 'SELECT' }));
    expect(cs.map((c) => generated(c)({ I: 7 }))).toEqual([1507, true]);
    expect(projector(cs, () => undefined, [sum, any], ['A', 'B'])({ I: 7 })).toEqual([1507, true]);
  });

  it('compute an aggregation\'s output columns in one function: a column that fails is NULL and its error told as it is', () => {
    const exprs: Expr[] = [{ t: 'col', name: 'I', pos }, { t: 'arith', op: '%', l: { t: 'col', name: 'I', pos }, r: { t: 'col', name: 'J', pos } }];
    const errors: Error[] = [];
    const project = safeAll(exprs.map((e) => compileExpr(e, { scope, clause: 'SELECT' })), (e) => errors.push(e as Error));
    expect(project({ I: 7, J: 4 })).toEqual([7, 3]);
    expect(project({ I: 7, J: 0 })).toEqual([7, null]);
    expect(errors.map((e) => e.message)).toEqual(['/ by zero']);
  });

  it('compute aggregates\' arguments in one function, a list per aggregate: an argument that fails is NULL and its error told as it is', () => {
    const c = (e: Expr) => compileExpr(e, { scope, clause: 'SELECT' });
    const i: Expr = { t: 'col', name: 'I', pos }, j: Expr = { t: 'col', name: 'J', pos };
    const errors: Error[] = [];
    const args = safeGroups([[c(i)], [], [c(j), c({ t: 'arith', op: '/', l: i, r: j })]], (e) => errors.push(e as Error));
    expect(args({ I: 6, J: 3 })).toEqual([[6], [], [3, 2]]);
    expect(args({ I: 6, J: 0 })).toEqual([[6], [], [0, null]]);
    expect(errors.map((e) => e.message)).toEqual(['/ by zero']);
    // (deeper than the JavaScript parser takes: the same lists)
    let deep: Expr = i;
    for (let k = 0; k < 1500; k++) deep = { t: 'arith', op: '+', l: deep, r: { t: 'lit', type: T.INTEGER, value: 1 } };
    expect(safeGroups([[c(deep)], [c(j)]], () => undefined)({ I: 1, J: 2 })).toEqual([[1501], [2]]);
  });
});
