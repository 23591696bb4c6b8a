import { T, canImplicitlyCast, type SqlType } from '../sql/types.js';
import { EvalError } from '../analysis/errors.js';
import { formatJavaDate as formatWith, parseJavaDate as parseWith, parsedFieldKinds } from './java-time.js';
import { checkPatternLetters, patternLetters, withoutSections } from './java-pattern.js';
import { zoneArgument, zoneOffsetMs } from './java-zones.js';

// the date functions refuse the patterns Java's formatter builder refuses
const formatJavaDate = (ms: number, pattern: string, zone: string): string => { checkPatternLetters(pattern); return formatWith(ms, pattern, zone); };
const parseJavaDate = (text: string, pattern: string, zone: string): number => { checkPatternLetters(pattern); return parseWith(text, pattern, zone); };
import { B, I, S, canPassAs, define, fixed } from './registry.js';

/** Pattern letters of date fields, and of time-of-day fields, as java.time's ChronoFields are date- or time-based. */
const DATE_LETTERS = 'GuyDMLdQqYwWEecF';
const TIME_LETTERS = 'aHkKhmsSAnNB';
/** Java's names of the fields a letter formats, for the message of a value that lacks them. */
const FIELD_NAMES: Record<string, string> = {
  H: 'HourOfDay', k: 'ClockHourOfDay', K: 'HourOfAmPm', h: 'ClockHourOfAmPm', m: 'MinuteOfHour', s: 'SecondOfMinute', S: 'NanoOfSecond', a: 'AmPmOfDay',
  A: 'MilliOfDay', n: 'NanoOfSecond', N: 'NanoOfDay', y: 'YearOfEra', u: 'Year', M: 'MonthOfYear', L: 'MonthOfYear', d: 'DayOfMonth', D: 'DayOfYear',
  E: 'DayOfWeek', e: 'DayOfWeek', c: 'DayOfWeek', G: 'Era', Q: 'QuarterOfYear', q: 'QuarterOfYear', Y: 'WeekBasedYear', w: 'WeekOfWeekBasedYear', W: 'WeekOfMonth', F: 'AlignedWeekOfMonth',
};
const ZONE_LETTERS = 'VzOXxZ';

/**
 * The pattern without its [optional] sections that ask for a field not in `allowed` (java.time prints
 * an optional section only when the value has all its fields), when the rest asks only for fields of
 * `allowed` (and no zone); else the error Java's formatter gives.
 */
function onlyFields(pattern: string, allowed: string): string {
  // (the whole pattern first, as Java's ofPattern reads it before anything else)
  checkPatternLetters(pattern);
  pattern = withoutSections(pattern, (letter) => allowed.includes(letter));
  for (const c of patternLetters(pattern)) {
    if (ZONE_LETTERS.includes(c)) throw new EvalError('Unable to extract ZoneId from temporal');
    if (!allowed.includes(c)) throw new EvalError(`Unsupported field: ${FIELD_NAMES[c] ?? c}`);
  }
  return pattern;
}

