import { describe, expect, it } from 'vitest';
import { TopicStore } from '../../src/engine/storage/topics.js';
import { Cursor } from '../../src/engine/runtime/running-query.js';
import { makeFieldPicker, lookupField } from '../../src/engine/serde/json-value.js';

describe('topic retention (log.retention.bytes per partition)', () => {
  it('keeps every record by default', () => {
    const topics = new TopicStore();
    topics.create('t', { partitions: 1, replicas: 1 });
    for (let i = 0; i < 1000; i++) topics.append('t', { key: null, value: Buffer.alloc(100), timestamp: i, partition: 0 });
    const log = topics.get('t')!.partitions[0]!;
    expect([log.start, log.end]).toEqual([0, 1000]);
  });

  it('deletes the oldest records beyond the limit; offsets keep counting and a cursor behind the start moves to it', () => {
    const topics = new TopicStore(10_000);
    topics.create('t', { partitions: 1, replicas: 1 });
    const cursor = new Cursor(topics, ['t'], false);
    for (let i = 0; i < 1000; i++) topics.append('t', { key: null, value: Buffer.alloc(100), timestamp: i, partition: 0 });
    const log = topics.get('t')!.partitions[0]!;
    expect(log.end).toBe(1000);
    expect(log.start).toBeGreaterThan(900);
    expect(log.get(log.start)!.offset).toBe(log.start);
    expect(log.get(log.start - 1)).toBeUndefined();
    expect(cursor.next()!.offset).toBe(log.start);
    expect(cursor.lag()).toBe(log.end - log.start - 1);
  });

  it('a topic that sets its own retention keeps it', () => {
    const topics = new TopicStore(1000);
    topics.create('t', { partitions: 1, replicas: 1, retentionBytes: -1 });
    for (let i = 0; i < 100; i++) topics.append('t', { key: null, value: Buffer.alloc(100), timestamp: i, partition: 0 });
    expect(topics.get('t')!.partitions[0]!.start).toBe(0);
  });
});

describe('JSON field picking agrees with lookupField', () => {
  const cases: [Record<string, unknown>, string[]][] = [
    [{ side: 'BUY', QUANTITY: 3 }, ['SIDE', 'QUANTITY', 'MISSING']],
    [{ Side: 1, SIDE: 2 }, ['SIDE']], // exact beats case-insensitive, whatever the order
    [{ SIDE: 2, Side: 1 }, ['SIDE']],
    [{ a: 1, A: 2 }, ['a', 'A']],
    [{ ab: 1, Ab: 2 }, ['AB']], // the first case-insensitive match wins
  ];
  it.each(cases)('%j picks %j', (obj, names) => {
    expect(makeFieldPicker(names)(obj)).toEqual(names.map((n) => lookupField(obj, n)));
  });
});
