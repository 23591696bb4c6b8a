import type { Expr, Query, SelectItem } from '../sql/ast.js';
import { typeToString, containsMap, type SqlType } from '../sql/types.js';
import { keyColumns } from '../catalog/schema.js';
import { compileExpr, type Compiled, type Row, type Scope } from './compile.js';
import { KsqlStatementError } from './errors.js';
import { formatExpr } from './format.js';
import { makeSourceReader } from './source-reader.js';
import { keyString } from '../functions/values.js';
import { joinKeyIndex, keyMissing, normalize, partitionsByNull, projector, qualifiedInJoin, projectedType, rowBuilder, safe, sideCols, type Side } from './plan-util.js';
import type { OutMsg, PlanOptions, Processor, QueryPlan } from './planner.js';
import type { StoreFactory } from '../state/store.js';
import { streamStreamCore, streamTableCore, tableForeignKeyCore, tablePrimaryKeyCore, type JoinCore, type JoinEmit, type JoinEvent } from './join-cores.js';

type Items = Extract<SelectItem, { t: 'expr' }>[];
type JoinClause = Query['joins'][number];

/** One two-way step of a (possibly n-way) join: what has been joined so far, joined with one more source. */
export type JoinKind = 'stream-stream' | 'stream-table' | 'table-pk' | 'table-fk';

/** A join step as EXPLAIN shows it: a re-keyed side is repartitioned by its join key (named `ALIAS_COLUMN`, or KSQL_COL_0 for an expression). */
export interface JoinStepInfo { kind: JoinKind; rekeyLeft: boolean; rekeyRight: boolean; leftKeyName: string; rightKeyName: string; keyType: SqlType }

interface Step {
  clause: JoinClause;
  right: Side;
  kind: JoinKind;
  leftKey: Compiled;
  rightKey: Compiled;
  leftAst: Expr;
  rightAst: Expr;
}

/** Column references printed with the alias they resolve to, as ksqlDB's join messages print them. */
export function qualified(e: Expr, scope: Scope): string {
  const walk = (x: Expr): Expr => {
    if (x.t === 'col') { try { return { ...x, source: scope.resolve(x, '').source || undefined }; } catch { return x; } }
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) {
      if (v && typeof v === 'object' && 't' in (v as object)) out[k] = walk(v as Expr);
      else if (Array.isArray(v)) out[k] = v.map((i) => (i && typeof i === 'object' && 't' in i ? walk(i as Expr) : i));
      else out[k] = v;
    }
    return out as Expr;
  };
  return formatExpr(walk(e));
}

const sourcesOf = (e: Expr, scope: Scope) => new Set(columnRefs(e).map((c) => scope.resolve(c, 'JOIN ON').source ?? ''));

/**
 * Joins, two-way or n-way. ksqlDB joins left to right: each step joins the result so far (a stream
 * or a table) with the next source, and the last step decides the key. Rows keep every source's
 * columns as `ALIAS_COLUMN`; the projection and WHERE run once on the final row.
 */
export interface JoinInput {
  sources: Side['ds'][];
  /** What the joined rows are: a stream, or a table (a changelog with tombstones). */
  kind: 'STREAM' | 'TABLE';
  /** The expressions equal to the result key, in the order ksqlDB prefers them for the key column. */
  keyClass: Expr[];
  synthetic: boolean;
  /** Keyed by the left table's primary key (a foreign-key join). */
  foreignKeyed: boolean;
  repartition: boolean;
  /** The sources each key-to-key join step joins (the left-most one, whose partitioning the result keeps, and the right one): they must be co-partitioned. */
  coPartitioned: [Side['ds'], Side['ds']][];
  /** The type of the first step's join key (what a repartition partitions by). */
  keyType?: SqlType;
  /** Each step, left to right, as EXPLAIN describes it: its kind, and which inputs it re-keys by its join key first. */
  joinSteps: JoinStepInfo[];
  /**
   * Builds the processor that turns source records into joined rows (before WHERE and projection).
   * `taskOf`: for a join that repartitions, the partition (task) of a join key, whose stream time
   * the row is joined in, instead of the source record's partition.
   */
  build(onRow: JoinEmit, onError: (e: unknown) => void, stores: StoreFactory, taskOf?: (joinKey: unknown) => number | undefined): Processor;
}

