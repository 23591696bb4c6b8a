import { getScalarFunction } from '../../../src/engine/functions/scalar.js';
import { convert } from '../../../src/engine/functions/values.js';
import type { SqlType } from '../../../src/engine/sql/types.js';

/** Resolves `name` for the argument types and applies it, converting arguments as a call site does. */
export function call(name: string, types: SqlType[], args: unknown[]): unknown {
  const r = resolve(name, types);
  if (typeof r === 'string') throw new Error(r);
  return r.fn(args.map((a, i) => (a == null || types[i]!.kind === 'NULL' ? a : convert(a, types[i]!, r.argTypes[i]!))));
}

export function resolve(name: string, types: SqlType[]) {
  const f = getScalarFunction(name);
  if (!f) throw new Error(`no function ${name}`);
  const r = f.resolve(types);
  if (r === undefined) throw new Error(`${name} does not accept these parameters`);
  return r;
}
