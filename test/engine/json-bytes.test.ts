import { describe, expect, it } from 'vitest';
import { valueSerde } from '../../src/engine/serde/formats.js';
import { T, type SqlType } from '../../src/engine/sql/types.js';
import { fromParsedJson, jsonObjectBytesWriter, jsonString, toJsonText } from '../../src/engine/serde/json-value.js';
import { parseJsonAsWritten, parseJsonExact } from '../../src/engine/serde/json-exact.js';
import { jsonSrCodec } from '../../src/engine/serde/json-sr-serde.js';
import fc from 'fast-check';

describe('JSON BYTES', () => {
  const serde = valueSerde({ format: 'JSON' }, [{ name: 'B', type: T.BYTES, ns: 'VALUE' }]);
  const read = (text: string) => serde.deserialize(Buffer.from(text));
  it('read from base64 text, padded, as Jackson reads binary values; other text fails the record instead of becoming bytes', () => {
    expect(read('{"B":"QUI="}')).toEqual([Buffer.from('AB')]);
    expect(read('{"B":null}')).toEqual([null]);
    for (const bad of ['not base64!', 'QUJ', 'QU I=']) expect(() => read(JSON.stringify({ B: bad })), bad).toThrow();
  });
});

describe('JSON records with text after their value', () => {
  const serde = valueSerde({ format: 'JSON' }, [{ name: 'A', type: T.INTEGER, ns: 'VALUE' }, { name: 'S', type: T.STRING, ns: 'VALUE' }]);
  const read = (text: string) => serde.deserialize(Buffer.from(text));
  it('are read as Jackson\'s readTree reads them: the first value, what follows it not read; a value cut short still fails', () => {
    expect(read('{"A":1}  trailing')).toEqual([1, null]);
    expect(read('{"A":2,"S":"x"}}')).toEqual([2, 'x']);
    // (a long read exactly, with text after it)
    expect(read('{"A":3,"S":12345678901234567890} {')).toEqual([3, '12345678901234567890']);
    for (const bad of ['{"A":', 'x {"A":1}', '']) expect(() => read(bad), bad).toThrow(/^Failed to deserialize JSON/);
  });
});

describe('JSON numbers read into STRING columns', () => {
  const serde = valueSerde({ format: 'JSON' }, [{ name: 'S', type: T.STRING, ns: 'VALUE' }, { name: 'I', type: T.INTEGER, ns: 'VALUE' }]);
  const read = (text: string) => serde.deserialize(Buffer.from(text));
  it('are their text as Jackson gives it (asText of a BigDecimal or an integer node): scale kept, exponent form where BigDecimal writes one', () => {
    for (const [json, text] of [['1.0', '1.0'], ['1.50', '1.50'], ['1e2', '1E+2'], ['0.0000001', '1E-7'], ['0.00001', '0.00001'], ['-0.0', '0.0'], ['42', '42'], ['12345678901234567890', '12345678901234567890'], ['"7.0"', '7.0']] as const) {
      expect(read(`{"S":${json},"I":1}`), json).toEqual([text, 1]);
    }
    // unwrapped, a single STRING value
    const single = valueSerde({ format: 'JSON', wrapSingle: false }, [{ name: 'S', type: T.STRING, ns: 'VALUE' }]);
    expect(single.deserialize(Buffer.from('2.50'))).toEqual(['2.50']);
  });
});

