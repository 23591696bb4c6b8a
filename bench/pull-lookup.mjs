// bench/pull-lookup: pull queries by key on a table of 100,000 keys, against the naive way in the
// same process: the same WHERE made unpinnable (`(...) OR FALSE`), so every row of the table is read,
// sorted and filtered, as every pull query was before session 26.
// Run: npm run build && node bench/pull-lookup.mjs [--keys 100000]
import { cpus } from 'node:os';

const DIST = new URL('../dist/', import.meta.url);
const { Engine } = await import(new URL('engine/engine.js', DIST));
const { parseStatement } = await import(new URL('engine/sql/parser.js', DIST));
const { startPullQuery } = await import(new URL('engine/exec/select.js', DIST));
const i = process.argv.indexOf('--keys');
const KEYS = i < 0 ? 100_000 : Number(process.argv[i + 1]);

const e = new Engine();
const ctx = { properties: { 'ksql.streams.auto.offset.reset': 'earliest' }, variables: new Map() };
e.executeStatement("CREATE STREAM M (ID STRING KEY, V INT) WITH (KAFKA_TOPIC='m', VALUE_FORMAT='JSON', PARTITIONS=1);", ctx);
e.executeStatement('CREATE TABLE BT AS SELECT ID, LATEST_BY_OFFSET(V) AS V FROM M GROUP BY ID;', ctx);
for (let k = 0; k < KEYS; k++) {
  e.topics.append('m', { key: Buffer.from(`k${k}`), value: Buffer.from(`{"V":${k}}`), timestamp: k });
  if (k % 10_000 === 0) e.drain();
}
e.drain();

const pull = (sql) => { const s = parseStatement(sql); return startPullQuery(e, s.query).rows; };
function time(n, make) {
  const t0 = performance.now();
  let rows = 0;
  for (let j = 0; j < n; j++) rows += pull(make(j)).length;
  return { ms: (performance.now() - t0) / n, rows };
}
const key = (j) => `k${(j * 7919) % KEYS}`;
const lookups = time(2000, (j) => `SELECT * FROM BT WHERE ID = '${key(j)}';`);
const naive = time(10, (j) => `SELECT * FROM BT WHERE (ID = '${key(j)}') OR FALSE;`);
const inList = time(20, (j) => `SELECT * FROM BT WHERE ID IN (${Array.from({ length: 1000 }, (_v, x) => `'${key(j * 1000 + x)}'`).join(', ')});`);
if (lookups.rows !== 2000 || naive.rows !== 10 || inList.rows !== 20 * 1000) { console.error('a lookup missed its row', lookups.rows, naive.rows, inList.rows); process.exit(1); }
console.log(`pull queries on a table of ${KEYS.toLocaleString('en')} keys, nproc ${cpus().length}, node ${process.version}`);
console.log(`  WHERE ID = 'k'           ${lookups.ms.toFixed(3)} ms per query`);
console.log(`  the same, read by a scan ${naive.ms.toFixed(1)} ms per query (the naive way): ${(naive.ms / lookups.ms).toFixed(0)}x the lookup`);
console.log(`  WHERE ID IN (1,000 keys) ${inList.ms.toFixed(1)} ms per query (${(inList.ms / 1000).toFixed(3)} ms a key)`);
