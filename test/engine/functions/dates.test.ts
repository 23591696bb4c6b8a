import { describe, expect, it } from 'vitest';
import { T } from '../../../src/engine/sql/types.js';
import { formatJavaDate, parseJavaDate } from '../../../src/engine/functions/java-time.js';
import { call } from './call.js';
import { convert } from '../../../src/engine/functions/values.js';
import { formatDate, formatTimestamp } from '../../../src/engine/util/civil-time.js';

const S = T.STRING;

describe('Java date patterns', () => {
  it.each([
    [1526075913000, 'yyyy-MM-dd HH:mm:ss zzz', 'America/Los_Angeles', '2018-05-11 14:58:33 PDT'],
    [1526075913000, 'yyyy-MM-dd HH:mm:ss zzz', 'Europe/London', '2018-05-11 22:58:33 BST'],
    [1526075913000, "yyyy-MM-dd'T'HH:mm:ss.SSSX", 'UTC', '2018-05-11T21:58:33.000Z'],
    [1526075913000, 'dd-MMM-yyyy hh:mm a EEE', '+0200', '11-May-2018 11:58 PM Fri'],
    [1526075913000, 'MMMM d, yy Z', '-05:30', 'May 11, 18 -0530'],
    [-86_400_000, "dd-MM-yyyy'Sophia'", 'UTC', '31-12-1969Sophia'],
  ])('formats %d with %j in %s', (ms, pattern, zone, expected) => {
    expect(formatJavaDate(ms, pattern, zone)).toBe(expected);
  });

  it.each([
    ["2018-05-11Lit", "yyyy-MM-dd'Lit'", 'UTC', Date.UTC(2018, 4, 11)],
    ['01-JAN-2022', 'dd-MMM-yyyy', 'UTC', Date.UTC(2022, 0, 1)],
    ['JAN-2022', 'MMM-yyyy', 'UTC', Date.UTC(2022, 0, 1)],
    ['01:00:00 Pm', 'hh:mm:ss a', 'UTC', 13 * 3_600_000],
    ['2018-05-11T21:58:33 PST', "yyyy-MM-dd'T'HH:mm:ss zzz", 'UTC', 1526101113000],
    ['2018-05-11T21:58:33+0100', "yyyy-MM-dd'T'HH:mm:ssX", 'UTC', 1526072313000],
    ['20180511', 'yyyyMMdd', 'UTC', Date.UTC(2018, 4, 11)],
    ['2018-05-11 21:58', 'yyyy-MM-dd HH:mm', 'America/New_York', 1526090280000],
  ])('parses %j with %j in %s', (text, pattern, zone, expected) => {
    expect(parseJavaDate(text, pattern, zone)).toBe(expected);
  });

  it('fails on text the pattern does not match', () => {
    expect(() => parseJavaDate('2018/05/11', 'yyyy-MM-dd', 'UTC')).toThrow(/could not be parsed/);
  });
});

describe('zone names and localized offsets as Java\'s formatter writes them', () => {
  it('z takes Java\'s short names where the platform has only GMT+n, zzzz names UTC in full, O drops leading zeros', () => {
    const winter = Date.parse('2024-01-10T12:00:00Z'), summer = Date.parse('2024-07-10T12:00:00Z');
    expect(formatJavaDate(winter, 'z|O', 'Asia/Kolkata')).toBe('IST|GMT+5:30');
    expect(formatJavaDate(winter, 'z', 'Asia/Tokyo')).toBe('JST');
    expect([formatJavaDate(winter, 'z', 'Australia/Sydney'), formatJavaDate(summer, 'z', 'Australia/Sydney')]).toEqual(['AEDT', 'AEST']);
    expect(formatJavaDate(summer, 'z|O|OOOO', 'America/New_York')).toBe('EDT|GMT-4|GMT-04:00');
    expect(formatJavaDate(winter, 'z|zzzz', 'UTC')).toBe('UTC|Coordinated Universal Time');
    expect([formatJavaDate(winter, 'z', 'Europe/Dublin'), formatJavaDate(summer, 'z', 'Europe/Dublin'), formatJavaDate(winter, 'z', 'Asia/Kathmandu')]).toEqual(['GMT', 'IST', 'NPT']);
  });
});

