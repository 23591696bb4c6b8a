import { EvalError } from '../analysis/errors.js';
import { resolveDateTime } from './values.js';
import { utcDate, yearText } from '../util/civil-time.js';
import { DAYS, MONTHS, tokenize, type Token } from './java-pattern.js';
import { LONG_NAMES, SHORT_NAMES, localizedOffset, longestZoneId, offsetId, offsetZone, resolveLocal, zoneIdText, zoneName, zoneOffsetMs, localToUtc } from './java-zones.js';

/**
 * The part of Java's DateTimeFormatter that ksqlDB's date functions expose: pattern letters
 * G y u M L d D E a H k K h m s S n A N z Z X x V O, the week and quarter fields Y w W e c F Q q (weeks
 * as the US locale counts them: from Sunday, week 1 holds January 1st), 'quoted' text and [optional]
 * sections, formatting and (case-insensitive, as ksqlDB builds its parsers) parsing. Zones are
 * offsets (+0200, UTC+2) or IANA names.
 */

/**
 * The week-based year and week of a (UTC-shifted) date as WeekFields.of(Locale.US) counts them: weeks
 * run Sunday to Saturday and week 1 is the one holding January 1st, so late December days in that
 * week belong to the next year's week 1.
 */
function usWeek(d: Date): { year: number; week: number } {
  const y = d.getUTCFullYear();
  const saturday = new Date(d.getTime() + (6 - d.getUTCDay()) * 86_400_000);
  if (saturday.getUTCFullYear() > y) return { year: y + 1, week: 1 };
  const jan1 = new Date(Date.UTC(2000, 0, 1)); jan1.setUTCFullYear(y);
  const dayOfYear = Math.floor((d.getTime() - jan1.getTime()) / 86_400_000);
  return { year: y, week: Math.floor((dayOfYear + jan1.getUTCDay()) / 7) + 1 };
}

