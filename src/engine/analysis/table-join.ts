import type { Expr, Query, SelectItem } from '../sql/ast.js';
import { T, typeToString } from '../sql/types.js';
import { keyColumns } from '../catalog/schema.js';
import { compileExpr, type Compiled, type Row, type Scope } from './compile.js';
import { KsqlStatementError } from './errors.js';
import { formatExpr } from './format.js';
import { makeSourceReader, type SourceMsg } from './source-reader.js';
import { keyString } from '../functions/values.js';
import { joinKeyIndex, normalize, prefix, safe, sideCols, type Side } from './plan-util.js';
import type { OutMsg, PlanOptions, QueryPlan } from './planner.js';

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

interface Stored { row: Row; ts: number }
type Items = Extract<SelectItem, { t: 'expr' }>[];

/**
 * Table-table joins, as Kafka Streams joins two KTables. On the primary key (INNER, LEFT, RIGHT,
 * FULL OUTER): an update on one side joins the other side's current row for the key and is stamped
 * with the later of the two times. On a foreign key (INNER, LEFT): the left table's column or
 * expression names the right table's key; results are keyed by the left table's key and are redone
 * for every left row that refers to a right key when that right row changes.
 */
export function planTableTableJoin(q: Query, opts: PlanOptions, l: Side, r: Side, scope: Scope, items: Items, names: string[], where: Compiled | undefined): QueryPlan {
  const j = q.joins[0]!;
  if (j.within) throw new KsqlStatementError('A window definition was provided for a Table-Table join. These joins are not windowed. Please drop the window definition (i.e. the WITHIN clause) and try to execute your Table-Table join again.');
  const on = j.on;
  const sideOf = (e: Expr): string | undefined => { try { return e.t === 'col' ? scope.resolve(e, 'JOIN ON').source : undefined; } catch { return undefined; } };
  const swap = sideOf(on.t === 'cmp' ? on.l : on) === r.alias;
  if (on.t !== 'cmp' || on.op !== '=') throw new KsqlStatementError(`Unsupported join expression: ${formatExpr(on)}`);
  const leftAst = swap ? on.r : on.l, rightAst = swap ? on.l : on.r;
  const lk = compileExpr(leftAst, { scope, clause: 'JOIN ON' }), rk = compileExpr(rightAst, { scope, clause: 'JOIN ON' });
  const rightKeys = keyColumns(r.ds.columns), leftKeys = keyColumns(l.ds.columns);
  const isColOf = (e: Expr, side: Side, name: string) => e.t === 'col' && (() => { try { const c = scope.resolve(e, 'JOIN ON'); return c.source === side.alias && c.name === name; } catch { return false; } })();
  if (rightKeys.length !== 1 || !isColOf(rightAst, r, rightKeys[0]!.name)) {
    throw new KsqlStatementError(`Invalid join condition: table-table joins require to join on the primary key of the right input table. Got ${qualified(on.l, scope)} = ${qualified(on.r, scope)}.`);
  }
  if (typeToString(lk.type) !== typeToString(rk.type)) {
    throw new KsqlStatementError(`Invalid join condition: types don't match. Got ${qualified(leftAst, scope)}{${typeToString(lk.type)}} = ${qualified(rightAst, scope)}{${typeToString(rk.type)}}.`);
  }
  const foreign = !(leftKeys.length === 1 && isColOf(leftAst, l, leftKeys[0]!.name));
  if (foreign && (j.type === 'RIGHT' || j.type === 'FULL')) throw new KsqlStatementError(`${j.type === 'RIGHT' ? 'RIGHT' : 'FULL'} OUTER JOIN on a foreign key is not supported`);

  const compiled = items.map((it) => compileExpr(it.expr, { scope, clause: 'SELECT' }));
  const norms = items.map((it) => normalize(it.expr, scope));
  let isKey: boolean[], keyIndexes: number[];
  if (foreign) {
    // the result is keyed by the left table's primary key, every column of it
    keyIndexes = leftKeys.map((k) => norms.indexOf(normalize({ t: 'col', source: l.alias, name: k.name, pos: { line: 0, col: 0 } }, scope)));
    const missing = leftKeys.filter((_k, i) => keyIndexes[i]! < 0).map((k) => `\`${k.name}\``);
    if (opts.persistent && missing.length) {
      const s = missing.length > 1 ? 's' : '';
      throw new KsqlStatementError(`Primary key column${s} missing in projection. For foreign-key table-table joins, the projection must include all primary key columns from the left input table (\`${l.alias}\`). Missing column${s}: ${missing.join(', ')}.`);
    }
    isKey = items.map((_it, i) => keyIndexes.includes(i));
  } else {
    const first = joinKeyIndex(items, scope, opts, { type: j.type, leftAst, rightAst, synthetic: j.type === 'FULL' });
    keyIndexes = [first];
    isKey = items.map((_it, i) => i === first);
  }
  const columns = items.map((it, i) => ({ name: names[i]!, type: compiled[i]!.type.kind === 'NULL' ? T.STRING : compiled[i]!.type, isKey: isKey[i]! }));

  return {
    sources: [l.ds, r.ds], resultType: 'TABLE', columns, keyIndexes, repartition: false,
    build(emit, onError, stores) {
      const readL = makeSourceReader(l.ds), readR = makeSourceReader(r.ds);
      const left = stores<Stored>('join-left'), right = stores<Stored>('join-right');
      const byForeignKey = stores<string[]>('join-fk-index');
      const emitted = stores<boolean>('join-emitted');
      const fns = compiled.map((c) => safe(c, onError));
      const whereFn = where ? safe(where, onError) : undefined;
      const lkFn = safe(lk, onError);
      const nullsL: Row = Object.fromEntries(sideCols(l, true).map((c) => [c.field, null]));
      const nullsR: Row = Object.fromEntries(sideCols(r, true).map((c) => [c.field, null]));

      /** Emits the joined row for an output key, or a tombstone (null), through the WHERE filter as a table filter does. */
      const out = (key: unknown[], row: Row | null, ts: number, headers: OutMsg['headers'], always: boolean) => {
        const k = keyString(key);
        if (row !== null && whereFn && whereFn(row) !== true) row = null;
        if (row === null) {
          if (emitted.delete(k) || (always && !whereFn)) emit({ key, values: null, ts, headers });
          return;
        }
        if (!emitted.has(k)) emitted.put(k, true);
        row.ROWKEY = key[0];
        emit({ key: foreign ? key : [key[0]], values: fns.map((f) => f(row!)), ts, headers });
      };

      const primary = (isLeft: boolean, msg: SourceMsg, k: string) => {
        const mine = isLeft ? left : right, theirs = isLeft ? right : left;
        const now = msg.row === null ? null : prefix(isLeft ? l.alias : r.alias, msg.row);
        if (now === null) mine.delete(k); else mine.put(k, { row: now, ts: msg.ts });
        const other = theirs.get(k);
        const ts = other ? Math.max(msg.ts, other.ts) : msg.ts;
        const lRow = isLeft ? now : other?.row ?? null, rRow = isLeft ? other?.row ?? null : now;
        const result = (a: Row | null, b: Row | null): Row => ({ ...(a ?? nullsL), ...(b ?? nullsR) });
        // the side whose absence means no result (Kafka Streams forwards nothing then)
        const required = j.type === 'INNER' ? 'both' : j.type === 'LEFT' ? 'L' : j.type === 'RIGHT' ? 'R' : 'none';
        if (!other && (required === 'both' || required === (isLeft ? 'R' : 'L'))) return;
        const present = required === 'L' ? lRow : required === 'R' ? rRow : required === 'both' ? lRow && rRow : lRow || rRow;
        out(msg.key, present ? result(lRow, rRow) : null, ts, msg.headers, true);
      };

      const foreignLeft = (msg: SourceMsg, k: string) => {
        const prev = left.get(k);
        const prevFk = prev ? keyString([lkFn(prev.row)]) : undefined;
        const now = msg.row === null ? null : prefix(l.alias, msg.row);
        const fkValue = now ? lkFn(now) : null;
        const fk = fkValue === null || fkValue === undefined ? undefined : keyString([fkValue]);
        if (prevFk !== undefined && prevFk !== fk) byForeignKey.put(prevFk, (byForeignKey.get(prevFk) ?? []).filter((x) => x !== k));
        if (now === null) { left.delete(k); out(msg.key, null, msg.ts, msg.headers, true); return; }
        left.put(k, { row: now, ts: msg.ts });
        if (fk !== undefined && prevFk !== fk) byForeignKey.put(fk, [...(byForeignKey.get(fk) ?? []), k]);
        const match = fk === undefined ? undefined : right.get(fk);
        if (match) out(msg.key, { ...now, ...match.row }, msg.ts, msg.headers, true);
        else if (j.type === 'LEFT') out(msg.key, { ...now, ...nullsR }, msg.ts, msg.headers, true);
        else out(msg.key, null, msg.ts, msg.headers, false);
      };

      const foreignRight = (msg: SourceMsg, k: string) => {
        const now = msg.row === null ? null : prefix(r.alias, msg.row);
        if (now === null) right.delete(k); else right.put(k, { row: now, ts: msg.ts });
        for (const lkey of byForeignKey.get(k) ?? []) {
          const lrow = left.get(lkey);
          if (!lrow) continue;
          const key = JSON.parse(lkey) as unknown[];
          if (now) out(key, { ...lrow.row, ...now }, msg.ts, msg.headers, true);
          else if (j.type === 'LEFT') out(key, { ...lrow.row, ...nullsR }, msg.ts, msg.headers, true);
          else out(key, null, msg.ts, msg.headers, true);
        }
      };

      return {
        process(rec) {
          const isLeft = rec.topic === l.ds.topic;
          let msg: SourceMsg;
          try { msg = (isLeft ? readL : readR)(rec); } catch (e) { onError(e); return; }
          if (msg.key.some((x) => x === null)) return;
          const k = keyString(msg.key);
          if (!foreign) primary(isLeft, msg, k);
          else if (isLeft) foreignLeft(msg, k);
          else foreignRight(msg, k);
        },
      };
    },
  };
}