/** Plans the join steps of a query: the rows they produce feed a projection or an aggregation. */
export function planJoinInput(q: Query, sides: Side[], scope: Scope): JoinInput {
  if (sides.length > 2) {
    const seen = new Set<string>();
    for (const s of sides) {
      if (seen.has(s.ds.name)) throw new KsqlStatementError(`N-way joins do not support multiple occurrences of the same source. Source: '${s.ds.name}'`);
      seen.add(s.ds.name);
    }
  }
  let kind: 'STREAM' | 'TABLE' = sides[0]!.ds.type;
  // the expressions equal to the current key, in the order ksqlDB prefers them for the key column
  let keyClass: Expr[] = keyColumns(sides[0]!.ds.columns).length === 1 ? [{ t: 'col', source: sides[0]!.alias, name: keyColumns(sides[0]!.ds.columns)[0]!.name, pos: { line: 0, col: 0 } }] : [];
  let foreignKeyed = false, synthetic = false, repartition = false;
  const steps: Step[] = [];
  const stepInfo: JoinStepInfo[] = [];
  const coPartitioned: [Side['ds'], Side['ds']][] = [];
  // every join's criteria are checked before any is planned, as ksqlDB's analysis does
  q.joins.forEach((clause, i) => {
    validateJoin(clause, sides[0]!, sides[i + 1]!, scope, sides);
    const on = clause.on as Extract<Expr, { t: 'cmp' }>;
    const [la, ra] = [[...sourcesOf(on.l, scope)][0]!, [...sourcesOf(on.r, scope)][0]!];
    if (la === ra) throw new KsqlStatementError(`Each side of the join must reference exactly one source and not the same source. Left side references \`${la}\` and right references \`${ra}\``);
  });
  q.joins.forEach((clause, i) => {
    const right = sides[i + 1]!;
    const on = clause.on as Extract<Expr, { t: 'cmp' }>;
    const ls = sourcesOf(on.l, scope), rs = sourcesOf(on.r, scope);
    const [la, ra] = [[...ls][0]!, [...rs][0]!];
    if (la !== right.alias && ra !== right.alias) throw new KsqlStatementError(`A join criteria is expected to reference the source (\`${right.alias}\`) in the FROM clause, instead the right source references \`${ra}\` and the left source references \`${la}\``);
    const swap = la === right.alias;
    const leftAst = swap ? on.r : on.l, rightAst = swap ? on.l : on.r;
    const leftKey = compileExpr(leftAst, { scope, clause: 'JOIN ON' }), rightKey = compileExpr(rightAst, { scope, clause: 'JOIN ON' });
    const leftSource = swap ? ra : la;
    if (kind === 'TABLE' && right.ds.type === 'STREAM') {
      const name = (alias: string) => sides.find((x) => x.alias === alias)?.ds.name ?? alias;
      const how = clause.type === 'INNER' ? '[INNER]' : `${clause.type} [OUTER]`;
      throw new KsqlStatementError(`Invalid join order: table-stream joins are not supported; only stream-table joins. Got ${name(leftSource)} ${how} JOIN ${right.ds.name}.`);
    }
    if (right.ds.type === 'STREAM' || kind === 'STREAM') {
      if (typeToString(leftKey.type) !== typeToString(rightKey.type)) {
        throw new KsqlStatementError(`Invalid join condition: types don't match. Got ${qualified(leftAst, scope)}{${typeToString(leftKey.type)}} = ${qualified(rightAst, scope)}{${typeToString(rightKey.type)}}.`);
      }
    }
    const inClass = keyClass.some((e) => normalize(e, scope) === normalize(leftAst, scope));
    const rightKeys = keyColumns(right.ds.columns);
    const onRightKey = rightAst.t === 'col' && rightKeys.length === 1 && scope.resolve(rightAst, 'JOIN ON').name === rightKeys[0]!.name;
    let stepKind: Step['kind'];
    if (right.ds.type === 'STREAM') {
      if (!clause.within) throw new KsqlStatementError('Stream-Stream joins must have a WITHIN clause specified. None was provided. To learn about how to specify a WITHIN clause with a stream-stream join, please visit: https://docs.confluent.io/current/ksql/docs/syntax-reference.html#create-stream-as-select');
      stepKind = 'stream-stream';
      if (!inClass || !onRightKey) repartition = true;
    } else if (kind === 'STREAM') {
      if (clause.within) throw new KsqlStatementError('A window definition was provided for a Stream-Table join. These joins are not windowed. Please drop the window definition (i.e. the WITHIN clause) and try to execute your Stream-Table join again.');
      if (clause.type !== 'INNER' && clause.type !== 'LEFT') throw new KsqlStatementError(`Invalid join type: ${clause.type} join is not supported by stream-table joins.`);
      if (!onRightKey) throw new KsqlStatementError(`Invalid join condition: stream-table joins require to join on the table's primary key. Got ${qualified(on.l, scope)} = ${qualified(on.r, scope)}.`);
      stepKind = 'stream-table';
      if (!inClass) repartition = true;
    } else {
      if (clause.within) throw new KsqlStatementError('A window definition was provided for a Table-Table join. These joins are not windowed. Please drop the window definition (i.e. the WITHIN clause) and try to execute your Table-Table join again.');
      if (!onRightKey) throw new KsqlStatementError(`Invalid join condition: table-table joins require to join on the primary key of the right input table. Got ${qualified(on.l, scope)} = ${qualified(on.r, scope)}.`);
      if (typeToString(leftKey.type) !== typeToString(rightKey.type)) {
        throw new KsqlStatementError(`Invalid join condition: types don't match. Got ${qualified(leftAst, scope)}{${typeToString(leftKey.type)}} = ${qualified(rightAst, scope)}{${typeToString(rightKey.type)}}.`);
      }
      stepKind = inClass ? 'table-pk' : 'table-fk';
      if (stepKind === 'table-fk' && i > 0) throw new KsqlStatementError(`Invalid join condition: foreign-key table-table joins are not supported as part of n-way joins. Got ${qualified(on.l, scope)} = ${qualified(on.r, scope)}.`);
      if (stepKind === 'table-fk' && (clause.type === 'RIGHT' || clause.type === 'FULL')) throw new KsqlStatementError(`${clause.type === 'RIGHT' ? 'RIGHT' : 'FULL'} OUTER JOIN on a foreign key is not supported`);
    }
    steps.push({ clause, right, kind: stepKind, leftKey, rightKey, leftAst, rightAst });
    const keyName = (ast: Expr) => (ast.t === 'col' ? `${scope.resolve(ast, 'JOIN ON').source}_${ast.name}` : 'KSQL_COL_0');
    stepInfo.push({ kind: stepKind, rekeyLeft: (stepKind === 'stream-stream' || stepKind === 'stream-table') && !inClass, rekeyRight: stepKind === 'stream-stream' && !onRightKey,
      leftKeyName: keyName(leftAst), rightKeyName: keyName(rightAst), keyType: leftKey.type });
    if (stepKind !== 'table-fk') coPartitioned.push([sides[0]!.ds, right.ds]);
    synthetic = clause.type === 'FULL' || (leftAst.t !== 'col' && rightAst.t !== 'col');
    if (stepKind === 'table-fk') foreignKeyed = true;
    else if (synthetic) { keyClass = []; foreignKeyed = false; }
    else { keyClass = inClass ? [...keyClass, rightAst] : [leftAst, rightAst]; foreignKeyed = false; }
    kind = stepKind === 'stream-stream' || stepKind === 'stream-table' ? 'STREAM' : 'TABLE';
  });

  return {
    sources: sides.map((s) => s.ds), kind, keyClass, synthetic, foreignKeyed, repartition, coPartitioned, keyType: steps[0]?.leftKey.type, joinSteps: stepInfo,
    build(onRow, onError, stores, taskOf) {
      // each side's rows name their columns `ALIAS_COLUMN`, as the join's scope does
      const readers = sides.map((s) => makeSourceReader(s.ds, `${s.alias}_`));
      // each side's join key in the first step it joins in (a repartition partitions by it)
      const sideKeys = sides.map((_s, i) => (i === 0 ? (steps[0] ? safe(steps[0].leftKey, onError) : undefined) : safe(steps[i - 1]!.rightKey, onError)));
      // the partition (task) of the record being processed: a join's output is that task's
      let task = 0;
      // (the event is the core's own, made for this emit: it is completed in place, not copied)
      const inTask = (e: JoinEvent): JoinEvent => { if (e.partition === undefined) e.partition = task; return e; };
      // a synthetic key is a column of the joined row, as ROWKEY
      const withRowKey: JoinEmit = (e) => { if (e.row !== null) e.row.ROWKEY = e.key[0]; onRow(inTask(e)); };
      // cores from the last step back, so each step's output feeds the next one's left input
      const cores: JoinCore[] = new Array(steps.length);
      for (let i = steps.length - 1; i >= 0; i--) {
        const step = steps[i]!;
        const next = i === steps.length - 1 ? withRowKey : (e: JoinEvent) => cores[i + 1]!.left(inTask(e));
        const spec = {
          type: step.clause.type, leftKey: safe(step.leftKey, onError), rightKey: safe(step.rightKey, onError),
          nullsL: nullRow(sides.slice(0, i + 1)), nullsR: nullRow([step.right]), stores, name: i === 0 ? '' : `step${i}-`, emit: next,
          joinRows: joinedRow(sides.slice(0, i + 1), step.right, i === steps.length - 1),
        };
        const w = step.clause.within;
        cores[i] = step.kind === 'stream-stream' ? streamStreamCore(spec, { before: w!.before.ms, after: w!.after.ms, grace: w!.grace?.ms })
          : step.kind === 'stream-table' ? streamTableCore(spec)
            : step.kind === 'table-pk' ? tablePrimaryKeyCore(spec) : tableForeignKeyCore(spec);
      }
      return {
        process(rec) {
          for (let i = 0; i < sides.length; i++) {
            const side = sides[i]!;
            if (rec.topic !== side.ds.topic) continue;
            let msg;
            try { msg = readers[i]!(rec); } catch (e) { onError(e); continue; }
            task = msg.partition ?? 0;
            const w = msg.window, session = side.ds.windowInfo?.type === 'SESSION';
            const ev: JoinEvent = { key: msg.key, row: msg.row, ts: msg.ts, headers: msg.headers, window: w ? (session ? [w.start, w.end] : [w.start]) : undefined, partition: msg.partition };
            // a join that repartitions joins each row in the task of its join key's partition of the
            // repartition topic: that task's stream time is the one the row moves and waits on
            const keyFn = repartition && taskOf && ev.row ? sideKeys[i] : undefined;
            if (keyFn) {
              const t = taskOf!(keyFn(ev.row!));
              if (t !== undefined) { task = t; ev.partition = t; }
            }
            if (i === 0) cores[0]!.left(ev); else cores[i - 1]!.right(ev);
          }
        },
      };
    },
  };
}


