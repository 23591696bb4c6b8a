import { longArith, type Long } from '../util/long.js';
import type { Expr } from '../sql/ast.js';
import { UNIT_FUNCTIONS } from '../sql/parser.js';
import { Decimal } from '../util/decimal.js';
import { T, isNumeric, typeToString, typesEqual, widerNumeric, type SqlType } from '../sql/types.js';
import { EvalError, KsqlStatementError } from './errors.js';
import { canPassAs, commonType, getScalarFunction } from '../functions/scalar.js';
import { getAggregate } from '../functions/aggregate.js';
import { validAlternatives } from '../functions/overloads.js';
import { compareValues, convert, inJavaHashMapOrder, valuesEqual } from '../functions/values.js';
import { formatExpr } from './format.js';
import { codegenPrefix, coerceLiteral, unifyExprs } from './coercion.js';
import type { CodeGen } from './codegen.js';

export type Row = Record<string, unknown>;
export interface Compiled {
  type: SqlType;
  fn: (row: Row) => unknown;
  /** The same computation written as JavaScript reading `row`, where the node writes itself (see codegen.ts). */
  gen?: (g: CodeGen) => string;
}

/** A column visible to expressions: its SQL name, optional source alias, type, and property in the row. */
export interface ScopeCol { name: string; source?: string; type: SqlType; field: string }

export class Scope {
  constructor(readonly cols: ScopeCol[], readonly sources: string[] = []) {}

  resolve(e: { source?: string; name: string; pos?: { line: number; col: number } }, clause: string): ScopeCol {
    const loc = e.pos ? `Line: ${e.pos.line}, Col: ${e.pos.col + 1}: ` : '';
    if (e.source !== undefined) {
      const c = this.cols.find((x) => x.source === e.source && x.name === e.name);
      if (c) return c;
      if (this.sources.length && !this.sources.includes(e.source)) {
        throw new KsqlStatementError(`${loc}'${e.source}' is not a valid stream/table name or alias.`);
      }
      throw new KsqlStatementError(`${loc}${clause} column '${e.source}.${e.name}' cannot be resolved.`);
    }
    const matches = this.cols.filter((x) => x.name === e.name);
    if (matches.length === 1) return matches[0]!;
    if (matches.length > 1) {
      const distinctSources = [...new Set(matches.map((m) => m.source))];
      if (distinctSources.length > 1) {
        throw new KsqlStatementError(`${loc}Column '${e.name}' is ambiguous. Could be ${matches.map((m) => `${m.source}.${m.name}`).join(' or ')}.`);
      }
      return matches[0]!;
    }
    throw new KsqlStatementError(`${loc}${clause} column '${e.name}' cannot be resolved.`);
  }
}

export interface CompileCtx {
  scope: Scope;
  /** Clause name for messages: SELECT, WHERE, GROUP BY, PARTITION BY, HAVING, JOIN ON. */
  clause: string;
  /** Replaces a whole sub-expression (aggregate results, GROUP BY expressions) with a row field. */
  hook?: (e: Expr) => { type: SqlType; field: string } | undefined;
  lambdaVars?: Map<string, { type: SqlType; field: string }>;
}

/**
 * A column's value from a row, NULL when absent. Each reference gets a function of its own, reading
 * the field by its name written into the code: a named property read that V8 keeps fast for the
 * row's shape, where one shared function reading `row[f]` for every name was slow for all of them.
 */
const field = (f: string, type: SqlType): Compiled => ({
  type, fn: new Function('row', `return row[${JSON.stringify(f)}] ?? null;`) as (row: Row) => unknown, gen: () => `(row[${JSON.stringify(f)}] ?? null)`,
});