/** Formats epoch milliseconds in `zone` with a Java pattern. */
export function formatJavaDate(ms: number, pattern: string, zone: string): string {
  const offMs = zoneOffsetMs(zone, ms), off = Math.round(offMs / 1000);
  const { d, years } = utcDate(ms + offMs);
  const year = d.getUTCFullYear() + years, month = d.getUTCMonth(), hour = d.getUTCHours();
  const pad = (v: number, n: number) => (v < 0 ? '-' + String(-v).padStart(n, '0') : String(v).padStart(n, '0'));
  const milliOfDay = ((ms + offMs) % 86_400_000 + 86_400_000) % 86_400_000;
  const text = (full: string, n: number) => (n === 4 ? full : n === 5 ? full[0]! : full.slice(0, 3));
  const field = (ch: string, n: number): string => {
    switch (ch) {
      case 'G': return n === 4 ? (year > 0 ? 'Anno Domini' : 'Before Christ') : n === 5 ? (year > 0 ? 'A' : 'B') : year > 0 ? 'AD' : 'BC';
      // (two letters: the last two digits of the year of the era for y, of the year's absolute value for u)
      case 'y': case 'u': return n === 2 ? pad(Math.abs(ch === 'y' && year <= 0 ? 1 - year : year) % 100, 2) : yearText(ch === 'y' && year <= 0 ? 1 - year : year, n);
      case 'M': case 'L': return n <= 2 ? pad(month + 1, n) : text(MONTHS[month]!, n);
      case 'd': return pad(d.getUTCDate(), n);
      // (counted from January 1st of d's own year: the year itself may be beyond Date.UTC's range)
      case 'D': { const jan1 = new Date(d.getTime()); jan1.setUTCMonth(0, 1); jan1.setUTCHours(0, 0, 0, 0); return pad(Math.floor((d.getTime() - jan1.getTime()) / 86_400_000) + 1, n); }
      case 'E': return text(DAYS[d.getUTCDay()]!, Math.max(n, 3));
      case 'a': return hour < 12 ? 'AM' : 'PM';
      case 'H': return pad(hour, n);
      case 'k': return pad(hour || 24, n);
      case 'K': return pad(hour % 12, n);
      case 'h': return pad(hour % 12 || 12, n);
      case 'm': return pad(d.getUTCMinutes(), n);
      case 's': return pad(d.getUTCSeconds(), n);
      case 'S': return String(d.getUTCMilliseconds()).padStart(3, '0').padEnd(n, '0').slice(0, n);
      case 'n': return pad(d.getUTCMilliseconds() * 1_000_000, n);
      case 'A': return pad(milliOfDay, n);
      case 'N': return pad(milliOfDay * 1_000_000, n);
      case 'z': return zoneName(zone, ms, n >= 4, offMs);
      case 'V': return zoneIdText(zone);
      // O: the short localized offset, hours without a leading zero and minutes only when not zero (GMT+5:30, GMT-4)
      // O: GMT+H[:MM[:SS]]; OOOO and ZZZZ: GMT+HH:MM[:SS]
      case 'O': return localizedOffset(off, n === 4);
      case 'Z': return n === 4 ? localizedOffset(off, true) : n === 5 ? offsetId(off, 6, 'Z') : offsetId(off, 3, '+0000');
      // X +HHmm, XX +HHMM, XXX +HH:MM, XXXX +HHMMss, XXXXX +HH:MM:ss; x the same, with +00... for no offset
      case 'X': case 'x': return offsetId(off, [1, 3, 4, 5, 6][n - 1]!, ch === 'X' ? 'Z' : ['+00', '+0000', '+00:00', '+0000', '+00:00'][n - 1]!);
      case 'Q': case 'q': { const q = Math.floor(month / 3) + 1; return n <= 2 ? pad(q, n) : n === 3 ? `Q${q}` : n === 5 ? String(q) : `${['1st', '2nd', '3rd', '4th'][q - 1]} quarter`; }
      case 'e': case 'c': return n <= 2 ? pad(d.getUTCDay() + 1, n) : text(DAYS[d.getUTCDay()]!, n);
      case 'w': return pad(usWeek(d).week, n);
      case 'Y': { const y = usWeek(d).year + years; return n === 2 ? pad(Math.abs(y) % 100, 2) : yearText(y, n); }
      // the weekday the month began on, from this day's (Date.UTC would read years 0-99 as 1900s)
      case 'W': { const firstDow = (((d.getUTCDay() - (d.getUTCDate() - 1)) % 7) + 7) % 7; return pad(Math.floor((d.getUTCDate() - 1 + firstDow) / 7) + 1, n); }
      case 'F': return pad(((d.getUTCDate() - 1) % 7) + 1, n);
      default: return ch.repeat(n);
    }
  };
  let out = '', width = 0;
  for (const t of tokenize(pattern)) {
    if ('pad' in t) { width = t.pad; continue; }
    const s = 'lit' in t ? t.lit : 'opt' in t ? '' : field(t.ch, t.n);
    if (width > 0 && s.length > width) throw new EvalError(`Cannot print as output of ${s.length} characters exceeds pad width of ${width}`);
    out += s.padStart(width, ' ');
    width = 0;
  }
  return out;
}

/**
 * The offset text each offset letter parses, as Java's DateTimeFormatterBuilder.appendOffset patterns
 * read it: X +HHmm, XX +HHMM, XXX +HH:MM, XXXX +HHMMss, XXXXX +HH:MM:ss (Z for zero); x the same with
 * +00 for zero; Z to ZZZ +HHMM; ZZZZ GMT+HH:MM; ZZZZZ as XXXXX; O GMT+H[:MM], OOOO GMT+HH:MM.
 */
