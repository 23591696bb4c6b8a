import type { SqlType } from '../sql/types.js';

/** A table function (UDTF): one input row becomes as many output rows as the longest list it returns. */
export interface TableFunction {
  name: string;
  description: string;
  /** Its one signature, as DESCRIBE FUNCTION shows it (T stands for any element type). */
  signature: { params: string[]; returns: string };
  /** The type of each element it returns, or undefined when the arguments do not fit. */
  resolve(args: SqlType[]): SqlType | undefined;
  apply(args: unknown[]): unknown[];
}

const registry = new Map<string, TableFunction>();
export const getTableFunction = (name: string): TableFunction | undefined => registry.get(name.toUpperCase());
export const tableFunctions = (): TableFunction[] => [...registry.values()];
const register = (f: TableFunction) => registry.set(f.name, f);

register({
  name: 'EXPLODE',
  description: 'Explodes an array. This function outputs one value for each element of the array.',
  signature: { params: ['ARRAY<T>'], returns: 'T' },
  // one argument, an array (ksqlDB's only signature)
  resolve: (args) => (args.length === 1 && args[0]!.kind === 'ARRAY' ? args[0]!.item : undefined),
  apply: ([list]) => (Array.isArray(list) ? list : []),
});

register({
  name: 'CUBE_EXPLODE',
  description: 'Takes as argument a list of columns and outputs all possible combinations of them.',
  signature: { params: ['ARRAY<T>'], returns: 'ARRAY<T>' },
  resolve: (args) => (args.length === 1 && args[0]!.kind === 'ARRAY' ? args[0] : undefined),
  apply([list]) {
    if (!Array.isArray(list)) return [];
    const n = list.length, out: unknown[][] = [];
    // every subset, in the order of a binary count where the last element is the lowest bit; a null
    // element is left out of the subsets that would only repeat one without it
    for (let mask = 0; mask < 2 ** n; mask++) {
      const has = (i: number) => ((mask >> (n - 1 - i)) & 1) === 1;
      if (list.some((v, i) => has(i) && v === null)) continue;
      out.push(list.map((v, i) => (has(i) ? v : null)));
    }
    return out;
  },
});