describe('as a JDK 17\'s java.time answers (each case run there too)', () => {
  const fmt = (ms: number, pattern: string, zone: string) => { try { return call('FORMAT_TIMESTAMP', [T.TIMESTAMP, S, S], [ms, pattern, zone]); } catch (e) { return (e as Error).message; } };
  const parse = (text: string, pattern: string, zone = 'UTC') => { try { return call('PARSE_TIMESTAMP', [S, S, S], [text, pattern, zone]); } catch (e) { return (e as Error).message; } };
  const at = Date.UTC(2021, 2, 4, 5, 6, 7, 89), july = Date.UTC(2021, 6, 4, 12);
  it('an offset as ZoneOffset.of reads it: +h, +hh, +hh:mm, +hhmm, +hh:mm:ss, +hhmmss, after UTC, GMT or UT too; other forms fail the call', () => {
    expect(fmt(at, 'HH:mm:ss XXX XXXXX O OOOO z', '+05:30:15')).toBe('10:36:22 +05:30 +05:30:15 GMT+5:30:15 GMT+05:30:15 +05:30:15');
    expect(fmt(at, 'HH:mm XXX z VV', 'UTC+05:30')).toBe('10:36 +05:30 UTC+05:30 UTC+05:30');
    expect([fmt(at, 'VV', '+5'), fmt(at, 'VV', 'UT+5'), fmt(at, 'VV', '+0530')]).toEqual(['+05:00', 'UT+05:00', '+05:30']);
    expect([fmt(at, 'HH', '+5:30'), fmt(at, 'HH', '+530'), fmt(at, 'HH', 'GMT+5:30'), fmt(at, 'HH', '+05:3015')]).toEqual([
      'Invalid ID for ZoneOffset, non numeric characters found: +5:30', 'Invalid ID for ZoneOffset, invalid format: +530',
      'Invalid ID for offset-based ZoneId: GMT+5:30', 'Invalid ID for ZoneOffset, invalid format: +05:3015']);
    expect(() => call('CONVERT_TZ', [T.TIMESTAMP, S, S], [at, 'UTC', '+5:30'])).toThrow('Invalid ID for ZoneOffset');
  });
  it('a zone\'s local mean time, before standard time, keeps its seconds; z still names the zone\'s standard time', () => {
    expect(fmt(-3786825600000, 'yyyy-MM-dd HH:mm:ss XXX XXXXX x O OOOO Z ZZZZ ZZZZZ z', 'America/New_York'))
      .toBe('1849-12-31 19:03:58 -04:56 -04:56:02 -0456 GMT-4:56:02 GMT-04:56:02 -0456 GMT-04:56:02 -04:56:02 EST');
    expect(fmt(-62135596800001, 'yyyy-MM-dd HH:mm:ss.SSS EEE Z', 'America/New_York')).toBe('0001-12-31 19:03:57.999 Sun -0456');
  });
  it('z and zzzz write Java\'s names, in standard and in daylight time', () => {
    expect([fmt(at, 'z|zzzz', 'Asia/Riyadh'), fmt(july, 'z|zzzz', 'Asia/Jerusalem'), fmt(at, 'z|zzzz', 'Europe/Istanbul'), fmt(july, 'z', 'Europe/Jersey'), fmt(at, 'z', 'Etc/GMT+5'), fmt(at, 'z', 'Asia/Tehran'), fmt(at, 'z', 'America/Caracas')])
      .toEqual(['AST|Arabian Standard Time', 'IDT|Israel Daylight Time', 'TRT|Turkey Time', 'BST', 'GMT-05:00', 'IRST', 'VET']);
  });
  it('z and zzzz read the names Java reads, to their zones (PST, BST and IST as before: Los Angeles, London, Kolkata)', () => {
    const text = (zone: string) => parse(`2021-07-04 05:06:07 ${zone}`, 'yyyy-MM-dd HH:mm:ss z');
    expect(['AEST', 'SGT', 'HKT', 'KST', 'MSK', 'EEST', 'NZST', 'AKST', 'SAST', 'WAT', 'BRT', 'ART', 'aest'].map(text)).toEqual(
      ['2021-07-03T19:06:07Z', '2021-07-03T21:06:07Z', '2021-07-03T21:06:07Z', '2021-07-03T20:06:07Z', '2021-07-04T02:06:07Z', '2021-07-04T02:06:07Z',
        '2021-07-03T17:06:07Z', '2021-07-04T13:06:07Z', '2021-07-04T03:06:07Z', '2021-07-04T04:06:07Z', '2021-07-04T08:06:07Z', '2021-07-04T08:06:07Z', '2021-07-03T19:06:07Z'].map(Date.parse));
    expect(parse('2021-01-04 05:06:07 Australian Eastern Daylight Time', 'yyyy-MM-dd HH:mm:ss zzzz')).toBe(Date.parse('2021-01-03T18:06:07Z'));
    expect(typeof parse('2021-01-04 05:06:07 Eastern Standard Time', 'yyyy-MM-dd HH:mm:ss z')).toBe('string');
  });
  it('n is the nano of the second; yyyy takes a year of more digits only with its +, and no year 0; k takes 0 for midnight; G BC', () => {
    expect([parse('05:06:07.123456789', 'HH:mm:ss.n'), parse('05:06:07.5', 'HH:mm:ss.n')]).toEqual([Date.UTC(1970, 0, 1, 5, 6, 7, 123), Date.UTC(1970, 0, 1, 5, 6, 7)]);
    expect(parse('05:06:07.1234567890', 'HH:mm:ss.n')).toMatch(/Invalid value for NanoOfSecond \(valid values 0 - 999999999\): 1234567890$/);
    expect([parse('0000-03-04', 'yyyy-MM-dd'), parse('-2021-03-04', 'yyyy-MM-dd')]).toEqual([0, -2021].map((y) => `Text '${y === 0 ? '0000' : '-2021'}-03-04' could not be parsed: Invalid value for YearOfEra (valid values 1 - 999999999/1000000000): ${y}`));
    expect([parse('12021-03-04', 'yyyy-MM-dd'), parse('+2021-03-04', 'yyyy-MM-dd'), parse('99999-03-04', 'uuuu-MM-dd')]).toEqual(["Text '12021-03-04' could not be parsed at index 0", "Text '+2021-03-04' could not be parsed at index 0", "Text '99999-03-04' could not be parsed at index 0"]);
    expect(parse('+12021-03-04', 'yyyy-MM-dd')).toBe(parseJavaDate('+12021-03-04', 'uuuu-MM-dd', 'UTC'));
    expect([parse('2021-03-04 0', 'yyyy-MM-dd k'), parse('2021-03-04 24', 'yyyy-MM-dd k')]).toEqual([Date.UTC(2021, 2, 4), Date.UTC(2021, 2, 4)]);
    expect(parse('4 Jul 2021 BC', 'd MMM yyyy G')).toBe(parseJavaDate('-2020-07-04', 'uuuu-MM-dd', 'UTC'));
  });
  it('GGGG and GGGGG, two-digit years before year 1, and the parse of localized offsets, zone ids in any case, partial dates, DD and AAA widths', () => {
    expect([fmt(0, 'GGGG GGGGG', 'UTC'), fmt(-62198323200000, 'yy uu', 'UTC'), fmt(-125344540800000, 'uu', 'UTC')]).toEqual(['Anno Domini A', '02 01', '03']);
    const p = (text: string, pattern: string) => parse(text, pattern);
    expect([p('GMT+5:30', 'O'), p('GMT-3:06:28', 'O'), p('gmt+05:45', 'ZZZZ'), p('Etc/GMT+5', 'VV'), p('asia/KOLKATA', 'VV'), p('2607z', 'uuuuX')])
      .toEqual([-19800000, 11188000, -20700000, 18000000, -19800000, 20101737600000]);
    expect([p('+81', 'x'), p('+05:98', 'ZZZZZ')].every((x) => typeof x === 'string')).toBe(true);
    // without a year, the fields are set in turn on 1970-01-01, a Thursday
    expect([p('Sat', 'E'), p('Mon', 'E'), p('60, 02', 'D, MM'), p('28-Mon', 'dd-EE'), p('31 Mon 02', 'dd EE MM'), p('045 Sun', 'DDD EEE')])
      .toEqual([172800000, -259200000, 2678400000, -345600000, -26524800000, 3801600000]);
    expect([p('278', 'DD'), p('7732000', 'AAA')]).toEqual([23932800000, 7732000]);
    // (a Monday moves 1970-01-01 back into 1969, whose 60th day is March 1st; zone ids in any case)
    expect([p('Mon 060', 'EEE DDD'), p('Sun 060', 'EEE DDD'), p('2024-01-15 10:00 utc', 'yyyy-MM-dd HH:mm VV'), p('2024-01-15 10:00 japan', 'yyyy-MM-dd HH:mm VV')])
      .toEqual([-26438400000, 5097600000, 1705312800000, 1705280400000]);
    // (a day of the month, then of the year, without a year: the latter wins, in 1969 after a Monday; UT is a zone id too)
    expect([p('30 Mon 100', 'dd EEE D'), p('2020-06-01 12:00 UT', 'yyyy-MM-dd HH:mm VV'), p('2020-06-01 12:00 ut', 'yyyy-MM-dd HH:mm VV')]).toEqual([-22982400000, 1591012800000, 1591012800000]);
    expect(p('400', 'D')).toMatch(/Invalid value for DayOfYear \(valid values 1 - 365\/366\): 400$/);
    expect(typeof p('23', 'c')).toBe('string');
  });
  it('p pads the field after it with spaces, written and read; QQQQQ is the quarter\'s number', () => {
    expect([fmt(at, 'ppH QQQQQ qqqqq', 'UTC'), fmt(at, 'pH', 'UTC'), fmt(at, 'ppppMMM', 'UTC')]).toEqual([' 5 1 1', '5', ' Mar']);
    expect([fmt(at, 'pp', 'UTC'), fmt(at, 'pMMM', 'UTC')]).toEqual(["Pad letter 'p' must be followed by valid pad pattern: pp", 'Cannot print as output of 3 characters exceeds pad width of 1']);
    expect([parse(' 5:06', 'ppH:mm'), parse('05:06', 'ppH:mm'), parse('2021 1', 'yyyy QQQQQ')]).toEqual([Date.UTC(1970, 0, 1, 5, 6), Date.UTC(1970, 0, 1, 5, 6), Date.UTC(2021, 0, 1)]);
  });
});

