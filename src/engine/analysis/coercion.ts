import { parseLong } from '../util/long.js';
import type { Expr } from '../sql/ast.js';
import { Decimal } from '../util/decimal.js';
import { T, canImplicitlyCast, isNumeric, typeToString, typesEqual, widerNumeric, type SqlType } from '../sql/types.js';
import { KsqlStatementError } from './errors.js';
import { convert } from '../functions/values.js';
import { formatExpr } from './format.js';
import { compileExpr, type CompileCtx, type Compiled } from './compile.js';

/**
 * ksqlDB's coercion of a list of expressions to one type (ARRAY[...], MAP(...) keys and values,
 * `x IN (...)`): numbers widen, structs gain the union of their fields, string literals parse as
 * the other type and other literals print as text where a STRING is wanted. Constructors nest, so
 * `ARRAY['3', null]` can become an ARRAY<BIGINT>.
 */
export function unifyExprs(exprs: Expr[], ctx: CompileCtx): { type: SqlType | undefined; items: Compiled[] } {
  const compiled = exprs.map((e) => compileExpr(e, ctx));
  let t: SqlType | undefined;
  exprs.forEach((e, i) => {
    const u = compiled[i]!.type;
    if (u.kind === 'NULL') return;
    if (!t) { t = u; return; }
    const merged = mergeType(t, u, e, (x) => compileExpr(x, ctx).type);
    if (!merged) throw mismatch(t, u, e, ctx);
    t = merged;
  });
  const target = t;
  if (!target) return { type: undefined, items: compiled };
  return { type: target, items: exprs.map((e, i) => coerceExpr(e, compiled[i]!, target, ctx)) };
}

const TIME_KINDS = ['TIMESTAMP', 'DATE', 'TIME'];
const isComplex = (t: SqlType) => t.kind === 'ARRAY' || t.kind === 'MAP' || t.kind === 'STRUCT';
const isStringLit = (e: Expr | undefined) => e?.t === 'lit' && e.type.kind === 'STRING';
const isOtherLit = (e: Expr | undefined) => e?.t === 'lit' && e.type.kind !== 'STRING' && e.type.kind !== 'NULL';

/**
 * The type that holds both `t` and `u`, or undefined. `e`, when known, is the expression of type
 * `u`: its literals (also inside constructors, typed by `ty`) may convert where its type would not.
 */
function mergeType(t: SqlType, u: SqlType, e?: Expr, ty?: (e: Expr) => SqlType): SqlType | undefined {
  if (u.kind === 'NULL' || typesEqual(t, u)) return t;
  if (isNumeric(t) && isNumeric(u)) return widerNumeric(t, u);
  if (isStringLit(e) && !isComplex(t)) return t;
  if (isOtherLit(e) && t.kind === 'STRING') return t;
  if (TIME_KINDS.includes(t.kind) && u.kind === 'STRING') return t;
  if (t.kind === 'ARRAY' && u.kind === 'ARRAY') {
    if (e?.t !== 'array' || !ty) return wrap(mergeType(t.item, u.item), T.array);
    let item: SqlType | undefined = t.item;
    for (const x of e.items) item = item && mergeType(item, ty!(x), x, ty);
    return wrap(item, T.array);
  }
  if (t.kind === 'MAP' && u.kind === 'MAP') {
    let k: SqlType | undefined = t.key, v: SqlType | undefined = t.value;
    if (e?.t !== 'map' || !ty) { k = mergeType(k, u.key); v = mergeType(v, u.value); } else {
      for (const x of e.entries) { k = k && mergeType(k, ty!(x.key), x.key, ty); v = v && mergeType(v, ty!(x.value), x.value, ty); }
    }
    return k && v ? T.map(k, v) : undefined;
  }
  if (t.kind === 'STRUCT' && u.kind === 'STRUCT') {
    const fields = t.fields.map((f) => ({ ...f }));
    for (const g of u.fields) {
      const sub = e?.t === 'struct' && ty ? e.fields.find((x) => x.name === g.name)?.value : undefined;
      const f = fields.find((x) => x.name === g.name);
      if (!f) { fields.push({ ...g }); continue; }
      const m = mergeType(f.type, sub ? ty!(sub) : g.type, sub, ty);
      if (!m) return undefined;
      f.type = m;
    }
    return T.struct(fields);
  }
  return undefined;
}

const wrap = (t: SqlType | undefined, f: (t: SqlType) => SqlType) => (t ? f(t) : undefined);