/** ksqlDB's PARSE_DATE refuses a text whose parse has a time field, PARSE_TIME one whose parse has a date field. */
function noFields(text: string, pattern: string, refused: 'date' | 'time', message: string): void {
  checkPatternLetters(pattern);
  if (parsedFieldKinds(text, pattern)[refused]) throw new EvalError(message);
}

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
    // (without a zone, FORMAT_TIMESTAMP formats in ZoneId.of("GMT"), TIMESTAMPTOSTRING in the server's UTC: the same times, named apart)
    fixed(name, 'DATE / TIME', [t, S], S, (ms: number, f: string) => formatJavaDate(ms, f, name === 'FORMAT_TIMESTAMP' ? 'GMT' : 'UTC'));
    fixed(name, 'DATE / TIME', [t, S, S], S, (ms: number, f: string, z: string) => formatJavaDate(ms, f, zoneArgument(z)));
  }
  // a LocalDate has no time of day and a LocalTime no date, and neither a zone: Java's formatter fails on
  // such fields (the value is NULL), and ksqlDB's PARSE_DATE/PARSE_TIME refuse a format that has them
  fixed('FORMAT_DATE', 'DATE / TIME', [T.DATE, S], S, (d: number, f: string) => formatJavaDate(d * DAY, onlyFields(f, DATE_LETTERS), 'UTC'));
  fixed('DATETOSTRING', 'DATE / TIME', [I, S], S, (d: number, f: string) => formatJavaDate(d * DAY, onlyFields(f, DATE_LETTERS), 'UTC'));
  fixed('FORMAT_TIME', 'DATE / TIME', [T.TIME, S], S, (t: number, f: string) => formatJavaDate(t, onlyFields(f, TIME_LETTERS), 'UTC'));
  for (const [name, t] of [['PARSE_TIMESTAMP', T.TIMESTAMP], ['STRINGTOTIMESTAMP', B]] as const) {
    fixed(name, 'DATE / TIME', [S, S], t, (s: string, f: string) => parseJavaDate(s, f, 'UTC'));
    fixed(name, 'DATE / TIME', [S, S, S], t, (s: string, f: string, z: string) => parseJavaDate(s, f, zoneArgument(z)));
  }
  fixed('PARSE_DATE', 'DATE / TIME', [S, S], T.DATE, (s: string, f: string) => { noFields(s, f, 'time', 'Date format contains time field.'); return Math.floor(parseJavaDate(s, f, 'UTC') / DAY); });
  fixed('STRINGTODATE', 'DATE / TIME', [S, S], I, (s: string, f: string) => Math.floor(parseJavaDate(s, f, 'UTC') / DAY));
  fixed('PARSE_TIME', 'DATE / TIME', [S, S], T.TIME, (s: string, f: string) => { noFields(s, f, 'date', 'Time format contains date field.'); return ((parseJavaDate(s, f, 'UTC') % DAY) + DAY) % DAY; });
  // CONVERT_TZ(ts, from, to): shifts the timestamp by the difference of the two zones' offsets, both
  // taken at the timestamp's own value read as an instant, as ksqlDB's ConvertTz does (near a DST
  // change this differs from reading it as a local time in `from`)
  fixed('CONVERT_TZ', 'DATE / TIME', [T.TIMESTAMP, S, S], T.TIMESTAMP, (ts: number, from: string, to: string) =>
    ts + zoneOffsetMs(zoneArgument(to), ts) - zoneOffsetMs(zoneArgument(from), ts));

  // ---- date arithmetic: TIMESTAMPADD(unit, n, ts) and friends; units arrive as their names
  const UNIT_MS: Record<string, number> = { MILLISECONDS: 1, SECONDS: 1000, MINUTES: 60_000, HOURS: 3_600_000, DAYS: 86_400_000 };
  for (const [name, sign, kind] of [['TIMESTAMPADD', 1, 'TIMESTAMP'], ['TIMESTAMPSUB', -1, 'TIMESTAMP'], ['DATEADD', 1, 'DATE'], ['DATESUB', -1, 'DATE'], ['TIMEADD', 1, 'TIME'], ['TIMESUB', -1, 'TIME']] as const) {
    define(name, 'DATE / TIME', `${name}(unit, interval, value)`, (args) => {
      if (args.length !== 3 || args[0]!.kind !== 'STRING' || !canImplicitlyCast(args[1]!, I) || !canPassAs(args[2]!, { kind } as SqlType)) return undefined;
      const t = { kind } as SqlType;
      return {
        returnType: t, argTypes: [S, I, t],
        fn: ([unit, n, v]) => {
          if (unit == null || n == null || v == null) return null;
          const ms = UNIT_MS[String(unit).toUpperCase()];
          if (ms === undefined) throw new EvalError(`unsupported time unit ${String(unit)}`);
          // a date moves by the unit's milliseconds, then whole days count (TimeUnit.toDays truncates toward zero)
          if (kind === 'DATE') return Math.trunc(((v as number) * 86_400_000 + sign * (n as number) * ms) / 86_400_000) + 0;
          const r = (v as number) + sign * (n as number) * ms;
          return kind === 'TIME' ? ((r % 86_400_000) + 86_400_000) % 86_400_000 : r;
        },
      };
    });
  }
}
