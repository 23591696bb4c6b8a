import type { Expr } from '../sql/ast.js';
import { T, typeToString, type SqlType } from '../sql/types.js';
import { convert } from '../functions/values.js';
import { KsqlStatementError } from '../analysis/errors.js';
import { formatExpr } from '../analysis/format.js';
import { columnRefs } from '../analysis/expr-walk.js';
import { javaDoubleString } from '../util/decimal.js';

/** What a pull query may do besides key lookups (`ksql.query.pull.table.scan.enabled`, `…range.scan.enabled`). */
export interface PullScanOptions { tableScan: boolean; rangeScan: boolean; windowed: boolean }

export interface KeyCol { name: string; type: SqlType }

const BOUND_COLUMNS = new Set(['WINDOWSTART', 'WINDOWEND', 'ROWTIME']);

/** What ksqlDB adds to a pull query it refuses (PullQueryValidator's syntax help). */
export const PULL_SUFFIX = ' See https://cnfl.io/queries for more info.\nAdd EMIT CHANGES if you intended to issue a push query.';

/**
 * A WHERE clause a pull query cannot serve, worded as ksqlDB's QueryFilterNode words it: the problem,
 * the syntax help, and what a pull query's WHERE must do (for windowed tables, the bounds it takes).
 */
function whereError(message: string, windowed: boolean): KsqlStatementError {
  const bounds = windowed
    ? '\n - (optionally) limits the time bounds of the windowed table.\n\t Bounds on [WINDOWSTART, WINDOWEND] are supported\n\t Supported operators are [EQUAL, GREATER_THAN, GREATER_THAN_OR_EQUAL, LESS_THAN, LESS_THAN_OR_EQUAL]'
    : '';
  return new KsqlStatementError(`${message.replace(/\.$/, '')}.${PULL_SUFFIX}\nPull queries require a WHERE clause that:\n - limits the query to keys only, e.g. \`SELECT * FROM X WHERE <key-column>=Y;\`.\n - specifies an equality condition that is a conjunction of equality expressions that cover all key columns.${bounds}`);
}
const TABLE_SCAN = 'Query requires table scan to be enabled. Table scans can be enabled by setting ksql.query.pull.table.scan.enabled=true';
const RESOLVABLE = 'A comparison must be between a key column and a resolvable expression.';
const COMBINED = 'A comparison condition on the key column cannot be combined with other comparisons such as an IN predicate.';

/** The WHERE clause in disjunctive normal form: OR of ANDs (NOT and other predicates stay leaves). */
export function disjuncts(e: Expr): Expr[][] {
  if (e.t === 'or') return [...disjuncts(e.l), ...disjuncts(e.r)];
  if (e.t === 'and') {
    const ls = disjuncts(e.l);
    const rs = disjuncts(e.r);
    return ls.flatMap((l) => rs.map((r) => [...l, ...r]));
  }
  return [[e]];
}

function hasColumn(e: Expr): boolean {
  return columnRefs(e).length > 0;
}

/**
 * Checks a pull query's WHERE the way ksqlDB's QueryFilterNode does: each disjunct must pin every key column
 * with `=` or IN to resolvable values, unless a table scan (or, for single STRING keys, a range scan) may serve it.
 */
