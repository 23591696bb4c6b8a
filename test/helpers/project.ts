import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect } from 'vitest';
import { CLI, startServerProcess, type Running } from './server.js';

export interface Project {
  dir: string; stream: string; table: string;
  run: (...args: string[]) => { status: number | null; stdout: string; stderr: string };
}

/** A project against `url` whose history uses names of its own, so tests never share metadata. */
export function project(url: string, lock: { leaseSeconds?: number; waitSeconds?: number } = {}): Project {
  const dir = mkdtempSync(join(tmpdir(), 'ksqlm-cli-'));
  // a letter first: an id of digits only would read as the query number tests mask as _N
  const id = `P${randomBytes(4).toString('hex').toUpperCase()}`;
  const stream = `EVENTS_${id}`, table = `VERSIONS_${id}`;
  const run = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  expect(run('init', '.').status).toBe(0);
  writeFileSync(join(dir, 'ksql-migrate.yaml'), `server:\n  url: ${url}\nmetadata:\n  stream: ${stream}\n  table: ${table}\n  streamTopic: ${stream.toLowerCase()}\n  tableTopic: ${table.toLowerCase()}\nlock:\n${Object.entries({ waitSeconds: 30, ...lock }).map(([k, v]) => `  ${k}: ${v}\n`).join('')}properties:\n  ksql.streams.auto.offset.reset: earliest\n`);
  return { dir, stream, table, run };
}

export const sql = (dir: string, name: string, text: string) => writeFileSync(join(dir, 'migrations', name), text);

/** V1 and V3 applied, then V2 out of order (its previous is 3): files of a comment each. */
export function appliedOutOfOrder(p: Project): void {
  sql(p.dir, 'V000001__one.sql', '-- one\n');
  sql(p.dir, 'V000003__three.sql', '-- three\n');
  expect(p.run('up').status).toBe(0);
  sql(p.dir, 'V000002__two.sql', '-- two\n');
  expect(p.run('up', '--allow-out-of-order').status).toBe(0);
}

/**
 * The server a suite runs against: a local server process of its own, or the real ksqlDB at
 * KSQLDB_URL. Registers the suite's beforeAll and afterAll; the URL is known once they have run.
 */
export function suiteServer(): () => string {
  let server: Running | undefined;
  let url = '';
  beforeAll(async () => {
    if (process.env.KSQLDB_URL) url = process.env.KSQLDB_URL;
    else { server = await startServerProcess(); url = server.url; }
  });
  afterAll(async () => { await server?.stop(); });
  return () => url;
}

/**
 * What `read` gives once it equals `want`, or what it gives at the deadline (for the assertion that
 * follows to show). A real ksqlDB's tables are filled by a running query, so a pull query on one
 * lags the write it follows; the local server answers at once.
 */
export async function eventually<T>(read: () => Promise<T>, want: T, ms = 20_000): Promise<T> {
  const same = (x: T) => JSON.stringify(x) === JSON.stringify(want);
  let got = await read();
  for (const deadline = Date.now() + ms; !same(got) && Date.now() < deadline; got = await read()) await new Promise((r) => setTimeout(r, 50));
  return got;
}
