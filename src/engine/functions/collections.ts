import { T, canImplicitlyCast, isNumeric, type SqlType } from '../sql/types.js';
import { EvalError } from '../analysis/errors.js';
import { toLong, type Long } from '../util/long.js';
import { compareValues, inJavaHashMapOrder, javaOrderOf, valueToString } from './values.js';
import { BOOL, I, S, commonType, define, fixed, MAX_VALUE_ELEMENTS } from './registry.js';

/**
 * Whether a value may stand for an element of type `item` in a generic function (ksqlDB binds its
 * type parameter from both): the same type, a NULL, numbers of any width, or one that casts to it.
 */
/**
 * The order and equality Java's collections give elements of this type (ksqlDB's array functions
 * sort, dedupe and search with compareTo and equals): SQL's, except that a DOUBLE -0.0 is a value of
 * its own, below 0.0 (Double.compareTo); elements that are no Comparable (maps, structs, lists) fail
 * a comparison as Java's cast to Comparable does.
 */
function javaOrder(item: SqlType): (a: unknown, b: unknown) => number {
  const unordered = NOT_COMPARABLE[item.kind];
  if (unordered) return () => { throw new EvalError(`class ${unordered} cannot be cast to class java.lang.Comparable`); };
  return javaOrderOf(item).compare;
}
/** Java's equals for elements of this type (maps, structs and lists compare their contents). */
const javaEquals = (item: SqlType): ((a: unknown, b: unknown) => boolean) => javaOrderOf(item).equals;
/** The Java classes ksqlDB holds these values in, which are not Comparable. */
const NOT_COMPARABLE: Partial<Record<SqlType['kind'], string>> = { STRUCT: 'org.apache.kafka.connect.data.Struct', MAP: 'java.util.HashMap', ARRAY: 'java.util.ArrayList' };

const fitsItem = (value: SqlType, item: SqlType): boolean => value.kind === 'NULL' || (isNumeric(value) && isNumeric(item)) || canImplicitlyCast(value, item);

