import type { Duration, Expr, JoinClause, PropValue, Props, Query, WindowSpec } from '../sql/ast.js';
import { quoteIfNeeded as quoteUnsafe, typeToSql } from '../sql/types.js';
import { RESERVED } from '../sql/parser.js';
import type { Column } from '../catalog/schema.js';
import { formatExpr } from './format.js';

/** A name as stored statements write it: quoted when it needs quoting or is a reserved word. */
const quoteIfNeeded = (name: string) => (RESERVED.has(name) ? `\`${name}\`` : quoteUnsafe(name));

/** A statement's WITH properties by upper-cased name, as given. */
export function propsByName(props: Props | undefined): Record<string, PropValue> {
  return Object.fromEntries([...(props ?? [])].map(([k, v]) => [k.toUpperCase(), v.value]));
}

/** WITH properties as ksqlDB's formatter writes a stored statement's: sorted by name, texts quoted. */
function withClause(props: Record<string, PropValue>, sorted: boolean): string {
  const names = Object.keys(props);
  if (sorted) names.sort();
  return names.length ? ` WITH (${names.map((k) => `${k}=${typeof props[k] === 'string' ? `'${(props[k] as string).replace(/'/g, "''")}'` : String(props[k])}`).join(', ')})` : '';
}

/**
 * A CREATE STREAM or TABLE as ksqlDB stores and shows it (DESCRIBE's statement): the columns with
 * their canonical types (those a registry supplied too), the WITH properties with what the server
 * added (CLEANUP_POLICY, a defaulted KEY_FORMAT), sorted by name.
 */
export function formatCreateSource(s: { sourceType: 'STREAM' | 'TABLE'; name: string; orReplace: boolean; ifNotExists: boolean; isSource: boolean }, columns: readonly Column[], props: Record<string, PropValue>): string {
  const role = (c: Column) => (c.ns === 'KEY' ? (s.sourceType === 'TABLE' ? ' PRIMARY KEY' : ' KEY') : c.ns === 'HEADER' ? (c.headerKey === undefined ? ' HEADERS' : ` HEADER('${c.headerKey.replace(/'/g, "''")}')`) : '');
  const cols = columns.map((c) => `${quoteIfNeeded(c.name)} ${typeToSql(c.type)}${role(c)}`).join(', ');
  const head = `CREATE ${s.orReplace ? 'OR REPLACE ' : ''}${s.isSource ? 'SOURCE ' : ''}${s.sourceType}${s.ifNotExists ? ' IF NOT EXISTS' : ''}`;
  return `${head} ${quoteIfNeeded(s.name)} (${cols})${withClause(props, true)};`;
}

/** A source of a query, by its alias, with the names of its columns (to qualify a bare column with). */
export interface FormatSide { alias: string; columns: readonly string[] }

/**
 * A CREATE ... AS SELECT as ksqlDB's SqlFormatter writes it (the statement SHOW QUERIES and DESCRIBE
 * show, and some errors quote: "Statement: ..."): every column qualified by its source's alias, each
 * item aliased without AS, one item per line when there are several, the alias after each source,
 * the window and joins as its window and join expressions print, EMIT CHANGES added. Undefined for
 * what this does not render (a struct's fields selected with ->*, or * beside other items).
 */
export function formatCreateAsSelect(kind: 'STREAM' | 'TABLE', name: string, q: Query, names: string[], props?: Props, stored?: Record<string, PropValue>, head: { orReplace?: boolean; ifNotExists?: boolean } = {}, sides: FormatSide[] = []): string | undefined {
  const body = formatQuery(q, names, sides);
  if (body === undefined) return undefined;
  // the WITH properties as given (in an error), or as stored with the server's additions, sorted
  const withText = stored ? withClause(stored, true) : withClause(propsByName(props), false);
  return `CREATE ${head.orReplace ? 'OR REPLACE ' : ''}${kind}${head.ifNotExists ? ' IF NOT EXISTS' : ''} ${quoteIfNeeded(name)}${withText} AS ${body}`;
}

