import { own } from '../util/own.js';

// Java's character classes as JavaScript spells them, for the regular-expression translation:
// POSIX and java.lang.Character classes, Unicode properties, Java's \s, \h, \v and word
// characters, the classes JavaScript's v flag writes (nested, intersected), and ASCII case folding.

/** POSIX character classes (US-ASCII, as Java defines them), as the inside of a character class. */
const POSIX: Record<string, string> = {
  Lower: 'a-z', Upper: 'A-Z', ASCII: '\\x00-\\x7F', Alpha: 'a-zA-Z', Digit: '0-9', Alnum: 'a-zA-Z0-9',
  Punct: '!-\\/:-@\\[-`{-~', Graph: '!-~', Print: ' -~', Blank: ' \\t', Cntrl: '\\x00-\\x1F\\x7F', XDigit: '0-9a-fA-F',
  Space: ' \\t\\n\\x0B\\f\\r',
  // java.lang.Character's tests (isLowerCase takes Other_Lowercase too; isWhitespace no no-break space)
  javaLowerCase: '\\p{Lowercase}', javaUpperCase: '\\p{Uppercase}', javaWhitespace: '\\t-\\r\\x1C-\\x1F \\u1680\\u2000-\\u2006\\u2008-\\u200A\\u2028\\u2029\\u205F\\u3000',
  javaLetter: '\\p{L}', javaDigit: '\\p{Nd}', javaLetterOrDigit: '\\p{L}\\p{Nd}', javaAlphabetic: '\\p{Alphabetic}', javaIdeographic: '\\p{Ideographic}',
  javaTitleCase: '\\p{Lt}', javaSpaceChar: '\\p{Zs}\\p{Zl}\\p{Zp}', javaISOControl: '\\x00-\\x1F\\x7F-\\x9F', javaMirrored: '\\p{Bidi_Mirrored}',
  IsAlphabetic: '\\p{Alphabetic}',
  IsLetter: '\\p{L}', IsDigit: '\\p{Nd}', IsUppercase: '\\p{Uppercase}', IsLowercase: '\\p{Lowercase}', IsWhite_Space: '\\p{White_Space}',
};

/** A POSIX or java class as the inside of a character class (Is-prefixed too), or undefined. */
export const posixSet = (name: string): string | undefined => own(POSIX, name) ?? (name.startsWith('Is') ? own(POSIX, name.slice(2)) : undefined);

const CATEGORY = /^(L[ultmo]?|M[nce]?|N[dlo]?|P[cdseifo]?|S[mcko]?|Z[slp]?|C[cfson]?)$/;
/** Java's binary properties (\p{IsAlphabetic}) by their JavaScript names. */
const BINARY: Record<string, string> = {
  Alphabetic: 'Alphabetic', Ideographic: 'Ideographic', Letter: 'L', Lowercase: 'Lowercase', Uppercase: 'Uppercase',
  Titlecase: 'Lt', Punctuation: 'P', Control: 'Cc', White_Space: 'White_Space', WhiteSpace: 'White_Space', Digit: 'Nd',
  Hex_Digit: 'Hex_Digit', HexDigit: 'Hex_Digit', Join_Control: 'Join_Control', JoinControl: 'Join_Control',
  Noncharacter_Code_Point: 'Noncharacter_Code_Point', NoncharacterCodePoint: 'Noncharacter_Code_Point', Assigned: 'Assigned', Emoji: 'Emoji',
};

/** A Java Unicode property name as JavaScript's: Is + a category or binary property, else Is + a script. */
export function unicodeProperty(name: string): string {
  // script=, sc=, general_category=, gc= (Java reads the keys in any case, and a script's name too)
  const keyed = /^(script|sc|general_category|gc)=(.+)$/i.exec(name);
  if (keyed) {
    const value = keyed[2]!;
    if (/^(script|sc)$/i.test(keyed[1]!)) return `Script=${value === value.toUpperCase() || value === value.toLowerCase() ? value.split('_').map((w) => w[0]!.toUpperCase() + w.slice(1).toLowerCase()).join('_') : value}`;
    return `General_Category=${value}`;
  }
  if (!name.startsWith('Is')) return name;
  const rest = name.slice(2);
  if (CATEGORY.test(rest)) return rest;
  return own(BINARY, rest) ?? `Script=${rest}`;
}