export function compileExpr(e: Expr, ctx: CompileCtx): Compiled {
  const hooked = ctx.hook?.(e);
  if (hooked) return field(hooked.field, hooked.type);
  switch (e.t) {
    case 'lit': { const v = e.value; return { type: e.type, fn: () => v, gen: (g) => g.lit(v) }; }
    case 'col': {
      const lv = e.source === undefined ? ctx.lambdaVars?.get(e.name) : undefined;
      if (lv) return field(lv.field, lv.type);
      const c = ctx.scope.resolve(e, ctx.clause);
      return field(c.field, c.type);
    }
    case 'deref': {
      const base = compileExpr(e.base, ctx);
      if (base.type.kind !== 'STRUCT') throw new KsqlStatementError(`Expected STRUCT type, got ${typeToString(base.type)}`);
      const f = base.type.fields.find((x) => x.name === e.field);
      if (!f) throw new KsqlStatementError(`Could not find field '${e.field}' in '${formatExpr(e.base)}'.`);
      const name = f.name;
      return { type: f.type, fn: (row) => { const s = base.fn(row) as Record<string, unknown> | null; return s == null ? null : s[name] ?? null; } };
    }
    case 'subscript': {
      const base = compileExpr(e.base, ctx), idx = compileExpr(e.index, ctx);
      if (base.type.kind === 'ARRAY') {
        return { type: base.type.item, fn: (row) => {
          const a = base.fn(row) as unknown[] | null, i = idx.fn(row) as number | null;
          if (a == null || i == null) return null;
          const k = i > 0 ? i - 1 : a.length + i;
          return k >= 0 && k < a.length ? a[k] ?? null : null;
        } };
      }
      if (base.type.kind === 'MAP') {
        const keyT = base.type.key;
        return { type: base.type.value, fn: (row) => {
          const m = base.fn(row) as Map<unknown, unknown> | null, k = idx.fn(row);
          if (m == null || k == null) return null;
          for (const [mk, mv] of m) if (valuesEqual(mk, convert(k, idx.type, keyT))) return mv;
          return null;
        } };
      }
      throw new KsqlStatementError(`Subscript expression must be on ARRAY or MAP, got ${typeToString(base.type)}`);
    }
    case 'arith': {
      const l = compileExpr(e.l, ctx), r = compileExpr(e.r, ctx), c = compileArith(e.op, l, r, e);
      if (!ctx.lambdaVars) return c;
      // inside a lambda ksqlDB's generated code unboxes operands, so NULL fails the whole call
      return { type: c.type, fn: (row) => { if (l.fn(row) == null || r.fn(row) == null) throw new EvalError(`NULL operand in lambda expression ${formatExpr(e)}`); return c.fn(row); } };
    }
    case 'neg': {
      const x = compileExpr(e.e, ctx);
      if (!isNumeric(x.type)) throw new KsqlStatementError(`Error processing expression: ${formatExpr(e)}. Unsupported arithmetic types. ${typeToString(x.type)}`);
      // negating a NULL unboxes it, as arithmetic does: the whole expression fails
      return { type: x.type, fn: (row) => { const v = x.fn(row); if (v == null) throw new EvalError(`Error computing expression ${formatExpr(e)}: an operand is NULL`); return v instanceof Decimal ? v.negate() : x.type.kind === 'INTEGER' ? -(v as number) | 0 : x.type.kind === 'BIGINT' ? longArith('-', 0, v as Long, () => { throw new EvalError('/ by zero'); }) : -(v as number); } };
    }
    case 'cmp': return compileCompare(e.op, e.l, e.r, ctx);
    case 'and': case 'or': {
      const l = boolOperand(e.l, ctx), r = boolOperand(e.r, ctx);
      // (an operand that decides alone: FALSE for AND, TRUE for OR; else NULL if either is)
      const stop = e.t === 'and' ? 'false' : 'true', other = e.t === 'and' ? 'true' : 'false';
      const gen = (g: CodeGen) => {
        const a = g.temp(), b = g.temp();
        return `(${a} = ${g.sub(l)}, ${a} === ${stop} ? ${stop} : (${b} = ${g.sub(r)}, ${b} === ${stop} ? ${stop} : (${a} === null || ${b} === null ? null : ${other})))`;
      };
      if (e.t === 'and') return { type: T.BOOLEAN, fn: (row) => { const a = l.fn(row); if (a === false) return false; const b = r.fn(row); if (b === false) return false; return a === null || b === null ? null : true; }, gen };
      return { type: T.BOOLEAN, fn: (row) => { const a = l.fn(row); if (a === true) return true; const b = r.fn(row); if (b === true) return true; return a === null || b === null ? null : false; }, gen };
    }
    case 'not': {
      const x = boolOperand(e.e, ctx);
      return { type: T.BOOLEAN, fn: (row) => { const v = x.fn(row); return v == null ? null : !v; }, gen: (g) => { const t = g.temp(); return `(${t} = ${g.sub(x)}, ${t} == null ? null : !${t})`; } };
    }
    case 'isnull': { const x = compileExpr(e.e, ctx); const not = e.not; return { type: T.BOOLEAN, fn: (row) => (x.fn(row) == null) !== not, gen: (g) => `(${g.sub(x)} ${not ? '!=' : '=='} null)` }; }
    case 'distinct': {
      const l = compileExpr(e.l, ctx), r = compileExpr(e.r, ctx); const not = e.not;
      return { type: T.BOOLEAN, fn: (row) => { const a = l.fn(row), b = r.fn(row); const same = a == null || b == null ? a == null && b == null : compareValues(a, b) === 0; return not ? same : !same; } };
    }
    case 'between': {
      // a window bound or ROWTIME between datetime texts: the two comparisons, which parse the texts
      if (e.e.t === 'col' && ['WINDOWSTART', 'WINDOWEND', 'ROWTIME'].includes(e.e.name) && [e.lo, e.hi].some((b) => b.t === 'lit' && b.type.kind === 'STRING')) {
        const ge = compileCompare('>=', e.e, e.lo, ctx), le = compileCompare('<=', e.e, e.hi, ctx), not = e.not;
        return { type: T.BOOLEAN, fn: (row) => { const r = ge.fn(row) === true && le.fn(row) === true; return not ? !r : r; } };
      }
      const v = compileExpr(e.e, ctx), lo = coerceTo(compileExpr(e.lo, ctx), v.type), hi = coerceTo(compileExpr(e.hi, ctx), v.type); const not = e.not;
      // BETWEEN is x >= lo AND x <= hi: a bound of another type is named as that comparison names it
      checkComparable(v.type, lo.type, '>=', e, ctx, [e.e, e.lo]); checkComparable(v.type, hi.type, '<=', e, ctx, [e.e, e.hi]);
      return { type: T.BOOLEAN, fn: (row) => { const x = v.fn(row), a = lo.fn(row), b = hi.fn(row); if (x == null || a == null || b == null) return not ? true : false; const r = compareValues(x, a) >= 0 && compareValues(x, b) <= 0; return not ? !r : r; } };
    }
    case 'in': {
      // the value and the list coerce to one type, as ksqlDB's IN does
      const { type, items } = unifyExprs([e.e, ...e.list], ctx);
      const [v, ...list] = items;
      const structural = type !== undefined && ['ARRAY', 'MAP', 'STRUCT'].includes(type.kind);
      const not = e.not;
      return { type: T.BOOLEAN, fn: (row) => {
        const x = v!.fn(row);
        // x NOT IN (...) is NOT (x IN (...)): a NULL value is in no list, so NOT IN is true
        if (x == null) return not;
        const hit = list.some((c) => { const y = c.fn(row); return y != null && (structural ? valuesEqual(normalizeDeep(x), normalizeDeep(y)) : compareValues(x, y) === 0); });
        return not ? !hit : hit;
      } };
    }
    case 'like': {
      const v = compileExpr(e.e, ctx), p = compileExpr(e.pattern, ctx); const not = e.not, esc = e.escape;
      if (v.type.kind !== 'STRING' && v.type.kind !== 'NULL') throw new KsqlStatementError(`The column type for Like condition must be VARCHAR. The column type is ${typeToString(v.type)}`);
      const cache = new Map<string, (s: string) => boolean>();
      // a pattern written as text is matched by its matcher, made once
      const fixed = e.pattern.t === 'lit' && typeof e.pattern.value === 'string' ? likeMatcher(e.pattern.value, esc) : undefined;
      return { type: T.BOOLEAN, fn: (row) => {
        const s = v.fn(row) as string | null, pat = p.fn(row) as string | null;
        // x NOT LIKE p is NOT (x LIKE p): a NULL operand makes the LIKE false, so NOT LIKE true
        if (s == null || pat == null) return not;
        let matches = cache.get(pat);
        if (!matches) { matches = likeMatcher(pat, esc); cache.set(pat, matches); }
        const r = matches(s);
        return not ? !r : r;
      }, gen: fixed && ((g) => { const t = g.temp(); return `(${t} = ${g.sub(v)}, ${t} == null ? ${not} : ${not ? '!' : ''}${g.ref(fixed)}(${t}))`; }) };
    }
    case 'case': return compileCase(e, ctx);
    case 'cast': {
      const x = compileExpr(e.e, ctx); const to = e.type, from = x.type;
      if (from.kind === 'NULL') return { type: to, fn: () => null, gen: () => 'null' };
      if (!castSupported(from, to)) throw new KsqlStatementError(`${codegenPrefix(ctx)}Cast of ${typeToString(from)} to ${typeToString(to)} is not supported`);
      return { type: to, fn: (row) => convert(x.fn(row), from, to), gen: (g) => `${g.ref(convert)}(${g.sub(x)}, ${g.ref(from)}, ${g.ref(to)})` };
    }
    case 'array': {
      if (e.items.length === 0) throw new KsqlStatementError('Array constructor cannot be empty. Please supply at least one element (see https://github.com/confluentinc/ksql/issues/4239).');
      const { type, items } = unifyExprs(e.items, ctx);
      if (!type) throw new KsqlStatementError('Cannot construct an array with all NULL elements (see https://github.com/confluentinc/ksql/issues/4239). As a workaround, you may cast a NULL value to the desired type.');
      const elements = items.map((c) => nestedNull(c, 'Error processing array item'));
      return { type: T.array(type), fn: (row) => elements.map((f) => f(row)) };
    }
    case 'map': {
      if (e.entries.length === 0) throw new KsqlStatementError('Map constructor cannot be empty. Please supply at least one key value pair (see https://github.com/confluentinc/ksql/issues/4239).');
      const keys = unifyExprs(e.entries.map((x) => x.key), ctx), vals = unifyExprs(e.entries.map((x) => x.value), ctx);
      if (!keys.type) throw new KsqlStatementError('Cannot construct a map with all NULL keys');
      if (!vals.type) throw new KsqlStatementError('Cannot construct a map with all NULL values');
      const kc = keys.items.map((c) => nestedNull(c, 'Error processing map key')), vc = vals.items.map((c) => nestedNull(c, 'Error processing map value'));
      // (in a java.util.HashMap's order, as ksqlDB's map builder holds the entries in one of their size)
      return { type: T.map(keys.type, vals.type), fn: (row) => { const m = new Map(); kc.forEach((k, i) => m.set(k(row), vc[i]!(row))); return inJavaHashMapOrder(m, kc.length); } };
    }
    case 'struct': {
      if (new Set(e.fields.map((f) => f.name)).size !== e.fields.length) throw new KsqlStatementError('Duplicate field names found in STRUCT');
      const fields = e.fields.map((f) => ({ name: f.name, c: compileExpr(f.value, ctx) }));
      const values = fields.map((f) => nestedNull(f.c, 'Error processing struct field'));
      return { type: T.struct(fields.map((f) => ({ name: f.name, type: f.c.type.kind === 'NULL' ? T.STRING : f.c.type }))), fn: (row) => Object.fromEntries(fields.map((f, i) => [f.name, values[i]!(row)])) };
    }
    case 'call': return compileCall(e, ctx);
    case 'lambda': throw new KsqlStatementError('Lambda expressions are only supported as function arguments');
    case 'timeunit': return { type: T.STRING, fn: () => e.unit };
  }
}


