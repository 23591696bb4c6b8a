import type { SqlType } from '../sql/types.js';

// Most JSON records of a topic are flat objects from one producer: the same keys in the same order,
// each value a plain string, a whole number, true, false or null. Such a record is read here
// straight from its bytes, by the layout of keys learned from the last record read the general way
// (JSON.parse and the field picker): no text made of the bytes, no parsed object, no picking. A
// record that is anything else (another layout, an escape, a character beyond ASCII, a fraction, an
// exponent, 16 digits or more, a nested value, bad JSON) is left to the general way, which also
// gives its errors. Whatever this reader gives is what the general way gives: a property test holds
// the two to that.

const STRING = 1, INTEGER = 2, BIGINT = 3, DOUBLE = 4, BOOLEAN = 5;
const KINDS: Partial<Record<SqlType['kind'], number>> = { STRING, INTEGER, BIGINT, DOUBLE, BOOLEAN };

export interface FlatJsonReader {
  /** The row of a flat record of the learned layout; undefined for any other record. */
  read(bytes: Buffer): unknown[] | undefined;
  /** Takes the layout of the record just read the general way: its keys in order and the column each gave (-1 none). */
  learn(keys: readonly string[], targets: Int32Array): void;
}

/** A reader for rows of these column types, or undefined where a type is not one it reads (see KINDS). */
export function flatJsonReader(types: SqlType[]): FlatJsonReader | undefined {
  const kinds = types.map((t) => KINDS[t.kind] ?? 0);
  if (kinds.some((k) => k === 0)) return undefined;
  const n = types.length;
  let keys: Uint8Array[] = [];
  let targets: Int32Array = new Int32Array(0);
  let learnedFrom: readonly string[] | undefined;
  return {
    learn(names, to) {
      if (names === learnedFrom) return;
      learnedFrom = names;
      // (a key with an escape or beyond ASCII is never met as plain bytes: no layout, until the next)
      keys = names.every((k) => /^[\x20-\x7e]*$/.test(k) && !/["\\]/.test(k)) ? names.map((k) => Buffer.from(k, 'latin1')) : [];
      targets = to;
    },
    read(b) {
      const len = b.length, m = keys.length;
      if (m === 0) return undefined;
      let i = 0;
      while (i < len && isSpace(b[i]!)) i++;
      if (b[i] !== 123) return undefined;
      i++;
      // (filled by a loop: Array.prototype.fill is a call V8 does not inline, and costs more here)
      const out = new Array<unknown>(n);
      for (let j = 0; j < n; j++) out[j] = null;
      for (let p = 0; ; p++) {
        while (i < len && isSpace(b[i]!)) i++;
        // the key: the layout's p-th, byte for byte
        if (p >= m || b[i] !== 34) return undefined;
        const key = keys[p]!, kl = key.length;
        i++;
        for (let k = 0; k < kl; k++) if (b[i + k] !== key[k]) return undefined;
        i += kl;
        if (b[i] !== 34) return undefined;
        i++;
        while (i < len && isSpace(b[i]!)) i++;
        if (b[i] !== 58) return undefined;
        i++;
        while (i < len && isSpace(b[i]!)) i++;
        const t = targets[p]!, kind = t >= 0 ? kinds[t]! : 0;
        const c = b[i];
        if (c === 34) {
          // a string of printable ASCII without escapes
          const from = ++i;
          let h = 0;
          for (;;) {
            if (i >= len) return undefined;
            const ch = b[i]!;
            if (ch === 34) break;
            if (ch < 32 || ch > 126 || ch === 92) return undefined;
            h = (h * 31 + ch) | 0;
            i++;
          }
          if (t >= 0) { if (kind !== STRING) return undefined; out[t] = text(b, from, i, h); }
          i++;
        } else if (c === 45 || (c !== undefined && c >= 48 && c <= 57)) {
          // a whole number of at most 15 digits (a double holds it exactly), without a leading zero
          const neg = c === 45;
          if (neg) i++;
          const from = i;
          let v = 0;
          if (b[i] === 48) i++;
          else {
            while (i < len && b[i]! >= 48 && b[i]! <= 57) { v = v * 10 + (b[i]! - 48); i++; }
            if (i === from) return undefined;
          }
          if (i - from > 15 || b[i] === 46 || b[i] === 101 || b[i] === 69 || (b[i]! >= 48 && b[i]! <= 57)) return undefined;
          if (neg) v = -v;
          if (t >= 0) {
            // (an INTEGER or a BIGINT has no -0; a DOUBLE has)
            if (kind === INTEGER) { if ((v | 0) !== v) return undefined; out[t] = v | 0; } else if (kind === BIGINT) out[t] = v === 0 ? 0 : v; else if (kind === DOUBLE) out[t] = v;
            else return undefined;
          }
        } else if (c === 116 && b[i + 1] === 114 && b[i + 2] === 117 && b[i + 3] === 101) {
          i += 4;
          if (t >= 0) { if (kind !== BOOLEAN) return undefined; out[t] = true; }
        } else if (c === 102 && b[i + 1] === 97 && b[i + 2] === 108 && b[i + 3] === 115 && b[i + 4] === 101) {
          i += 5;
          if (t >= 0) { if (kind !== BOOLEAN) return undefined; out[t] = false; }
        } else if (c === 110 && b[i + 1] === 117 && b[i + 2] === 108 && b[i + 3] === 108) {
          i += 4;
        } else return undefined;
        while (i < len && isSpace(b[i]!)) i++;
        if (b[i] === 44) { i++; continue; }
        if (b[i] !== 125 || p + 1 !== m) return undefined;
        i++;
        break;
      }
      while (i < len && isSpace(b[i]!)) i++;
      return i === len ? out : undefined;
    },
  };
}

/**
 * The text of ASCII bytes `from` to `to` (h their hash). Values repeat (symbols, sides, accounts,
 * user ids): a short one is kept in a slot of a table by its hash, and given again while the slot
 * holds it, for less than making a string anew costs.
 */
function text(b: Buffer, from: number, to: number, h: number): string {
  const n = to - from;
  if (n > 32) return b.toString('latin1', from, to);
  const slot = h & (TEXTS.length - 1);
  const known = TEXTS[slot]!;
  if (known.length === n) {
    let k = 0;
    while (k < n && known.charCodeAt(k) === b[from + k]) k++;
    if (k === n) return known;
  }
  return (TEXTS[slot] = b.toString('latin1', from, to));
}
const TEXTS = new Array<string>(4096).fill('');

/** JSON's whitespace: space, tab, line feed, carriage return. */
const isSpace = (c: number): boolean => c === 32 || c === 9 || c === 10 || c === 13;
