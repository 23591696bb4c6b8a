// bench/apply: 200 generated migrations of 3 statements each, applied by the built CLI to the local
// server through a proxy that adds 20 ms to every request. Reports requests per migration and wall
// time against the latency floor (requests x 20 ms), for `up` and for `status`.
// Run: npm run build && node bench/apply.mjs
import http from 'node:http';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const { startLocalServer } = await import(new URL('../dist/engine/rest/server.js', import.meta.url).href);
const MIGRATIONS = Number(process.env.MIGRATIONS ?? 200), LATENCY = 20;

const server = await startLocalServer({ port: 0 });
let posts = 0;
const proxy = http.createServer((req, res) => {
  if (req.method === 'POST') posts++;
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => setTimeout(() => {
    const up = http.request(`${server.url}${req.url}`, { method: req.method, headers: req.headers }, (r) => { res.writeHead(r.statusCode, r.headers); r.pipe(res); });
    up.end(Buffer.concat(chunks));
  }, LATENCY));
});
await new Promise((r) => proxy.listen(0, '127.0.0.1', r));
const url = `http://127.0.0.1:${proxy.address().port}`;

const dir = mkdtempSync(join(tmpdir(), 'ksqlm-bench-'));
mkdirSync(join(dir, 'migrations'));
writeFileSync(join(dir, 'ksql-migrate.yaml'), `server:\n  url: ${url}\nmetadata:\n  streamTopic: bench_events\n  tableTopic: bench_versions\n`);
for (let i = 1; i <= MIGRATIONS; i++) {
  writeFileSync(join(dir, 'migrations', `V${String(i).padStart(6, '0')}__m${i}.sql`),
    `CREATE STREAM S${i} (id STRING KEY, v INT) WITH (KAFKA_TOPIC='s${i}', VALUE_FORMAT='JSON', PARTITIONS=1);\n`
    + `CREATE STREAM D${i} AS SELECT id, v * 2 AS w FROM S${i};\n`
    + `INSERT INTO S${i} (id, v) VALUES ('a', ${i});\n`);
}

function run(args) {
  return new Promise((resolve, reject) => {
    posts = 0;
    const t0 = performance.now();
    const c = spawn(process.execPath, [CLI, ...args], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    c.stderr.on('data', (d) => { err += d; });
    c.on('exit', (code) => (code === 0 ? resolve({ ms: performance.now() - t0, posts }) : reject(new Error(err))));
  });
}

const node0 = await new Promise((resolve) => { const t0 = performance.now(); spawn(process.execPath, ['-e', '0']).on('exit', () => resolve(performance.now() - t0)); });
const up = await run(['up', '--quiet']);
const status = await run(['status', '--json']);
const line = (name, r, n) => `${name}: ${r.posts} POST requests (${(r.posts / n).toFixed(2)} per migration), ${r.ms.toFixed(0)} ms wall, latency floor ${r.posts * LATENCY} ms, ${(r.ms / (r.posts * LATENCY)).toFixed(2)}x the floor`;
console.log(`${MIGRATIONS} migrations x 3 statements, ${LATENCY} ms added per request; node start-up ${node0.toFixed(0)} ms`);
console.log(line('up', up, MIGRATIONS));
console.log(line('status', status, MIGRATIONS));
console.log(`Confluent's tool, by its design: ${MIGRATIONS * (4 + 3)} requests (4 history writes + 3 statements per migration) plus >= 1 s of table polling per version`);
proxy.close(); await server.close();