export function validatePullWhere(where: Expr | undefined, keys: KeyCol[], opts: PullScanOptions): void {
  const needsScan = (message: string) => { if (!opts.tableScan) throw whereError(message, opts.windowed); };
  if (!where) { if (!opts.tableScan) throw new KsqlStatementError(TABLE_SCAN); return; }
  for (const conjuncts of disjuncts(where)) {
    if (opts.windowed) checkWindowBounds(conjuncts);
    const seen = new Map<string, 'point' | 'range'>();
    const pin = (name: string, how: 'point' | 'range') => {
      if (seen.has(name)) needsScan(COMBINED);
      seen.set(name, how);
    };
    const keyOf = (e: Expr) => (e.t === 'col' ? keys.find((k) => k.name === e.name) : undefined);
    for (const leaf of conjuncts) {
      if (leaf.t === 'cmp') {
        const lc = leaf.l.t === 'col';
        const rc = leaf.r.t === 'col';
        if (lc && rc) { needsScan(RESOLVABLE); continue; }
        if (!lc && !rc) { needsScan('A comparison must directly reference a key column.'); continue; }
        const col = (lc ? leaf.l : leaf.r) as Extract<Expr, { t: 'col' }>;
        if (BOUND_COLUMNS.has(col.name)) continue;
        const key = keyOf(col);
        if (!key) continue;
        const other = lc ? leaf.r : leaf.l;
        if (hasColumn(other)) { needsScan(RESOLVABLE); continue; }
        if (leaf.op === '=') checkLookupValue(other, key);
        pin(key.name, leaf.op === '=' ? 'point' : 'range');
      } else if (leaf.t === 'in' && !leaf.not) {
        const key = keyOf(leaf.e);
        if (!key) continue;
        if (leaf.list.some(hasColumn)) { needsScan(RESOLVABLE); continue; }
        for (const item of leaf.list) checkLookupValue(item, key);
        pin(key.name, 'point');
      } else if (leaf.t === 'between' && !leaf.not) {
        const key = keyOf(leaf.e);
        if (key) pin(key.name, 'range');
      } else if (leaf.t === 'like' && (leaf.e.t !== 'col' || leaf.pattern.t !== 'lit' || leaf.pattern.type.kind !== 'STRING')) {
        needsScan('Like condition must be between strings');
      }
    }
    if (seen.size === 0) { needsScan(`WHERE clause missing key column for disjunct: ${conjuncts.map(formatExpr).join(' AND ')}`); continue; }
    if (seen.size < keys.length) { needsScan('Multi-column sources must specify every key in the WHERE clause.'); continue; }
    const ranged = [...seen.values()].includes('range');
    // range scans walk the serialized STRING key order of an unwindowed store only
    if (ranged && (!opts.rangeScan || opts.windowed || keys.length !== 1 || keys[0]!.type.kind !== 'STRING')) {
      if (!opts.tableScan) throw new KsqlStatementError(TABLE_SCAN);
    }
  }
}

/** A literal looked up in a key column must be of a type the key's coerces (see literalFitsKey). */
function checkLookupValue(e: Expr, key: KeyCol): void {
  if (e.t === 'lit' && e.value !== null && !literalFitsKey(e.type, key.type)) {
    // (the value as Java prints it: 1e3 is 1000.0)
    const shown = e.type.kind === 'STRING' ? String(e.value) : e.type.kind === 'DOUBLE' ? javaDoubleString(Number(e.value)) : formatExpr(e);
    throw new KsqlStatementError(`'${shown}' can not be converted to the type of the key column: ${key.name} ${typeToString(key.type)} KEY`);
  }
}

/**
 * Whether a literal of type `lit` can serve as a lookup value for a key of type `key`, as ksqlDB's
 * value coercer takes it: numbers only widen (INT, BIGINT, DECIMAL, DOUBLE in that order: 1.5 or
 * 3000000000 is no INT key), strings do not turn into numbers.
 */
function literalFitsKey(lit: SqlType, key: SqlType): boolean {
  const rank = (t: SqlType) => ['INTEGER', 'BIGINT', 'DECIMAL', 'DOUBLE'].indexOf(t.kind);
  if (rank(key) >= 0) return rank(lit) >= 0 && rank(lit) <= rank(key);
  if (key.kind === 'STRING') return lit.kind === 'STRING';
  return true;
}

const OP_TYPES: Record<string, string> = { '=': 'EQUAL', '<>': 'NOT_EQUAL', '<': 'LESS_THAN', '<=': 'LESS_THAN_OR_EQUAL', '>': 'GREATER_THAN', '>=': 'GREATER_THAN_OR_EQUAL' };
const FLIPPED: Record<string, string> = { '<': '>', '<=': '>=', '>': '<', '>=': '<=' };

/**
 * A windowed pull query's bounds on WINDOWSTART and WINDOWEND, as ksqlDB's window bounds take them:
 * per column one `=`, or at most one lower (`>`, `>=`) and one upper (`<`, `<=`) bound; `=` takes no
 * other; anything else (`<>`) is unsupported.
 */