describe('a JSON row written by its generated writer', () => {
  it('is the text toJsonText writes column by column, for any values of the common types and others', () => {
    const cols = [
      { name: 'S', type: T.STRING }, { name: 'quoted "name"', type: T.STRING }, { name: 'I', type: T.INTEGER },
      { name: 'L', type: T.BIGINT }, { name: 'B', type: T.BOOLEAN }, { name: 'D', type: T.DOUBLE }, { name: 'A', type: T.array(T.STRING) },
    ];
    const write = (values: readonly unknown[]) => jsonObjectBytesWriter(cols)(values).toString();
    const value = [
      fc.option(fc.string({ unit: 'binary' }), { nil: null }), fc.option(fc.string(), { nil: undefined }), fc.option(fc.integer(), { nil: null }),
      fc.option(fc.oneof(fc.maxSafeInteger(), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })), { nil: null }), fc.option(fc.boolean(), { nil: null }),
      fc.option(fc.double(), { nil: null }), fc.option(fc.array(fc.option(fc.string(), { nil: null })), { nil: null }),
    ] as const;
    fc.assert(fc.property(fc.tuple(...value), (values) => {
      const expected = `{${cols.map((c, i) => `${JSON.stringify(c.name)}:${toJsonText(values[i], c.type)}`).join(',')}}`;
      expect(write(values)).toBe(expected);
    }), { numRuns: 500 });
  });
});

describe('integers beyond 2^53 read into a STRING column', () => {
  const row = valueSerde({ format: 'JSON' }, [{ name: 'S', type: T.STRING, ns: 'VALUE' }, { name: 'I', type: T.INTEGER, ns: 'VALUE' }]);
  const bare = valueSerde({ format: 'JSON', wrapSingle: false }, [{ name: 'S', type: T.STRING, ns: 'VALUE' }]);
  it('keep their digits as written: the last of duplicate keys, and inside an object or a list kept as its JSON text', () => {
    expect(row.deserialize(Buffer.from('{"S":1,"S":12345678901234567891}'))).toEqual(['12345678901234567891', null]);
    expect(row.deserialize(Buffer.from('{"S":{"a":12345678901234567891,"b":[9007199254740993]}}'))).toEqual(['{"a":12345678901234567891,"b":[9007199254740993]}', null]);
    expect(bare.deserialize(Buffer.from('{"b":[9007199254740993]}'))).toEqual(['{"b":[9007199254740993]}']);
  });
});

describe('KAFKA STRING bytes', () => {
  it('are the text\'s UTF-8 whatever it holds (lone surrogates as U+FFFD), the same when written again, and read back', () => {
    const serde = valueSerde({ format: 'KAFKA' }, [{ name: 'S', type: T.STRING, ns: 'VALUE' }]);
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (text) => {
      const first = serde.serialize([text])!, again = serde.serialize([text])!;
      expect(first.equals(Buffer.from(text, 'utf8'))).toBe(true);
      expect(again.equals(first)).toBe(true);
      expect(serde.deserialize(again)).toEqual([Buffer.from(text, 'utf8').toString('utf8')]);
    }), { numRuns: 500 });
  });
});

describe('JSON numbers in DECIMAL columns', () => {
  it('are read from their text, as Jackson\'s BigDecimal holds them, where a double would round their digits (16 or more)', () => {
    const serde = valueSerde({ format: 'JSON' }, [{ name: 'D', type: T.decimal(20, 17), ns: 'VALUE' }, { name: 'E', type: T.decimal(30, 2), ns: 'VALUE' }]);
    const read = (text: string) => (serde.deserialize(Buffer.from(text)) as { toString(): string }[]).map(String);
    expect(read('{"D":1.23456789012345678,"E":123456789012345678901.25}')).toEqual(['1.23456789012345678', '123456789012345678901.25']);
    expect(read('{"D":0.1,"E":1e3}')).toEqual(['0.10000000000000000', '1000.00']);
    const sr = jsonSrCodec({ type: 'object', properties: { D: {} } }, { names: ['D'], types: [T.decimal(20, 17)], unwrapped: false } as never);
    expect((sr.decode(Buffer.from('{"D":1.23456789012345678}')) as unknown[]).map(String)).toEqual(['1.23456789012345678']);
  });
});