function boolOperand(e: Expr, ctx: CompileCtx): Compiled {
  const c = compileExpr(e, ctx);
  if (c.type.kind !== 'BOOLEAN' && c.type.kind !== 'NULL') {
    throw new KsqlStatementError(`Type error in ${ctx.clause} expression: Should evaluate to boolean but is ${formatExpr(e)} (${typeToString(c.type)}) instead.`);
  }
  return c;
}

/** Converts a compiled expression to a wider type where an implicit cast is allowed (literals: parsed). */
export function coerceTo(c: Compiled, to: SqlType): Compiled {
  const from = c.type;
  if (from.kind === 'NULL' || typesEqual(from, to)) return c;
  if (isNumeric(from) && isNumeric(to)) {
    const target = widerNumeric(from, to);
    if (typesEqual(target, from)) return c;
    return { type: target, fn: (row) => convert(c.fn(row), from, target), gen: (g) => `${g.ref(convert)}(${g.sub(c)}, ${g.ref(from)}, ${g.ref(target)})` };
  }
  if (from.kind === 'STRING' && ['TIMESTAMP', 'DATE', 'TIME'].includes(to.kind)) {
    return { type: to, fn: (row) => convert(c.fn(row), from, to) };
  }
  // a DATE meets a TIMESTAMP as the timestamp of its midnight
  if (from.kind === 'DATE' && to.kind === 'TIMESTAMP') return { type: to, fn: (row) => convert(c.fn(row), from, to) };
  return c;
}

