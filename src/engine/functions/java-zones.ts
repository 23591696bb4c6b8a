import { EvalError } from '../analysis/errors.js';
import { utcDate } from '../util/civil-time.js';
import zoneNames from './java-zone-names.json' with { type: 'json' };

// Zones as java.time has them, for the date functions: a zone argument as ZoneId.of reads it,
// offsets (with their seconds) and regions' offsets at an instant, local times in a gap or an
// overlap, and the names and offset texts Java's formatter writes and reads.

// Java resolves these abbreviations to a region, whose rules then decide the offset (PST in May is -7).
const SHORT_ZONES: Record<string, string> = {
  PST: 'America/Los_Angeles', PDT: 'America/Los_Angeles', MST: 'America/Denver', MDT: 'America/Denver',
  CST: 'America/Chicago', CDT: 'America/Chicago', EST: 'America/New_York', EDT: 'America/New_York',
  BST: 'Europe/London', CET: 'Europe/Paris', CEST: 'Europe/Paris', IST: 'Asia/Kolkata', JST: 'Asia/Tokyo',
};

/**
 * Java's zone names (its DateTimeFormatter's, Locale.US, made by scripts/java-zone-names from a JDK):
 * per zone id the short and long names in standard and in daylight time, which z and zzzz write,
 * and the zone each short and long name parses to.
 */
const JAVA_NAMES = (zoneNames as unknown as { names: Record<string, [string, string, string, string]> }).names;
/** Names a zone text parses as (upper case, longest first), to the zone's id: short ones for z, long ones for zzzz. */
const nameParser = (byName: Record<string, string>) => {
  const entries = Object.entries(byName).map(([name, id]): [string, string] => [name.toUpperCase(), SHORT_ZONES[name.toUpperCase()] ?? id]);
  return entries.sort((a, b) => b[0].length - a[0].length);
};
export const SHORT_NAMES = nameParser((zoneNames as { parseShort: Record<string, string> }).parseShort);
export const LONG_NAMES = nameParser((zoneNames as { parseLong: Record<string, string> }).parseLong);

const fmtCache = new Map<string, Intl.DateTimeFormat>();
function intl(zone: string, opts: Intl.DateTimeFormatOptions, locale = 'en-US'): Intl.DateTimeFormat {
  const key = `${locale}|${zone}|${JSON.stringify(opts)}`;
  let f = fmtCache.get(key);
  if (!f) {
    try { f = new Intl.DateTimeFormat(locale, { timeZone: zone, ...opts }); } catch { throw new EvalError(`Unknown time-zone ID: ${zone}`); }
    fmtCache.set(key, f);
  }
  return f;
}

/**
 * A fixed offset in seconds for zone texts as Java's ZoneId.of reads them: Z, UTC, GMT, UT, or an
 * offset (+h, +hh, +hh:mm, +hhmm, +hh:mm:ss, +hhmmss), after one of those prefixes or alone;
 * undefined for region names. An offset in another form (+5:30, +530) is undefined too: the zone
 * argument refuses it, as ZoneOffset.of does.
 */
function fixedOffset(zone: string): number | undefined {
  if (zone === 'Z' || zone === 'UTC' || zone === 'GMT' || zone === 'UT') return 0;
  const m = OFFSET_ID.exec(zone);
  if (!m) return undefined;
  const [h, mi, sec] = offsetFields(m[2]!);
  return (m[1] === '-' ? -1 : 1) * (h * 3600 + mi * 60 + sec);
}

/** The hours, minutes and seconds an offset's digits give (+h, +hh, +hhmm, +hhmmss, colons or not). */
function offsetFields(text: string): [number, number, number] {
  const d = text.replace(/:/g, '');
  return d.length === 1 ? [Number(d), 0, 0] : [Number(d.slice(0, 2)), Number(d.slice(2, 4) || 0), Number(d.slice(4, 6) || 0)];
}
const OFFSET_ID = /^(?:UTC|GMT|UT)?([+-])(\d{1,2}|\d{2}:\d{2}|\d{4}|\d{2}:\d{2}:\d{2}|\d{6})$/;

/**
 * Java's three-letter zone ids that only its alias map knows (ZoneId.SHORT_IDS): ZoneId.of refuses
 * them, as it refuses every name that is no tzdb id. EST, MST and HST are tzdb zones of their own
 * (fixed offsets), which ZoneId.of takes.
 */
