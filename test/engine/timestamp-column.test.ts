import { describe, expect, it } from 'vitest';
import { timestampFromColumn } from '../../src/engine/analysis/timestamp-column.js';
import { T } from '../../src/engine/sql/types.js';

describe('a record time from its TIMESTAMP column', () => {
  const big = { name: 'TS', type: T.BIGINT }, str = { name: 'TS', type: T.STRING };
  it('takes BIGINT values as they are and parses strings with the TIMESTAMP_FORMAT', () => {
    expect(timestampFromColumn(1526075913000, big, undefined)).toBe(1526075913000);
    expect(timestampFromColumn('10-04-19 12:00:17Z', str, 'yy-MM-dd HH:mm:ssX')).toBe(1271678417000);
    expect(timestampFromColumn('2018-05-11T21:58:33Z', str, "yyyy-MM-dd'T'HH:mm:ssX")).toBe(Date.UTC(2018, 4, 11, 21, 58, 33));
  });
  it.each([[null, big], [-2, big], ['not a timestamp', str]])('%j is an invalid timestamp, named in the error', (v, col) => {
    expect(() => timestampFromColumn(v, col, col === str ? "yyyy-MM-dd'T'HH:mm:ssX" : undefined)).toThrow(/Invalid timestamp in column TS/);
  });
});