/** An INSERT INTO ... SELECT as ksqlDB's SqlFormatter writes it; undefined where formatCreateAsSelect is. */
export function formatInsertInto(target: string, q: Query, names: string[], sides: FormatSide[] = []): string | undefined {
  const body = formatQuery(q, names, sides);
  return body === undefined ? undefined : `INSERT INTO ${quoteIfNeeded(target)} ${body}`;
}

const JOIN_TYPES: Record<JoinClause['type'], string> = { INNER: 'INNER', LEFT: 'LEFT OUTER', RIGHT: 'RIGHT OUTER', FULL: 'FULL OUTER' };
const duration = (d: Duration) => `${d.value} ${d.unit}`;

/** A window as ksqlDB's window expressions print themselves (TumblingWindowExpression.toString and the others). */
function windowText(w: WindowSpec): string {
  const extra = `${w.retention ? ` , RETENTION ${duration(w.retention)}` : ''}${w.grace ? ` , GRACE PERIOD ${duration(w.grace)}` : ''}`;
  if (w.type === 'TUMBLING') return ` TUMBLING ( SIZE ${duration(w.size)}${extra} ) `;
  if (w.type === 'HOPPING') return ` HOPPING ( SIZE ${duration(w.size)} , ADVANCE BY ${duration(w.advance!)}${extra} ) `;
  return ` SESSION ( ${duration(w.size)}${extra} ) `;
}

function withinText(w: NonNullable<JoinClause['within']>): string {
  const span = w.before.ms === w.after.ms ? duration(w.before) : `(${duration(w.before)}, ${duration(w.after)})`;
  return ` WITHIN ${span}${w.grace ? ` GRACE PERIOD ${duration(w.grace)}` : ''}`;
}

function formatQuery(q: Query, names: string[], sides: FormatSide[]): string | undefined {
  // (a * beside other items: the output names no longer line up with the items)
  if (q.items.some((it) => it.t === 'structstar') || (q.items.length > 1 && q.items.some((it) => it.t === 'star'))) return undefined;
  const alias = q.from.alias ?? q.from.name;
  // a bare column names the first source that has it (the statement's one source without joins)
  const sourceOf = (column: string) => (q.joins.length ? sides.find((sd) => sd.columns.includes(column))?.alias : alias);
  const qualified = (e: Expr) => formatExpr(qualify(e, sourceOf));
  const items = q.items.map((it, i) => (it.t === 'star' ? '*' : `${qualified(it.expr)} ${quoteIfNeeded(names[i]!)}`));
  let text = `SELECT${items.length === 1 ? ` ${items[0]}` : `\n  ${items.join(',\n  ')}`}`;
  text += `\nFROM ${quoteIfNeeded(q.from.name)} ${quoteIfNeeded(alias)}`;
  for (const j of q.joins) {
    const right = j.right.alias ?? j.right.name;
    text += `\n${JOIN_TYPES[j.type]} JOIN ${quoteIfNeeded(j.right.name)} ${quoteIfNeeded(right)}${j.within ? withinText(j.within) : ''} ON (${qualified(j.on)})`;
  }
  if (q.window) text += `\nWINDOW${windowText(q.window)}`;
  if (q.where) text += `\nWHERE ${qualified(q.where)}`;
  if (q.groupBy?.length) text += `\nGROUP BY ${q.groupBy.map(qualified).join(', ')}`;
  if (q.partitionBy?.length) text += `\nPARTITION BY ${q.partitionBy.map(qualified).join(', ')}`;
  if (q.having) text += `\nHAVING ${qualified(q.having)}`;
  return `${text}\nEMIT ${q.emit ?? 'CHANGES'}`;
}

/** The expression with every bare column reference naming its source. */
function qualify(e: Expr, sourceOf: (column: string) => string | undefined): Expr {
  const walk = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(walk);
    if (x === null || typeof x !== 'object' || x instanceof Uint8Array) return x;
    const o = x as Record<string, unknown>;
    // values (literals, decimals) are copied as they are; expressions and their parts are walked
    if (o.t === 'lit') return o;
    if (o.t === 'lambda') return o;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(o)) out[k] = k === 'pos' || k === 'type' ? v : walk(v);
    if (o.t === 'col' && o.source === undefined) out.source = sourceOf(o.name as string);
    return out;
  };
  return walk(e) as Expr;
}
