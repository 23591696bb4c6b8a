import { EvalError } from '../analysis/errors.js';
import { BOOL, define } from './registry.js';
import { registerStringFunctions } from './strings.js';
import { registerMathFunctions } from './math.js';
import { registerCollectionFunctions } from './collections.js';
import { registerDateFunctions } from './dates.js';
import { registerJsonFunctions } from './json.js';
import { registerBytesFunctions } from './bytes.js';
import { registerUrlFunctions } from './url.js';

export { canPassAs, commonType, getScalarFunction, scalarFunctions, type ResolvedFunction, type ScalarFunction } from './registry.js';
export { formatJavaDate } from './java-time.js';

// The one place the scalar catalogue is assembled; later definitions of a name add overloads.
registerStringFunctions();
registerMathFunctions();
registerCollectionFunctions();
registerDateFunctions();
registerJsonFunctions();
registerBytesFunctions();
registerUrlFunctions();

// The lambda functions are compiled where their lambdas are (analysis/compile.ts); they are listed
// here so SHOW FUNCTIONS and DESCRIBE FUNCTION know them. Their resolvers take no lambda-less call.
const LAMBDAS: [string, string[], string][] = [
  ['TRANSFORM', ['ARRAY<T>', 'LAMBDA<T, U>'], 'ARRAY<U>'], ['TRANSFORM', ['MAP<K, V>', 'LAMBDA<K, V, K2>', 'LAMBDA<K, V, V2>'], 'MAP<K2, V2>'],
  ['FILTER', ['ARRAY<T>', 'LAMBDA<T, BOOLEAN>'], 'ARRAY<T>'], ['FILTER', ['MAP<K, V>', 'LAMBDA<K, V, BOOLEAN>'], 'MAP<K, V>'],
  ['REDUCE', ['ARRAY<T>', 'S', 'LAMBDA<S, T, S>'], 'S'], ['REDUCE', ['MAP<K, V>', 'S', 'LAMBDA<S, K, V, S>'], 'S'],
];
for (const [name, params, returns] of LAMBDAS) define(name, 'LAMBDA', `${name}(${params.join(', ')})`, () => undefined, { params, returns, variadic: false });

/**
 * Test-only UDFs of ksqlDB's functional tests: return the value, or fail the record when `run` is
 * false. Only the conformance runner registers them: a server that knew them would pass migrations
 * that a real ksqlDB refuses.
 */
let testFunctions = false;
export function registerTestFunctions(): void {
  if (testFunctions) return;
  testFunctions = true;
  for (const name of ['WHENCONDITION', 'WHENRESULT']) {
    define(name, 'OTHER', `${name}(value, run)`, (args) => (args.length === 2 ? {
      returnType: args[0]!.kind === 'NULL' ? BOOL : args[0]!, argTypes: [args[0]!.kind === 'NULL' ? BOOL : args[0]!, BOOL],
      fn: ([v, run]) => { if (!run) throw new EvalError(`${name} should not be evaluated`); return v; },
    } : undefined));
  }
}