const OFFSET_FORMS: Record<string, RegExp> = {
  // (XXXX and XXXXX, xxxx and xxxxx, ZZZZZ: seconds too, where the text has them)
  X1: /^(Z|[+-]\d{2}(\d{2})?)/i, X2: /^(Z|[+-]\d{4})/i, X3: /^(Z|[+-]\d{2}:\d{2})/i, X4: /^(Z|[+-]\d{4}(\d{2})?)/i, X5: /^(Z|[+-]\d{2}:\d{2}(:\d{2})?)/i,
  x1: /^[+-]\d{2}(\d{2})?/, x2: /^[+-]\d{4}/, x3: /^[+-]\d{2}:\d{2}/, x4: /^[+-]\d{4}(\d{2})?/, x5: /^[+-]\d{2}:\d{2}(:\d{2})?/,
  Z1: /^[+-]\d{4}/, Z4: /^GMT(?:([+-])(\d{2}):(\d{2})(?::(\d{2}))?)?/i, Z5: /^(Z|[+-]\d{2}:\d{2}(:\d{2})?)/i,
  O1: /^GMT(?:([+-])(\d{1,2})(?::(\d{2})(?::(\d{2}))?)?)?/i, O4: /^GMT(?:([+-])(\d{2}):(\d{2})(?::(\d{2}))?)?/i,
};

/**
 * The date of fields without a year, as ksqlDB sets them in turn on 1970-01-01 (a Thursday): the day
 * of the week moves within that Monday-to-Sunday week, the day of the month is set in the month that
 * leaves, the day of the year in its year, and the month last, the day kept within it. Milliseconds
 * from 1970-01-01 to that date's midnight.
 */
function withoutYear(p: Parsed): number {
  const DAY = 86_400_000;
  let d = new Date(0);
  if (p.dayOfWeek !== undefined) d = new Date(((p.dayOfWeek === 0 ? 7 : p.dayOfWeek) - 4) * DAY);
  if (p.day !== undefined) {
    if (p.day < 1 || p.day > 31) throw new EvalError(`Invalid value for DayOfMonth (valid values 1 - 28/31): ${p.day}`);
    d.setUTCDate(p.day);
  }
  // (the day of the year in the year the steps before reached: 1969 for a Monday to a Wednesday)
  if (p.dayOfYear !== undefined && (p.dayOfYear < 1 || p.dayOfYear > 365)) throw new EvalError(`Invalid value for DayOfYear (valid values 1 - 365/366): ${p.dayOfYear}`);
  if (p.dayOfYear !== undefined) { const jan1 = new Date(Date.UTC(2000, 0, 1)); jan1.setUTCFullYear(d.getUTCFullYear()); d = new Date(jan1.getTime() + (p.dayOfYear - 1) * DAY); }
  if (p.month !== undefined) {
    if (p.month < 1 || p.month > 12) throw new EvalError(`Invalid value for MonthOfYear (valid values 1 - 12): ${p.month}`);
    const day = d.getUTCDate(), last = new Date(Date.UTC(d.getUTCFullYear(), p.month, 0)).getUTCDate();
    d = new Date(Date.UTC(d.getUTCFullYear(), p.month - 1, Math.min(day, last)));
  }
  return d.getTime();
}

/** The fields a parse found; absent ones take Java's defaults (1970-01-01T00:00:00). */
interface Parsed { clockHour?: boolean; dayOfYear?: number; year?: number; yearOfEra?: number; bc?: boolean; weekYear?: number; week?: number; month?: number; day?: number; dayOfWeek?: number; hour?: number; hour12?: number; pm?: boolean; minute?: number; second?: number; ms?: number; zone?: string }

