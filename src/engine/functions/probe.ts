import { T, typeToString, type SqlType } from '../sql/types.js';
import type { ScalarFunction, Signature } from './registry.js';

/**
 * The overloads of a function whose resolver binds argument types as it is called (ABS of any
 * number, ARRAY_MAX of any array), found by binding it to each shape of arguments: what a call
 * converts its arguments to is the overload, what it returns its return type. A parameter that
 * binds alike with INTEGER and STRING in its place (an array's elements, or a value beside them)
 * is generic, T, and so is the return type where it follows it. Maps are probed with STRING keys.
 */

const SCALARS: SqlType[] = [T.BOOLEAN, T.INTEGER, T.BIGINT, T.DOUBLE, T.decimal(4, 2), T.STRING, T.BYTES, T.DATE, T.TIME, T.TIMESTAMP];
/** Past three parameters (MASK's five, MASK_LEFT's six), only the stand-ins INTEGER and STRING are probed. */
const FEW: SqlType[] = [T.INTEGER, T.STRING];

/** The arities a description such as `ROUND(number[, places])` or `CONCAT(STRING...)` allows, and whether its last parameter repeats. */
export function aritiesOf(description: string): { arities: number[]; variadic: boolean } {
  const inner = /\((.*)\)/s.exec(description)?.[1] ?? '';
  const required = inner.split('[')[0]!.split(',').map((x) => x.trim()).filter(Boolean).length;
  const all = inner.replace(/[[\]]/g, '').split(',').map((x) => x.trim()).filter(Boolean);
  const variadic = /\.\.\./.test(inner);
  const most = variadic ? Math.max(required, all.length) + 1 : all.length;
  return { arities: Array.from({ length: most - required + 1 }, (_, i) => required + i).filter((n) => n <= 6), variadic };
}

const plain = (t: SqlType) => typeToString(t).replace(/DECIMAL\(\d+, \d+\)/g, 'DECIMAL');

/** The probe's options for one parameter: scalars and containers, INTEGER standing for the generic type. */
function options(n: number): SqlType[] {
  if (n > 3) return FEW;
  // (arrays of STRING too: AS_MAP's keys are one)
  return [...SCALARS, T.array(T.INTEGER), T.array(T.STRING), T.map(T.STRING, T.INTEGER)];
}

/**
 * The same type with the stand-in INTEGER as STRING: in containers only, or in scalars too; `both`
 * swaps STRING for INTEGER as well.
 */
function swapped(t: SqlType, scalars: boolean, both = true): SqlType {
  if (t.kind === 'ARRAY') return T.array(swapped(t.item, true, both));
  if (t.kind === 'MAP') return T.map(t.key, swapped(t.value, true, both));
  if (!scalars) return t;
  return t.kind === 'INTEGER' ? T.STRING : t.kind === 'STRING' && both ? T.INTEGER : t;
}

/** Every argument list of `n` parameters from `opts`. */
function* shapes(n: number, opts: SqlType[]): Generator<SqlType[]> {
  const pick: number[] = new Array(n).fill(0);
  for (;;) {
    yield pick.map((i) => opts[i]!);
    let k = n - 1;
    while (k >= 0 && ++pick[k]! === opts.length) pick[k--] = 0;
    if (k < 0) return;
  }
}

type Bound = { params: string[]; returns: string } | undefined;
function bind(f: ScalarFunction, args: SqlType[]): Bound {
  let r;
  try { r = f.resolve(args); } catch { return undefined; }
  return r && typeof r !== 'string' ? { params: r.argTypes.map(plain), returns: plain(r.returnType) } : undefined;
}

/** A parameter or return type of a generic overload: INTEGER where the other binding has STRING is T. */
function generic(a: string, b: string): string {
  if (a === b) return a;
  return a.replace(/INTEGER/g, 'T');
}

