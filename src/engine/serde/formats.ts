import { decodeBase64 } from './base64.js';
import { digitsMayRound, parseJsonAsWritten, parseJsonExact } from './json-exact.js';
import { parseLong, toLong } from '../util/long.js';
import type { Column, FormatInfo } from '../catalog/schema.js';
import { Decimal, javaDoubleString } from '../util/decimal.js';
import { typeToString, type SqlType } from '../sql/types.js';
import { fromParsedJson, jsonObjectBytesWriter, makeFieldPicker, toJsonText } from './json-value.js';
import { flatJsonReader } from './json-flat-read.js';
import type { SchemaLookup } from '../schema-registry/registry.js';
import { SerdeError } from './serde-error.js';
import { recall, remember } from './decoded-cache.js';
import { srSerde } from './sr-serde.js';
import { rememberShort } from '../util/remember-short.js';
import { isWellFormed } from '../util/java-utf8.js';
import { recordArena } from './arena.js';

/** Serializes and deserializes the key or value columns of a source in one format. */
export interface Serde {
  serialize(values: unknown[], opts?: SerializeOptions): Buffer | null;
  /** The column values; callers must not change the array (it may be shared between readers). */
  deserialize(bytes: Buffer | null): readonly unknown[] | null;
  /** deserialize returns a new list on every call, the caller's to keep and change. */
  readonly fresh?: boolean;
}

export interface SerializeOptions {
  /**
   * Write a wrapped key (a message or record) even when every column is null, instead of no key:
   * a key given as an object, such as ksqlDB's test records, is a message whatever its fields hold.
   * Default false. Only the schema formats, whose keys are always wrapped, look at it.
   */
  keepEmptyKey?: boolean;
  /**
   * The bytes are only looked at (a pull query's partition and order of a key), not written: a side
   * that registers its schema when it first writes does not register for them (it frames them with
   * the subject's latest id).
   */
  readOnly?: boolean;
}

export { SerdeError };

/** `registry` resolves the schema ids of AVRO, PROTOBUF and JSON_SR records. */
export function keySerde(format: FormatInfo, cols: Column[], registry?: SchemaLookup, subject?: string): Serde {
  return makeSerde(format, cols, true, registry, subject);
}
export function valueSerde(format: FormatInfo, cols: Column[], registry?: SchemaLookup, subject?: string): Serde {
  return makeSerde(format, cols, false, registry, subject);
}

function makeSerde(format: FormatInfo, cols: Column[], isKey: boolean, registry: SchemaLookup | undefined, subject: string | undefined): Serde {
  switch (format.format) {
    case 'KAFKA': return kafkaSerde(cols);
    case 'JSON': return jsonSerde(cols, isKey ? cols.length !== 1 : format.wrapSingle !== false || cols.length !== 1);
    case 'DELIMITED': return delimitedSerde(cols, format.delimiter ?? ',', isKey);
    case 'NONE': return { serialize: () => null, deserialize: () => [] };
    default: return srSerde(format, cols, isKey, registry, subject);
  }
}