function comparable(a: SqlType, b: SqlType): boolean {
  if (a.kind === 'NULL' || b.kind === 'NULL') return true;
  if (isNumeric(a) && isNumeric(b)) return true;
  const time = ['TIMESTAMP', 'DATE', 'TIME'];
  if (time.includes(a.kind) && (time.includes(b.kind) || b.kind === 'STRING')) return true;
  if (time.includes(b.kind) && a.kind === 'STRING') return true;
  return a.kind === b.kind;
}

const OP_NAMES: Record<string, string> = { '=': 'EQUAL', '<>': 'NOT_EQUAL', '<': 'LESS_THAN', '<=': 'LESS_THAN_OR_EQUAL', '>': 'GREATER_THAN', '>=': 'GREATER_THAN_OR_EQUAL' };

function checkComparable(a: SqlType, b: SqlType, op: string, e: Expr, ctx: CompileCtx, operands?: [Expr, Expr]): void {
  void e;
  if (!comparable(a, b) || (['BOOLEAN', 'ARRAY', 'MAP', 'STRUCT'].includes(a.kind) && op !== '=' && op !== '<>')) {
    if (operands) throw new BetweenTypeError(`Error in ${ctx.clause} expression: Cannot compare ${formatExpr(operands[0])} (${typeToString(a)}) to ${formatExpr(operands[1])} (${typeToString(b)}) with ${OP_NAMES[op]}.`);
    throw new KsqlStatementError(`Error in ${ctx.clause} expression: Cannot compare ${typeToString(a)} to ${typeToString(b)} with ${OP_NAMES[op]}.`);
  }
}

/** A BETWEEN whose bound cannot be compared with its value (a pull query words it as its own filter does). */
export class BetweenTypeError extends KsqlStatementError {}

function compileCompare(op: '=' | '<>' | '<' | '<=' | '>' | '>=', le: Expr, re: Expr, ctx: CompileCtx): Compiled {
  let l = compileExpr(le, ctx), r = compileExpr(re, ctx);
  if (l.type.kind === 'NULL' || r.type.kind === 'NULL') {
    throw new KsqlStatementError(`Error in ${ctx.clause} expression: Comparison with NULL not supported: ${typeToString(l.type)} ${op} ${typeToString(r.type)}\nUse 'IS NULL' or 'IS NOT NULL' instead.`);
  }
  // string literals compare with time types; window bounds also accept datetime text (pull queries)
  const timeLike = (t: SqlType, e: Expr) => ['TIMESTAMP', 'DATE', 'TIME'].includes(t.kind) || (e.t === 'col' && (e.name === 'WINDOWSTART' || e.name === 'WINDOWEND' || e.name === 'ROWTIME'));
  if (l.type.kind === 'STRING' && le.t === 'lit' && timeLike(r.type, re)) l = coerceLiteral(l, le, r.type.kind === 'BIGINT' ? T.TIMESTAMP : r.type, ctx);
  if (r.type.kind === 'STRING' && re.t === 'lit' && timeLike(l.type, le)) r = coerceLiteral(r, re, l.type.kind === 'BIGINT' ? T.TIMESTAMP : l.type, ctx);
  if (l.type.kind === 'TIMESTAMP' && r.type.kind === 'BIGINT') l = { type: T.BIGINT, fn: l.fn };
  if (r.type.kind === 'TIMESTAMP' && l.type.kind === 'BIGINT') r = { type: T.BIGINT, fn: r.fn };
  if (!comparable(l.type, r.type) || (['BOOLEAN', 'ARRAY', 'MAP', 'STRUCT'].includes(l.type.kind) && op !== '=' && op !== '<>')) {
    // in a join, a column is named as the joined row names it (I1_BAR)
    const shown = (e: Expr) => (e.t === 'col' && e.source && ctx.scope.sources.length > 1 ? `${e.source}_${e.name}` : formatExpr(e));
    throw new KsqlStatementError(`Error in ${ctx.clause} expression: Cannot compare ${shown(le)} (${typeToString(l.type)}) to ${shown(re)} (${typeToString(r.type)}) with ${OP_NAMES[op]}.`);
  }
  l = coerceTo(l, r.type); r = coerceTo(r, l.type);
  const test = { '=': (c: number) => c === 0, '<>': (c: number) => c !== 0, '<': (c: number) => c < 0, '<=': (c: number) => c <= 0, '>': (c: number) => c > 0, '>=': (c: number) => c >= 0 }[op];
  const structural = ['ARRAY', 'MAP', 'STRUCT'].includes(l.type.kind);
  const lf = l.fn, rf = r.fn, lc = l, rc = r;
  const jsOp = op === '=' ? '===' : op === '<>' ? '!==' : op;
  return { type: T.BOOLEAN, fn: (row) => {
    const a = lf(row), b = rf(row);
    if (a == null || b == null) return false;
    if (structural) return test(valuesEqual(a, b) ? 0 : 1);
    const c = compareValues(a, b);
    return Number.isNaN(c) ? false : test(c);
  }, gen: structural ? undefined : (g) => {
    const a = g.temp(), b = g.temp(), c = g.temp();
    return `(${a} = ${g.sub(lc)}, ${b} = ${g.sub(rc)}, ${a} == null || ${b} == null ? false : (${c} = ${g.ref(compareValues)}(${a}, ${b}), ${c} !== ${c} ? false : ${c} ${jsOp} 0))`;
  } };
}