/**
 * Joins, two-way or n-way, projected: WHERE and the SELECT list run once on each joined row; a table
 * result goes through WHERE as a table filter.
 */
export function planJoin(q: Query, opts: PlanOptions, sides: Side[], scope: Scope, items: Items, names: string[], where: Compiled | undefined): QueryPlan {
  const input = planJoinInput(q, sides, scope);
  const { keyClass, synthetic, foreignKeyed } = input;
  const resultType = input.kind;
  const compiled = items.map((it) => compileExpr(it.expr, { scope, clause: 'SELECT' }));
  const byNull = partitionsByNull(q);
  const pb = q.partitionBy && !byNull ? q.partitionBy : undefined;
  if (q.partitionBy && resultType === 'TABLE') throw new KsqlStatementError('PARTITION BY is not supported for tables. Use GROUP BY instead.');
  // PARTITION BY on a join applies to the joined rows: its expressions become the key (NULL: no key)
  const partitioning = byNull ? [] : pb?.map((p) => compileExpr(p, { scope, clause: 'PARTITION BY' }));
  const keyIndexes = byNull ? [] : pb ? partitionKeyIndexes(items, scope, opts, pb)
    : foreignKeyed ? foreignKeyIndexes(items, scope, opts, sides[0]!) : [joinKeyIndex(items, scope, opts, { keyClass, synthetic })];
  const columns = items.map((it, i) => ({ name: names[i]!, type: projectedType(compiled[i]!.type, opts.persistent), isKey: keyIndexes.includes(i) }));
  // windowed sources join window to window: the result is windowed too, by the first side's window that is there
  const windowInfo = sides.every((s) => s.ds.windowInfo) ? sides[0]!.ds.windowInfo : undefined;
  const windowFields = windowInfo ? sides.map((s) => [`${s.alias}_WINDOWSTART`, `${s.alias}_WINDOWEND`] as const) : [];
  const windowOf = (row: Row | null): OutMsg['window'] => {
    for (const [start, end] of windowFields) if (row && typeof row[start] === 'number') return { start: row[start], end: row[end] as number };
    return undefined;
  };
  const plan: QueryPlan = {
    sources: input.sources, resultType, columns, keyIndexes, repartition: input.repartition, windowInfo, coPartitioned: input.coPartitioned, joinKeyType: input.keyType, joinSteps: input.joinSteps,
    build(emit, onError, stores) {
      const project = projector(compiled, onError, items.map((it) => it.expr), names);
      const whereFn = where ? safe(where, onError) : undefined;
      const emitted = stores<boolean>('join-emitted');
      const keyFns = partitioning?.map((c) => safe(c, onError));
      const keyOf = (e: JoinEvent): unknown[] => (keyFns && e.row ? keyFns.map((f) => f(e.row!) ?? null) : foreignKeyed ? e.key : [e.key[0]]);
      const out = (e: JoinEvent, values: unknown[] | null): OutMsg => ({ key: keyOf(e), values, ts: e.ts, headers: e.headers, window: windowOf(e.row) });
      const finish: JoinEmit = (e) => {
        const row = e.row;
        const passes = row !== null && (!whereFn || whereFn(row) === true);
        if (resultType === 'STREAM') { if (passes) emit(out(e, project(row!))); return; }
        // a table result goes through WHERE as a table filter: a row that stops passing is retracted
        const k = keyString(e.key);
        if (!passes) { if ((row === null && !whereFn) || emitted.delete(k)) emit(out(e, null)); return; }
        if (!emitted.has(k)) emitted.put(k, true);
        emit(out(e, project(row!)));
      };
      return input.build(finish, onError, stores, (k) => plan.joinPartition?.(k));
    },
  };
  return plan;
}

