// What the pipeline benchmarks share: the trades they generate, the statements of migrations/ and
// the settlement rules as one INSERT INTO ... SELECT (the Lambda's random inspection becomes
// "quantity % 10 < 3", 30% of trades), so every stage runs inside the engine.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const DIST = new URL('../dist/', import.meta.url);
const MIGRATIONS = fileURLToPath(new URL('../migrations/', import.meta.url));
const SYMBOLS = ['ZBZX', 'ZJZZT', 'ZTEST', 'ZVV', 'ZVZZT', 'ZWZZT', 'ZXZZT'];
const ACCOUNTS = ['ABC123', 'LMN456', 'XYZ789'];
const { seededRandom } = await import(new URL('datagen/generators.js', DIST));

export const SETTLE = `INSERT INTO TRADE_SETTLEMENT
  SELECT USERID AS user, SYMBOL, CAST(QUANTITY * PRICE AS DOUBLE) AS amount,
    CASE WHEN USERID IS NULL THEN 'Rejected' WHEN QUANTITY * PRICE > 100000 THEN 'Pending'
         WHEN QUANTITY % 10 < 3 THEN 'SEC Flagged' ELSE 'Completed' END AS disposition,
    CASE WHEN USERID IS NULL THEN 'No user account specified' WHEN QUANTITY * PRICE > 100000 THEN 'Large trade'
         WHEN QUANTITY % 10 < 3 THEN 'This trade looks sus' ELSE 'Within same day limit' END AS reason,
    ROWTIME AS timestamp
  FROM USER_TRADES PARTITION BY NULL;`;

/** The statements of migrations/, in order (0 STOCKTRADE, 1 USERS, 2 USER_TRADES, 3 TRADE_SETTLEMENT, 4-7 the counts). */
export async function migrationStatements() {
  const { splitStatements } = await import(new URL('sql/split.js', DIST));
  return readdirSync(MIGRATIONS).filter((f) => f.endsWith('.sql')).sort()
    .flatMap((f) => splitStatements(readFileSync(MIGRATIONS + f, 'utf8')).map((s) => s.text));
}

/**
 * Trades in batches with the Datagen quickstart's ranges, from the project's own seeded generator
 * (mulberry32), so every run sees the same records; event time 2 ms apart, so a million trades
 * span about 33 minutes. Each record as a producer hands it over (bytes) and as the floor reads it (text).
 */
export function* tradeBatches(n, users, seed, batch) {
  const r = seededRandom(seed);
  const int = (lo, hi) => lo + Math.floor(r() * (hi - lo + 1));
  const t0 = 1_700_000_000_000;
  for (let i = 0; i < n; i += batch) {
    const out = [];
    for (let j = i; j < Math.min(n, i + batch); j++) {
      const symbol = SYMBOLS[int(0, 6)];
      const value = JSON.stringify({ side: r() < 0.5 ? 'BUY' : 'SELL', quantity: int(1, 5000), symbol, price: int(5, 1000), account: ACCOUNTS[int(0, 2)], userid: `User_${int(1, users)}` });
      out.push({ key: Buffer.from(symbol), ts: t0 + 2 * j, bytes: Buffer.from(value), value });
    }
    yield out;
  }
}
