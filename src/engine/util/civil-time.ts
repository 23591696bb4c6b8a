// JavaScript's Date holds 100,000,000 days either side of 1970 (years -271821 to 275760); Java's
// Instant, and so ksqlDB's TIMESTAMP, goes much further. The Gregorian calendar repeats every 400
// years (146,097 days, a whole number of weeks), so an instant beyond Date's range is read as the
// same instant a whole number of cycles nearer, with those cycles' years added back.

const DAY_MS = 86_400_000;
/** 400 Gregorian years: 146,097 days. */
export const CYCLE_MS = 146_097 * DAY_MS;
const DATE_LIMIT_MS = 100_000_000 * DAY_MS;

/** A Date with the calendar fields of `ms` (UTC), except the year, which is `d`'s plus `years`. */
export function utcDate(ms: number): { d: Date; years: number } {
  if (Math.abs(ms) <= DATE_LIMIT_MS) return { d: new Date(ms), years: 0 };
  const cycles = Math.trunc(ms / CYCLE_MS);
  return { d: new Date(ms - cycles * CYCLE_MS), years: 400 * cycles };
}

/**
 * A year field as Java's DateTimeFormatter writes `width` pattern letters of it: padded to the
 * width; from 4 letters on, a value wider than that takes a '+' (SignStyle.EXCEEDS_PAD); a negative
 * one its '-'.
 */
export function yearText(value: number, width: number): string {
  const digits = String(Math.abs(value)).padStart(width, '0');
  if (value < 0) return `-${digits}`;
  return width >= 4 && digits.length > width ? `+${digits}` : digits;
}

/** A year as `yyyy` writes it (the year of era): the year before 1 is 1 (BC). */
export const yearOfEraText = (year: number): string => yearText(year <= 0 ? 1 - year : year, 4);

const pad = (n: number, w = 2) => String(n).padStart(w, '0');
/** A TIMESTAMP as ksqlDB writes it (yyyy-MM-dd'T'HH:mm:ss.SSS, UTC), for any instant a long holds. */
export function formatTimestamp(ms: number): string {
  const { d, years } = utcDate(ms);
  return `${dateText(d, years)}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}.${pad(d.getUTCMilliseconds(), 3)}`;
}
/** A DATE (days since 1970-01-01) as ksqlDB writes it: yyyy-MM-dd. */
export function formatDate(days: number): string {
  const { d, years } = utcDate(days * DAY_MS);
  return dateText(d, years);
}
const dateText = (d: Date, years: number) => `${yearOfEraText(d.getUTCFullYear() + years)}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
/** A TIME (milliseconds of the day) as ksqlDB writes it: HH:mm, then :ss and .SSS when not zero. */
export function formatTime(ms: number): string {
  const h = Math.floor(ms / 3_600_000), m = Math.floor(ms / 60_000) % 60, s = Math.floor(ms / 1000) % 60, milli = ms % 1000;
  let out = `${pad(h)}:${pad(m)}`;
  if (s || milli) out += `:${pad(s)}`;
  if (milli) out += `.${pad(milli, 3)}`;
  return out;
}
