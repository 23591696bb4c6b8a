import { longArith, type Long } from '../util/long.js';
import { Decimal } from '../util/decimal.js';
import { T, isNumeric, type SqlType } from '../sql/types.js';
import { javaOrderOf, keyString } from './values.js';
import { QueryFailure } from '../analysis/errors.js';

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

/**
 * Engine-wide arrival order, so merged LATEST/EARLIEST_BY_OFFSET pick by offset order. It starts
 * from the clock (in microsecond steps), so values kept in state from before a restart stay older
 * than any that come after it.
 */
let arrival = Date.now() * 1000;

export interface AggregateFunction {
  name: string;
  description: string;
  /** True when it may only aggregate streams (ksqlDB refuses it over a table source). */
  streamOnly: boolean;
  /** How many leading arguments are column expressions (default 1), or that count for a call of n arguments; the rest must be literals. */
  columns?: number | ((n: number) => number);
  /**
   * `literals` holds the values of literal arguments after the first (e.g. the n of LATEST_BY_OFFSET(col, n));
   * `config` the properties the function reads (ksql.functions.<name>.*).
   */
  resolve(args: SqlType[], literals: unknown[], config?: Record<string, unknown>): BoundAggregate | string | undefined;
  /** The most arguments a call takes: 1 unless `columns` says otherwise or it is given. */
  maxArgs?: number;
}

const registry = new Map<string, AggregateFunction>();
export const getAggregate = (name: string) => registry.get(name.toUpperCase());

/** The types DESCRIBE FUNCTION tries an aggregate with, and the literal arguments it may take after them. */
const PROBES: SqlType[] = [T.INTEGER, T.BIGINT, T.DOUBLE, T.decimal(10, 2), T.STRING, T.BOOLEAN, T.BYTES, T.DATE, T.TIME, T.TIMESTAMP];
type Shape = (t: SqlType) => { args: SqlType[]; literals: unknown[] };
const ONE: Shape = (t) => ({ args: [t], literals: [] });
/** The calls an aggregate takes beyond one column: a second column, or literals after it. */
const SHAPES: Record<string, Shape[]> = {
  CORRELATION: [(t) => ({ args: [t, t], literals: [] })],
  SUM_LIST: [(t) => ({ args: [T.array(t)], literals: [] })],
  TOPK: [(t) => ({ args: [t, T.INTEGER], literals: [1] })],
  TOPKDISTINCT: [(t) => ({ args: [t, T.INTEGER], literals: [1] })],
  ...Object.fromEntries(['LATEST_BY_OFFSET', 'EARLIEST_BY_OFFSET'].map((n) => [n, [ONE,
    (t: SqlType) => ({ args: [t, T.BOOLEAN], literals: [true] }),
    (t: SqlType) => ({ args: [t, T.INTEGER], literals: [1] }),
    (t: SqlType) => ({ args: [t, T.INTEGER, T.BOOLEAN], literals: [1, true] })]])),
};

/**
 * An aggregate's variants as DESCRIBE FUNCTION lists them: the argument types it takes (every column
 * type it was tried with, and the literals after them) with the type each returns. COUNT(*) is the
 * variant without arguments.
 */
export function aggregateSignatures(f: AggregateFunction): { params: SqlType[]; returns: SqlType }[] {
  const out: { params: SqlType[]; returns: SqlType }[] = [];
  const tryShape = (args: SqlType[], literals: unknown[]) => {
    let b: ReturnType<AggregateFunction['resolve']>;
    try { b = f.resolve(args, literals); } catch { return; }
    if (b && typeof b !== 'string') out.push({ params: args, returns: b.returnType });
  };
  if (f.name === 'COUNT') tryShape([], []);
  for (const shape of SHAPES[f.name] ?? [ONE]) for (const t of PROBES) { const { args, literals } = shape(t); tryShape(args, literals); }
  return out;
}
export const aggregateFunctions = () => [...registry.values()];
// a function of one column takes no more: SUM(x, 2) is refused as ksqlDB refuses it, not summed
const define = (f: AggregateFunction) => registry.set(f.name, { maxArgs: f.columns === undefined ? 1 : undefined, ...f });

