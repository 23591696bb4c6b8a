import { describe, expect, it } from 'vitest';
import { convert } from '../../../src/engine/functions/values.js';
import { T } from '../../../src/engine/sql/types.js';

/** CAST of a text, or 'error' where the cast fails (the expression is then NULL, with a processing-log entry). */
const cast = (text: string, to: typeof T.DOUBLE) => { try { return convert(text, T.STRING, to); } catch { return 'error'; } };

describe('CAST of a STRING, as Java parses it', () => {
  it.each([
    ['1.5', 1.5], [' 1.5\t', 1.5], ['.5', 0.5], ['5.', 5], ['+2', 2], ['-1e3', -1000], ['1d', 1], ['2.5F', 2.5],
    ['NaN', NaN], ['-Infinity', -Infinity], ['0x1.8p1', 3], ['-0X10P-4', -1],
    ['', 'error'], ['   ', 'error'], ['0x10', 'error'], ['0b101', 'error'], ['1_000', 'error'], ['Infinityx', 'error'], ['1e', 'error'],
    // Java's trim takes characters up to a space only: a no-break space stays, and the text is no number
    ['\u00a05', 'error'],
  ] as [string, number | 'error'][])('DOUBLE from %j', (text, expected) => {
    expect(cast(text, T.DOUBLE)).toEqual(expected);
  });

  it('INT and BIGINT trim as Java does, and refuse what their type cannot hold', () => {
    expect(cast(' 42\n', T.INTEGER)).toBe(42);
    expect(cast('\u00a042', T.INTEGER)).toBe('error');
    expect(cast('2147483648', T.INTEGER)).toBe('error');
    expect(cast('-9', T.BIGINT)).toBe(-9);
  });

  it('BOOLEAN trims as Java trims', () => {
    expect(cast(' TRUE ', T.BOOLEAN)).toBe(true);
    expect(cast('\u00a0true', T.BOOLEAN)).toBe(false);
  });
});
