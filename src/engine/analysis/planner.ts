import type { Expr, Query, SelectItem } from '../sql/ast.js';
import { T, typeToString, type SqlType } from '../sql/types.js';
import type { DataSource } from '../catalog/metastore.js';
import type { MetaStore } from '../catalog/metastore.js';
import { keyColumns, valueColumns, headerColumns, SYSTEM_COLUMNS, type Column, type WindowInfo } from '../catalog/schema.js';
import type { Header, TopicRecord } from '../storage/topics.js';
import { compileExpr, Scope, type Compiled, type Row, type ScopeCol } from './compile.js';
import { GroupByNull, KsqlStatementError } from './errors.js';
import { columnRefs } from './expr-walk.js';
import { formatExpr } from './format.js';
import { getAggregate, type BoundAggregate } from '../functions/aggregate.js';
import { isNoKey, makeSourceReader, type SourceMsg } from './source-reader.js';
import { keyMissing, literalBuilder, normalize, partitionsByNull, projectedType, projector, safe, safeAll, safeGroups, sideCols, type Side } from './plan-util.js';
import { planJoin, planJoinInput, type JoinInput, type JoinStepInfo } from './joins.js';
import { getTableFunction } from '../functions/table.js';
import { keyString } from '../functions/values.js';
import { validAlternatives } from '../functions/overloads.js';
import { buildWindowing, checkWindow, sessionRetention, windowRetention } from './windowing.js';
import { aggregateWithoutGroupBy, checkJoinWindowBounds, checkWindowBounds, collectAggregates, hasColumnRefs, looseSelectExprs, nonAggregateSelect, STRUCTURED_STATE, windowWithoutGroupBy } from './aggregate-checks.js';
import type { StoreFactory } from '../state/store.js';

export interface OutputColumn { name: string; type: SqlType; isKey: boolean }

export interface OutMsg {
  key: unknown[];
  /** Values of every output column in select order; null for a tombstone. */
  values: unknown[] | null;
  ts: number;
  window?: { start: number; end: number };
  headers: Header[];
}

export interface Processor { process(rec: TopicRecord): void }

export interface QueryPlan {
  sources: DataSource[];
  resultType: 'STREAM' | 'TABLE';
  columns: OutputColumn[];
  /** For each key position, the index of the output column holding it (-1 when not projected). */
  keyIndexes: number[];
  windowInfo?: WindowInfo;
  /** A time-windowed aggregation's store retention: pull queries see windows starting within it of the latest start. */
  windowRetentionMs?: number;
  /** Whether ksqlDB would repartition (GROUP BY not on the key, join not on a key). */
  repartition: boolean;
  /** A join's pairs of sources that must have as many partitions (key-to-key steps; not foreign-key ones). */
  coPartitioned?: [DataSource, DataSource][];
  build(emit: (o: OutMsg) => void, onError: (e: unknown) => void, stores: StoreFactory): Processor;
  /**
   * For an aggregation that repartitions (GROUP BY other than the key), the partition of a group key
   * in the repartition topic: its stream time is that partition's, as a Kafka Streams task keeps it.
   * Set by the persistent query once the sink's key format is known; without it the source's is used.
   */
  groupPartition?: (key: unknown[]) => number;
  /** A join that repartitions: the partition (task) of a join key in the repartition topic. */
  joinPartition?: (key: unknown) => number;
  /** The type of a join's key (what its repartition partitions by). */
  joinKeyType?: SqlType;
  /** A join's steps, left to right (EXPLAIN describes them). */
  joinSteps?: JoinStepInfo[];
  /** Whether table functions (EXPLODE) turn each row into several. */
  flatMaps?: boolean;
  /** Single-source, non-aggregate plans: WHERE and projection over an already decoded row (pull queries). */
  evaluate?(row: Row, onError: (e: unknown) => void): unknown[] | undefined;
  /**
   * After CREATE OR REPLACE changed a table filter: which keys count as emitted is what this WHERE
   * says of each key's current source row (its source's records up to now), as a KTable filter
   * compares the old value with the new filter.
   */
  reseed?(stores: StoreFactory, records: Iterable<TopicRecord>): void;
}

export interface PlanOptions {
  persistent: boolean;
  sinkName?: string;
  /** The statement a persistent query belongs to, for messages: 'CREATE TABLE AS SELECT', 'CREATE STREAM AS SELECT', 'INSERT INTO'. */
  statement?: string;
  /** A push query (EMIT CHANGES without a sink), which may aggregate without GROUP BY. */
  push?: boolean;
  /** Server and request properties the functions read (ksql.functions.*). */
  properties?: Record<string, unknown>;
}


/** Fails as ksqlDB's preparing of a statement fails when a source it reads does not exist (before anything about its sink). */
export function checkSourcesExist(q: Query, ms: MetaStore): void {
  for (const r of [q.from, ...q.joins.map((j) => j.right)]) lookupSource(ms, r.name);
}

/** A table record's key that is none: the record had no key bytes, or its one key column is NULL. */
const keyless = (key: unknown[]): boolean => key.length > 0 && (isNoKey(key) || (key.length === 1 && key[0] === null));

function lookupSource(ms: MetaStore, name: string): DataSource {
  const ds = ms.get(name);
  if (!ds) throw new KsqlStatementError(`Exception while preparing statement: ${name} does not exist.${ms.hint(name)}`);
  return ds;
}

/**
 * A join whose result key is neither side's column gets ksqlDB's synthetic key column ROWKEY: FULL
 * OUTER joins (either side may be missing) and joins whose ON compares two expressions.
 */
