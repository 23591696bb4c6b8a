import { Decimal } from '../util/decimal.js';
import { T, isNumeric, type SqlType } from '../sql/types.js';
import { compareValues, valuesEqual } from './values.js';

/** One aggregate bound to argument types: a mutable accumulator per group. */
export interface BoundAggregate {
  returnType: SqlType;
  init(): unknown;
  add(acc: unknown, args: unknown[]): unknown;
  /** Removes a value (table aggregations); absent for stream-only aggregates. */
  undo?(acc: unknown, args: unknown[]): unknown;
  result(acc: unknown): unknown;
  /** Combines two accumulators (session windows merging); absent when the function cannot merge. */
  merge?(a: unknown, b: unknown): unknown;
}

/** Engine-wide arrival order, so merged LATEST/EARLIEST_BY_OFFSET pick by offset order. */
let arrival = 0;

export interface AggregateFunction {
  name: string;
  description: string;
  /** True when it may only aggregate streams (ksqlDB refuses it over a table source). */
  streamOnly: boolean;
  /** How many leading arguments are column expressions (default 1); the rest must be literals. */
  columns?: number;
  /** `literals` holds the values of literal arguments after the first (e.g. the n of LATEST_BY_OFFSET(col, n)). */
  resolve(args: SqlType[], literals: unknown[]): BoundAggregate | string | undefined;
}

const registry = new Map<string, AggregateFunction>();
export const getAggregate = (name: string) => registry.get(name.toUpperCase());
export const aggregateFunctions = () => [...registry.values()];
const define = (f: AggregateFunction) => registry.set(f.name, f);

function add(t: SqlType, a: unknown, b: unknown): unknown {
  if (t.kind === 'DECIMAL') return (a as Decimal).add(b as Decimal).setScale(t.scale);
  if (t.kind === 'INTEGER') return ((a as number) + (b as number)) | 0;
  return (a as number) + (b as number);
}
function zero(t: SqlType): unknown { return t.kind === 'DECIMAL' ? new Decimal(0n, t.scale) : 0; }
function neg(t: SqlType, v: unknown): unknown { return t.kind === 'DECIMAL' ? (v as Decimal).negate() : -(v as number); }

define({
  name: 'COUNT', description: 'Counts records (COUNT(*)) or non-null values.', streamOnly: false,
  resolve: () => ({
    returnType: T.BIGINT,
    init: () => 0,
    add: (acc, [v]) => (v === null || v === undefined ? acc : (acc as number) + 1),
    undo: (acc, [v]) => (v === null || v === undefined ? acc : (acc as number) - 1),
    result: (acc) => acc,
    merge: (a, b) => (a as number) + (b as number),
  }),
});

define({
  name: 'SUM', description: 'Sums values.', streamOnly: false,
  resolve: ([t]) => {
    if (!t || !isNumeric(t)) return undefined;
    return {
      returnType: t,
      init: () => zero(t),
      add: (acc, [v]) => (v == null ? acc : add(t, acc, v)),
      undo: (acc, [v]) => (v == null ? acc : add(t, acc, neg(t, v))),
      result: (acc) => acc,
      merge: (a, b) => add(t, a, b),
    };
  },
});

define({
  name: 'AVG', description: 'Average of values.', streamOnly: false,
  resolve: ([t]) => {
    if (!t || !isNumeric(t)) return undefined;
    const num = (v: unknown) => (v instanceof Decimal ? v.toNumber() : (v as number));
    return {
      returnType: T.DOUBLE,
      init: () => ({ sum: 0, count: 0 }),
      add: (acc, [v]) => (v == null ? acc : { sum: (acc as { sum: number }).sum + num(v), count: (acc as { count: number }).count + 1 }),
      undo: (acc, [v]) => (v == null ? acc : { sum: (acc as { sum: number }).sum - num(v), count: (acc as { count: number }).count - 1 }),
      result: (acc) => { const a = acc as { sum: number; count: number }; return a.count === 0 ? 0 : a.sum / a.count; },
      merge: (a, b) => ({ sum: (a as { sum: number }).sum + (b as { sum: number }).sum, count: (a as { count: number }).count + (b as { count: number }).count }),
    };
  },
});

