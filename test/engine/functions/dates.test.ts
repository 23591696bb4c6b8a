import { describe, expect, it } from 'vitest';
import { T } from '../../../src/engine/sql/types.js';
import { formatJavaDate, parseJavaDate } from '../../../src/engine/functions/java-time.js';
import { call } from './call.js';

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

describe('date functions', () => {
  it.each([
    ['PARSE_DATE', [S, S], ['11/05/2019', 'dd/MM/yyyy'], 18027],
    ['STRINGTODATE', [S, S], ['01-01-1970', 'dd-MM-yyyy'], 0],
    ['PARSE_TIME', [S, S], ['11/05/19', 'HH/mm/ss'], 39919000],
    ['DATETOSTRING', [T.INTEGER, S], [18993, 'dd-MMM-yyyy'], '01-Jan-2022'],
    ['FORMAT_TIME', [T.TIME, S], [46800000, 'hh:mm a'], '01:00 PM'],
    ['CONVERT_TZ', [T.TIMESTAMP, S, S], [100, '+0200', '+0500'], 10800100],
    ['CONVERT_TZ', [T.TIMESTAMP, S, S], [1589234313000, 'America/Los_Angeles', 'America/New_York'], 1589245113000],
  ] as const)('%s(%j)', (name, types, args, expected) => {
    expect(call(name, [...types], [...args])).toBe(expected);
  });
});
