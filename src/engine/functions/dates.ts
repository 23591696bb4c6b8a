import { T, canImplicitlyCast, type SqlType } from '../sql/types.js';
import { EvalError } from '../analysis/errors.js';
import { convert } from './values.js';
import { B, I, S, define, fixed } from './registry.js';

/** Date and time functions: conversions, formatting and parsing, arithmetic. */
export function registerDateFunctions(): void {
  // ---- date and time
  fixed('UNIX_TIMESTAMP', 'DATE / TIME', [], B, () => Date.now());
  fixed('UNIX_TIMESTAMP', 'DATE / TIME', [T.TIMESTAMP], B, (t: number) => t);
  fixed('UNIX_DATE', 'DATE / TIME', [], I, () => Math.floor(Date.now() / 86_400_000));
  fixed('UNIX_DATE', 'DATE / TIME', [T.DATE], I, (d: number) => d);
  fixed('FROM_UNIXTIME', 'DATE / TIME', [B], T.TIMESTAMP, (t: number) => t);
  fixed('FROM_DAYS', 'DATE / TIME', [I], T.DATE, (d: number) => d);
  fixed('TIMESTAMPTOSTRING', 'DATE / TIME', [B, S], S, (t: number, f: string) => formatJavaDate(t, f, 'UTC'));
  fixed('TIMESTAMPTOSTRING', 'DATE / TIME', [B, S, S], S, (t: number, f: string, z: string) => formatJavaDate(t, f, z));
  fixed('FORMAT_TIMESTAMP', 'DATE / TIME', [T.TIMESTAMP, S], S, (t: number, f: string) => formatJavaDate(t, f, 'UTC'));
  fixed('FORMAT_TIMESTAMP', 'DATE / TIME', [T.TIMESTAMP, S, S], S, (t: number, f: string, z: string) => formatJavaDate(t, f, z));
  fixed('FORMAT_DATE', 'DATE / TIME', [T.DATE, S], S, (d: number, f: string) => formatJavaDate(d * 86_400_000, f, 'UTC'));
  fixed('PARSE_DATE', 'DATE / TIME', [S, S], T.DATE, (s: string) => Math.floor(convert(s, S, T.TIMESTAMP) as number / 86_400_000));
  fixed('PARSE_TIMESTAMP', 'DATE / TIME', [S, S], T.TIMESTAMP, (s: string) => convert(s, S, T.TIMESTAMP));
  fixed('STRINGTOTIMESTAMP', 'DATE / TIME', [S, S], B, (s: string) => convert(s, S, T.TIMESTAMP));

  // ---- date arithmetic: TIMESTAMPADD(unit, n, ts) and friends; units arrive as their names
  const UNIT_MS: Record<string, number> = { MILLISECONDS: 1, SECONDS: 1000, MINUTES: 60_000, HOURS: 3_600_000, DAYS: 86_400_000 };
  for (const [name, sign, kind] of [['TIMESTAMPADD', 1, 'TIMESTAMP'], ['TIMESTAMPSUB', -1, 'TIMESTAMP'], ['DATEADD', 1, 'DATE'], ['DATESUB', -1, 'DATE'], ['TIMEADD', 1, 'TIME'], ['TIMESUB', -1, 'TIME']] as const) {
    define(name, 'DATE / TIME', `${name}(unit, interval, value)`, (args) => {
      if (args.length !== 3 || args[0]!.kind !== 'STRING' || !canImplicitlyCast(args[1]!, I) || (args[2]!.kind !== kind && args[2]!.kind !== 'NULL')) return undefined;
      const t = { kind } as SqlType;
      return {
        returnType: t, argTypes: [S, I, t],
        fn: ([unit, n, v]) => {
          if (unit == null || n == null || v == null) return null;
          const ms = UNIT_MS[String(unit).toUpperCase()];
          if (ms === undefined) throw new EvalError(`unsupported time unit ${String(unit)}`);
          if (kind === 'DATE') { if (ms < 86_400_000) throw new EvalError('DATEADD supports DAYS only'); return (v as number) + sign * (n as number) * (ms / 86_400_000); }
          const r = (v as number) + sign * (n as number) * ms;
          return kind === 'TIME' ? ((r % 86_400_000) + 86_400_000) % 86_400_000 : r;
        },
      };
    });
  }
}

/** A subset of Java's DateTimeFormatter patterns: y M d H h m s S a and quoted text. */
export function formatJavaDate(ms: number, pattern: string, zone: string): string {
  let offsetMin = 0;
  const z = /^(?:UTC|GMT)?([+-])(\d{1,2}):?(\d{2})?$/.exec(zone);
  if (z) offsetMin = (z[1] === '-' ? -1 : 1) * (Number(z[2]) * 60 + Number(z[3] ?? 0));
  const d = new Date(ms + offsetMin * 60_000);
  const fields: Record<string, (n: number) => string> = {
    y: (n) => (n === 2 ? String(d.getUTCFullYear()).slice(-2) : String(d.getUTCFullYear()).padStart(n, '0')),
    M: (n) => String(d.getUTCMonth() + 1).padStart(n, '0'),
    d: (n) => String(d.getUTCDate()).padStart(n, '0'),
    H: (n) => String(d.getUTCHours()).padStart(n, '0'),
    h: (n) => String(d.getUTCHours() % 12 || 12).padStart(n, '0'),
    m: (n) => String(d.getUTCMinutes()).padStart(n, '0'),
    s: (n) => String(d.getUTCSeconds()).padStart(n, '0'),
    S: (n) => String(d.getUTCMilliseconds()).padStart(3, '0').slice(0, n).padEnd(n, '0'),
    a: () => (d.getUTCHours() < 12 ? 'AM' : 'PM'),
    Z: () => `${offsetMin < 0 ? '-' : '+'}${String(Math.floor(Math.abs(offsetMin) / 60)).padStart(2, '0')}${String(Math.abs(offsetMin) % 60).padStart(2, '0')}`,
    X: (n) => (offsetMin === 0 ? 'Z' : `${offsetMin < 0 ? '-' : '+'}${String(Math.floor(Math.abs(offsetMin) / 60)).padStart(2, '0')}${n >= 3 ? ':' : ''}${n >= 2 ? String(Math.abs(offsetMin) % 60).padStart(2, '0') : ''}`),
  };
  let out = '';
  for (let i = 0; i < pattern.length;) {
    const c = pattern[i]!;
    if (c === '\'') {
      const j = pattern.indexOf('\'', i + 1);
      out += j < 0 ? pattern.slice(i + 1) : pattern.slice(i + 1, j) || '\'';
      i = j < 0 ? pattern.length : j + 1; continue;
    }
    let n = 1;
    while (pattern[i + n] === c) n++;
    const f = fields[c];
    out += f ? f(n) : c.repeat(n);
    i += n;
  }
  return out;
}