const ALIAS_ONLY = new Set(['ACT', 'AET', 'AGT', 'ART', 'AST', 'BET', 'BST', 'CAT', 'CNT', 'CST', 'CTT', 'EAT', 'ECT', 'IET', 'IST', 'JST', 'MIT', 'NET', 'NST', 'PLT', 'PNT', 'PRT', 'PST', 'SST', 'VST']);
const zoneArgs = new Map<string, string>();

/**
 * A zone given as a function's argument (FORMAT_TIMESTAMP, PARSE_TIMESTAMP, CONVERT_TZ), resolved
 * as Java's ZoneId.of resolves it: an offset (+02:00, UTC+2), or a tzdb id in its own case. PST or
 * europe/paris is an unknown id (the call fails), and EST is the fixed -05:00 zone, not New York's.
 * Returns the zone for zoneOffsetMs and formatJavaDate.
 */
export function zoneArgument(zone: string): string {
  let resolved = zoneArgs.get(zone);
  if (resolved !== undefined) return resolved;
  const fixed = fixedOffset(zone);
  if (fixed !== undefined) {
    // (ZoneOffset's bounds: at most 18 hours either way, minutes and seconds below 60)
    const [h, mi, sec] = offsetFields(OFFSET_ID.exec(zone)?.[2] ?? '0');
    if (h > 18) throw new EvalError(`Zone offset hours not in valid range: value ${h} is not in the range -18 to 18`);
    if (mi > 59) throw new EvalError(`Zone offset minutes not in valid range: value ${mi} is not in the range -59 to 59`);
    if (sec > 59) throw new EvalError(`Zone offset seconds not in valid range: value ${sec} is not in the range -59 to 59`);
    if (Math.abs(fixed) > 18 * 3600) throw new EvalError('Zone offset not in valid range: -18:00 to +18:00');
    resolved = zone;
  } else if (/^(?:UTC|GMT|UT)?[+-]/.test(zone)) {
    // an offset in a form ZoneOffset.of does not read (+5:30, +530, GMT+5:30)
    throw new EvalError(/^[+-]/.test(zone) ? `Invalid ID for ZoneOffset, ${/^[+-][\d:]*$/.test(zone) && !/^[+-]\d:/.test(zone) ? 'invalid format' : 'non numeric characters found'}: ${zone}` : `Invalid ID for offset-based ZoneId: ${zone}`);
  } else {
    const unknown = () => new EvalError(`Unknown time-zone ID: ${zone}`);
    // tzdb ids are letters, digits and / _ + - ~ . (each part starting with a capital), matched in their case
    if (ALIAS_ONLY.has(zone) || !/^[A-Z][A-Za-z0-9~/._+-]+$/.test(zone) || /\/[a-z]/.test(zone)) throw unknown();
    let id: string;
    try { id = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone; } catch { throw unknown(); }
    if (id !== zone && id.toLowerCase() === zone.toLowerCase()) throw unknown();
    // (the name itself, unless the formatter's short names would read it as another region's)
    resolved = SHORT_ZONES[zone] ? id : zone;
  }
  if (zoneArgs.size > 1000) zoneArgs.clear();
  zoneArgs.set(zone, resolved);
  return resolved;
}