describe('JSON numbers in INT and BIGINT columns', () => {
  const serde = valueSerde({ format: 'JSON' }, [{ name: 'I', type: T.INTEGER, ns: 'VALUE' }, { name: 'B', type: T.BIGINT, ns: 'VALUE' }]);
  const read = (text: string) => serde.deserialize(Buffer.from(text));
  it('are read as Jackson\'s intValue() and asLong() read a number node (floats as BigDecimal): the integer part, its low 32 or 64 bits', () => {
    expect(read('{"I":1.9,"B":-1.9}')).toEqual([1, -1]);
    // 3000000000 - 2^32; 1e20 mod 2^64; 2^63 is long's minimum; 2^63 + 5 as an INT is its low 32 bits
    expect(read('{"I":3000000000,"B":1e20}')).toEqual([-1294967296, 7766279631452241920n]);
    expect(read('{"I":9223372036854775813,"B":9223372036854775808}')).toEqual([5, -(2n ** 63n)]);
    expect(read('{"I":-2147483649,"B":-9223372036854775809}')).toEqual([2147483647, 2n ** 63n - 1n]);
    // numbers a double does not hold are taken from their text, exactly: 12345678901234567891 - 2^64,
    // 123456789012 - 29 * 2^32, and 1e400, whose low 64 bits are all 0
    expect(read('{"I":123456789012.99999999,"B":12345678901234567891.5}')).toEqual([-1097262572, -6101065172474983725n]);
    expect(read('{"I":1e400,"B":-1e400}')).toEqual([0, 0]);
    expect(read('{"I":-12.5e1,"B":1.23456789e30}')).toEqual([-125, BigInt.asIntN(64, 1234567890000000000000000000000n)]);
    const single = valueSerde({ format: 'JSON', wrapSingle: false } as never, [{ name: 'B', type: T.BIGINT, ns: 'VALUE' }]);
    expect(single.deserialize(Buffer.from('18446744073709551621.7'))).toEqual([5]);
    // at any depth: in a struct, a map, an array
    const nested = valueSerde({ format: 'JSON' }, [{ name: 'S', type: T.struct([{ name: 'B', type: T.BIGINT }]), ns: 'VALUE' }, { name: 'M', type: T.map(T.STRING, T.BIGINT), ns: 'VALUE' }, { name: 'A', type: T.array(T.INTEGER), ns: 'VALUE' }, { name: 'T', type: T.array(T.STRING), ns: 'VALUE' }]);
    expect(nested.deserialize(Buffer.from('{"S":{"B":12345678901234567891.5},"M":{"k":12345678901234567891.5},"A":[1e400,7],"T":[1.50,2]}'))).toEqual([{ B: -6101065172474983725n }, new Map([['k', -6101065172474983725n]]), [0, 7], ['1.50', '2']]);
    // an object or a list in a STRING column is its text as Jackson writes the nodes: numbers as written (floats as BigDecimal)
    const text = valueSerde({ format: 'JSON' }, [{ name: 'P', type: T.STRING, ns: 'VALUE' }]);
    expect(text.deserialize(Buffer.from('{"P":{"price":10.0,"q":[1.50,2e3,7],"n":{"x":-0.5}}}'))).toEqual(['{"price":10.0,"q":[1.50,2E+3,7],"n":{"x":-0.5}}']);
    expect(text.deserialize(Buffer.from('{"P":{"id":12345678901234567890,"k":[1,2]}}'))).toEqual(['{"id":12345678901234567890,"k":[1,2]}']);
    // and in JSON_SR, which ksqlDB reads with the same deserializer
    const sr = jsonSrCodec({ type: 'object', properties: { B: {}, I: {} } }, { names: ['B', 'I'], types: [T.BIGINT, T.INTEGER], unwrapped: false } as never);
    expect(sr.decode(Buffer.from('{"B":12345678901234567891.5,"I":1e400}'))).toEqual([-6101065172474983725n, 0]);
    // a number of 16 digits or more that a double rounds to a whole number is read from its text (1.9999999999999999
    // is 2.0 as a double, 1 as an intValue), and so is one whose digits are split by its point (9999999.99999999999)
    expect(read('{"I":1.9999999999999999,"B":9999999.99999999999}')).toEqual([1, 9999999]);
    expect(read('{"I":-2.9999999999999999,"B":123456789012345.99}')).toEqual([-2, 123456789012345]);
    // (a long run of digits elsewhere in the record changes nothing for the columns' numbers)
    expect(read('{"I":7,"B":2,"X":"4111111111111111"}')).toEqual([7, 2]);
    expect(sr.decode(Buffer.from('{"B":9999999.99999999999,"I":1.9999999999999999}'))).toEqual([9999999, 1]);
    // text is parsed as an integer of the column's type (Integer.parseInt, Long.parseLong): never wrapped
    expect(read('{"I":"12","B":"-77"}')).toEqual([12, -77]);
    for (const bad of ['{"I":"3000000000"}', '{"I":"1.5"}', '{"B":"9223372036854775808"}', '{"I":true}']) expect(() => read(bad), bad).toThrow();
  });
});

