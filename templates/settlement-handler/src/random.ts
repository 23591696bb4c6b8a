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

/** mulberry32: a small seedable generator, uniform in [0, 1). */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