/** Null handling and conditionals, arrays and maps. */
export function registerCollectionFunctions(): void {
  // ---- nulls and conditionals
  define('COALESCE', 'CONDITIONAL', 'COALESCE(value, ...)', (args) => {
    const t = commonType(args);
    if (!t || args.length === 0) return undefined;
    return { returnType: t, argTypes: args.map(() => t), fn: (a) => a.find((x) => x != null) ?? null };
  });
  define('IFNULL', 'CONDITIONAL', 'IFNULL(expression, altValue)', (args) => {
    const t = args.length === 2 ? commonType(args) : undefined;
    if (!t) return undefined;
    return { returnType: t, argTypes: [t, t], fn: ([a, b]) => a ?? b ?? null };
  });
  define('NULLIF', 'CONDITIONAL', 'NULLIF(a, b)', (args) => {
    const t = args.length === 2 ? commonType(args) : undefined;
    if (!t) return undefined;
    return { returnType: t, argTypes: [t, t], fn: ([a, b]) => (a != null && b != null && compareValues(a, b) === 0 ? null : a ?? null) };
  });

  // ---- collections
  define('ARRAY_LENGTH', 'ARRAY', 'ARRAY_LENGTH(array)', (args) => (args.length === 1 && args[0]!.kind === 'ARRAY' ? { returnType: I, argTypes: args, fn: ([a]) => (a == null ? null : (a as unknown[]).length) } : undefined));
  define('ARRAY_CONTAINS', 'ARRAY', 'ARRAY_CONTAINS(array, value)', (args) => {
    if (args.length !== 2 || args[0]!.kind !== 'ARRAY' || !fitsItem(args[1]!, args[0]!.item)) return undefined;
    const same = javaEquals(args[0]!.item);
    return { returnType: BOOL, argTypes: [args[0]!, args[0]!.item], fn: ([a, v]) => (a == null ? false : (a as unknown[]).some((x) => same(x, v))) };
  });
  for (const [name, sign] of [['ARRAY_MAX', 1], ['ARRAY_MIN', -1]] as const) {
    define(name, 'ARRAY', `${name}(array)`, (args) => {
      if (args.length !== 1 || args[0]!.kind !== 'ARRAY') return undefined;
      const order = javaOrder(args[0]!.item);
      return { returnType: args[0]!.item, argTypes: args, fn: ([a]) => (a == null ? null : (a as unknown[]).filter((x) => x != null).reduce<unknown>((best, x) => (best == null || order(x, best) * sign > 0 ? x : best), null)) };
    });
  }
  define('AS_VALUE', 'OTHER', 'AS_VALUE(keyColumn)', (args) => (args.length === 1 ? { returnType: args[0]!.kind === 'NULL' ? S : args[0]!, argTypes: args, fn: ([a]) => a ?? null } : undefined));
  define('MAP_KEYS', 'MAP', 'MAP_KEYS(map)', (args) => (args.length === 1 && args[0]!.kind === 'MAP' ? { returnType: T.array(args[0]!.key), argTypes: args, fn: ([m]) => (m == null ? null : [...(m as Map<unknown, unknown>).keys()]) } : undefined));
  define('MAP_VALUES', 'MAP', 'MAP_VALUES(map)', (args) => (args.length === 1 && args[0]!.kind === 'MAP' ? { returnType: T.array(args[0]!.value), argTypes: args, fn: ([m]) => (m == null ? null : [...(m as Map<unknown, unknown>).values()]) } : undefined));

  define('MAP_UNION', 'MAP', 'MAP_UNION(map, map)', (args) => {
    const t = args.length === 2 ? commonType(args) : undefined;
    if (t?.kind !== 'MAP' || args.some((a) => a.kind !== 'MAP' && a.kind !== 'NULL')) return undefined;
    // (a new HashMap: its order, not the arguments')
    return { returnType: t, argTypes: [t, t], fn: ([a, b]) => (a == null && b == null ? null : inJavaHashMapOrder(new Map([...((a ?? []) as Map<unknown, unknown>), ...((b ?? []) as Map<unknown, unknown>)]), false)) };
  });
  define('AS_MAP', 'MAP', 'AS_MAP(keys, values)', (args) => {
    const [k, v] = args;
    if (args.length !== 2 || k?.kind !== 'ARRAY' || k.item.kind !== 'STRING' || v?.kind !== 'ARRAY') return undefined;
    // (a HashMap of the keys' number, in its order)
    return { returnType: T.map(S, v.item), argTypes: args, fn: ([ks, vs]) => (ks == null || vs == null ? null : inJavaHashMapOrder(new Map((ks as unknown[]).map((key, i) => [key, (vs as unknown[])[i] ?? null])), (ks as unknown[]).length)) };
  });
  // ENTRIES(map, sorted): the entries as STRUCT<K, V>, optionally in key order
  define('ENTRIES', 'MAP', 'ENTRIES(map, sorted)', (args) => {
    const [m, sorted] = args;
    // (ksqlDB's overloads take maps of INT, BIGINT, DOUBLE, BOOLEAN and STRING values only)
    if (args.length !== 2 || m?.kind !== 'MAP' || m.key.kind !== 'STRING' || !ENTRY_VALUES.has(m.value.kind) || !canImplicitlyCast(sorted!, BOOL)) return undefined;
    return {
      returnType: T.array(T.struct([{ name: 'K', type: S }, { name: 'V', type: m.value }])), argTypes: [m, BOOL],
      fn: ([map, sort]) => {
        if (map == null || sort == null) return null;
        const entries = [...(map as Map<string, unknown>)].map(([K, V]) => ({ K, V: V ?? null }));
        return sort ? entries.sort((a, b) => (a.K < b.K ? -1 : a.K > b.K ? 1 : 0)) : entries;
      },
    };
  });
  for (const t of [I, T.BIGINT]) {
    fixed('GENERATE_SERIES', 'ARRAY', [t, t], T.array(t), (from: Long, to: Long) => series(from, to, from <= to ? 1 : -1));
    fixed('GENERATE_SERIES', 'ARRAY', [t, t, I], T.array(t), series);
  }

  // ---- more collections, JSON and bytes
  const arrayFn = (name: string, arity: number, ret: (t: SqlType) => SqlType, fn: (a: unknown[], item: SqlType, ...rest: unknown[]) => unknown, nullArrayGivesNull = true) =>
    define(name, 'ARRAY', `${name}(array${arity > 1 ? (name === 'ARRAY_SORT' ? ', direction' : ', element') : ''})`, (args) => {
      const t = args[0]!;
      if (args.length !== arity || t.kind !== 'ARRAY') return undefined;
      // ARRAY_REMOVE's victim is an element: of the array's element type
      if (name === 'ARRAY_REMOVE' && !fitsItem(args[1]!, t.item)) return undefined;
      // ARRAY_SORT's direction is a string ('ASC', 'DESC', ...)
      if (name === 'ARRAY_SORT' && arity === 2 && args[1]!.kind !== 'STRING' && args[1]!.kind !== 'NULL') return undefined;
      const argTypes = args.map((a, i) => (i === 0 ? t : a.kind === 'NULL' ? t.item : a));
      return { returnType: ret(t), argTypes, fn: ([a, ...rest]) => (a == null && nullArrayGivesNull ? null : fn((a ?? []) as unknown[], t.item, ...rest)) };
    });
  const distinctValues = (list: unknown[], item: SqlType) => { const same = javaEquals(item); return list.filter((x, i) => list.findIndex((y) => same(x, y)) === i); };
  const sorted = (list: unknown[], item: SqlType, sign: number) => {
    const order = javaOrder(item);
    return [...list].sort((x, y) => (x == null ? (y == null ? 0 : 1) : y == null ? -1 : order(x, y) * sign));
  };
  arrayFn('ARRAY_DISTINCT', 1, (t) => t, (a, item) => distinctValues(a, item));
  arrayFn('ARRAY_SORT', 1, (t) => t, (a, item) => sorted(a, item, 1));
  // ksqlDB's ArraySort takes ASC/ASCENDING or DESC/DESCENDING (any case); a NULL or other direction gives NULL
  arrayFn('ARRAY_SORT', 2, (t) => t, (a, item, dir) => {
    const d = typeof dir === 'string' ? dir.toUpperCase() : '';
    const sign = d === 'ASC' || d === 'ASCENDING' ? 1 : d === 'DESC' || d === 'DESCENDING' ? -1 : 0;
    return sign === 0 ? null : sorted(a, item, sign);
  });
  arrayFn('ARRAY_REMOVE', 2, (t) => t, (a, item, v) => { const same = javaEquals(item); return a.filter((x) => !same(x, v)); });
  // ARRAY_JOIN(array[, delimiter = ',']): items as Java prints them, NULL items as 'null', a NULL delimiter as ''
  define('ARRAY_JOIN', 'ARRAY', 'ARRAY_JOIN(array[, delimiter])', (args) => {
    const t = args[0];
    if (t?.kind !== 'ARRAY' || args.length > 2 || (args.length === 2 && !canImplicitlyCast(args[1]!, S))) return undefined;
    // only ksqlDB's primitive items are joined: any other non-null item fails the call, as its Java class is named
    const unsupported = JOIN_UNSUPPORTED[t.item.kind];
    return { returnType: S, argTypes: [t, S], fn: ([a, d]) => (a == null ? null : (a as unknown[]).map((x) => {
      if (x == null) return 'null';
      if (unsupported) throw new EvalError(`error: hit element of type ${unsupported} which is currently not supported`);
      return valueToString(x, t.item);
    }).join(args.length === 1 ? ',' : (d as string | null) ?? '')) };
  });
  // SLICE(array, from, to): 1-based and inclusive; NULL bounds mean the ends, bounds outside the array NULL
  define('SLICE', 'ARRAY', 'SLICE(array, from, to)', (args) => {
    const [t, from, to] = args;
    if (args.length !== 3 || t?.kind !== 'ARRAY' || !canImplicitlyCast(from!, I) || !canImplicitlyCast(to!, I)) return undefined;
    return { returnType: t, argTypes: [t, I, I], fn: ([a, f, e]) => {
      if (a == null) return null;
      const list = a as unknown[], start = f == null ? 0 : (f as number) - 1, end = e == null ? list.length : (e as number);
      return start < 0 || end > list.length || start > end ? null : list.slice(start, end);
    } };
  });
  for (const [name, op] of [['ARRAY_CONCAT', 'concat'], ['ARRAY_UNION', 'union'], ['ARRAY_INTERSECT', 'intersect'], ['ARRAY_EXCEPT', 'except']] as const) {
    define(name, 'ARRAY', `${name}(array, array)`, (args) => {
      if (args.length !== 2) return undefined;
      // both arrays bind the one element type: ARRAY<INTEGER> and ARRAY<STRING> do not go together
      const t = commonType(args);
      if (t?.kind !== 'ARRAY' || args.some((a) => a.kind !== 'ARRAY' && a.kind !== 'NULL')) return undefined;
      return { returnType: t, argTypes: [t, t], fn: ([a, b]) => {
        if (op === 'concat') return a == null && b == null ? null : [...((a ?? []) as unknown[]), ...((b ?? []) as unknown[])];
        if (a == null || b == null) return null;
        const x = a as unknown[], y = b as unknown[], item = t.item, same = javaEquals(item);
        const inY = (v: unknown) => y.some((w) => same(v, w));
        if (op === 'union') return distinctValues([...x, ...y], item);
        if (op === 'intersect') return distinctValues(x.filter(inY), item);
        return distinctValues(x.filter((v) => !inY(v)), item);
      } };
    });
  }
}

