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
    // an empty field reads back as NULL, quoted or not, as ksqlDB's delimited reader has it
    expect(serde.deserialize(Buffer.from(expected))).toEqual(values.map((v) => (v === '' ? null : v)));
  });
});

describe('DELIMITED fields read as Java parses them', () => {
  const serde = valueSerde({ format: 'DELIMITED', delimiter: ',' }, [
    { name: 'I', type: T.INTEGER, ns: 'VALUE' }, { name: 'L', type: T.BIGINT, ns: 'VALUE' }, { name: 'B', type: T.BYTES, ns: 'VALUE' },
  ]);
  const read = (text: string) => serde.deserialize(Buffer.from(text));
  it('integers: a sign and digits (Integer.parseInt, Long.parseLong), no spaces around them', () => {
    expect(read('+5,+6,')).toEqual([5, 6, null]);
    expect(read('-5,-9223372036854775808,')).toEqual([-5, -9223372036854775808n, null]);
    expect(() => read(' 5,6,')).toThrow('For input string: " 5"');
    expect(() => read('5, 6,')).toThrow('For input string: " 6"');
  });
  it('BYTES: base64 only (java.util.Base64: the last unit may go unpadded); anything else fails the record', () => {
    expect((read('1,2,QUI=') as unknown[])[2]).toEqual(Buffer.from('AB'));
    expect((read('1,2,QUI') as unknown[])[2]).toEqual(Buffer.from('AB'));
    expect(() => read('1,2,not base64!')).toThrow(/base64/);
    expect(() => read('1,2,QUIxQ')).toThrow(/base64/);
  });
});

describe('a DELIMITED record with the wrong column count', () => {
  it('is a deserialization error naming the record\'s topic, as ksqlDB\'s message names it', async () => {
    const { Engine } = await import('../../src/engine/engine.js');
    const engine = new Engine({ properties: { 'ksql.streams.auto.offset.reset': 'earliest' } });
    const ctx = { properties: {}, variables: new Map<string, string>() };
    engine.executeStatement("CREATE STREAM BD (A INT, B STRING) WITH (kafka_topic='bd', partitions=1, value_format='DELIMITED');", ctx);
    engine.executeStatement('CREATE STREAM BD2 AS SELECT * FROM BD;', ctx);
    const errors: string[] = [];
    for (const q of engine.queries.values()) q.runtime!.onError = (e) => errors.push((e as Error).message);
    engine.topics.append('bd', { key: null, value: Buffer.from('1'), timestamp: 0 });
    engine.drain();
    expect(errors).toEqual(['Column count mismatch on deserialization. topic: bd, expected: 2, got: 1']);
  });
});
