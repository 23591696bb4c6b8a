import { T, canImplicitlyCast, isNumeric, typeToString, widerNumeric, type SqlType } from '../sql/types.js';

/**
 * The most elements (characters, array items) one value a function builds may hold: beyond it the
 * call fails for that row, as a value that would not fit in memory fails, instead of the server.
 */
export const MAX_VALUE_ELEMENTS = 10_000_000;

export interface ResolvedFunction {
  returnType: SqlType;
  /** Argument types the call site must convert its arguments to before `fn`. */
  argTypes: SqlType[];
  fn: (args: unknown[]) => unknown;
}

/**
 * Binds a call to argument types: the resolved overload, `undefined` when no overload accepts
 * them (the caller reports "does not accept parameters"), or a message of ksqlDB's own.
 */
export type Resolver = (args: SqlType[]) => ResolvedFunction | string | undefined;

/** One overload as DESCRIBE FUNCTION lists it: its parameters' types and what it returns. */
export interface Signature { params: string[]; returns: string; variadic: boolean }

export interface ScalarFunction {
  name: string;
  category: string;
  description: string;
  resolve: Resolver;
  /** Every overload defined, in order. */
  signatures: Signature[];
}

const registry = new Map<string, ScalarFunction>();
export const scalarFunctions = (): ScalarFunction[] => [...registry.values()];
export const getScalarFunction = (name: string): ScalarFunction | undefined => registry.get(name.toUpperCase());

/** Registers a function; a second definition of a name is tried after the first one declines. */
export function define(name: string, category: string, description: string, resolve: Resolver, signature?: Signature): void {
  const prev = registry.get(name);
  const chained: Resolver = prev ? (args) => resolve(args) ?? prev.resolve(args) : resolve;
  registry.set(name, { name, category, description: prev?.description ?? description, resolve: chained, signatures: [...(prev?.signatures ?? []), signature ?? signatureOf(description)] });
}

/** A signature read from a description such as `CONCAT(STRING...)` or `MASK(STRING[, upper, ...])`. */
function signatureOf(description: string): Signature {
  const inner = /\((.*)\)/s.exec(description)?.[1] ?? '';
  const params = inner.split(',').map((p) => p.replace(/[[\]]/g, '').trim()).filter(Boolean);
  return { params: params.map((p) => p.replace(/\.\.\.$/, '')), returns: '', variadic: params.some((p) => p.endsWith('...')) };
}

/** The parameter types of each function's fixed overloads, by name. */
const fixedOverloads = new Map<string, SqlType[][]>();

/** A function of fixed parameter types; NULL in any argument gives NULL unless `nullSafe`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each function takes its own argument types
export function fixed(name: string, category: string, params: SqlType[], ret: SqlType, fn: (...a: any[]) => unknown, nullSafe = false): void {
  const overloads = fixedOverloads.get(name) ?? [];
  fixedOverloads.set(name, [...overloads, params]);
  const exactly = (args: SqlType[], p: SqlType[]) => p.length === args.length && args.every((a, i) => typeToString(a) === typeToString(p[i]!));
  define(name, category, `${name}(${params.map(typeToString).join(', ')})`, (args) => {
    if (args.length !== params.length || !args.every((a, i) => canPassAs(a, params[i]!))) return undefined;
    // an overload that takes the arguments' own types is the better fit (GENERATE_SERIES of INTs is ARRAY<INT>)
    if (!exactly(args, params) && fixedOverloads.get(name)!.some((p) => p !== params && exactly(args, p))) return undefined;
    return { returnType: ret, argTypes: params, fn: nullSafe ? (a) => fn(...a) : (a) => (a.some((x) => x === null || x === undefined) ? null : fn(...a)) };
  }, { params: params.map(typeToString), returns: typeToString(ret), variadic: false });
}

/** ksqlDB's message when several overloads fit equally well; NULL arguments print as `null`. */
export function ambiguousCall(name: string, args: SqlType[]): string {
  return `Function '${name.toLowerCase()}' cannot be resolved due to ambiguous method parameters (${args.map((a) => (a.kind === 'NULL' ? 'null' : typeToString(a))).join(', ')}).`;
}

/** Implicit casts of function arguments: numeric widening, plus STRING to the time types. */
export function canPassAs(from: SqlType, to: SqlType): boolean {
  return canImplicitlyCast(from, to) || (from.kind === 'STRING' && (to.kind === 'DATE' || to.kind === 'TIME' || to.kind === 'TIMESTAMP'));
}

export const S = T.STRING, I = T.INTEGER, B = T.BIGINT, D = T.DOUBLE, BOOL = T.BOOLEAN;

export const isNumericOrNull = (t: SqlType): boolean => isNumeric(t) || t.kind === 'NULL';

/** The type all arguments widen to (NULLs adopt it), or undefined when they do not agree. */
export function commonType(args: SqlType[]): SqlType | undefined {
  let t: SqlType | undefined;
  for (const a of args) {
    if (a.kind === 'NULL') continue;
    if (!t) { t = a; continue; }
    if (isNumeric(t) && isNumeric(a)) t = widerNumeric(t, a);
    else if (!canImplicitlyCast(a, t)) return undefined;
  }
  return t ?? T.STRING;
}