/** The function's overloads found by binding it, in a stable order; undefined when no argument list binds. */
export function probeSignatures(f: ScalarFunction): Signature[] | undefined {
  // the arities its description allows, and those of each overload it declares by description
  const described = aritiesOf(f.description);
  const declared = f.signatures.filter((x) => x.returns === '');
  const arities = [...new Set([...described.arities, ...declared.map((x) => x.params.length)])].filter((n) => n <= 6).sort((a, b) => a - b);
  const variadic = described.variadic || declared.some((x) => x.variadic);
  const found: Signature[] = [];
  const add = (s: Signature) => { if (!found.some((x) => x.params.join() === s.params.join() && x.returns === s.returns && x.variadic === s.variadic)) found.push(s); };
  for (const n of arities) {
    const isVariadic = variadic && n > 0;
    for (const args of shapes(n, options(n))) {
      const a = bind(f, args);
      if (!a) continue;
      // the same call with the generic type as STRING: in containers only, else in scalars too
      const b = [bind(f, args.map((t) => swapped(t, false))), bind(f, args.map((t) => swapped(t, true, false))), bind(f, args.map((t) => swapped(t, true)))]
        .find((x) => x && x.params.join() !== a.params.join() && x.params.every((p, i) => p === a.params[i] || p === a.params[i]!.replace(/INTEGER/g, 'STRING')));
      if (b) add({ params: a.params.map((p, i) => generic(p, b.params[i]!)), returns: generic(a.returns, b.returns), variadic: isVariadic });
      else add({ params: a.params, returns: a.returns, variadic: isVariadic });
    }
  }
  if (!found.length) return undefined;
  return collapseScalars(dropCovered(found));
}

/**
 * Leaves out overloads another one already says: a concrete one a generic one takes (T as
 * INTEGER or STRING), and a longer call of a variadic one (CONCAT(STRING, STRING...) beside CONCAT(STRING...)).
 */
function dropCovered(all: Signature[]): Signature[] {
  const generics = all.filter((s) => s.params.some((p) => /\bT\b/.test(p)) || /\bT\b/.test(s.returns));
  const instance = (g: Signature, s: Signature, x: string) => g.params.length === s.params.length && g.params.every((p, i) => p.replace(/\bT\b/g, x) === s.params[i]) && g.returns.replace(/\bT\b/g, x) === s.returns;
  // a concrete one naming the probe's stand-in element (ARRAY<INTEGER>) beside a generic one of its
  // arity is the generic one bound to another argument type (ARRAY_REMOVE(ARRAY<INTEGER>, BIGINT))
  const standIn = (s: Signature) => s.params.some((p) => /<INTEGER>|, INTEGER>/.test(p)) && generics.some((g) => g.params.length === s.params.length);
  return all.filter((s) => {
    if (!generics.includes(s) && (standIn(s) || generics.some((g) => ['INTEGER', 'STRING'].some((x) => instance(g, s, x))))) return false;
    if (!s.variadic) return true;
    // a variadic one whose last parameter repeats that of a shorter one
    return !all.some((o) => o !== s && o.variadic && o.params.length < s.params.length && o.returns === s.returns
      && s.params.every((p, i) => p === (o.params[i] ?? o.params[o.params.length - 1])));
  });
}

/**
 * Overloads that take one type X in every parameter, for every scalar type, returning X (or one
 * type whatever X is), are one generic overload: COALESCE(T, T) -> T, TO_JSON_STRING(T) -> STRING.
 */
function collapseScalars(signatures: Signature[]): Signature[] {
  // T stands for INTEGER and STRING, which the probe already found generic
  const names = [...SCALARS.map(plain).filter((n) => n !== 'INTEGER' && n !== 'STRING'), 'T'];
  const groups = new Map<string, Signature[]>();
  const join = (key: string, s: Signature) => groups.set(key, [...(groups.get(key) ?? []), s]);
  for (const s of signatures) {
    const x = s.params[0];
    if (x === undefined || !names.includes(x) || !s.params.every((p) => p === x)) continue;
    if (s.returns === x) join(`${s.params.length}|${s.variadic}|=`, s);
    join(`${s.params.length}|${s.variadic}|${s.returns}`, s);
  }
  let out = signatures;
  for (const [key, group] of groups) {
    const types = new Set(group.map((s) => s.params[0]));
    if (types.size < names.length || group.some((s) => !out.includes(s))) continue;
    const [n, , ret] = key.split('|');
    const generic: Signature = { params: Array.from({ length: Number(n) }, () => 'T'), returns: ret === '=' ? 'T' : ret!, variadic: group[0]!.variadic };
    const at = out.indexOf(group[0]!);
    out = out.filter((s) => !group.includes(s));
    out.splice(Math.min(at, out.length), 0, generic);
  }
  return out;
}