function normalizeDeep(v: unknown): unknown {
  if (v instanceof Decimal) return v.toNumber();
  if (Array.isArray(v)) return v.map(normalizeDeep);
  if (v instanceof Map) return new Map([...v].map(([k, x]) => [normalizeDeep(k), normalizeDeep(x)]));
  if (v && typeof v === 'object' && !Buffer.isBuffer(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, normalizeDeep(x)]));
  return v;
}

function compileArith(op: '+' | '-' | '*' | '/' | '%', l: Compiled, r: Compiled, e: Expr): Compiled {
  if (op === '+' && l.type.kind === 'STRING' && r.type.kind === 'STRING') {
    return { type: T.STRING, fn: (row) => { const a = l.fn(row), b = r.fn(row); return a == null || b == null ? null : (a as string) + (b as string); } };
  }
  // a bare NULL has no type to do arithmetic in, whatever the other side is
  if (l.type.kind === 'NULL' || r.type.kind === 'NULL') {
    const t = (x: SqlType) => (x.kind === 'NULL' ? 'null' : typeToString(x));
    throw new KsqlStatementError(`Error processing expression: ${formatExpr(e)}. Arithmetic on types ${t(l.type)} and ${t(r.type)} are not supported.`);
  }
  const lt = l.type, rt = r.type;
  if (!isNumeric(lt) || !isNumeric(rt)) {
    throw new KsqlStatementError(`Error processing expression: ${formatExpr(e)}. Unsupported arithmetic types. ${typeToString(l.type)} ${typeToString(r.type)}`);
  }
  const lf = l.fn, rf = r.fn;
  // ksqlDB's generated code unboxes numeric operands: a NULL one fails the whole expression (NULL, and a
  // processing error), not just this operation, so COALESCE(x + 1, 0) with a NULL x is NULL
  const nullOperand = (): never => { throw new EvalError(`Error computing expression ${formatExpr(e)}: an operand is NULL`); };
  if (lt.kind === 'DOUBLE' || rt.kind === 'DOUBLE') {
    const f = { '+': (a: number, b: number) => a + b, '-': (a: number, b: number) => a - b, '*': (a: number, b: number) => a * b, '/': (a: number, b: number) => a / b, '%': (a: number, b: number) => a % b }[op];
    const num = (v: unknown) => (v instanceof Decimal ? v.toNumber() : Number(v as number | bigint));
    return { type: T.DOUBLE, fn: (row) => { const a = lf(row), b = rf(row); return a == null || b == null ? nullOperand() : f(num(a), num(b)); }, gen: (g) => {
      const a = g.temp(), b = g.temp(), n = g.ref(num);
      return `(${a} = ${g.sub(l)}, ${b} = ${g.sub(r)}, ${a} == null || ${b} == null ? ${g.ref(nullOperand)}() : ${n}(${a}) ${op} ${n}(${b}))`;
    } };
  }
  if (lt.kind === 'DECIMAL' || rt.kind === 'DECIMAL') {
    const a = lt.kind === 'DECIMAL' ? lt : { kind: 'DECIMAL' as const, ...(lt.kind === 'INTEGER' ? { precision: 10, scale: 0 } : { precision: 19, scale: 0 }) };
    const b = rt.kind === 'DECIMAL' ? rt : { kind: 'DECIMAL' as const, ...(rt.kind === 'INTEGER' ? { precision: 10, scale: 0 } : { precision: 19, scale: 0 }) };
    let type: SqlType;
    switch (op) {
      case '+': case '-': { const s = Math.max(a.scale, b.scale); type = T.decimal(s + Math.max(a.precision - a.scale, b.precision - b.scale) + 1, s); break; }
      case '*': type = T.decimal(a.precision + b.precision + 1, a.scale + b.scale); break;
      case '/': { const s = Math.max(6, a.scale + b.precision + 1); type = T.decimal(a.precision - a.scale + b.scale + s, s); break; }
      case '%': { const s = Math.max(a.scale, b.scale); type = T.decimal(Math.min(a.precision - a.scale, b.precision - b.scale) + s, s); break; }
    }
    const { scale, precision } = type as { scale: number; precision: number };
    const dec = (v: unknown) => (v instanceof Decimal ? v : new Decimal(BigInt(v as number | bigint), 0));
    return { type, fn: (row) => {
      const x = lf(row), y = rf(row);
      if (x == null || y == null) return nullOperand();
      const dx = dec(x), dy = dec(y);
      switch (op) {
        case '+': return dx.add(dy).setScale(scale);
        case '-': return dx.sub(dy).setScale(scale);
        case '*': return dx.mul(dy).setScale(scale);
        case '/': if (dy.unscaled === 0n) throw new EvalError('Division by zero'); return dx.div(dy, scale);
        // (BigDecimal.remainder with the result's precision, as ksqlDB's generated code calls it)
        case '%': if (dy.unscaled === 0n) throw new EvalError('Division by zero'); return dx.mod(dy, precision).setScale(scale);
      }
    } };
  }
  const isInt = lt.kind === 'INTEGER' && rt.kind === 'INTEGER';
  const type = isInt ? T.INTEGER : T.BIGINT;
  const zero = (): never => { throw new EvalError('/ by zero'); };
  // BIGINT: Java's long arithmetic, exact and wrapping at 64 bits
  if (!isInt) return { type, fn: (row) => { const a = lf(row) as Long | null, b = rf(row) as Long | null; return a == null || b == null ? nullOperand() : longArith(op, a, b, zero); } };
  const wrap = (v: number) => v | 0;
  return { type, fn: (row) => {
    const a = lf(row) as number | null, b = rf(row) as number | null;
    if (a == null || b == null) return nullOperand();
    switch (op) {
      case '+': return wrap(a + b);
      case '-': return wrap(a - b);
      case '*': return Math.imul(a, b);
      case '/': if (b === 0) throw new EvalError('/ by zero'); return wrap(Math.trunc(a / b));
      case '%': if (b === 0) throw new EvalError('/ by zero'); return wrap(a % b);
    }
  }, gen: (g) => {
    const a = g.temp(), b = g.temp();
    const value = { '+': `(${a} + ${b}) | 0`, '-': `(${a} - ${b}) | 0`, '*': `Math.imul(${a}, ${b})`,
      '/': `(${b} === 0 ? ${g.ref(zero)}() : Math.trunc(${a} / ${b}) | 0)`, '%': `(${b} === 0 ? ${g.ref(zero)}() : (${a} % ${b}) | 0)` }[op];
    return `(${a} = ${g.sub(l)}, ${b} = ${g.sub(r)}, ${a} == null || ${b} == null ? ${g.ref(nullOperand)}() : ${value})`;
  } };
}

