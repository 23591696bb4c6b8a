import { describe, expect, it } from 'vitest';
import { longArith, parseLong, toLong, wrapLong } from '../../src/engine/util/long.js';
import { parseJsonExact, stringifyJsonExact } from '../../src/engine/serde/json-exact.js';

const zero = (): never => { throw new Error('/ by zero'); };

describe('BIGINT as Java\'s long', () => {
  it('one representation: a number while safe, a bigint beyond 2^53', () => {
    expect(toLong(5n)).toBe(5);
    expect(toLong(2n ** 53n - 1n)).toBe(Number.MAX_SAFE_INTEGER);
    expect(toLong(2n ** 53n + 1n)).toBe(9007199254740993n);
    expect(parseLong('-9223372036854775808')).toBe(-(2n ** 63n));
    expect(parseLong('9223372036854775808')).toBeUndefined();
  });
  it.each([
    ['+', 9223372036854775807n, 1, -9223372036854775808n],
    ['+', 9007199254740992, 1, 9007199254740993n],
    ['-', -9223372036854775808n, 1, 9223372036854775807n],
    ['*', 4611686018427387904n, 2, -9223372036854775808n],
    ['*', 3037000500, 3037000500, -9223372036709301616n],
    ['*', 3037000499, 3037000499, 9223372030926249001n],
    ['/', -9223372036854775808n, -1, -9223372036854775808n],
    ['/', -7, 2, -3],
    ['%', -7, 2, -1],
    ['%', 9007199254740993n, 10, 3],
    ['+', 1, 2, 3],
  ] as const)('%s of %s and %s is %s, exact and wrapping', (op, a, b, expected) => {
    expect(longArith(op, a, b, zero)).toBe(expected);
  });
  it('a zero divisor is the caller\'s error', () => {
    expect(() => longArith('/', 1, 0, zero)).toThrow('/ by zero');
    expect(() => longArith('%', 2n ** 60n, 0, zero)).toThrow('/ by zero');
    expect(wrapLong(2n ** 64n + 5n)).toBe(5);
  });
  it('JSON with longs beyond 2^53 reads and writes them exactly; everything else as JSON does', () => {
    expect(parseJsonExact('{"a":9223372036854775807,"b":1.5,"c":"1234567890123456789","d":12}')).toEqual({ a: 9223372036854775807n, b: 1.5, c: '1234567890123456789', d: 12 });
    expect(parseJsonExact('{"a":1}')).toEqual({ a: 1 });
    // bad JSON with a long in it is told of where the text is wrong, as JSON.parse tells it
    for (const bad of ['{"a":12345678901234567890 , "b": -}', '[9007199254740993, 01]', '{"a":9223372036854775807', '{"a":00012345678901234567}', '[-012345678901234567]']) {
      expect(() => JSON.parse(bad)).toThrow();
      expect(() => parseJsonExact(bad)).toThrow((() => { try { JSON.parse(bad); } catch (e) { return (e as Error).message; } return ''; })());
    }
    expect(stringifyJsonExact({ a: 9223372036854775807n, b: [1, -5n, 'x'] })).toBe('{"a":9223372036854775807,"b":[1,-5,"x"]}');
    expect(stringifyJsonExact({ a: 1 })).toBe('{"a":1}');
  });
});

describe('state with longs beyond 2^53 survives the journal', () => {
  it('encodeValue and decodeValue keep a bigint a bigint, inside objects and arrays too', async () => {
    const { encodeValue, decodeValue } = await import('../../src/engine/state/store.js');
    const state = { key: [1234567890123456789n], accs: [9223372036854775807n, 3], ts: 5 };
    expect(decodeValue(JSON.parse(JSON.stringify(encodeValue(state))))).toEqual(state);
  });
});

