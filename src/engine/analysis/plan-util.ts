import type { Expr, Query, SelectItem } from '../sql/ast.js';
import { CodeGen, generated } from './codegen.js';
import { generatedFunction } from '../util/generated.js';
import { T, type SqlType } from '../sql/types.js';
import type { DataSource } from '../catalog/metastore.js';
import type { Compiled, Row, Scope, ScopeCol } from './compile.js';
import { EvalError, KsqlStatementError } from './errors.js';
import { formatExpr } from './format.js';

// Helpers shared by the planners of single-source queries, joins and aggregations.

export interface Side { ds: DataSource; alias: string }

export const SYS_TYPES: Record<string, SqlType> = { ROWTIME: T.BIGINT, ROWPARTITION: T.INTEGER, ROWOFFSET: T.BIGINT, WINDOWSTART: T.BIGINT, WINDOWEND: T.BIGINT };

export function sideCols(side: Side, prefix: boolean): ScopeCol[] {
  const f = (n: string) => (prefix ? `${side.alias}_${n}` : n);
  const cols: ScopeCol[] = side.ds.columns.map((c) => ({ name: c.name, source: side.alias, type: c.type, field: f(c.name) }));
  for (const s of ['ROWTIME', 'ROWPARTITION', 'ROWOFFSET']) cols.push({ name: s, source: side.alias, type: SYS_TYPES[s]!, field: f(s) });
  if (side.ds.windowInfo) for (const s of ['WINDOWSTART', 'WINDOWEND']) cols.push({ name: s, source: side.alias, type: T.BIGINT, field: f(s) });
  return cols;
}

/** An expression's text with columns replaced by their resolved fields: equal for equivalent expressions. */
export function normalize(e: Expr, scope: Scope): string {
  const walk = (x: Expr): Expr => {
    if (x.t === 'col') {
      try { const c = scope.resolve(x, ''); return { t: 'col', name: `#${c.field}`, pos: x.pos }; } catch { return x; }
    }
    const out: Record<string, unknown> = { ...x };
    for (const [k, v] of Object.entries(x)) {
      if (v && typeof v === 'object' && 't' in (v as object)) out[k] = walk(v as Expr);
      else if (Array.isArray(v)) out[k] = v.map((i) => (i && typeof i === 'object' && 't' in i ? walk(i) : i && typeof i === 'object' ? Object.fromEntries(Object.entries(i).map(([a, b]) => [a, b && typeof b === 'object' && 't' in (b as object) ? walk(b as Expr) : b])) : i));
    }
    return out as Expr;
  };
  return formatExpr(walk(e));
}

/**
 * Evaluates an expression for a row, reporting an error and giving NULL instead of throwing, as
 * ksqlDB's processing log does. (A failing function call inside gives NULL only in its place: see
 * setCallErrors, which the caller that processes rows sets once for all of them.)
 */
export function safe(c: Compiled, onError: (e: unknown) => void): (row: Row) => unknown {
  const fn = generated(c);
  return (row) => {
    try { return fn(row); } catch (e) { onError(e); return null; }
  };
}

/**
 * The values of a SELECT's columns for a row: one generated function that computes every column in
 * turn (see codegen.ts). A column that fails is NULL, its error told as ksqlDB's select mapper tells
 * it: "Error computing expression ... for column ... with index ...", the error as its cause.
 */
export function projector(cs: readonly Compiled[], onError: (e: unknown) => void, exprs: readonly Expr[], names: readonly string[]): (row: Row) => unknown[] {
  const messages: (string | undefined)[] = [];
  return projection(cs, (e, i) => {
    messages[i] ??= `Error computing expression ${formatExpr(exprs[i]!)} for column ${names[i]!} with index ${i}`;
    onError(new EvalError(messages[i]!, { cause: e }));
    return null;
  });
}

/** The values of expressions for a row, as `safe` gives each (an error told as it is, and NULL): one generated function. */
export function safeAll(cs: readonly Compiled[], onError: (e: unknown) => void): (row: Row) => unknown[] {
  return projection(cs, (e) => { onError(e); return null; });
}

