import { own } from '../util/own.js';
import { HORIZONTAL, JAVA_CONTROL, JAVA_SPACE, OCTAL, UNICODE_ONLY_SPACES, VERTICAL, asciiCaseless, caseless, classSet, javaWordClass, needsClassSets, oneLetterProperties, posixSet, unicodeEscape, unicodeProperty } from './java-regex-classes.js';

// Java's regular expressions (java.util.regex.Pattern, what ksqlDB's REGEXP_* functions take) as
// JavaScript RegExps: the Java-only syntax users write is rewritten, the rest is the same language.

const FLAGS: Record<string, string> = { i: 'i', s: 's', m: 'm', u: '', U: '', d: '', x: '' };

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
      // (the spaces first: a - after \S is then no range from the last of them)
      if (n === 'S' && inClass) { out += `${UNICODE_ONLY_SPACES}\\S`; i++; continue; }
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
