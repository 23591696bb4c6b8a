import type { Expr, Props, Query } from '../sql/ast.js';
import { quoteIfNeeded } from '../sql/types.js';
import { formatExpr } from './format.js';

/**
 * A CREATE ... AS SELECT as ksqlDB's SqlFormatter writes the statement it quotes in some errors
 * ("Statement: ..."): every column qualified by its source's alias, each item aliased without AS,
 * one item per line when there are several, the alias after the source, EMIT CHANGES added.
 * Undefined for what this does not render the way ksqlDB does (joins, windows), so no message
 * shows a statement ksqlDB would not.
 */
export function formatCreateAsSelect(kind: 'STREAM' | 'TABLE', name: string, q: Query, names: string[], props?: Props): string | undefined {
  // (a * beside other items: the output names no longer line up with the items)
  if (q.joins.length || q.window || q.items.some((it) => it.t === 'structstar') || (q.items.length > 1 && q.items.some((it) => it.t === 'star'))) return undefined;
  const alias = (q.from.alias ?? q.from.name).toUpperCase();
  const qualified = (e: Expr) => formatExpr(qualify(e, alias));
  const items = q.items.map((it, i) => (it.t === 'star' ? '*' : `${qualified(it.expr)} ${quoteIfNeeded(names[i]!)}`));
  // the WITH properties as given, names upper-cased, texts quoted
  const withText = props?.size ? ` WITH (${[...props].map(([k, v]) => `${k.toUpperCase()}=${typeof v.value === 'string' ? `'${v.value.replace(/'/g, "''")}'` : String(v.value)}`).join(', ')})` : '';
  let text = `CREATE ${kind} ${quoteIfNeeded(name)}${withText} AS SELECT${items.length === 1 ? ` ${items[0]}` : `\n  ${items.join(',\n  ')}`}`;
  text += `\nFROM ${quoteIfNeeded(q.from.name)} ${quoteIfNeeded(alias)}`;
  if (q.where) text += `\nWHERE ${qualified(q.where)}`;
  if (q.groupBy?.length) text += `\nGROUP BY ${q.groupBy.map(qualified).join(', ')}`;
  if (q.partitionBy?.length) text += `\nPARTITION BY ${q.partitionBy.map(qualified).join(', ')}`;
  if (q.having) text += `\nHAVING ${qualified(q.having)}`;
  return `${text}\nEMIT ${q.emit ?? 'CHANGES'}`;
}

/** The expression with every column reference naming its source (the statement's one alias). */
function qualify(e: Expr, alias: string): Expr {
  const walk = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(walk);
    if (x === null || typeof x !== 'object' || x instanceof Uint8Array) return x;
    const o = x as Record<string, unknown>;
    // values (literals, decimals) are copied as they are; expressions and their parts are walked
    if (o.t === 'lit') return o;
    if (o.t === 'lambda') return o;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) out[k] = k === 'pos' || k === 'type' ? v : walk(v);
    if (o.t === 'col' && o.source === undefined) out.source = alias;
    return out;
  };
  return walk(e) as Expr;
}