/**
 * The values of groups of expressions for a row (each aggregate's arguments), each as `safe` gives
 * it: one generated function that returns a list per group.
 */
export function safeGroups(groups: readonly (readonly Compiled[])[], onError: (e: unknown) => void): (row: Row) => unknown[][] {
  const g = new CodeGen();
  const fail = g.ref((e: unknown) => { onError(e); return null; });
  let k = 0;
  const values = groups.map((gr) => gr.map((c) => { const v = `v${k++}`; return { v, code: `let ${v}; try { ${v} = ${g.sub(c)}; } catch (e) { ${v} = ${fail}(e); }` }; }));
  const fn = g.function(`${values.flat().map((x) => x.code).join(' ')} return [${values.map((gr) => `[${gr.map((x) => x.v).join(', ')}]`).join(', ')}];`);
  if (fn) return fn as (row: Row) => unknown[][];
  // code too deeply nested for the JavaScript parser: the values one by one, then grouped
  const flat = projection(groups.flat(), (err) => { onError(err); return null; });
  const sizes = groups.map((gr) => gr.length);
  return (row) => {
    const all = flat(row);
    let at = 0;
    return sizes.map((n) => all.slice(at, (at += n)));
  };
}

/** One function computing each expression in turn, `failed` giving the value of one that throws. */
function projection(cs: readonly Compiled[], failed: (e: unknown, i: number) => null): (row: Row) => unknown[] {
  const g = new CodeGen();
  const fail = g.ref(failed);
  const columns = cs.map((c, i) => `try { out[${i}] = ${g.sub(c)}; } catch (e) { out[${i}] = ${fail}(e, ${i}); }`);
  const fn = g.function(`const out = new Array(${cs.length}); ${columns.join(' ')} return out;`);
  if (fn) return fn as (row: Row) => unknown[];
  // code too deeply nested for the JavaScript parser: each column's own function
  const fns = cs.map(generated);
  return (row) => {
    const out = new Array<unknown>(fns.length);
    for (let i = 0; i < fns.length; i++) { try { out[i] = fns[i]!(row); } catch (err) { out[i] = failed(err, i); } }
    return out;
  };
}

/** PARTITION BY NULL: the rows lose their key rather than take a new one. */
export const partitionsByNull = (q: Query): boolean => q.partitionBy?.length === 1 && q.partitionBy[0]!.t === 'lit' && q.partitionBy[0]!.value === null;

/** A persistent query without its key columns in the projection (ksqlDB checks some things before it). */
export class KeyMissingError extends KsqlStatementError {}

export function keyMissing(sink: string, what: string, list: string[]): KsqlStatementError {
  const plural = list.length > 1;
  const joined = list.length <= 1 ? list.join('') : `${list.slice(0, -1).join(', ')} and ${list[list.length - 1]}`;
  return new KeyMissingError(`Key${plural ? 's' : ''} missing from projection (ie, SELECT). \nThe query used to build \`${sink}\` must include the ${what}${plural ? 's' : ''} ${joined} in its projection (eg, SELECT ${plural ? joined.replace(' and ', ', ') : joined}...).`);
}

/**
 * A function that builds a row as one object literal from fields of its arguments. Every row it makes
 * has the same shape, which keeps property reads in compiled expressions fast; a spread or a loop of
 * assignments makes slower objects. Field names are written into the code as JSON string literals.
 */
export function rowBuilder(parts: { from: 0 | 1; field: string; as: string }[]): (a: Row, b?: Row) => Row {
  return literalBuilder(['a', 'b'], parts.map((p) => [p.as, `${p.from === 0 ? 'a' : 'b'}[${JSON.stringify(p.field)}]`]));
}

/**
 * A function of `params` that returns one object literal: each entry a field name and the JavaScript
 * expression (over the params) it holds. Every object it makes has one shape.
 */
export function literalBuilder<F = (...args: never[]) => Row>(params: string[], entries: [field: string, expr: string][]): F {
  return generatedFunction<F>('row', {}, `return (${params.join(', ')}) => ({${entries.map(([f, e]) => `${JSON.stringify(f)}: ${e}`).join(', ')}});`);
}