describe('a zone given as an argument, resolved as ZoneId.of resolves it', () => {
  const ts = Date.UTC(2020, 8, 13, 12, 26, 40);
  const format = (zone: string) => { try { return call('FORMAT_TIMESTAMP', [T.TIMESTAMP, S, S], [ts, 'HH:mm z', zone]); } catch (e) { return (e as Error).message; } };
  it('EST and MST are fixed offsets, not New York\'s and Denver\'s rules; tzdb ids and offsets work', () => {
    expect(format('EST')).toBe('07:26 EST');
    expect(format('MST')).toBe('05:26 MST');
    expect(format('America/New_York')).toBe('08:26 EDT');
    expect(format('+02:00')).toBe('14:26 +02:00');
  });
  it('names only Java\'s alias map knows, and ids in another case, are unknown ids (the call fails: NULL)', () => {
    for (const zone of ['PST', 'BST', 'IST', 'utc', 'europe/paris', 'Europe/PARIS', 'America/new_york']) expect(format(zone), zone).toBe(`Unknown time-zone ID: ${zone}`);
    expect(() => call('CONVERT_TZ', [T.TIMESTAMP, S, S], [ts, 'UTC', 'PST'])).toThrow('Unknown time-zone ID: PST');
    // (a zone name inside the parsed text is read as Java's parser reads it: PST there is Los Angeles)
    expect(call('PARSE_TIMESTAMP', [S, S, S], ['2020-05-11T21:58:33 PST', "yyyy-MM-dd'T'HH:mm:ss zzz", 'UTC'])).toBe(Date.UTC(2020, 4, 12, 4, 58, 33));
  });
});