describe('strings written as Jackson writes them (topics and REST rows)', () => {
  it('escapes in upper-case hex, and each surrogate of a character beyond the BMP on its own; an escaped backslash stays', async () => {
    const { jsonString, toJsonText } = await import('../../src/engine/serde/json-value.js');
    const { T } = await import('../../src/engine/sql/types.js');
    expect(jsonString('a\u001fb\u000bc😀')).toBe('"a\\u001Fb\\u000Bc\\uD83D\\uDE00"');
    expect(jsonString('\ud800x')).toBe('"\\uD800x"');
    expect(jsonString('tab\t"q"\n')).toBe('"tab\\t\\"q\\"\\n"');
    expect(jsonString('back\\u00ab')).toBe('"back\\\\u00ab"');
    expect(jsonString('é\u2028')).toBe('"é\u2028"');
    // map keys too, and the text reads back as the same string
    const text = toJsonText(new Map([['k😀', 'v\u0001']]), T.map(T.STRING, T.STRING));
    expect(text).toBe('{"k\\uD83D\\uDE00":"v\\u0001"}');
    expect(JSON.parse(text)).toEqual({ 'k😀': 'v\u0001' });
    // column and struct field names as well
    const row = jsonObjectBytesWriter([{ name: 'V😀', type: T.struct([{ name: 'F😀', type: T.STRING }]) }])([{ 'F😀': 'x' }]).toString();
    expect(row).toBe('{"V\\uD83D\\uDE00":{"F\\uD83D\\uDE00":"x"}}');
  });
});

describe('a JSON record\'s columns read without fromParsedJson where it would keep the value', () => {
  // number texts where a double, an INT and a long part ways with what Jackson reads
  const numbers = ['0', '-0', '1', '-1', '1.0', '1.5', '-2.5', '1e5', '1E-3', '2147483647', '2147483648', '-2147483648', '-2147483649',
    '9007199254740991', '9007199254740993', '12345678901234567890', '1.00000000000000001', '0.99999999999999999999', '1e400', '123456789012345'];
  const json = fc.oneof(
    fc.constantFrom(...numbers), fc.integer().map(String), fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => JSON.stringify(d)),
    fc.string({ maxLength: 8 }).map((s) => JSON.stringify(s)), fc.constantFrom('true', 'false', 'null', '"1.50"', '"true"', '[1,2.0]', '{"x":1.0}'),
  );
  const kinds = ['STRING', 'INTEGER', 'BIGINT', 'DOUBLE', 'BOOLEAN'] as const;
  const outcome = (f: () => unknown) => { try { return { ok: f() }; } catch (e) { return { error: (e as Error).message }; } };

  it('gives what fromParsedJson gives for each column, or fails as it fails', () => {
    fc.assert(fc.property(fc.array(fc.tuple(fc.constantFrom(...kinds), json), { minLength: 1, maxLength: 5 }), (spec) => {
      const cols = spec.map(([k], i) => ({ name: `C${i}`, type: T[k], ns: 'VALUE' as const }));
      const text = `{${spec.map(([, v], i) => `"C${i}":${v}`).join(',')}}`;
      const got = outcome(() => valueSerde({ format: 'JSON' }, cols).deserialize(Buffer.from(text)));
      // the reference: every column through fromParsedJson, as the reader did for all of them before
      const want = outcome(() => {
        const obj = parseJsonExact(text) as Record<string, unknown>, exact = parseJsonAsWritten(text) as Record<string, unknown> | undefined;
        return cols.map((c) => fromParsedJson(obj[c.name], c.type, c.name, () => text, () => (exact ?? obj)[c.name]));
      });
      expect(got).toEqual(want);
      if ('ok' in got) for (const [i, v] of (got.ok as unknown[]).entries()) expect(Object.is(v, -0), `column ${i} of ${text}`).toBe(Object.is((want as { ok: unknown[] }).ok[i], -0));
    }), { numRuns: 3000 });
  });
});

