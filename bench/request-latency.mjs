// Per-request latency of the local server over HTTP/2 cleartext (h2c, as ksqlDB's Java client and
// /query-stream users connect) against HTTP/1.1 keep-alive, in the same process: one request at a
// time on one connection, so each waits for the previous answer. The floor is HTTP/1.1's.
// Run: npm run build && node bench/request-latency.mjs [--requests 500]
import http from 'node:http';
import http2 from 'node:http2';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cpus } from 'node:os';
import { freePort } from './lib.mjs';

const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const i = process.argv.indexOf('--requests');
const N = i < 0 ? 500 : Number(process.argv[i + 1]);

const port = await freePort();
const server = spawn(process.execPath, [CLI, 'server', '--port', String(port), '--no-kafka', '--no-schema-registry'], { stdio: 'ignore' });
for (;;) {
  try { if ((await fetch(`http://127.0.0.1:${port}/healthcheck`)).ok) break; } catch { /* not yet */ }
  await new Promise((r) => setTimeout(r, 5));
}
const body = JSON.stringify({ ksql: 'SHOW STREAMS;' });
const session = http2.connect(`http://127.0.0.1:${port}`);
const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
const h2 = () => new Promise((resolve, reject) => {
  const s = session.request({ ':method': 'POST', ':path': '/ksql', 'content-type': 'application/json' });
  s.on('data', () => undefined); s.on('end', resolve); s.on('error', reject); s.end(body);
});
const h1 = () => new Promise((resolve) => {
  const r = http.request({ host: '127.0.0.1', port, path: '/ksql', method: 'POST', agent, headers: { 'content-type': 'application/json' } }, (res) => { res.on('data', () => undefined); res.on('end', resolve); });
  r.end(body);
});
async function perRequest(send) {
  for (let j = 0; j < 20; j++) await send(); // warm-up
  const t0 = performance.now();
  for (let j = 0; j < N; j++) await send();
  return (performance.now() - t0) / N;
}
const floor = await perRequest(h1);
const over2 = await perRequest(h2);
console.log(`POST /ksql SHOW STREAMS, ${N} requests one after another; nproc ${cpus().length}, node ${process.version}`);
console.log(`  HTTP/1.1 keep-alive (floor) ${floor.toFixed(2)} ms/request`);
console.log(`  HTTP/2 cleartext            ${over2.toFixed(2)} ms/request (${(over2 / floor).toFixed(2)}x the floor)`);
session.close(); agent.destroy(); server.kill();