function compileCase(e: Extract<Expr, { t: 'case' }>, ctx: CompileCtx): Compiled {
  const operand = e.operand ? compileExpr(e.operand, ctx) : undefined;
  const whens = e.whens.map((w) => ({ when: operand ? compileCompareCompiled(operand, compileExpr(w.when, ctx)) : boolOperand(w.when, ctx), then: compileExpr(w.then, ctx) }));
  const elseC = e.else ? compileExpr(e.else, ctx) : undefined;
  const results = [...whens.map((w) => w.then), ...(elseC ? [elseC] : [])];
  if (results.every((r) => r.type.kind === 'NULL')) throw new KsqlStatementError('Invalid Case expression. All case branches have NULL type');
  const first = results.find((r) => r.type.kind !== 'NULL')!.type;
  for (const r of results) {
    if (r.type.kind !== 'NULL' && !(isNumeric(r.type) && isNumeric(first)) && !typesEqual(r.type, first)) {
      throw new KsqlStatementError(`Invalid Case expression. Type for all 'THEN' clauses should be the same.\nTHEN expression '${formatExpr(e.whens[0]!.then)}' has type: ${typeToString(first)}.\nTHEN expression has type: ${typeToString(r.type)}.`);
    }
  }
  const t = commonType(results.map((r) => r.type))!;
  const conv = whens.map((w) => ({ when: w.when, then: coerceTo(w.then, t) }));
  const elseConv = elseC ? coerceTo(elseC, t) : undefined;
  return { type: t, fn: (row) => {
    for (const w of conv) if (w.when.fn(row) === true) return w.then.fn(row);
    return elseConv ? elseConv.fn(row) : null;
  }, gen: (g) => `(${conv.map((w) => `${g.sub(w.when)} === true ? ${g.sub(w.then)} : `).join('')}${elseConv ? g.sub(elseConv) : 'null'})` };
}

function compileCompareCompiled(a: Compiled, b: Compiled): Compiled {
  return { type: T.BOOLEAN, fn: (row) => { const x = a.fn(row), y = b.fn(row); return x != null && y != null && compareValues(x, y) === 0; } };
}

function castSupported(from: SqlType, to: SqlType): boolean {
  if (to.kind === 'STRING') return from.kind !== 'BYTES';
  if (isNumeric(to)) return isNumeric(from) || from.kind === 'STRING';
  if (to.kind === 'BOOLEAN') return from.kind === 'STRING' || from.kind === 'BOOLEAN';
  if (to.kind === 'TIMESTAMP') return ['STRING', 'DATE', 'TIMESTAMP'].includes(from.kind);
  if (to.kind === 'DATE') return ['STRING', 'TIMESTAMP', 'DATE'].includes(from.kind);
  if (to.kind === 'TIME') return ['STRING', 'TIMESTAMP', 'TIME'].includes(from.kind);
  if (to.kind === 'BYTES') return from.kind === 'BYTES';
  if (to.kind === 'ARRAY') return from.kind === 'ARRAY' && castSupported(from.item, to.item);
  if (to.kind === 'MAP') return from.kind === 'MAP' && castSupported(from.key, to.key) && castSupported(from.value, to.value);
  if (to.kind === 'STRUCT') return from.kind === 'STRUCT';
  return false;
}

let lambdaCounter = 0;