function syntheticKey(q: Query, sides: Side[]): ScopeCol[] {
  const j = q.joins[q.joins.length - 1];
  if (!j || sides.length < 2 || j.on.t !== 'cmp') return [];
  if (j.type !== 'FULL' && (j.on.l.t === 'col' || j.on.r.t === 'col')) return [];
  const scope = new Scope(sides.flatMap((s) => sideCols(s, true)), sides.map((s) => s.alias));
  let type: SqlType;
  try { type = compileExpr(j.on.l, { scope, clause: 'JOIN ON' }).type; } catch { return []; }
  // named ROWKEY, or ROWKEY_1, ROWKEY_2... when a source already has a column of that name
  const taken = new Set(sides.flatMap((s) => s.ds.columns.map((c) => c.name)));
  let name = 'ROWKEY';
  for (let i = 1; taken.has(name); i++) name = `ROWKEY_${i}`;
  return [{ name, source: '', type, field: 'ROWKEY' }];
}

/** Generated names: column refs keep their name, struct derefs take the field name, others KSQL_COL_n. */
function itemNames(items: Extract<SelectItem, { t: 'expr' }>[], taken: Set<string>, joinPrefix?: (e: Extract<Expr, { t: 'col' }>) => string): string[] {
  let next = 0;
  const used = new Set<string>();
  const names: string[] = [];
  for (const it of items) {
    let name = it.alias;
    if (!name) {
      const e = it.expr;
      if (e.t === 'col') name = joinPrefix ? joinPrefix(e) : e.name;
      else if (e.t === 'deref') {
        name = e.field;
        let n = 1;
        while (used.has(name) || taken.has(name)) name = `${e.field}_${n++}`;
      } else {
        do name = `KSQL_COL_${next++}`; while (taken.has(name) || used.has(name));
      }
    }
    used.add(name);
    names.push(name);
  }
  return names;
}

/** The most hopping windows one record may go into (size / advance): a day advancing by a second is 86,400. */
const MAX_HOPS = 100_000;

