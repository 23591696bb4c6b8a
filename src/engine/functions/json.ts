import { isLosslessNumber } from 'lossless-json';
import { INVALID, isJsonObject, readJsonTree as readJson, writeJsonTree, type JsonNode as Json } from './json-tree.js';
import { Decimal, javaDoubleString } from '../util/decimal.js';
import { T, isNumeric, type SqlType } from '../sql/types.js';
import { valueToString } from './values.js';
import { BOOL, I, S, define, fixed } from './registry.js';

/** JSON functions over JSON text in STRING columns; numbers keep their text (1.23450 stays so). */
export function registerJsonFunctions(): void {
  fixed('EXTRACTJSONFIELD', 'JSON', [S, S], S, (j: string, path: string) => extractJsonField(j, path));
  // as ksqlDB reads JSON for every function here: its first value (trailing text ignored), duplicate keys taken
  fixed('IS_JSON_STRING', 'JSON', [S], BOOL, (s: string | null) => s !== null && readJson(s) !== INVALID, true);
  fixed('JSON_ARRAY_LENGTH', 'JSON', [S], I, (s: string) => { const v = readJson(s); return Array.isArray(v) ? v.length : null; });
  fixed('JSON_KEYS', 'JSON', [S], T.array(S), (s: string) => { const v = readJson(s); return isJsonObject(v) ? [...v.keys()] : null; });
  fixed('JSON_RECORDS', 'JSON', [S], T.map(S, S), (s: string) => { const v = readJson(s); return isJsonObject(v) ? new Map([...v].map(([k, x]) => [k, jsonText(x)])) : null; });
  fixed('JSON_ITEMS', 'JSON', [S], T.array(S), (s: string) => { const v = readJson(s); return Array.isArray(v) ? v.map(writeJsonTree) : null; });
  define('JSON_CONCAT', 'JSON', 'JSON_CONCAT(json, json...)', (args) => {
    if (args.length < 1 || !args.every((a) => a.kind === 'STRING' || a.kind === 'NULL')) return undefined;
    return { returnType: S, argTypes: args.map(() => S), fn: (a) => jsonConcat(a as (string | null)[]) };
  });
  define('JSON_ARRAY_CONTAINS', 'JSON', 'JSON_ARRAY_CONTAINS(json, value)', (args) => {
    const [j, v] = args;
    if (args.length !== 2 || (j!.kind !== 'STRING' && j!.kind !== 'NULL') || !(isNumeric(v!) || ['STRING', 'BOOLEAN', 'NULL'].includes(v!.kind))) return undefined;
    return { returnType: BOOL, argTypes: [S, v!.kind === 'NULL' ? S : v!], fn: ([json, x]) => {
      const arr = json == null ? INVALID : readJson(json as string);
      return Array.isArray(arr) && arr.some((e) => jsonEquals(e, x, v!.kind));
    } };
  });
  define('TO_JSON_STRING', 'JSON', 'TO_JSON_STRING(any)', (args) => (args.length === 1 ? {
    returnType: T.STRING, argTypes: args,
    fn: ([v]) => (v === undefined ? null : toJsonString(v, args[0]!)),
  } : undefined));
}

/** A JSON value as text: strings unquoted, everything else as compact JSON. */
function jsonText(v: Json): string {
  return typeof v === 'string' ? v : writeJsonTree(v);
}

/**
 * EXTRACTJSONFIELD as ksqlDB walks a path: each step (`.name`, `[n]`, `['name']`) is a name, taken as
 * an index in an array (NULL if it is no integer) and as a key in an object (`$[0]` reads key "0");
 * a step past the end, or into a value that has no parts, is NULL. What is found is written as text:
 * a string unquoted, anything else as JSON (a JSON null as `null`).
 */
export function extractJsonField(json: string, path: string): string | null {
  let v = readJson(json);
  if (v === INVALID || !path.startsWith('$')) return null;
  const steps = /^(?:\.([^.[\]]+)|\[(-?\d+)\]|\['([^']*)'\]|\["([^"]*)"\])/;
  for (let rest = path.slice(1); rest.length > 0;) {
    const m = steps.exec(rest);
    if (!m) return null;
    rest = rest.slice(m[0].length);
    const step = m[1] ?? m[2] ?? m[3] ?? m[4]!;
    if (Array.isArray(v)) {
      // (Java's Integer.parseInt: an optional sign, then digits)
      if (!/^[+-]?\d+$/.test(step)) return null;
      const i = Number(step);
      if (i < 0 || i >= v.length) return null;
      v = v[i];
    } else if (isJsonObject(v) && v.has(step)) v = v.get(step)!;
    else return null;
  }
  return jsonText(v);
}

/** Objects merge (later keys win); otherwise arrays concatenate and other values join as items. */
function jsonConcat(texts: (string | null)[]): string | null {
  const values = texts.map((t) => (t == null ? INVALID : readJson(t)));
  if (values.some((v) => v === INVALID)) return null;
  const nodes = values as Json[];
  if (nodes.every(isJsonObject)) return writeJsonTree(new Map(nodes.flatMap((v) => [...v])));
  return writeJsonTree(nodes.flatMap((v) => (Array.isArray(v) ? v : [v])));
}

/**
 * Whether an element of a JSON array is the value, as ksqlDB's JSON_ARRAY_CONTAINS matches them: an
 * INT or BIGINT only an integer token, a DOUBLE only a token with a fraction or exponent (so 2.0 is
 * not in [1, 2]), a DECIMAL none; strings, booleans and null as themselves.
 */
function jsonEquals(e: Json, x: unknown, kind: SqlType['kind']): boolean {
  if (x == null) return e === null;
  if (isLosslessNumber(e)) {
    const float = /[.eE]/.test(e.value);
    if (kind === 'INTEGER' || kind === 'BIGINT') return !float && BigInt(e.value) === BigInt(x as number | bigint);
    return kind === 'DOUBLE' && float && Number(e.value) === x;
  }
  return e === x;
}

function toJsonString(v: unknown, t: SqlType): string {
  if (v === null) return 'null';
  switch (t.kind) {
    // Jackson writes a double as Java's Double.toString (1.0, 1.0E20), and NaN and the infinities quoted
    case 'DOUBLE': return Number.isFinite(v as number) ? javaDoubleString(v as number) : JSON.stringify(String(v));
    case 'DECIMAL': return (v as Decimal).toString();
    case 'BYTES': return JSON.stringify(Buffer.from(v as Uint8Array).toString('base64'));
    // java.sql.Date and java.sql.Time as Jackson's SqlDateSerializer and SqlTimeSerializer write them: their toString()
    case 'DATE': case 'TIME': return JSON.stringify(valueToString(v, t));
    case 'ARRAY': return `[${(v as unknown[]).map((x) => toJsonString(x, t.item)).join(',')}]`;
    case 'MAP': return `{${[...(v as Map<unknown, unknown>)].map(([k, x]) => `${JSON.stringify(String(k))}:${toJsonString(x, t.value)}`).join(',')}}`;
    case 'STRUCT': return `{${t.fields.map((f) => `${JSON.stringify(f.name)}:${toJsonString((v as Record<string, unknown>)[f.name] ?? null, f.type)}`).join(',')}}`;
    default: return typeof v === 'bigint' ? String(v) : JSON.stringify(v);
  }
}
