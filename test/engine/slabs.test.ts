import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SlabPool, SLAB_BYTES, type Lease, type SlabHolder } from '../../src/engine/storage/slabs.js';
import { TopicStore } from '../../src/engine/storage/topics.js';
import { encodeBatch, producedBatch, readBatches } from '../../src/engine/kafka/record-batch.js';

describe('slab memory for undecoded batches', () => {
  it('never gives out memory a lease still holds, whatever order leases end in', () => {
    // each lease is filled with its own byte; after any sequence of leases and give-backs (some
    // twice), every lease still held reads back its byte
    const op = fc.oneof(
      fc.record({ lease: fc.integer({ min: 1, max: SLAB_BYTES / 4 + 100 }), holder: fc.integer({ min: 0, max: 2 }) }),
      fc.record({ giveBack: fc.nat() }),
    );
    fc.assert(fc.property(fc.array(op, { maxLength: 300 }), (ops) => {
      const pool = new SlabPool();
      const holders: SlabHolder[] = [{ slab: null }, { slab: null }, { slab: null }];
      const held: { lease: Lease; fill: number }[] = [];
      let fill = 0;
      for (const o of ops) {
        if ('lease' in o) {
          const lease = pool.lease(holders[o.holder]!, o.lease);
          fill = (fill + 1) % 256;
          lease.bytes.fill(fill);
          held.push({ lease, fill });
        } else if (held.length) {
          const [h] = held.splice(o.giveBack % held.length, 1);
          h!.lease.giveBack();
          h!.lease.giveBack();
        }
        for (const h of held) if (!h.lease.bytes.every((b) => b === h.fill)) return false;
      }
      return true;
    }), { numRuns: 200 });
  });

  it('uses a slab again once every lease in it has ended', () => {
    const pool = new SlabPool(), holder: SlabHolder = { slab: null };
    const n = SLAB_BYTES / 8;
    // 40 slabs' worth of leases, each ended before the next slab is half used: two or three slabs serve all
    const open: Lease[] = [];
    for (let i = 0; i < 40 * 8; i++) {
      open.push(pool.lease(holder, n));
      if (open.length > 4) open.shift()!.giveBack();
    }
    expect(pool.made).toBeLessThanOrEqual(3);
    // a lease larger than a quarter slab gets memory of its own, never pooled
    const big = pool.lease(holder, SLAB_BYTES / 4 + 1);
    expect(big.pooled).toBe(false);
  });
});

describe('a log whose retention reuses batch memory', () => {
  const records = (n: number, tag: number) => Array.from({ length: n }, (_v, i) => ({ offset: i, timestamp: 1_700_000_000_000 + i, key: Buffer.from(`k${tag}-${i}`), value: Buffer.alloc(1000, tag % 251), headers: [{ key: 'h', value: Buffer.from(`v${tag}`) }] }));

  it('keeps records read from a batch intact after retention reuses the batch\'s memory', () => {
    const store = new TopicStore(2 * 1024 * 1024);
    store.create('t', { partitions: 1, replicas: 1 });
    const append = (tag: number) => {
      const [b] = readBatches(encodeBatch(records(20, tag)));
      return store.appendBatch('t', 0, producedBatch(b!, 0, false, store.memoryFor('t', 0, b!.body.length)));
    };
    // a reader decodes the first batches and keeps their records, as a query or a table does
    const kept = [];
    for (let tag = 0; tag < 5; tag++) { const first = append(tag); kept.push(...Array.from({ length: 20 }, (_v, i) => store.get('t')!.partitions[0]!.get(first + i)!)); }
    // then far more than the retention: the early slabs are deleted and their memory used again
    for (let tag = 5; tag < 2000; tag++) append(tag);
    const log = store.get('t')!.partitions[0]!;
    expect(log.start).toBeGreaterThan(100);
    kept.forEach((r, i) => {
      const tag = Math.floor(i / 20);
      expect(r.key!.toString()).toBe(`k${tag}-${i % 20}`);
      expect(r.value!.every((b) => b === tag % 251)).toBe(true);
      expect(r.headers[0]!.value!.toString()).toBe(`v${tag}`);
    });
    // and what the log holds now reads back as it was appended
    for (let o = log.start; o < log.end; o += 37) {
      const r = log.get(o)!, tag = Math.floor(o / 20);
      expect(r.key!.toString()).toBe(`k${tag}-${o % 20}`);
      expect(r.value!.every((b) => b === tag % 251)).toBe(true);
    }
  });
});