export function planQuery(q: Query, ms: MetaStore, opts: PlanOptions): QueryPlan {
  if (q.partitionBy && q.partitionBy.length === 0) throw new KsqlStatementError('PARTITION BY requires at least one expression');
  const left: Side = { ds: lookupSource(ms, q.from.name), alias: q.from.alias ?? q.from.name };
  const sides: Side[] = [left, ...q.joins.map((j) => ({ ds: lookupSource(ms, j.right.name), alias: j.right.alias ?? j.right.name }))];
  const isJoin = sides.length > 1;
  const synthetic = syntheticKey(q, sides);
  const inputScope = new Scope([...sides.flatMap((s) => sideCols(s, isJoin)), ...synthetic], sides.map((s) => s.alias));

  if (q.window && !q.groupBy) throw windowWithoutGroupBy(q);
  let scope = inputScope;
  let repartition: Repartition | undefined;
  const pb = q.partitionBy;
  if (!isJoin && pb && !partitionsByNull(q)) {
    // PARTITION BY applies to the input: the new key columns come first, the old keys move into the value
    if (left.ds.type === 'TABLE') throw new KsqlStatementError('PARTITION BY is not supported for tables. Use GROUP BY instead.');
    const pcs = pb.map((p) => {
      try { return compileExpr(p, { scope: inputScope, clause: 'PARTITION BY' }); } catch (e) {
        if (p.t === 'col' && e instanceof KsqlStatementError && /cannot be resolved/.test(e.message)) throw new KsqlStatementError(`PARTITION BY column '${p.name}' cannot be resolved. '${p.name}' must be a column in the source schema since PARTITION BY is applied on the input.`);
        throw e;
      }
    });
    const explicit = q.items.filter((it): it is Extract<SelectItem, { t: 'expr' }> => it.t === 'expr');
    // a generated name skips the source's column names and the keys named before it, as ksqlDB's alias generator does
    const taken = new Set(left.ds.columns.map((c) => c.name));
    const keyNames: string[] = [];
    pb.forEach((p, i) => {
      let name: string;
      if (p.t === 'col') name = p.name;
      else if (p.t === 'deref') name = p.field;
      else {
        const alias = explicit.find((it) => normalize(it.expr, inputScope) === normalize(p, inputScope))?.alias;
        if (alias !== undefined) name = alias;
        else { let n = i; do name = `KSQL_COL_${n++}`; while (taken.has(name) || keyNames.includes(name)); }
      }
      keyNames.push(name);
    });
    const keyCols: Column[] = keyNames.map((name, i) => ({ name, type: pcs[i]!.type, ns: 'KEY' }));
    const oldKeys: Column[] = keyColumns(left.ds.columns).filter((c) => !keyNames.includes(c.name)).map((c) => ({ ...c, ns: 'VALUE' }));
    const columns = [...keyCols, ...valueColumns(left.ds.columns).filter((c) => !keyNames.includes(c.name)), ...oldKeys, ...headerColumns(left.ds.columns)];
    const ds = { ...left.ds, columns, serdes: undefined };
    repartition = { pcs, keyNames, norms: pb.map((p) => normalize(p, inputScope)) };
    sides[0] = { ds, alias: left.alias };
    scope = new Scope(sideCols(sides[0], false), [left.alias]);
  }
  if (opts.persistent && left.ds.windowInfo && left.ds.type === 'TABLE') throw new KsqlStatementError('KSQL does not support persistent queries on windowed tables.');

  // a join repartitioned by PARTITION BY is re-keyed after the join, whose rows carry each side's
  // value columns, its pseudo columns, then its key columns: SELECT * brings them in that order
  const rekeyedJoin = isJoin && q.partitionBy !== undefined && !partitionsByNull(q);
  // expand select items
  const exprItems: Extract<SelectItem, { t: 'expr' }>[] = [];
  for (const it of q.items) {
    if (it.t === 'expr') { exprItems.push(it); continue; }
    if (it.t === 'structstar') {
      const c = compileExpr(it.expr, { scope, clause: 'SELECT' });
      if (c.type.kind !== 'STRUCT') throw new KsqlStatementError(`Expected STRUCT type for '->*', got ${typeToString(c.type)}`);
      for (const f of c.type.fields) exprItems.push({ t: 'expr', expr: { t: 'deref', base: it.expr, field: f.name }, alias: f.name, pos: it.pos });
      continue;
    }
    const targets = it.source ? sides.filter((s) => s.alias === it.source) : sides;
    // a synthetic join key leads `SELECT *`, as the key column it is
    if (!it.source && synthetic.length) exprItems.push({ t: 'expr', expr: { t: 'col', name: synthetic[0]!.name, pos: it.pos }, alias: synthetic[0]!.name, pos: it.pos, expanded: true } as Extract<SelectItem, { t: 'expr' }>);
    if (it.source && targets.length === 0) throw new KsqlStatementError(`Line: ${it.pos.line}, Col: ${it.pos.col + 1}: '${it.source}' is not a valid stream/table name or alias.`);
    for (const s of targets) {
      const cols = rekeyedJoin
        ? [...valueColumns(s.ds.columns), { name: 'ROWTIME' }, { name: 'ROWPARTITION' }, { name: 'ROWOFFSET' }, ...keyColumns(s.ds.columns), ...headerColumns(s.ds.columns)]
        : [...keyColumns(s.ds.columns), ...(s.ds.windowInfo && (isJoin || !opts.persistent) ? [{ name: 'WINDOWSTART' }, { name: 'WINDOWEND' }] : []), ...valueColumns(s.ds.columns), ...headerColumns(s.ds.columns)];
      for (const c of cols) {
        exprItems.push({ t: 'expr', expr: { t: 'col', source: s.alias, name: c.name, pos: it.pos }, alias: isJoin ? `${s.alias}_${c.name}` : c.name, pos: it.pos, expanded: true } as Extract<SelectItem, { t: 'expr' }>);
      }
    }
  }
  const sourceColNames = new Set([left, ...sides.slice(1)].flatMap((s) => s.ds.columns.map((c) => c.name)));
  const joinPrefix = isJoin ? (e: Extract<Expr, { t: 'col' }>) => {
    // every source has the system columns, so ROWTIME and friends are always qualified in a join
    const owners = SYSTEM_COLUMNS.includes(e.name) ? sides : sides.filter((s) => s.ds.columns.some((c) => c.name === e.name));
    if (owners.length > 1) { const c = scope.resolve(e, 'SELECT'); return `${c.source}_${e.name}`; }
    return e.name;
  } : undefined;
  const names = itemNames(exprItems, sourceColNames, joinPrefix);
  // a sink cannot have a column named like a system column: selecting one as it is, or aliasing another to one
  for (let i = 0; i < names.length; i++) {
    const item = exprItems[i]!;
    if (!opts.persistent || (item as { expanded?: boolean }).expanded || !SYSTEM_COLUMNS.includes(names[i]!)) continue;
    if (item.expr.t === 'col' && item.expr.name === names[i]) throw new KsqlStatementError(`Reserved column name in select: \`${names[i]}\`. Please remove or alias the column.`);
    if (item.alias) throw new KsqlStatementError(`\`${names[i]}\` is a reserved column name. You cannot use it as an alias for a column.`);
  }

  const where = q.where ? compileExpr(q.where, { scope: inputScope, clause: 'WHERE' }) : undefined;
  if (where && where.type.kind !== 'BOOLEAN') throw new KsqlStatementError(`Type error in WHERE expression: Should evaluate to boolean but is ${formatExpr(q.where!)} (${typeToString(where.type)}) instead.`);

  const aggCalls: Extract<Expr, { t: 'call' }>[] = [];
  for (const it of exprItems) collectAggregates(it.expr, aggCalls);
  collectAggregates(q.having, aggCalls);

  const tableFnCalls = exprItems.flatMap((it) => collectTableFunctions(it.expr));
  if (tableFnCalls.length) {
    if (q.groupBy || aggCalls.length) throw new KsqlStatementError('Table functions cannot be used with aggregations.');
    if (left.ds.type === 'TABLE') throw new KsqlStatementError('Table source is not supported with table functions');
    if (isJoin) throw new KsqlStatementError('The local server does not support table functions over joins yet');
  }
  if (q.groupBy && q.window) checkWindowBounds(q, exprItems);
  // EMIT FINAL needs windows to close: any other query (a projection, a filter, a table) has none
  if (q.emit === 'FINAL' && !(q.window && (q.groupBy || aggCalls.length))) throw new KsqlStatementError('EMIT FINAL is only supported for windowed aggregations.');
  if (q.groupBy) {
    const kafkaValues = sides.filter((s) => s.ds.valueFormat.format === 'KAFKA').map((s) => s.ds.name);
    if (kafkaValues.length) throw new KsqlStatementError(`Source(s) ${kafkaValues.join(', ')} are using the 'KAFKA' value format. This format does not yet support GROUP BY.`);
    return planAggregate(q, opts, left, sides, scope, exprItems, names, where, aggCalls);
  }
  if (aggCalls.length) {
    // a push query may aggregate a whole stream: one group, under a constant key it does not show
    if (opts.push && !isJoin && looseSelectExprs(q).length === 0) {
      // a constant no SELECT expression can be, so no projected column is taken for the key
      const whole: Query = { ...q, groupBy: [{ t: 'lit', type: T.STRING, value: '\u0000whole stream' }] };
      return { ...planAggregate(whole, opts, left, sides, scope, exprItems, names, where, aggCalls), keyIndexes: [] };
    }
    throw aggregateWithoutGroupBy(q, opts, aggCalls);
  }
  if (q.having) throw new KsqlStatementError('HAVING clause requires a GROUP BY clause.');
  if (isJoin) return planJoin(q, opts, sides, scope, exprItems, names, where);
  return planSimple(q, opts, left, scope, exprItems, names, where, repartition, tableFnCalls);
}