/** Checks a key or value schema against what a format supports; returns ksqlDB's message or undefined. */
export function checkFormatSupports(format: FormatInfo, cols: Column[], isKey: boolean): string | undefined {
  if (format.format === 'KAFKA') {
    if (cols.length > 1) return `The 'KAFKA' format only supports a single field. Got: [${cols.map((c) => `\`${c.name}\` ${typeToString(c.type)}${isKey ? ' KEY' : ''}`).join(', ')}]`;
    const c = cols[0];
    if (c && !['INTEGER', 'BIGINT', 'DOUBLE', 'STRING', 'BYTES'].includes(c.type.kind)) return `The 'KAFKA' format does not support type '${c.type.kind}'`;
  }
  if (format.format === 'DELIMITED') {
    const bad = cols.find((c) => ['ARRAY', 'MAP', 'STRUCT'].includes(c.type.kind));
    if (bad) return `The 'DELIMITED' format does not support type '${bad.type.kind}', column: \`${bad.name}\``;
  }
  if ((format.format === 'JSON' || format.format === 'JSON_SR') && cols.some((c) => hasNonStringMapKey(c.type))) return 'JSON only supports MAP types with STRING keys';
  if (format.format === 'AVRO') {
    if (cols.some((c) => hasNonStringMapKey(c.type))) return 'Avro only supports MAPs with STRING keys';
    // Avro names start with a letter or underscore, then letters, digits and underscores
    // a single key column is written bare: only its struct fields' names reach the schema
    const bare = isKey && cols.length === 1;
    // Avro's Java library takes any letter (not only ASCII) where its spec says [A-Za-z_]
    const bad = cols.flatMap((c) => avroNames(c.name, c.type).slice(bare ? 1 : 0)).find((n) => !/^[\p{L}_][\p{L}\p{N}_]*$/u.test(n));
    if (bad) return `Schema is not compatible with Avro: ${/^[\p{L}_]/u.test(bad) ? 'Illegal character in' : 'Illegal initial character'}: ${bad}`;
  }
  if ((format.format === 'PROTOBUF' || format.format === 'PROTOBUF_NOSR') && cols.some((c) => hasNonStringMapKey(c.type))) return 'PROTOBUF format only supports MAP types with STRING keys';
  if (format.format === 'NONE' && cols.length > 0) return `The 'NONE' format can only be used when no columns are defined. Got: [${cols.map((c) => `\`${c.name}\` ${typeToString(c.type)}${c.ns === 'KEY' ? ' KEY' : ''}`).join(', ')}]`;
  return undefined;
}

/** A column's name and its struct fields' names, which Avro must accept as names. */
function avroNames(name: string, t: SqlType): string[] {
  const inner = (x: SqlType): string[] => (x.kind === 'STRUCT' ? x.fields.flatMap((f) => avroNames(f.name, f.type)) : x.kind === 'ARRAY' ? inner(x.item) : x.kind === 'MAP' ? inner(x.value) : []);
  return [name, ...inner(t)];
}

function hasNonStringMapKey(t: SqlType): boolean {
  if (t.kind === 'MAP') return t.key.kind !== 'STRING' || hasNonStringMapKey(t.value);
  if (t.kind === 'ARRAY') return hasNonStringMapKey(t.item);
  if (t.kind === 'STRUCT') return t.fields.some((f) => hasNonStringMapKey(f.type));
  return false;
}

/**
 * A KAFKA STRING's bytes; a short one's are remembered and given out again (records never change
 * their bytes, so one buffer serves every record of that text), each in memory of its own, so a
 * remembered buffer keeps no pool of other buffers alive. The bytes carry the text they read back
 * as (a text without a lone surrogate), so a reader of keys this engine wrote does not decode them.
 */
const TEXT = Symbol('text');
type TextBytes = Buffer & { [TEXT]?: string };
const stringBytes = rememberShort((v) => {
  const b: TextBytes = Buffer.allocUnsafeSlow(Buffer.byteLength(v, 'utf8'));
  b.write(v, 0, 'utf8');
  if (isWellFormed(v)) b[TEXT] = v;
  return b;
});

function kafkaSerde(cols: Column[]): Serde {
  const c = cols[0];
  if (!c) return { serialize: () => null, deserialize: () => [] };
  const t = c.type;
  return {
    fresh: true,
    serialize(values) {
      const v = values[0];
      if (v === null || v === undefined) return null;
      switch (t.kind) {
        case 'INTEGER': { const b = Buffer.alloc(4); b.writeInt32BE(v as number); return b; }
        case 'BIGINT': { const b = Buffer.alloc(8); b.writeBigInt64BE(BigInt(v as number)); return b; }
        case 'DOUBLE': { const b = Buffer.alloc(8); b.writeDoubleBE(v as number); return b; }
        case 'STRING': return stringBytes(v as string);
        case 'BYTES': return Buffer.from(v as Uint8Array);
        default: throw new SerdeError(`The 'KAFKA' format does not support type '${t.kind}'`);
      }
    },
    deserialize(bytes) {
      // no bytes are no row (a tombstone), as for every format: not a row whose one column is NULL
      if (bytes === null) return null;
      switch (t.kind) {
        case 'INTEGER': if (bytes.length !== 4) throw new SerdeError(`Size of data received by IntegerDeserializer is not 4`); return [bytes.readInt32BE(0)];
        case 'BIGINT': if (bytes.length !== 8) throw new SerdeError(`Size of data received by LongDeserializer is not 8`); return [toLong(bytes.readBigInt64BE(0))];
        case 'DOUBLE': if (bytes.length !== 8) throw new SerdeError(`Size of data received by DoubleDeserializer is not 8`); return [bytes.readDoubleBE(0)];
        case 'STRING': return [(bytes as TextBytes)[TEXT] ?? bytes.toString('utf8')];
        case 'BYTES': return [Buffer.from(bytes)];
        default: throw new SerdeError(`The 'KAFKA' format does not support type '${t.kind}'`);
      }
    },
  };
}

function jsonSerde(cols: Column[], wrapped: boolean): Serde {
  if (cols.length === 0) return { serialize: () => null, deserialize: () => [] };
  if (!wrapped) {
    const t = cols[0]!.type;
    return {
      serialize: (values) => (values[0] === null || values[0] === undefined ? null : Buffer.from(toJsonText(values[0], t))),
      deserialize(bytes) {
        if (bytes === null) return null;
        const text = jsonText(bytes);
        const v = parseJson(text, readsLongs([t]));
        // an unwrapped single value of JSON null is a null row, as in ksqlDB
        if (v === null) return null;
        return [fromParsedJson(v, t, '', () => text, () => parseJsonAsWritten(text))];
      },
    };
  }
  const write = jsonObjectBytesWriter(cols);
  const pick = makeFieldPicker(cols.map((c) => c.name));
  const longs = readsLongs(cols.map((c) => c.type));
  const schema = cols.map((c) => `${c.name} ${typeToString(c.type)}`).join(', ');
  const fast = cols.map((c) => FAST_KINDS[c.type.kind] ?? 0);
  const flat = flatJsonReader(cols.map((c) => c.type));
  return {
    serialize(values) {
      const bytes = write(values);
      // for JSON, writing values and reading them back with the same columns gives the same values
      remember(bytes, schema, values);
      return bytes;
    },
    deserialize(bytes) {
      if (bytes === null) return null;
      const known = recall(bytes, schema);
      if (known) return known;
      // a flat record of the layout of the last one read the way below (most records)
      const row = flat?.read(bytes);
      if (row) { remember(bytes, schema, row); return row; }
      const text = jsonText(bytes);
      const obj = parseJson(text, longs);
      if (obj === null) return null;
      if (typeof obj !== 'object' || Array.isArray(obj)) {
        throw new SerdeError(`Can't convert type. sourceType: ${Array.isArray(obj) ? 'ArrayNode' : 'ValueNode'}, requiredType: STRUCT`);
      }
      const raw = pick(obj as Record<string, unknown>);
      // a number whose text as written counts (one read into a STRING column: 1.0, 1.50; one a double
      // may not hold in an INT or BIGINT, at any depth) is read again from the record, exactly
      // (one pair of callbacks for the record, told the column by `at`: a pair per column costs garbage)
      let exact: unknown[] | undefined, at = 0, many: boolean | undefined;
      const textOf = () => text, asWritten = () => (exact ??= pick((parseJsonAsWritten(text) ?? obj) as Record<string, unknown>))[at];
      for (let i = 0; i < cols.length; i++) {
        const v = raw[i];
        // what fromParsedJson would give back as it is, without the call (most columns of most records)
        switch (fast[i]) {
          case FAST_STRING: if (typeof v === 'string') continue; break;
          case FAST_DOUBLE: if (typeof v === 'number') continue; break;
          case FAST_BOOLEAN: if (typeof v === 'boolean') continue; break;
          // (a whole number, unless the record has a run of digits a double may have rounded)
          case FAST_INT: if (typeof v === 'number' && (v | 0) === v && !(many ??= digitsMayRound(text))) { raw[i] = v | 0; continue; } break;
          // (a long has no -0: JSON's -0 is 0, as fromParsedJson reads it)
          case FAST_LONG: if (typeof v === 'number' && Number.isSafeInteger(v) && !(many ??= digitsMayRound(text))) { if (v === 0) raw[i] = 0; continue; } break;
        }
        at = i;
        raw[i] = fromParsedJson(v, cols[i]!.type, cols[i]!.name, textOf, asWritten);
      }
      remember(bytes, schema, raw);
      if (flat) { const layout = pick.layout(); flat.learn(layout?.keys ?? [], layout?.targets ?? NO_TARGETS); }
      return raw;
    },
  };
}
const NO_TARGETS = new Int32Array(0);

