import { describe, expect, it } from 'vitest';
import { decodeEvent, decodeHeaders } from '../src/decode.js';
import { kafkaEvent, userTrade } from './events.js';

const bytes = (text: string) => [...Buffer.from(text)];

describe('decodeEvent', () => {
  it('decodes base64 keys and JSON values into trades', () => {
    const [record] = decodeEvent(kafkaEvent([{ user: 'User_7', value: userTrade({ QUANTITY: 3, PRICE: 250, SYMBOL: 'ZTEST' }), offset: 15 }])).records;
    expect(record).toEqual({ topic: 'user_trades', partition: 0, offset: 15, headers: {}, trade: { user: 'User_7', symbol: 'ZTEST', quantity: 3, price: 250 } });
  });

  it('takes a record without a key as NO USER', () => {
    const [record] = decodeEvent(kafkaEvent([{ user: undefined }])).records;
    expect(record?.trade.user).toBe('NO USER');
  });

  it('takes a key of no bytes as NO USER, and sets aside a record whose key or value is not base64 (Buffer.from would drop what is not)', () => {
    const event = kafkaEvent([{ user: '', offset: 1 }, { user: 'User_1', offset: 2 }, { user: 'User_2', offset: 3 }, { user: 'User_3', offset: 4 }]);
    const [, second, third] = event.records['user_trades-0']!;
    second!.key = '%%%';
    third!.value = 'not base64!';
    const { records, skipped } = decodeEvent(event);
    expect(records.map((r) => [r.offset, r.trade.user])).toEqual([[1, 'NO USER'], [4, 'User_3']]);
    expect(skipped).toEqual([
      { topic: 'user_trades', partition: 0, offset: 2, problem: 'user_trades-0@2: the key is not base64' },
      { topic: 'user_trades', partition: 0, offset: 3, problem: 'user_trades-0@3: the value is not base64' },
    ]);
  });

  it('keeps every partition of the event, each in offset order', () => {
    const event = kafkaEvent([
      { partition: 0, offset: 4, user: 'User_1' }, { partition: 0, offset: 5, user: 'User_2' },
      { partition: 3, offset: 90, user: 'User_3' }, { partition: 5, offset: 1, user: 'User_4' },
    ]);
    expect(Object.keys(event.records)).toEqual(['user_trades-0', 'user_trades-3', 'user_trades-5']);
    expect(decodeEvent(event).records.map((r) => [r.partition, r.offset, r.trade.user])).toEqual([[0, 4, 'User_1'], [0, 5, 'User_2'], [3, 90, 'User_3'], [5, 1, 'User_4']]);
  });

  it('sets aside, by where they are, the records that are not user_trades trades (a NULL column included); the others decode', () => {
    const { records, skipped } = decodeEvent(kafkaEvent([
      { partition: 2, offset: 8, value: 'not json' },
      { partition: 2, offset: 9, value: { SYMBOL: 'ZVV' } },
      { partition: 2, offset: 10, value: userTrade({ QUANTITY: null }) },
      { partition: 2, offset: 11, user: 'User_2' },
    ]));
    expect(records.map((r) => r.offset)).toEqual([11]);
    expect(skipped).toEqual([
      { topic: 'user_trades', partition: 2, offset: 8, problem: 'user_trades-2@8: the value is not JSON' },
      { topic: 'user_trades', partition: 2, offset: 9, problem: 'user_trades-2@9: the value is not a user_trades trade (numbers QUANTITY and PRICE and a string SYMBOL expected)' },
      { topic: 'user_trades', partition: 2, offset: 10, problem: 'user_trades-2@10: the value is not a user_trades trade (numbers QUANTITY and PRICE and a string SYMBOL expected)' },
    ]);
  });

  it('says a record without a value is a tombstone, not a value that is no JSON', () => {
    const event = kafkaEvent([{ partition: 1, offset: 4 }, { partition: 1, offset: 5 }, { partition: 1, offset: 6, user: 'User_3' }]);
    const [none, empty] = event.records['user_trades-1']!;
    delete (none as { value?: string }).value;
    empty!.value = '';
    const { records, skipped } = decodeEvent(event);
    expect(records.map((r) => r.offset)).toEqual([6]);
    expect(skipped.map((x) => x.problem)).toEqual(['user_trades-1@4: the record has no value (a tombstone)', 'user_trades-1@5: the record has no value (a tombstone)']);
  });

  it('takes an event without records as empty', () => {
    expect(decodeEvent({ records: {} })).toEqual({ records: [], skipped: [] });
  });
});

describe('decodeHeaders', () => {
  it.each([
    { name: 'missing', headers: undefined, expected: {} },
    { name: 'empty', headers: [], expected: {} },
    { name: 'one', headers: [{ traceparent: bytes('00-abc-01') }], expected: { traceparent: Buffer.from('00-abc-01') } },
    { name: 'a repeated key keeps every value', headers: [{ h: bytes('a') }, { h: bytes('b') }], expected: { h: [Buffer.from('a'), Buffer.from('b')] } },
    // (kafkajs cannot send a null header value: it goes on with no bytes, and the batch with it)
    { name: 'one without a value', headers: [{ h: null }, { g: bytes('x') }] as Record<string, number[] | null>[], expected: { h: Buffer.alloc(0), g: Buffer.from('x') } },
  ])('$name', ({ headers, expected }) => {
    expect(decodeHeaders(headers)).toEqual(expected);
  });

  it('reach the decoded record', () => {
    const [record] = decodeEvent(kafkaEvent([{ user: 'User_1', headers: [{ head: [104, 101, 97, 100] }] }])).records;
    expect(record?.headers).toEqual({ head: Buffer.from('head') });
  });
});
