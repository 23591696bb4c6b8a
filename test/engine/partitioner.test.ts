import { describe, expect, it } from 'vitest';
import { murmur2, partitionForKey } from '../../src/engine/storage/partitioner.js';

describe('murmur2 partitioner', () => {
  // vectors from Kafka's own unit tests of Utils#murmur2
  it.each([
    ['21', -973932308],
    ['foobar', -790332482],
    ['a-little-bit-long-string', -985981536],
    ['a-little-bit-longer-string', -1486304829],
    ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
    ['abc', 479470107],
  ])('hashes %s like Kafka', (input, expected) => {
    expect(murmur2(Buffer.from(input))).toBe(expected);
  });

  it('picks toPositive(hash) % partitions', () => {
    expect(partitionForKey(Buffer.from('foobar'), 6)).toBe((-790332482 & 0x7fffffff) % 6);
  });
});