/** Java's \h (horizontal whitespace) and \v (vertical whitespace; JavaScript's \v is \x0B alone), as class contents. */
export const HORIZONTAL = ' \\t\\xA0\\u1680\\u180E\\u2000-\\u200A\\u202F\\u205F\\u3000';
export const VERTICAL = '\\n\\x0B\\f\\r\\x85\\u2028\\u2029';

/**
 * Whether a pattern has a character class JavaScript's u-mode cannot spell: one nested in another
 * (a union, [a-c[x-z]]), an intersection ([a-z&&[^aeiou]]), or a negated POSIX class inside one
 * ([\P{Digit}x]). Those are written for the v flag (Unicode sets), whose classes nest and intersect.
 */
export function needsClassSets(p: string): boolean {
  let depth = 0;
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '\\') {
      if (p[i + 1] === 'Q') { const end = p.indexOf('\\E', i + 2); i = end < 0 ? p.length : end + 1; continue; }
      if (depth && p[i + 1] === 'P' && p[i + 2] === '{' && posixSet(p.slice(i + 3, p.indexOf('}', i + 3))) !== undefined) return true;
      // (and a class holding Java's \h, \H, \v or \V, each a class of its own there)
      if (depth && /[hHvV]/.test(p[i + 1] ?? '')) return true;
      i++;
      continue;
    }
    if (c === '[') {
      if (depth) return true;
      depth = 1;
      // a ] right after [ or [^ is a literal
      if (p[i + 1] === '^') i++;
      if (p[i + 1] === ']') i++;
    } else if (c === ']' && depth) depth = 0;
    else if (depth && c === '&' && p[i + 1] === '&') return true;
  }
  return false;
}

/** A pattern with Java's one-letter properties (\pL, \PN) written with braces (\p{L}), quoted text (\Q...\E) aside. */
export function oneLetterProperties(p: string): string {
  if (!/\\[pP][A-Za-z]/.test(p)) return p;
  let out = '';
  for (let i = 0; i < p.length; i++) {
    if (p[i] !== '\\') { out += p[i]; continue; }
    const n = p[i + 1];
    if (n === 'Q') { const end = p.indexOf('\\E', i + 2); const to = end < 0 ? p.length : end + 2; out += p.slice(i, to); i = to - 1; continue; }
    if ((n === 'p' || n === 'P') && /[A-Za-z]/.test(p[i + 2] ?? '')) { out += `\\${n}{${p[i + 2]}}`; i += 2; continue; }
    out += p.slice(i, i + 2);
    i++;
  }
  return out;
}

/**
 * The BMP characters Java's \b takes for word characters (Character.isLetterOrDigit, _, and the
 * non-spacing marks that follow them), as one class for a pattern without the u flag; made once.
 */
export function javaWordClass(): string {
  if (wordClass) return wordClass;
  const word = /[\p{L}\p{Nd}\p{Mn}_]/u, hex = (c: number) => `\\u${c.toString(16).padStart(4, '0')}`;
  let out = '', from = -1;
  for (let c = 0; c <= 0x10000; c++) {
    const is = c < 0x10000 && (c < 0xd800 || c > 0xdfff) && word.test(String.fromCharCode(c));
    if (is && from < 0) from = c;
    if (!is && from >= 0) { out += from === c - 1 ? hex(from) : `${hex(from)}-${hex(c - 1)}`; from = -1; }
  }
  wordClass = `[${out}]`;
  return wordClass;
}
let wordClass: string | undefined;

/** Java's \s: ASCII whitespace only (JavaScript's takes every Unicode space), and \S everything else. */
export const JAVA_SPACE = ' \\t\\n\\x0B\\f\\r';
/** The characters JavaScript's \s takes beyond Java's: Java's \S takes them. */
export const UNICODE_ONLY_SPACES = '\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';

