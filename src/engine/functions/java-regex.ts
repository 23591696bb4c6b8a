import { own } from '../util/own.js';

// Java's regular expressions (java.util.regex.Pattern, what ksqlDB's REGEXP_* functions take) as
// JavaScript RegExps: the Java-only syntax users write is rewritten, the rest is the same language.

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
const posixSet = (name: string): string | undefined => own(POSIX, name) ?? (name.startsWith('Is') ? own(POSIX, name.slice(2)) : undefined);

const CATEGORY = /^(L[ultmo]?|M[nce]?|N[dlo]?|P[cdseifo]?|S[mcko]?|Z[slp]?|C[cfson]?)$/;
/** Java's binary properties (\p{IsAlphabetic}) by their JavaScript names. */
const BINARY: Record<string, string> = {
  Alphabetic: 'Alphabetic', Ideographic: 'Ideographic', Letter: 'L', Lowercase: 'Lowercase', Uppercase: 'Uppercase',
  Titlecase: 'Lt', Punctuation: 'P', Control: 'Cc', White_Space: 'White_Space', WhiteSpace: 'White_Space', Digit: 'Nd',
  Hex_Digit: 'Hex_Digit', HexDigit: 'Hex_Digit', Join_Control: 'Join_Control', JoinControl: 'Join_Control',
  Noncharacter_Code_Point: 'Noncharacter_Code_Point', NoncharacterCodePoint: 'Noncharacter_Code_Point', Assigned: 'Assigned', Emoji: 'Emoji',
};

/** A Java Unicode property name as JavaScript's: Is + a category or binary property, else Is + a script. */
function unicodeProperty(name: string): string {
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

const FLAGS: Record<string, string> = { i: 'i', s: 's', m: 'm', u: '', U: '', d: '', x: '' };

/** Java's \h (horizontal whitespace) and \v (vertical whitespace; JavaScript's \v is \x0B alone), as class contents. */
const HORIZONTAL = ' \\t\\xA0\\u1680\\u180E\\u2000-\\u200A\\u202F\\u205F\\u3000';
const VERTICAL = '\\n\\x0B\\f\\r\\x85\\u2028\\u2029';

/**
 * (?x): whitespace and #-comments are no part of the pattern, inside character classes too (as
 * Java reads them), but escaped ones and \Q...\E quotes are kept.
 */
function stripComments(p: string): string {
  let out = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '\\' && p[i + 1] === 'Q') {
      const end = p.indexOf('\\E', i + 2);
      const stop = end < 0 ? p.length : end + 2;
      out += p.slice(i, stop);
      i = stop - 1;
      continue;
    }
    if (c === '\\') { out += c + (p[i + 1] ?? ''); i++; continue; }
    if (/\s/.test(c)) continue;
    if (c === '#') { while (i < p.length && p[i] !== '\n') i++; continue; }
    out += c;
  }
  return out;
}

/**
 * Whether a pattern has a character class JavaScript's u-mode cannot spell: one nested in another
 * (a union, [a-c[x-z]]), an intersection ([a-z&&[^aeiou]]), or a negated POSIX class inside one
 * ([\P{Digit}x]). Those are written for the v flag (Unicode sets), whose classes nest and intersect.
 */
