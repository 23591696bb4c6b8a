import { describe, expect, it } from 'vitest';
import { T } from '../../../src/engine/sql/types.js';
import { call } from './call.js';

const S = T.STRING;

describe('JSON functions', () => {
  it.each([
    ['JSON_KEYS', '{"b":1,"2":2,"a":3,"1":4}', ['b', '2', 'a', '1']],
    ['JSON_KEYS', '{"a":1,"b":2,"a":3}', ['a', 'b']],
    ['JSON_ARRAY_LENGTH', '[1] 2', 1],
    ['IS_JSON_STRING', '[1] 2', true],
    ['IS_JSON_STRING', '01', false],
    ['IS_JSON_STRING', '-0', true],
    ['IS_JSON_STRING', '1.', false],
    ['IS_JSON_STRING', 'nullx', false],
    ['IS_JSON_STRING', '"a"x', true],
    ['IS_JSON_STRING', '   ', false],
    ['JSON_ITEMS', '[{"b":1,"1":2},"x"]', ['{"b":1,"1":2}', '"x"']],
  ])('%s(%j) = %j', (fn, json, expected) => {
    expect(call(fn, [S], [json])).toEqual(expected);
  });

  it('JSON_RECORDS keeps document order; JSON_CONCAT merges objects in order, a later key replacing a value in its first place', () => {
    expect([...(call('JSON_RECORDS', [S], ['{"z":1,"10":[2]}']) as Map<string, string>)]).toEqual([['z', '1'], ['10', '[2]']]);
    expect(call('JSON_CONCAT', [S, S], ['{"b":1,"2":2}', '{"a":3,"b":4}'])).toBe('{"b":4,"2":2,"a":3}');
    expect(call('JSON_CONCAT', [S, S], ['1x', '2'])).toBeNull();
  });

  it.each([
    ['{"name": "cdd", "@type": "VAL"}}', '$.@type', 'VAL'],
    ['{"array": [1.23450]}', '$.array[0]', '1.23450'],
    ['{"array": [1, 2]}', '$.array[-1]', null],
    ['{"a": {"b": [true]}}', '$.a', '{"b":[true]}'],
    ['{"a": {"b c": 1}}', "$.a['b c']", '1'],
    ['not json', '$.a', null],
    // as ksqlDB's walk over Jackson's tree: a JSON null is found, and written as null; a step names a
    // key or an index whatever its spelling; a duplicate key holds its last value
    ['{"a": null}', '$.a', 'null'],
    ['{"a": null}', '$.a.b', null],
    ['{"0": 5}', '$[0]', '5'],
    ['{"a": [7, 8]}', '$.a.1', '8'],
    ['{"a": [7, 8]}', '$.a.x', null],
    ['{"a": 1}', '$.constructor', null],
    ['{"a": 1, "a": 2}', '$.a', '2'],
    ['"text"', '$', 'text'],
    // Jackson reads the first value only (text after it is not read), but that value by its own rules:
    // no leading zeros, a number or literal at the root ends at whitespace, a literal is no longer word
    ['{"a":1} 2', '$.a', '1'],
    ['[1] 2', '$[0]', '1'],
    ['1 x', '$', '1'],
    ['1x', '$', null],
    ['01', '$', null],
    ['truex', '$', null],
    ['[true,false]', '$[1]', 'false'],
    ['{"a":"\\u0001"}', '$.a', '\u0001'],
    ['{"a":"x\u0001"}', '$.a', null],
    // objects keep their keys in document order, integer-like keys too
    ['{"x":{"b":1,"2":2}}', '$.x', '{"b":1,"2":2}'],
    ['{"x":{"s":"a\\u001f\\"b"}}', '$.x', '{"s":"a\\u001F\\"b"}'],
    ['['.repeat(1000) + ']'.repeat(1000), '$', '['.repeat(1000) + ']'.repeat(1000)],
    ['['.repeat(1001) + ']'.repeat(1001), '$', null],
  ])('EXTRACTJSONFIELD(%j, %j) = %j', (json, path, expected) => {
    expect(call('EXTRACTJSONFIELD', [S, S], [json, path])).toBe(expected);
  });

  it.each([
    [['{"a": 1}', '{"b": 2}', '{"a": 3}'], '{"a":3,"b":2}'],
    [['[1, 2]', '{"a": 1}', '4'], '[1,2,{"a":1},4]'],
    [['null', 'null'], '[null,null]'],
    [['1', ''], null],
    [[null, '1'], null],
  ])('JSON_CONCAT(%j) = %j', (args, expected) => {
    expect(call('JSON_CONCAT', args.map(() => S), args)).toBe(expected);
  });

  it.each([
    ['JSON_KEYS', '{"Red": 3, "Green": 5}', ['Red', 'Green']],
    ['JSON_KEYS', '[1]', null],
    ['JSON_ITEMS', '[{"t": "2022-01-27"}, 2]', ['{"t":"2022-01-27"}', '2']],
    ['JSON_ARRAY_LENGTH', '[1, [2, 3]]', 2],
    ['JSON_ARRAY_LENGTH', '', null],
    // JSON as Jackson's readTree takes it: a duplicate key's last value (in its first place), trailing text ignored
    ['JSON_KEYS', '{"a": 1, "b": 2, "a": 3}', ['a', 'b']],
    ['IS_JSON_STRING', '{"a": 1, "a": 2}', true],
    ['IS_JSON_STRING', '[1, 2] x', true],
    ['IS_JSON_STRING', ' ', false],
    ['IS_JSON_STRING', 'x [1]', false],
    ['JSON_ARRAY_LENGTH', '[1, 2] x', 2],
  ] as const)('%s(%j)', (name, json, expected) => {
    expect(call(name, [S], [json])).toEqual(expected);
  });

  it('JSON_RECORDS gives strings unquoted and other values as JSON', () => {
    expect(Object.fromEntries(call('JSON_RECORDS', [S], ['{"a": 3, "b": "x", "c": [1]}']) as Map<string, string>)).toEqual({ a: '3', b: 'x', c: '[1]' });
    expect([...call('JSON_RECORDS', [S], ['{"a": 1, "b": 2, "a": "x"}']) as Map<string, string>]).toEqual([['a', 'x'], ['b', '2']]);
    expect(call('JSON_CONCAT', [S, S], ['{"a": 1, "a": 2}', '{}'])).toBe('{"a":2}');
  });

  it.each([
    [S, '["Pink", null]', 'Pink', true],
    [S, '["Red"]', 'Pink', false],
    // a number matches only a token of its own kind: integers integer tokens, doubles ones with a fraction or exponent
    [T.INTEGER, '[1.0, 2]', 1, false],
    [T.INTEGER, '[1.0, 2]', 2, true],
    [T.BIGINT, '[9007199254740993]', 9007199254740993n, true],
    [T.DOUBLE, '[1, 2]', 2, false],
    [T.DOUBLE, '[1, 2.0]', 2, true],
    [T.DOUBLE, '[1, 2e0]', 2, true],
    [T.BOOLEAN, '[false]', true, false],
    [S, 'not json', 'x', false],
  ] as const)('JSON_ARRAY_CONTAINS over %j', (t, json, v, expected) => {
    expect(call('JSON_ARRAY_CONTAINS', [S, t], [json, v])).toBe(expected);
  });

  it('TO_JSON_STRING writes a DATE as its ISO text, a TIME as HH:mm:ss (Jackson\'s SqlTimeSerializer: java.sql.Time.toString())', () => {
    expect(call('TO_JSON_STRING', [T.DATE], [1000])).toBe('"1972-09-27"');
    expect(call('TO_JSON_STRING', [T.TIME], [18_367_089])).toBe('"05:06:07"');
    expect(call('TO_JSON_STRING', [T.array(T.TIME)], [[0, null]])).toBe('["00:00:00",null]');
  });
});