for (const [name, sign] of [['MIN', -1], ['MAX', 1]] as const) {
  define({
    name, description: `${name === 'MIN' ? 'Minimum' : 'Maximum'} value.`, streamOnly: true,
    resolve: ([t]) => {
      if (!t || !(isNumeric(t) || ['STRING', 'DATE', 'TIME', 'TIMESTAMP', 'BYTES'].includes(t.kind))) return undefined;
      return {
        returnType: t,
        init: () => null,
        add: (acc, [v]) => (v == null ? acc : acc == null || compareValues(v, acc) * sign > 0 ? v : acc),
        result: (acc) => acc,
        merge: (a, b) => (a == null ? b : b == null ? a : compareValues(b, a) * sign > 0 ? b : a),
      };
    },
  });
}

for (const [name, latest] of [['LATEST_BY_OFFSET', true], ['EARLIEST_BY_OFFSET', false]] as const) {
  define({
    name, description: `The ${latest ? 'latest' : 'earliest'} value by offset.`, streamOnly: true,
    resolve: (args, literals) => {
      const t = args[0];
      if (!t || t.kind === 'NULL') return undefined;
      let n: number | undefined, ignoreNulls = true;
      if (args.length === 2 && args[1]!.kind === 'BOOLEAN') ignoreNulls = literals[0] as boolean;
      else if (args.length >= 2) {
        if (args[1]!.kind !== 'INTEGER') return undefined;
        n = literals[0] as number;
        if (args.length === 3) { if (args[2]!.kind !== 'BOOLEAN') return undefined; ignoreNulls = literals[1] as boolean; }
        if (n < 1) return `${name} must be passed a positive integer for 'n' but got ${n}`;
      }
      if (args.length > 3) return undefined;
      if (n === undefined) {
        return {
          returnType: t,
          init: () => ({ set: false, v: null, seq: -1 }),
          add: (acc, [v]) => {
            const a = acc as { set: boolean; v: unknown; seq: number };
            const seq = arrival++;
            if (v == null && ignoreNulls) return a;
            if (!latest && a.set) return a;
            return { set: true, v: v ?? null, seq };
          },
          result: (acc) => (acc as { v: unknown }).v,
          merge: (a, b) => {
            const x = a as { set: boolean; seq: number }, y = b as { set: boolean; seq: number };
            if (!x.set) return y;
            if (!y.set) return x;
            return (latest ? y.seq > x.seq : y.seq < x.seq) ? y : x;
          },
        };
      }
      const size = n;
      return {
        returnType: T.array(t),
        init: () => [],
        add: (acc, [v]) => {
          const seq = arrival++;
          if (v == null && ignoreNulls) return acc;
          const list = acc as { v: unknown; seq: number }[];
          if (latest) return [...list, { v: v ?? null, seq }].slice(-size);
          return list.length >= size ? list : [...list, { v: v ?? null, seq }];
        },
        result: (acc) => (acc as { v: unknown }[]).map((x) => x.v),
        merge: (a, b) => {
          const all = [...(a as { seq: number }[]), ...(b as { seq: number }[])].sort((x, y) => x.seq - y.seq);
          return latest ? all.slice(-size) : all.slice(0, size);
        },
      };
    },
  });
}

define({
  name: 'COLLECT_LIST', description: 'Gathers values into an array.', streamOnly: false,
  resolve: ([t]) => (t && t.kind !== 'NULL' ? {
    returnType: T.array(t), init: () => [],
    add: (acc, [v]) => [...(acc as unknown[]), v ?? null],
    undo: (acc, [v]) => { const l = [...(acc as unknown[])]; const i = l.findIndex((x) => valuesEqual(x, v)); if (i >= 0) l.splice(i, 1); return l; },
    result: (acc) => acc,
  } : undefined),
});

define({
  name: 'COLLECT_SET', description: 'Gathers distinct values into an array.', streamOnly: true,
  resolve: ([t]) => (t && t.kind !== 'NULL' ? {
    returnType: T.array(t), init: () => [],
    add: (acc, [v]) => ((acc as unknown[]).some((x) => valuesEqual(x, v ?? null)) ? acc : [...(acc as unknown[]), v ?? null]),
    result: (acc) => acc,
  } : undefined),
});