function checkWindowBounds(conjuncts: Expr[]): void {
  const slots = new Map<string, Set<'eq' | 'lower' | 'upper'>>();
  const take = (column: string, op: string) => {
    if (!(op in OP_TYPES) || op === '<>') throw whereError(`Unsupported \`${column}\` bounds: ${OP_TYPES[op] ?? op}`, true);
    const slot = op === '=' ? 'eq' : op.startsWith('>') ? 'lower' : 'upper';
    const taken = slots.get(column) ?? new Set();
    if (taken.has(slot) || (slot === 'eq' && taken.size) || taken.has('eq')) throw whereError(`Duplicate \`${column}\` bounds on: ${OP_TYPES[op]}`, true);
    taken.add(slot);
    slots.set(column, taken);
  };
  const bound = (e: Expr) => (e.t === 'col' && (e.name === 'WINDOWSTART' || e.name === 'WINDOWEND') ? e.name : undefined);
  for (const leaf of conjuncts) {
    if (leaf.t === 'cmp') {
      const l = bound(leaf.l), r = bound(leaf.r);
      if (l && !r) take(l, leaf.op);
      else if (r && !l) take(r, FLIPPED[leaf.op] ?? leaf.op);
    } else if (leaf.t === 'between' && !leaf.not && bound(leaf.e)) {
      take(bound(leaf.e)!, '>='); take(bound(leaf.e)!, '<=');
    }
  }
}

const isBound = (e: Expr) => e.t === 'col' && (e.name === 'WINDOWSTART' || e.name === 'WINDOWEND');

/** A windowed pull query's WINDOWSTART/WINDOWEND bounds given as text are datetimes, parsed as ksqlDB parses them. */
export function checkBoundDatetimes(where: Expr | undefined): void {
  if (!where) return;
  const datetime = (e: Expr) => {
    if (e.t !== 'lit' || e.type.kind !== 'STRING') return;
    try { convert(e.value, T.STRING, T.TIMESTAMP); } catch { throw new KsqlStatementError(`Failed to parse datetime: ${String(e.value)}`); }
  };
  for (const leaf of disjuncts(where).flat()) {
    if (leaf.t === 'cmp' && isBound(leaf.l) !== isBound(leaf.r)) datetime(isBound(leaf.l) ? leaf.r : leaf.l);
    else if (leaf.t === 'between' && isBound(leaf.e)) { datetime(leaf.lo); datetime(leaf.hi); }
  }
}

/**
 * The key values a WHERE pins every key column to (`K = literal` or `K IN (literals)` among its
 * ANDed terms, or on each side of an OR), in the order it names them, for a lookup of those keys
 * instead of a scan of the table; undefined when some key
 * column is not pinned, or its type or a literal is not one a lookup is known to match exactly
 * (STRING, INTEGER and BIGINT keys, their literals). The WHERE still filters what the lookup finds.
 */
export function pinnedKeys(where: Expr | undefined, keys: KeyCol[], max = 10_000): unknown[][] | undefined {
  if (!where || keys.length === 0) return undefined;
  // a disjunction pins the keys each side pins, in the order written
  if (where.t === 'or') {
    const l = pinnedKeys(where.l, keys, max), r = l && pinnedKeys(where.r, keys, max);
    return l && r && l.length + r.length <= max ? [...l, ...r] : undefined;
  }
  const terms: Expr[] = [];
  const split = (e: Expr): void => { if (e.t === 'and') { split(e.l); split(e.r); } else terms.push(e); };
  split(where);
  const fits = (k: KeyCol, lit: Expr): boolean => {
    if (lit.t !== 'lit') return false;
    const v = lit.value;
    if (k.type.kind === 'STRING') return typeof v === 'string';
    if (k.type.kind !== 'INTEGER' && k.type.kind !== 'BIGINT') return false;
    if (typeof v === 'bigint') return k.type.kind === 'BIGINT' || (v >= -(2n ** 31n) && v < 2n ** 31n);
    return typeof v === 'number' && Number.isSafeInteger(v) && (k.type.kind === 'BIGINT' || (v >= -(2 ** 31) && v < 2 ** 31));
  };
  let tuples: unknown[][] = [[]];
  for (const k of keys) {
    const isKey = (e: Expr) => e.t === 'col' && e.name === k.name;
    let values: unknown[] | undefined;
    for (const t of terms) {
      if (t.t === 'cmp' && t.op === '=' && (isKey(t.l) || isKey(t.r))) {
        const lit = isKey(t.l) ? t.r : t.l;
        if (fits(k, lit)) { values = [(lit as { value: unknown }).value]; break; }
      } else if (t.t === 'in' && !t.not && isKey(t.e) && t.list.every((x) => fits(k, x))) {
        values = t.list.map((x) => (x as { value: unknown }).value);
        break;
      }
    }
    if (!values) return undefined;
    tuples = tuples.flatMap((tp) => values.map((v) => [...tp, typeof v === 'bigint' && Number.isSafeInteger(Number(v)) ? Number(v) : v]));
    if (tuples.length > max) return undefined;
  }
  return tuples;
}