/** Column types whose common values a JSON record's reader keeps as JSON.parse read them (see jsonSerde's deserialize). */
const FAST_STRING = 1, FAST_DOUBLE = 2, FAST_BOOLEAN = 3, FAST_INT = 4, FAST_LONG = 5;
const FAST_KINDS: Partial<Record<SqlType['kind'], number>> = { STRING: FAST_STRING, DOUBLE: FAST_DOUBLE, BOOLEAN: FAST_BOOLEAN, INTEGER: FAST_INT, BIGINT: FAST_LONG };

/** A record's JSON text; Confluent's JSON_SR framing (magic byte 0 + 4-byte id) is tolerated on read, as ksqlDB's JSON deserializer does. */
const jsonText = (bytes: Buffer): string => (bytes.length > 5 && bytes[0] === 0 ? bytes.subarray(5).toString('utf8') : bytes.toString('utf8'));

/**
 * Whether columns of these types may read an integer beyond 2^53 as other than JSON.parse reads it:
 * INTEGER refuses one either way, DOUBLE and BOOLEAN take the nearest double (or refuse) either way;
 * the other types, STRING among them (an object or a list given to it is kept as its JSON text, whose
 * digits must stay as written), need the exact read.
 */
const readsLongs = (types: SqlType[]): boolean => types.some((t) => t.kind !== 'INTEGER' && t.kind !== 'DOUBLE' && t.kind !== 'BOOLEAN');