/** The projection items that are a join's PARTITION BY expressions; a persistent query must select each. */
function partitionKeyIndexes(items: Extract<SelectItem, { t: 'expr' }>[], scope: Scope, opts: PlanOptions, pb: Expr[]): number[] {
  const norms = items.map((it) => normalize(it.expr, scope));
  const indexes = pb.map((p) => norms.indexOf(normalize(p, scope)));
  if (opts.persistent && indexes.some((i) => i < 0)) throw keyMissing(opts.sinkName ?? '', 'partitioning expression', pb.map((p) => formatExpr(qualifiedInJoin(p, scope))));
  return indexes.filter((i) => i >= 0);
}

/** The row of a join step: the fields of the sources joined so far, then the new source's; the last step leaves room for ROWKEY. */
function joinedRow(left: Side[], right: Side, last: boolean): (a: Row, b: Row) => Row {
  const parts = [
    ...left.flatMap((s) => sideCols(s, true)).map((c) => ({ from: 0 as const, field: c.field, as: c.field })),
    ...sideCols(right, true).map((c) => ({ from: 1 as const, field: c.field, as: c.field })),
  ];
  if (last) parts.push({ from: 0, field: 'ROWKEY', as: 'ROWKEY' });
  const build = rowBuilder(parts);
  return (a, b) => build(a, b);
}