type Call = Extract<Expr, { t: 'call' }>;

/** Table function calls (EXPLODE, CUBE_EXPLODE) in an expression, outermost first. */
function collectTableFunctions(e: Expr, out: Call[] = []): Call[] {
  if (e.t === 'call' && getTableFunction(e.name)) { out.push(e); return out; }
  for (const v of Object.values(e)) {
    if (v && typeof v === 'object' && 't' in (v as object)) collectTableFunctions(v as Expr, out);
    else if (Array.isArray(v)) for (const i of v) if (i && typeof i === 'object' && 't' in i) collectTableFunctions(i as Expr, out);
  }
  return out;
}

interface BoundTableFn { norm: string; field: string; type: SqlType; args: Compiled[]; apply: (args: unknown[]) => unknown[] }

/** Binds each distinct table function call to a row field that holds, row by row, one of its values. */
function bindTableFunctions(calls: Call[], scope: Scope): BoundTableFn[] {
  const bound: BoundTableFn[] = [];
  for (const call of calls) {
    const norm = normalize(call, scope);
    if (bound.some((b) => b.norm === norm)) continue;
    const fn = getTableFunction(call.name)!;
    const args = call.args.map((a) => compileExpr(a, { scope, clause: 'SELECT' }));
    const type = fn.resolve(args.map((a) => a.type));
    // as a scalar function's: its name as ksqlDB declares it (lower case) and the arguments' full types
    if (type === undefined) throw new KsqlStatementError(`Function '${call.name.toLowerCase()}' does not accept parameters (${args.map((a) => typeToString(a.type)).join(', ')}).${validAlternatives(call.name)}`);
    bound.push({ norm, field: `$tf${bound.length}`, type, args, apply: (xs) => fn.apply(xs) });
  }
  return bound;
}

interface Repartition { pcs: Compiled[]; keyNames: string[]; norms: string[] }

function isKeyRef(e: Expr, scope: Scope, keyFields: string[]): number {
  if (e.t !== 'col') return -1;
  try { return keyFields.indexOf(scope.resolve(e, 'SELECT').field); } catch { return -1; }
}

/** Qualifies unqualified column references with the source alias, as ksqlDB's messages print them. */
function qualify(e: Expr, alias: string): Expr {
  if (e.t === 'col') return e.source ? e : { ...e, source: alias };
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) {
    if (v && typeof v === 'object' && 't' in (v as object)) out[k] = qualify(v as Expr, alias);
    else if (Array.isArray(v)) out[k] = v.map((i) => (i && typeof i === 'object' && 't' in i ? qualify(i as Expr, alias) : i));
    else out[k] = v;
  }
  return out as Expr;
}

