import { describe, expect, it } from 'vitest';
import { Decimal } from '../../../src/engine/util/decimal.js';
import { T, type SqlType } from '../../../src/engine/sql/types.js';
import { call, resolve } from './call.js';

const S = T.STRING, I = T.INTEGER, B = T.BIGINT;
const m = (o: Record<string, unknown>) => new Map(Object.entries(o));

describe('array functions', () => {
  const DA = T.array(T.DOUBLE);
  it.each([
    ['ARRAY_DISTINCT', [[0, -0]], [0, -0]],
    ['ARRAY_DISTINCT', [[NaN, NaN, 1]], [NaN, 1]],
    ['ARRAY_SORT', [[0, -0, NaN, -1]], [-1, -0, 0, NaN]],
    ['ARRAY_MIN', [[0, -0]], -0],
    ['ARRAY_MAX', [[-0, 0]], 0],
    ['ARRAY_UNION', [[0], [-0]], [0, -0]],
    ['ARRAY_INTERSECT', [[0, 1], [-0, 1]], [1]],
    ['ARRAY_EXCEPT', [[0, 1], [-0]], [0, 1]],
    ['ARRAY_REMOVE', [[0, -0], 0], [-0]],
    ['ARRAY_CONTAINS', [[0], -0], false],
  ] as [string, unknown[], unknown][])('%s(%j): a DOUBLE -0.0 is its own value, below 0.0, as Double.equals and compareTo have it', (fn, args, expected) => {
    const types = args.map((a) => (Array.isArray(a) ? DA : T.DOUBLE));
    expect(call(fn, types, args)).toEqual(expected);
    // (toEqual takes -0 and 0 for one: the signs are checked apart)
    const got = call(fn, types, args);
    const signs = (v: unknown) => (Array.isArray(v) ? v.map((x) => Object.is(x, -0)) : Object.is(v, -0));
    expect(signs(got)).toEqual(signs(expected));
  });

  it('ARRAY_MAX, ARRAY_MIN and ARRAY_SORT of maps, structs or arrays fail the call once two elements are compared (no Comparable), as Java\'s cast does', () => {
    const structs = T.array(T.struct([{ name: 'A', type: I }]));
    expect(() => call('ARRAY_MAX', [T.array(T.map(S, I))], [[m({ a: 1 }), m({ b: 2 })]])).toThrow('class java.util.HashMap cannot be cast to class java.lang.Comparable');
    expect(() => call('ARRAY_MIN', [structs], [[{ A: 2 }, { A: 1 }]])).toThrow('class org.apache.kafka.connect.data.Struct cannot be cast');
    expect(() => call('ARRAY_SORT', [T.array(T.array(I))], [[[2], [1]]])).toThrow('class java.util.ArrayList cannot be cast');
    expect(call('ARRAY_MAX', [structs], [[{ A: 2 }, null]])).toEqual({ A: 2 });
    expect(call('ARRAY_DISTINCT', [structs], [[{ A: 2 }, { A: 2 }]])).toEqual([{ A: 2 }]);
  });

  it('ENTRIES takes maps of INT, BIGINT, DOUBLE, BOOLEAN and STRING values only, as ksqlDB\'s overloads', () => {
    for (const v of [I, B, T.DOUBLE, T.BOOLEAN, S]) expect(typeof resolve('ENTRIES', [T.map(S, v), T.BOOLEAN])).toBe('object');
    for (const v of [T.array(I), T.decimal(4, 2), T.map(S, I)]) expect(() => resolve('ENTRIES', [T.map(S, v), T.BOOLEAN])).toThrow('does not accept these parameters');
  });

  it.each([
    [['a', 'b', 'c', 'd'], 2, 3, ['b', 'c']],
    [['a', 'b'], null, null, ['a', 'b']],
    [['a', 'b'], 0, 1, null],
    [['a', 'b'], 1, 3, null],
  ])('SLICE(%j, %j, %j)', (a, from, to, expected) => {
    expect(call('SLICE', [T.array(S), I, I], [a, from, to])).toEqual(expected);
  });

  it.each([
    [[0, 3], [0, 1, 2, 3]], [[3, 0], [3, 2, 1, 0]], [[-2, 1, 2], [-2, 0]], [[9, 0, -3], [9, 6, 3, 0]], [[1, -2, -2], [1, -1]],
  ])('GENERATE_SERIES(%j)', (args, expected) => {
    expect(call('GENERATE_SERIES', args.map(() => I), args)).toEqual(expected);
  });

  it('GENERATE_SERIES of INTs is ARRAY<INTEGER>, of BIGINTs ARRAY<BIGINT>: the overload of the arguments\' own types wins', () => {
    const returns = (types: SqlType[]) => { const r = resolve('GENERATE_SERIES', types); return typeof r === 'string' ? r : r.returnType; };
    expect(returns([I, I, I])).toEqual(T.array(I));
    expect(returns([I, I])).toEqual(T.array(I));
    expect(returns([B, B, I])).toEqual(T.array(B));
    // mixed: the INT one cannot take a BIGINT, so the BIGINT one does
    expect(returns([I, B])).toEqual(T.array(B));
  });

  it('GENERATE_SERIES refuses a zero step', () => {
    expect(() => call('GENERATE_SERIES', [I, I, I], [0, 3, 0])).toThrow(/zero/);
  });

  it.each([
    [T.array(T.DOUBLE), [1.23, 0], undefined, '1.23,0.0'],
    [T.array(T.BOOLEAN), [true, null], '|', 'true|null'],
    [T.array(T.decimal(5, 2)), [Decimal.parse('123.45')], undefined, '123.45'],
    [T.array(B), [1, 2], null, '12'],
  ])('ARRAY_JOIN prints items as Java does (%j)', (t, a, d, expected) => {
    expect(call('ARRAY_JOIN', d === undefined ? [t] : [t, S], d === undefined ? [a] : [a, d])).toBe(expected);
  });
});