/** Parses `text` with a Java pattern to epoch milliseconds; a zone in the text wins over `zone`. */
export function parseJavaDate(text: string, pattern: string, zone: string): number {
  const p = parseFields(text, pattern);
  const hour = p.hour ?? (p.hour12 !== undefined ? (p.hour12 % 12) + (p.pm ? 12 : 0) : p.pm ? 12 : 0);
  // h is the clock hour of the half day, 1-12; K the hour of it, 0-11
  if (p.hour12 !== undefined && p.hour === undefined) {
    // (the smart resolver takes a clock hour of 0 as 12)
    const [lo, hi, field] = p.clockHour ? [1, 12, 'ClockHourOfAmPm'] : [0, 11, 'HourOfAmPm'];
    if ((p.hour12 < lo && !(p.clockHour && p.hour12 === 0)) || p.hour12 > hi) throw new EvalError(`Text '${text}' could not be parsed: Invalid value for ${field} (valid values ${lo} - ${hi}): ${p.hour12}`);
  }
  // DateTimeFormatter.ofPattern resolves SMART: fields in range, a day past the month's end clamped;
  // a day of the year without a month and day is the date (ksqlDB sets each parsed field on
  // 1970-01-01 in turn: with no year, it is 1970's, and its 366th day needs a year)
  const byDayOfYear = p.dayOfYear !== undefined && p.day === undefined;
  let local: number;
  try {
    if (byDayOfYear) {
      const y = p.year ?? 1970, doy = p.dayOfYear!;
      if (doy < 1 || doy > 366) throw new EvalError(`Invalid value for DayOfYear (valid values 1 - 365/366): ${doy}`);
      if (doy === 366 && p.year === undefined) throw new EvalError('Leap day cannot be parsed without supplying the year field');
      if (doy === 366 && !(y % 4 === 0 && (y % 100 !== 0 || y % 400 === 0))) throw new EvalError(`Invalid date 'DayOfYear 366' as '${y}' is not a leap year`);
      local = resolveDateTime(y, 1, 1, hour, p.minute ?? 0, p.second ?? 0, p.ms ?? 0) + (doy - 1) * 86_400_000;
      if (p.year === undefined && (p.month !== undefined || p.dayOfWeek !== undefined)) local = withoutYear(p) + resolveDateTime(1970, 1, 1, hour, p.minute ?? 0, p.second ?? 0, p.ms ?? 0);
    } else if (p.year === undefined && p.weekYear === undefined && (p.dayOfWeek !== undefined || p.dayOfYear !== undefined)) {
      if (p.dayOfYear === 366) throw new EvalError('Leap day cannot be parsed without supplying the year field');
      local = withoutYear(p) + resolveDateTime(1970, 1, 1, hour, p.minute ?? 0, p.second ?? 0, p.ms ?? 0);
    } else local = resolveDateTime(p.year ?? 1970, p.month ?? 1, p.day ?? 1, hour, p.minute ?? 0, p.second ?? 0, p.ms ?? 0);
  } catch (e) {
    if ((e as Error).message.startsWith('Leap day')) throw e;
    throw new EvalError(`Text '${text}' could not be parsed: ${(e as Error).message}`);
  }
  // a month beside a day of the year must be the date's, as must a day of the week
  // (only a date the resolver makes, from a year, is checked: without one ksqlDB only sets the fields in turn)
  if (byDayOfYear && p.year !== undefined && p.month !== undefined && utcDate(local).d.getUTCMonth() + 1 !== p.month) {
    throw new EvalError(`Text '${text}' could not be parsed: Conflict found: Field MonthOfYear ${utcDate(local).d.getUTCMonth() + 1} differs from MonthOfYear ${p.month} derived from ${isoDate(local)}`);
  }
  if (p.dayOfWeek !== undefined && p.year !== undefined && (p.day !== undefined || byDayOfYear) && utcDate(local).d.getUTCDay() !== p.dayOfWeek) {
    throw new EvalError(`Text '${text}' could not be parsed: Conflict found: Field DayOfWeek differs from the date's`);
  }
  // so must a day of the year given with a month or a day, and AM or PM the hour of the day
  if (p.dayOfYear !== undefined && !byDayOfYear && p.year !== undefined) {
    const jan1 = new Date(0);
    jan1.setUTCFullYear(p.year ?? 1970, 0, 1);
    const doy = Math.floor((local - jan1.getTime()) / 86_400_000) + 1;
    if (doy !== p.dayOfYear) throw new EvalError(`Text '${text}' could not be parsed: Conflict found: Field DayOfYear ${doy} differs from DayOfYear ${p.dayOfYear} derived from ${isoDate(local)}`);
  }
  if (p.hour !== undefined && p.pm !== undefined && (p.hour >= 12) !== p.pm) {
    throw new EvalError(`Text '${text}' could not be parsed: Conflict found: Field AmPmOfDay ${p.pm ? 1 : 0} differs from AmPmOfDay ${p.hour >= 12 ? 1 : 0} derived from the hour`);
  }
  // a zone in the text, with a date and a time, makes the instant as java.time resolves it; else
  // ksqlDB sets the fields one by one on 1970-01-01 in the zone (see ksqlChain)
  const dated = p.year !== undefined || p.month !== undefined || p.day !== undefined || p.dayOfYear !== undefined;
  const timed = p.hour !== undefined || p.hour12 !== undefined || p.minute !== undefined || p.second !== undefined || p.ms !== undefined;
  if (p.zone !== undefined && dated && timed) return localToUtc(local, p.zone);
  return ksqlChain(local, p.zone ?? zone, dated, timed);
}