function planSimple(q: Query, opts: PlanOptions, left: Side, scope: Scope, items: Extract<SelectItem, { t: 'expr' }>[], names: string[], where: Compiled | undefined, repart?: Repartition, tableFnCalls: Call[] = []): QueryPlan {
  const ds = left.ds;
  const newPlanner = String(opts.properties?.['ksql.new.query.planner.enabled'] ?? 'false').toLowerCase() === 'true';
  // the new planner may leave a stream's key columns out: its rows are written with the selected ones
  const rekeyed = newPlanner && opts.persistent && ds.type === 'STREAM' && !repart && !q.partitionBy;
  const tfs = bindTableFunctions(tableFnCalls, scope);
  const hook = tfs.length ? (e: Expr) => { const b = tfs.find((t) => t.norm === normalize(e, scope)); return b && { type: b.type, field: b.field }; } : undefined;
  const compiled = items.map((it) => compileExpr(it.expr, { scope, clause: 'SELECT', hook }));
  let keyOf: (row: Row, msg: SourceMsg) => unknown[];
  let isKey: boolean[];
  let keyOrder: number[];
  const partitionBy = q.partitionBy;
  if (repart) {
    const keyFields = repart.keyNames;
    const keyIndexOf = (it: Extract<SelectItem, { t: 'expr' }>) => {
      const k = isKeyRef(it.expr, scope, keyFields);
      return k >= 0 ? k : repart.norms.indexOf(normalize(it.expr, scope));
    };
    isKey = items.map((it) => keyIndexOf(it) >= 0);
    keyOrder = keyFields.map((_, k) => items.findIndex((it) => keyIndexOf(it) === k));
    if (opts.persistent && keyOrder.some((k) => k < 0)) {
      // ksqlDB names every partitioning expression, not just the missing ones
      throw keyMissing(opts.sinkName ?? '', 'partitioning expression', partitionBy!.map((p) => formatExpr(qualify(p, left.alias))));
    }
    keyOf = (row) => repart.pcs.map((c) => { try { return c.fn(row); } catch { return null; } });
  } else if (partitionBy) {
    isKey = items.map(() => false); keyOrder = []; keyOf = () => [];
  } else {
    const keyFields = keyColumns(ds.columns).map((c) => c.name);
    isKey = items.map((it) => isKeyRef(it.expr, scope, keyFields) >= 0);
    keyOrder = keyFields.map((f) => items.findIndex((it) => isKeyRef(it.expr, scope, [f]) === 0));
    // ksql.new.query.planner.enabled: a stream's key columns are the ones selected, in select order
    if (rekeyed) keyOrder = items.flatMap((_, i) => (isKey[i] ? [i] : []));
    if (opts.persistent) {
      if (!rekeyed && keyOrder.some((k) => k < 0)) throw keyMissing(opts.sinkName ?? '', 'key column', keyFields);
      const seen = new Set<number>();
      items.forEach((it, i) => {
        const k = isKeyRef(it.expr, scope, keyFields);
        if (k >= 0 && seen.has(k)) {
          const aliases = items.filter((x) => isKeyRef(x.expr, scope, keyFields) === k).map((x) => names[items.indexOf(x)]);
          throw new KsqlStatementError(`The projection contains a key column (\`${keyFields[k]}\`) more than once, aliased as: ${aliases.join(' and ')}.\nEach key column must only be in the projection once. If you intended to copy the key into the value, then consider using the AS_VALUE function to indicate which key reference should be copied.`);
        }
        if (k >= 0) seen.add(k); void i;
      });
    }
    keyOf = (_row, msg) => msg.key;
  }
  if (opts.persistent && isKey.every((k) => k) && items.length > 0) throw new KsqlStatementError('The projection contains no value columns.');
  const columns = items.map((it, i) => ({ name: names[i]!, type: projectedType(compiled[i]!.type, opts.persistent), isKey: isKey[i]! }));
  const isTable = ds.type === 'TABLE';
  return {
    sources: [ds], resultType: isTable ? 'TABLE' : 'STREAM', columns, keyIndexes: keyOrder, windowInfo: ds.windowInfo, repartition: false,
    flatMaps: tfs.length > 0,
    evaluate(row, onError) {
      if (where && safe(where, onError)(row) !== true) return undefined;
      return compiled.map((c) => safe(c, onError)(row));
    },
    reseed: isTable && where ? (stores, records) => {
      const read = makeSourceReader(ds);
      const latest = new Map<string, Row | null>();
      for (const rec of records) {
        try { const m = read(rec); latest.set(keyString(m.window ? [...m.key, m.window.start] : m.key), m.row); } catch { /* a record the query skipped */ }
      }
      const emitted = stores<boolean>('filter-emitted');
      for (const k of [...emitted.entries()].map(([key]) => key)) emitted.delete(k);
      const passes = safe(where, () => undefined);
      for (const [k, row] of latest) if (row !== null && passes(row) === true) emitted.put(k, true);
    } : undefined,
    build(emit, onError, stores) {
      const read = makeSourceReader(ds);
      const project = projector(compiled, onError, items.map((it) => it.expr), names);
      const whereFn = where ? safe(where, onError) : undefined;
      const emitted = stores<boolean>('filter-emitted');
      return {
        process(rec) {
          let msg: SourceMsg;
          try { msg = read(rec); } catch (e) { onError(e); return; }
          const row = msg.row;
          const present = isTable ? keyString(msg.window ? [...msg.key, msg.window.start] : msg.key) : '';
          if (row === null) {
            // a stream's null value flows through a plain projection as a null value; tables forward the tombstone
            if (isTable) { if (!whereFn || emitted.delete(present)) emit({ key: msg.key, values: null, ts: msg.ts, window: msg.window, headers: msg.headers }); }
            else if (!whereFn) {
              // a null value has no row: its PARTITION BY sees the key columns, and NULL for the rest (ROWTIME too)
              const keyRow: Row = { ROWTIME: null };
              keyColumns(ds.columns).forEach((c, i) => { keyRow[c.name] = msg.key[i]; });
              emit({ key: repart ? keyOf(keyRow, msg) : msg.key, values: null, ts: msg.ts, window: msg.window, headers: msg.headers });
            }
            return;
          }
          // a table drops a record without a key (or whose one key column is NULL); a key of several
          // columns is a key whatever they hold, all NULL too (its bytes are a key of NULLs)
          if (isTable && keyless(msg.key)) return;
          if (whereFn && whereFn(row) !== true) {
            // a table filter only retracts a row it had emitted before (Kafka Streams' KTable filter)
            if (isTable && emitted.delete(present)) emit({ key: msg.key, values: null, ts: msg.ts, window: msg.window, headers: msg.headers });
            return;
          }
          if (isTable && !emitted.has(present)) emitted.put(present, true);
          if (repart) {
            const pk = keyOf(row, msg);
            repart.keyNames.forEach((n, i) => { row[n] = pk[i]; });
            msg = { ...msg, key: pk };
          }
          const out = () => {
            const values = project(row);
            const key = partitionBy ? keyOf(row, msg) : keyOrder.length && (!opts.persistent || isNoKey(msg.key)) ? msg.key : keyOrder.map((k) => (k >= 0 ? values[k] : null));
            emit({ key: keyOrder.length || partitionBy || rekeyed ? key : msg.key, values, ts: msg.ts, window: msg.window, headers: msg.headers });
          };
          if (!tfs.length) { out(); return; }
          // one row per position of the longest list; shorter lists give nulls
          const lists = tfs.map((t) => { try { return t.apply(t.args.map((a) => a.fn(row))); } catch (e) { onError(e); return []; } });
          const n = Math.max(0, ...lists.map((l) => l.length));
          for (let i = 0; i < n; i++) {
            tfs.forEach((t, k) => { row[t.field] = lists[k]![i] ?? null; });
            out();
          }
        },
      };
    },
  };
}

