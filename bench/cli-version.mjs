// Median wall time of `ksql-migrate --version` against `node -e 0` in the same script: heavy
// modules (the engine, undici, zod) must load only when a command uses them.
// Run: npm run build && node bench/cli-version.mjs
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const RUNS = 9;
const time = (args) => { const t0 = performance.now(); spawnSync(process.execPath, args, { stdio: 'ignore' }); return performance.now() - t0; };
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const floor = [], cli = [];
for (let i = 0; i < RUNS; i++) { floor.push(time(['-e', '0'])); cli.push(time([CLI, '--version'])); }
console.log(`node -e 0: ${median(floor).toFixed(0)} ms; ksql-migrate --version: ${median(cli).toFixed(0)} ms (${(median(cli) / median(floor)).toFixed(2)}x; goal <= 2.5x)`);
