import type { KsqlClient } from '../client/client.js';

export const DISPOSITION_TABLES = [
  ['Completed', 'COMPLETED_PER_MINUTE', 'NUM_COMPLETED'],
  ['Pending', 'PENDING_PER_MINUTE', 'NUM_PENDING'],
  ['SEC Flagged', 'FLAGGED_PER_MINUTE', 'NUM_FLAGGED'],
  ['Rejected', 'REJECTED_PER_MINUTE', 'NUM_REJECTED'],
] as const;

/** One row per symbol and minute: how many settlements of each disposition. */
export interface MinuteCounts { symbol: string; windowStart: number; counts: Record<string, number> }

/** Reads the four per-minute tables with pull queries and lines them up by symbol and minute. */
export async function readMinuteCounts(client: KsqlClient): Promise<MinuteCounts[]> {
  const rows = new Map<string, MinuteCounts>();
  for (const [disposition, table, column] of DISPOSITION_TABLES) {
    const r = await client.query(`SELECT SYMBOL, WINDOWSTART, ${column} FROM ${table};`);
    for (const [symbol, start, n] of r.rows as [string, number, number][]) {
      const k = `${symbol}@${start}`;
      const row = rows.get(k) ?? { symbol, windowStart: start, counts: {} };
      row.counts[disposition] = (row.counts[disposition] ?? 0) + Number(n);
      rows.set(k, row);
    }
  }
  return [...rows.values()].sort((a, b) => a.windowStart - b.windowStart || a.symbol.localeCompare(b.symbol));
}

/** The counts as a fixed-width table, one line per symbol and minute, with a total line. */
export function formatMinuteCounts(rows: MinuteCounts[]): string {
  const heads = ['Minute (UTC)', 'Symbol', ...DISPOSITION_TABLES.map(([d]) => d)];
  const lines = rows.map((r) => [new Date(r.windowStart).toISOString().slice(11, 16), r.symbol, ...DISPOSITION_TABLES.map(([d]) => String(r.counts[d] ?? 0))]);
  const totals = DISPOSITION_TABLES.map(([d]) => String(rows.reduce((n, r) => n + (r.counts[d] ?? 0), 0)));
  const all = [heads, ...lines, ['total', '', ...totals]];
  const widths = heads.map((_h, i) => Math.max(...all.map((l) => l[i]!.length)));
  return all.map((l) => l.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ')).join('\n');
}

export const settledTotal = (rows: MinuteCounts[]) => rows.reduce((n, r) => n + Object.values(r.counts).reduce((a, b) => a + b, 0), 0);
