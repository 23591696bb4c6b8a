import { randomBytes } from 'node:crypto';
import { Partitioners, type PartitionerArgs } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { LinearKeyPartitioner, murmur2 } from '../src/partitioner.js';

const metadata = (n: number): PartitionerArgs['partitionMetadata'] => Array.from({ length: n }, (_, partitionId) => ({ partitionId, leader: 0, partitionErrorCode: 0, replicas: [0], isr: [0] }));

describe('murmur2', () => {
  it('hashes as the Java client does (the values of Kafka\'s own tests)', () => {
    const cases: [string, number][] = [['21', -973932308], ['foobar', -790332482], ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829], ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971], ['abc', 479470107]];
    for (const [key, hash] of cases) expect(murmur2(Buffer.from(key)), key).toBe(hash);
  });
});

describe('LinearKeyPartitioner', () => {
  it('picks the partition kafkajs\'s default partitioner picks, for keys of every length up to a few KB, text or bytes', () => {
    const ours = LinearKeyPartitioner(), theirs = Partitioners.DefaultPartitioner();
    for (const partitions of [1, 6, 97]) {
      const partitionMetadata = metadata(partitions);
      for (let length = 0; length < 300; length++) {
        for (const key of [randomBytes(length), 'Z'.repeat(length), 'é€'.repeat(length % 40)]) {
          const args = { topic: 't', partitionMetadata, message: { key, value: null } };
          expect(ours(args), `${partitions} partitions, key of ${length}`).toBe(theirs(args));
        }
      }
      const long = randomBytes(4096);
      expect(ours({ topic: 't', partitionMetadata, message: { key: long, value: null } })).toBe(theirs({ topic: 't', partitionMetadata, message: { key: long, value: null } }));
    }
  });

  it('keeps a record\'s own partition, and spreads records without a key as kafkajs does', () => {
    const ours = LinearKeyPartitioner();
    const partitionMetadata = metadata(6);
    expect(ours({ topic: 't', partitionMetadata, message: { key: 'x', value: null, partition: 4 } })).toBe(4);
    const keyless = new Set(Array.from({ length: 12 }, () => ours({ topic: 't', partitionMetadata, message: { value: null } })));
    expect(keyless.size).toBe(6);
  });
});