/** Compiles a lambda's body with its parameters bound to the given types; returns a function of (row, ...values). */
function compileLambda(e: Expr, types: SqlType[], ctx: CompileCtx, fnName: string): { type: SqlType; call: (row: Row, ...vals: unknown[]) => unknown } {
  if (e.t !== 'lambda') throw new KsqlStatementError(`Function '${fnName}' expects a lambda function as its argument, got ${formatExpr(e)}`);
  if (e.params.length !== types.length) throw new KsqlStatementError(`Was expecting ${types.length} arguments to lambda function, got ${e.params.length}`);
  if (e.params.some((p) => ctx.lambdaVars?.has(p))) throw new KsqlStatementError('Exception while preparing statement: Reusing lambda arguments in nested lambda is not allowed');
  const vars = new Map(ctx.lambdaVars ?? []);
  const fields = e.params.map((p, i) => { const field = `$lambda${lambdaCounter++}_${p}`; vars.set(p, { type: types[i]!, field }); return field; });
  const body = compileExpr(e.body, { ...ctx, lambdaVars: vars });
  return {
    type: body.type,
    call: (row, ...vals) => {
      const scoped: Row = Object.create(row);
      fields.forEach((f, i) => { scoped[f] = vals[i]; });
      return body.fn(scoped);
    },
  };
}

function compileHigherOrder(e: Extract<Expr, { t: 'call' }>, ctx: CompileCtx): Compiled | undefined {
  const name = e.name.toUpperCase();
  if (!['TRANSFORM', 'FILTER', 'REDUCE'].includes(name) || !e.args.some((a) => a.t === 'lambda')) return undefined;
  const coll = compileExpr(e.args[0]!, ctx);
  if (coll.type.kind !== 'ARRAY' && coll.type.kind !== 'MAP') throw new KsqlStatementError(`Function '${name.toLowerCase()}' does not accept parameters (${typeToString(coll.type)}, ...).`);
  const ct = coll.type;
  // TRANSFORM of a map takes two lambdas (keys, values); everything else one, REDUCE after its initial value
  const arity = name === 'FILTER' ? 2 : name === 'REDUCE' || ct.kind === 'MAP' ? 3 : 2;
  const refuse = () => new KsqlStatementError(`Function '${name.toLowerCase()}' does not accept parameters (${typeToString(ct)}, ...).`);
  if (e.args.length !== arity) throw refuse();
  if (name === 'TRANSFORM') {
    if (ct.kind === 'ARRAY') {
      const f = compileLambda(e.args[1]!, [ct.item], ctx, name);
      return { type: T.array(f.type), fn: (row) => { const a = coll.fn(row) as unknown[] | null; return a == null ? null : a.map((v) => f.call(row, v) ?? null); } };
    }
    const fk = compileLambda(e.args[1]!, [ct.key, ct.value], ctx, name), fv = compileLambda(e.args[2]!, [ct.key, ct.value], ctx, name);
    return { type: T.map(fk.type, fv.type), fn: (row) => {
      const m = coll.fn(row) as Map<unknown, unknown> | null;
      if (m == null) return null;
      const out = new Map();
      for (const [k, v] of m) {
        const nk = fk.call(row, k, v), nv = fv.call(row, k, v);
        // a NULL value, or two entries transformed to one key: ksqlDB's map builder (Collectors.toMap)
        // fails on either, so the result is NULL
        if (nv === null || nv === undefined) throw new EvalError(`TRANSFORM gave the key ${String(nk)} a NULL value`);
        if (out.has(nk)) throw new EvalError(`TRANSFORM gave the key ${String(nk)} twice`);
        out.set(nk, nv);
      }
      return inJavaHashMapOrder(out, false);
    } };
  }
  // FILTER's lambda is a predicate (Function<T, Boolean>)
  const predicate = <F extends { type: SqlType }>(f: F): F => { if (f.type.kind !== 'BOOLEAN' && f.type.kind !== 'NULL') throw refuse(); return f; };
  if (name === 'FILTER') {
    if (ct.kind === 'ARRAY') {
      const f = predicate(compileLambda(e.args[1]!, [ct.item], ctx, name));
      return { type: ct, fn: (row) => { const a = coll.fn(row) as unknown[] | null; return a == null ? null : a.filter((v) => f.call(row, v) === true); } };
    }
    const f = predicate(compileLambda(e.args[1]!, [ct.key, ct.value], ctx, name));
    // the entries kept go into a new HashMap (Collectors.toMap), which takes no NULL value: the result is then NULL
    return { type: ct, fn: (row) => {
      const m = coll.fn(row) as Map<unknown, unknown> | null;
      if (m == null) return null;
      const kept = [...m].filter(([k, v]) => f.call(row, k, v) === true);
      if (kept.some(([, v]) => v === null || v === undefined)) throw new EvalError(`FILTER kept the key ${String(kept.find(([, v]) => v == null)![0])} with a NULL value`);
      return inJavaHashMapOrder(new Map(kept), false);
    } };
  }
  const init = compileExpr(e.args[1]!, ctx);
  const f = compileLambda(e.args[2]!, ct.kind === 'ARRAY' ? [init.type, ct.item] : [init.type, ct.key, ct.value], ctx, name);
  // the lambda gives the next state, of the initial value's type (BiFunction<S, T, S>): a number no
  // wider than it (INTEGER into a BIGINT state; a BIGINT or DOUBLE into an INTEGER one would not fit)
  const fits = typesEqual(f.type, init.type) || (isNumeric(f.type) && isNumeric(init.type) && (f.type.kind === init.type.kind || widerNumeric(f.type, init.type).kind === init.type.kind));
  if (init.type.kind !== 'NULL' && f.type.kind !== 'NULL' && !fits) throw refuse();
  const resultType = init.type.kind === 'NULL' ? f.type : init.type;
  return { type: resultType, fn: (row) => {
    const c = coll.fn(row), start = init.fn(row);
    if (start == null) return null;
    if (c == null) return start;
    let acc: unknown = start;
    if (ct.kind === 'ARRAY') for (const v of c as unknown[]) acc = f.call(row, acc, v);
    else for (const [k, v] of c as Map<unknown, unknown>) acc = f.call(row, acc, k, v);
    return acc == null ? null : isNumeric(resultType) && !isNumeric(f.type) ? acc : convert(acc, f.type.kind === 'NULL' ? resultType : f.type, resultType);
  } };
}