/** Java's escapes of control characters that JavaScript lacks: \a (bell) and \e (escape). */
export const JAVA_CONTROL: Record<string, string> = { a: '\x07', e: '\x1B' };
/** Java's octal escape after its \0: n, nn or mnn (m at most 3). */
export const OCTAL = /^[0-3][0-7]{2}|^[0-7]{1,2}/;
/** A character as a \uXXXX escape. */
export const unicodeEscape = (ch: string): string => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** Characters a v-mode class takes only escaped (its syntax characters and reserved punctuators). */
const V_CLASS_ESCAPED = /[()[\]{}/\-\\|&!#%,:;<=>@`~^$.*+?]/;
const vChar = (c: string): string => (V_CLASS_ESCAPED.test(c) ? `\\${c}` : c);

/**
 * A Java character class starting at p[i] ('[') as a v-mode class, and the index of its closing ']'.
 * Java's class is a union of its items and nested classes; `&&` intersects the union before it with
 * the one after it; a leading ^ negates the whole class (as Java 9 and later read it).
 */
export function classSet(p: string, i: number, fold = false): { text: string; end: number } {
  let j = i + 1;
  const negated = p[j] === '^';
  if (negated) j++;
  const segments: string[][] = [[]];
  let items = segments[0]!;
  /** One class member at p[j] (a character or an escape): its v-mode text and, for a single character, the character. */
  const member = (): { text: string; char?: string } => {
    const c = p[j]!;
    if (c !== '\\') { j++; return { text: vChar(c), char: c }; }
    const n = p[j + 1];
    if (n === undefined) { j++; return { text: '\\\\' }; }
    if ((n === 'p' || n === 'P') && p[j + 2] === '{') {
      const close = p.indexOf('}', j + 3);
      const name = close < 0 ? '' : p.slice(j + 3, close);
      j = close < 0 ? p.length : close + 1;
      const set = posixSet(name);
      // (a brace of its own, as Punct's, is escaped; a \p{...} inside it is kept)
      if (set !== undefined) return { text: `[${n === 'P' ? '^' : ''}${set.replace(/\\[pP]\{[^}]*\}|[{}]/g, (m) => (m.length > 1 ? m : `\\${m}`))}]` };
      return { text: `\\${n}{${unicodeProperty(name)}}` };
    }
    j += 2;
    if (n === 'c' && j < p.length) { j++; return { text: `\\c${p[j - 1]}` }; }
    const control = own(JAVA_CONTROL, n);
    if (control !== undefined) return { text: vChar(control), char: control };
    if (n === 'h' || n === 'v') return { text: `[${n === 'h' ? HORIZONTAL : VERTICAL}]` };
    if (n === 's' || n === 'S') return { text: `[${n === 'S' ? '^' : ''}${JAVA_SPACE}]` };
    if (n === 'H' || n === 'V') return { text: `[^${n === 'H' ? HORIZONTAL : VERTICAL}]` };
    if (n === '0') {
      const m = OCTAL.exec(p.slice(j));
      if (m) { j += m[0].length; const ch = String.fromCharCode(parseInt(m[0], 8)); return { text: vChar(ch), char: ch }; }
    }
    // a letter or digit escape is JavaScript's too (\d, \w, \n, \x41, \u0041); other escaped characters are themselves
    if (/[A-Za-z0-9]/.test(n)) {
      const hex = n === 'x' ? /^[0-9a-fA-F]{2}/.exec(p.slice(j)) : n === 'u' ? /^[0-9a-fA-F]{4}/.exec(p.slice(j)) : null;
      if (hex) { j += hex[0].length; const ch = String.fromCharCode(parseInt(hex[0], 16)); return { text: vChar(ch), char: ch }; }
      return { text: `\\${n}` };
    }
    return { text: vChar(n), char: n };
  };
  let first = true;
  while (j < p.length) {
    const c = p[j]!;
    if (c === ']' && !first) break;
    first = false;
    if (c === '[') { const inner = classSet(p, j, fold); items.push(inner.text); j = inner.end + 1; continue; }
    if (c === '&' && p[j + 1] === '&') { items = []; segments.push(items); j += 2; continue; }
    if (c === '\\' && p[j + 1] === 'Q') {
      const end = p.indexOf('\\E', j + 2);
      for (const ch of p.slice(j + 2, end < 0 ? p.length : end)) items.push(vChar(ch) + (fold ? otherCase(ch) : ''));
      j = end < 0 ? p.length : end + 2;
      continue;
    }
    const lo = member();
    // a range: a character, '-', and a character that does not close the class
    if (lo.char !== undefined && p[j] === '-' && p[j + 1] !== undefined && p[j + 1] !== ']' && p[j + 1] !== '[') {
      const save = j;
      j++;
      const hi = member();
      if (hi.char !== undefined) { items.push(`${lo.text}-${hi.text}${fold ? otherCaseRanges(lo.char.charCodeAt(0), hi.char.charCodeAt(0)) : ''}`); continue; }
      j = save;
    }
    // (?i) without (?u): an ASCII letter stands for both its cases, and no other letter folds
    items.push(lo.text + (fold && lo.char !== undefined ? otherCase(lo.char) : ''));
  }
  const parts = segments.filter((s) => s.length > 0);
  const body = parts.length > 1 ? parts.map((s) => `[${s.join('')}]`).join('&&') : (parts[0] ?? []).join('');
  return { text: `[${negated ? '^' : ''}${body}]`, end: j };
}

/** JavaScript source text with its letters in both cases: ASCII ones, and any other with `unicode` (Java's (?iu)). */
export function caseless(src: string, unicode: boolean): string {
  if (!unicode) return asciiCaseless(src);
  if (src.length === 1) { const lo = src.toLowerCase(), up = src.toUpperCase(); return lo !== up && lo.length === 1 && up.length === 1 ? `[${lo}${up}]` : src; }
  return asciiCaseless(src);
}

/** The other case of an ASCII letter, else nothing. */
const otherCase = (c: string): string => (/[a-z]/.test(c) ? c.toUpperCase() : /[A-Z]/.test(c) ? c.toLowerCase() : '');

/** The other case of the ASCII letters in the code point range lo-hi, as class ranges. */
function otherCaseRanges(lo: number, hi: number): string {
  let out = '';
  for (const [from, to, shift] of [[97, 122, -32], [65, 90, 32]] as const) {
    const a = Math.max(lo, from), b = Math.min(hi, to);
    if (a <= b) out += `${String.fromCharCode(a + shift)}-${String.fromCharCode(b + shift)}`;
  }
  return out;
}

/** A JavaScript pattern source matching its ASCII letters in either case, without the i flag. */
export function asciiCaseless(src: string, setsFolded = false): string {
  let out = '', inClass = false;
  for (let i = 0; i < src.length; i++) {
    const c = src[i]!;
    // a v-mode class (classes nest) spells both cases already: it is kept whole
    if (setsFolded && c === '[') {
      let depth = 0, j = i;
      for (; j < src.length; j++) {
        if (src[j] === '\\') { j++; continue; }
        if (src[j] === '[') depth++;
        else if (src[j] === ']' && --depth === 0) break;
      }
      out += src.slice(i, j + 1);
      i = j;
      continue;
    }
    // an escape is kept whole (\u{..}, \uXXXX, \xHH, \p{..}, \k<name>, \cX, or one character)
    const esc = c === '\\' ? /^\\(?:u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|[pP]\{[^}]*\}|k<[^>]*>|c[A-Za-z]|[\s\S])/.exec(src.slice(i)) : null;
    if (esc) { out += esc[0]; i += esc[0].length - 1; continue; }
    if (inClass) {
      if (c === ']') { inClass = false; out += c; continue; }
      const hi = src[i + 2];
      if (src[i + 1] === '-' && hi !== undefined && hi !== ']' && hi !== '\\') {
        out += `${c}-${hi}${otherCaseRanges(c.charCodeAt(0), hi.charCodeAt(0))}`;
        i += 2;
        continue;
      }
      out += c + otherCase(c);
      continue;
    }
    if (c === '[') { inClass = true; out += src[i + 1] === '^' ? '[^' : '['; if (src[i + 1] === '^') i++; continue; }
    // a group's name is no text to match
    const named = c === '(' ? /^\(\?<[A-Za-z_$][\w$]*>/.exec(src.slice(i)) : null;
    if (named) { out += named[0]; i += named[0].length - 1; continue; }
    const other = otherCase(c);
    out += other ? `[${c}${other}]` : c;
  }
  return out;
}