describe('map functions', () => {
  const MI = T.map(S, I);
  it.each([
    [{ foo: 10, bar: 20 }, { foo: 99, apple: -1 }, { foo: 99, bar: 20, apple: -1 }],
    [{ foo: 10 }, {}, { foo: 10 }],
    [null, { foo: null }, { foo: null }],
    [null, null, null],
  ])('MAP_UNION(%j, %j)', (a, b, expected) => {
    const r = call('MAP_UNION', [MI, MI], [a && m(a), b && m(b)]) as Map<string, unknown> | null;
    expect(r && Object.fromEntries(r)).toEqual(expected);
  });

  it.each([
    [['a', 'b'], [1, 2, 3], { a: 1, b: 2 }],
    [['a', 'b', 'c'], [1, 2], { a: 1, b: 2, c: null }],
  ])('AS_MAP(%j, %j)', (ks, vs, expected) => {
    expect(Object.fromEntries(call('AS_MAP', [T.array(S), T.array(I)], [ks, vs]) as Map<string, unknown>)).toEqual(expected);
  });

  it('ENTRIES gives K/V structs, sorted on request', () => {
    const r = resolve('ENTRIES', [MI, T.BOOLEAN]);
    expect(typeof r === 'object' && r.returnType).toEqual(T.array(T.struct([{ name: 'K', type: S }, { name: 'V', type: I }])));
    expect(call('ENTRIES', [MI, T.BOOLEAN], [m({ b: 2, a: 1 }), true])).toEqual([{ K: 'a', V: 1 }, { K: 'b', V: 2 }]);
    expect(call('ENTRIES', [MI, T.BOOLEAN], [null, true])).toBeNull();
  });
});

describe('GREATEST and LEAST', () => {
  it.each([
    ['GREATEST', [I, I, T.NULL, I], [2, -5, null, 5], 5],
    ['LEAST', [S, S, T.NULL], ['apple', 'banana', null], 'apple'],
    ['GREATEST', [T.DATE, S], [19071, '2022-06-14'], 19157],
    ['LEAST', [I, T.DOUBLE], [1, 0.5], 0.5],
  ] as const)('%s(%j)', (name, types, args, expected) => {
    expect(call(name, [...types], [...args])).toEqual(expected);
  });

  it.each([
    [[I, B], "Function 'greatest' cannot be resolved due to ambiguous method parameters (INTEGER, BIGINT)."],
    [[T.NULL, T.NULL], "Function 'greatest' cannot be resolved due to ambiguous method parameters (null, null)."],
  ])('reports ambiguous parameters %j', (types, message) => {
    expect(resolve('GREATEST', types)).toBe(message);
  });
});

