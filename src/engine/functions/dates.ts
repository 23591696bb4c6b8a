import { T, canImplicitlyCast, type SqlType } from '../sql/types.js';
import { EvalError } from '../analysis/errors.js';
import { formatJavaDate, localToUtc, parseJavaDate, zoneOffsetMs } from './java-time.js';
import { B, I, S, define, fixed } from './registry.js';

/** Date and time functions: conversions, formatting and parsing, arithmetic. */
export function registerDateFunctions(): void {
  // ---- date and time
  fixed('UNIX_TIMESTAMP', 'DATE / TIME', [], B, () => Date.now());
  fixed('UNIX_TIMESTAMP', 'DATE / TIME', [T.TIMESTAMP], B, (t: number) => t);
  fixed('UNIX_DATE', 'DATE / TIME', [], I, () => Math.floor(Date.now() / 86_400_000));
  fixed('UNIX_DATE', 'DATE / TIME', [T.DATE], I, (d: number) => d);
  fixed('FROM_UNIXTIME', 'DATE / TIME', [B], T.TIMESTAMP, (t: number | bigint) => { if (typeof t === 'bigint') throw new EvalError(`FROM_UNIXTIME: ${t} ms is beyond the timestamps this server holds`); return t; });
  fixed('FROM_DAYS', 'DATE / TIME', [I], T.DATE, (d: number) => d);
  const DAY = 86_400_000;
  for (const [name, t] of [['TIMESTAMPTOSTRING', B], ['FORMAT_TIMESTAMP', T.TIMESTAMP]] as const) {
    fixed(name, 'DATE / TIME', [t, S], S, (ms: number, f: string) => formatJavaDate(ms, f, 'UTC'));
    fixed(name, 'DATE / TIME', [t, S, S], S, (ms: number, f: string, z: string) => formatJavaDate(ms, f, z));
  }
  fixed('FORMAT_DATE', 'DATE / TIME', [T.DATE, S], S, (d: number, f: string) => formatJavaDate(d * DAY, f, 'UTC'));
  fixed('DATETOSTRING', 'DATE / TIME', [I, S], S, (d: number, f: string) => formatJavaDate(d * DAY, f, 'UTC'));
  fixed('FORMAT_TIME', 'DATE / TIME', [T.TIME, S], S, (t: number, f: string) => formatJavaDate(t, f, 'UTC'));
  for (const [name, t] of [['PARSE_TIMESTAMP', T.TIMESTAMP], ['STRINGTOTIMESTAMP', B]] as const) {
    fixed(name, 'DATE / TIME', [S, S], t, (s: string, f: string) => parseJavaDate(s, f, 'UTC'));
    fixed(name, 'DATE / TIME', [S, S, S], t, (s: string, f: string, z: string) => parseJavaDate(s, f, z));
  }
  fixed('PARSE_DATE', 'DATE / TIME', [S, S], T.DATE, (s: string, f: string) => Math.floor(parseJavaDate(s, f, 'UTC') / DAY));
  fixed('STRINGTODATE', 'DATE / TIME', [S, S], I, (s: string, f: string) => Math.floor(parseJavaDate(s, f, 'UTC') / DAY));
  fixed('PARSE_TIME', 'DATE / TIME', [S, S], T.TIME, (s: string, f: string) => ((parseJavaDate(s, f, 'UTC') % DAY) + DAY) % DAY);
  // CONVERT_TZ(ts, from, to): reads the timestamp as a local time in `from` and gives the same instant's local time in `to`
  fixed('CONVERT_TZ', 'DATE / TIME', [T.TIMESTAMP, S, S], T.TIMESTAMP, (ts: number, from: string, to: string) => {
    const instant = localToUtc(ts, from);
    return instant + zoneOffsetMs(to, instant);
  });

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
