import { createHash } from 'node:crypto';
import { T } from '../sql/types.js';
import { I, S, define, fixed } from './registry.js';

/** String functions: case, trimming, padding, searching, splitting and joining. */
export function registerStringFunctions(): void {
  // ---- strings
  fixed('UCASE', 'STRING', [S], S, (s: string) => s.toUpperCase());
  fixed('LCASE', 'STRING', [S], S, (s: string) => s.toLowerCase());
  fixed('TRIM', 'STRING', [S], S, (s: string) => s.trim());
  fixed('LTRIM', 'STRING', [S], S, (s: string) => s.replace(/^\s+/, ''));
  fixed('RTRIM', 'STRING', [S], S, (s: string) => s.replace(/\s+$/, ''));
  fixed('LEN', 'STRING', [S], I, (s: string) => [...s].length);
  fixed('LEN', 'STRING', [T.BYTES], I, (b: Buffer) => b.length);
  fixed('INITCAP', 'STRING', [S], S, (s: string) => s.split(' ').map((w) => (w ? w[0]!.toUpperCase() + w.slice(1).toLowerCase() : w)).join(' '));
  fixed('REPLACE', 'STRING', [S, S, S], S, (s: string, a: string, b: string) => s.split(a).join(b));
  fixed('SUBSTRING', 'STRING', [S, I], S, (s: string, p: number) => substring(s, p));
  fixed('SUBSTRING', 'STRING', [S, I, I], S, (s: string, p: number, l: number) => substring(s, p, l));
  fixed('INSTR', 'STRING', [S, S], I, (s: string, sub: string) => s.indexOf(sub) + 1);
  fixed('LPAD', 'STRING', [S, I, S], S, (s: string, n: number, p: string) => pad(s, n, p, true));
  fixed('RPAD', 'STRING', [S, I, S], S, (s: string, n: number, p: string) => pad(s, n, p, false));
  fixed('SPLIT', 'STRING', [S, S], T.array(S), (s: string, d: string) => (d === '' ? [...s] : s.split(d)));
  fixed('MD5', 'STRING', [S], S, (s: string) => createHash('md5').update(s, 'utf8').digest('hex'));
  fixed('CHR', 'STRING', [I], S, (n: number) => String.fromCodePoint(n));
  fixed('UUID', 'STRING', [], S, () => crypto.randomUUID());
  define('CONCAT', 'STRING', 'CONCAT(STRING...)', (args) => {
    if (args.length === 0) return undefined;
    if (args.every((a) => a.kind === 'BYTES' || a.kind === 'NULL')) {
      return { returnType: T.BYTES, argTypes: args.map(() => T.BYTES), fn: (a) => Buffer.concat(a.filter((x) => x != null) as Buffer[]) };
    }
    if (!args.every((a) => a.kind === 'STRING' || a.kind === 'NULL')) return undefined;
    return { returnType: S, argTypes: args.map(() => S), fn: (a) => a.map((x) => x ?? '').join('') };
  });
  define('CONCAT_WS', 'STRING', 'CONCAT_WS(STRING, STRING...)', (args) => {
    if (args.length < 2 || !args.every((a) => a.kind === 'STRING' || a.kind === 'NULL')) return undefined;
    return { returnType: S, argTypes: args.map(() => S), fn: (a) => (a[0] == null ? null : a.slice(1).filter((x) => x != null).join(a[0] as string)) };
  });
}

function substring(s: string, pos: number, len?: number): string {
  const cps = [...s];
  let start = pos > 0 ? pos - 1 : pos < 0 ? cps.length + pos : 0;
  if (start < 0) start = 0;
  const end = len === undefined ? cps.length : Math.min(cps.length, start + Math.max(0, len));
  return cps.slice(start, end).join('');
}
function pad(s: string, n: number, p: string, left: boolean): string | null {
  if (n < 0 || p === '') return null;
  if (s.length >= n) return s.slice(0, n);
  let fill = '';
  while (fill.length < n - s.length) fill += p;
  fill = fill.slice(0, n - s.length);
  return left ? fill + s : s + fill;
}