function add(t: SqlType, a: unknown, b: unknown): unknown {
  if (t.kind === 'DECIMAL') {
    const sum = (a as Decimal).add(b as Decimal).setScale(t.scale);
    // a sum that needs more digits than its DECIMAL(p, s) holds stops the query, as in ksqlDB
    // (sum.json: "sum decimal with overflow", a StreamsException whose cause is this)
    if (sum.precision > t.precision) throw new QueryFailure('Numeric field overflow');
    return sum;
  }
  if (t.kind === 'INTEGER') return ((a as number) + (b as number)) | 0;
  // a long sum is exact and wraps at 64 bits, as Java's
  if (t.kind === 'BIGINT') return longArith('+', a as Long, b as Long, () => { throw new Error('unreachable'); });
  return (a as number) + (b as number);
}
function zero(t: SqlType): unknown { return t.kind === 'DECIMAL' ? new Decimal(0n, t.scale) : 0; }
function neg(t: SqlType, v: unknown): unknown { return t.kind === 'DECIMAL' ? (v as Decimal).negate() : typeof v === 'bigint' ? -v : -(v as number); }

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
    // the sum is kept in the column's own type, as ksqlDB's AverageUdaf keeps STRUCT<SUM, COUNT>: an
    // INT sum wraps at 32 bits and a BIGINT one is an exact long (wrapping at 64), divided as a double
    // only for the result (a BIGINT added as doubles lost its last digits beyond 2^53 at every row)
    const exact = t.kind === 'INTEGER' || t.kind === 'BIGINT';
    const num = (v: unknown) => (v instanceof Decimal ? v.toNumber() : Number(v as number | bigint));
    const plus = (a: unknown, v: unknown): unknown => (exact ? add(t, a, v) : (a as number) + num(v));
    const minus = (a: unknown, v: unknown): unknown => (exact ? add(t, a, neg(t, v)) : (a as number) - num(v));
    type Acc = { sum: unknown; count: number };
    return {
      returnType: T.DOUBLE,
      init: () => ({ sum: 0, count: 0 }),
      add: (acc, [v]) => (v == null ? acc : { sum: plus((acc as Acc).sum, v), count: (acc as Acc).count + 1 }),
      undo: (acc, [v]) => (v == null ? acc : { sum: minus((acc as Acc).sum, v), count: (acc as Acc).count - 1 }),
      result: (acc) => { const a = acc as Acc; return a.count === 0 ? 0 : Number(a.sum as number | bigint) / a.count; },
      merge: (a, b) => ({ sum: exact ? add(t, (a as Acc).sum, (b as Acc).sum) : ((a as Acc).sum as number) + ((b as Acc).sum as number), count: (a as Acc).count + (b as Acc).count }),
    };
  },
});

for (const [name, sign] of [['MIN', -1], ['MAX', 1]] as const) {
  define({
    name, description: `${name === 'MIN' ? 'Minimum' : 'Maximum'} value.`, streamOnly: true,
    resolve: ([t]) => {
      if (!t || !(isNumeric(t) || ['STRING', 'DATE', 'TIME', 'TIMESTAMP', 'BYTES'].includes(t.kind))) return undefined;
      // (compareTo: a DOUBLE's -0.0 is below 0.0)
      const { compare } = javaOrderOf(t);
      return {
        returnType: t,
        init: () => null,
        add: (acc, [v]) => (v == null ? acc : acc == null || compare(v, acc) * sign > 0 ? v : acc),
        result: (acc) => acc,
        merge: (a, b) => (a == null ? b : b == null ? a : compare(b, a) * sign > 0 ? b : a),
      };
    },
  });
}

