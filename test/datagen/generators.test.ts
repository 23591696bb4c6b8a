import { describe, expect, it } from 'vitest';
import { generate, seededRandom } from '../../src/datagen/generators.js';

describe('Datagen quickstart records', () => {
  it('stocktrade values stay in the quickstart ranges and are keyed by symbol', () => {
    const r = seededRandom(7);
    for (let i = 0; i < 2000; i++) {
      const { key, value } = generate('stocktrade', i, r);
      expect(key).toBe(value.symbol);
      expect(['BUY', 'SELL']).toContain(value.side);
      expect(value.quantity).toBeGreaterThanOrEqual(1); expect(value.quantity).toBeLessThanOrEqual(5000);
      expect(value.price).toBeGreaterThanOrEqual(5); expect(value.price).toBeLessThanOrEqual(1000);
      expect(['ZBZX', 'ZJZZT', 'ZTEST', 'ZVV', 'ZVZZT', 'ZWZZT', 'ZXZZT']).toContain(value.symbol);
      expect(['ABC123', 'LMN456', 'XYZ789']).toContain(value.account);
      expect(value.userid).toMatch(/^User_[1-9]$/);
    }
  });

  it('nine users are User_1..User_9, keyed by userid, with regions 1-9', () => {
    const r = seededRandom(1);
    const users = Array.from({ length: 9 }, (_, i) => generate('users', i, r));
    expect(users.map((u) => u.key)).toEqual(Array.from({ length: 9 }, (_, i) => `User_${i + 1}`));
    for (const u of users) {
      expect(u.value.userid).toBe(u.key);
      expect(u.value.regionid).toMatch(/^Region_[1-9]$/);
      expect(u.value.registertime).toBeGreaterThanOrEqual(1487715775521);
      expect(u.value.registertime).toBeLessThanOrEqual(1519273364600);
    }
  });

  it('a seed repeats a run exactly', () => {
    const run = (seed: number) => { const r = seededRandom(seed); return Array.from({ length: 50 }, (_, i) => generate('stocktrade', i, r)); };
    expect(run(42)).toEqual(run(42));
    expect(run(42)).not.toEqual(run(43));
  });

  it('seeds that differ only above their low 32 bits give different runs (clock seeds do)', () => {
    const first = (seed: number) => { const r = seededRandom(seed); return Array.from({ length: 8 }, () => r()); };
    expect(first(1)).not.toEqual(first(2 ** 32 + 1));
    expect(first(1_800_000_000_000)).not.toEqual(first(1_800_000_000_000 + 2 ** 32));
    expect(first(-1)).not.toEqual(first(2 ** 32 - 1));
    expect(first(2 ** 32 + 1)).toEqual(first(2 ** 32 + 1));
  });
});