const nullRow = (sides: Side[]): Row => Object.fromEntries(sides.flatMap((s) => sideCols(s, true)).map((c) => [c.field, null]));

/** A foreign-key join's result is keyed by the left table's primary key: every column of it must be selected. */
function foreignKeyIndexes(items: Items, scope: Scope, opts: PlanOptions, left: Side): number[] {
  const norms = items.map((it) => normalize(it.expr, scope));
  const keys = keyColumns(left.ds.columns);
  const indexes = keys.map((k) => norms.indexOf(normalize({ t: 'col', source: left.alias, name: k.name, pos: { line: 0, col: 0 } }, scope)));
  const missing = keys.filter((_k, i) => indexes[i]! < 0).map((k) => `\`${k.name}\``);
  if (opts.persistent && missing.length) {
    const s = missing.length > 1 ? 's' : '';
    throw new KsqlStatementError(`Primary key column${s} missing in projection. For foreign-key table-table joins, the projection must include all primary key columns from the left input table (\`${left.alias}\`). Missing column${s}: ${missing.join(', ')}.`);
  }
  return indexes;
}

/** Column references in an expression (not inside lambdas' own variables). */
function columnRefs(e: Expr, out: Extract<Expr, { t: 'col' }>[] = []): Extract<Expr, { t: 'col' }>[] {
  if (e.t === 'col') { out.push(e); return out; }
  for (const v of Object.values(e)) {
    if (v && typeof v === 'object' && 't' in (v as object)) columnRefs(v as Expr, out);
    else if (Array.isArray(v)) for (const i of v) if (i && typeof i === 'object' && 't' in i) columnRefs(i as Expr, out);
  }
  return out;
}