/** The zone's offset from UTC in ms at the instant `utcMs`. */
export function zoneOffsetMs(zone: string, utcMs: number): number {
  const fixed = fixedOffset(zone);
  if (fixed !== undefined) return fixed * 1000;
  const region = SHORT_ZONES[zone.toUpperCase()] ?? zone;
  // an instant beyond Date's range takes the offset of the same time of year whole 400-year cycles
  // nearer (far ahead a zone's last rule holds; far back, its local mean time)
  const at = utcDate(utcMs).d.getTime();
  const parts = intl(region, { hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric', era: 'short' }).formatToParts(new Date(at));
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value);
  const bc = parts.find((p) => p.type === 'era')?.value.startsWith('B');
  // (Date.UTC would take the years 0 to 99 for 1900 to 1999)
  const day = new Date(Date.UTC(2000, get('month') - 1, get('day'), get('hour'), get('minute'), get('second')));
  day.setUTCFullYear(bc ? 1 - get('year') : get('year'));
  const local = day.getTime();
  return local - (at - (((at % 1000) + 1000) % 1000));
}

/**
 * UTC instant of a local date-time in `zone`, as java.time resolves it (ZonedDateTime.ofLocal): in
 * an overlap (clocks set back) the earlier offset; in a gap (clocks set forward) the time moves on
 * by the gap's length, so 02:30 on a night that skips from 02:00 to 03:00 is 03:30.
 */
export function localToUtc(localMs: number, zone: string): number {
  const DAY = 86_400_000;
  const before = zoneOffsetMs(zone, localMs - DAY), after = zoneOffsetMs(zone, localMs + DAY);
  const early = localMs - before;
  if (before === after) return early;
  const late = localMs - after;
  const valid = (utc: number, offset: number) => zoneOffsetMs(zone, utc) === offset;
  // an overlap (both valid) or a gap (neither) take the offset from before the transition
  return !valid(early, before) && valid(late, after) ? late : early;
}

export function zoneName(zone: string, utcMs: number, long: boolean, offsetMs = zoneOffsetMs(zone, utcMs)): string {
  // the UTC and GMT regions have names of their own in full
  if (long && (zone === 'UTC' || zone === 'GMT')) return zone === 'UTC' ? 'Coordinated Universal Time' : 'Greenwich Mean Time';
  // (an offset's name is its id, short or long: +05:30, UTC+05:30, Z)
  if (fixedOffset(zone) !== undefined) return zoneIdText(zone);
  const region = SHORT_ZONES[zone.toUpperCase()] ?? zone;
  const java = Object.hasOwn(JAVA_NAMES, region) ? JAVA_NAMES[region] : undefined;
  if (java) {
    // daylight time: the offset then is ahead of the lower of January's and July's in that year
    const daylight = offsetMs > standardOffset(region, utcMs);
    const [std, dst] = long ? [java[2], java[3]] : [java[0], java[1]];
    return daylight && dst ? dst : std;
  }
  // (a zone Java's table lacks: the platform's name)
  return intl(region, { timeZoneName: long ? 'long' : 'short' }, 'en-US').formatToParts(new Date(utcMs)).find((p) => p.type === 'timeZoneName')?.value ?? zone;
}

/** The lower of a zone's offsets on January 1st and July 1st of the year of `utcMs`, remembered per zone and year. */
function standardOffset(region: string, utcMs: number): number {
  const { d, years } = utcDate(utcMs);
  const key = `${region}|${d.getUTCFullYear() + years}`;
  let min = standardOffsets.get(key);
  if (min === undefined) {
    // (at midnight UTC of January 1st and July 1st: one answer for the year, whatever instant asks first)
    const at = (month: number) => { const t = new Date(d.getTime()); t.setUTCMonth(month, 1); t.setUTCHours(0, 0, 0, 0); return zoneOffsetMs(region, t.getTime()); };
    min = Math.min(at(0), at(6));
    if (standardOffsets.size > 10_000) standardOffsets.clear();
    standardOffsets.set(key, min);
  }
  return min;
}
const standardOffsets = new Map<string, number>();

/** ZoneId.getId() of a zone argument: an offset normalized (+0200 is +02:00, +00:00 is Z, UTC+5 is UTC+05:00), a region as it is. */
export function zoneIdText(zone: string): string {
  const fixed = fixedOffset(zone);
  if (fixed === undefined) return zone;
  const prefix = /^(UTC|GMT|UT)/.exec(zone)?.[1] ?? '';
  if (fixed === 0) return prefix || 'Z';
  return `${prefix}${offsetId(fixed, 6, 'Z')}`;
}

/**
 * An offset of `secs` seconds as Java's appendOffset writes it, by its pattern's index in +HH, +HHmm,
 * +HH:mm, +HHMM, +HH:MM, +HHMMss, +HH:MM:ss, +HHMMSS, +HH:MM:SS (lower case: only when not zero);
 * `zero`: the text for no offset (also for one whose written parts are all zero).
 */
export function offsetId(secs: number, type: number, zero: string): string {
  const a = Math.abs(secs), h = Math.floor(a / 3600) % 100, m = Math.floor(a / 60) % 60, s = a % 60;
  const sep = type % 2 === 0 && type > 0 ? ':' : '', two = (v: number) => String(v).padStart(2, '0');
  let out = `${secs < 0 ? '-' : '+'}${two(h)}`, written = h;
  if (type >= 3 || (type >= 1 && m > 0)) {
    out += sep + two(m); written += m;
    if (type >= 7 || (type >= 5 && s > 0)) { out += sep + two(s); written += s; }
  }
  return written === 0 ? zero : out;
}

/** An offset as Java's appendLocalizedOffset writes it: GMT, then +H[:MM[:SS]] (short) or +HH:MM[:SS] (full). */
export function localizedOffset(secs: number, full: boolean): string {
  if (secs === 0) return 'GMT';
  const a = Math.abs(secs), h = Math.floor(a / 3600) % 100, m = Math.floor(a / 60) % 60, s = a % 60, two = (v: number) => String(v).padStart(2, '0');
  const tail = full ? `${two(h)}:${two(m)}${s ? `:${two(s)}` : ''}` : `${h}${m || s ? `:${two(m)}${s ? `:${two(s)}` : ''}` : ''}`;
  return `GMT${secs < 0 ? '-' : '+'}${tail}`;
}

/**
 * A parsed offset as a zone: a localized one (GMT, GMT+5:30, GMT-03:06:28) as +HH:MM[:SS], any in
 * range (hours to 18, minutes and seconds to 59) or the parse fails.
 */
export function offsetZone(m: RegExpExecArray, fail: () => never): string {
  const text = m[0];
  if (/^z$/i.test(text)) return 'Z';
  let sign: string, h: number, mi: number, sec: number;
  if (/^gmt/i.test(text)) {
    if (m[1] === undefined) return 'Z';
    sign = m[1]; h = Number(m[2]); mi = Number(m[3] ?? 0); sec = Number(m[4] ?? 0);
  } else {
    sign = text[0]!;
    [h, mi, sec] = offsetFields(text.slice(1));
  }
  if (h > 18 || mi > 59 || sec > 59 || (h === 18 && (mi > 0 || sec > 0))) fail();
  const two = (v: number) => String(v).padStart(2, '0');
  return `${sign}${two(h)}:${two(mi)}${sec ? `:${two(sec)}` : ''}`;
}

/**
 * The longest zone id `text` starts with, in any case (ksqlDB's parser is case-insensitive:
 * europe/berlin is Europe/Berlin, utc UTC), from Java's list of zone ids; undefined if none.
 */
export function longestZoneId(text: string): { length: number; id: string } | undefined {
  const lower = text.toLowerCase();
  for (let n = Math.min(text.length, LONGEST_ZONE_ID); n > 0; n--) {
    const id = JAVA_ZONE_IDS.get(lower.slice(0, n));
    if (id !== undefined) return { length: n, id };
  }
  return undefined;
}
/** Java's zone ids (ZoneId.getAvailableZoneIds, the name table's), by their lower case. */
const JAVA_ZONE_IDS = new Map([...Object.keys(JAVA_NAMES).map((id): [string, string] => [id.toLowerCase(), id]), ['ut', 'UT']]);
const LONGEST_ZONE_ID = Math.max(...[...JAVA_ZONE_IDS.keys()].map((k) => k.length));

/** A local time in `zone` resolved as ZonedDateTime.ofLocal does with a preferred offset: in an overlap that one if valid, else the earlier; in a gap, moved on by its length. */
export function resolveLocal(local: number, zone: string, preferred: number | undefined): { utc: number; offset: number; local: number } {
  const DAY = 86_400_000;
  const before = zoneOffsetMs(zone, local - DAY), after = zoneOffsetMs(zone, local + DAY);
  if (before === after) return { utc: local - before, offset: before, local };
  const valid = (o: number) => zoneOffsetMs(zone, local - o) === o;
  const early = valid(before), late = valid(after);
  if (early && late) { const o = preferred === after ? after : before; return { utc: local - o, offset: o, local }; }
  if (early) return { utc: local - before, offset: before, local };
  if (late) return { utc: local - after, offset: after, local };
  // a gap: the local time moves on by the gap's length, at the offset after it
  return { utc: local - before, offset: after, local: local + (after - before) };
}