describe('patterns and zones Java refuses, and its offset widths', () => {
  const fmt = (pattern: string, zone = 'UTC') => { try { return call('FORMAT_TIMESTAMP', [T.TIMESTAMP, S, S], [0, pattern, zone]); } catch (e) { return (e as Error).message; } };
  const parse = (text: string, pattern: string) => { try { return call('PARSE_TIMESTAMP', [S, S], [text, pattern]); } catch (e) { return (e as Error).message; } };
  it('a run of a letter longer than DateTimeFormatterBuilder takes fails the call (NULL), with its message', () => {
    for (const [p, letter] of [['aa', 'a'], ['ddd', 'd'], ['HHH', 'H'], ['MMMMMM', 'M'], ['EEEEEE', 'E'], ['DDDD', 'D'], ['www', 'w'], ['WW', 'W'], ['zzzzz', 'z'], ['XXXXXX', 'X']]) {
      expect(fmt(p!), p).toBe(`Too many pattern letters: ${letter}`);
    }
    expect([fmt('VVV'), fmt('V'), fmt('OO'), fmt('cc')]).toEqual(['Pattern letter count must be 2: V', 'Pattern letter count must be 2: V', 'Pattern letter count must be 1 or 4: O', 'Invalid pattern "cc"']);
    expect(fmt('SSSSSSSSSS')).toMatch(/^Field width 10 is not valid/);
    expect([fmt('dd'), fmt('MMMMM'), fmt('VV', 'Europe/Paris'), fmt('SSSSSSSSS')]).toEqual(['01', 'J', 'Europe/Paris', '000000000']);
    // the whole pattern is checked first, an optional section FORMAT_DATE leaves out too
    expect(() => call('FORMAT_DATE', [T.DATE, S], [18000, 'yyyy[ HHH]'])).toThrow('Too many pattern letters: H');
    expect(() => call('PARSE_DATE', [S, S], ['2020-01-01 10', 'yyyy-MM-dd HHH'])).toThrow('Too many pattern letters: H');
  });
  it('X and x: four letters +HHMM[ss] without a colon, five with one', () => {
    expect(['X', 'XX', 'XXX', 'XXXX', 'XXXXX', 'xxxx'].map((p) => fmt(p, '+05:30'))).toEqual(['+0530', '+0530', '+05:30', '+0530', '+05:30', '+0530']);
    expect(['X', 'XXXX', 'xxxx'].map((p) => fmt(p, 'UTC'))).toEqual(['Z', 'Z', '+0000']);
  });
  it('VV is the zone\'s id as ZoneId.getId gives it (offsets normalized); z of zones CLDR names only GMT+n is Java\'s COMPAT name', () => {
    expect([fmt('VV', '+0200'), fmt('VV', '+00:00'), fmt('VV', 'UTC+5'), fmt('VV', 'UTC'), fmt('VV', 'Asia/Tokyo'), fmt('VV', '+02:00:30')]).toEqual(['+02:00', 'Z', 'UTC+05:00', 'UTC', 'Asia/Tokyo', '+02:00:30']);
    const at = Date.UTC(2020, 8, 13);
    expect(['Asia/Hong_Kong', 'Asia/Seoul', 'Asia/Bangkok', 'Africa/Lagos', 'Africa/Nairobi'].map((z) => call('FORMAT_TIMESTAMP', [T.TIMESTAMP, S, S], [at, 'z', z]))).toEqual(['HKT', 'KST', 'ICT', 'WAT', 'EAT']);
  });
  it('a source\'s TIMESTAMP_FORMAT is not held to the letter counts (a data dir\'s journal replays sources made before the check), and reads records with it', async () => {
    const { Engine } = await import('../../../src/engine/engine.js');
    const e = new Engine();
    const ctx = { properties: { 'ksql.streams.auto.offset.reset': 'earliest' }, variables: new Map<string, string>() };
    e.executeStatement("CREATE STREAM EV (ID INT KEY, T STRING) WITH (KAFKA_TOPIC='ev', VALUE_FORMAT='JSON', PARTITIONS=1, TIMESTAMP='T', TIMESTAMP_FORMAT='yyyy-MM-dd hh:mm aa');", ctx);
    e.executeStatement("INSERT INTO EV (ID, T) VALUES (1, '2020-01-01 01:02 PM');", ctx);
    e.executeStatement('CREATE STREAM EV2 AS SELECT * FROM EV;', ctx);
    e.drain();
    expect(e.topics.get('EV2')!.records().map((r) => r.timestamp)).toEqual([Date.UTC(2020, 0, 1, 13, 2)]);
  });
  it('an offset with seconds is read where its letters take them (XXXX, XXXXX), and nowhere else', () => {
    expect(parse('2021-03-04 05:06:07 +05:30:15', 'yyyy-MM-dd HH:mm:ss XXXXX')).toBe(Date.UTC(2021, 2, 3, 23, 35, 52));
    expect(parse('2021-03-04 05:06:07 -053015', 'yyyy-MM-dd HH:mm:ss XXXX')).toBe(Date.UTC(2021, 2, 4, 10, 36, 22));
    expect(typeof parse('2021-03-04 05:06:07 +05:30:15', 'yyyy-MM-dd HH:mm:ss XXX')).toBe('string');
    expect(parse('2021-03-04 05:06:07 +05:30', 'yyyy-MM-dd HH:mm:ss XXXXX')).toBe(Date.UTC(2021, 2, 3, 23, 36, 7));
  });
  it('an offset beyond 18 hours is no zone (the call fails)', () => {
    expect(fmt('yyyy', '+19:00')).toBe('Zone offset hours not in valid range: value 19 is not in the range -18 to 18');
    expect(fmt('yyyy', '+18:00')).toBe('1970');
  });
  it('an offset is parsed in the form its letters give, no other (Z is +HHMM, XXX +HH:MM, X +HH[mm] or Z)', () => {
    const at = (text: string, pattern: string) => parse(`2020-01-01 00:00 ${text}`, `yyyy-MM-dd HH:mm ${pattern}`);
    expect([at('+0530', 'Z'), at('+05:30', 'XXX'), at('Z', 'X'), at('+05', 'X'), at('GMT+05:30', 'ZZZZ'), at('+0000', 'xx')]).toEqual([1577817000000, 1577817000000, 1577836800000, 1577818800000, 1577817000000, 1577836800000]);
    for (const [text, pattern] of [['Z', 'Z'], ['+05', 'Z'], ['+05:30', 'X'], ['+0530', 'XXX'], ['Z', 'xx']]) expect(typeof at(text!, pattern!), `${text} ${pattern}`).toBe('string');
  });
  it('a fraction is parsed with as many digits as its letters, no fewer and no more', () => {
    expect(parse('2019-08-27T13:31:09.250', "yyyy-MM-dd'T'HH:mm:ss.SSS")).toBe(1566912669250);
    expect(parse('2019-08-27T13:31:09.2+0000', "yyyy-MM-dd'T'HH:mm:ss.SX")).toBe(1566912669200);
    expect(typeof parse('2019-08-27T13:31:09.25', "yyyy-MM-dd'T'HH:mm:ss.SSS")).toBe('string');
    expect(typeof parse('2019-08-27T13:31:09.25Z', "yyyy-MM-dd'T'HH:mm:ss.SX")).toBe('string');
  });
});