define({
  name: 'ATTR', description: 'The value when every non-null value of the group is the same, else NULL.', streamOnly: false,
  resolve: ([t]) => (t && t.kind !== 'NULL' ? {
    returnType: t, init: () => [],
    add: (acc, [v]) => {
      if (v == null) return acc;
      const list = acc as { v: unknown; n: number }[];
      const hit = list.find((x) => valuesEqual(x.v, v));
      return hit ? list.map((x) => (x === hit ? { v: x.v, n: x.n + 1 } : x)) : [...list, { v, n: 1 }];
    },
    undo: (acc, [v]) => (v == null ? acc : (acc as { v: unknown; n: number }[]).map((x) => (valuesEqual(x.v, v) ? { v: x.v, n: x.n - 1 } : x)).filter((x) => x.n > 0)),
    result: (acc) => { const list = acc as { v: unknown }[]; return list.length === 1 ? list[0]!.v : null; },
  } : undefined),
});

define({
  name: 'HISTOGRAM', description: 'Counts of each distinct value (at most 1000).', streamOnly: false,
  resolve: ([t]) => (t && t.kind === 'STRING' ? {
    returnType: T.map(T.STRING, T.BIGINT), init: () => new Map<unknown, number>(),
    add: (acc, [v]) => {
      if (v == null) return acc;
      const m = new Map(acc as Map<unknown, number>);
      if (m.has(v) || m.size < 1000) m.set(v, (m.get(v) ?? 0) + 1);
      return m;
    },
    undo: (acc, [v]) => {
      if (v == null) return acc;
      const m = new Map(acc as Map<unknown, number>);
      const n = (m.get(v) ?? 0) - 1;
      if (n > 0) m.set(v, n); else m.delete(v);
      return m;
    },
    result: (acc) => acc,
  } : undefined),
});

for (const [name, distinct] of [['TOPK', false], ['TOPKDISTINCT', true]] as const) {
  define({
    name, description: `The top k${distinct ? ' distinct' : ''} values, largest first.`, streamOnly: true,
    resolve: (args, literals) => {
      const t = args[0];
      if (!t || !(isNumeric(t) || t.kind === 'STRING') || args.length !== 2 || args[1]!.kind !== 'INTEGER') return undefined;
      const k = literals[0] as number;
      return {
        returnType: T.array(t), init: () => [],
        add: (acc, [v]) => {
          if (v == null) return acc;
          const list = acc as unknown[];
          if (distinct && list.some((x) => compareValues(x, v) === 0)) return list;
          return [...list, v].sort((a, b) => compareValues(b, a)).slice(0, k);
        },
        result: (acc) => acc,
        merge: (a, b) => [...(a as unknown[]), ...(b as unknown[])].sort((x, y) => compareValues(y, x)).filter((x, i, all) => !distinct || all.findIndex((y) => compareValues(x, y) === 0) === i).slice(0, k),
      };
    },
  });
}

define({
  name: 'CORRELATION', description: 'Pearson correlation of two columns.', streamOnly: false, columns: 2,
  resolve: ([x, y]) => {
    if (!x || !y || !isNumeric(x) || !isNumeric(y)) return undefined;
    type S = { n: number; sx: number; sy: number; sxx: number; syy: number; sxy: number };
    const num = (v: unknown) => (v instanceof Decimal ? v.toNumber() : (v as number));
    const step = (s: S, a: number, b: number, sign: number): S => ({ n: s.n + sign, sx: s.sx + sign * a, sy: s.sy + sign * b, sxx: s.sxx + sign * a * a, syy: s.syy + sign * b * b, sxy: s.sxy + sign * a * b });
    return {
      returnType: T.DOUBLE, init: () => ({ n: 0, sx: 0, sy: 0, sxx: 0, syy: 0, sxy: 0 }),
      add: (acc, [a, b]) => (a == null || b == null ? acc : step(acc as S, num(a), num(b), 1)),
      undo: (acc, [a, b]) => (a == null || b == null ? acc : step(acc as S, num(a), num(b), -1)),
      result: (acc) => { const s = acc as S; return (s.n * s.sxy - s.sx * s.sy) / Math.sqrt((s.n * s.sxx - s.sx * s.sx) * (s.n * s.syy - s.sy * s.sy)); },
    };
  },
});
