import { describe, expect, it } from 'vitest';
import { chunks, SEND_BYTES, type OutgoingMessage } from '../src/producer.js';

const message = (i: number, valueBytes: number, header = 0): OutgoingMessage => ({
  key: `User_${i}`, value: Buffer.alloc(valueBytes, 1), headers: header ? { traceparent: Buffer.alloc(header, 2) } : {}, timestamp: String(i),
});

describe('chunks', () => {
  it('splits a large batch into sends of at most SEND_BYTES, in order, so no record batch outgrows a broker\'s 1 MB limit', () => {
    // 10,000 settlements with a 55-byte header each: over 1 MB in one send
    const messages = Array.from({ length: 10_000 }, (_, i) => message(i, 120, 55));
    const runs = chunks(messages);
    expect(runs.length).toBeGreaterThan(2);
    expect(runs.flat()).toEqual(messages);
    for (const run of runs) {
      const bytes = run.reduce((n, m) => n + m.key.length + m.value.length + 55, 0);
      expect(bytes).toBeLessThanOrEqual(SEND_BYTES);
    }
  });

  it('keeps a small batch as one send, and a single message larger than the limit as a send of its own', () => {
    expect(chunks([message(1, 10), message(2, 10)])).toEqual([[message(1, 10), message(2, 10)]]);
    expect(chunks([message(1, 10), message(2, SEND_BYTES + 1), message(3, 10)]).map((r) => r.map((m) => m.key))).toEqual([['User_1'], ['User_2'], ['User_3']]);
    expect(chunks([])).toEqual([]);
  });
});
