// Time from spawning `ksql-migrate server` to its first healthy /healthcheck, and its idle RSS,
// against the floor of spawning `node -e 0` in the same script. Run: npm run build && node bench/server-startup.mjs
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { freePort } from './lib.mjs';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const RUNS = 7;
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function nodeFloor() {
  const t0 = performance.now();
  await new Promise((r) => spawn(process.execPath, ['-e', '0']).once('exit', r));
  return performance.now() - t0;
}

async function serverStart() {
  const port = await freePort();
  const t0 = performance.now();
  const p = spawn(process.execPath, [CLI, 'server', '--port', String(port)], { stdio: 'ignore' });
  for (;;) {
    try { if ((await fetch(`http://127.0.0.1:${port}/healthcheck`)).ok) break; } catch { /* not yet */ }
    await new Promise((r) => setTimeout(r, 2));
  }
  const ms = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 500));
  const rss = Number(readFileSync(`/proc/${p.pid}/status`, 'utf8').match(/VmRSS:\s+(\d+)/)[1]) / 1024;
  p.kill();
  await new Promise((r) => p.once('exit', r));
  return { ms, rss };
}

const floor = [], start = [], rss = [];
for (let i = 0; i < RUNS; i++) {
  floor.push(await nodeFloor());
  const s = await serverStart();
  start.push(s.ms); rss.push(s.rss);
}
console.log(`node -e 0: ${median(floor).toFixed(0)} ms; server healthy after ${median(start).toFixed(0)} ms (${(median(start) / median(floor)).toFixed(2)}x the floor); idle RSS ${median(rss).toFixed(1)} MB`);