/** The checks ksqlDB makes on any join before planning it, with its messages. */
function validateJoin(j: Query['joins'][number], l: Side, r: Side, scope: Scope, all: Side[] = [l, r]): void {
  if (l.ds.name === r.ds.name) throw new KsqlStatementError(`Can not join '${l.ds.name}' to '${r.ds.name}': self joins are not yet supported.`);
  const on = j.on;
  if (on.t === 'and' || on.t === 'or') throw new KsqlStatementError(`Invalid join condition: joins on multiple conditions are not yet supported. Got ${formatExpr(on)}.`);
  if (on.t !== 'cmp' || on.op !== '=') throw new KsqlStatementError(`Unsupported join expression: ${formatExpr(on)}`);
  for (const side of [on.l, on.r]) {
    const sources = new Set<string>();
    for (const c of columnRefs(side)) {
      try { sources.add(scope.resolve(c, 'JOIN ON').source ?? ''); } catch (e) {
        if (e instanceof KsqlStatementError && /is ambiguous/.test(e.message)) throw new KsqlStatementError(`Exception while preparing statement: ${e.message}`);
        throw e;
      }
    }
    if (sources.size !== 1) throw new KsqlStatementError(`Invalid comparison expression '${formatExpr(side)}' in join '${formatExpr(on)}'. Each side of the join comparision must contain references from exactly one source.`);
  }
  const kafka = [l, r].filter((s) => s.ds.valueFormat.format === 'KAFKA').map((s) => s.ds.name);
  if (kafka.length) throw new KsqlStatementError(`Source(s) ${kafka.join(', ')} are using the 'KAFKA' value format. This format does not yet support JOIN.`);
  const lw = l.ds.windowInfo, rw = r.ds.windowInfo;
  if (!!lw !== !!rw) {
    const desc = (s: Side) => `\`${s.ds.name}\` is ${s.ds.windowInfo ? `${s.ds.windowInfo.type} windowed` : 'not windowed'}`;
    throw new KsqlStatementError(`Can not join windowed source to non-windowed source.\n${desc(l)}\n${desc(r)}`);
  }
  if (lw && rw) {
    // a windowed source is only joined on its key: its windows would not survive a repartition
    const onKey = (e: Expr) => {
      if (e.t !== 'col') return false;
      const c = scope.resolve(e, 'JOIN ON');
      const side = all.find((s) => s.alias === c.source);
      return side?.ds.columns.some((k) => k.ns === 'KEY' && k.name === e.name) === true;
    };
    if (!onKey(on.l) || !onKey(on.r)) {
      const tables = l.ds.type === 'TABLE' && r.ds.type === 'TABLE';
      throw new KsqlStatementError(tables ? 'Foreign-key table-table joins are not supported on windowed tables.' : 'Implicit repartitioning of windowed sources is not supported. See https://github.com/confluentinc/ksql/issues/4385.');
    }
    if ((lw.type === 'SESSION') !== (rw.type === 'SESSION')) {
      throw new KsqlStatementError(`Incompatible windowed sources.\nLeft source: ${lw.type}\nRight source: ${rw.type}\nSession windowed sources can only be joined to other session windowed sources, and may still not result in expected behaviour as session bounds must be an exact match for the join to work\nHopping and tumbling windowed sources can only be joined to other hopping and tumbling windowed sources`);
    }
  }
  for (const side of [on.l, on.r]) {
    const c = side.t === 'col' ? scope.resolve(side, 'JOIN ON') : undefined;
    if (c && containsMap(c.type)) throw new KsqlStatementError(`Map keys, including types that contain maps, are not supported as they may lead to unexpected behavior due to inconsistent serialization. Key column name: \`${c.field}\`. Column type: ${typeToString(c.type)}. See https://github.com/confluentinc/ksql/issues/6621 for more.`);
  }
}