function parseJson(text: string, longs: boolean): unknown {
  // integers of 16 digits or more may be beyond 2^53: those texts are read exactly (rarely: most are not)
  const parse = (t: string) => (longs ? parseJsonExact(t) : JSON.parse(t));
  try { return parse(text); } catch (e) {
    // the first JSON value of the record, as Jackson's readTree reads it: text after it is not read
    const end = trailingTextAt(text);
    if (end !== undefined) { try { return parse(text.slice(0, end)); } catch { /* the value itself is bad: said below */ } }
    throw new SerdeError(`Failed to deserialize JSON: ${(e as Error).message}`);
  }
}

/** Where the text after a whole JSON value starts, when that is what JSON.parse refuses it for. */
function trailingTextAt(text: string): number | undefined {
  try { JSON.parse(text); return undefined; } catch (e) {
    const at = /non-whitespace character after JSON at position (\d+)/.exec((e as Error).message);
    return at ? Number(at[1]) : undefined;
  }
}


function delimitedSerde(cols: Column[], delimiter: string, isKey: boolean): Serde {
  return {
    serialize(values) {
      if (cols.length === 0) return null;
      if (isKey && cols.length === 1 && (values[0] === null || values[0] === undefined)) return null;
      return Buffer.from(values.map((v, i) => delimitedField(v, cols[i]!.type, delimiter, i === 0)).join(delimiter));
    },
    deserialize(bytes) {
      if (bytes === null) return cols.length === 0 ? [] : null;
      const fields = splitCsv(bytes.toString('utf8'), delimiter);
      if (fields.length !== cols.length) {
        throw new SerdeError(`Column count mismatch on deserialization. topic: , expected: ${cols.length}, got: ${fields.length}`);
      }
      return fields.map((f, i) => parseDelimited(f, cols[i]!.type));
    },
  };
}

/**
 * A DELIMITED field as ksqlDB writes it (Apache Commons CSV's minimal quoting): quoted when it holds
 * the delimiter, a quote or a line break, starts with a character up to '#', ends with one up to a
 * space, or, as a record's first field, is empty or starts with anything but a letter or digit.
 */
function delimitedField(v: unknown, t: SqlType, delimiter: string, first: boolean): string {
  if (v === null || v === undefined) return '';
  let s: string;
  switch (t.kind) {
    case 'DOUBLE': s = javaDoubleString(v as number); break;
    case 'DECIMAL': s = (v as Decimal).toString(); break;
    case 'BYTES': s = Buffer.from(v as Uint8Array).toString('base64'); break;
    default: s = String(v);
  }
  return needsQuotes(s, delimiter, first) ? `"${s.replace(/"/g, '""')}"` : s;
}

function needsQuotes(s: string, delimiter: string, first: boolean): boolean {
  if (s === '') return first;
  const c = s.charCodeAt(0);
  if (first && !/^[0-9A-Za-z]/.test(s)) return true;
  if (c <= 0x23) return true;
  if (s.includes(delimiter) || s.includes('"') || s.includes('\n') || s.includes('\r')) return true;
  return s.charCodeAt(s.length - 1) <= 0x20;
}

