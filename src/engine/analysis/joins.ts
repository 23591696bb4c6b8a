import type { Expr, Query, SelectItem } from '../sql/ast.js';
import { T, typeToString, containsMap } from '../sql/types.js';
import { keyColumns } from '../catalog/schema.js';
import type { Header } from '../storage/topics.js';
import { compileExpr, type Compiled, type Row, type Scope } from './compile.js';
import { KsqlStatementError } from './errors.js';
import { formatExpr } from './format.js';
import { makeSourceReader, type SourceMsg } from './source-reader.js';
import { keyString } from '../functions/values.js';
import { joinKeyIndex, normalize, prefix, safe, sideCols, type Side } from './plan-util.js';
import type { PlanOptions, QueryPlan } from './planner.js';
import { planTableTableJoin } from './table-join.js';

export function planJoin(q: Query, opts: PlanOptions, sides: Side[], scope: Scope, items: Extract<SelectItem, { t: 'expr' }>[], names: string[], where: Compiled | undefined): QueryPlan {
  if (sides.length !== 2) throw new KsqlStatementError('The local server supports joins of two sources only');
  const [l, r] = sides as [Side, Side];
  const j = q.joins[0]!;
  validateJoin(j, l, r, scope);
  if (l.ds.type === 'STREAM' && r.ds.type === 'STREAM') return planStreamStreamJoin(q, opts, l, r, scope, items, names, where);
  if (l.ds.type === 'TABLE' && r.ds.type === 'TABLE') return planTableTableJoin(q, opts, l, r, scope, items, names, where);
  if (!(l.ds.type === 'STREAM' && r.ds.type === 'TABLE')) {
    throw new KsqlStatementError(`The local server does not support ${l.ds.type.toLowerCase()}-${r.ds.type.toLowerCase()} joins yet`);
  }
  if (j.within) throw new KsqlStatementError('A window definition was provided for a Stream-Table join. These joins are not windowed. Please drop the window definition (i.e. the WITHIN clause) and try to execute your Stream-Table join again.');
  if (j.type !== 'INNER' && j.type !== 'LEFT') throw new KsqlStatementError(`Invalid join type: ${j.type} join is not supported by stream-table joins.`);
  const on = j.on;
  if (on.t !== 'cmp' || on.op !== '=') throw new KsqlStatementError(`Unsupported join expression: ${formatExpr(on)}`);
  const a = compileExpr(on.l, { scope, clause: 'JOIN ON' }), b = compileExpr(on.r, { scope, clause: 'JOIN ON' });
  const refersTo = (e: Expr, alias: string) => e.t === 'col' && scope.resolve(e, 'JOIN ON').source === alias;
  const leftExpr = refersTo(on.l, r.alias) ? b : a, rightExprAst = refersTo(on.l, r.alias) ? on.l : on.r;
  const leftExprAst = refersTo(on.l, r.alias) ? on.r : on.l;
  const rightKeys = keyColumns(r.ds.columns);
  if (rightKeys.length !== 1 || rightExprAst.t !== 'col' || scope.resolve(rightExprAst, 'JOIN ON').field !== `${r.alias}_${rightKeys[0]!.name}`) {
    throw new KsqlStatementError(`Cannot repartition a TABLE source. If this is a join, make sure that the criteria uses the TABLE's key column ${rightKeys.map((k) => k.name).join(', ')} instead of ${formatExpr(rightExprAst)}`);
  }
  const compiled = items.map((it) => compileExpr(it.expr, { scope, clause: 'SELECT' }));
  const firstKey = joinKeyIndex(items, scope, opts, { type: j.type, leftAst: leftExprAst, rightAst: rightExprAst, synthetic: false });
  const isKey = items.map((_it, i) => i === firstKey);
  const columns = items.map((it, i) => ({ name: names[i]!, type: compiled[i]!.type.kind === 'NULL' ? T.STRING : compiled[i]!.type, isKey: isKey[i]! }));
  const leftKeys = keyColumns(l.ds.columns);
  const repartition = !(leftExprAst.t === 'col' && leftKeys.length === 1 && scope.resolve(leftExprAst, 'JOIN ON').field === `${l.alias}_${leftKeys[0]!.name}`);
  const rightCols = sideCols(r, true);
  return {
    sources: [l.ds, r.ds], resultType: 'STREAM', columns, keyIndexes: [firstKey], repartition,
    build(emit, onError, stores) {
      const readL = makeSourceReader(l.ds), readR = makeSourceReader(r.ds);
      const table = stores<Row>('join-table');
      const fns = compiled.map((c) => safe(c, onError));
      const whereFn = where ? safe(where, onError) : undefined;
      const leftKeyFn = safe(leftExpr, onError);
      return {
        process(rec) {
          let msg: SourceMsg;
          if (rec.topic === r.ds.topic && !(rec.topic === l.ds.topic && false)) {
            try { msg = readR(rec); } catch (e) { onError(e); return; }
            if (msg.key.some((k) => k === null)) return;
            const k = keyString(msg.key);
            if (msg.row === null) table.delete(k); else table.put(k, prefix(r.alias, msg.row));
            return;
          }
          try { msg = readL(rec); } catch (e) { onError(e); return; }
          if (msg.row === null) return;
          const lrow = prefix(l.alias, msg.row);
          const jk = leftKeyFn(lrow);
          if (jk === null || jk === undefined) { if (j.type === 'INNER') return; }
          const match = jk == null ? undefined : table.get(keyString([jk]));
          if (!match && j.type === 'INNER') return;
          const row: Row = match ? { ...lrow, ...match } : { ...lrow };
          if (!match) for (const c of rightCols) row[c.field] = null;
          if (whereFn && whereFn(row) !== true) return;
          const values = fns.map((f) => f(row));
          emit({ key: [jk ?? null], values, ts: msg.ts, headers: msg.headers });
        },
      };
    },
  };
}