function compileCall(e: Extract<Expr, { t: 'call' }>, ctx: CompileCtx): Compiled {
  const higher = compileHigherOrder(e, ctx);
  if (higher) return higher;
  if (getAggregate(e.name)) {
    throw new KsqlStatementError(`Aggregate functions can not be used here: ${e.name} is an aggregate function.`);
  }
  const f = getScalarFunction(e.name);
  if (!f) throw new KsqlStatementError(`Can't find any functions with the name '${e.name}'`);
  const args = e.args.map((a) => compileExpr(a, ctx));
  // a time unit is a keyword (SECONDS), never a text: TIMESTAMPADD('DAYS', ...) has no form that takes it
  const r = UNIT_FUNCTIONS.has(e.name.toUpperCase()) && e.args[0]?.t !== 'timeunit' ? undefined : f.resolve(args.map((a) => a.type));
  if (typeof r === 'string') throw new KsqlStatementError(r);
  if (!r) throw new KsqlStatementError(`Function '${declaredName(e.name)}' does not accept parameters (${args.map((a) => typeToString(a.type)).join(', ')}).${validAlternatives(e.name)}`);
  const conv = args.map((a, i) => (r.argTypes[i] && a.type.kind !== 'NULL' && !typesEqual(a.type, r.argTypes[i]!) && canPassAs(a.type, r.argTypes[i]!)
    ? { fn: (row: Row) => convert(a.fn(row), a.type, r.argTypes[i]!) } : a));
  const fn = r.fn;
  return { type: r.returnType, fn: (row) => {
    const values = conv.map((a) => a.fn(row));
    try { return fn(values); } catch (e) {
      // as in ksqlDB, a function that fails gives NULL (and a processing error) where a row is being evaluated
      if (!callErrors) throw e;
      callErrors(e);
      return null;
    }
  } };
}

/**
 * An element of an ARRAY, MAP or STRUCT built by the expression: one that fails is NULL alone (and a
 * processing error), not the whole value, as ksqlDB's ksql.nested.error.set.null (true by default)
 * has it; outside row evaluation (no sink for errors) the error propagates.
 */
function nestedNull(c: Compiled, what: string): (row: Row) => unknown {
  return (row) => {
    try { return c.fn(row) ?? null; } catch (e) {
      if (!callErrors) throw e;
      callErrors(new EvalError(what, { cause: e }));
      return null;
    }
  };
}

/** Where a failing function call's error goes while a row is evaluated; without a sink, the error propagates. */
let callErrors: ((e: unknown) => void) | undefined;

/** Sets the sink for function call errors; returns the previous one, to restore after the evaluation. */
export function setCallErrors(sink: ((e: unknown) => void) | undefined): ((e: unknown) => void) | undefined {
  const previous = callErrors;
  callErrors = sink;
  return previous;
}

/** Messages use the name a UDF declares: lower case for most, upper case for a few (COALESCE). */
function declaredName(name: string): string {
  return UPPER_CASE_DECLARED.has(name.toUpperCase()) ? name.toUpperCase() : name.toLowerCase();
}
const UPPER_CASE_DECLARED = new Set(['COALESCE']);

/** LIKE pattern to a regular expression: % any run, _ one character, optional escape. */
export function likeToRegex(pattern: string, escape?: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (escape !== undefined && c === escape && i + 1 < pattern.length) { re += escapeRe(pattern[++i]!); continue; }
    if (c === '%') re += '[\\s\\S]*';
    else if (c === '_') re += '[\\s\\S]';
    else re += escapeRe(c);
  }
  return new RegExp(`^${re}$`);
}

/**
 * Whether a string matches a LIKE pattern. The common patterns (text, text%, %text, %text%: no _
 * and % only at the ends) are a string comparison, startsWith, endsWith or includes; the others
 * their regular expression (see likeToRegex).
 */
export function likeMatcher(pattern: string, escape?: string): (s: string) => boolean {
  // the pattern as literal text between its wildcards, where it is one text with % at most at either end
  let text = '', lead = false, trail = false;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (escape !== undefined && c === escape && i + 1 < pattern.length) { if (trail) return regexMatcher(pattern, escape); text += pattern[++i]!; continue; }
    if (c === '_') return regexMatcher(pattern, escape);
    if (c === '%') { if (text === '' && !trail) lead = true; else trail = true; continue; }
    if (trail) return regexMatcher(pattern, escape);
    text += c;
  }
  if (lead && trail) return (s) => s.includes(text);
  if (lead) return text === '' ? () => true : (s) => s.endsWith(text);
  if (trail) return (s) => s.startsWith(text);
  return (s) => s === text;
}
const regexMatcher = (pattern: string, escape?: string) => { const re = likeToRegex(pattern, escape); return (s: string) => re.test(s); };
const escapeRe = (c: string) => c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
