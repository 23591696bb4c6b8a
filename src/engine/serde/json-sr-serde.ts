import { parse as parseLossless } from 'lossless-json';
import type { SqlType } from '../sql/types.js';
import { fromJson, fromJsonOrInexact, InexactNumber, toJsonText } from './json-value.js';
import { parseJsonExact } from './json-exact.js';
import type { JsonSchema } from './json-schema.js';
import { findName, type Codec, type Shape } from './sr-values.js';

type Obj = { [k: string]: unknown };

/** JSON_SR payloads: plain JSON named by the writer schema's properties; values follow the SQL types. */
export function jsonSrCodec(schema: JsonSchema, shape: Shape): Codec {
  const props = Object.keys((schema.properties ?? {}) as Obj);
  const physical = shape.names.map((n) => { const i = findName(props, n); return i < 0 ? n : props[i]!; });
  return {
    // written as ksqlDB's JSON is (the Connect converter's Jackson nodes): a DOUBLE as Java prints it
    // (21.0), a DECIMAL with its scale (10.00), a BIGINT exactly
    encode(values) {
      if (shape.unwrapped) return Buffer.from(toJsonText(values[0], shape.types[0]!));
      return Buffer.from(`{${shape.names.map((_, i) => `${JSON.stringify(physical[i]!)}:${toJsonText(values[i], shape.types[i]!)}`).join(',')}}`);
    },
    // read as ksqlDB's JSON deserializer reads JSON: a number whose text as written counts is read
    // again from the payload, exactly (see fromJsonOrInexact)
    decode(payload) {
      const text = payload.toString('utf8');
      const v = parseJsonExact(text);
      let exact: unknown;
      const convert = (x: unknown, t: SqlType, path: string, again: () => unknown) => {
        try { return fromJsonOrInexact(x, t, path); } catch (e) {
          if (!(e instanceof InexactNumber)) throw e;
          // (a record the exact reader refuses, one with a key twice, keeps the numbers JSON.parse read)
          exact ??= (() => { try { return parseLossless(text); } catch { return v; } })();
          return fromJson(again(), t, path);
        }
      };
      if (shape.unwrapped) return [convert(v, shape.types[0]!, '', () => exact)];
      if (v === null) return null;
      const src = v as Obj;
      const keys = Object.keys(src);
      return shape.names.map((n, i) => {
        const k = findName(keys, n);
        return k < 0 ? null : convert(src[keys[k]!], shape.types[i]!, n, () => (exact as Obj)[keys[k]!]);
      });
    },
  };
}
