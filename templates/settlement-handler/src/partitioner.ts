import { Partitioners, type ICustomPartitioner } from 'kafkajs';

/**
 * Kafka's murmur2 hash of a record key (the Java client's `Utils.murmur2`), in 32-bit arithmetic.
 * kafkajs's own keeps its running hash in a BigInt it never cuts back to 32 bits, so the work grows
 * with the square of the key's length: a 400 KB key took 27 s, a whole Lambda timeout.
 */
export function murmur2(data: Uint8Array): number {
  const m = 0x5bd1e995;
  const length = data.length;
  let h = 0x9747b28c ^ length;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  // the last one to three bytes, as the Java client's switch falls through them
  const rest = length & 3;
  if (rest === 3) h ^= data[whole + 2]! << 16;
  if (rest >= 2) h ^= data[whole + 1]! << 8;
  if (rest >= 1) { h ^= data[whole]!; h = Math.imul(h, m); }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h | 0;
}

/**
 * kafkajs's default (Java-compatible) partitioner, with a keyed record's partition from `murmur2`
 * above: the same partition for every key, in time linear in its length. Records without a key, or
 * with a partition of their own, are left to kafkajs's.
 */
export const LinearKeyPartitioner: ICustomPartitioner = () => {
  const fallback = Partitioners.DefaultPartitioner();
  return (args) => {
    const { message, partitionMetadata } = args;
    if (message.partition !== undefined && message.partition !== null) return fallback(args);
    if (message.key === undefined || message.key === null) return fallback(args);
    const key = typeof message.key === 'string' ? Buffer.from(message.key) : message.key;
    return (murmur2(key) & 0x7fffffff) % partitionMetadata.length;
  };
};
