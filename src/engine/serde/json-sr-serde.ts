import { fromParsedJson, toJsonText } from './json-value.js';
import { parseJsonAsWritten, parseJsonExact } from './json-exact.js';
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
    // read as ksqlDB's JSON deserializer reads JSON (see fromParsedJson)
    decode(payload) {
      const text = payload.toString('utf8');
      const v = parseJsonExact(text);
      let exact: unknown;
      const asWritten = () => (exact ??= parseJsonAsWritten(text));
      if (shape.unwrapped) return [fromParsedJson(v, shape.types[0]!, '', () => text, asWritten)];
      if (v === null) return null;
      const src = v as Obj;
      const keys = Object.keys(src);
      return shape.names.map((n, i) => {
        const k = findName(keys, n);
        return k < 0 ? null : fromParsedJson(src[keys[k]!], shape.types[i]!, n, () => text, () => (asWritten() as Obj | undefined)?.[keys[k]!]);
      });
    },
  };
}
