/**
 * The settlement rules of the seed application, pure: randomness and the clock are injected so a
 * test (or a replay) can pin them down.
 */

/** One joined trade from `user_trades`, as the rules need it. */
export interface Trade {
  /** The record key (the userid), or NO_USER when the record had none. */
  user: string;
  symbol: string;
  quantity: number;
  /** In pennies, as Datagen's stock_trades quickstart produces it. */
  price: number;
}

export type Disposition = 'Rejected' | 'Pending' | 'SEC Flagged' | 'Completed';

/** The TradeSettlement message (see trade-settlement.ts for its Protobuf schema). */
export interface TradeSettlement {
  user: string;
  symbol: string;
  amount: number;
  disposition: Disposition;
  reason: string;
  /** Settlement time, epoch ms; ksqlDB's per-minute windows run on it. */
  timestamp: number;
}

export interface RuleInputs {
  /** Uniform in [0, 1), like Math.random. */
  random: () => number;
  /** Epoch ms, like Date.now. */
  now: () => number;
}

export const NO_USER = 'NO USER';
/** Trades above this amount wait for manual approval. */
export const LARGE_TRADE_AMOUNT = 100_000;
/** Share of the remaining trades picked for inspection. */
export const INSPECTION_RATE = 0.3;

/** First rule that matches wins, in the seed's order. */
export function settle(trade: Trade, inputs: RuleInputs): TradeSettlement {
  const amount = trade.quantity * trade.price;
  const settled = (disposition: Disposition, reason: string): TradeSettlement =>
    ({ user: trade.user, symbol: trade.symbol, amount, disposition, reason, timestamp: inputs.now() });
  if (trade.user === NO_USER) return settled('Rejected', 'No user account specified');
  if (amount > LARGE_TRADE_AMOUNT) return settled('Pending', 'Large trade');
  // randomness is drawn only when a trade reaches the inspection, as in the seed
  if (inputs.random() < INSPECTION_RATE) return settled('SEC Flagged', 'This trade looks sus');
  return settled('Completed', 'Within same day limit');
}

/** A small seeded generator (mulberry32) for tests and reproducible local runs. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