/**
 * A local date-time in `zone` as ksqlDB's StringToTimestampParser makes it: from midnight of
 * 1970-01-01 in the zone, each parsed ChronoField is set in the enum's order (the time of day, then
 * the day of the week, the aligned days, the day of the month and of the year, then the epoch day:
 * the date whole), each step a ZonedDateTime.with that keeps the offset it had where the new local
 * time is in an overlap (clocks set back), and moves on by the gap where it is in one. So a time
 * the clocks repeat takes the offset the same day and time had in 1969 or 1970, not always the
 * earlier one; the rest is as java.time resolves it.
 */
function ksqlChain(local: number, zone: string, dated: boolean, timed: boolean): number {
  const DAY = 86_400_000;
  // (away from a change of the zone's offset every step keeps the one offset: the steps are walked
  // only near one, as zone offsets cost a formatter call each)
  const first = zoneOffsetMs(zone, local - DAY);
  if (first === zoneOffsetMs(zone, local + DAY)) return local - first;
  const timeOfDay = ((local % DAY) + DAY) % DAY;
  let at = resolveLocal(0, zone, undefined);
  if (timed) at = resolveLocal(timeOfDay, zone, at.offset);
  if (!dated) return at.utc;
  const time = ((at.local % DAY) + DAY) % DAY, day = (ms: number) => Math.floor(ms / DAY);
  const target = utcDate(local - timeOfDay).d;
  const dow = (d: Date) => ((d.getUTCDay() + 6) % 7) + 1; // 1 Monday .. 7 Sunday
  const dayOfYear = (d: Date) => { const jan1 = new Date(d.getTime()); jan1.setUTCMonth(0, 1); return day(d.getTime() - jan1.getTime()) + 1; };
  // (the steps within 1969-1970 only decide the offset the last one keeps)
  const steps: ((d: Date) => Date)[] = [
    (d) => new Date(d.getTime() + (dow(target) - dow(d)) * DAY),
    (d) => new Date(d.getTime() + ((((target.getUTCDate() - 1) % 7) + 1) - (((d.getUTCDate() - 1) % 7) + 1)) * DAY),
    (d) => new Date(d.getTime() + ((((dayOfYear(target) - 1) % 7) + 1) - (((dayOfYear(d) - 1) % 7) + 1)) * DAY),
    (d) => { const n = new Date(d.getTime()); n.setUTCDate(Math.min(target.getUTCDate(), 31)); return n; },
    (d) => { if (dayOfYear(target) > 365) return d; const n = new Date(d.getTime()); n.setUTCMonth(0, 1); return new Date(n.getTime() + (dayOfYear(target) - 1) * DAY); },
  ];
  let date = new Date(0);
  let clock = time;
  for (const step of steps) {
    date = step(date);
    at = resolveLocal(date.getTime() + clock, zone, at.offset);
    clock = ((at.local % DAY) + DAY) % DAY;
  }
  // the epoch day: the date whole, at the time of day the steps left
  return resolveLocal(local - timeOfDay + clock, zone, at.offset).utc;
}