describe('maps in java.util.HashMap order', async () => {
  const { inJavaHashMapOrder } = await import('../../../src/engine/functions/values.js');
  it('go by bucket of String.hashCode, then insertion, with the capacity of how the map was built', () => {
    const m = new Map<unknown, number>([['yes, thanks', 1], ['nope', 2], ['sure, yeah', 3]]);
    // built as new HashMap(3) (4 buckets) and as new HashMap() (16 buckets)
    expect([...inJavaHashMapOrder(m, true).keys()]).toEqual(['yes, thanks', 'sure, yeah', 'nope']);
    expect([...inJavaHashMapOrder(m, false).keys()]).toEqual(['yes, thanks', 'nope', 'sure, yeah']);
    expect([...inJavaHashMapOrder(new Map([['D', 4], ['Q', 0]]), false).keys()]).toEqual(['Q', 'D']);
  });
  it('are what the functions that build a HashMap give: AS_MAP, MAP_UNION, SPLIT_TO_MAP (the order of their arguments was kept)', () => {
    const keys = (m: unknown) => [...(m as Map<string, unknown>).keys()];
    expect(keys(call('AS_MAP', [T.array(S), T.array(I)], [['z', 'y', 'x'], [1, 2, 3]]))).toEqual(['x', 'y', 'z']);
    expect(keys(call('MAP_UNION', [T.map(S, I), T.map(S, I)], [new Map([['z', 1]]), new Map([['y', 2], ['x', 3]])]))).toEqual(['x', 'y', 'z']);
    expect(keys(call('SPLIT_TO_MAP', [S, S, S], ['z=1,y=2,x=3', ',', '=']))).toEqual(['x', 'y', 'z']);
    expect(keys(call('AS_MAP', [T.array(S), T.array(I)], [['yes, thanks', 'nope', 'sure, yeah'], [1, 2, 3]]))).toEqual(['yes, thanks', 'sure, yeah', 'nope']);
  });
  it('GREATEST, LEAST and ARRAY_MAX order BYTES as Java\'s ByteBuffer.compareTo does: signed bytes (0x80 below 0x01)', () => {
    const by = (...b: number[]) => Buffer.from(b);
    expect(call('GREATEST', [T.BYTES, T.BYTES, T.BYTES], [by(0x7f), by(0x80), by(0x01)])).toEqual(by(0x7f));
    expect(call('LEAST', [T.BYTES, T.BYTES, T.BYTES], [by(0x7f), by(0x80), by(0x01)])).toEqual(by(0x80));
    expect(call('LEAST', [T.BYTES, T.BYTES], [by(0x01, 0x02), by(0x01)])).toEqual(by(0x01));
  });
  it('leave maps with keys other than strings as they are', () => {
    const m = new Map<unknown, number>([[2, 1], [1, 2]]);
    expect(inJavaHashMapOrder(m, false)).toBe(m);
  });

  it('GENERATE_SERIES counts BIGINT bounds beyond 2^53 exactly', () => {
    expect(call('GENERATE_SERIES', [B, B], [9007199254740992n, 9007199254740993n])).toEqual([9007199254740992n, 9007199254740993n]);
    expect(call('GENERATE_SERIES', [B, B], [9223372036854775806n, 9223372036854775807n])).toEqual([9223372036854775806n, 9223372036854775807n]);
    expect(call('GENERATE_SERIES', [B, B, I], [-9007199254740994n, -9007199254740990, 2])).toEqual([-9007199254740994n, -9007199254740992n, -9007199254740990]);
    expect(call('GENERATE_SERIES', [B, B], [9007199254740991, 9007199254740990])).toEqual([9007199254740991, 9007199254740990]);
  });

  it('ARRAY_JOIN joins primitive items only: a TIMESTAMP, BYTES, ARRAY, MAP or STRUCT item fails the call (NULL items are "null")', () => {
    expect(call('ARRAY_JOIN', [T.array(T.DOUBLE), S], [[1.5, null, 2], '|'])).toBe('1.5|null|2.0');
    expect(() => call('ARRAY_JOIN', [T.array(T.TIMESTAMP)], [[0]])).toThrow('error: hit element of type java.sql.Timestamp which is currently not supported');
    expect(() => call('ARRAY_JOIN', [T.array(T.array(I))], [[[1]]])).toThrow('java.util.ArrayList');
    expect(call('ARRAY_JOIN', [T.array(T.DATE)], [[null, null]])).toBe('null,null');
  });
});
