import { describe, expect, it } from 'vitest';
import { valueSerde } from '../../src/engine/serde/formats.js';
import { T } from '../../src/engine/sql/types.js';

describe('DELIMITED values are quoted as Commons CSV quotes them (minimal quoting)', () => {
  const serde = valueSerde({ format: 'DELIMITED', delimiter: ',' }, [
    { name: 'A', type: T.STRING, ns: 'VALUE' }, { name: 'B', type: T.STRING, ns: 'VALUE' }, { name: 'N', type: T.INTEGER, ns: 'VALUE' },
  ]);
  const text = (values: unknown[]) => serde.serialize(values)!.toString();
  it.each([
    [['abc', 'def', 1], 'abc,def,1'],
    [['-5', 'x', -5], '"-5",x,-5'], // only a record's first field must start with a letter or digit
    [['!', '!', 1], '"!","!",1'], // any field starting at or below '#'
    [['', '', null], '"",,'], // an empty first field is quoted, so an empty line still has a field
    [['a,b', 'say "hi"', 2], '"a,b","say ""hi""",2'],
    [['x ', 'tab\t', 3], '"x ","tab\t",3'], // ending at or below a space
  ])('%j -> %s', (values, expected) => {
    expect(text(values)).toBe(expected);
    // an empty field reads back as NULL unless it was quoted
    expect(serde.deserialize(Buffer.from(expected))).toEqual(values.map((v, i) => (v === '' && i > 0 ? null : v)));
  });
});