describe('DATEADD and DATESUB take any unit, as ksqlDB adds the unit\'s milliseconds and counts whole days', () => {
  const add = (name: string, unit: string, n: number, date: number) => call(name, [S, T.INTEGER, T.DATE], [unit, n, date]);
  it.each([
    ['DATEADD', 'DAYS', 10, 10, 20], ['DATEADD', 'HOURS', 48, 18000, 18002], ['DATEADD', 'HOURS', 5, 18000, 18000],
    ['DATEADD', 'MILLISECONDS', 5, 3, 3], ['DATESUB', 'HOURS', 36, 10, 8],
    // (toward zero: a date before 1970 moved forward less than a day lands on the day nearer 1970)
    ['DATEADD', 'HOURS', 5, -1, 0], ['DATESUB', 'DAYS', 5, 2, -3],
  ] as [string, string, number, number, number][])('%s(%s, %i) of day %i is day %i', (name, unit, n, date, expected) => {
    expect(add(name, unit, n, date)).toBe(expected);
  });
});

describe('local times a zone skips or repeats, resolved as java.time resolves them', () => {
  it('a time in the gap of clocks set forward moves on by the gap; one in the overlap of clocks set back keeps the offset the same day and time had in 1970 (ksqlDB sets the parsed fields one by one on 1970-01-01)', () => {
    const ts = (text: string, zone: string, pattern = 'yyyy-MM-dd HH:mm') => new Date(call('PARSE_TIMESTAMP', [S, S, S], [text, pattern, zone]) as number).toISOString();
    expect(ts('2024-03-10 02:30', 'America/New_York')).toBe('2024-03-10T07:30:00.000Z');
    // (New York's clocks had gone back by November 3rd in 1970: standard time; Germany kept no summer time in 1970)
    expect(ts('2024-11-03 01:30', 'America/New_York')).toBe('2024-11-03T06:30:00.000Z');
    expect(ts('2024-03-31 02:30', 'Europe/Berlin')).toBe('2024-03-31T01:30:00.000Z');
    expect(ts('2024-10-27 02:30', 'Europe/Berlin')).toBe('2024-10-27T01:30:00.000Z');
    expect(ts('2024-04-07 02:30', 'Australia/Sydney')).toBe('2024-04-06T16:30:00.000Z');
    expect(ts('2024-07-01 12:00', 'America/New_York')).toBe('2024-07-01T16:00:00.000Z');
    // a zone in the text, with the date and time, is resolved as java.time resolves it: the earlier offset
    expect(ts('2024-11-03 01:30 EDT', 'UTC', 'yyyy-MM-dd HH:mm z')).toBe('2024-11-03T05:30:00.000Z');
  });
});

