import type { SqlType } from '../sql/types.js';
import { SerdeError } from './serde-error.js';

/**
 * The Kafka Connect type a Schema Registry format's field is read as (ksqlDB reads AVRO, PROTOBUF
 * and JSON_SR through Connect), by Connect's lower-case names.
 */
export type ConnectType = 'boolean' | 'int8' | 'int16' | 'int32' | 'int64' | 'float32' | 'float64' | 'string' | 'bytes';

/**
 * The Connect types a column of a primitive SQL type takes, as ksqlDB's translator allows them:
 * narrower integers widen, FLOAT32 widens, and a STRING column takes integers and booleans as their
 * text. Anything else (a DOUBLE read into an INT column, a string into a number) is not read.
 */
const ACCEPTS: Partial<Record<SqlType['kind'], { as: ConnectType; from: readonly ConnectType[] }>> = {
  BOOLEAN: { as: 'boolean', from: ['boolean'] },
  INTEGER: { as: 'int32', from: ['int8', 'int16', 'int32'] },
  BIGINT: { as: 'int64', from: ['int8', 'int16', 'int32', 'int64'] },
  DOUBLE: { as: 'float64', from: ['float32', 'float64'] },
  STRING: { as: 'string', from: ['int8', 'int16', 'int32', 'int64', 'boolean', 'string'] },
  BYTES: { as: 'bytes', from: ['bytes'] },
};

/**
 * Why a field written as `written` cannot be read into a column of type `t` (ksqlDB's
 * deserialization error), or undefined when it can (or `t` is no primitive this checks).
 */
export function connectMismatch(written: ConnectType | undefined, t: SqlType): SerdeError | undefined {
  const rule = ACCEPTS[t.kind];
  if (!rule || written === undefined || rule.from.includes(written)) return undefined;
  return new SerdeError(`Cannot deserialize type ${written} as type ${rule.as}`);
}