describe('longs beyond 2^53 where functions, literals and records meet them', () => {
  it('JSON keeps JSON.parse\'s rules otherwise: the last of duplicate keys wins, digits inside strings stay text', () => {
    expect(parseJsonExact('{"A":1,"A":2,"N":"card 1234567812345678"}')).toEqual({ A: 2, N: 'card 1234567812345678' });
    expect(parseJsonExact('{"A":1,"A":9007199254740993,"S":"x\\"9007199254740993"}')).toEqual({ A: 9007199254740993n, S: 'x"9007199254740993' });
    expect(parseJsonExact('[1.5e20, 12345678901234567.5]')).toEqual([1.5e20, Number('12345678901234567.5')]);
    // text that looks like the writer's internal marker stays text
    expect(parseJsonExact('{"S":"\\u0000long:1","N":9007199254740993}')).toEqual({ S: '\u0000long:1', N: 9007199254740993n });
    expect(stringifyJsonExact({ S: '\u0000long:1', N: 9007199254740993n })).toBe('{"S":"\\u0000long:1","N":9007199254740993}');
  });

  it('math functions keep a long exact; BIGINT_FROM_BYTES reads all 64 bits; TO_JSON_STRING writes every digit; FROM_UNIXTIME refuses a time no record holds', async () => {
    const { call } = await import('./functions/call.js');
    const { T } = await import('../../src/engine/sql/types.js');
    const B = T.BIGINT, I = T.INTEGER;
    const big = 9007199254740993n;
    expect(call('ABS', [B], [-big])).toBe(big);
    expect(call('ABS', [B], [-(2n ** 63n)])).toBe(-(2n ** 63n));
    expect(call('SIGN', [B], [-big])).toBe(-1);
    for (const f of ['CEIL', 'FLOOR', 'ROUND', 'TRUNC']) expect(call(f, [B], [big])).toBe(big);
    expect(call('ROUND', [B, I], [big, 2])).toBe(big);
    expect(call('BIGINT_FROM_BYTES', [T.BYTES], [Buffer.from('0020000000000001', 'hex')])).toBe(big);
    expect(call('BIGINT_FROM_BYTES', [T.BYTES], [Buffer.from('7fffffffffffffff', 'hex')])).toBe(2n ** 63n - 1n);
    expect(call('TO_JSON_STRING', [T.array(B)], [[big, 1]])).toBe('[9007199254740993,1]');
    expect(() => call('FROM_UNIXTIME', [B], [big])).toThrow('beyond the timestamps');
  });

  it('a text compared with or listed beside a BIGINT is read exactly; INSERT VALUES refuses a ROWTIME beyond 2^53', async () => {
    const { Engine } = await import('../../src/engine/engine.js');
    const { runPullQuery } = await import('../helpers/pull.js');
    const { parseStatement } = await import('../../src/engine/sql/parser.js');
    const engine = new Engine({ properties: { 'ksql.streams.auto.offset.reset': 'earliest' } });
    const ctx = { properties: {}, variables: new Map<string, string>() };
    engine.executeStatement("CREATE STREAM LB (ID INT KEY, V BIGINT) WITH (KAFKA_TOPIC='lb', VALUE_FORMAT='JSON', PARTITIONS=1);", ctx);
    engine.executeStatement('INSERT INTO LB (ID, V) VALUES (1, 9007199254740993);', ctx);
    const pull = (sql: string) => { const s = parseStatement(sql); if (s.kind !== 'select') throw new Error('not a query'); return runPullQuery(engine, s.query).rows; };
    expect(pull("SELECT ID FROM LB WHERE V IN ('9007199254740993');")).toEqual([[1]]);
    expect(pull("SELECT ID FROM LB WHERE V IN ('9007199254740992');")).toEqual([]);
    expect(pull("SELECT ARRAY[V, '9007199254740995'] FROM LB;")).toEqual([[[9007199254740993n, 9007199254740995n]]]);
    expect(() => engine.executeStatement('INSERT INTO LB (ROWTIME, ID, V) VALUES (9007199254740993, 2, 2);', ctx)).toThrow('Invalid timestamp: 9007199254740993');
  });
});
