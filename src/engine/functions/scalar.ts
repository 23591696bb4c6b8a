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

// Test-only UDFs of ksqlDB's functional tests: return the value, or fail the record when `run` is false.
for (const name of ['WHENCONDITION', 'WHENRESULT']) {
  define(name, 'OTHER', `${name}(value, run)`, (args) => (args.length === 2 ? {
    returnType: args[0]!.kind === 'NULL' ? BOOL : args[0]!, argTypes: [args[0]!.kind === 'NULL' ? BOOL : args[0]!, BOOL],
    fn: ([v, run]) => { if (!run) throw new EvalError(`${name} should not be evaluated`); return v; },
  } : undefined));
}