describe('JSON records written as bytes (jsonObjectBytesWriter)', () => {
  // the record's text: each column as toJsonText writes it, after its name as jsonString writes it
  const recordText = (cols: { name: string; type: SqlType }[], values: readonly unknown[]) => `{${cols.map((c, i) => `${jsonString(c.name)}:${toJsonText(values[i], c.type)}`).join(',')}}`;
  const types = [T.STRING, T.INTEGER, T.BIGINT, T.BOOLEAN, T.DOUBLE, { kind: 'ARRAY', item: T.STRING } as const, { kind: 'MAP', key: T.STRING, value: T.INTEGER } as const];
  const text = fc.oneof(fc.string({ maxLength: 12 }), fc.string({ unit: 'binary', maxLength: 6 }), fc.constantFrom('', 'a"b', 'c\\d', '\u0000\u001f', '\ud800', 'é€😀', 'tab\tnl\n', '\u007f'));
  const valueOf = (t: (typeof types)[number]): fc.Arbitrary<unknown> => {
    switch (t.kind) {
      case 'STRING': return fc.option(text);
      case 'INTEGER': return fc.option(fc.integer({ min: -2147483648, max: 2147483647 }));
      case 'BIGINT': return fc.option(fc.oneof(fc.maxSafeInteger(), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })));
      case 'BOOLEAN': return fc.option(fc.boolean());
      case 'DOUBLE': return fc.option(fc.double());
      case 'ARRAY': return fc.option(fc.array(fc.option(text), { maxLength: 3 }));
      default: return fc.option(fc.array(fc.tuple(text, fc.option(fc.integer())), { maxLength: 3 }).map((e) => new Map(e)));
    }
  };
  const record = fc.array(fc.constantFrom(...types.keys()), { maxLength: 6 }).chain((ks) => fc.tuple(fc.constant(ks), fc.tuple(...ks.map((k) => valueOf(types[k]!)))));

  it('are the UTF-8 bytes of the record\'s text, record after record (a full arena left behind), each record\'s bytes kept', () => {
    fc.assert(fc.property(fc.array(record, { minLength: 1, maxLength: 40 }), fc.constantFrom('X', 'name "q"', 'ü'), (records, name) => {
      const written: [Buffer, Buffer][] = [];
      for (const [ks, values] of records) {
        const cols = ks.map((k, i) => ({ name: `${name}${i}`, type: types[k]! }));
        written.push([jsonObjectBytesWriter(cols)(values), Buffer.from(recordText(cols, values))]);
      }
      // (compared after all are written: a later record never writes over an earlier one's bytes)
      for (const [got, want] of written) expect(got.toString('hex')).toBe(want.toString('hex'));
    }), { numRuns: 1500 });
  });

  it('writes a record larger than an arena whole', () => {
    const cols = [{ name: 'S', type: T.STRING }];
    const big = 'é'.repeat(20_000);
    expect(jsonObjectBytesWriter(cols)([big]).toString()).toBe(recordText(cols, [big]));
  });
});