/** The date of a local time as LocalDate.toString writes it (a year beyond 9999 with its +, before 1 with its -). */
function isoDate(local: number): string {
  const { d, years } = utcDate(local), y = d.getUTCFullYear() + years, two = (v: number) => String(v).padStart(2, '0');
  return `${y < 0 ? '-' : y > 9999 ? '+' : ''}${String(Math.abs(y)).padStart(4, '0')}-${two(d.getUTCMonth() + 1)}-${two(d.getUTCDate())}`;
}

/** Whether a parse of `text` finds date fields and time-of-day fields (an optional section that matched nothing adds none). */
export function parsedFieldKinds(text: string, pattern: string): { date: boolean; time: boolean } {
  const p = parseFields(text, pattern);
  return {
    date: [p.year, p.weekYear, p.month, p.day, p.dayOfWeek].some((x) => x !== undefined),
    time: [p.hour, p.hour12, p.pm, p.minute, p.second, p.ms].some((x) => x !== undefined),
  };
}

/** ^\d{min,max}, made once for each width. */
function digitRun(min: number, max: number): RegExp {
  const key = min * 100 + max;
  let re = digitRuns.get(key);
  if (!re) { re = new RegExp(`^\\d{${min},${max}}`); digitRuns.set(key, re); }
  return re;
}
const digitRuns = new Map<number, RegExp>();

/** A parse that went wrong at some point; an [optional] section that holds one is skipped instead. */
class ParseFailure extends Error {}

