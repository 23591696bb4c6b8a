import { probeSignatures } from './probe.js';
import { functionDoc, paramNames } from './docs.js';
import { getScalarFunction } from './scalar.js';
import { aggregateSignatures, getAggregate } from './aggregate.js';
import { getTableFunction } from './table.js';
import { typeToString, type SqlType } from '../sql/types.js';

/** One form a function takes, as ksqlDB's ParamTypes name its types (VARCHAR, INT; DECIMAL for any). */
export interface Overload { params: string[]; names: string[]; returns: string; variadic: boolean }

/** A parameter or return type as ksqlDB names it in DESCRIBE FUNCTION and its error's alternatives: VARCHAR, INT. */
export const paramTypeName = (t: string): string => t.replace(/\bSTRING\b/g, 'VARCHAR').replace(/\bINTEGER\b/g, 'INT');
const anyDecimal = (t: SqlType): string => typeToString(t).replace(/DECIMAL\(\d+, \d+\)/g, 'DECIMAL');

/** Every form of a built-in function, each argument by type and name; undefined for no such function. */
export function functionOverloads(name: string): Overload[] | undefined {
  const s = getScalarFunction(name), a = getAggregate(name), t = getTableFunction(name);
  if (!s && !a && !t) return undefined;
  // a function that binds its types as it is called has them found by binding it; an aggregate's
  // DECIMAL stands for any precision and scale (the probe's own are no part of the function)
  const forms = s ? (s.signatures.some((x) => x.returns === '') ? probeSignatures(s) ?? s.signatures : s.signatures)
    : a ? aggregateSignatures(a).map((x) => ({ params: x.params.map(anyDecimal), returns: anyDecimal(x.returns), variadic: false }))
      : [{ ...t!.signature, variadic: false }];
  const doc = functionDoc(name);
  return forms.map((o) => {
    const params = o.params.map(paramTypeName);
    return { params, names: paramNames(doc, params, o.variadic), returns: paramTypeName(o.returns), variadic: o.variadic };
  });
}

/**
 * What ksqlDB adds to "does not accept parameters": the forms the function takes, one a line
 * (`NAME(VARCHAR str, INT pos)`, a variadic one's last type with `...`), and where to read more.
 */
export function validAlternatives(name: string): string {
  const forms = functionOverloads(name);
  if (!forms?.length) return '';
  const upper = name.toUpperCase();
  const line = (o: Overload) => `${upper}(${o.params.map((p, i) => `${p}${o.variadic && i === o.params.length - 1 ? '...' : ''} ${o.names[i]}`).join(', ')})`;
  return `\nValid alternatives are:\n${forms.map(line).join('\n')}\nFor detailed information on a function run: DESCRIBE FUNCTION <Function-Name>;`;
}
