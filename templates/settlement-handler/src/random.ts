import { seededRandom } from './rules.js';

/**
 * The randomness of the 30% inspection. In production it is Math.random. INSPECTION_SEED (a
 * number) makes it a seeded generator instead, so a local run or a test can be repeated exactly;
 * it is not a secret and is never set in a deployed function.
 */
export function inspectionRandom(env: Record<string, string | undefined> = process.env): () => number {
  const seed = env.INSPECTION_SEED;
  if (seed === undefined || seed === '') return Math.random;
  if (!/^-?\d+$/.test(seed)) throw new Error('INSPECTION_SEED must be an integer');
  return seededRandom(Number(seed));
}