for (const [name, latest] of [['LATEST_BY_OFFSET', true], ['EARLIEST_BY_OFFSET', false]] as const) {
  define({
    name, description: `The ${latest ? 'latest' : 'earliest'} value by offset.`, streamOnly: true, maxArgs: 3,
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

/** ksql.functions.collect_list.limit and collect_set.limit: the most values kept (default 1000). */
const collectLimit = (config: Record<string, unknown> | undefined, name: string): number => {
  const n = Number(config?.[`ksql.functions.${name}.limit`] ?? 1000);
  return Number.isFinite(n) && n >= 0 ? n : 1000;
};

define({
  name: 'COLLECT_LIST', description: 'Gathers values into an array.', streamOnly: false,
  resolve: ([t], _literals, config) => (t && t.kind !== 'NULL' ? {
    returnType: T.array(t), init: () => [],
    add: (acc, [v]) => ((acc as unknown[]).length >= collectLimit(config, 'collect_list') ? acc : [...(acc as unknown[]), v ?? null]),
    // (the last equal value goes, as ksqlDB's undo takes it: lastIndexOf)
    undo: (acc, [v]) => { const same = javaOrderOf(t).equals, l = [...(acc as unknown[])]; let i = l.length - 1; while (i >= 0 && !same(l[i], v ?? null)) i--; if (i >= 0) l.splice(i, 1); return l; },
    result: (acc) => acc,
    // merged sessions: the first session's values, then the second's, up to the limit
    merge: (a, b) => [...(a as unknown[]), ...(b as unknown[])].slice(0, collectLimit(config, 'collect_list')),
  } : undefined),
});

// ksqlDB estimates with HyperLogLog; here the count is exact (the two agree for small groups)
define({
  name: 'COUNT_DISTINCT', description: 'Counts distinct non-null values.', streamOnly: true,
  // the values seen, by their key text, in a plain object (the state store's changelog keeps it as JSON);
  // the group's own accumulator is added to in place
  resolve: ([t]) => (t && t.kind !== 'NULL' ? {
    returnType: T.BIGINT, init: () => ({ n: 0, seen: {} }),
    add: (acc, [v]) => {
      if (v === null || v === undefined) return acc;
      const a = acc as { n: number; seen: Record<string, 1> }, k = keyString([v]);
      if (a.seen[k] !== 1) { a.seen[k] = 1; a.n++; }
      return a;
    },
    result: (acc) => (acc as { n: number }).n,
    merge: (a, b) => {
      const seen = { ...(a as { seen: Record<string, 1> }).seen, ...(b as { seen: Record<string, 1> }).seen };
      return { n: Object.keys(seen).length, seen };
    },
  } : undefined),
});

define({
  name: 'COLLECT_SET', description: 'Gathers distinct values into an array.', streamOnly: true,
  // (a set by equals: a DOUBLE's NaN is one value, -0.0 another than 0.0)
  resolve: ([t], _literals, config) => { if (!t || t.kind === 'NULL') return undefined; const same = javaOrderOf(t).equals; return {
    returnType: T.array(t), init: () => [],
    add: (acc, [v]) => ((acc as unknown[]).length >= collectLimit(config, 'collect_set') || (acc as unknown[]).some((x) => same(x, v ?? null)) ? acc : [...(acc as unknown[]), v ?? null]),
    result: (acc) => acc,
    merge: (a, b) => {
      const out = [...(a as unknown[])];
      for (const v of b as unknown[]) if (out.length < collectLimit(config, 'collect_set') && !out.some((x) => same(x, v))) out.push(v);
      return out;
    },
  }; },
});

// ATTR: NULL counts as a value of its own, so a group of '1' and NULL has no single attribute
define({
  name: 'ATTR', description: 'The value when every value of the group is the same, else NULL.', streamOnly: false,
  resolve: ([t]) => { if (!t || t.kind === 'NULL') return undefined; const same = javaOrderOf(t).equals; return {
    returnType: t, init: () => [],
    add: (acc, [v]) => {
      const list = acc as { v: unknown; n: number }[], x = v ?? null;
      const hit = list.find((e) => same(e.v, x));
      return hit ? list.map((e) => (e === hit ? { v: e.v, n: e.n + 1 } : e)) : [...list, { v: x, n: 1 }];
    },
    undo: (acc, [v]) => { const x = v ?? null; return (acc as { v: unknown; n: number }[]).map((e) => (same(e.v, x) ? { v: e.v, n: e.n - 1 } : e)).filter((e) => e.n > 0); },
    result: (acc) => { const list = acc as { v: unknown }[]; return list.length === 1 ? list[0]!.v : null; },
    merge: (a, b) => {
      const out = (a as { v: unknown; n: number }[]).map((e) => ({ ...e }));
      for (const e of b as { v: unknown; n: number }[]) {
        const hit = out.find((x) => same(x.v, e.v));
        if (hit) hit.n += e.n; else out.push({ ...e });
      }
      return out;
    },
  }; },
});

/** The column types HISTOGRAM counts: each value a JavaScript primitive, so equal values are one map key. */
const HISTOGRAM_KEYS = new Set(['STRING', 'BOOLEAN', 'INTEGER', 'BIGINT', 'DOUBLE', 'DATE', 'TIME', 'TIMESTAMP']);

define({
  name: 'HISTOGRAM', description: 'Counts of each distinct value (at most 1000).', streamOnly: false,
  // a map from the column's own type (MAP<col type, BIGINT>): the types whose values are their own keys
  resolve: ([t]) => (t && HISTOGRAM_KEYS.has(t.kind) ? {
    returnType: T.map(t, T.BIGINT), init: () => new Map<unknown, number>(),
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
    merge: (a, b) => {
      const m = new Map(a as Map<unknown, number>);
      for (const [v, n] of b as Map<unknown, number>) if (m.has(v) || m.size < 1000) m.set(v, (m.get(v) ?? 0) + n);
      return m;
    },
  } : undefined),
});

/** Besides numbers, the types TOPK and TOPKDISTINCT order: text, bytes and times. */
const ORDERED_KINDS: string[] = ['STRING', 'BYTES', 'DATE', 'TIME', 'TIMESTAMP'];

// TOPK(col, k) and TOPK(col, other..., k): with other columns the items are STRUCT<sort_col, col0, ...>
for (const [name, distinct] of [['TOPK', false], ['TOPKDISTINCT', true]] as const) {
  define({
    name, description: `The top k${distinct ? ' distinct' : ''} values, largest first.`, streamOnly: true,
    columns: distinct ? 1 : (n) => Math.max(1, n - 1),
    resolve: (args, literals) => {
      const t = args[0], kType = args[args.length - 1];
      if (!t || !(isNumeric(t) || ORDERED_KINDS.includes(t.kind)) || args.length < 2 || kType?.kind !== 'INTEGER') return undefined;
      const k = literals[literals.length - 1] as number;
      const others = args.slice(1, -1);
      const returnType = others.length === 0 ? T.array(t) : T.array(T.struct([{ name: 'sort_col', type: t }, ...others.map((o, i) => ({ name: `col${i}`, type: o }))]));
      type Item = { sort: unknown; cols: unknown[] };
      const { compare } = javaOrderOf(t);
      const keep = (list: Item[]) => [...list].sort((a, b) => compare(b.sort, a.sort))
        .filter((x, i, all) => !distinct || all.findIndex((y) => compare(x.sort, y.sort) === 0) === i).slice(0, k);
      return {
        returnType, init: () => [],
        add: (acc, [v, ...cols]) => (v == null ? acc : keep([...(acc as Item[]), { sort: v, cols: cols.slice(0, others.length).map((c) => c ?? null) }])),
        result: (acc) => (acc as Item[]).map((x) => (others.length === 0 ? x.sort : Object.fromEntries([['sort_col', x.sort], ...x.cols.map((c, i) => [`col${i}`, c])]))),
        merge: (a, b) => keep([...(a as Item[]), ...(b as Item[])]),
      };
    },
  });
}

define({
  name: 'SUM_LIST', description: 'Sums the elements of arrays.', streamOnly: false,
  resolve: ([t]) => {
    if (t?.kind !== 'ARRAY' || !isNumeric(t.item)) return undefined;
    const item = t.item;
    const total = (list: unknown) => ((list ?? []) as unknown[]).reduce<unknown>((s, x) => (x == null ? s : add(item, s, x)), zero(item));
    return {
      returnType: item, init: () => zero(item),
      add: (acc, [v]) => add(item, acc, total(v)),
      undo: (acc, [v]) => add(item, acc, neg(item, total(v))),
      result: (acc) => acc,
      merge: (a, b) => add(item, a, b),
    };
  },
});

// STDDEV_SAMP is ksqlDB's sample *variance*; STDDEV_SAMPLE its square root. One value gives 0.0.
for (const [name, root] of [['STDDEV_SAMP', false], ['STDDEV_SAMPLE', true]] as const) {
  define({
    name, description: root ? 'Sample standard deviation.' : 'Sample variance (named STDDEV_SAMP by ksqlDB).', streamOnly: false,
    resolve: ([t]) => (t && isNumeric(t) ? {
      returnType: T.DOUBLE, init: () => ({ count: 0, sum: 0, m2: 0 }),
      add: (acc, [v]) => (v == null ? acc : varianceAdd(acc as Moments, num(v))),
      undo: (acc, [v]) => (v == null ? acc : varianceUndo(acc as Moments, num(v))),
      result: (acc) => { const a = acc as Moments; const variance = a.count > 1 ? a.m2 / (a.count - 1) : 0; return root ? Math.sqrt(variance) : variance; },
      merge: (a, b) => varianceMerge(a as Moments, b as Moments),
    } : undefined),
  });
}

define({
  name: 'CORRELATION', description: 'Pearson correlation of two columns.', streamOnly: false, columns: 2,
  resolve: ([x, y]) => {
    if (!x || !y || !isNumeric(x) || !isNumeric(y)) return undefined;
    type S = { n: number; sx: number; sy: number; sxx: number; syy: number; sxy: number };
    const num = (v: unknown) => (v instanceof Decimal ? v.toNumber() : Number(v as number | bigint));
    const step = (s: S, a: number, b: number, sign: number): S => ({ n: s.n + sign, sx: s.sx + sign * a, sy: s.sy + sign * b, sxx: s.sxx + sign * a * a, syy: s.syy + sign * b * b, sxy: s.sxy + sign * a * b });
    return {
      returnType: T.DOUBLE, init: () => ({ n: 0, sx: 0, sy: 0, sxx: 0, syy: 0, sxy: 0 }),
      add: (acc, [a, b]) => (a == null || b == null ? acc : step(acc as S, num(a), num(b), 1)),
      undo: (acc, [a, b]) => (a == null || b == null ? acc : step(acc as S, num(a), num(b), -1)),
      result: (acc) => { const s = acc as S; return (s.n * s.sxy - s.sx * s.sy) / Math.sqrt((s.n * s.sxx - s.sx * s.sx) * (s.n * s.syy - s.sy * s.sy)); },
      merge: (a, b) => { const p = a as S, q = b as S; return { n: p.n + q.n, sx: p.sx + q.sx, sy: p.sy + q.sy, sxx: p.sxx + q.sxx, syy: p.syy + q.syy, sxy: p.sxy + q.sxy }; },
    };
  },
});

const num = (v: unknown) => (v instanceof Decimal ? v.toNumber() : Number(v as number | bigint));

/** Running count, sum and sum of squared deviations, updated as ksqlDB's variance UDAF does. */
interface Moments { count: number; sum: number; m2: number }
function varianceAdd(a: Moments, x: number): Moments {
  const count = a.count + 1, sum = a.sum + x;
  if (a.count === 0) return { count, sum, m2: 0 };
  const delta = x * count - sum;
  return { count, sum, m2: a.m2 + (delta * delta) / (count * a.count) };
}
function varianceUndo(a: Moments, x: number): Moments {
  if (a.count <= 1) return { count: 0, sum: 0, m2: 0 };
  const delta = x * a.count - a.sum;
  return { count: a.count - 1, sum: a.sum - x, m2: a.m2 - (delta * delta) / (a.count * (a.count - 1)) };
}
function varianceMerge(a: Moments, b: Moments): Moments {
  if (a.count === 0) return b;
  if (b.count === 0) return a;
  const count = a.count + b.count, delta = b.sum / b.count - a.sum / a.count;
  return { count, sum: a.sum + b.sum, m2: a.m2 + b.m2 + (delta * delta * a.count * b.count) / count };
}
