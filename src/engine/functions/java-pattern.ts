import { EvalError } from '../analysis/errors.js';

// Java DateTimeFormatter patterns as the date functions read them: their letters, 'quoted' text,
// [optional] sections and p padding, as tokens; the checks Java's builder makes of them.

export type Token = { lit: string } | { ch: string; n: number } | { opt: 'start' | 'end' } | { pad: number };

export const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
export const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];

/**
 * Refuses a pattern with a run of a letter longer than Java 11's DateTimeFormatterBuilder takes (its
 * messages): two-letter fields take 2 (dd, HH), texts 5 (MMMMM, EEEEE), the zone names 4, and so on.
 * The date functions check their patterns so; a source's TIMESTAMP_FORMAT is not (a data dir's
 * journal holds sources made before this check, which must replay as they were made).
 */
export function checkPatternLetters(pattern: string): void {
  if (checkedPatterns.has(pattern)) return;
  for (const t of tokenize(pattern)) if ('ch' in t) checkLetterCount(t.ch, t.n);
  if (checkedPatterns.size > 1000) checkedPatterns.clear();
  checkedPatterns.add(pattern);
}
const checkedPatterns = new Set<string>();

function checkLetterCount(c: string, n: number): void {
  const most: Record<string, number> = { d: 2, h: 2, H: 2, k: 2, K: 2, m: 2, s: 2, w: 2, D: 3, a: 1, W: 1, F: 1, G: 5, E: 5, M: 5, L: 5, Q: 5, q: 5, e: 5, c: 5, z: 4, X: 5, x: 5, Z: 5, S: 9 };
  if (c === 'V' && n !== 2) throw new EvalError('Pattern letter count must be 2: V');
  if (c === 'O' && n !== 1 && n !== 4) throw new EvalError('Pattern letter count must be 1 or 4: O');
  if (c === 'c' && n === 2) throw new EvalError('Invalid pattern "cc"');
  if (c === 'S' && n > 9) throw new EvalError(`Field width ${n} is not valid: fractions take 1 to 9 digits`);
  if (n > (most[c] ?? 19)) throw new EvalError(`Too many pattern letters: ${c}`);
}

const tokenCache = new Map<string, Token[]>();
export function tokenize(pattern: string): Token[] {
  let tokens = tokenCache.get(pattern);
  if (tokens) return tokens;
  tokens = [];
  let depth = 0;
  for (let i = 0; i < pattern.length;) {
    const c = pattern[i]!;
    if (c === '\'') {
      let j = i + 1, text = '';
      for (; j < pattern.length; j++) {
        if (pattern[j] === '\'') { if (pattern[j + 1] === '\'') { text += '\''; j++; continue; } break; }
        text += pattern[j];
      }
      if (j >= pattern.length) throw new EvalError(`Pattern ends with an incomplete string literal: ${pattern}`);
      tokens.push({ lit: j === i + 1 ? '\'' : text });
      i = j + 1;
    } else if (/[a-zA-Z]/.test(c)) {
      let n = 1;
      while (pattern[i + n] === c) n++;
      if (!'GyuMLdDEaHkKhmsSnANzZXxVOQqecwWYFp'.includes(c)) throw new EvalError(`Unknown pattern letter: ${c}`);
      // p pads the field after it to as many characters as there are p's, with spaces before it
      if (c === 'p' && !/[a-zA-Z]/.test(pattern[i + n] ?? '')) throw new EvalError(`Pad letter 'p' must be followed by valid pad pattern: ${pattern}`);
      tokens.push(c === 'p' ? { pad: n } : { ch: c, n });
      i += n;
    } else if (c === '[' || c === ']') {
      depth += c === '[' ? 1 : -1;
      if (depth < 0) throw new EvalError('Pattern invalid as it contains ] without previous [');
      tokens.push({ opt: c === '[' ? 'start' : 'end' }); i++;
    } else if (c === '{' || c === '}' || c === '#') throw new EvalError(`Pattern includes reserved character: '${c}'`);
    else { tokens.push({ lit: c }); i++; }
  }
  tokenCache.set(pattern, tokens);
  return tokens;
}

/**
 * The pattern without its [optional] sections that use a letter `keep` refuses, written back as a
 * pattern (from the same tokens formatting and parsing read, so quotes and nesting are read alike).
 */
export function withoutSections(pattern: string, keep: (letter: string) => boolean): string {
  const render = (t: Token): string => ('lit' in t ? (/^[^a-zA-Z'[\]]*$/.test(t.lit) ? t.lit : `'${t.lit.replace(/'/g, "''")}'`) : 'ch' in t ? t.ch.repeat(t.n) : 'pad' in t ? 'p'.repeat(t.pad) : t.opt === 'start' ? '[' : ']');
  let out = '', section: Token[] = [], depth = 0;
  for (const t of tokenize(pattern)) {
    if ('opt' in t && t.opt === 'start') depth++;
    if (depth === 0) { out += render(t); continue; }
    section.push(t);
    if ('opt' in t && t.opt === 'end' && --depth === 0) {
      if (section.every((x) => !('ch' in x) || keep(x.ch))) out += section.map(render).join('');
      section = [];
    }
  }
  return out + section.map(render).join('');
}

/** The pattern letters a DateTimeFormatter pattern uses (quoted text aside). */
export function patternLetters(pattern: string): string[] {
  return tokenize(pattern).flatMap((t) => ('ch' in t && t.ch ? [t.ch] : []));
}
