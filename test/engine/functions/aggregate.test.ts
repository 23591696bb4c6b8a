import { describe, expect, it } from 'vitest';
import { getAggregate, type BoundAggregate } from '../../../src/engine/functions/aggregate.js';
import { T, type SqlType } from '../../../src/engine/sql/types.js';

function bind(name: string, types: SqlType[], literals: unknown[] = []): BoundAggregate {
  const b = getAggregate(name)!.resolve(types, literals);
  if (!b || typeof b === 'string') throw new Error(`cannot bind ${name}`);
  return b;
}
/** Results after each added row, as a table aggregation emits them. */
function run(b: BoundAggregate, rows: unknown[][]): unknown[] {
  let acc = b.init();
  return rows.map((r) => { acc = b.add(acc, r); return b.result(acc); });
}

describe('aggregates', () => {
  it('order and compare DOUBLEs as Double.compareTo and equals: -0.0 is its own value, below 0.0; NaN is one value, above all others', () => {
    const D = T.DOUBLE;
    const signs = (v: unknown) => (Array.isArray(v) ? v.map((x) => Object.is(x, -0)) : Object.is(v, -0));
    const last = (b: BoundAggregate, rows: unknown[][]) => run(b, rows).at(-1);
    expect(signs(last(bind('MAX', [D]), [[-0], [0]]))).toBe(false);
    expect(signs(last(bind('MIN', [D]), [[0], [-0]]))).toBe(true);
    expect(last(bind('MAX', [D]), [[1], [NaN], [2]])).toBeNaN();
    const set = last(bind('COLLECT_SET', [D]), [[0], [-0], [NaN], [NaN]]) as number[];
    expect([set.length, signs(set), Number.isNaN(set[2])]).toEqual([3, [false, true, false], true]);
    expect(last(bind('ATTR', [D]), [[NaN], [NaN]])).toBeNaN();
    expect(last(bind('ATTR', [D]), [[0], [-0]])).toBeNull();
    const top = last(bind('TOPKDISTINCT', [D, T.INTEGER], [4]), [[0], [-0], [NaN], [NaN], [1]]) as number[];
    expect([top[0], top[1], signs(top.slice(2))]).toEqual([NaN, 1, [false, true]]);
    // COLLECT_LIST's undo takes the last equal value out: NaN equals NaN
    const list = bind('COLLECT_LIST', [D]);
    const acc = [1, NaN, 1].reduce((a, x) => list.add(a, [x]), list.init());
    expect(list.result(list.undo!(acc, [NaN]))).toEqual([1, 1]);
  });

  it('SUM of DECIMAL(4, 1) keeps the type and fails once the sum needs a fifth digit', async () => {
    const { Decimal } = await import('../../../src/engine/util/decimal.js');
    const b = bind('SUM', [{ kind: 'DECIMAL', precision: 4, scale: 1 }]);
    const d = (s: string) => Decimal.parse(s);
    const acc = b.add(b.add(b.init(), [d('500.9')]), [d('300.8')]);
    expect(String(b.result(acc))).toBe('801.7');
    expect(() => b.add(acc, [d('400.8')])).toThrow('Numeric field overflow');
  });

  it('AVG keeps its sum in the column\'s type, as ksqlDB\'s AverageUdaf: a BIGINT sum exact beyond 2^53, an INT sum wrapping at 32 bits; divided as doubles', () => {
    const big = 9007199254740993n; // 2^53 + 1: a double holds 2^53
    expect(run(bind('AVG', [T.BIGINT]), [[big], [big], [big]])).toEqual([9007199254740992, 9007199254740992, Number(3n * big) / 3]);
    expect(Number(3n * big) / 3).toBe(9007199254740994);
    const b = bind('AVG', [T.BIGINT]);
    const three = [big, big, big].reduce((a, x) => b.add(a, [x]), b.init());
    expect(b.result(b.undo!(three, [big]))).toBe(9007199254740992);
    expect(b.result(b.merge!(b.add(b.init(), [big]), b.add(b.add(b.init(), [big]), [big])))).toBe(9007199254740994);
    // Integer.sum wraps: 2147483647 + 1 is -2147483648
    expect(run(bind('AVG', [T.INTEGER]), [[2147483647], [1]])).toEqual([2147483647, -1073741824]);
    expect(run(bind('AVG', [T.DOUBLE]), [[0.5], [null], [2]])).toEqual([0.5, 0.5, 1.25]);
  });

  it('STDDEV_SAMP is the sample variance, STDDEV_SAMPLE its root', () => {
    const rows = [[10], [12], [13], [null], [14]];
    expect(run(bind('STDDEV_SAMP', [T.DOUBLE]), rows)).toEqual([0, 2, 2.333333333333333, 2.333333333333333, 2.9166666666666665]);
    expect(run(bind('STDDEV_SAMPLE', [T.INTEGER]), rows.slice(0, 2))).toEqual([0, Math.SQRT2]);
  });

  it('STDDEV_SAMP undoes and merges consistently with adding', () => {
    const b = bind('STDDEV_SAMP', [T.DOUBLE]);
    const all = [1, 5, 2, 8].reduce((a, x) => b.add(a, [x]), b.init());
    const undone = b.undo!(all, [8]);
    const merged = b.merge!([1, 5].reduce((a, x) => b.add(a, [x]), b.init()), b.add(b.init(), [2]));
    expect(b.result(undone)).toBeCloseTo(b.result(merged) as number, 12);
  });

  it('SUM_LIST adds every non-null element', () => {
    expect(run(bind('SUM_LIST', [T.array(T.INTEGER)]), [[[1, 1]], [[2, 2]], [[100, null]], [null]])).toEqual([2, 6, 106, 106]);
  });

  it('TOPK with other columns gives sort_col/colN structs, earlier rows first on ties', () => {
    const b = bind('TOPK', [T.INTEGER, T.STRING, T.INTEGER], [3]);
    expect(b.returnType).toEqual(T.array(T.struct([{ name: 'sort_col', type: T.INTEGER }, { name: 'col0', type: T.STRING }])));
    expect(run(b, [[0, 'zero'], [100, 'one'], [null, 'x'], [99, 'two'], [100, null]]).at(-1)).toEqual([
      { sort_col: 100, col0: 'one' }, { sort_col: 100, col0: null }, { sort_col: 99, col0: 'two' },
    ]);
    expect(getAggregate('TOPK')!.columns).toBeTypeOf('function');
  });

  it('TOPKDISTINCT orders bytes and times too', () => {
    const bytes = run(bind('TOPKDISTINCT', [T.BYTES, T.INTEGER], [2]), [[Buffer.from([1])], [Buffer.from([3])], [Buffer.from([3])], [Buffer.from([2])]]).at(-1);
    expect(bytes).toEqual([Buffer.from([3]), Buffer.from([2])]);
    expect(run(bind('TOPKDISTINCT', [T.DATE, T.INTEGER], [2]), [[5], [9], [9], [7]]).at(-1)).toEqual([9, 7]);
  });

  it('COLLECT_LIST and COLLECT_SET keep at most ksql.functions.<name>.limit values (1000 by default)', () => {
    const limited = (name: string, limit?: number) => {
      const b = getAggregate(name)!.resolve([T.INTEGER], [], limit === undefined ? {} : { [`ksql.functions.${name.toLowerCase()}.limit`]: limit });
      if (!b || typeof b === 'string') throw new Error('cannot bind');
      return b;
    };
    expect(run(limited('COLLECT_SET', 1), [[0], [100]]).at(-1)).toEqual([0]);
    expect(run(limited('COLLECT_LIST', 2), [[1], [1], [2]]).at(-1)).toEqual([1, 1]);
    expect((run(limited('COLLECT_LIST'), Array.from({ length: 1001 }, (_, i) => [i])).at(-1) as unknown[]).length).toBe(1000);
  });

  it('COLLECT_LIST\'s undo (a table row updated away) takes out the last equal value, as ksqlDB\'s lastIndexOf does', () => {
    const b = bind('COLLECT_LIST', [T.STRING]);
    let acc = b.init();
    for (const v of ['a', 'b', 'a']) acc = b.add(acc, [v]);
    acc = b.add(b.undo!(acc, ['a']), ['c']);
    expect(b.result(acc)).toEqual(['a', 'b', 'c']);
  });

  it('ATTR treats NULL as a value of its own', () => {
    expect(run(bind('ATTR', [T.STRING]), [['1'], [null], ['1']])).toEqual(['1', null, null]);
    expect(run(bind('ATTR', [T.STRING]), [['2'], ['2']])).toEqual(['2', '2']);
  });
});