describe('date functions', () => {
  it.each([
    ['PARSE_DATE', [S, S], ['11/05/2019', 'dd/MM/yyyy'], 18027],
    ['STRINGTODATE', [S, S], ['01-01-1970', 'dd-MM-yyyy'], 0],
    ['PARSE_TIME', [S, S], ['11/05/19', 'HH/mm/ss'], 39919000],
    ['DATETOSTRING', [T.INTEGER, S], [18993, 'dd-MMM-yyyy'], '01-Jan-2022'],
    ['FORMAT_TIME', [T.TIME, S], [46800000, 'hh:mm a'], '01:00 PM'],
    ['CONVERT_TZ', [T.TIMESTAMP, S, S], [100, '+0200', '+0500'], 10800100],
    ['CONVERT_TZ', [T.TIMESTAMP, S, S], [1589234313000, 'America/Los_Angeles', 'America/New_York'], 1589245113000],
    // near a DST change both offsets are taken at the value read as an instant (ksqlDB's ConvertTz):
    // 2021-03-14 04:00 read so is before New York's change (07:00 UTC), where its offset is -5 h, and
    // 2021-03-28 01:30 after Berlin's (01:00 UTC), where it is +2 h
    ['CONVERT_TZ', [T.TIMESTAMP, S, S], [Date.UTC(2021, 2, 14, 4), 'America/New_York', 'UTC'], Date.UTC(2021, 2, 14, 9)],
    ['CONVERT_TZ', [T.TIMESTAMP, S, S], [Date.UTC(2021, 10, 7, 3), 'America/New_York', 'UTC'], Date.UTC(2021, 10, 7, 7)],
    ['CONVERT_TZ', [T.TIMESTAMP, S, S], [Date.UTC(2021, 2, 28, 1, 30), 'Europe/Berlin', 'UTC'], Date.UTC(2021, 2, 27, 23, 30)],
    ['CONVERT_TZ', [T.TIMESTAMP, S, S], [Date.UTC(2021, 2, 28, 2, 30), 'Europe/Berlin', 'UTC'], Date.UTC(2021, 2, 28, 0, 30)],
  ] as const)('%s(%j)', (name, types, args, expected) => {
    expect(call(name, [...types], [...args])).toBe(expected);
  });
});

describe('dates and times out of range, resolved as java.time resolves them', () => {
  const cast = (v: string, to: 'DATE' | 'TIME' | 'TIMESTAMP') => convert(v, T.STRING, T[to]);
  it('CAST to DATE reads strictly (LocalDate.parse): no 30th of February, no 13th month', () => {
    expect(cast('2023-02-28', 'DATE')).toBe(Date.UTC(2023, 1, 28) / 86_400_000);
    expect(cast('2024-02-29', 'DATE')).toBe(Date.UTC(2024, 1, 29) / 86_400_000);
    expect(() => cast('2023-02-30', 'DATE')).toThrow("Invalid date 'FEBRUARY 30'");
    expect(() => cast('2023-02-29', 'DATE')).toThrow("Invalid date 'FEBRUARY 29' as '2023' is not a leap year");
    expect(() => cast('2023-13-01', 'DATE')).toThrow('Invalid value for MonthOfYear (valid values 1 - 12): 13');
  });
  it('CAST to TIMESTAMP resolves SMART: a day past the month\'s end is its last day; hours past 23 fail, 24:00 is the next day', () => {
    expect(cast('2023-02-30T10:00:00', 'TIMESTAMP')).toBe(Date.UTC(2023, 1, 28, 10));
    expect(() => cast('2023-01-01T25:00:00', 'TIMESTAMP')).toThrow('Invalid value for HourOfDay (valid values 0 - 23): 25');
    expect(() => cast('2023-01-01T10:61:00', 'TIMESTAMP')).toThrow('MinuteOfHour');
    expect(cast('2023-01-01T24:00:00', 'TIMESTAMP')).toBe(Date.UTC(2023, 0, 2));
    expect(cast('0050-06-01T00:00:00', 'TIMESTAMP')).toBe(new Date('0050-06-01T00:00:00Z').getTime());
  });
  it('CAST to TIME reads LocalTime.parse\'s ranges', () => {
    expect(cast('23:59:59', 'TIME')).toBe(86_399_000);
    expect(() => cast('25:00', 'TIME')).toThrow("Failed to parse time '25:00': HourOfDay out of range");
    expect(() => cast('10:60', 'TIME')).toThrow('MinuteOfHour');
  });
  it('patterns resolve SMART too; a day of the week must be the date\'s', () => {
    expect(parseJavaDate('2023-02-30', 'yyyy-MM-dd', 'UTC')).toBe(Date.UTC(2023, 1, 28));
    expect(() => parseJavaDate('2023-13-01', 'yyyy-MM-dd', 'UTC')).toThrow("Text '2023-13-01' could not be parsed: Invalid value for MonthOfYear (valid values 1 - 12): 13");
    expect(() => parseJavaDate('2023-01-01 25:30', 'yyyy-MM-dd HH:mm', 'UTC')).toThrow('HourOfDay');
    expect(parseJavaDate('Tue 2023-01-03', 'EEE yyyy-MM-dd', 'UTC')).toBe(Date.UTC(2023, 0, 3));
    expect(() => parseJavaDate('Mon 2023-01-03', 'EEE yyyy-MM-dd', 'UTC')).toThrow('Conflict found');
    expect(parseJavaDate('2023-01-01 24:00', 'yyyy-MM-dd kk:mm', 'UTC')).toBe(Date.UTC(2023, 0, 1));
    expect(() => call('PARSE_DATE', [S, S], ['2023-13-01', 'yyyy-MM-dd'])).toThrow('MonthOfYear');
  });
});

