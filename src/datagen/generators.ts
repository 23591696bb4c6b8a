/**
 * Records with the value ranges and keys of Confluent's Datagen quickstarts `stock_trades` and
 * `users`, from a seeded generator so a run can be repeated exactly.
 */
export interface GeneratedRecord { key: string; value: Record<string, unknown> }

export type DatagenKind = 'stocktrade' | 'users';

const SYMBOLS = ['ZBZX', 'ZJZZT', 'ZTEST', 'ZVV', 'ZVZZT', 'ZWZZT', 'ZXZZT'];
const ACCOUNTS = ['ABC123', 'LMN456', 'XYZ789'];
const GENDERS = ['MALE', 'FEMALE', 'OTHER'];

/**
 * mulberry32: small, fast and seedable; not for anything secret. Its state is 32 bits; a seed's bits
 * above those are folded in, so seeds that differ only there (such as clock times) differ in their runs.
 */
export function seededRandom(seed: number): () => number {
  // a safe integer's bits above 32 are at most 21 (and a sign), so they fit an int32
  const high = Math.floor(seed / 4294967296) | 0;
  let a = (seed >>> 0) ^ Math.imul(high, 0x9e3779b1);
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(r: () => number, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
const between = (r: () => number, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1));

/** The i-th record (0-based) of a kind. Users go User_1..User_9 in turn, so nine cover them all. */
export function generate(kind: DatagenKind, i: number, r: () => number): GeneratedRecord {
  if (kind === 'users') {
    const n = (i % 9) + 1;
    return {
      key: `User_${n}`,
      value: { registertime: between(r, 1487715775521, 1519273364600), userid: `User_${n}`, regionid: `Region_${between(r, 1, 9)}`, gender: pick(r, GENDERS) },
    };
  }
  const symbol = pick(r, SYMBOLS);
  return {
    key: symbol,
    value: { side: pick(r, ['BUY', 'SELL']), quantity: between(r, 1, 5000), symbol, price: between(r, 5, 1000), account: pick(r, ACCOUNTS), userid: `User_${between(r, 1, 9)}` },
  };
}
