import { parse as parseLossless } from 'lossless-json';
// JSON with integers beyond 2^53 kept exact (as bigints), for BIGINT columns: Java's Jackson reads
// and writes longs exactly, where JSON.parse and JSON.stringify round them or refuse them.

/**
 * Whether JSON text holds a number of 16 significant digits or more (a run of digits with at most one
 * point in it), which a double may round: to a whole number (1.9999999999999999 is 2.0), away from a
 * decimal's digits, or beyond 2^53. A double keeps any number of 15 digits exactly, so a text without
 * such a run reads the same through JSON.parse (leading zeros are counted too, which only sends a
 * record the exact way that did not need it). The answer for the last text asked about is kept: a
 * record's columns ask about the same text.
 */
export function digitsMayRound(text: string): boolean {
  if (text !== lastText) { lastText = text; lastMany = MANY_DIGITS.test(text); }
  return lastMany;
}
const MANY_DIGITS = /\d(?:\.?\d){15}/;
let lastText = '', lastMany = false;
/** A marker no text of the input can hold: it names a random nonce, new for each call. */
const marker = () => `\u0000long${Math.random().toString(36).slice(2)}:`;

/**
 * Parses JSON as JSON.parse does (duplicate keys: the last wins), except that integers beyond 2^53
 * are bigints. Only texts with a run of 16 digits take the slow path: such integer tokens (outside
 * strings) become marked strings for JSON.parse, and the marks become bigints again.
 */
export function parseJsonExact(text: string): unknown {
  if (!digitsMayRound(text)) return JSON.parse(text);
  let out = '', from = 0, marked = false;
  const MARK = marker();
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 34) { // a string: skipped whole, escapes included
      for (i++; i < text.length && text.charCodeAt(i) !== 34; i++) if (text.charCodeAt(i) === 92) i++;
      continue;
    }
    if (c === 45 || (c >= 48 && c <= 57)) { // a number token
      let j = i + 1;
      while (j < text.length && /[0-9.eE+-]/.test(text[j]!)) j++;
      const token = text.slice(i, j);
      // (an integer JSON allows: no leading zero, so text JSON.parse refuses is not made readable)
      if (/^-?[1-9]\d{15,}$/.test(token) && !Number.isSafeInteger(Number(token))) {
        out += text.slice(from, i) + JSON.stringify(MARK + token);
        from = j; marked = true;
      }
      i = j - 1;
    }
  }
  if (!marked) return JSON.parse(text);
  let parsed: unknown;
  // (bad JSON is told of as the text is: where it is wrong in the marked text, a marker of random
  // length before it, is somewhere else)
  try { parsed = JSON.parse(out + text.slice(from)); } catch (e) { JSON.parse(text); throw e; }
  return unmark(parsed, MARK);
}

function unmark(v: unknown, mark: string): unknown {
  if (typeof v === 'string') return v.startsWith(mark) ? BigInt(v.slice(mark.length)) : v;
  if (Array.isArray(v)) { for (let i = 0; i < v.length; i++) v[i] = unmark(v[i], mark); return v; }
  if (v !== null && typeof v === 'object') { const o = v as Record<string, unknown>; for (const k of Object.keys(o)) o[k] = unmark(o[k], mark); return o; }
  return v;
}

/** JSON text with its numbers as written (LosslessNumber); undefined where that reader refuses it (a key twice). */
export function parseJsonAsWritten(text: string): unknown {
  try { return parseLossless(text); } catch { return undefined; }
}

/** JSON.stringify that writes bigints as plain integers. */
export function stringifyJsonExact(value: unknown): string {
  try { return JSON.stringify(value); } catch (e) {
    if (!(e instanceof TypeError)) throw e;
  }
  // a bigint in the value: written through a marker string, then unquoted
  const mark = marker();
  const escaped = JSON.stringify(mark).slice(1, -1).replace(/[\\^$.*+?()[\]{}|]/g, '\\$&');
  return JSON.stringify(value, (_k, x) => (typeof x === 'bigint' ? `${mark}${x}` : x)).replace(new RegExp(`"${escaped}(-?\\d+)"`, 'g'), '$1');
}