/** The value types of ENTRIES' maps. */
const ENTRY_VALUES = new Set<SqlType['kind']>(['INTEGER', 'BIGINT', 'DOUBLE', 'BOOLEAN', 'STRING']);

/** ARRAY_JOIN's items that are no ksqlDB primitive (BOOLEAN, INT, BIGINT, DOUBLE, DECIMAL, STRING), by the Java class ksqlDB holds them in. */
const JOIN_UNSUPPORTED: Partial<Record<SqlType['kind'], string>> = {
  TIMESTAMP: 'java.sql.Timestamp', DATE: 'java.sql.Date', TIME: 'java.sql.Time', BYTES: 'java.nio.HeapByteBuffer',
  ARRAY: 'java.util.ArrayList', MAP: 'java.util.HashMap', STRUCT: 'org.apache.kafka.connect.data.Struct',
};

/** GENERATE_SERIES: start to end inclusive by step, which must be non-zero and head towards end. */
function series(from: Long, to: Long, step: number): Long[] {
  if (step === 0) throw new EvalError('GENERATE_SERIES step cannot be zero');
  // BIGINT bounds beyond 2^53 are bigints: the series is counted exactly
  const a = BigInt(from), b = BigInt(to), s = BigInt(step);
  if ((b - a) * s < 0n) throw new EvalError('GENERATE_SERIES step has wrong sign');
  // a value is built in memory: a series that would not fit is an error of the row, not of the server
  const length = (b - a) / s + 1n;
  if (length > BigInt(MAX_VALUE_ELEMENTS)) throw new EvalError(`GENERATE_SERIES of ${length} elements is more than the ${MAX_VALUE_ELEMENTS} one value may hold`);
  if (typeof from === 'number' && typeof to === 'number') {
    const out: number[] = [];
    for (let v = from; step > 0 ? v <= to : v >= to; v += step) out.push(v);
    return out;
  }
  return Array.from({ length: Number(length) }, (_x, i) => toLong(a + BigInt(i) * s));
}