function parseFields(text: string, pattern: string): Parsed {
  const tokens = tokenize(pattern);
  let p: Parsed = {};
  let i = 0;
  const fail = (): never => { throw new ParseFailure(`Text '${text}' could not be parsed at index ${i}`); };
  /** Where the field being read must end (a padded one ends with its width), and the text from the position to there. */
  let limit = text.length;
  const rest = () => text.slice(i, limit);
  const isNumeric = (t: Token | undefined) => t !== undefined && 'ch' in t && ('yudDHkKhmsSANYwWFeQqc'.includes(t.ch) || ('ML'.includes(t.ch) && t.n <= 2));
  /**
   * A year of `min` to `max` digits as Java's strict parser reads it: from 4 letters on (SignStyle.
   * EXCEEDS_PAD) a year of more digits than letters needs its +, and a + needs more digits; below 4
   * (NORMAL) only a - is read; -0 is none.
   */
  const signedYear = (min: number, max: number): number => {
    const sign = text[i] === '+' || text[i] === '-' ? text[i] : '';
    if (sign === '+' && min < 4) fail();
    const at = i;
    if (sign) i++;
    const m = digitRun(min, max).exec(rest());
    if (!m) { i = at; fail(); }
    const len = m![0].length;
    if (sign === '-' && Number(m![0]) === 0) { i = at; fail(); }
    if (min >= 4 && (sign === '+' ? len <= min : sign === '' && len > min)) { i = at; fail(); }
    i += len;
    return sign === '-' ? -Number(m![0]) : Number(m![0]);
  };
  const digits = (min: number, max: number): number => {
    const m = digitRun(min, max).exec(rest());
    if (!m) fail();
    i += m![0].length;
    return Number(m![0]);
  };
  const word = (names: string[]): number => {
    const lower = rest().toLowerCase();
    const idx = names.findIndex((n) => lower.startsWith(n.toLowerCase()));
    if (idx < 0) fail();
    i += names[idx]!.length;
    return idx;
  };
  /** The index of the `]` that closes the `[` at `k`. */
  const closing = (k: number): number => {
    for (let depth = 0, j = k; j < tokens.length; j++) {
      const t = tokens[j]!;
      if ('opt' in t) depth += t.opt === 'start' ? 1 : -1;
      if (depth === 0) return j;
    }
    return tokens.length;
  };
  const parseRange = (from: number, to: number): void => {
    for (let k = from; k < to; k++) {
      const t = tokens[k]!;
      if ('opt' in t) {
        if (t.opt === 'end') continue;
        // an optional section: parsed if it can be, else left out, the text read from where it began
        const end = closing(k), at = i, saved = { ...p };
        try { parseRange(k + 1, end); } catch (e) { if (!(e instanceof ParseFailure)) throw e; i = at; p = saved; }
        k = end;
        continue;
      }
      if ('pad' in t) {
        // a padded field fills its width exactly: spaces, then the field (Java's strict parse)
        const start = i;
        if (start + t.pad > text.length || k + 1 >= to) fail();
        while (i < start + t.pad && text[i] === ' ') i++;
        limit = start + t.pad;
        try { parseToken(tokens[++k]!, undefined); } finally { limit = text.length; }
        if (i !== start + t.pad) fail();
        continue;
      }
      parseToken(t, tokens[k + 1]);
    }
  };
  const parseToken = (t: Token, next: Token | undefined): void => {
    if ('lit' in t) {
      if (rest().slice(0, t.lit.length).toLowerCase() !== t.lit.toLowerCase()) fail();
      i += t.lit.length;
      return;
    }
    if (!('ch' in t)) return;
    const adjacent = isNumeric(next);
    const num = (n: number) => (adjacent ? digits(n, n) : digits(n, n >= 2 ? n : 19));
    switch (t.ch) {
      case 'y': case 'u': case 'Y': {
        const v = t.n === 2 ? digits(2, 2) : signedYear(t.n, adjacent ? t.n : 19);
        // a week-based year stands in for the year when the pattern has no other
        if (t.ch === 'Y') { p.weekYear = t.n === 2 ? 2000 + v : v; break; }
        // y is the year of the era (AD unless G says BC), u the proleptic year
        if (t.ch === 'y') p.yearOfEra = t.n === 2 ? 2000 + v : v;
        else p.year = t.n === 2 ? 2000 + v : v;
        break;
      }
      case 'M': case 'L': p.month = t.n <= 2 ? num(t.n) : 1 + (t.n === 4 ? word(MONTHS) : word(MONTHS.map((m) => m.slice(0, 3)))); break;
      case 'd': p.day = num(t.n); break;
      // (DD: two or three digits)
      case 'D': p.dayOfYear = adjacent || t.n !== 2 ? num(t.n) : digits(2, 3); break;
      case 'w': p.week = num(t.n); break;
      case 'W': case 'F': num(t.n); break;
      case 'Q': case 'q': if (t.n <= 2) num(t.n); else if (t.n === 3) word(['Q1', 'Q2', 'Q3', 'Q4']); else if (t.n === 5) word(['1', '2', '3', '4']); else word(['1st quarter', '2nd quarter', '3rd quarter', '4th quarter']); break;
      case 'e': case 'c': if (t.n <= 2) p.dayOfWeek = digits(t.n, t.n) - 1; else p.dayOfWeek = word(t.n >= 4 ? DAYS : DAYS.map((x) => x.slice(0, 3))); break;
      case 'E': p.dayOfWeek = word(t.n >= 4 ? DAYS : DAYS.map((x) => x.slice(0, 3))); break;
      case 'a': p.pm = word(['AM', 'PM']) === 1; break;
      // k is the clock hour 1-24, whose 24 is midnight
      case 'H': p.hour = num(t.n); break;
      // (the smart resolver takes 0 as well as 24 for midnight)
      case 'k': { const k = num(t.n); if (k > 24) throw new EvalError(`Text '${text}' could not be parsed: Invalid value for ClockHourOfDay (valid values 1 - 24): ${k}`); p.hour = k % 24; break; }
      case 'h': case 'K': p.hour12 = num(t.n); p.clockHour = t.ch === 'h'; break;
      case 'm': p.minute = num(t.n); break;
      case 's': p.second = num(t.n); break;
      // a fraction of as many digits as letters, no fewer (Java's appendFraction(NANO_OF_SECOND, n, n), parsed strictly)
      case 'S': { const f = rest().slice(0, t.n); if (f.length !== t.n || !/^\d+$/.test(f)) fail(); i += t.n; p.ms = Number(f.padEnd(3, '0').slice(0, 3)); break; }
      // the nano of the second, as a number (not a fraction): its milliseconds are kept
      case 'n': {
        const v = adjacent ? digits(t.n, t.n) : digits(t.n, 19);
        if (v > 999_999_999) throw new EvalError(`Text '${text}' could not be parsed: Invalid value for NanoOfSecond (valid values 0 - 999999999): ${v}`);
        p.ms = Math.floor(v / 1_000_000);
        break;
      }
      // the millisecond or nanosecond of the day: the time of day whole
      case 'A': case 'N': {
        const v = adjacent ? digits(t.n, t.n) : digits(t.n, 19), milli = t.ch === 'A' ? v : Math.floor(v / 1_000_000);
        if (milli >= 86_400_000) fail();
        p.hour = Math.floor(milli / 3_600_000); p.minute = Math.floor(milli / 60_000) % 60; p.second = Math.floor(milli / 1000) % 60; p.ms = milli % 1000;
        break;
      }
      case 'G': p.bc = (t.n === 4 ? word(['Anno Domini', 'Before Christ']) : t.n === 5 ? word(['A', 'B']) : word(['AD', 'BC'])) === 1; break;
      default: {
        // zones: an offset in the form its letters give (Java's appendOffset, parsed strictly), or a name
        const form = OFFSET_FORMS[`${t.ch}${Math.min(t.n, t.ch === 'Z' && t.n < 4 ? 1 : t.n)}`];
        const offset = (form ?? /^(Z|(?:UTC|GMT|UT)?[+-]\d{1,2}(?::?\d{2})?)(?![A-Za-z])/).exec(rest());
        // a zone's name (z: its short names, zzzz: its long ones), the longest that the text starts with
        const upper = form || offset ? '' : rest().toUpperCase();
        const named = upper && t.ch === 'z' ? (t.n >= 4 ? LONG_NAMES : SHORT_NAMES).find(([name]) => upper.startsWith(name)) : undefined;
        // (else a zone id: the longest one the text starts with)
        const id = form || offset || named ? undefined : longestZoneId(/^[A-Za-z][A-Za-z0-9_/+~.-]*/.exec(rest())?.[0] ?? '');
        const m = form ? offset : offset ?? undefined;
        if (!m && !named && !id) fail();
        i += named ? named[0].length : m ? m[0].length : id!.length;
        p.zone = named ? named[1] : m ? (form ? offsetZone(m, fail) : m[0]) : id!.id;
      }
    }
  };
  try {
    parseRange(0, tokens.length);
    if (i !== text.length) fail();
  } catch (e) {
    if (e instanceof ParseFailure) throw new EvalError(e.message);
    throw e;
  }
  // a year of the era is 1 or more; before Christ, year 1 is year 0, year 2 year -1
  if (p.yearOfEra !== undefined) {
    if (p.yearOfEra < 1 || p.yearOfEra > 999_999_999) throw new EvalError(`Text '${text}' could not be parsed: Invalid value for YearOfEra (valid values 1 - 999999999/1000000000): ${p.yearOfEra}`);
    p.year ??= p.bc ? 1 - p.yearOfEra : p.yearOfEra;
  }
  // a week-based year makes a date only with its week and a day of the week (WeekFields' resolver, the
  // US weeks: from Sunday, week 1 holds January 1st); alone, or with a month and day, it is no year:
  // ksqlDB's parser takes only ChronoFields from what was parsed, so the year stays 1970
  if (p.year === undefined && p.weekYear !== undefined && p.week !== undefined && p.dayOfWeek !== undefined) {
    const jan1 = new Date(0);
    jan1.setUTCFullYear(p.weekYear, 0, 1);
    const date = new Date(jan1.getTime() + ((p.week - 1) * 7 + p.dayOfWeek - jan1.getUTCDay()) * 86_400_000);
    p.year = date.getUTCFullYear(); p.month = date.getUTCMonth() + 1; p.day = date.getUTCDate();
  }
  return p;
}