describe('week and quarter pattern letters (US weeks: from Sunday, week 1 holds January 1st) and [optional] sections', () => {
  it.each([
    [Date.UTC(2023, 0, 1), 'YYYY ww e Q QQQ QQQQ', '2023 01 1 1 Q1 1st quarter'],
    [Date.UTC(2022, 11, 31), 'YYYY-ww', '2022-53'],
    [Date.UTC(2024, 11, 31), 'YYYY-ww', '2025-01'],
    [Date.UTC(2023, 0, 15), 'W F eee', '3 1 Sun'],
    [Date.UTC(2023, 7, 9, 10, 30), 'yyyy-MM-dd[ HH:mm]', '2023-08-09 10:30'],
  ])('formats %d with %j', (ms, pattern, expected) => {
    expect(formatJavaDate(ms, pattern, 'UTC')).toBe(expected);
  });
  it('parses an optional section when the text has it, and leaves it out when not', () => {
    expect(parseJavaDate('2023-01-01', 'yyyy-MM-dd[ HH:mm]', 'UTC')).toBe(Date.UTC(2023, 0, 1));
    expect(parseJavaDate('2023-01-01 10:30', 'yyyy-MM-dd[ HH:mm]', 'UTC')).toBe(Date.UTC(2023, 0, 1, 10, 30));
    expect(parseJavaDate('2023-01-01T10', "yyyy-MM-dd['T'HH[:mm]]", 'UTC')).toBe(Date.UTC(2023, 0, 1, 10));
    expect(() => parseJavaDate('2023-01-01 10', 'yyyy-MM-dd[ HH:mm]', 'UTC')).toThrow("Text '2023-01-01 10' could not be parsed");
    expect(call('PARSE_TIMESTAMP', [S, S], ['2023-01-01', 'yyyy-MM-dd[ HH:mm]'])).toBe(Date.UTC(2023, 0, 1));
  });
  it('parses a week-based year as a date only with its week and day of the week; with a month and day it is no year (1970), as ksqlDB takes only ChronoFields', () => {
    // the week date: week 1 of 2021 holds January 1st (a Friday), from Sunday, December 27th
    expect(parseJavaDate('2021-01-6', 'YYYY-ww-e', 'UTC')).toBe(Date.UTC(2021, 0, 1));
    expect(parseJavaDate('2021-01-1', 'YYYY-ww-e', 'UTC')).toBe(Date.UTC(2020, 11, 27));
    expect(parseJavaDate('2023 10 Tue', 'YYYY ww EEE', 'UTC')).toBe(Date.UTC(2023, 2, 7));
    // the common slip of YYYY for yyyy: the month and day, in 1970
    expect(call('PARSE_TIMESTAMP', [S, S], ['2020-12-31', 'YYYY-MM-dd'])).toBe(Date.UTC(1970, 11, 31));
    expect(call('PARSE_TIMESTAMP', [S, S], ['2021', 'YYYY'])).toBe(0);
  });
});

describe('half-day hours and early years', () => {
  it('K is the hour of the half day, 0-11; h its clock hour, 1-12', () => {
    expect(parseJavaDate('2020-01-01 0:30 PM', 'yyyy-MM-dd K:mm a', 'UTC')).toBe(Date.UTC(2020, 0, 1, 12, 30));
    expect(() => parseJavaDate('2020-01-01 12:30 PM', 'yyyy-MM-dd K:mm a', 'UTC')).toThrow('HourOfAmPm (valid values 0 - 11): 12');
    expect(parseJavaDate('2020-01-01 12:30 AM', 'yyyy-MM-dd h:mm a', 'UTC')).toBe(Date.UTC(2020, 0, 1, 0, 30));
    // (the smart resolver takes a clock hour of 0 as 12, as a JDK 17 does; 13 is out of range)
    expect(parseJavaDate('2020-01-01 0:30 AM', 'yyyy-MM-dd h:mm a', 'UTC')).toBe(Date.UTC(2020, 0, 1, 0, 30));
    expect(() => parseJavaDate('2020-01-01 13:30 AM', 'yyyy-MM-dd h:mm a', 'UTC')).toThrow('ClockHourOfAmPm (valid values 1 - 12): 13');
  });
  it('the week of the month of a day in the years 0-99 counts from that month\'s own first weekday', () => {
    const d = new Date(Date.UTC(2000, 2, 2)); d.setUTCFullYear(2); // 0002-03-02, a Saturday; March began on a Friday
    expect(formatJavaDate(d.getTime(), 'yyyy-MM-dd W', 'UTC')).toBe('0002-03-02 1');
  });
});