function splitCsv(text: string, delimiter: string): (string | null)[] {
  const out: (string | null)[] = [];
  let i = 0;
  for (;;) {
    if (text[i] === '"') {
      let s = '';
      i++;
      for (;;) {
        if (i >= text.length) throw new SerdeError('Unterminated quoted field');
        if (text[i] === '"') { if (text[i + 1] === '"') { s += '"'; i += 2; continue; } i++; break; }
        s += text[i++];
      }
      out.push(s);
    } else {
      let j = text.indexOf(delimiter, i);
      if (j < 0) j = text.length;
      const s = text.slice(i, j);
      out.push(s === '' ? null : s);
      i = j;
    }
    if (i >= text.length) break;
    if (!text.startsWith(delimiter, i)) throw new SerdeError('Unexpected character after quoted field');
    i += delimiter.length;
    if (i >= text.length) { out.push(null); break; }
  }
  return out;
}

function parseDelimited(s: string | null, t: SqlType): unknown {
  // an empty field, quoted or not, is NULL (ksqlDB's delimited reader), a STRING too
  if (s === null || s === '') return null;
  switch (t.kind) {
    case 'BOOLEAN': return s.toLowerCase() === 'true';
    case 'INTEGER': case 'BIGINT': case 'DATE': case 'TIME': case 'TIMESTAMP': {
      // Integer.parseInt / Long.parseLong: a sign, then digits, nothing around them
      if (!/^[+-]?\d+$/.test(s)) throw new SerdeError(`For input string: "${s}"`);
      // a BIGINT is read exactly (Long.parseLong), beyond 2^53 too
      if (t.kind === 'BIGINT') { const l = parseLong(s.replace(/^\+/, '')); if (l === undefined) throw new SerdeError(`For input string: "${s}"`); return l; }
      const n = Number(s);
      if (t.kind === 'INTEGER' && (n > 2147483647 || n < -2147483648)) throw new SerdeError(`For input string: "${s}"`);
      return n;
    }
    case 'DOUBLE': { const n = Number(s); if (Number.isNaN(n) && s.trim() !== 'NaN') throw new SerdeError(`For input string: "${s}"`); return n; }
    case 'DECIMAL': return Decimal.parse(s).setScale(t.scale);
    case 'STRING': return s;
    case 'BYTES': { const b = decodeBase64(s, 'optional'); if (!b) throw new SerdeError(`Illegal base64 text: "${s}"`); return b; }
    default: throw new SerdeError(`DELIMITED does not support type ${t.kind}`);
  }
}

/** Kafka's windowed key: inner key, then 8-byte start (time windows) or end then start (session). */
export function windowedKey(inner: Buffer | null, window: { start: number; end: number }, session: boolean): Buffer {
  // (written into the records' arena: a key is a few bytes, copied one by one)
  const n = inner?.length ?? 0;
  const out = recordArena.room(n + 16);
  let p = recordArena.used;
  for (let i = 0; i < n; i++) out[p++] = inner![i]!;
  if (session) { p = writeInt64(out, window.end, p); p = writeInt64(out, window.start, p); } else p = writeInt64(out, window.start, p);
  return recordArena.take(p);
}

/** Writes a safe integer as a big-endian int64 at `at`, without a BigInt; gives where it ends. */
function writeInt64(buf: Buffer, v: number, at: number): number {
  const high = Math.floor(v / 2 ** 32), low = v - high * 2 ** 32;
  // (a bound no int64 holds is refused, as Buffer's own writes refuse it)
  if (!(high >= -2147483648 && high <= 2147483647)) throw new RangeError(`A window bound of ${v} is beyond a 64-bit integer`);
  buf[at] = high >> 24; buf[at + 1] = high >> 16; buf[at + 2] = high >> 8; buf[at + 3] = high;
  buf[at + 4] = low / 2 ** 24; buf[at + 5] = low >> 16; buf[at + 6] = low >> 8; buf[at + 7] = low;
  return at + 8;
}

export function splitWindowedKey(bytes: Buffer, session: boolean, sizeMs: number): { inner: Buffer; window: { start: number; end: number } } {
  if (session) {
    const n = bytes.length - 16;
    if (n < 0) throw new SerdeError('Windowed key too short');
    return { inner: bytes.subarray(0, n), window: { end: Number(bytes.readBigInt64BE(n)), start: Number(bytes.readBigInt64BE(n + 8)) } };
  }
  const n = bytes.length - 8;
  if (n < 0) throw new SerdeError('Windowed key too short');
  const start = Number(bytes.readBigInt64BE(n));
  return { inner: bytes.subarray(0, n), window: { start, end: start + sizeMs } };
}
