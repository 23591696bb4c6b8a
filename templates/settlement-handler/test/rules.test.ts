import { describe, expect, it } from 'vitest';
import { NO_USER, seededRandom, settle, type Trade } from '../src/rules.js';

const NOW = 1_700_000_000_000;
const trade = (over: Partial<Trade>): Trade => ({ user: 'User_1', symbol: 'ZVV', quantity: 10, price: 500, ...over });

describe('settle', () => {
  it.each([
    { name: 'no user is rejected, whatever the amount', trade: trade({ user: NO_USER, quantity: 5000, price: 1000 }), random: 0, disposition: 'Rejected', reason: 'No user account specified' },
    { name: 'above 100000 is pending', trade: trade({ quantity: 1001, price: 100 }), random: 0, disposition: 'Pending', reason: 'Large trade' },
    { name: 'exactly 100000 is not large', trade: trade({ quantity: 1000, price: 100 }), random: 0.99, disposition: 'Completed', reason: 'Within same day limit' },
    { name: 'an inspection draw below 0.3 flags it', trade: trade({}), random: 0.2999, disposition: 'SEC Flagged', reason: 'This trade looks sus' },
    { name: 'a draw of 0.3 or more completes it', trade: trade({}), random: 0.3, disposition: 'Completed', reason: 'Within same day limit' },
  ])('$name', ({ trade: t, random, disposition, reason }) => {
    expect(settle(t, { random: () => random, now: () => NOW })).toEqual({
      user: t.user, symbol: t.symbol, amount: t.quantity * t.price, disposition, reason, timestamp: NOW,
    });
  });

  it('draws randomness only for trades that reach the inspection', () => {
    let draws = 0;
    const inputs = { random: () => { draws++; return 0.5; }, now: () => NOW };
    settle(trade({ user: NO_USER }), inputs);
    settle(trade({ quantity: 5000, price: 1000 }), inputs);
    expect(draws).toBe(0);
    settle(trade({}), inputs);
    expect(draws).toBe(1);
  });

  it('gives the seed\'s mix over the Datagen ranges, reproducibly for a seed', () => {
    const run = (seed: number) => {
      const pick = seededRandom(seed);
      const draws = seededRandom(seed + 1);
      const counts: Record<string, number> = {};
      for (let i = 0; i < 20_000; i++) {
        const t = trade({ quantity: 1 + Math.floor(pick() * 5000), price: 5 + Math.floor(pick() * 996) });
        const d = settle(t, { random: draws, now: () => NOW }).disposition;
        counts[d] = (counts[d] ?? 0) + 1;
      }
      return counts;
    };
    const counts = run(7);
    expect(run(7)).toEqual(counts);
    // README of the seed: about 91% Pending, 3% SEC Flagged, 7% Completed
    expect((counts.Pending ?? 0) / 20_000).toBeCloseTo(0.91, 1);
    expect((counts['SEC Flagged'] ?? 0) / 20_000).toBeCloseTo(0.03, 1);
    expect((counts.Completed ?? 0) / 20_000).toBeCloseTo(0.07, 1);
    expect(counts.Rejected).toBeUndefined();
  });
});