describe('instants beyond the years JavaScript\'s Date holds, as java.time writes them', () => {
  // 9e15 ms is 104,166,666 days and 16 hours after 1970: a Saturday in the year 287168 (Date ends in 275760)
  const FAR = 9_000_000_000_000_000;

  it('the REST text, CAST to STRING and FORMAT_TIMESTAMP give the date; five-digit years take a +, years before 1 count back from 1 (yyyy is the year of era)', () => {
    expect(formatTimestamp(FAR)).toBe('+287168-08-24T16:00:00.000');
    expect(convert(FAR, T.TIMESTAMP, S)).toBe('+287168-08-24T16:00:00.000');
    expect(formatJavaDate(FAR, 'yyyy-MM-dd EEE HH', 'UTC')).toBe('+287168-08-24 Sat 16');
    // as far before 1970: the proleptic year -283229, 283230 BC
    expect(formatJavaDate(-FAR, 'yyyy-MM-dd G HH', 'UTC')).toBe('+283230-05-10 BC 08');
    expect(formatJavaDate(-FAR, 'uuuu-MM-dd', 'UTC')).toBe('-283229-05-10');
    expect(formatTimestamp(Date.UTC(10000, 0, 1))).toBe('+10000-01-01T00:00:00.000');
    expect(formatTimestamp(Date.UTC(9999, 11, 31))).toBe('9999-12-31T00:00:00.000');
    // the millisecond before 0001-01-01 is in 1 BC, whose year of era is 1
    expect(formatTimestamp(-62135596800001)).toBe('0001-12-31T23:59:59.999');
    expect(formatDate(100_000_001)).toBe('+275760-09-14');
    // y, yyy: no sign; yyyyy pads to five
    expect(formatJavaDate(Date.UTC(10000, 0, 1), 'y yyy yyyy yyyyy', 'UTC')).toBe('10000 10000 +10000 10000');
  });

  it('named zones and the day of the year work there too (a zone\'s last rule holds far ahead)', () => {
    expect(formatJavaDate(FAR, 'yyyy-MM-dd HH:mm D', 'Europe/Paris')).toBe('+287168-08-24 18:00 237');
    expect(formatTimestamp(parseJavaDate('+300000', 'yyyy', 'Europe/Paris'))).toBe('+299999-12-31T23:00:00.000');
    expect(formatJavaDate(Date.UTC(2020, 11, 31), 'DDD', 'UTC')).toBe('366');
  });

  it('a parsed year beyond Date\'s range is the instant java.time gives; beyond a long it is an error', () => {
    // (yyyy reads a year of more than four digits with its +, as java.time's strict parser does)
    expect(formatTimestamp(parseJavaDate('+300000', 'yyyy', 'UTC'))).toBe('+300000-01-01T00:00:00.000');
    expect(parseJavaDate('+300000-08-24', 'yyyy-MM-dd', 'UTC') - parseJavaDate('+300000-08-23', 'yyyy-MM-dd', 'UTC')).toBe(86_400_000);
    expect(() => parseJavaDate('+999999999', 'yyyy', 'UTC')).toThrow(/long overflow/);
  });

  it('A and N are the millisecond and nanosecond of the day, formatted and parsed', () => {
    const ts = Date.UTC(2021, 2, 4, 5, 6, 7, 89);
    expect(formatJavaDate(ts, 'A', 'UTC')).toBe('18367089');
    expect(formatJavaDate(ts, 'N', 'UTC')).toBe('18367089000000');
    expect(formatJavaDate(ts, 'AAAAAAAAA', '+0100')).toBe('021967089');
    expect(parseJavaDate('2021-03-04 18367089', 'yyyy-MM-dd A', 'UTC')).toBe(ts);
    expect(parseJavaDate('2021-03-04 18367089000000', 'yyyy-MM-dd N', 'UTC')).toBe(ts);
  });

  it('a STRING argument is read as the DATE, TIME or TIMESTAMP a function takes', () => {
    expect(call('FORMAT_DATE', [S, S], ['2021-03-04', 'yyyy'])).toBe('2021');
    expect(call('DATEADD', [S, T.INTEGER, S], ['DAYS', 1, '2021-03-04'])).toBe(18691);
    expect(call('UNIX_TIMESTAMP', [S], ['2021-03-04T00:00:00'])).toBe(Date.UTC(2021, 2, 4));
    expect(call('FORMAT_TIMESTAMP', [S, S], ['2021-03-04T05:06:07', 'HH:mm'])).toBe('05:06');
  });

  it('without a zone, FORMAT_TIMESTAMP names the zone GMT (ZoneId.of("GMT")), TIMESTAMPTOSTRING names it UTC', () => {
    expect(call('FORMAT_TIMESTAMP', [T.TIMESTAMP, S], [0, 'HH:mm z zzzz VV O'])).toBe('00:00 GMT Greenwich Mean Time GMT GMT');
    expect(call('TIMESTAMPTOSTRING', [T.BIGINT, S], [0, 'HH:mm z VV'])).toBe('00:00 UTC UTC');
  });

  it('a day of the year is the date (1970\'s without a year; its 366th day needs one); one, a month or AM/PM that disagrees with the date and hour parsed is a conflict', () => {
    expect([parseJavaDate('2021-063', 'yyyy-DDD', 'UTC'), parseJavaDate('045', 'DDD', 'UTC'), parseJavaDate('2020-366', 'yyyy-DDD', 'UTC'), parseJavaDate('2021-02-045', 'yyyy-MM-DDD', 'UTC')])
      .toEqual([Date.UTC(2021, 2, 4), Date.UTC(1970, 1, 14), Date.UTC(2020, 11, 31), Date.UTC(2021, 1, 14)]);
    expect(() => parseJavaDate('366', 'DDD', 'UTC')).toThrow('Leap day cannot be parsed without supplying the year field');
    expect(() => parseJavaDate('2021-366', 'yyyy-DDD', 'UTC')).toThrow("Text '2021-366' could not be parsed: Invalid date 'DayOfYear 366' as '2021' is not a leap year");
    expect(() => parseJavaDate('2021-03-045', 'yyyy-MM-DDD', 'UTC')).toThrow('Conflict found: Field MonthOfYear 2 differs from MonthOfYear 3 derived from 2021-02-14');
    expect(() => parseJavaDate('2021-03-05 063', 'yyyy-MM-dd DDD', 'UTC')).toThrow("Text '2021-03-05 063' could not be parsed: Conflict found: Field DayOfYear 64 differs from DayOfYear 63 derived from 2021-03-05");
    expect(parseJavaDate('2021-01-01', 'yyyy-MM-dd', 'UTC')).toBe(Date.UTC(2021, 0, 1));
    expect(() => parseJavaDate('2021-03-04 13:00 AM', 'yyyy-MM-dd HH:mm a', 'UTC')).toThrow('Conflict found: Field AmPmOfDay 0 differs from AmPmOfDay 1');
    expect(parseJavaDate('2021-03-04 13:00 PM', 'yyyy-MM-dd HH:mm a', 'UTC')).toBe(Date.UTC(2021, 2, 4, 13));
  });
});