function needsClassSets(p: string): boolean {
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
function oneLetterProperties(p: string): string {
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
function javaWordClass(): string {
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
const JAVA_SPACE = ' \\t\\n\\x0B\\f\\r';
/** The characters JavaScript's \s takes beyond Java's: Java's \S takes them. */
const UNICODE_ONLY_SPACES = '\\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';

/** Java's escapes of control characters that JavaScript lacks: \a (bell) and \e (escape). */
const JAVA_CONTROL: Record<string, string> = { a: '\x07', e: '\x1B' };
/** Java's octal escape after its \0: n, nn or mnn (m at most 3). */
const OCTAL = /^[0-3][0-7]{2}|^[0-7]{1,2}/;
/** A character as a \uXXXX escape. */
const unicodeEscape = (ch: string): string => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** Characters a v-mode class takes only escaped (its syntax characters and reserved punctuators). */
const V_CLASS_ESCAPED = /[()[\]{}/\-\\|&!#%,:;<=>@`~^$.*+?]/;
const vChar = (c: string): string => (V_CLASS_ESCAPED.test(c) ? `\\${c}` : c);

/**
 * A Java character class starting at p[i] ('[') as a v-mode class, and the index of its closing ']'.
 * Java's class is a union of its items and nested classes; `&&` intersects the union before it with
 * the one after it; a leading ^ negates the whole class (as Java 9 and later read it).
 */
function classSet(p: string, i: number, fold = false): { text: string; end: number } {
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

/**
 * A Java pattern as a JavaScript source and flags: inline flags ((?i), (?s), (?m), for the whole
 * pattern or a part of it), POSIX and java* classes (\p{Alpha}, \P{Digit}), \Q...\E quoting, the \A,
 * \Z and \z anchors, backreferences as Java reads their digits, and atomic groups and possessive
 * quantifiers (as a lookahead that captures and a backreference to it, which adds groups: `captures`
 * says where the pattern's own are). Anything else passes through unchanged.
 * `endsWithLineBreak`: the text to match ends with a line terminator, before which Java's $ matches too.
 * `nonAsciiText`: the text has characters beyond ASCII, where Java's \b and \B (before JDK 19) count
 * letters, digits and marks of every script as word characters: there they are spelt out.
 * `astralText`: it holds characters beyond the BMP, which Java's . and [^...] take whole: there they
 * take a surrogate pair first (without the u flag, whose other changes Java's patterns do not want).
 */
export function javaRegex(pattern: string, endsWithLineBreak = false, astralText = false, nonAsciiText = false): JsRegex {
  let flags = '', p = oneLetterProperties(pattern), comments = false, unicodeCase = false;
  // (?i) and friends at the very start apply to the whole pattern
  for (let m = /^\(\?([a-zA-Z]+)\)/.exec(p); m && [...m[1]!].every((c) => c in FLAGS); m = /^\(\?([a-zA-Z]+)\)/.exec(p)) {
    for (const c of m[1]!) if (!flags.includes(FLAGS[c]!)) flags += FLAGS[c]!;
    if (m[1]!.includes('x')) comments = true;
    if (m[1]!.includes('u')) unicodeCase = true;
    p = p.slice(m[0].length);
  }
  // flags set or cleared past the start ((?i:...), a(?-i)b) hold for a part of the pattern only: there
  // every flag is spelt out where it acts (letters in both cases, . and ^ and $ as lookarounds) and
  // JavaScript's own i, s and m flags go (a backreference in such a part matches its group's case)
  const scoped = hasScopedFlags(p);
  if (comments && !scoped) p = stripComments(p);
  // Unicode properties need the u flag, under which JavaScript refuses the identity escapes Java takes (\-, \:)
  const sets = needsClassSets(p);
  // (?i) folds ASCII letters only (without (?u)); the v flag's i would fold every letter: the classes
  // spell both cases of their ASCII letters, the rest of the pattern too, and the i flag goes
  // (unless the pattern refers back to a group, which only the i flag matches in any case)
  const foldAscii = sets && flags.includes('i') && !unicodeCase && !/\\[1-9]|\\k</.test(p);
  // (a \x{...} beyond the BMP needs the u flag too: without it a class takes its two UTF-16 units apart)
  const unicode = sets || [...p.matchAll(/\\[pP]\{([^}]*)\}/g)].some((m) => { const set = posixSet(m[1]!); return set === undefined || set.includes('\\p{'); })
    || [...p.matchAll(/\\x\{([0-9a-fA-F]+)\}/g)].some((m) => parseInt(m[1]!, 16) > 0xffff);
  let out = '', inClass = 0, quantified = false, classStart = 0;
  // (under the u flag a pair is one character already)
  const pairs = astralText && !unicode;
  /** A class that takes every character beyond the BMP (\W, [^a]), so that it takes such a character's pair whole, where the text has one. */
  const wholePair = (cls: string): string => (pairs ? `(?:${PAIR}|${cls})` : cls);
  /** The flags in force where the loop is (they change only where `scoped`). */
  let cur: FlagState = { i: flags.includes('i'), s: flags.includes('s'), m: flags.includes('m'), x: comments, u: unicodeCase };
  /** Open groups: where each starts in `out`, its kind, and the flags outside it. */
  const groups: { start: number; atomic?: string; saved: FlagState }[] = [];
  /** Where the last atom (what a quantifier after it repeats) starts in `out`; -1 where there is none. */
  let atomStart = -1;
  /** Capturing groups as they open in `out` (`helper`: one this translation added), and the pattern's backreferences, written at the end. */
  const opens: { pos: number; helper: boolean }[] = [];
  const backrefs: { pos: number; n: number }[] = [];
  let helpers = 0;
  /**
   * Wraps out[from..] as an atomic group: a lookahead captures what it matches, and a backreference
   * takes exactly that, in a group of its own (a quantifier after it repeats the whole).
   */
  const atomic = (from: number): void => {
    const name = `__atomic${++helpers}`, prefix = `(?:(?=(?<${name}>`;
    for (const o of opens) if (o.pos >= from) o.pos += prefix.length;
    for (const b of backrefs) if (b.pos >= from) b.pos += prefix.length;
    opens.push({ pos: from + 6, helper: true });
    out = `${out.slice(0, from)}${prefix}${out.slice(from)}))\\k<${name}>)`;
  };
  /**
   * Java repeats an assertion (^*, \b+, (?=a)?, \z{2}) as it repeats anything: it holds as often as
   * asked, or not at all; JavaScript refuses a quantifier on one, so the assertion goes in a group.
   */
  const groupAssertion = (): void => {
    if (atomStart < 0 || !/^(?:\^|\$|\\[bB]|\(\?<?[=!])/.test(out.slice(atomStart))) return;
    // (a backreference not yet written where the assertion starts comes before it)
    for (const o of opens) if (o.pos >= atomStart) o.pos += 3;
    for (const b of backrefs) if (b.pos > atomStart) b.pos += 3;
    out = `${out.slice(0, atomStart)}(?:${out.slice(atomStart)})`;
  };
  /** Letters in both cases where (?i) holds for a part of the pattern only. */
  const folded = (text: string): string => (scoped && cur.i ? caseless(text, cur.u) : text);
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (scoped && cur.x && (inClass === 0 || !sets)) {
      if (/\s/.test(c)) continue;
      if (c === '#' && !inClass) { while (i + 1 < p.length && p[i + 1] !== '\n') i++; continue; }
    }
    const atomBefore: number = atomStart, quantifiedBefore: boolean = quantified;
    if (!inClass && c !== ')' && c !== '|' && !(quantified && c === '+') && !/[*+?{]/.test(c)) atomStart = out.length;
    if (!inClass && c === '|') atomStart = -1;
    if (c === '\\') {
      quantified = false;
      const n = p[i + 1];
      if (n === 'Q') {
        const end = p.indexOf('\\E', i + 2);
        const lit = p.slice(i + 2, end < 0 ? p.length : end);
        // quoted text is literal, a - within a class too (a quantifier after it repeats its last character)
        const quote = (t: string) => t.replace(inClass ? /[\\^$.*+?()[\]{}|-]/g : /[\\^$.*+?()[\]{}|]/g, '\\$&');
        if (inClass) out += quote(lit);
        else if (lit) { out += folded(quote(lit.slice(0, -1))); atomStart = out.length; out += folded(quote(lit.slice(-1))); }
        // (an empty quote is nothing: a quantifier after it takes what came before it)
        else { atomStart = atomBefore; quantified = quantifiedBefore; }
        i = end < 0 ? p.length : end + 1;
        continue;
      }
      if (!inClass && n === 'k' && p[i + 2] === '<' && p.indexOf('>', i) > 0) {
        const close = p.indexOf('>', i);
        out += p.slice(i, close + 1);
        i = close;
        continue;
      }
      if (!inClass && /[1-9]/.test(n ?? '')) {
        // a backreference: Java takes more digits while they name a group opened before it
        let j = i + 2, num = Number(n);
        const before = opens.filter((o) => !o.helper).length;
        while (j < p.length && /\d/.test(p[j]!) && num * 10 + Number(p[j]) <= before) num = num * 10 + Number(p[j++]);
        backrefs.push({ pos: out.length, n: num });
        i = j - 1;
        continue;
      }
      if ((n === 'p' || n === 'P') && p[i + 2] === '{') {
        const close = p.indexOf('}', i + 3);
        const name = close < 0 ? '' : p.slice(i + 3, close);
        const set = posixSet(name);
        if (set !== undefined) {
          // negated inside a class has no JavaScript spelling: left as written, it fails as an invalid pattern
          if (n === 'P' && inClass) { out += p.slice(i, close + 1); i = close; continue; }
          out += inClass ? set : n === 'P' ? wholePair(`[^${set}]`) : `[${set}]`;
          i = close;
          continue;
        }
        // Unicode categories, binary properties and scripts (\p{L}, \p{IsLu}, \p{IsAlphabetic}, \p{IsLatin})
        out += `\\${n}{${unicodeProperty(name)}}`;
        i = close;
        continue;
      }
      if (unicode && n !== undefined && !/[A-Za-z0-9^$\\.*+?()[\]{}|/]/.test(n)) {
        // an escaped character that is not special: itself (a - in a class stays escaped)
        out += inClass && n === '-' ? '\\-' : n;
        i++;
        continue;
      }
      if (!inClass && nonAsciiText && (n === 'b' || n === 'B') && p[i + 2] !== '{') {
        const w = unicode ? '[\\p{L}\\p{Nd}\\p{Mn}_]' : javaWordClass();
        out += n === 'b' ? `(?:(?<=${w})(?!${w})|(?<!${w})(?=${w}))` : `(?:(?<=${w})(?=${w})|(?<!${w})(?!${w}))`;
        i++;
        continue;
      }
      if (n === 'h' || n === 'H') { out += inClass ? (n === 'h' ? HORIZONTAL : `[^${HORIZONTAL}]`) : n === 'H' ? wholePair(`[^${HORIZONTAL}]`) : `[${HORIZONTAL}]`; i++; continue; }
      if (n === 'v' || n === 'V') { out += inClass ? (n === 'v' ? VERTICAL : `[^${VERTICAL}]`) : n === 'V' ? wholePair(`[^${VERTICAL}]`) : `[${VERTICAL}]`; i++; continue; }
      // \W, \D and \S take a character beyond the BMP whole, as Java's do; Java's \s and \S are ASCII's
      if (!inClass && (n === 'W' || n === 'D')) { out += wholePair(`\\${n}`); i++; continue; }
      if (n === 's') { out += inClass ? JAVA_SPACE : `[${JAVA_SPACE}]`; i++; continue; }
      // (inside a class, Java's \S is JavaScript's and the spaces only JavaScript counts as spaces)
      if (n === 'S' && inClass) { out += `\\S${UNICODE_ONLY_SPACES}`; i++; continue; }
      if (n === 'S' && !inClass) { out += wholePair(`[^${JAVA_SPACE}]`); i++; continue; }
      if (n === 'N' && p[i + 2] === '{') throw new SyntaxError(`\\N{name} (a character by its Unicode name) is not supported here near index ${i}`);
      if (n === 'x' && p[i + 2] === '{') {
        // \x{h...h}: a code point in hex
        const close = p.indexOf('}', i + 3);
        const hex = close < 0 ? '' : p.slice(i + 3, close);
        if (!/^[0-9a-fA-F]+$/.test(hex)) throw new SyntaxError(`Illegal hexadecimal escape sequence near index ${i + 2}`);
        const cp = parseInt(hex, 16);
        if (cp > 0x10ffff) throw new SyntaxError(`Hexadecimal codepoint is too big near index ${i + 2}`);
        // (beyond the BMP without the u flag: its two UTF-16 units, grouped so that a quantifier takes both)
        out += cp <= 0xffff ? unicodeEscape(String.fromCharCode(cp)) : unicode ? `\\u{${hex}}` : `(?:${String.fromCodePoint(cp).split('').map(unicodeEscape).join('')})`;
        i = close;
        continue;
      }
      if (n === '0') {
        const m = OCTAL.exec(p.slice(i + 2));
        if (m) { out += unicodeEscape(String.fromCharCode(parseInt(m[0], 8))); i += 1 + m[0].length; continue; }
      }
      const control = n === undefined ? undefined : own(JAVA_CONTROL, n);
      if (control !== undefined) { out += unicodeEscape(control); i++; continue; }
      if (!inClass && n === 'R') { out += '(?:\\r\\n|[\\n\\x0B\\f\\r\\x85\\u2028\\u2029])'; i++; continue; }
      if (!inClass && n === 'A') { out += '(?<![\\s\\S])'; i++; continue; }
      if (!inClass && n === 'z') { out += '(?![\\s\\S])'; i++; continue; }
      if (!inClass && n === 'Z') { out += '(?=\\n?(?![\\s\\S]))'; i++; continue; }
      out += c + (n ?? '');
      i++;
      continue;
    }
    // without (?s), Java's . stops at every line terminator (U+0085 too); without (?m), its $ matches at
    // the end and before a line terminator that ends the text: for such a text only, it is spelt out
    // as a lookahead (which V8's linear-time engine, the guard against runaway backtracking, lacks)
    if (!inClass && c === '.' && (!cur.s || scoped || pairs)) { quantified = false; out += pairs ? `(?:${PAIR}|${cur.s ? '[\\s\\S]' : LINE_CHAR})` : cur.s ? '[\\s\\S]' : LINE_CHAR; continue; }
    if (!inClass && c === '^' && scoped && cur.m) { quantified = false; out += MULTILINE_CARET; continue; }
    if (!inClass && c === '$' && scoped && cur.m) { quantified = false; out += MULTILINE_DOLLAR; continue; }
    if (!inClass && c === '$' && !cur.m && endsWithLineBreak) { quantified = false; out += '(?=(?:\\r\\n|[\\n\\r\\u0085\\u2028\\u2029])?(?![\\s\\S]))'; continue; }
    if (sets && c === '[') { quantified = false; const cls = classSet(p, i, scoped ? cur.i && !cur.u : foldAscii); out += cls.text; i = cls.end; continue; }
    if (!inClass && c === '(') {
      quantified = false;
      const inline = /^\(\?([a-zA-Z]*)(?:-([a-zA-Z]*))?([:)])/.exec(p.slice(i));
      if (inline && (inline[1] || inline[2] !== undefined)) {
        const next = withFlags(cur, inline[1]!, inline[2] ?? '', i);
        if (inline[3] === ')') cur = next; // (?i) in the middle: to the end of the group it is in
        else { groups.push({ start: out.length, saved: cur }); cur = next; out += '(?:'; }
        i += inline[0].length - 1;
        continue;
      }
      if (p.startsWith('(?>', i)) {
        // an atomic group: JavaScript has none; it is wrapped as one when it closes
        groups.push({ start: out.length, atomic: 'yes', saved: cur });
        out += '(?:';
        i += 2;
        continue;
      }
      if (p[i + 1] !== '?' || /^\(\?<[a-zA-Z]/.test(p.slice(i))) opens.push({ pos: out.length, helper: false });
      groups.push({ start: out.length, saved: cur });
      // the group's opening as one token (a name is no text to match)
      const opening = /^\((?:\?(?::|=|!|<=|<!|<[a-zA-Z][a-zA-Z0-9]*>))?/.exec(p.slice(i))![0];
      out += opening;
      i += opening.length - 1;
      continue;
    }
    if (!inClass && c === ')' && groups.length) {
      const g = groups.pop()!;
      out += c;
      cur = g.saved;
      if (g.atomic) atomic(g.start);
      atomStart = g.start;
      quantified = false;
      continue;
    }
    // Java takes a { outside a class only as a counted repetition ({2}, {2,}, {2,5}); JavaScript reads others as the character
    if (!inClass && c === '{' && !/^\{\d/.test(p.slice(i))) throw new SyntaxError(`Illegal repetition near index ${i}`);
    const counted = !inClass && c === '{' ? /^\{\d+(?:,\d*)?\}/.exec(p.slice(i)) : null;
    if (counted) { if (!quantifiedBefore) groupAssertion(); out += counted[0]; i += counted[0].length - 1; quantified = true; continue; }
    if (c === '[') {
      inClass++;
      if (inClass === 1) classStart = out.length;
      // a ] right after [ or [^ is the character itself, as Java reads it (JavaScript's [] matches nothing)
      const lead = p[i + 1] === '^' ? '^' : '';
      if (p[i + 1 + lead.length] === ']') { out += `[${lead}\\]`; i += 1 + lead.length; continue; }
    }
    else if (c === ']' && inClass) {
      inClass--;
      // (a class naming \W, \D, \S, \H or \V holds every character beyond the BMP)
      const allAstral = pairs && !inClass && /(?:^|[^\\])(?:\\\\)*\\[WDSHV]/.test(out.slice(classStart));
      if (!inClass && ((scoped && cur.i) || (pairs && out.startsWith('[^', classStart)) || allAstral)) {
        let cls = out.slice(classStart) + c;
        if (scoped && cur.i) cls = caseless(cls, cur.u);
        if (allAstral) {
          // a class holding them takes such a character whole; a negated one never takes one
          if (!cls.startsWith('[^')) cls = `(?:${PAIR}|${cls})`;
        } else if (pairs && cls.startsWith('[^')) {
          // a negated class takes a character beyond the BMP whole, but for those it names
          const named = [...cls.matchAll(/[\ud800-\udbff][\udc00-\udfff]|\\u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})/g)]
            .map((m) => (m[1] ? `\\u${m[1]}\\u${m[2]!}` : `${unicodeEscape(m[0][0]!)}${unicodeEscape(m[0][1]!)}`));
          cls = `(?:${named.length ? `(?!${named.join('|')})` : ''}${PAIR}|${cls})`;
        }
        out = out.slice(0, classStart) + cls;
        continue;
      }
    }
    // a + right after a quantifier makes it possessive: what the atom before it matched is never given back
    else if (!inClass && c === '+' && quantified) { quantified = false; if (atomStart >= 0) atomic(atomStart); continue; }
    quantified = !inClass && (c === '*' || c === '+' || c === '?');
    if (quantified && !quantifiedBefore) groupAssertion();
    out += !inClass && !quantified && scoped && cur.i ? caseless(c, cur.u) : c;
  }
  // the pattern's backreferences, to its groups' places among the helper groups; one to a group the
  // pattern does not have never matches (Java's matcher keeps at least ten groups, unset)
  const places = opens.sort((a, b) => a.pos - b.pos).flatMap((o, k) => (o.helper ? [] : [k + 1]));
  // (from the last place back; of backreferences at one place, as \1\2, the later first, so each goes before it)
  for (const b of backrefs.map((x, k) => ({ ...x, k })).sort((x, y) => y.pos - x.pos || y.k - x.k)) {
    const js = places[b.n - 1];
    // (in a group of its own: a digit after it is no part of it, and a quantifier takes it whole)
    out = `${out.slice(0, b.pos)}${js === undefined ? '(?:(?!))' : `(?:\\${js})`}${out.slice(b.pos)}`;
  }
  const captures = helpers ? places : undefined;
  if (scoped) flags = flags.replace(/[ism]/g, '');
  if (unicode && !flags.includes('u')) flags += sets ? 'v' : 'u';
  // Java's (?i) folds US-ASCII letters only, unless (?u) asks for Unicode case too; JavaScript's i
  // folds every letter (é matches É). A pattern with letters beyond ASCII spells the ASCII folding out
  // (unless it refers back to a group, which only the i flag matches in any case: there all letters fold)
  if (foldAscii && !scoped) return { source: asciiCaseless(out, true), flags: flags.replace('i', ''), captures };
  if (flags.includes('i') && !unicodeCase && !sets && /[\u0080-\uFFFF]|\\u|\\x[89a-fA-F]/.test(out) && !/\\[1-9]|\\k</.test(out)) return { source: asciiCaseless(out), flags: flags.replace('i', ''), captures };
  return { source: out, flags, captures };
}

/** A JavaScript RegExp's source and flags; `captures`: where the pattern's groups are among the RegExp's (1-based), when helper groups were added. */
export interface JsRegex { source: string; flags: string; captures?: number[] }

interface FlagState { i: boolean; s: boolean; m: boolean; x: boolean; u: boolean }

/** `state` with Java's inline flags `on` set and `off` cleared (d and U change nothing here). */
function withFlags(state: FlagState, on: string, off: string, at: number): FlagState {
  const next = { ...state };
  for (const [letters, value] of [[on, true], [off, false]] as const) {
    for (const f of letters) {
      if (!'idmsuxU'.includes(f)) throw new SyntaxError(`Unknown inline modifier near index ${at + 2}`);
      if (f === 'i' || f === 's' || f === 'm' || f === 'x' || f === 'u') next[f] = value;
    }
  }
  return next;
}

/** A character beyond the BMP: its UTF-16 surrogate pair. */
const PAIR = '[\\uD800-\\uDBFF][\\uDC00-\\uDFFF]';
/** Java's . without (?s): anything but a line terminator. */
const LINE_CHAR = '[^\\n\\r\\u0085\\u2028\\u2029]';
/** Java's ^ under (?m): at the start, or after a line terminator (not inside \r\n), but never at the very end. */
const MULTILINE_CARET = '(?<![^\\n\\r\\u0085\\u2028\\u2029])(?<!\\r(?=\\n))(?=[\\s\\S])';
/** Java's $ under (?m): before a line terminator (not inside \r\n), or at the end. */
const MULTILINE_DOLLAR = '(?=[\\n\\r\\u0085\\u2028\\u2029]|(?![\\s\\S]))(?<!\\r(?=\\n))';

/** Whether a pattern sets or clears a flag past its start ((?i:...), (?-i), a(?s)b). */
function hasScopedFlags(p: string): boolean {
  return scan(p, (at) => { const m = /^\(\?([a-zA-Z]*)(?:-([a-zA-Z]*))?[:)]/.exec(p.slice(at)); return !!m && (m[1] !== '' || m[2] !== undefined); });
}

/** Whether `test` holds at some place of the pattern outside escapes, quotes and character classes. */
function scan(p: string, test: (at: number) => boolean): boolean {
  let depth = 0;
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '\\') {
      if (p[i + 1] === 'Q') { const end = p.indexOf('\\E', i + 2); i = end < 0 ? p.length : end + 1; continue; }
      i++;
      continue;
    }
    if (c === '[') { depth++; continue; }
    if (c === ']' && depth) { depth--; continue; }
    if (!depth && test(i)) return true;
  }
  return false;
}

/** JavaScript source text with its letters in both cases: ASCII ones, and any other with `unicode` (Java's (?iu)). */
function caseless(src: string, unicode: boolean): string {
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
function asciiCaseless(src: string, setsFolded = false): string {
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
