// The engine's cost per stage of the trade-settlement pipeline: the pipeline of engine-throughput.mjs
// built up a stage at a time, each run in a fresh process, so a stage's cost is the difference
// from the run before it. Stages: 0 the STOCKTRADE and USERS sources only (appending and packing
// the trades), 1 + USER_TRADES (the join), 2 + TRADE_SETTLEMENT and the settlement query, 3 + the
// PENDING count (which counts 90% of trades), 4 + the other three counts.
//
// Run: npm run build && node bench/engine-stages.mjs [--trades 300000] [--rounds 3] (the median of the rounds)
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cpus } from 'node:os';
import { DIST, SETTLE, migrationStatements, tradeBatches } from './pipeline.mjs';

const arg = (name, dflt) => { const i = process.argv.indexOf(name); return i < 0 ? dflt : Number(process.argv[i + 1]); };

async function child(stage, trades) {
  const { Engine } = await import(new URL('engine/engine.js', DIST));
  const statements = await migrationStatements();
  // migrations/: 0 STOCKTRADE, 1 USERS, 2 USER_TRADES, 3 TRADE_SETTLEMENT, 4-7 the four counts (PENDING is 5)
  const plan = [[0, 1], [0, 1, 2], [0, 1, 2, 3, 'settle'], [0, 1, 2, 3, 'settle', 5], [0, 1, 2, 3, 'settle', 4, 5, 6, 7]][stage];
  const properties = { 'ksql.streams.auto.offset.reset': 'earliest' };
  const engine = new Engine({ properties, logRetentionBytes: 32 << 10 });
  const ctx = { properties, variables: new Map([['partitions', '6']]) };
  for (const s of plan) engine.executeStatement(s === 'settle' ? SETTLE : statements[s], ctx);
  for (let u = 1; u <= 9; u++) engine.topics.append('users', { key: Buffer.from(`User_${u}`), value: Buffer.from(JSON.stringify({ registertime: 1487715775521 + u, regionid: `Region_${(u % 9) + 1}` })), timestamp: 1_600_000_000_000 + u });
  engine.drain();
  // a batch is made untimed; appending it and draining the queries is timed
  let ms = 0;
  for (const batch of tradeBatches(trades, 9, 42, 250)) {
    const t0 = performance.now();
    for (const d of batch) engine.topics.append('stocktrade', { key: d.key, value: d.bytes, timestamp: d.ts });
    engine.drain();
    ms += performance.now() - t0;
  }
  process.stdout.write(JSON.stringify({ stage, usPerTrade: (ms * 1000) / trades }) + '\n');
}

if (process.argv.includes('--child')) {
  await child(arg('--stage', 0), arg('--trades', 300_000));
} else {
  const trades = arg('--trades', 300_000), rounds = arg('--rounds', 3);
  const NAMES = ['sources (append and pack the trades)', '+ USER_TRADES (the join)', '+ the settlement query', '+ the PENDING count', '+ the other three counts'];
  const runs = NAMES.map(() => []);
  // rounds of every stage in turn, so a change in the machine's speed touches every stage alike
  for (let k = 0; k < rounds; k++) {
    for (let stage = 0; stage < NAMES.length; stage++) {
      const p = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), '--child', '--stage', String(stage), '--trades', String(trades)], { encoding: 'utf8' });
      if (p.status !== 0) throw new Error(p.stderr);
      runs[stage].push(JSON.parse(p.stdout.trim().split('\n').pop()).usPerTrade);
    }
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
  console.log(`pipeline by stage: ${trades} trades, ${rounds} rounds, nproc ${cpus().length}, node ${process.version}`);
  let before = 0;
  NAMES.forEach((name, stage) => {
    const m = median(runs[stage]);
    console.log(`  ${name.padEnd(40)} ${m.toFixed(2)} us a trade (${stage === 0 ? 'itself' : `+${(m - before).toFixed(2)}`}; runs ${runs[stage].map((x) => x.toFixed(2)).join(', ')})`);
    before = m;
  });
}
