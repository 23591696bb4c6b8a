import type { Decimal } from '../util/decimal.js';
import type { SqlType } from '../sql/types.js';
import { fromJson } from './json-value.js';
import { parseJsonExact, stringifyJsonExact } from './json-exact.js';
import type { JsonSchema } from './json-schema.js';
import { findName, type Codec, type Shape } from './sr-values.js';

type Obj = { [k: string]: unknown };

/** JSON_SR payloads: plain JSON named by the writer schema's properties; values follow the SQL types. */
export function jsonSrCodec(schema: JsonSchema, shape: Shape): Codec {
  const props = Object.keys((schema.properties ?? {}) as Obj);
  const physical = shape.names.map((n) => { const i = findName(props, n); return i < 0 ? n : props[i]!; });
  return {
    encode(values) {
      if (shape.unwrapped) return Buffer.from(stringifyJsonExact(toJson(values[0], shape.types[0]!)));
      const obj: Obj = {};
      shape.names.forEach((_, i) => { obj[physical[i]!] = toJson(values[i], shape.types[i]!); });
      return Buffer.from(stringifyJsonExact(obj));
    },
    decode(payload) {
      const v = parseJsonExact(payload.toString('utf8'));
      if (shape.unwrapped) return [fromJson(v, shape.types[0]!)];
      if (v === null) return null;
      const src = v as Obj;
      const keys = Object.keys(src);
      return shape.names.map((n, i) => { const k = findName(keys, n); return k < 0 ? null : fromJson(src[keys[k]!], shape.types[i]!, n); });
    },
  };
}

function toJson(v: unknown, t: SqlType): unknown {
  if (v === null || v === undefined) return null;
  switch (t.kind) {
    case 'DECIMAL': return Number((v as Decimal).toString());
    case 'BYTES': return Buffer.from(v as Uint8Array).toString('base64');
    case 'ARRAY': return (v as unknown[]).map((x) => toJson(x, t.item));
    case 'MAP': return Object.fromEntries([...(v as Map<unknown, unknown>)].map(([k, x]) => [String(k), toJson(x, t.value)]));
    case 'STRUCT': return Object.fromEntries(t.fields.map((f) => [f.name, toJson((v as Obj)[f.name], f.type)]));
    default: return v;
  }
}
