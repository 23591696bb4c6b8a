import type { Expr, Query, SelectItem } from '../sql/ast.js';
import { getAggregate } from '../functions/aggregate.js';
import { KsqlStatementError } from './errors.js';
import { columnRefs } from './expr-walk.js';
import { formatExpr } from './format.js';

// The checks a query with aggregates goes through before it is planned, with ksqlDB's messages.

/** The aggregate calls in an expression (not looking inside them). */
export function collectAggregates(e: Expr | undefined, out: Extract<Expr, { t: 'call' }>[]): void {
  if (!e) return;
  if (e.t === 'call' && getAggregate(e.name)) { out.push(e); return; }
  for (const v of Object.values(e)) {
    if (v && typeof v === 'object' && 't' in (v as object)) collectAggregates(v as Expr, out);
    else if (Array.isArray(v)) for (const i of v) {
      if (i && typeof i === 'object' && 't' in i) collectAggregates(i as Expr, out);
      else if (i && typeof i === 'object') for (const w of Object.values(i)) if (w && typeof w === 'object' && 't' in (w as object)) collectAggregates(w as Expr, out);
    }
  }
}

const WINDOW_BOUNDS = new Set(['WINDOWSTART', 'WINDOWEND']);

/** A windowed aggregation knows its window only on output: bounds may be selected, not aggregated, grouped or filtered on. */
export function checkWindowBounds(q: Query, items: Extract<SelectItem, { t: 'expr' }>[]): void {
  const aggArgs = items.flatMap((it) => { const calls: Extract<Expr, { t: 'call' }>[] = []; collectAggregates(it.expr, calls); return calls; });
  const refs = [
    ...aggArgs.flatMap((c) => c.args.flatMap((a) => columnRefs(a))),
    ...(q.groupBy ?? []).flatMap((g) => columnRefs(g)),
    ...(q.having ? columnRefs(q.having) : []),
  ];
  const bound = refs.find((r) => !r.source && WINDOW_BOUNDS.has(r.name));
  if (bound) throw new KsqlStatementError(`Window bounds column ${bound.name} can only be used in the SELECT clause of windowed aggregations`);
}

/** A windowed aggregate over a join cannot select its window bounds in ksqlDB (its issue 5931). */
export function checkJoinWindowBounds(items: Extract<SelectItem, { t: 'expr' }>[]): void {
  const bound = items.flatMap((it) => columnRefs(it.expr)).find((r) => !r.source && WINDOW_BOUNDS.has(r.name));
  if (bound) throw new KsqlStatementError(`SELECT column '${bound.name}' cannot be resolved.`);
}

/** Aggregates whose running state is a struct, array or map (ksqlDB's intermediate types). */
export const STRUCTURED_STATE = new Set(['ATTR', 'AVG', 'TOPK', 'TOPKDISTINCT', 'COLLECT_LIST', 'COLLECT_SET', 'HISTOGRAM', 'STDDEV_SAMP', 'STDDEV_SAMPLE', 'CORRELATION', 'LATEST_BY_OFFSET', 'EARLIEST_BY_OFFSET', 'COUNT_DISTINCT']);

export const nonAggregateSelect = (exprs: Expr[]) => new KsqlStatementError(`Non-aggregate SELECT expression(s) not part of GROUP BY: ${exprs.map(formatExpr).join(', ')}\nEither add the column(s) to the GROUP BY or remove them from the SELECT.`);

/**
 * WINDOW without GROUP BY. ksqlDB analyses a query's aggregates before it plans the WINDOW, so with
 * aggregates, a SELECT expression reading columns outside them fails first (the GROUP BY is empty).
 */
export function windowWithoutGroupBy(q: Query): KsqlStatementError {
  const exprs = q.items.flatMap((it) => (it.t === 'expr' ? [it.expr] : []));
  const aggCalls: Extract<Expr, { t: 'call' }>[] = [];
  for (const e of [...exprs, q.having]) collectAggregates(e, aggCalls);
  const loose = looseSelectExprs(q);
  if (aggCalls.length && loose.length) return nonAggregateSelect(loose);
  return new KsqlStatementError('WINDOW clause requires a GROUP BY clause.');
}

/** SELECT expressions that read columns outside any aggregate. */
export function looseSelectExprs(q: Query): Expr[] {
  const exprs = q.items.flatMap((it) => (it.t === 'expr' ? [it.expr] : []));
  return exprs.filter((e) => { const inner: Extract<Expr, { t: 'call' }>[] = []; collectAggregates(e, inner); return inner.length === 0 && hasColumnRefs(e); });
}

/** Aggregates without GROUP BY: a loose SELECT column is named first; a persistent query cannot have one group. */
export function aggregateWithoutGroupBy(q: Query, opts: { persistent: boolean; statement?: string }, aggCalls: Extract<Expr, { t: 'call' }>[]): KsqlStatementError {
  const loose = looseSelectExprs(q);
  if (loose.length) return nonAggregateSelect(loose);
  if (opts.persistent && opts.statement) {
    // COUNT(*) is COUNT(ROWTIME) by the time ksqlDB names it
    const named = aggCalls.map((c) => (c.args.length === 0 ? `${c.name.toUpperCase()}(ROWTIME)` : formatExpr(c)));
    return new KsqlStatementError(`${opts.statement} statement does not support aggregate function [${named.join(', ')}] without a GROUP BY clause.`);
  }
  return new KsqlStatementError(`Use of aggregate function ${aggCalls[0]!.name} requires a GROUP BY clause.`);
}

export function hasColumnRefs(e: Expr): boolean {
  if (e.t === 'col') return true;
  return Object.values(e).some((v) => (v && typeof v === 'object' && 't' in (v as object) && hasColumnRefs(v as Expr)) ||
    (Array.isArray(v) && v.some((i) => i && typeof i === 'object' && ('t' in i ? hasColumnRefs(i as Expr) : Object.values(i).some((w) => w && typeof w === 'object' && 't' in (w as object) && hasColumnRefs(w as Expr))))));
}
