// Engine throughput on the trade-settlement pipeline, against a JSON floor measured in the same run.
//
// Trades with the Datagen quickstart's value ranges go through the statements of migrations/:
// STOCKTRADE -> USER_TRADES (LEFT JOIN USERS) -> TRADE_SETTLEMENT -> the four per-minute counts.
// The Lambda's settlement rules run as one INSERT INTO ... SELECT in between (the random
// inspection becomes "quantity % 10 < 3", 30% of trades), so every stage runs inside the engine.
// Records are appended to the engine's topics in batches of 250 and drained, as the server does after
// each request; the topics keep `log.retention.bytes` per partition, as a broker would.
//
// The floor is a bare loop over the same trade records: JSON.parse and JSON.stringify each one.
// The scaling check runs the same pipeline with 10x the trades and, separately, 10x the users.
//
// Run: npm run build && node bench/engine-throughput.mjs [--trades 1000000] [--users 9]
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cpus } from 'node:os';
import { DIST, SETTLE, migrationStatements, tradeBatches } from './pipeline.mjs';

const arg = (name, dflt) => { const i = process.argv.indexOf(name); return i < 0 ? dflt : Number(process.argv[i + 1]); };

async function child(trades, users) {
  const { Engine } = await import(new URL('engine/engine.js', DIST));
  const engine = new Engine({ properties: { 'ksql.streams.auto.offset.reset': 'earliest' }, logRetentionBytes: 32 << 10 });
  const ctx = { properties: { 'ksql.streams.auto.offset.reset': 'earliest' }, variables: new Map([['partitions', '6']]) };
  for (const s of await migrationStatements()) engine.executeStatement(s, ctx);
  engine.executeStatement(SETTLE, ctx);
  const heapBefore = settledHeap();
  for (let u = 1; u <= users; u++) {
    engine.topics.append('users', { key: Buffer.from(`User_${u}`), value: Buffer.from(JSON.stringify({ registertime: 1487715775521 + u, regionid: `Region_${(u % 9) + 1}` })), timestamp: 1_600_000_000_000 + u });
    if (u % 1000 === 0) engine.drain(); // the join reads users before retention deletes them
  }
  engine.drain();

  // generating a batch (its records' bytes included) is not timed; appending it and draining the queries is
  const BATCH = 250;
  let engineMs = 0;
  for (const batch of tradeBatches(trades, users, 42, BATCH)) {
    const e0 = performance.now();
    for (const d of batch) engine.topics.append('stocktrade', { key: d.key, value: d.bytes, timestamp: d.ts });
    engine.drain();
    engineMs += performance.now() - e0;
  }
  const heapAfter = settledHeap();

  const counts = {};
  for (const q of engine.queries.values()) if (q.materialized) {
    let total = 0;
    for (const [, row] of q.materialized.entries()) total += row.values[row.values.length - 1];
    counts[q.sinkName] = total;
  }
  // the floor, over the same records: parse and serialize each one, nothing else
  let floorMs = 0, sink = 0;
  for (const batch of tradeBatches(trades, users, 42, BATCH)) {
    const f0 = performance.now();
    for (const d of batch) sink += JSON.stringify(JSON.parse(d.value)).length;
    floorMs += performance.now() - f0;
  }
  const status = readFileSync('/proc/self/status', 'utf8');
  const peakRssMb = Number(status.match(/VmHWM:\s+(\d+)/)[1]) / 1024;
  process.stdout.write(JSON.stringify({ trades, users, engineMs, floorMs, sink, peakRssMb, stateHeapMb: (heapAfter - heapBefore) / 2 ** 20, counts }) + '\n');
}

function settledHeap() {
  globalThis.gc?.(); globalThis.gc?.();
  return process.memoryUsage().heapUsed;
}

function run(trades, users) {
  const r = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--child', '--trades', String(trades), '--users', String(users)], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

if (process.argv.includes('--child')) {
  await child(arg('--trades', 1_000_000), arg('--users', 9));
} else {
  const trades = arg('--trades', 1_000_000), users = arg('--users', 9);
  // the median of three runs, each in a fresh process
  const runs = [run(trades, users), run(trades, users), run(trades, users)].sort((a, b) => a.engineMs - b.engineMs);
  const main = runs[1];
  const perSec = (n, ms) => Math.round(n / (ms / 1000));
  const settled = Object.values(main.counts).reduce((a, b) => a + b, 0);
  console.log(`pipeline: ${trades} trades, ${users} users, nproc ${cpus().length}, node ${process.version}`);
  console.log(`  engine  ${perSec(trades, main.engineMs).toLocaleString('en')} trades/s (${(main.engineMs / 1000).toFixed(2)} s; median of ${runs.map((r) => (r.engineMs / 1000).toFixed(2)).join(', ')} s)`);
  console.log(`  floor   ${perSec(trades, main.floorMs).toLocaleString('en')} records/s (JSON.parse + JSON.stringify of each trade)`);
  console.log(`  ratio   ${(main.engineMs / main.floorMs).toFixed(2)}x the floor`);
  console.log(`  peak RSS ${Math.max(...runs.map((r) => r.peakRssMb)).toFixed(0)} MB (highest of the three); per-minute counts add up to ${settled} of ${trades} trades`);
  if (runs.some((r) => Object.values(r.counts).reduce((a, b) => a + b, 0) !== trades)) { console.error('the per-minute counts do not add up to the trades'); process.exit(1); }

  const small = run(trades / 10, users);
  console.log(`scaling, records: ${trades / 10} -> ${trades} trades took ${(main.engineMs / small.engineMs).toFixed(2)}x the time (ideal 10x)`);
  // memory that grows linearly with keys: going from 100,000 to 1,000,000 users adds 10x what going from 10,000 to 100,000 added
  const [k1, k2, k3] = [10_000, 100_000, 1_000_000].map((u) => run(trades / 10, u));
  const d1 = k2.stateHeapMb - k1.stateHeapMb, d2 = k3.stateHeapMb - k2.stateHeapMb;
  console.log(`scaling, keys: state heap at 10,000 / 100,000 / 1,000,000 users: ${[k1, k2, k3].map((k) => k.stateHeapMb.toFixed(1)).join(' / ')} MB; growth ${d1.toFixed(1)} MB then ${d2.toFixed(1)} MB, ${(d2 / d1).toFixed(2)}x (linear: 10x); peak RSS ${[k1, k2, k3].map((k) => k.peakRssMb.toFixed(0)).join(' / ')} MB`);
}