/**
 * Stream-stream joins: each side buffers its records per join key; an arriving record joins the
 * other side's records within WITHIN (before, after) and the row is stamped with the larger time.
 * LEFT/RIGHT without GRACE emit the null-padded row at once; with GRACE, when the window has closed
 * without a match.
 */
function planStreamStreamJoin(q: Query, opts: PlanOptions, l: Side, r: Side, scope: Scope, items: Extract<SelectItem, { t: 'expr' }>[], names: string[], where: Compiled | undefined): QueryPlan {
  const j = q.joins[0]!;
  if (!j.within) {
    throw new KsqlStatementError('Stream-Stream joins must have a WITHIN clause specified. None was provided. To learn about how to specify a WITHIN clause with a stream-stream join, please visit: https://docs.confluent.io/current/ksql/docs/syntax-reference.html#create-stream-as-select');
  }
  const on = j.on;
  if (on.t !== 'cmp' || on.op !== '=') throw new KsqlStatementError(`Unsupported join expression: ${formatExpr(on)}`);
  const sideOf = (e: Expr): string | undefined => { try { return e.t === 'col' ? scope.resolve(e, 'JOIN ON').source : undefined; } catch { return undefined; } };
  const swap = sideOf(on.l) === r.alias || sideOf(on.r) === l.alias;
  const leftAst = swap ? on.r : on.l, rightAst = swap ? on.l : on.r;
  const lk = compileExpr(leftAst, { scope, clause: 'JOIN ON' }), rk = compileExpr(rightAst, { scope, clause: 'JOIN ON' });
  const compiled = items.map((it) => compileExpr(it.expr, { scope, clause: 'SELECT' }));
  const synthetic = j.type === 'FULL' || (leftAst.t !== 'col' && rightAst.t !== 'col');
  const firstKey = joinKeyIndex(items, scope, opts, { type: j.type, leftAst, rightAst, synthetic });
  const isKey = items.map((_it, i) => i === firstKey);
  const columns = items.map((it, i) => ({ name: names[i]!, type: compiled[i]!.type.kind === 'NULL' ? T.STRING : compiled[i]!.type, isKey: isKey[i]! }));
  const before = j.within.before.ms, after = j.within.after.ms;
  const grace = j.within.grace?.ms;
  const nulls = (side: Side): Row => Object.fromEntries(sideCols(side, true).map((c) => [c.field, null]));
  const leftKeys = keyColumns(l.ds.columns), rightKeys = keyColumns(r.ds.columns);
  const onKey = (ast: Expr, side: Side, keys: typeof leftKeys) => ast.t === 'col' && keys.length === 1 && normalize(ast, scope) === normalize({ t: 'col', source: side.alias, name: keys[0]!.name, pos: ast.pos }, scope);
  const repartition = !onKey(leftAst, l, leftKeys) || !onKey(rightAst, r, rightKeys);
  interface Buffered { row: Row; ts: number; matched: boolean; emitted: boolean }
  return {
    sources: [l.ds, r.ds], resultType: 'STREAM', columns, keyIndexes: [firstKey], repartition,
    build(emit, onError, stores) {
      const readL = makeSourceReader(l.ds), readR = makeSourceReader(r.ds);
      const buffers = { L: stores<Buffered[]>('join-left'), R: stores<Buffered[]>('join-right') };
      const time = stores<number>('stream-time');
      const fns = compiled.map((c) => safe(c, onError));
      const whereFn = where ? safe(where, onError) : undefined;
      const lkFn = safe(lk, onError), rkFn = safe(rk, onError);
      const outers = new Set<'L' | 'R'>(j.type === 'LEFT' ? ['L'] : j.type === 'RIGHT' ? ['R'] : j.type === 'FULL' ? ['L', 'R'] : []);
      // records older than the window and its grace are gone from the join's window stores
      const retention = before + after + (grace ?? DEFAULT_GRACE_MS);
      const out = (row: Row, key: unknown, ts: number, headers: Header[]) => {
        row.ROWKEY = key;
        if (whereFn && whereFn(row) !== true) return;
        emit({ key: [key], values: fns.map((f) => f(row)), ts, headers });
      };
      const padded = (side: 'L' | 'R', row: Row): Row => (side === 'L' ? { ...row, ...nulls(r) } : { ...nulls(l), ...row });
      /** The window of a record on one side closes `after` (left) or `before` (right) past its time. */
      const closes = (side: 'L' | 'R', ts: number) => ts + (side === 'L' ? after : before);
      let expiredUpTo = -Infinity;
      const expire = (now: number, headers: Header[]) => {
        if (now === expiredUpTo) return;
        expiredUpTo = now;
        // unmatched outer records whose window and grace have passed, oldest first, as Kafka Streams' outer store emits them
        const due: { side: 'L' | 'R'; k: string; b: Buffered }[] = [];
        for (const side of ['L', 'R'] as const) {
          const store = buffers[side];
          for (const [k, list] of [...store.entries()]) {
            if (outers.has(side) && grace !== undefined) for (const b of list) if (!b.matched && !b.emitted && now > closes(side, b.ts) + grace) due.push({ side, k, b });
            const kept = list.filter((b) => b.ts >= now - retention || (outers.has(side) && !b.matched && !b.emitted));
            if (kept.length === 0) store.delete(k); else if (kept.length !== list.length) store.put(k, kept);
          }
        }
        due.sort((x, y) => x.b.ts - y.b.ts);
        for (const d of due) {
          d.b.emitted = true;
          out(padded(d.side, d.b.row), JSON.parse(d.k)[0], d.b.ts, headers);
          const list = buffers[d.side].get(d.k);
          if (list) buffers[d.side].put(d.k, list.filter((b) => b.ts >= now - retention));
        }
      };
      return {
        process(rec) {
          const isLeft = rec.topic === l.ds.topic;
          const side = isLeft ? 'L' : 'R';
          let msg: SourceMsg;
          try { msg = (isLeft ? readL : readR)(rec); } catch (e) { onError(e); return; }
          if (msg.row === null) return;
          const row = prefix(isLeft ? l.alias : r.alias, msg.row);
          const jk = (isLeft ? lkFn : rkFn)(row);
          if (jk === null || jk === undefined) return;
          const k = keyString([jk]);
          const now = Math.max(time.get('t') ?? -Infinity, msg.ts);
          time.put('t', now);
          const mine = isLeft ? buffers.L : buffers.R, theirs = isLeft ? buffers.R : buffers.L;
          const entry: Buffered = { row, ts: msg.ts, matched: false, emitted: false };
          const from = msg.ts - (isLeft ? before : after), to = msg.ts + (isLeft ? after : before);
          const matches = (theirs.get(k) ?? []).filter((b) => b.ts >= from && b.ts <= to && b.ts >= now - retention);
          for (const m of matches) {
            entry.matched = true;
            if (!m.matched) { m.matched = true; theirs.put(k, theirs.get(k)!); }
            out(isLeft ? { ...row, ...m.row } : { ...m.row, ...row }, jk, Math.max(msg.ts, m.ts), msg.headers);
          }
          if (!entry.matched && outers.has(side) && (grace === undefined || to < now)) {
            // no grace (the old behaviour), or a window that has already closed: the padded row goes out now
            entry.emitted = true;
            out(padded(side, row), jk, msg.ts, msg.headers);
          }
          if (msg.ts >= now - retention) mine.put(k, [...(mine.get(k) ?? []), entry]);
          expire(now, msg.headers);
        },
      };
    },
  };
}

/** The grace a join window keeps when the statement gives none (ksqlDB's 24 hours). */
const DEFAULT_GRACE_MS = 86_400_000;

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
function validateJoin(j: Query['joins'][number], l: Side, r: Side, scope: Scope): void {
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
  if (lw && rw && lw.type !== rw.type) throw new KsqlStatementError(`Incompatible windowed sources.\nLeft source: ${lw.type}\nRight source: ${rw.type}`);
  for (const side of [on.l, on.r]) {
    const c = side.t === 'col' ? scope.resolve(side, 'JOIN ON') : undefined;
    if (c && containsMap(c.type)) throw new KsqlStatementError(`Map keys, including types that contain maps, are not supported as they may lead to unexpected behavior due to inconsistent serialization. Key column name: \`${c.field}\`. Column type: ${typeToString(c.type)}. See https://github.com/confluentinc/ksql/issues/6621 for more.`);
  }
}

