import { LosslessNumber } from 'lossless-json';

// JSON text as ksqlDB's JSON functions read it (Jackson's ObjectMapper.readTree) and write it back:
// objects keep their keys in document order (a JavaScript object puts integer-like keys first), a
// key given twice keeps its first place and its last value, numbers keep their text, and the
// first value is the document: text after it is not read. Jackson's strictness holds for that
// first value: no leading zeros, a number or literal at the root ends at whitespace or the end, a
// literal is not run on into a name (truex), no raw control characters in strings.

export type JsonNode = null | boolean | string | LosslessNumber | JsonNode[] | JsonObject;
export type JsonObject = Map<string, JsonNode>;

/** What readJsonTree answers for text Jackson refuses (or an empty document). */
export const INVALID: unique symbol = Symbol('invalid JSON');

/** Jackson's default limit on nesting (StreamReadConstraints); deeper documents are refused. */
const MAX_DEPTH = 1000;

class Refused extends Error {}

/** The first JSON value of `text`, or INVALID. */
export function readJsonTree(text: string): JsonNode | typeof INVALID {
  const r = new Reader(text);
  try {
    r.space();
    if (r.at >= text.length) return INVALID;
    return r.value(0, true);
  } catch (e) {
    if (e instanceof Refused) return INVALID;
    throw e;
  }
}

export const isJsonObject = (v: unknown): v is JsonObject => v instanceof Map;

/** A JSON node as compact text, as Jackson's writer gives it (strings with its escapes). */
export function writeJsonTree(v: JsonNode): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return String(v);
  if (typeof v === 'string') return quoted(v);
  if (v instanceof LosslessNumber) return v.value;
  if (Array.isArray(v)) return `[${v.map(writeJsonTree).join(',')}]`;
  return `{${[...v].map(([k, x]) => `${quoted(k)}:${writeJsonTree(x)}`).join(',')}}`;
}

/**
 * A string as Jackson's text writer quotes it: JSON.stringify's escapes, with \uXXXX in upper-case
 * hex, and a lone surrogate written as it is (Jackson escapes control characters only).
 */
function quoted(s: string): string {
  const j = JSON.stringify(s);
  if (!j.includes('\\u')) return j;
  return j.replace(/\\\\|\\u([0-9a-f]{4})/g, (m, hex: string | undefined) => {
    if (hex === undefined) return m;
    const code = parseInt(hex, 16);
    return code >= 0xd800 && code <= 0xdfff ? String.fromCharCode(code) : `\\u${hex.toUpperCase()}`;
  });
}

/** Characters that may continue a Java identifier (Character.isJavaIdentifierPart), which a literal must not run into. */
const NAME_PART = /[\p{L}\p{Nl}\p{Mn}\p{Mc}\p{Nd}\p{Pc}\p{Sc}]/u;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

class Reader {
  at = 0;
  constructor(private readonly text: string) {}

  space(): void {
    const t = this.text;
    while (this.at < t.length) {
      const c = t.charCodeAt(this.at);
      if (c !== 32 && c !== 9 && c !== 10 && c !== 13) break;
      this.at++;
    }
  }

  value(depth: number, root = false): JsonNode {
    const t = this.text, c = t[this.at];
    if (c === '{' || c === '[') {
      if (depth >= MAX_DEPTH) throw new Refused();
      return c === '{' ? this.object(depth + 1) : this.array(depth + 1);
    }
    if (c === '"') return this.string();
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) {
      NUMBER.lastIndex = this.at;
      const m = NUMBER.exec(t);
      if (!m || m[0] === '-') throw new Refused();
      this.at += m[0].length;
      const next = t[this.at];
      // a leading zero before more digits, a point or exponent without digits, a number run into a name
      if (next !== undefined && /[0-9.eE]/.test(next)) throw new Refused();
      if (root && next !== undefined && !/[ \t\n\r]/.test(next)) throw new Refused();
      return new LosslessNumber(m[0]);
    }
    for (const [word, v] of [['true', true], ['false', false], ['null', null]] as const) {
      if (t.startsWith(word, this.at)) {
        this.at += word.length;
        const next = t[this.at];
        if (next !== undefined && NAME_PART.test(next)) throw new Refused();
        return v;
      }
    }
    throw new Refused();
  }

  private object(depth: number): JsonObject {
    const out: JsonObject = new Map();
    this.at++;
    this.space();
    if (this.text[this.at] === '}') { this.at++; return out; }
    for (;;) {
      if (this.text[this.at] !== '"') throw new Refused();
      const key = this.string();
      this.space();
      if (this.text[this.at] !== ':') throw new Refused();
      this.at++;
      this.space();
      out.set(key, this.value(depth));
      this.space();
      const c = this.text[this.at++];
      if (c === '}') return out;
      if (c !== ',') throw new Refused();
      this.space();
    }
  }

  private array(depth: number): JsonNode[] {
    const out: JsonNode[] = [];
    this.at++;
    this.space();
    if (this.text[this.at] === ']') { this.at++; return out; }
    for (;;) {
      out.push(this.value(depth));
      this.space();
      const c = this.text[this.at++];
      if (c === ']') return out;
      if (c !== ',') throw new Refused();
      this.space();
    }
  }

  private string(): string {
    const t = this.text;
    let out = '', from = ++this.at;
    for (;;) {
      if (this.at >= t.length) throw new Refused();
      const c = t.charCodeAt(this.at);
      if (c === 34) { out += t.slice(from, this.at++); return out; }
      if (c < 0x20) throw new Refused();
      if (c !== 92) { this.at++; continue; }
      out += t.slice(from, this.at);
      const e = t[this.at + 1];
      if (e === 'u') {
        const hex = t.slice(this.at + 2, this.at + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw new Refused();
        out += String.fromCharCode(parseInt(hex, 16));
        this.at += 6;
      } else {
        const x = e === undefined ? undefined : ESCAPES[e];
        if (x === undefined) throw new Refused();
        out += x;
        this.at += 2;
      }
      from = this.at;
    }
  }
}