/** A column named with its source, as ksqlDB's messages name it, even where the statement left it bare. */
export function qualifiedInJoin(e: Expr, scope: Scope): Expr {
  if (e.t !== 'col' || e.source) return e;
  try { return { ...e, source: scope.resolve(e, 'JOIN ON').source }; } catch { return e; }
}

/** The first sentence of a join's key-missing error; a synthetic key's names the page that explains it. */
const KEY_MISSING = 'Key missing from projection (ie, SELECT).';

/**
 * The projection item that becomes a join's key column: the first of the expressions equal to the
 * join key (the left source's first), or ROWKEY when the key is synthetic (FULL OUTER joins, joins
 * of two expressions). A persistent query must select it.
 */
export function joinKeyIndex(
  items: Extract<SelectItem, { t: 'expr' }>[], scope: Scope, opts: { persistent: boolean; sinkName?: string },
  join: { keyClass: Expr[]; synthetic: boolean },
): number {
  const norms = items.map((it) => normalize(it.expr, scope));
  // the synthetic key column (ROWKEY, or ROWKEY_n when a source has a ROWKEY)
  const rowkeyName = scope.cols.find((c) => c.source === '' && c.field === 'ROWKEY')?.name ?? 'ROWKEY';
  const rowkey: Expr = { t: 'col', name: rowkeyName, pos: { line: 0, col: 0 } };
  const candidates = join.synthetic ? [rowkey] : join.keyClass;
  for (const c of candidates) {
    const i = norms.indexOf(normalize(c, scope));
    if (i >= 0) return i;
  }
  if (!opts.persistent) return -1;
  const sink = opts.sinkName ?? '';
  if (join.synthetic) {
    throw new KeyMissingError(`${KEY_MISSING} See https://cnfl.io/2LV7ouS.\nThe query used to build \`${sink}\` must include the join expression ${rowkeyName} in its projection (eg, SELECT ${rowkeyName}...).\n${rowkeyName} was added as a synthetic key column because the join criteria did not match any source column. This expression must be included in the projection and may be aliased. `);
  }
  const names = [...new Set(join.keyClass.filter((e) => e.t === 'col').map((e) => formatExpr(qualifiedInJoin(e, scope))))];
  const list = names.length <= 1 ? names.join('') : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
  throw new KeyMissingError(`${KEY_MISSING} \nThe query used to build \`${sink}\` must include the join expression${names.length > 1 ? 's' : ''} ${list} in its projection (eg, SELECT ${names[0]}...).`);
}

/**
 * A projected column's type: a bare NULL has none, so a persistent query (whose sink needs a
 * schema) refuses it, and a transient one shows it as STRING.
 */
export function projectedType(type: SqlType, persistent: boolean | undefined): SqlType {
  if (!hasNullType(type)) return type;
  if (persistent) throw new KsqlStatementError("Can't infer a type of null. Please explicitly cast it to a required type, e.g. CAST(null AS VARCHAR).");
  return withoutNullTypes(type);
}

/** Whether a type is, or holds, the type of a bare NULL (a lambda's NULL result: ARRAY<NULL>), which no schema has. */
function hasNullType(t: SqlType): boolean {
  switch (t.kind) {
    case 'NULL': return true;
    case 'ARRAY': return hasNullType(t.item);
    case 'MAP': return hasNullType(t.key) || hasNullType(t.value);
    case 'STRUCT': return t.fields.some((f) => hasNullType(f.type));
    default: return false;
  }
}

/** A transient query's column: a NULL type, wherever it is, as STRING. */
function withoutNullTypes(t: SqlType): SqlType {
  switch (t.kind) {
    case 'NULL': return T.STRING;
    case 'ARRAY': return T.array(withoutNullTypes(t.item));
    case 'MAP': return T.map(withoutNullTypes(t.key), withoutNullTypes(t.value));
    case 'STRUCT': return T.struct(t.fields.map((f) => ({ ...f, type: withoutNullTypes(f.type) })));
    default: return t;
  }
}