/** `e` (compiled as `c`) converted to `t`, descending into constructors so nested literals parse as their target. */
function coerceExpr(e: Expr, c: Compiled, t: SqlType, ctx: CompileCtx): Compiled {
  if (c.type.kind === 'NULL' || typesEqual(c.type, t)) return c.type.kind === 'NULL' ? { type: t, fn: c.fn } : c;
  if (e.t === 'array' && t.kind === 'ARRAY') {
    const items = e.items.map((x) => coerceExpr(x, compileExpr(x, ctx), t.item, ctx));
    return { type: t, fn: (row) => items.map((i) => i.fn(row) ?? null) };
  }
  if (e.t === 'map' && t.kind === 'MAP') {
    const ks = e.entries.map((x) => coerceExpr(x.key, compileExpr(x.key, ctx), t.key, ctx));
    const vs = e.entries.map((x) => coerceExpr(x.value, compileExpr(x.value, ctx), t.value, ctx));
    return { type: t, fn: (row) => new Map(ks.map((k, i) => [k.fn(row), vs[i]!.fn(row) ?? null])) };
  }
  if (e.t === 'struct' && t.kind === 'STRUCT') {
    const fields = t.fields.map((f) => {
      const x = e.fields.find((g) => g.name === f.name)?.value;
      return { name: f.name, c: x ? coerceExpr(x, compileExpr(x, ctx), f.type, ctx) : undefined };
    });
    return { type: t, fn: (row) => Object.fromEntries(fields.map((f) => [f.name, f.c ? f.c.fn(row) ?? null : null])) };
  }
  if (isStringLit(e) && t.kind !== 'STRING') {
    const lit = coerceLiteral(c, e, t, ctx);
    // a literal wider than the target keeps its value: '2147483648' never equals an INT
    if (typesEqual(lit.type, t) || (isNumeric(t) && !canImplicitlyCast(lit.type, t))) return { type: t, fn: lit.fn };
    return { type: t, fn: (row) => convert(lit.fn(row), lit.type, t) };
  }
  if (isOtherLit(e) && t.kind === 'STRING') {
    const lit = e as Extract<Expr, { t: 'lit' }>;
    const text = lit.text ?? (lit.value instanceof Decimal ? lit.value.toString() : String(lit.value));
    return { type: t, fn: () => text };
  }
  if (canImplicitlyCast(c.type, t) || (TIME_KINDS.includes(t.kind) && c.type.kind === 'STRING')) {
    const from = c.type;
    return { type: t, fn: (row) => convert(c.fn(row), from, t) };
  }
  throw mismatch(t, c.type, e, ctx);
}

function mismatch(t: SqlType, u: SqlType, e: Expr, ctx: CompileCtx): KsqlStatementError {
  return new KsqlStatementError(`${codegenPrefix(ctx)}operator does not exist: ${typeToString(t)} = ${typeToString(u)} (${formatExpr(e)})\nHint: You might need to add explicit type casts.`);
}

/** Prefix ksqlDB's code generator puts on errors it raises while compiling a clause. */
export function codegenPrefix(ctx: CompileCtx): string {
  return ctx.clause === 'WHERE' || ctx.clause === 'HAVING' ? 'Invalid Predicate: ' : ctx.clause === 'SELECT' ? 'Invalid Select: ' : '';
}

/** A string literal used where another type is expected: parsed as ksqlDB's literal coercion does. */
export function coerceLiteral(c: Compiled, e: Expr, to: SqlType, ctx: CompileCtx): Compiled {
  const text = (e as { value: string }).value;
  const bad = () => new KsqlStatementError(`${codegenPrefix(ctx)}invalid input syntax for type ${to.kind === 'DECIMAL' ? 'DECIMAL' : typeToString(to)}: "${text}".`);
  if (isNumeric(to)) {
    const t = text.trim();
    if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) throw bad();
    if (/^[+-]?\d+$/.test(t)) {
      // an integer text is read exactly (a BIGINT beyond 2^53 keeps its digits); beyond a long it is no number
      const exact = parseLong(t.replace(/^\+/, ''));
      if (exact === undefined && to.kind !== 'DOUBLE' && to.kind !== 'DECIMAL') throw bad();
      const n = exact ?? Number(t);
      const type = typeof n === 'bigint' || n > 2147483647 || n < -2147483648 ? T.BIGINT : T.INTEGER;
      return { type: to.kind === 'DOUBLE' ? T.DOUBLE : type, fn: () => (to.kind === 'DOUBLE' ? Number(n) : n) };
    }
    if (/[eE]/.test(t) || to.kind === 'DOUBLE') { const n = Number(t); return { type: T.DOUBLE, fn: () => n }; }
    const d = Decimal.parse(t);
    return { type: T.decimal(Math.max(d.precision, d.scale, 1), d.scale), fn: () => d };
  }
  if (to.kind === 'BOOLEAN') {
    const s = text.trim().toLowerCase();
    if (s === '') throw bad();
    if ('true'.startsWith(s) || 'yes'.startsWith(s)) return { type: T.BOOLEAN, fn: () => true };
    if ('false'.startsWith(s) || 'no'.startsWith(s)) return { type: T.BOOLEAN, fn: () => false };
    throw bad();
  }
  if (TIME_KINDS.includes(to.kind)) {
    try { const v = convert(text, T.STRING, to); return { type: to, fn: () => v }; } catch { throw bad(); }
  }
  return c;
}