function planAggregate(q: Query, opts: PlanOptions, left: Side, sides: Side[], scope: Scope, items: Extract<SelectItem, { t: 'expr' }>[], names: string[], where: Compiled | undefined, aggCalls: Extract<Expr, { t: 'call' }>[]): QueryPlan {
  // an aggregation over a join aggregates the joined rows: a stream, or a table changelog
  const join: JoinInput | undefined = sides.length > 1 ? planJoinInput(q, sides, scope) : undefined;
  const ds = left.ds;
  const groupBy = q.groupBy!;
  const groupC = groupBy.map((g) => {
    const ga: Extract<Expr, { t: 'call' }>[] = [];
    collectAggregates(g, ga);
    if (ga.length) throw new KsqlStatementError(`GROUP BY does not support aggregate functions: ${ga[0]!.name} is an aggregate function.`);
    return compileExpr(g, { scope, clause: 'GROUP BY' });
  });
  const groupNorm = groupBy.map((g) => normalize(g, scope));
  groupNorm.forEach((n, i) => { if (groupNorm.indexOf(n) !== i) throw new KsqlStatementError(`Duplicate GROUP BY expression: ${formatExpr(groupBy[i]!)}`); });
  if (aggCalls.length === 0) {
    // an unknown function is the better message than a missing aggregate
    for (const it of items) compileExpr(it.expr, { scope, clause: 'SELECT' });
    throw new KsqlStatementError('GROUP BY requires aggregate functions in either the SELECT or HAVING clause.');
  }

  // aggregates
  const aggs: { call: Extract<Expr, { t: 'call' }>; args: Compiled[]; bound: BoundAggregate; norm: string }[] = [];
  for (const call of aggCalls) {
    const norm = normalize(call, scope);
    if (aggs.some((a) => a.norm === norm)) continue;
    const fn = getAggregate(call.name)!;
    const inner: Extract<Expr, { t: 'call' }>[] = [];
    for (const a of call.args) collectAggregates(a, inner);
    if (inner.length) throw new KsqlStatementError(`Aggregate functions can not be nested: ${call.name}(${inner[0]!.name}())`);
    if (fn.streamOnly && ds.type === 'TABLE') {
      const bad = [...new Set(aggCalls.map((c) => c.name.toUpperCase()).filter((n) => getAggregate(n)!.streamOnly))];
      throw new KsqlStatementError(`The aggregation function${bad.length > 1 ? 's' : ''} ${bad.length > 1 ? `${bad.slice(0, -1).join(', ')} and ${bad[bad.length - 1]}` : bad[0]} cannot be applied to a table source, only to a stream source.`);
    }
    const nCols = typeof fn.columns === 'function' ? fn.columns(call.args.length) : fn.columns ?? 1;
    const args = call.star || call.args.length === 0 ? [compileExpr({ t: 'col', name: 'ROWTIME', pos: call.pos, ...(join ? { source: left.alias } : {}) }, { scope, clause: 'SELECT' })] : call.args.slice(0, nCols).map((a) => compileExpr(a, { scope, clause: 'SELECT' }));
    const literals: unknown[] = [];
    const extraTypes: SqlType[] = [];
    for (const [i, a] of call.args.slice(nCols).entries()) {
      if (a.t !== 'lit' && !(a.t === 'neg' && a.e.t === 'lit')) {
        throw new KsqlStatementError(`Parameter ${i + nCols + 1} passed to function ${call.name} must be a literal constant, but was expression: '${formatExpr(a)}'`);
      }
      const c = compileExpr(a, { scope, clause: 'SELECT' });
      literals.push(c.fn({})); extraTypes.push(c.type);
    }
    const argTypes = [...args.map((a) => a.type), ...extraTypes];
    const bound = fn.maxArgs !== undefined && argTypes.length > fn.maxArgs ? undefined : fn.resolve(argTypes, literals, opts.properties ?? {});
    if (typeof bound === 'string') throw new KsqlStatementError(bound);
    if (!bound) throw new KsqlStatementError(`Function '${call.name}' does not accept parameters (${argTypes.map(typeToString).join(', ')}).${validAlternatives(call.name)}`);
    aggs.push({ call, args, bound, norm });
  }

  // the aggregation's state is kept in the source's value format: DELIMITED holds no struct, array or map
  if (opts.persistent && ds.valueFormat.format === 'DELIMITED' && aggs.some((a) => STRUCTURED_STATE.has(a.call.name.toUpperCase()))) {
    throw new KsqlStatementError('One of the functions used in the statement has an intermediate type that the value format can not handle. Please remove the function or change the format.');
  }

  // key columns
  const keyNames = groupBy.map((g, i) => {
    if (g.t === 'col') {
      const item = items.findIndex((it) => normalize(it.expr, scope) === groupNorm[i]);
      return item >= 0 ? names[item]! : g.name;
    }
    if (g.t === 'deref') return g.field;
    const item = items.findIndex((it) => normalize(it.expr, scope) === groupNorm[i]);
    return item >= 0 ? names[item]! : `KSQL_COL_${i}`;
  });
  const windowed = q.window;
  // Kafka Streams' TimeWindows refuses an advance outside (0, size]: a hopping window that never moves or skips time
  if (windowed?.type === 'HOPPING' && (windowed.advance!.ms <= 0 || windowed.advance!.ms > windowed.size.ms)) {
    throw new KsqlStatementError(`Window advancement interval should be more than zero and less than window duration which is ${windowed.size.ms} ms, but given advancement interval is: ${windowed.advance!.ms} ms`);
  }
  // each record goes into size / advance hopping windows, one by one: past a bound, one record would
  // hold the server for minutes and its memory with it (a day advancing by a millisecond is 86,400,000)
  if (windowed?.type === 'HOPPING' && Math.ceil(windowed.size.ms / windowed.advance!.ms) > MAX_HOPS) {
    throw new KsqlStatementError(`WINDOW HOPPING of ${windowed.size.ms} ms advancing by ${windowed.advance!.ms} ms puts each record in ${Math.ceil(windowed.size.ms / windowed.advance!.ms)} windows: the local server takes at most ${MAX_HOPS} (a larger ADVANCE BY, or a smaller SIZE)`);
  }
  if (windowed) checkWindow(windowed, q.emit === 'FINAL');
  const aggScopeCols: ScopeCol[] = [
    ...groupC.map((g, i) => ({ name: keyNames[i]!, type: g.type, field: `$k${i}` })),
    ...(windowed ? [{ name: 'WINDOWSTART', type: T.BIGINT, field: 'WINDOWSTART' }, { name: 'WINDOWEND', type: T.BIGINT, field: 'WINDOWEND' }] : []),
  ];
  const aggScope = new Scope(aggScopeCols);
  const hook = (e: Expr) => {
    const n = normalize(e, scope);
    const gi = groupNorm.indexOf(n);
    if (gi >= 0) return { type: groupC[gi]!.type, field: `$k${gi}` };
    const ai = aggs.findIndex((a) => a.norm === n);
    if (ai >= 0) return { type: aggs[ai]!.bound.returnType, field: `$a${ai}` };
    if (e.t === 'col' && (e.name === 'WINDOWSTART' || e.name === 'WINDOWEND') && windowed) return { type: T.BIGINT, field: e.name };
    return undefined;
  };
  const compileAgg = (e: Expr, clause: string): Compiled => {
    try { return compileExpr(e, { scope: aggScope, clause, hook }); } catch (err) {
      if (err instanceof KsqlStatementError && /cannot be resolved/.test(err.message)) {
        if (clause === 'HAVING') {
          // the columns HAVING reads outside aggregates and outside the GROUP BY are what ksqlDB names
          const loose = columnRefs(e, (x) => (x.t === 'call' && getAggregate(x.name) !== undefined) || groupNorm.includes(normalize(x, scope)))
            .filter((c) => !(c.name === 'WINDOWSTART' || c.name === 'WINDOWEND'));
          const named = [...new Set((loose.length ? loose : [e]).map((x) => formatExpr(x)))];
          throw new KsqlStatementError(`Non-aggregate HAVING expression not part of GROUP BY: ${named.join(', ')}\nConsider switching the HAVING clause to a WHERE clause before the GROUP BY.`);
        }
        throw nonAggregateSelect([e]);
      }
      throw err;
    }
  };
  if (windowed && join) checkJoinWindowBounds(items);
  const nonAgg = items.filter((it) => { const a: Extract<Expr, { t: 'call' }>[] = []; collectAggregates(it.expr, a); return a.length === 0 && hasColumnRefs(it.expr); });
  const bad = nonAgg.filter((it) => { try { compileExpr(it.expr, { scope: aggScope, clause: 'SELECT', hook }); return false; } catch { return true; } });
  // a column that `SELECT *` brought in is named as the column, without its source
  if (bad.length) throw nonAggregateSelect(bad.map((b) => ((b as { expanded?: boolean }).expanded && b.expr.t === 'col' ? { ...b.expr, source: undefined } : b.expr)));
  const compiled = items.map((it) => compileAgg(it.expr, 'SELECT'));
  const having = q.having ? compileAgg(q.having, 'HAVING') : undefined;
  if (having && having.type.kind !== 'BOOLEAN') throw new KsqlStatementError(`Type error in HAVING expression: Should evaluate to boolean but is ${formatExpr(q.having!)} (${typeToString(having.type)}) instead.`);
  const isKey = items.map((it) => groupNorm.includes(normalize(it.expr, scope)));
  if (opts.persistent) {
    const missing = groupBy.filter((_, i) => !items.some((it) => normalize(it.expr, scope) === groupNorm[i]));
    if (missing.length) throw keyMissing(opts.sinkName ?? '', 'grouping expression', missing.map(formatExpr));
    // a sink's key columns are the grouping expressions, each once; its values are the rest
    for (let i = 0; i < items.length; i++) {
      const again = items.findIndex((it, j) => j > i && isKey[i] && normalize(it.expr, scope) === normalize(items[i]!.expr, scope));
      if (again >= 0) throw new KsqlStatementError(`The projection contains a key column more than once: \`${names[i]}\` and \`${names[again]}\`.`);
    }
    if (isKey.every(Boolean)) throw new KsqlStatementError('The projection contains no value columns.');
  }
  const keyOrder = groupNorm.map((n) => items.findIndex((it) => normalize(it.expr, scope) === n));
  const columns = items.map((it, i) => ({ name: names[i]!, type: projectedType(compiled[i]!.type, opts.persistent), isKey: isKey[i]! }));
  const keyCols = keyColumns(ds.columns);
  const repartition = join
    ? !(groupBy.length === 1 && !join.foreignKeyed && join.keyClass.some((e) => normalize(e, scope) === groupNorm[0]))
    : !(groupBy.length === keyCols.length && groupBy.every((g, i) => g.t === 'col' && normalize(g, scope) === normalize({ t: 'col', name: keyCols[i]!.name, pos: g.pos }, scope)));
  const windowInfo: WindowInfo | undefined = windowed ? { type: windowed.type, sizeMs: windowed.type === 'SESSION' ? undefined : windowed.size.ms } : undefined;
  if (q.emit === 'FINAL' && !windowed) throw new KsqlStatementError('EMIT FINAL is only supported for windowed aggregations.');
  const isTableSource = join ? join.kind === 'TABLE' : ds.type === 'TABLE';
  // ksqlDB's grouped table refuses a window when it builds the aggregation: a table's rows change and
  // go, where a window counts events once
  if (windowed && isTableSource) throw new KsqlStatementError('Windowing not supported for table aggregations.');

  const plan: QueryPlan = {
    sources: join ? join.sources : [ds], resultType: 'TABLE', columns, keyIndexes: keyOrder, windowInfo, repartition, coPartitioned: join?.coPartitioned, joinSteps: join?.joinSteps,
    windowRetentionMs: windowed ? (windowed.type === 'SESSION' ? sessionRetention(windowed) : windowRetention(windowed, q.emit === 'FINAL')) : undefined,
    build(emit, onError, stores) {
      const read = makeSourceReader(ds, '', true); // (an aggregation only reads its source rows)
      const whereFn = where ? safe(where, onError) : undefined;
      const groupFns = groupC.map((g) => safe(g, onError));
      const project = safeAll(compiled, onError);
      const havingFn = having ? safe(having, onError) : undefined;
      const tableState = stores<Row>('source-table');
      const emitted = stores<boolean>('having-emitted');
      // a group's row (its key columns, its aggregates' results, its window's bounds) is one object
      // literal, so every row has the shape the compiled SELECT expressions read fast
      const fields = [...groupC.map((_g, i): [string, string] => [`$k${i}`, `k[${i}]`]), ...aggs.map((_a, i): [string, string] => [`$a${i}`, `r[${i}]`])];
      const groupRow = literalBuilder<(k: unknown[], r: unknown[]) => Row>(['k', 'r'], fields);
      const windowRow = literalBuilder<(k: unknown[], r: unknown[], w: { start: number; end: number }) => Row>(['k', 'r', 'w'], [...fields, ['WINDOWSTART', 'w.start'], ['WINDOWEND', 'w.end']]);

      const output = (key: unknown[], accs: unknown[], ts: number, window: { start: number; end: number } | undefined, headers: Header[], removed: boolean) => {
        const keyVals = key;
        // without HAVING every group that changed went out, so only HAVING needs to remember which did
        if (!havingFn) {
          if (removed) { emit({ key: keyVals, values: null, ts, window, headers }); return; }
        }
        const present = havingFn ? keyString(window ? [...key, window.start] : key) : '';
        if (removed) { if (emitted.delete(present)) emit({ key: keyVals, values: null, ts, window, headers }); return; }
        const results = new Array<unknown>(aggs.length);
        for (let i = 0; i < aggs.length; i++) results[i] = aggs[i]!.bound.result(accs[i]);
        const row = window ? windowRow(key, results, window) : groupRow(key, results);
        if (!havingFn) { emit({ key: keyVals, values: project(row), ts, window, headers }); return; }
        if (havingFn(row) !== true) {
          // HAVING retracts a row it had emitted before; a group that never passed stays silent
          if (emitted.delete(present)) emit({ key: keyVals, values: null, ts, window, headers });
          return;
        }
        if (!emitted.has(present)) emitted.put(present, true);
        emit({ key: keyVals, values: project(row), ts, window, headers });
      };
      // each accumulator is kept with the call it belongs to (normalized), so CREATE OR REPLACE may add aggregates
      const windowing = buildWindowing(windowed, aggs.map((a) => a.bound), output, q.emit === 'FINAL', stores, aggs.map((a) => a.norm));
      const groupKey = (row: Row): unknown[] | undefined => {
        const k = new Array<unknown>(groupFns.length);
        for (let i = 0; i < groupFns.length; i++) {
          const v = groupFns[i]!(row);
          // the row is left out, and logged (ksqlDB's group-by logs the first column that gives NULL)
          if (v === null || v === undefined) { onError(new GroupByNull(i)); return undefined; }
          k[i] = v;
        }
        return k;
      };
      // aggregates without arguments (COUNT(*)) share one empty argument list, never written to
      const noArgs = aggs.every((a) => a.args.length === 0) ? aggs.map(() => []) : undefined;
      const argsOf = noArgs ? () => noArgs : safeGroups(aggs.map((a) => a.args), onError);
      // a repartitioned group's stream time is its repartition topic partition's (windowed only:
      // the others keep none); a group key's partition is remembered, as group keys repeat
      const partitions = new Map<unknown, number>();
      const partitionOf = (gk: unknown[], source: number): number => {
        const byGroup = repartition && windowed ? plan.groupPartition : undefined;
        if (!byGroup) return source;
        // (a Map takes -0 for 0, whose key bytes differ)
        const ck = gk.length === 1 && typeof gk[0] !== 'object' && !Object.is(gk[0], -0) ? gk[0] : keyString(gk);
        let p = partitions.get(ck);
        if (p === undefined) { if (partitions.size >= 100_000) partitions.clear(); p = byGroup(gk); partitions.set(ck, p); }
        return p;
      };
      const consume = (msg: Pick<SourceMsg, 'key' | 'row' | 'ts' | 'partition' | 'headers'>) => {
          if (isTableSource) {
            // (a record without a key is skipped, as Kafka Streams' table source skips it; a key of several
            // columns is a key, as the table's own projection keeps it)
            if (keyless(msg.key)) return;
            const sk = keyString(msg.key);
            const old = tableState.get(sk);
            const nrow = msg.row && (!whereFn || whereFn(msg.row) === true) ? msg.row : null;
            if (msg.row) tableState.put(sk, msg.row); else tableState.delete(sk);
            const oldPassing = old && (!whereFn || whereFn(old) === true) ? old : null;
            // an update within one group subtracts and adds before emitting once, as Kafka Streams does
            const oldGk = oldPassing ? groupKey(oldPassing) : undefined;
            const newGk = nrow ? groupKey(nrow) : undefined;
            const sameGroup = oldGk !== undefined && newGk !== undefined && keyString(oldGk) === keyString(newGk);
            if (oldGk) windowing.undo(oldGk, argsOf(oldPassing!), msg.ts, msg.headers, sameGroup);
            if (newGk) windowing.add(newGk, argsOf(nrow!), msg.ts, partitionOf(newGk, msg.partition), msg.headers);
            return;
          }
          const row = msg.row;
          if (row === null) return;
          if (whereFn && whereFn(row) !== true) return;
          const gk = groupKey(row);
          if (!gk) return;
          windowing.add(gk, argsOf(row), msg.ts, partitionOf(gk, msg.partition), msg.headers);
      };
      if (join) return join.build((e) => consume({ ...e, partition: e.partition ?? 0 }), onError, stores);
      return {
        process(rec) {
          let msg: SourceMsg;
          try { msg = read(rec); } catch (e) { onError(e); return; }
          consume(msg);
        },
      };
    },
  };
  return plan;
}


