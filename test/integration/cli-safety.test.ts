import { describe, expect, it, onTestFinished } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { createServer, request as httpRequest } from 'node:http';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createHash } from 'node:crypto';
import { basename, join } from 'node:path';
import { CLI, freePort, ksql, queryStream, startServerProcess } from '../helpers/server.js';
import { appliedOutOfOrder, eventually, project as makeProject, sql, suiteServer } from '../helpers/project.js';
import { startDelayProxy } from '../helpers/proxy.js';

/** Where a project's ksql-migrate.yaml sets metadata.<key>, as an error names it: `file:line: `. */
const settingLine = (yaml: string, key: string) => `${yaml}:${readFileSync(yaml, 'utf8').split('\n').findIndex((l) => l.startsWith(`  ${key}: `)) + 1}: `;

// Cases a careful user meets beyond the happy path: flags that must reach their command, names that
// must not become SQL, the lock held through a long run, secrets kept out of output. The suite runs
// against the local server, or against a real ksqlDB when KSQLDB_URL is set.
const target = suiteServer();

const project = (lock: { leaseSeconds?: number; waitSeconds?: number } = {}) => makeProject(target(), lock);
const stream = (name: string, topic: string) => `CREATE STREAM ${name} (id STRING KEY, v INT) WITH (KAFKA_TOPIC='${topic}', VALUE_FORMAT='JSON', PARTITIONS=1);\n`;
/** A fresh lock claim written by another run, after creating the history. */
const claimLock = async (p: ReturnType<typeof project>, holder: string) => {
  expect(p.run('metadata', 'init').status).toBe(0);
  const claim = await ksql(target(), `INSERT INTO ${p.stream} (version_key, version, name, state, checksum, started_on, completed_on, previous, error_reason) VALUES ('KSQL_MIGRATE_LOCK', '${holder}', 'ksql-migrate lock', 'LOCKED', '', '${Date.now()}', '', '', 'N/A');`);
  expect(claim.status).toBe(200);
};
const versions = async (events: string) => {
  const r = await queryStream(target(), `SELECT VERSION_KEY, STATE, STARTED_ON, COMPLETED_ON FROM ${events};`);
  return r.rows as string[][];
};

/** The CLI run without blocking this process (whose proxies must go on serving it): its exit code and output. */
async function runAsync(args: string[], cwd: string): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const c = spawn(process.execPath, [CLI, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '', stderr = '';
  c.stdout!.on('data', (d) => { stdout += d; });
  c.stderr!.on('data', (d) => { stderr += d; });
  const status = await new Promise<number | null>((r) => c.on('exit', r));
  return { status, stdout, stderr };
}

/**
 * An HTTP proxy to the suite's server that forwards every request, but drops the client's connection
 * instead of answering one whose body `cut` picks (it ran on the server; its client never hears), or
 * gives it `answer` instead of the server's.
 */
async function cuttingProxy(cut: (body: Buffer) => boolean, answer?: { status: number; body: unknown }): Promise<{ url: string; close: () => void }> {
  const upstream = new URL(target());
  const proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const fwd = httpRequest({ host: upstream.hostname, port: upstream.port, path: req.url, method: req.method, headers: req.headers }, (r) => {
        const out: Buffer[] = [];
        r.on('data', (c: Buffer) => out.push(c));
        r.on('end', () => {
          if (cut(body)) {
            if (answer) { res.writeHead(answer.status, { 'content-type': 'application/json' }); res.end(JSON.stringify(answer.body)); } else req.socket.destroy();
            return;
          }
          res.writeHead(r.statusCode ?? 502, r.headers); res.end(Buffer.concat(out));
        });
      });
      fwd.end(body);
    });
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(proxy.address() as { port: number }).port}`, close: () => proxy.close() };
}

describe('flags reach their command', () => {
  it('`up --version N` and `create --version N` are the commands\' own flags, not the tool\'s version', async () => {
    const p = project();
    for (let i = 1; i <= 3; i++) sql(p.dir, `V00000${i}__v${i}.sql`, stream(`V${i}_${p.stream}`, `v${i}_${p.stream.toLowerCase()}`));
    // applying V2 alone would leave V1 behind it for good: refused, unless asked for
    const skips = p.run('up', '--version', '2');
    expect([skips.status, skips.stderr.trim()]).toEqual([1, expect.stringContaining('--version 2 would leave V000001 behind it unapplied: apply that first (--to 2), or use --allow-out-of-order')]);
    const up = p.run('up', '--version', '2', '--allow-out-of-order');
    expect(up.stderr).toBe('');
    expect(up.status).toBe(0);
    expect(up.stdout).toMatch(/applied V000002 v2/);
    const rows = await versions(p.stream);
    expect(rows.filter((r) => r[0] !== 'CURRENT' && r[1] === 'MIGRATED').map((r) => r[0])).toEqual(['2']);
    for (const bad of ['1e3', '0x2', '0', '1000000']) {
      const r = p.run('up', '--to', bad);
      expect([r.status, r.stderr.trim()]).toEqual([2, `error: --to: expected a version number (1 to 999999), got '${bad}'`]);
      // create and repair read --version the same way
      for (const cmd of [['create', 'x'], ['repair', '--update-checksums']]) {
        const c = p.run(...cmd, '--version', bad);
        expect([c.status, c.stderr.trim()]).toEqual([2, `error: --version: expected a version number (1 to 999999), got '${bad}'`]);
      }
    }
    // down --to takes 0 (undo every version), and says so when refusing
    for (const bad of ['-1', 'abc', '1000000']) expect(p.run('down', '--to', bad).stderr.trim()).toBe(`error: --to: expected a version number (0 to 999999), got '${bad}'`);
    const created = p.run('create', 'later', '--version', '7');
    expect(created.status).toBe(0);
    expect(existsSync(join(p.dir, 'migrations', 'V000007__later.sql'))).toBe(true);
    // the tool's own version flag still works before a command
    expect(p.run('--version').stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});

describe('the lock holds for the whole run', () => {
  it('a run longer than the lease renews it: a second run waits instead of applying alongside', async () => {
    // a lease of 2 s, and every request 300 ms late: applying 6 versions takes well over a lease
    // (a lease of 1 s left too little room for a renewal on a loaded machine; a real ksqlDB's pull
    // queries take longer than the local server's, so there the lease is 10 s)
    const p = project({ leaseSeconds: process.env.KSQLDB_URL ? 10 : 2, waitSeconds: 60 });
    for (let i = 1; i <= 6; i++) sql(p.dir, `V00000${i}__l${i}.sql`, stream(`L${i}_${p.stream}`, `l${i}_${p.stream.toLowerCase()}`));
    const proxy = await startDelayProxy(target(), 300);
    try {
      const start = () => {
        const c = spawn(process.execPath, [CLI, 'up', '--server', proxy.url], { cwd: p.dir, stdio: ['ignore', 'pipe', 'pipe'] });
        let out = '';
        c.stdout!.on('data', (d) => { out += d; });
        c.stderr!.on('data', (d) => { out += d; });
        return { c, out: () => out, exit: new Promise<number | null>((r) => c.on('exit', r)) };
      };
      const first = start();
      // the second run starts once the first is applying, and must wait for it
      for (const deadline = Date.now() + 30_000; !/applied V000001/.test(first.out()) && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 20));
      const second = start();
      expect(await first.exit).toBe(0);
      expect(await second.exit).toBe(0);
      expect(second.out()).toMatch(/waiting for the lock/);
      expect(second.out()).toMatch(/nothing to apply/);
      const rows = await versions(p.stream);
      expect(rows.some((r) => r[1] === 'ERROR')).toBe(false);
      expect(rows.filter((r) => r[0] !== 'CURRENT' && r[1] === 'MIGRATED').map((r) => r[0]).sort()).toEqual(['1', '2', '3', '4', '5', '6']);
    } finally { await proxy.close(); }
  });

  it('up whose output\'s reader goes away (| head -1) stops as Ctrl-C stops it: the migration in flight recorded, the lock released, exit 141 (it exited 0 part way, the lock held)', async () => {
    const p = project({ waitSeconds: 1 });
    for (let i = 1; i <= 30; i++) sql(p.dir, `V${String(i).padStart(6, '0')}__h${i}.sql`, stream(`H${i}_${p.stream}`, `h${i}_${p.stream.toLowerCase()}`));
    const c = spawn(process.execPath, [CLI, 'up'], { cwd: p.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    c.stderr!.on('data', (d) => { err += d; });
    // the reader takes the first line and closes the pipe
    c.stdout!.once('data', () => c.stdout!.destroy());
    expect(await new Promise<number | null>((r) => c.on('exit', r))).toBe(141);
    expect(err).toMatch(/^output closed: stopping once the migration in flight \(if any\) is recorded$/m);
    const rows = await versions(p.stream);
    const started = new Set(rows.filter((r) => r[0] !== 'CURRENT' && r[1] === 'RUNNING').map((r) => r[0]));
    const migrated = new Set(rows.filter((r) => r[0] !== 'CURRENT' && r[1] === 'MIGRATED').map((r) => r[0]));
    // each version started was recorded as applied; none failed
    expect([[...started].filter((v) => !migrated.has(v)), rows.some((r) => r[1] === 'ERROR')]).toEqual([[], false]);
    expect(migrated.size).toBeGreaterThan(0);
    expect(migrated.size).toBeLessThan(30);
    // the lock was released: the next run takes it at once and applies the rest
    const next = p.run('up');
    expect([next.status, next.stderr]).toEqual([0, '']);
    expect((await versions(p.stream)).filter((r) => r[0] !== 'CURRENT' && r[1] === 'MIGRATED').length).toBe(30);
  });

  it('Ctrl-C while waiting for another run\'s lock exits 130 at once and applies nothing', async () => {
    const p = project({ waitSeconds: 120 });
    sql(p.dir, 'V000001__w.sql', stream(`W_${p.stream}`, `w_${p.stream.toLowerCase()}`));
    // a live claim by another run
    await claimLock(p, 'elsewhere:1:abcd');
    const c = spawn(process.execPath, [CLI, 'up'], { cwd: p.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    await new Promise<void>((resolve) => c.stderr!.on('data', (d) => { err += d; if (/waiting for the lock/.test(err)) resolve(); }));
    c.kill('SIGINT');
    expect(await new Promise<number | null>((r) => c.on('exit', r))).toBe(130);
    expect(err).toMatch(/interrupted while waiting for the lock; nothing was applied/);
    expect((await versions(p.stream)).filter((r) => r[1] === 'RUNNING' || r[1] === 'MIGRATED')).toEqual([]);
  });

  it('Ctrl-C before anything is written (a server that takes the connection and never answers) exits 130 at once', async () => {
    const { createServer: createTcpServer } = await import('node:net');
    let connected = () => undefined as void;
    const sockets: import('node:net').Socket[] = [];
    const silent = createTcpServer((socket) => { sockets.push(socket); socket.on('error', () => undefined); connected(); });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    onTestFinished(() => new Promise<void>((r) => { for (const x of sockets) x.destroy(); silent.close(() => r()); }));
    const dir = mkdtempSync(join(tmpdir(), 'ksqlm-silent-'));
    mkdirSync(join(dir, 'migrations'));
    writeFileSync(join(dir, 'migrations', 'V000001__s.sql'), stream('S', 's'));
    const port = (silent.address() as { port: number }).port;
    /** The command against the silent server, stopped by `signal` once it has connected: its exit code and output. */
    const interrupted = async (command: string, json: boolean, signal: NodeJS.Signals) => {
      const reached = new Promise<void>((r) => { connected = r; });
      const c = spawn(process.execPath, [CLI, command, '--server', `http://127.0.0.1:${port}`, ...(json ? ['--json'] : [])], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '', out = '';
      c.stderr!.on('data', (d) => { err += d; });
      c.stdout!.on('data', (d) => { out += d; });
      await reached;
      c.kill(signal);
      return { code: await new Promise<number | null>((r) => c.on('exit', r)), err, out };
    };
    for (const [command, json, signal, code] of [['up', false, 'SIGINT', 130], ['down', false, 'SIGINT', 130], ['up', true, 'SIGTERM', 143], ['down', true, 'SIGINT', 130]] as const) {
      const r = await interrupted(command, json, signal);
      expect([command, r.code, r.err]).toEqual([command, code, 'error: interrupted: nothing was written\n']);
      // --json's one document, an interrupted run's too
      expect(json ? JSON.parse(r.out) : r.out).toEqual(json ? { error: 'interrupted: nothing was written', exitCode: code } : '');
    }
    // the reads (status, validate, queries) stop as at once, with one line, and --json its document
    for (const [command, json, signal, code] of [['status', true, 'SIGINT', 130], ['validate', false, 'SIGINT', 130], ['queries', true, 'SIGTERM', 143]] as const) {
      const r = await interrupted(command, json, signal);
      expect([command, r.code, r.err]).toEqual([command, code, 'error: interrupted\n']);
      expect(json ? JSON.parse(r.out) : r.out).toEqual(json ? { error: 'interrupted', exitCode: code } : '');
    }
  });

  it('a run waiting for a lock takes it once the holder\'s lease has run out', async () => {
    const p = project({ leaseSeconds: 2, waitSeconds: 60 });
    sql(p.dir, 'V000001__x.sql', stream(`EX_${p.stream}`, `ex_${p.stream.toLowerCase()}`));
    // the claim of a run that died just now
    await claimLock(p, 'dead:1:abcd');
    const c = spawn(process.execPath, [CLI, 'up'], { cwd: p.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    c.stdout!.on('data', (d) => { out += d; });
    c.stderr!.on('data', (d) => { out += d; });
    expect(await new Promise<number | null>((r) => c.on('exit', r))).toBe(0);
    expect(out).toMatch(/waiting for the lock held by dead:1:abcd[\s\S]*applied V000001/);
  });

  it('SIGTERM is handled as Ctrl-C: the migration in flight is recorded, the lock released, exit 143', async () => {
    const p = project();
    for (let i = 1; i <= 5; i++) sql(p.dir, `V00000${i}__t${i}.sql`, stream(`TM${i}_${p.stream}`, `tm${i}_${p.stream.toLowerCase()}`));
    const proxy = await startDelayProxy(target(), 200);
    try {
      const c = spawn(process.execPath, [CLI, 'up', '--server', proxy.url], { cwd: p.dir, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      await new Promise<void>((resolve) => c.stdout!.on('data', (d) => { out += d; if (/applied V000001/.test(out)) resolve(); }));
      c.kill('SIGTERM');
      expect(await new Promise<number | null>((r) => c.on('exit', r))).toBe(143);
    } finally { await proxy.close(); }
    const st = JSON.parse(p.run('status', '--json').stdout) as { lockHolder: string | null; migrations: { version: number; state: string }[] };
    expect(st.lockHolder).toBeNull();
    const states = st.migrations.map((m) => m.state);
    expect(states).not.toContain('RUNNING');
    // what ran is a prefix of the versions, every one MIGRATED; the rest are pending
    const applied = states.filter((x) => x === 'MIGRATED').length;
    expect(applied).toBeGreaterThanOrEqual(1);
    expect(applied).toBeLessThan(5);
    expect(states).toEqual([...Array(applied).fill('MIGRATED'), ...Array(5 - applied).fill('PENDING')]);
  });
});

describe('the history stays true', () => {
  it('a syntax error or a refused INSERT VALUES is recorded at its statement and file line, not as the history write', async () => {
    const p = project();
    const t = `se_${p.stream.toLowerCase()}`;
    sql(p.dir, 'V000001__syn.sql', `CREATE STREAM SE_${p.stream} (id STRING KEY, v INT)\n  WITH (KAFKA_TOPIC='${t}', VALUE_FORMAT='JSON', PARTITIONS=1);\n\nCREATE STREAM SE2_${p.stream} AS SELECT id, v FROM SE_${p.stream}\n  WHERE v >>> 1;\n`);
    const syn = p.run('up');
    expect(syn.status).toBe(1);
    expect(syn.stderr).toMatch(/V000001 syn failed at statement 2\/2 \(line 5\): line 5:\d+: Syntax Error/);
    expect(p.run('repair', '--mark-rolled-back').status).toBe(0);
    sql(p.dir, 'V000001__syn.sql', `CREATE STREAM SE_${p.stream} (id STRING KEY, v INT)\n  WITH (KAFKA_TOPIC='${t}', VALUE_FORMAT='JSON', PARTITIONS=1);\nINSERT INTO SE_${p.stream} (id, v) VALUES ('a', 'notanint');\n`);
    const ins = p.run('up');
    expect(ins.status).toBe(1);
    expect(ins.stderr).toMatch(/V000001 syn failed at statement 2\/2 \(line 3\): Failed to insert values into 'SE_/);
    const reason = (await queryStream(target(), `SELECT ERROR_REASON FROM ${p.stream} WHERE VERSION_KEY = '1';`)).rows.at(-1)![0];
    expect(reason).toMatch(/^statement 2\/2 \(line 3\): Failed to insert values into/);
  });

  it('metadata init makes again only a history table: another table under metadata.table is left alone', async () => {
    const p = project();
    const table = `NOTHIST_${p.stream}`;
    expect((await ksql(target(), `CREATE TABLE ${table} (ID STRING PRIMARY KEY, V INT) WITH (KAFKA_TOPIC='${table.toLowerCase()}', VALUE_FORMAT='JSON', PARTITIONS=1);`)).status).toBe(200);
    // the history stream exists; the table setting then names the other table
    expect(p.run('metadata', 'init').status).toBe(0);
    const yaml = join(p.dir, 'ksql-migrate.yaml');
    writeFileSync(yaml, readFileSync(yaml, 'utf8').replace(/^( {2}table: ).*$/m, `$1${table}`));
    const r = p.run('metadata', 'init');
    expect([r.status, r.stderr]).toEqual([2, `error: ${settingLine(yaml, 'table')}metadata.table: ${table} is an existing table without the migration history's columns (${['VERSION_KEY', 'VERSION', 'NAME', 'STATE', 'CHECKSUM', 'STARTED_ON', 'COMPLETED_ON', 'PREVIOUS', 'ERROR_REASON'].join(', ')}); set metadata.table to a name of its own\n`]);
    const d = (await ksql(target(), `DESCRIBE ${table};`)).body[0].sourceDescription;
    expect(d.fields.map((f: { name: string }) => f.name)).toEqual(['ID', 'V']);
  });

  it('metadata.table naming another project\'s history table (made from another stream) stops up, status, validate and metadata, which write and drop nothing', async () => {
    const a = project(), b = project();
    sql(a.dir, 'V000001__a_one.sql', '-- a1\n');
    sql(a.dir, 'V000002__a_two.sql', '-- a2\n');
    expect(a.run('up').status).toBe(0);
    sql(b.dir, 'V000001__b_one.sql', '-- b1\n');
    // b keeps its own stream name but names a's table (as one left at the default name would)
    const yaml = join(b.dir, 'ksql-migrate.yaml');
    writeFileSync(yaml, readFileSync(yaml, 'utf8').replace(/^( {2}table: ).*$/m, `$1${a.table}`));
    // commands that write ask the table's DESCRIBE, which names its stream; status and validate, which
    // read in two requests, know it by a history table readable while b's stream does not exist
    const named = `error: ${settingLine(yaml, 'table')}metadata.table: ${a.table} is the history table of the stream ${a.stream}, not of metadata.stream ${b.stream}; set metadata.table to a name of its own (or metadata.stream to ${a.stream})\n`;
    const unnamed = `error: ${settingLine(yaml, 'table')}metadata.table: ${a.table} is a history table, but metadata.stream ${b.stream} does not exist: it is another stream's history; set metadata.table to a name of its own (or metadata.stream to the stream it is made from)\n`;
    for (const args of [['up'], ['status'], ['validate'], ['repair', '--mark-migrated', '--version', '1', '--yes'], ['metadata', 'init'], ['metadata', 'destroy', '--yes']]) {
      const r = b.run(...args);
      expect([args, r.status, r.stderr]).toEqual([args, 2, ['status', 'validate'].includes(args[0]!) ? unnamed : named]);
    }
    // nothing was made beside it, and a's history is whole
    expect((await ksql(target(), `DESCRIBE ${b.stream};`)).status).not.toBe(200);
    const st = a.run('status', '--json');
    expect(st.status).toBe(0);
    expect(JSON.parse(st.stdout).migrations.map((v: { version: number; state: string }) => `${v.version}:${v.state}`)).toEqual(['1:MIGRATED', '2:MIGRATED']);
    // b's stream made by hand beside it (as an older ksql-migrate's up made it): up still refuses by the table's DESCRIBE
    expect((await ksql(target(), `CREATE STREAM ${b.stream} (version_key STRING KEY, version STRING, name STRING, state STRING, checksum STRING, started_on STRING, completed_on STRING, previous STRING, error_reason STRING) WITH (KAFKA_TOPIC='${b.stream.toLowerCase()}', VALUE_FORMAT='JSON', PARTITIONS=1);`)).status).toBe(200);
    for (const args of [['up'], ['up', '--dry-run']]) {
      const r = b.run(...args);
      expect([args, r.status, r.stderr]).toEqual([args, 2, named]);
    }
    expect((await ksql(target(), `DROP STREAM ${b.stream} DELETE TOPIC;`)).status).toBe(200);
  });

  it('metadata.table naming a table of the user\'s (queryable or not) stops up, status and metadata destroy, which drops nothing', async () => {
    const p = project();
    const plain = `PLAIN_${p.stream}`, derived = `DERIVED_${p.stream}`;
    for (const statement of [
      `CREATE TABLE ${plain} (ID STRING PRIMARY KEY, V INT) WITH (KAFKA_TOPIC='${plain.toLowerCase()}', VALUE_FORMAT='JSON', PARTITIONS=1);`,
      `CREATE TABLE ${derived} AS SELECT ID, COUNT(*) AS C FROM ${plain} GROUP BY ID;`,
    ]) expect((await ksql(target(), statement)).status).toBe(200);
    sql(p.dir, 'V000001__a.sql', stream(`MT_${p.stream}`, `mt_${p.stream.toLowerCase()}`));
    expect(p.run('metadata', 'init').status).toBe(0);
    const yaml = join(p.dir, 'ksql-migrate.yaml');
    const original = readFileSync(yaml, 'utf8');
    for (const table of [plain, derived]) {
      writeFileSync(yaml, original.replace(/^( {2}table: ).*$/m, `$1${table}`));
      const message = `error: ${settingLine(yaml, 'table')}metadata.table: ${table} is an existing table without the migration history's columns (VERSION_KEY, VERSION, NAME, STATE, CHECKSUM, STARTED_ON, COMPLETED_ON, PREVIOUS, ERROR_REASON); set metadata.table to a name of its own\n`;
      for (const args of [['up'], ['status'], ['metadata', 'destroy', '--yes']]) {
        const r = p.run(...args);
        expect([table, args, r.status, r.stderr]).toEqual([table, args, 2, message]);
      }
      expect((await ksql(target(), `DESCRIBE ${table};`)).status).toBe(200);
    }
    // nothing was applied beside another table
    expect((await ksql(target(), `DESCRIBE MT_${p.stream};`)).status).not.toBe(200);
  });

  it('an applied file removed on purpose (old migrations squashed) stops up, validate and status --exit-code, unless --ignore-missing', () => {
    const p = project();
    sql(p.dir, 'V000001__a.sql', stream(`SQ1_${p.stream}`, `sq1_${p.stream.toLowerCase()}`));
    expect(p.run('up').status).toBe(0);
    rmSync(join(p.dir, 'migrations', 'V000001__a.sql'));
    sql(p.dir, 'V000002__b.sql', stream(`SQ2_${p.stream}`, `sq2_${p.stream.toLowerCase()}`));
    const missing = 'V000001 (a) is applied but its file is missing from the migrations directory (restore it; if it was removed on purpose, as old migrations squashed into one, --ignore-missing passes over it)';
    const refused = p.run('up');
    expect([refused.status, refused.stderr]).toEqual([1, expect.stringContaining(missing)]);
    expect(p.run('validate').status).toBe(4);
    expect(p.run('status', '--exit-code').status).toBe(1);
    expect(p.run('up', '--ignore-missing').status).toBe(0);
    expect(p.run('validate', '--ignore-missing').status).toBe(0);
    const st = p.run('status', '--exit-code', '--ignore-missing', '--json');
    expect(st.status).toBe(0);
    expect(JSON.parse(st.stdout).migrations.map((m: { version: number; state: string }) => [m.version, m.state])).toEqual([[1, 'MISSING'], [2, 'MIGRATED']]);
  });

  it('validate and status --exit-code name a pending file below the latest applied version, which up refuses, unless --allow-out-of-order', () => {
    const p = project();
    for (const v of [1, 3]) sql(p.dir, `V00000${v}__o${v}.sql`, stream(`OO${v}_${p.stream}`, `oo${v}_${p.stream.toLowerCase()}`));
    expect(p.run('up').status).toBe(0);
    sql(p.dir, 'V000002__o2.sql', stream(`OO2_${p.stream}`, `oo2_${p.stream.toLowerCase()}`));
    const v = p.run('validate');
    expect([v.status, v.stderr]).toEqual([4, 'V000002 is pending but older than the latest applied version V000003: use --allow-out-of-order to apply it\n']);
    expect(p.run('status', '--exit-code').status).toBe(1);
    expect(p.run('validate', '--allow-out-of-order').status).toBe(0);
    // for scripts, each problem with its kind and version beside the sentence
    expect(JSON.parse(p.run('validate', '--json').stdout)).toEqual({ valid: false, problems: [expect.any(String)], problemDetails: [{ kind: 'out-of-order', version: 2, message: 'V000002 is pending but older than the latest applied version V000003: use --allow-out-of-order to apply it' }], currentRowMismatch: null, previousChainBreaks: [] });
    // (up refuses it as it refused it before: a plan it will not run, exit 1)
    expect(p.run('up').status).toBe(1);
    expect(p.run('up', '--allow-out-of-order').status).toBe(0);
    expect(p.run('validate').status).toBe(0);
  });

  it('a file that is not UTF-8 text, applied by Confluent\'s tool, is compared by its checksum and blocks nothing; one still to run is refused (exit 4)', async () => {
    const p = project();
    const latin1 = Buffer.concat([Buffer.from('-- Cr'), Buffer.from([0xe9, 0xe9]), Buffer.from(` par Ren`), Buffer.from([0xe9]), Buffer.from(`\n${stream(`L1_${p.stream}`, `l1_${p.stream.toLowerCase()}`)}`)]);
    writeFileSync(join(p.dir, 'migrations', 'V000001__latin1.sql'), latin1);
    expect(p.run('metadata', 'init').status).toBe(0);
    // the rows Confluent's tool writes for a version it applied: its checksum is the MD5 of the bytes
    const md5 = createHash('md5').update(latin1).digest('hex');
    for (const key of ['1', 'CURRENT']) {
      expect((await ksql(target(), `INSERT INTO ${p.stream} (version_key, version, name, state, checksum, started_on, completed_on, previous, error_reason) VALUES ('${key}', '1', 'latin1', 'MIGRATED', '${md5}', '1700000000000', '1700000001000', '<none>', 'N/A');`)).status).toBe(200);
    }
    sql(p.dir, 'V000002__next.sql', stream(`L2_${p.stream}`, `l2_${p.stream.toLowerCase()}`));
    const status = p.run('status', '--json');
    expect(JSON.parse(status.stdout).migrations.map((m: { version: number; state: string }) => [m.version, m.state])).toEqual([[1, 'MIGRATED'], [2, 'PENDING']]);
    expect(JSON.parse(status.stdout).problems).toEqual([]);
    expect(p.run('validate').status).toBe(0);
    const up = p.run('up');
    expect([up.status, up.stdout]).toEqual([0, expect.stringContaining('applied V000002 next')]);
    // a file still to run that is not UTF-8 is refused, naming it, before anything is sent
    writeFileSync(join(p.dir, 'migrations', 'V000003__more.sql'), latin1.toString('latin1').replace('L1_', 'L3_').replace('l1_', 'l3_'), 'latin1');
    const refused = p.run('up');
    expect([refused.status, refused.stderr.trim()]).toEqual([4, expect.stringContaining('V000003__more.sql: is not UTF-8 text (line 1 has bytes UTF-8 does not allow, as Latin-1 or Windows-1252 write é): save it as UTF-8')]);
    const invalid = p.run('validate');
    expect([invalid.status, invalid.stderr.trim()]).toEqual([4, 'V000003__more.sql: is not UTF-8 text (line 1 has bytes UTF-8 does not allow, as Latin-1 or Windows-1252 write é): save it as UTF-8']);
    expect(p.run('status', '--json').stdout).toContain('"kind": "file"');
  });

  it('a version whose history row has a state no tool writes (set by hand) is neither applied nor pending: status shows UNKNOWN, validate and up refuse naming it, repair settles it', async () => {
    const p = project();
    sql(p.dir, 'V000001__s.sql', stream(`US_${p.stream}`, `us_${p.stream.toLowerCase()}`));
    expect(p.run('up').status).toBe(0);
    // a hand-made fix in the wrong case (Confluent's tool reads only MIGRATED, ERROR, RUNNING, PENDING)
    for (const key of ['1', 'CURRENT']) expect((await ksql(target(), `INSERT INTO ${p.stream} (version_key, state) VALUES ('${key}', 'migrated');`)).status).toBe(200);
    const problem = `V000001 has state "migrated" in the history, none of MIGRATED, ERROR, RUNNING, PENDING (a row written by hand?): record what is true with 'ksql-migrate repair --mark-migrated --version 1' (its change is in place) or '--mark-rolled-back --version 1' (up applies it again)`;
    const status = JSON.parse(p.run('status', '--json').stdout);
    expect(status.migrations.map((m: { version: number; state: string }) => [m.version, m.state])).toEqual([[1, 'UNKNOWN']]);
    expect(status.problemDetails).toEqual([{ kind: 'unknown-state', version: 1, message: problem }]);
    const invalid = p.run('validate');
    expect([invalid.status, invalid.stderr.trim()]).toEqual([4, problem]);
    // up runs nothing on a guess (its stream exists: running V000001 again would fail, or worse)
    const up = p.run('up');
    expect([up.status, up.stderr]).toEqual([1, expect.stringContaining(problem)]);
    const repaired = p.run('repair', '--mark-migrated', '--version', '1', '--yes');
    expect([repaired.status, repaired.stdout]).toEqual([0, expect.stringContaining('marked V000001 MIGRATED')]);
    expect(JSON.parse(p.run('status', '--json').stdout).migrations.map((m: { state: string }) => m.state)).toEqual(['MIGRATED']);
    expect(p.run('validate').status).toBe(0);
    // rows under a key that is no version number are said to be ignored, not passed over in silence;
    // a time no tool writes is shown as it is
    for (const key of ['abc', '2.0']) expect((await ksql(target(), `INSERT INTO ${p.stream} (version_key, version, state) VALUES ('${key}', '2', 'MIGRATED');`)).status).toBe(200);
    expect((await ksql(target(), `INSERT INTO ${p.stream} (version_key, started_on, completed_on) VALUES ('1', 'yesterday', '1e20');`)).status).toBe(200);
    const noted = p.run('status');
    expect(noted.status).toBe(0);
    expect(noted.stdout).toContain('note: the history has rows under version_key "2.0", "abc" (no version number): they are ignored\n');
    expect(noted.stdout).toMatch(/\n000001 +s +MIGRATED +<none> +yesterday +1e20\n/);
    expect(JSON.parse(p.run('status', '--json').stdout)).toMatchObject({ ignoredHistoryKeys: ['2.0', 'abc'], migrations: [{ version: 1, state: 'MIGRATED', startedOn: 'yesterday' }] });
  });

  it('a server without pull queries on streams (before ksqlDB 0.22, or with them disabled) has its history read from the table alone, with a warning', async () => {
    // a server of its own: the setting is the whole server's
    const own = await startServerProcess();
    try {
      const p = makeProject(own.url);
      sql(p.dir, 'V000001__a.sql', stream(`OS1_${p.stream}`, `os1_${p.stream.toLowerCase()}`));
      expect(p.run('up').status).toBe(0);
      expect((await ksql(own.url, "ALTER SYSTEM 'ksql.query.pull.stream.enabled'='false';")).status).toBe(200);
      expect((await queryStream(own.url, `SELECT * FROM ${p.stream};`)).status).toBe(400);
      const warning = new RegExp(`^warning: the history stream ${p.stream} cannot be read by a pull query \\(Pull queries on streams are disabled.+\\); ksql-migrate reads the history from the table ${p.table} alone, as Confluent's ksql-migrations does\\. The table orders no lock claims: up holds the lock only once its claim has stood for 10 s, and renews it every 5 s .+\n$`);
      const status = p.run('status');
      expect([status.status, status.stderr]).toEqual([0, expect.stringMatching(warning)]);
      expect(status.stdout).toMatch(/000001\s+a\s+MIGRATED/);
      expect(p.run('validate').status).toBe(0);
      sql(p.dir, 'V000002__b.sql', stream(`OS2_${p.stream}`, `os2_${p.stream.toLowerCase()}`));
      const up = p.run('up');
      expect([up.status, up.stderr]).toEqual([0, expect.stringMatching(warning)]);
      expect(up.stdout).toMatch(/applied V000002 b/);
      expect(p.run('status', '--exit-code').status).toBe(0);
      // the run released its lock, as the table shows it
      const lock = (await queryStream(own.url, `SELECT STATE FROM ${p.table} WHERE VERSION_KEY = 'KSQL_MIGRATE_LOCK';`)).rows;
      expect(lock).toEqual([['UNLOCKED']]);
      // two runs at once: the later claim does not take the lock from a run that holds it (its renewals
      // show in the table before the claim has stood long enough), so each version is applied once
      for (let i = 3; i <= 5; i++) sql(p.dir, `V00000${i}__c${i}.sql`, stream(`OS${i}_${p.stream}`, `os${i}_${p.stream.toLowerCase()}`));
      const proxy = await startDelayProxy(own.url, 1500);
      try {
        const start = (url: string) => {
          const c = spawn(process.execPath, [CLI, 'up', '--server', url], { cwd: p.dir, stdio: ['ignore', 'pipe', 'pipe'] });
          let out = '';
          c.stdout!.on('data', (d) => { out += d; });
          c.stderr!.on('data', (d) => { out += d; });
          return { out: () => out, exit: new Promise<number | null>((r) => c.on('exit', r)) };
        };
        const first = start(proxy.url);
        for (const deadline = Date.now() + 60_000; !/applied V000003/.test(first.out()) && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 50));
        const second = start(own.url);
        expect(await first.exit).toBe(0);
        expect(await second.exit).toBe(0);
        expect(second.out()).toMatch(/nothing to apply/);
        const running = ((await queryStream(own.url, `SELECT VERSION_KEY, STATE FROM ${p.table};`)).rows as string[][]).filter((r) => r[0] !== 'CURRENT' && r[0] !== 'KSQL_MIGRATE_LOCK');
        expect(running.map((r) => r.join(':')).sort()).toEqual(['1:MIGRATED', '2:MIGRATED', '3:MIGRATED', '4:MIGRATED', '5:MIGRATED']);
        // each version's RUNNING row was written once (the events read back with stream pulls allowed again)
        expect((await ksql(own.url, "ALTER SYSTEM 'ksql.query.pull.stream.enabled'='true';")).status).toBe(200);
        const events = (await queryStream(own.url, `SELECT VERSION_KEY, STATE FROM ${p.stream};`)).rows as string[][];
        expect(events.filter((r) => r[1] === 'RUNNING' && r[0] !== 'CURRENT').map((r) => r[0]).sort()).toEqual(['1', '2', '3', '4', '5']);
      } finally { await proxy.close(); }
    } finally { await own.stop(); }
  }, 120_000);

  it('a history table whose query was terminated is named by status, validate and up, which read the stream alone and go on', async () => {
    const p = project();
    sql(p.dir, 'V000001__a.sql', stream(`HT_${p.stream}`, `ht_${p.stream.toLowerCase()}`));
    expect(p.run('up').status).toBe(0);
    const queries = (await ksql(target(), 'SHOW QUERIES;')).body[0].queries as { id: string; sinks: string[] }[];
    const writer = queries.find((q) => q.sinks.includes(p.table))!;
    // the CLI will not stop the table's query, named or with --all; ksqlDB itself will
    const refused = p.run('queries', 'terminate', writer.id, '--yes');
    expect([refused.status, refused.stderr]).toEqual([1, expect.stringContaining(`keeps the migration history table ${p.table} (metadata.table)`)]);
    expect(p.run('queries', 'pause', '--sink', p.table, '--yes').status).toBe(1);
    expect((await ksql(target(), `TERMINATE ${writer.id};`)).status).toBe(200);
    for (const cmd of ['status', 'validate']) {
      const r = p.run(cmd);
      expect([cmd, r.status]).toEqual([cmd, 0]);
      expect(r.stderr).toMatch(new RegExp(`^warning: the history table ${p.table} cannot be read \\(.+\\); ksql-migrate reads the history from ${p.stream} alone, but Confluent's ksql-migrations reads it from the table: run 'ksql-migrate metadata init' to make it again from the stream\n$`));
    }
    sql(p.dir, 'V000002__b.sql', stream(`HT2_${p.stream}`, `ht2_${p.stream.toLowerCase()}`));
    const up = p.run('up');
    expect(up.status).toBe(0);
    expect(up.stderr).toContain(`warning: the history table ${p.table} cannot be read`);
    // what the warning says to do makes the table again, from the stream's events (from its start,
    // whatever the configuration's properties say: a server reads from the latest by default)
    const yaml = join(p.dir, 'ksql-migrate.yaml');
    writeFileSync(yaml, readFileSync(yaml, 'utf8').replace(/^properties:\n( {2}.*\n)+/m, ''));
    expect(readFileSync(yaml, 'utf8')).not.toContain('auto.offset.reset');
    const init = p.run('metadata', 'init');
    expect([init.status, init.stdout]).toEqual([0, expect.stringMatching(new RegExp(`^made ${p.table} again from ${p.stream} \\(it could not be read: .+\\); metadata ready`))]);
    // (a real ksqlDB fills the table while its query catches up: read until it has; beside the lock's row)
    const rebuilt = [['1', 'MIGRATED'], ['2', 'MIGRATED'], ['CURRENT', 'MIGRATED']];
    const rows = async () => ((await queryStream(target(), `SELECT VERSION_KEY, STATE FROM ${p.table};`)).rows as string[][]).filter((r) => r[0] !== 'KSQL_MIGRATE_LOCK').sort();
    expect(await eventually(rows, rebuilt, 30_000)).toEqual(rebuilt);
    expect(p.run('status').stderr).toBe('');
  });

  it('--dry-run makes the history stream and table first, as up does: a migration that takes their names fails there too', () => {
    const p = project();
    sql(p.dir, 'V000001__clash.sql', stream(p.stream, `clash_${p.stream.toLowerCase()}`));
    const dry = p.run('up', '--dry-run');
    expect(dry.status).toBe(4);
    expect(dry.stdout).toContain(`-- ! V000001__clash.sql:1: statement 1/1 would fail: Cannot add stream '${p.stream}': A stream with the same name already exists`);
    expect(p.run('up').status).toBe(1);
  });

  it('--dry-run checks against the target\'s custom types, topics and query ids, as up will meet them', async () => {
    const p = project();
    const base = `DRB_${p.stream}`, ty = `ADDR_${p.stream}`, bare = `bare_${p.stream.toLowerCase()}`;
    const setup = await ksql(target(), `CREATE TYPE ${ty} AS STRUCT<street STRING, zip INT>;\n${stream(base, base.toLowerCase())}CREATE STREAM ${base}_C AS SELECT * FROM ${base};\nCREATE STREAM ${base}_T (id STRING KEY, x INT) WITH (KAFKA_TOPIC='${bare}', VALUE_FORMAT='JSON', PARTITIONS=1);\nDROP STREAM ${base}_T;`);
    expect(setup.status).toBe(200);
    const qid = (await ksql(target(), 'SHOW QUERIES;')).body[0].queries.find((q: { sinks: string[] }) => q.sinks.includes(`${base}_C`)).id as string;
    sql(p.dir, 'V000001__use.sql', `CREATE STREAM TYPED_${p.stream} (a ${ty}) WITH (KAFKA_TOPIC='typed_${p.stream.toLowerCase()}', VALUE_FORMAT='JSON', PARTITIONS=1);\nTERMINATE ${qid};\nDROP STREAM ${base}_C;\nCREATE STREAM AGAIN_${p.stream} (id STRING KEY, x INT) WITH (KAFKA_TOPIC='${bare}', VALUE_FORMAT='JSON');\n`);
    const dry = p.run('up', '--dry-run');
    expect(dry.stdout).not.toMatch(/would fail/);
    expect(dry.status).toBe(0);
    expect(p.run('up').status).toBe(0);
  });

  it('--dry-run refuses what the target will: dropping a source its queries read, writing into a SOURCE table', async () => {
    const p = project();
    const src = `DRS_${p.stream}`, ro = `DRO_${p.stream}`;
    const setup = await ksql(target(), `${stream(src, src.toLowerCase())}CREATE STREAM ${src}_COPY AS SELECT * FROM ${src};\nCREATE SOURCE TABLE ${ro} (k STRING PRIMARY KEY, v STRING) WITH (KAFKA_TOPIC='${ro.toLowerCase()}', VALUE_FORMAT='JSON', PARTITIONS=1);`);
    expect(setup.status).toBe(200);
    sql(p.dir, 'V000001__drop.sql', `DROP STREAM ${src};\n`);
    const drop = p.run('up', '--dry-run');
    expect(drop.status).toBe(4);
    expect(drop.stdout).toMatch(new RegExp(`V000001__drop\\.sql:1: statement 1/1 would fail: Cannot drop ${src}\\.`));
    expect(p.run('up').status).toBe(1);
    expect(p.run('repair', '--mark-rolled-back').status).toBe(0);
    sql(p.dir, 'V000001__drop.sql', `INSERT INTO ${ro} (k, v) VALUES ('a', 'b');\n`);
    const insert = p.run('up', '--dry-run');
    expect(insert.status).toBe(4);
    expect(insert.stdout).toMatch(/would fail: Cannot insert values into read-only table/);
    // once its reader is gone, the drop passes in the dry run and on the target
    sql(p.dir, 'V000001__drop.sql', `DROP STREAM ${src}_COPY;\nDROP STREAM ${src};\n`);
    expect(p.run('up', '--dry-run').status).toBe(0);
    expect(p.run('up').status).toBe(0);
  });

  it('--dry-run takes a source\'s columns from the target\'s Schema Registry, as up will, and says where it looked when it cannot', async () => {
    const p = project();
    const topic = `sr_${p.stream.toLowerCase()}`, name = `SRC_${p.stream}`;
    expect((await ksql(target(), `CREATE STREAM RAW_${p.stream} (x INT) WITH (KAFKA_TOPIC='${topic}', VALUE_FORMAT='JSON', PARTITIONS=1);`)).status).toBe(200);
    // the registry the target names (SHOW PROPERTIES); beside a real ksqlDB, the one its compose file publishes
    const props = (await ksql(target(), 'SHOW PROPERTIES;')).body[0].properties as { name: string; value: string }[];
    const named = props.find((x) => x.name === 'ksql.schema.registry.url')?.value;
    const registry = process.env.KSQLDB_URL ? (process.env.SCHEMA_REGISTRY_URL ?? 'http://localhost:8081') : named!;
    expect(registry).toMatch(/^http/);
    const reg = await fetch(`${registry}/subjects/${topic}-value/versions`, { method: 'POST', headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' }, body: JSON.stringify({ schemaType: 'PROTOBUF', schema: 'syntax = "proto3"; message Order { string id = 1; int32 qty = 2; }' }) });
    expect(reg.status).toBe(200);
    sql(p.dir, 'V000001__sr.sql', `CREATE STREAM ${name} WITH (KAFKA_TOPIC='${topic}', VALUE_FORMAT='PROTOBUF');\nCREATE STREAM BIG_${name} AS SELECT ID, QTY FROM ${name} WHERE QTY > 10;\n`);
    const config = readFileSync(join(p.dir, 'ksql-migrate.yaml'), 'utf8');
    const withRegistry = (url: string) => writeFileSync(join(p.dir, 'ksql-migrate.yaml'), `${config}schemaRegistry:\n  url: ${url}\n`);
    if (process.env.KSQLDB_URL) withRegistry(registry);
    const dry = p.run('up', '--dry-run');
    expect(dry.stdout).not.toMatch(/would fail/);
    expect([dry.status, dry.stdout]).toEqual([0, expect.stringContaining('1 migration(s) checked')]);
    // a registry without the subject: the statement would fail on the target too
    const empty = await startServerProcess(['--schema-registry-port', String(await freePort())]);
    try {
      const emptyUrl = (await ksql(empty.url, 'SHOW PROPERTIES;')).body[0].properties.find((x: { name: string }) => x.name === 'ksql.schema.registry.url').value as string;
      withRegistry(emptyUrl);
      const missing = p.run('up', '--dry-run');
      expect(missing.status).toBe(4);
      expect(missing.stdout).toContain(`V000001__sr.sql:1: statement 1/2 would fail: Schema for message values on topic '${topic}' does not exist in the Schema Registry. Subject: ${topic}-value (nor in the target's, ${emptyUrl}: it would fail there too)`);
    } finally { await empty.stop(); }
    // a configured registry that cannot be reached is the unreachable exit, naming it
    withRegistry(`http://127.0.0.1:${await freePort()}`);
    const down = p.run('up', '--dry-run');
    expect([down.status, down.stderr]).toEqual([3, expect.stringMatching(/^error: cannot reach the Schema Registry at http:\/\/127\.0\.0\.1:\d+: ECONNREFUSED\n$/)]);
    writeFileSync(join(p.dir, 'ksql-migrate.yaml'), config);
    expect(p.run('up').status).toBe(0);
  });

  it('--dry-run keeps a copied schema\'s id: a statement naming VALUE_SCHEMA_ID gets that schema, whatever the copy registered before (a server of its own, so ids start at 1)', async () => {
    const own = await startServerProcess();
    try {
      const props = (await ksql(own.url, 'SHOW PROPERTIES;')).body[0].properties as { name: string; value: string }[];
      const registry = props.find((x) => x.name === 'ksql.schema.registry.url')!.value;
      // id 1 on the target: a record with field Y
      const reg = await fetch(`${registry}/subjects/other-value/versions`, { method: 'POST', headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' }, body: JSON.stringify({ schema: JSON.stringify({ type: 'record', name: 'Other', fields: [{ name: 'Y', type: 'int' }] }) }) });
      expect(await reg.json()).toEqual({ id: 1 });
      expect((await ksql(own.url, "CREATE STREAM OTHER_RAW (X INT) WITH (KAFKA_TOPIC='other', VALUE_FORMAT='JSON', PARTITIONS=1);")).status).toBe(200);
      const p = makeProject(own.url);
      // V1's sink registers a schema in the copy before V2 names id 1
      sql(p.dir, 'V000001__fancy.sql', "CREATE STREAM BASE (A INT) WITH (KAFKA_TOPIC='base', VALUE_FORMAT='JSON', PARTITIONS=1);\nCREATE STREAM FANCY WITH (VALUE_FORMAT='AVRO') AS SELECT A FROM BASE;\n");
      sql(p.dir, 'V000002__others.sql', "CREATE STREAM OTHERS WITH (KAFKA_TOPIC='other', VALUE_FORMAT='AVRO', VALUE_SCHEMA_ID=1);\nCREATE STREAM YS AS SELECT Y FROM OTHERS;\n");
      const dry = p.run('up', '--dry-run');
      expect(dry.stdout).not.toMatch(/would fail/);
      expect(dry.status).toBe(0);
      expect(p.run('up').status).toBe(0);
    } finally { await own.stop(); }
  });

  it('an undo whose request gets no answer keeps the lock, as up does: it may have run, or still be running', async () => {
    const p = project();
    sql(p.dir, 'V000001__a.sql', stream(`UN1_${p.stream}`, `un1_${p.stream.toLowerCase()}`));
    sql(p.dir, 'U000001__a.sql', `DROP STREAM UN1_${p.stream} DELETE TOPIC;\n`);
    expect(p.run('up').status).toBe(0);
    // a proxy that forwards the undo's request and then drops the client's connection instead of answering
    const proxy = await cuttingProxy((body) => body.includes(`DROP STREAM UN1_${p.stream}`));
    try {
      const c = spawn(process.execPath, [CLI, 'down', '--server', proxy.url], { cwd: p.dir, stdio: ['ignore', 'ignore', 'pipe'] });
      let err = '';
      c.stderr!.on('data', (d) => { err += d; });
      expect(await new Promise<number | null>((r) => c.on('exit', r))).toBe(3);
      expect(err).toMatch(/V000001 a got no answer .*The lock is kept/);
    } finally { proxy.close(); }
    expect(JSON.parse(p.run('status', '--json').stdout).lockHolder).not.toBeNull();
  });

  it('a server that answers 5xx to a migration (shutting down, its disk full) part way: the version is named as in doubt and the lock kept, as for no answer (it was recorded as an ERROR, or the run ended without naming it)', async () => {
    const p = project();
    sql(p.dir, 'V000001__a.sql', stream(`SD1_${p.stream}`, `sd1_${p.stream.toLowerCase()}`));
    sql(p.dir, 'V000002__b.sql', `CREATE STREAM SD2_${p.stream} AS SELECT * FROM SD1_${p.stream};\n`);
    const proxy = await cuttingProxy((body) => body.includes(`SD2_${p.stream} AS SELECT`), { status: 503, body: { '@type': 'generic_error', error_code: 50303, message: 'The server is shutting down' } });
    try {
      const r = await runAsync(['up', '--server', proxy.url], p.dir);
      expect(r.stderr).toMatch(/V000002 b was not run to its end: the server answered HTTP 503 \(The server is shutting down\): its statements may have run, in part, or may still be running\. The lock is kept.*--mark-migrated --version 2/);
      // (a 503 is a server not ready: exit 3, as when it cannot be reached)
      expect([r.status, r.stderr.trim().split('\n').at(-1)]).toEqual([3, 'error: ksqlDB is not ready: The server is shutting down']);
    } finally { proxy.close(); }
    const held = JSON.parse(p.run('status', '--json').stdout) as { lockHolder: string | null; migrations: { version: number; state: string }[] };
    expect(held.lockHolder).not.toBeNull();
    expect(held.migrations.map((m) => [m.version, m.state])).toEqual([[1, 'MIGRATED'], [2, 'RUNNING']]);
  });

  it('a migration whose MIGRATED rows get no answer is said to have run, not been applied, until a later request records it', async () => {
    const p = project();
    sql(p.dir, 'V000001__a.sql', stream(`NR1_${p.stream}`, `nr1_${p.stream.toLowerCase()}`));
    sql(p.dir, 'V000002__b.sql', stream(`NR2_${p.stream}`, `nr2_${p.stream.toLowerCase()}`));
    // V1's MIGRATED rows, sent alone, reach the server; their answer is lost once (a retry is not cut)
    let cuts = 0;
    const proxy = await cuttingProxy((body) => { const b = body.toString(); const hit = cuts === 0 && b.includes("'MIGRATED'") && !b.includes("'RUNNING'") && !b.includes('CREATE STREAM'); if (hit) cuts++; return hit; });
    try {
      const r = await runAsync(['up', '--server', proxy.url], p.dir);
      expect(r.status).toBe(0);
      expect(r.stderr).toMatch(/could not record V000001 as MIGRATED yet .*: it is written with the next request/);
      expect(r.stdout.split('\n').map((l) => l.replace(/\(\d+ ms/, '(N ms'))).toEqual(['ran V000001 a (N ms, not recorded yet)', 'recorded V000001 a as applied', 'applied V000002 b (N ms)', '']);
    } finally { proxy.close(); }
    expect(JSON.parse(p.run('status', '--json').stdout).migrations.map((m: { state: string }) => m.state)).toEqual(['MIGRATED', 'MIGRATED']);
  });

  it('a migration with an ASSERT that waits shows RUNNING in the history while it waits (the server holds the statements\' request before any of it runs), so a run that takes the lock from a stalled one stops instead of applying it again', async () => {
    const p = project();
    const topic = `gate_${p.stream.toLowerCase()}`;
    sql(p.dir, 'V000001__a.sql', stream(`AG1_${p.stream}`, `ag1_${p.stream.toLowerCase()}`));
    sql(p.dir, 'V000002__b.sql', `ASSERT TOPIC ${topic} TIMEOUT 60 SECONDS;\nINSERT INTO AG1_${p.stream} (id, v) VALUES ('once', 1);\n`);
    const c = spawn(process.execPath, [CLI, 'up'], { cwd: p.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    const exit = new Promise<number | null>((r) => c.on('exit', r));
    expect(await eventually(async () => (await versions(p.stream)).some((r) => r[0] === '2' && r[1] === 'RUNNING'), true)).toBe(true);
    expect((await ksql(target(), `CREATE STREAM AG_GATE_${p.stream} (v INT) WITH (KAFKA_TOPIC='${topic}', PARTITIONS=1, VALUE_FORMAT='JSON');`)).status).toBe(200);
    expect(await exit).toBe(0);
    expect(JSON.parse(p.run('status', '--json').stdout).migrations.map((m: { state: string }) => m.state)).toEqual(['MIGRATED', 'MIGRATED']);
    expect((await queryStream(target(), `SELECT * FROM AG1_${p.stream};`)).rows.length).toBe(1);
  });

  it('a connection lost mid-migration never moves CURRENT back; after a failure the out-of-order rewrite leaves CURRENT at the ERROR', async () => {
    const p = project();
    sql(p.dir, 'V000001__a.sql', stream(`CL1_${p.stream}`, `cl1_${p.stream.toLowerCase()}`));
    sql(p.dir, 'V000002__b.sql', `CREATE STREAM CL2_${p.stream} AS SELECT * FROM CL1_${p.stream};\n`);
    // a proxy that forwards V2's request and then drops the client's connection instead of answering
    const proxy = await cuttingProxy((body) => body.includes(`CL2_${p.stream} AS SELECT`));
    try {
      const c = spawn(process.execPath, [CLI, 'up', '--json', '--server', proxy.url], { cwd: p.dir, stdio: ['ignore', 'pipe', 'pipe'] });
      let err = '', out = '';
      c.stderr!.on('data', (d) => { err += d; });
      c.stdout!.on('data', (d) => { out += d; });
      expect(await new Promise<number | null>((r) => c.on('exit', r))).toBe(3);
      // V2's request may have run (here it did): the lock is kept, and the advice names V2
      expect(err).toMatch(/V000002 b got no answer .*The lock is kept.*'ksql-migrate repair --release-lock --yes'.*--mark-migrated --version 2/);
      // --json's document still tells what was applied before, and that V2 is in doubt
      const doc = JSON.parse(out) as { error: string; exitCode: number; outcomes: unknown[] };
      expect(doc).toEqual({ error: expect.stringMatching(/^cannot reach ksqlDB at /), exitCode: 3, outcomes: [{ version: 1, name: 'a', status: 'success' }, { version: 2, name: 'b', status: 'unknown', reason: doc.error }] });
    } finally { proxy.close(); }
    const current = (await queryStream(target(), `SELECT VERSION, STATE FROM ${p.stream} WHERE VERSION_KEY = 'CURRENT';`)).rows.at(-1);
    expect(current).toEqual(['2', 'RUNNING']);
    const held = JSON.parse(p.run('status', '--json').stdout) as { lockHolder: string | null; migrations: { version: number; state: string }[] };
    expect(held.lockHolder).not.toBeNull();
    expect(held.migrations.map((m) => [m.version, m.state])).toEqual([[1, 'MIGRATED'], [2, 'RUNNING']]);
    // the text says who holds it too
    expect(p.run('status').stdout).toContain(`lock: held by ${held.lockHolder} (a running up; if none runs, 'ksql-migrate repair --release-lock --yes')`);
    // following the advice settles it; a version that is already MIGRATED is no obstacle
    expect(p.run('repair', '--mark-migrated', '--version', '1').stdout).toMatch(/V000001 is already MIGRATED/);
    // a mark beside a lock within its lease is refused (a run may be going on), unless the lock goes too
    const beside = p.run('repair', '--mark-migrated', '--version', '2');
    expect([beside.status, beside.stderr]).toEqual([1, expect.stringMatching(/^error: repair: the history's lock is held by .+ since .+: a migration run may be going on; let it finish, or add --release-lock --yes if that run is dead\n$/)]);
    // releasing a lock within its lease is asked about: without a terminal, only with --yes
    const unasked = p.run('repair', '--release-lock', '--mark-migrated', '--version', '2');
    expect([unasked.status, unasked.stderr]).toEqual([2, expect.stringMatching(/claimed it \d+ s ago, within its lease .*a migration run may be going on.*\nerror: refusing to change the server without a terminal to ask on: add --yes\n$/s)]);
    expect(p.run('repair', '--release-lock', '--mark-migrated', '--version', '2', '--yes').status).toBe(0);
    expect(p.run('up').stdout).toMatch(/nothing to apply/);

    const q = project();
    for (const v of [1, 3]) sql(q.dir, `V00000${v}__o${v}.sql`, stream(`OF${v}_${q.stream}`, `of${v}_${q.stream.toLowerCase()}`));
    expect(q.run('up').status).toBe(0);
    sql(q.dir, 'V000002__o2.sql', stream(`OF2_${q.stream}`, `of2_${q.stream.toLowerCase()}`));
    sql(q.dir, 'V000004__o4.sql', `CREATE STREAM OF4_${q.stream} AS SELECT * FROM NOPE_${q.stream};\n`);
    expect(q.run('up', '--allow-out-of-order').status).toBe(1);
    expect((await queryStream(target(), `SELECT VERSION, STATE FROM ${q.stream} WHERE VERSION_KEY = 'CURRENT';`)).rows.at(-1)).toEqual(['4', 'ERROR']);

    // repairing a version below the highest applied one leaves CURRENT at that highest one
    const r = project();
    for (const v of [1, 3]) sql(r.dir, `V00000${v}__r${v}.sql`, stream(`RP${v}_${r.stream}`, `rp${v}_${r.stream.toLowerCase()}`));
    expect(r.run('up').status).toBe(0);
    sql(r.dir, 'V000002__r2.sql', `CREATE STREAM RP2_${r.stream} AS SELECT * FROM NOPE_${r.stream};\n`);
    expect(r.run('up', '--allow-out-of-order').status).toBe(1);
    expect(r.run('repair', '--mark-migrated', '--version', '2').status).toBe(0);
    expect((await queryStream(target(), `SELECT VERSION, STATE FROM ${r.stream} WHERE VERSION_KEY = 'CURRENT';`)).rows.at(-1)).toEqual(['3', 'MIGRATED']);
  });

  it.skipIf(!!process.env.KSQLDB_URL)('versions whose events the stream\'s retention deleted stay applied: the table keeps their rows (local server only: it trims by --log-retention-bytes)', async () => {
    const small = await startServerProcess(['--log-retention-bytes', '2000']);
    try {
      const p = makeProject(small.url);
      sql(p.dir, 'V000001__ret.sql', stream(`RET_${p.stream}`, `ret_${p.stream.toLowerCase()}`));
      sql(p.dir, 'V000002__seed.sql', `INSERT INTO RET_${p.stream} (id, v) VALUES ('a', 1);\n`);
      expect(p.run('up').status).toBe(0);
      // every run writes lock and state rows: the events topic soon drops its first ones
      for (let i = 0; i < 6; i++) {
        const again = p.run('up');
        expect([again.status, again.stdout.trim()], `run ${i}`).toEqual([0, 'nothing to apply: the history is up to date']);
      }
      const events = await queryStream(small.url, `SELECT VERSION_KEY FROM ${p.stream};`);
      expect(events.rows.some((r) => r[0] === '1')).toBe(false);
      expect((await queryStream(small.url, `SELECT * FROM RET_${p.stream};`)).rows).toHaveLength(1);
      expect(JSON.parse(p.run('status', '--json').stdout).migrations.map((m: { state: string }) => m.state)).toEqual(['MIGRATED', 'MIGRATED']);
    } finally { await small.stop(); }
  });

  it('completed_on is stamped after the statements ran', async () => {
    const p = project();
    sql(p.dir, 'V000001__t.sql', stream(`T_${p.stream}`, `t_${p.stream.toLowerCase()}`));
    const proxy = await startDelayProxy(target(), 150);
    try {
      // not spawnSync: the proxy runs in this process
      const c = spawn(process.execPath, [CLI, 'up', '--server', proxy.url], { cwd: p.dir, stdio: 'ignore' });
      expect(await new Promise<number | null>((r) => c.on('exit', r))).toBe(0);
    } finally { await proxy.close(); }
    const row = (await versions(p.stream)).find((r) => r[0] === '1' && r[1] === 'MIGRATED')!;
    // the statements' request went through the 150 ms proxy between the two stamps
    expect(Number(row[3]) - Number(row[2])).toBeGreaterThanOrEqual(150);
  });

  it('after a version applied out of order, the latest stays the highest and older pending ones still need the flag', async () => {
    const p = project();
    for (let i = 1; i <= 5; i++) sql(p.dir, `V00000${i}__o${i}.sql`, stream(`O${i}_${p.stream}`, `o${i}_${p.stream.toLowerCase()}`));
    expect(p.run('up', '--to', '1').status).toBe(0);
    expect(p.run('up', '--version', '5', '--allow-out-of-order').status).toBe(0);
    expect(p.run('up', '--allow-out-of-order', '--to', '2').status).toBe(0);
    const refused = p.run('up');
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/V000003 is pending but older than the latest applied version V000005/);
    const s = JSON.parse(p.run('status', '--json').stdout);
    expect(s.currentVersion).toBe(5);
    // CURRENT, which Confluent's tool reads, names the highest applied version again
    const currents = (await queryStream(target(), `SELECT VERSION, STATE FROM ${p.stream} WHERE VERSION_KEY = 'CURRENT';`)).rows;
    expect(currents.at(-1)).toEqual(['5', 'MIGRATED']);
    // ... in the same request as the rows of the version applied below it: CURRENT never named 2 as the latest
    expect(currents.filter((r) => r[1] === 'MIGRATED').map((r) => r[0])).toEqual(['1', '5', '5']);
    // down of 5, which 2 names as its previous (2 came after it): 2 takes 5's previous, so the chain
    // Confluent's tool walks from CURRENT (2, then 1) names applied versions only
    writeFileSync(join(p.dir, 'migrations', 'U000005__o5.sql'), `DROP STREAM O5_${p.stream};\n`);
    expect(p.run('down').status).toBe(0);
    const latest = async (key: string) => (await queryStream(target(), `SELECT VERSION, STATE, PREVIOUS FROM ${p.stream} WHERE VERSION_KEY = '${key}';`)).rows.at(-1);
    expect([await latest('2'), await latest('CURRENT'), await latest('5')]).toEqual([['2', 'MIGRATED', '1'], ['2', 'MIGRATED', '1'], ['5', 'PENDING', '1']]);
  });

  it('a CURRENT row left behind the latest applied version is named by status and validate, and written again by up', async () => {
    const p = project();
    for (const i of [1, 2, 3]) sql(p.dir, `V00000${i}__c${i}.sql`, stream(`C${i}_${p.stream}`, `c${i}_${p.stream.toLowerCase()}`));
    expect(p.run('up').status).toBe(0);
    // CURRENT as a run stopped between a version's rows and CURRENT's would leave it: on version 2
    const row2 = (await queryStream(target(), `SELECT VERSION, NAME, STATE, CHECKSUM, STARTED_ON, COMPLETED_ON, PREVIOUS, ERROR_REASON FROM ${p.stream} WHERE VERSION_KEY = '2' AND STATE = 'MIGRATED';`)).rows[0]!;
    const values = ['CURRENT', ...row2].map((v) => `'${String(v)}'`).join(', ');
    expect((await ksql(target(), `INSERT INTO ${p.stream} (VERSION_KEY, VERSION, NAME, STATE, CHECKSUM, STARTED_ON, COMPLETED_ON, PREVIOUS, ERROR_REASON) VALUES (${values});`)).status).toBe(200);
    const said = "the history's CURRENT row (stream " + p.stream + ') names version 2 as the latest applied, but it is 3';
    const behind = async () => JSON.parse(p.run('status', '--json').stdout).currentRowMismatch;
    expect(await eventually(behind, { currentRow: 2, latestApplied: 3 }, 10_000)).toEqual({ currentRow: 2, latestApplied: 3 });
    expect(p.run('status').stdout).toContain(`note: ${said}: Confluent's ksql-migrations would apply the versions above 2 again; the next 'ksql-migrate up' writes it again\n`);
    const v = p.run('validate');
    expect([v.status, v.stderr]).toEqual([0, `warning: ${said}: Confluent's ksql-migrations would apply the versions above 2 again; the next 'ksql-migrate up' writes it again\n`]);
    // a dry run only says so
    const dry = p.run('up', '--dry-run');
    expect([dry.status, dry.stderr]).toEqual([0, `warning: ${said}: Confluent's ksql-migrations would apply the versions above 2 again: up writes it again\n`]);
    const up = p.run('up');
    expect([up.status, up.stderr]).toEqual([0, expect.stringContaining(`${said}: Confluent's ksql-migrations would apply the versions above 2 again: written again as version 3`)]);
    expect((await queryStream(target(), `SELECT VERSION, STATE FROM ${p.stream} WHERE VERSION_KEY = 'CURRENT';`)).rows.at(-1)).toEqual(['3', 'MIGRATED']);
    expect(await eventually(behind, null, 10_000)).toBeNull();
    expect(p.run('validate').stderr).toBe('');
  });

  it('an applied version whose previous names one not applied (an older down left it) is named by status and validate, and written again by up', async () => {
    const p = project();
    appliedOutOfOrder(p);
    // V3 undone as a down before relinking did it: V3 PENDING, V2 (applied after it) still naming it, CURRENT on V2's row
    const rowOf = async (v: string) => (await queryStream(target(), `SELECT VERSION, NAME, STATE, CHECKSUM, STARTED_ON, COMPLETED_ON, PREVIOUS, ERROR_REASON FROM ${p.stream} WHERE VERSION_KEY = '${v}' AND STATE = 'MIGRATED';`)).rows.at(-1)!.map(String);
    const [r2, r3] = [await rowOf('2'), await rowOf('3')];
    const insert = (key: string, r: string[]) => ksql(target(), `INSERT INTO ${p.stream} (VERSION_KEY, VERSION, NAME, STATE, CHECKSUM, STARTED_ON, COMPLETED_ON, PREVIOUS, ERROR_REASON) VALUES (${[key, ...r].map((v) => `'${v}'`).join(', ')});`);
    expect((await insert('3', [r3[0]!, r3[1]!, 'PENDING', ...r3.slice(3, 6), '1', 'undone by hand'])).status).toBe(200);
    expect((await insert('CURRENT', r2)).status).toBe(200);
    const said = "version 2's previous in the history is 3, which is PENDING: Confluent's ksql-migrations validate walks that chain from the latest applied version and would fail";
    const breaks = async () => JSON.parse(p.run('status', '--json').stdout).previousChainBreaks;
    expect(await eventually(breaks, [{ version: 2, previous: '3', state: 'PENDING' }], 10_000)).toEqual([{ version: 2, previous: '3', state: 'PENDING' }]);
    expect(p.run('status').stdout).toContain(`note: ${said}; the next 'ksql-migrate up' writes it again\n`);
    const v = p.run('validate');
    expect([v.status, v.stderr]).toEqual([0, `warning: ${said}; the next 'ksql-migrate up' writes it again\n`]);
    expect(p.run('up', '--dry-run').stderr).toContain(`warning: ${said}: up writes it again`);
    const up = p.run('up');
    expect([up.status, up.stderr]).toEqual([0, expect.stringContaining(`${said}: written again naming 1`)]);
    const latest = async (key: string) => (await queryStream(target(), `SELECT VERSION, STATE, PREVIOUS FROM ${p.stream} WHERE VERSION_KEY = '${key}';`)).rows.at(-1);
    // (and V3, pending again, is applied: it names V2, whose chain now reaches V1)
    expect([await latest('2'), await latest('3'), await latest('CURRENT')]).toEqual([['2', 'MIGRATED', '1'], ['3', 'MIGRATED', '2'], ['3', 'MIGRATED', '2']]);
    expect(await eventually(breaks, [], 10_000)).toEqual([]);
    expect(p.run('validate').stderr).toBe('');
  });

  it('repair --mark-rolled-back records PENDING, a state Confluent\'s tool knows, and `up` applies the version again', async () => {
    const p = project();
    sql(p.dir, 'V000001__a.sql', stream(`RA_${p.stream}`, `ra_${p.stream.toLowerCase()}`));
    sql(p.dir, 'V000002__b.sql', `CREATE STREAM RB_${p.stream} AS SELECT id, nope FROM RA_${p.stream};\n`);
    expect(p.run('up').status).toBe(1);
    const repaired = p.run('repair', '--mark-rolled-back');
    expect(repaired.status).toBe(0);
    const states = new Set((await versions(p.stream)).filter((r) => r[0] !== 'KSQL_MIGRATE_LOCK').map((r) => r[1]));
    expect([...states].every((x) => ['RUNNING', 'MIGRATED', 'ERROR', 'PENDING'].includes(x!))).toBe(true);
    expect(JSON.parse(p.run('status', '--json').stdout).migrations.map((m: { state: string }) => m.state)).toEqual(['MIGRATED', 'PENDING']);
    sql(p.dir, 'V000002__b.sql', `CREATE STREAM RB_${p.stream} AS SELECT id, v FROM RA_${p.stream};\n`);
    expect(p.run('up').status).toBe(0);
    expect(JSON.parse(p.run('status', '--json').stdout).migrations.map((m: { state: string }) => m.state)).toEqual(['MIGRATED', 'MIGRATED']);
  });
});

describe('mistakes are errors, not silent successes', () => {
  it('init beside a ksql-migrations.properties leaves that file in charge instead of overriding it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ksqlm-init-props-'));
    writeFileSync(join(dir, 'ksql-migrations.properties'), 'ksql.server.url=http://127.0.0.1:1\nksql.migrations.stream.name=THEIR_EVENTS\n');
    const r = spawnSync(process.execPath, [CLI, 'init', '.'], { cwd: dir, encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain('ksql-migrations.properties configures this project (ksql-migrate reads it when there is no ksql-migrate.yaml); no ksql-migrate.yaml written');
    expect(existsSync(join(dir, 'ksql-migrate.yaml'))).toBe(false);
    expect(existsSync(join(dir, 'migrations'))).toBe(true);
  });

  it('metadata.stream naming an existing stream that is no history (the processing log) is a usage error naming the setting, for up, baseline and metadata init', async () => {
    const p = project();
    const other = `NOT_HISTORY_${p.stream}`;
    expect((await ksql(target(), `CREATE STREAM ${other} (LOGGER STRING, LEVEL STRING) WITH (KAFKA_TOPIC='${other.toLowerCase()}', VALUE_FORMAT='JSON', PARTITIONS=1);`)).status).toBe(200);
    const yaml = join(p.dir, 'ksql-migrate.yaml');
    writeFileSync(yaml, readFileSync(yaml, 'utf8').replace(`stream: ${p.stream}\n`, `stream: ${other}\n`));
    sql(p.dir, 'V000001__a.sql', stream(`MH_${p.stream}`, `mh_${p.stream.toLowerCase()}`));
    // (named with the file and line that set it, as a configuration error is)
    const message = `error: ${settingLine(yaml, 'stream')}metadata.stream: ${other} is an existing stream without the migration history's columns (VERSION_KEY, VERSION, NAME, STATE, CHECKSUM, STARTED_ON, COMPLETED_ON, PREVIOUS, ERROR_REASON); set metadata.stream (and metadata.table) to names of their own\n`;
    for (const args of [['up'], ['baseline', '--version', '1'], ['metadata', 'init']]) {
      const r = p.run(...args);
      expect([args, r.status, r.stderr]).toEqual([args, 2, message]);
    }
  });

  it('names taken by other sources stop up and metadata init before anything is made or written: a table under metadata.table while the stream is new, another stream once a history exists, a table under metadata.stream', async () => {
    const p = project();
    const yaml = join(p.dir, 'ksql-migrate.yaml');
    const original = readFileSync(yaml, 'utf8');
    const set = (stream: string, table: string) => writeFileSync(yaml, original.replace(`stream: ${p.stream}\n`, `stream: ${stream}\n`).replace(/^( {2}table: ).*$/m, `$1${table}`));
    const exists = async (name: string) => (await ksql(target(), `DESCRIBE ${name};`)).status === 200;
    const at = (key: string) => settingLine(yaml, key);
    sql(p.dir, 'V000001__a.sql', stream(`NT_${p.stream}`, `nt_${p.stream.toLowerCase()}`));
    const cols = 'VERSION_KEY, VERSION, NAME, STATE, CHECKSUM, STARTED_ON, COMPLETED_ON, PREVIOUS, ERROR_REASON';
    // a table of the user's under metadata.table, and a stream name no source has yet: nothing is made
    const users = `USERS_${p.stream}`, fresh = `FRESH_${p.stream}`;
    expect((await ksql(target(), `CREATE TABLE ${users} (ID STRING PRIMARY KEY, V INT) WITH (KAFKA_TOPIC='${users.toLowerCase()}', VALUE_FORMAT='JSON', PARTITIONS=1);`)).status).toBe(200);
    set(fresh, users);
    for (const args of [['metadata', 'init'], ['up']]) {
      const r = p.run(...args);
      expect([args, r.status, r.stderr]).toEqual([args, 2, `error: ${at('table')}metadata.table: ${users} is an existing table without the migration history's columns (${cols}); set metadata.table to a name of its own\n`]);
    }
    expect(await exists(fresh)).toBe(false);
    // once a history exists, metadata.stream naming another stream: up refuses it before writing its lock claim there
    set(p.stream, p.table);
    expect(p.run('metadata', 'init').status).toBe(0);
    const other = `OTHER_${p.stream}`;
    expect((await ksql(target(), `CREATE STREAM ${other} (LOGGER STRING, LEVEL STRING) WITH (KAFKA_TOPIC='${other.toLowerCase()}', VALUE_FORMAT='JSON', PARTITIONS=1);`)).status).toBe(200);
    set(other, p.table);
    const up = p.run('up');
    expect([up.status, up.stderr]).toEqual([2, `error: ${at('stream')}metadata.stream: ${other} is an existing stream without the migration history's columns (${cols}); set metadata.stream (and metadata.table) to names of their own\n`]);
    expect((await queryStream(target(), `SELECT * FROM ${other};`)).rows).toEqual([]);
    // the history table under metadata.stream: a table, not a stream
    set(p.table, `NEWTABLE_${p.stream}`);
    const asTable = p.run('up');
    expect([asTable.status, asTable.stderr]).toEqual([2, `error: ${at('stream')}metadata.stream: ${p.table} is an existing table, not a stream; set metadata.stream (and metadata.table) to names of their own\n`]);
    expect(await exists(`NEWTABLE_${p.stream}`)).toBe(false);
    expect(await exists(`NT_${p.stream}`)).toBe(false);
  });

  it.skipIf(!!process.env.KSQLDB_URL)('a migration with TERMINATE ALL is applied with a warning that it stops the history table\'s query too; --dry-run notes it; metadata init makes the table again (a server of its own: it stops every query)', async () => {
    const own = await startServerProcess();
    onTestFinished(() => own.stop().then(() => undefined));
    const p = makeProject(own.url);
    sql(p.dir, 'V000001__stop.sql', `-- stop every query\nTERMINATE ALL;\n`);
    const note = `V000001__stop.sql:2: TERMINATE ALL also stops the query that keeps the history table ${p.table}, which Confluent's ksql-migrations reads the history from; run 'ksql-migrate metadata init' after it to make the table again`;
    expect(p.run('metadata', 'init').status).toBe(0);
    const dry = p.run('up', '--dry-run');
    expect(dry.stdout).toContain(`-- note: ${note}`);
    const up = p.run('up');
    expect(up.status).toBe(0);
    expect(up.stderr).toContain(`warning: ${note}`);
    expect(p.run('metadata', 'init').stdout).toContain(`made ${p.table} again from ${p.stream}`);
    expect((JSON.parse(p.run('status', '--json').stdout) as { migrations: { version: number; state: string }[] }).migrations.map((v) => [v.version, v.state])).toEqual([[1, 'MIGRATED']]);
  });

  it('a migration that drops the history table or stream is applied with a warning, --dry-run notes it; status and validate say the table is gone; the next up makes it again and says so', () => {
    const p = project();
    sql(p.dir, 'V000001__a.sql', stream(`DH_${p.stream}`, `dh_${p.stream.toLowerCase()}`));
    expect(p.run('up').status).toBe(0);
    sql(p.dir, 'V000002__drop.sql', `-- gone\nDROP TABLE IF EXISTS ${p.table.toLowerCase()};\n`);
    const note = `V000002__drop.sql:2: DROP TABLE ${p.table} drops the history table, which Confluent's ksql-migrations reads the history from; run 'ksql-migrate metadata init' after it to make the table again`;
    expect(p.run('up', '--dry-run').stdout).toContain(`-- note: ${note}`);
    const up = p.run('up');
    expect([up.status, up.stderr]).toEqual([0, expect.stringContaining(`warning: ${note}`)]);
    const missing = `the history table ${p.table} does not exist (it was dropped); ksql-migrate reads the history from ${p.stream} alone, but Confluent's ksql-migrations reads it from the table`;
    for (const cmd of ['status', 'validate']) {
      const r = p.run(cmd);
      expect([cmd, r.status, r.stderr]).toEqual([cmd, 0, expect.stringContaining(`warning: ${missing}`)]);
    }
    sql(p.dir, 'V000003__b.sql', stream(`DH2_${p.stream}`, `dh2_${p.stream.toLowerCase()}`));
    const again = p.run('up');
    expect([again.status, again.stderr]).toEqual([0, expect.stringContaining(`warning: the history table ${p.table} did not exist (it was dropped): made it again from ${p.stream}`)]);
    expect(p.run('status').stderr).not.toContain('does not exist');
    // the stream, quoted as a statement may name it, is noted too
    sql(p.dir, 'V000004__s.sql', `DROP STREAM \`${p.stream}\`;\n`);
    expect(p.run('up', '--dry-run').stdout).toContain(`-- note: V000004__s.sql:1: DROP STREAM ${p.stream} drops the history stream, where every run records the versions it applies: the history goes with it`);
  });

  it('up and status name what they do not read but look meant to be read, and go on', () => {
    const p = project();
    sql(p.dir, 'V000001__a.sql', stream(`NR_${p.stream}`, `nr_${p.stream.toLowerCase()}`));
    sql(p.dir, 'V000002__typo.sq', 'SHOW STREAMS;\n');
    const up = p.run('up');
    expect(up.status).toBe(0);
    expect(up.stderr).toContain('warning: V000002__typo.sq: not read: a migration file name ends in .sql');
    expect(p.run('status').stdout).toContain('note: V000002__typo.sq: not read: a migration file name ends in .sql');
    expect(JSON.parse(p.run('status', '--json').stdout).ignored).toEqual([{ fileName: 'V000002__typo.sq', reason: 'not read: a migration file name ends in .sql' }]);
    // --quiet prints only errors
    expect(p.run('up', '-q').stderr).toBe('');
  });

  it.skipIf(!!process.env.KSQLDB_URL)('--embedded on a data dir a running server holds: exit 2, one line (local server only)', async () => {
    const p = project();
    const dataDir = join(p.dir, '.ksql-migrate');
    const holder = await startServerProcess(['--data-dir', dataDir]);
    try {
      const r = p.run('status', '--embedded');
      expect(r.status).toBe(2);
      expect(r.stderr.trim()).toBe(`error: --embedded: ${dataDir} is in use by another server (pid ${holder.proc.pid}); stop it, or use another directory`);
    } finally { await holder.stop(); }
  });

  it('Confluent\'s command names and apply flags are usage errors that say what they are called here (exit 2), --json too', () => {
    const p = project();
    const cases: [string[], string][] = [
      [['apply', '--all'], "unknown command 'apply': Confluent's ksql-migrations apply is ksql-migrate up (--all is what up does by default; --until N is --to N; --next, --version N and --dry-run are the same)"],
      [['info'], "unknown command 'info': Confluent's ksql-migrations info is ksql-migrate status"],
      [['initialize-metadata'], "unknown command 'initialize-metadata': Confluent's ksql-migrations initialize-metadata is ksql-migrate metadata init"],
      [['destroy-metadata'], "unknown command 'destroy-metadata': Confluent's ksql-migrations destroy-metadata is ksql-migrate metadata destroy"],
      [['up', '--all'], "unknown option '--all': up applies every pending version unless told otherwise (Confluent's apply --all)"],
      [['up', '--until', '2'], "unknown option '--until': up --to N applies up to and including version N (Confluent's apply --until N)"],
      // a flag up does not know is only that on another command
      [['status', '--all'], "unknown option '--all'"],
      // Confluent's configuration flag, before the command as its usage has it, or after
      [['--config-file', 'ksql-migrations.properties', 'apply', '--all'], "unknown option '--config-file': the configuration file is --config FILE here, after the command (Confluent's --config-file; a ksql-migrations.properties is read as it is)"],
      [['status', '-c', 'ksql-migrations.properties'], "unknown option '-c': the configuration file is --config FILE here, after the command (Confluent's -c, --config-file; a ksql-migrations.properties is read as it is)"],
      [['status', '--config-file=ksql-migrations.properties'], "unknown option '--config-file': the configuration file is --config FILE here, after the command (Confluent's --config-file; a ksql-migrations.properties is read as it is)"],
    ];
    for (const [args, message] of cases) {
      const r = p.run(...args);
      expect([args, r.status, r.stderr]).toEqual([args, 2, `error: ${message}\n`]);
      const j = p.run(...args, '--json');
      expect([args, JSON.parse(j.stdout)]).toEqual([args, { error: message, exitCode: 2 }]);
    }
    // nothing was applied or made
    expect(p.run('status', '--json').stdout).toContain('"metadataExists": false');
  });

  it('--embedded says so when it drops a journal line a crash cut off, as the server does', () => {
    const p = project();
    sql(p.dir, 'V000001__a.sql', stream(`EMB_${p.stream}`, `emb_${p.stream.toLowerCase()}`));
    expect(p.run('up', '--embedded', 'data').status).toBe(0);
    const path = join(p.dir, 'data', 'journal.jsonl');
    const text = readFileSync(path, 'utf8');
    writeFileSync(path, text.slice(0, -30));
    const r = p.run('status', '--embedded', 'data');
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/^warning: --embedded: the journal's last line was cut off \(\d+ bytes, a write a crash interrupted\): dropped; what it recorded is processed again from its input$/m);
    expect(p.run('status', '--embedded', 'data', '-q').stderr).toBe('');
  });

  it('--embedded DIR is taken from the current directory, as every path typed on the command line; its default stays beside the config file', () => {
    const p = project();
    sql(p.dir, 'V000001__a.sql', stream(`EMBC_${p.stream}`, `embc_${p.stream.toLowerCase()}`));
    const elsewhere = mkdtempSync(join(tmpdir(), 'ksqlm-cwd-'));
    const run = (command: string, ...args: string[]) => spawnSync(process.execPath, [CLI, command, '--config', join(p.dir, 'ksql-migrate.yaml'), ...args], { cwd: elsewhere, encoding: 'utf8', timeout: 60_000 });
    expect(run('up', '--embedded', './mydata').status).toBe(0);
    expect([existsSync(join(elsewhere, 'mydata', 'journal.jsonl')), existsSync(join(p.dir, 'mydata'))]).toEqual([true, false]);
    expect(run('up', '--embedded').status).toBe(0);
    expect([existsSync(join(p.dir, '.ksql-migrate', 'journal.jsonl')), existsSync(join(elsewhere, '.ksql-migrate'))]).toEqual([true, false]);
  });

  it('--embedded naming a file, or given with --server, is a usage error naming the flag (exit 2)', () => {
    const p = project();
    writeFileSync(join(p.dir, 'afile'), 'x');
    const file = p.run('status', '--embedded', 'afile');
    expect([file.status, file.stderr.trim()]).toEqual([2, `error: --embedded: ${join(p.dir, 'afile')} cannot be the server's data directory (a file is in the way)`]);
    const both = p.run('status', '--embedded', '--server', 'http://127.0.0.1:1');
    expect([both.status, both.stderr.trim()]).toEqual([2, 'error: --embedded and --server name two targets: give one of them']);
  });

  it('status names a long gap whole; a directory named like a migration is a file problem (exit 4), not a crash', () => {
    const p = project();
    for (const v of ['000001', '000500']) sql(p.dir, `V${v}__g.sql`, stream(`G${v}_${p.stream}`, `g${v}_${p.stream.toLowerCase()}`));
    const text = p.run('status');
    expect(text.stdout).toMatch(/no file for versions 2-499 \(498 versions\)/);
    expect(JSON.parse(p.run('status', '--json').stdout).gaps).toEqual([{ from: 2, to: 499 }]);
    mkdirSync(join(p.dir, 'migrations', 'V000002__dir.sql'));
    const up = p.run('up');
    expect(up.status).toBe(4);
    expect(up.stderr).toMatch(/V000002__dir\.sql: is a directory, not a migration file/);
    // a named pipe or a device is no file to read either: every command reports it and ends (one that
    // opened the pipe would wait for a writer for ever, Ctrl-C and all: p.run's timeout would fail this)
    rmSync(join(p.dir, 'migrations', 'V000002__dir.sql'), { recursive: true });
    spawnSync('mkfifo', [join(p.dir, 'migrations', 'V000002__fifo.sql')]);
    symlinkSync('/dev/zero', join(p.dir, 'migrations', 'V000003__zero.sql'));
    for (const cmd of [['status'], ['validate'], ['up'], ['up', '--dry-run'], ['queries', '--verbose']]) {
      const r = p.run(...cmd);
      if (cmd[0] === 'queries') { expect([cmd, r.status]).toEqual([cmd, 0]); continue; }
      expect([cmd, r.status]).toEqual([cmd, cmd[0] === 'status' ? 0 : 4]);
      expect(`${r.stdout}${r.stderr}`).toMatch(/V000002__fifo\.sql: is a named pipe, not a migration file[\s\S]*V000003__zero\.sql: is a device, not a migration file/);
    }
  });

  it('create refuses a migrations directory that does not exist (exit 2), as every command does, and makes none', () => {
    const p = project();
    const missing = join(p.dir, 'typo', 'migratons');
    const r = p.run('create', 'x', '--migrations-dir', missing);
    expect([r.status, r.stderr.trim()]).toEqual([2, `error: migrations directory ${missing} does not exist (set --migrations-dir, KSQL_MIGRATE_MIGRATIONS_DIR or migrations.dir, or run 'ksql-migrate init')`]);
    expect(existsSync(join(p.dir, 'typo'))).toBe(false);
  });

  it('create keeps a description with a line break in its one comment line, never as SQL', () => {
    const p = project();
    const r = JSON.parse(p.run('create', 'first\nDROP STREAM S1;', '--json').stdout) as { path: string };
    expect(readFileSync(r.path, 'utf8')).toBe('-- first DROP STREAM S1;\n');
    // a description of only characters a file name cannot keep is refused as a blank one is (exit 2, nothing written)
    for (const d of ['   ', '///', '<:>']) {
      const refused = p.run('create', d);
      expect([d, refused.status, refused.stderr.trim().split('\n').length]).toEqual([d, 2, 1]);
    }
    expect(p.run('create', '///').stderr).toContain('create: the description "///" has no character a file name keeps');
    expect(readdirSync(join(p.dir, 'migrations'))).toEqual([basename(r.path)]);
  });

  it('a migrations directory that does not exist is a configuration error (exit 2) for up, status and validate', () => {
    const p = project();
    for (const cmd of ['up', 'status', 'validate']) {
      const r = p.run(cmd, '--migrations-dir', './typo');
      expect(r.status, cmd).toBe(2);
      expect(r.stderr.trim()).toMatch(/^error: migrations directory .*typo does not exist/);
    }
    // a file where the directory should be is named as that
    writeFileSync(join(p.dir, 'afile'), '');
    const file = p.run('status', '--migrations-dir', './afile');
    expect([file.status, file.stderr]).toEqual([2, expect.stringMatching(/^error: migrations directory .*afile is not a directory \(set --migrations-dir.*\)\n$/)]);
  });

  it('validate refuses what up would refuse in a file: a SELECT, a statement without its `;`', () => {
    const p = project();
    sql(p.dir, 'V000001__ok.sql', stream(`VQ_${p.stream}`, `vq_${p.stream.toLowerCase()}`));
    expect(p.run('up').status).toBe(0);
    sql(p.dir, 'V000002__b.sql', `SELECT * FROM VQ_${p.stream};\n`);
    const v = p.run('validate');
    expect(v.status).toBe(4);
    expect(v.stderr).toMatch(/V000002__b\.sql:1: SELECT is not allowed in a migration/);
    sql(p.dir, 'V000002__b.sql', `CREATE STREAM VQ2_${p.stream} AS SELECT * FROM VQ_${p.stream}\n`);
    expect(p.run('validate').stderr).toMatch(/V000002__b\.sql:1: statement is missing its terminating ';'/);
    expect(p.run('up').status).toBe(4);
  });

  it('a file `up` cannot use makes `status --exit-code` exit 1 and `up` exit 4', () => {
    const p = project();
    sql(p.dir, 'V000001__ok.sql', stream(`F_${p.stream}`, `f_${p.stream.toLowerCase()}`));
    expect(p.run('up').status).toBe(0);
    sql(p.dir, 'V3__short.sql', 'SELECT 1;\n');
    const status = p.run('status', '--exit-code');
    expect(status.status).toBe(1);
    expect(status.stdout).toMatch(/! V3__short\.sql: does not match/);
    expect(p.run('up').status).toBe(4);
  });
});

describe('--json and --quiet on every command that talks to ksqlDB', () => {
  it('metadata, create, repair, drop and queries pause print one JSON document with --json, nothing with --quiet', async () => {
    const p = project();
    const json = (...args: string[]) => { const r = p.run(...args, '--json'); expect(r.status, r.stderr).toBe(0); return JSON.parse(r.stdout); };
    expect(json('metadata', 'init')).toMatchObject({ action: 'init', stream: p.stream, table: p.table });
    expect(json('create', 'first')).toMatchObject({ version: 1 });
    expect(json('repair', '--release-lock')).toEqual({ releasedLockOf: null });
    const base = `JQ_${p.stream}`;
    expect((await ksql(target(), `${stream(base, base.toLowerCase())}CREATE STREAM ${base}_C AS SELECT * FROM ${base};`)).status).toBe(200);
    const paused = json('queries', 'pause', '--sink', `${base}_C`, '--yes');
    expect(paused.done).toHaveLength(1);
    expect(json('queries', 'resume', '--sink', `${base}_C`, '--yes').done).toHaveLength(1);
    expect(json('drop', `${base}_C`, '--yes').done.map((d: { step: string }) => d.step)).toEqual([`DROP STREAM ${base}_C`]);
    for (const args of [['metadata', 'init'], ['repair', '--release-lock'], ['status'], ['validate']]) {
      const r = p.run(...args, '--quiet');
      expect([r.status, r.stdout], args.join(' ')).toEqual([0, '']);
    }
  });

  it('a command that fails with --json still prints one JSON document, with the error and the exit code', () => {
    const p = project();
    const down = p.run('status', '--json', '--server', 'http://127.0.0.1:1');
    expect(down.status).toBe(3);
    expect(JSON.parse(down.stdout)).toEqual({ error: expect.stringMatching(/127\.0\.0\.1:1/), exitCode: 3 });
    sql(p.dir, 'V000001__bad.sql', 'SELECT * FROM nowhere;\n');
    const refused = p.run('up', '--json');
    expect(refused.status).toBe(4);
    expect(JSON.parse(refused.stdout)).toMatchObject({ exitCode: 4, error: expect.stringMatching(/V000001__bad\.sql/) });
  });
});

describe('names never become statements', () => {
  it('describe, queries explain and drop refuse a name that carries SQL, and the server is unchanged', async () => {
    const p = project();
    const a = `INJ_${p.stream}`, b = `INJ2_${p.stream}`;
    expect((await ksql(target(), `${stream(a, a.toLowerCase())}${stream(b, b.toLowerCase())}CREATE STREAM ${b}_D AS SELECT * FROM ${b};`)).status).toBe(200);
    const d = p.run('describe', `${a}; DROP STREAM ${b}_D`);
    expect(d.status).toBe(2);
    expect(d.stderr.trim()).toMatch(/is not a stream or table name/);
    const e = p.run('queries', 'explain', `CSAS_X; DROP STREAM ${b}_D`);
    expect(e.status).toBe(1);
    expect(e.stderr.trim()).toMatch(/^error: unknown query id/);
    expect(p.run('drop', `${a}; DROP STREAM ${b}_D`, '--yes').status).toBe(2);
    expect(p.run('describe', `${b}_D`).status).toBe(0);
    // a quoted name keeps its case and is looked up as it is
    expect(p.run('describe', `"${a.toLowerCase()}"`).stderr).toMatch(/unknown stream or table/);
    // a digit-led name is read unquoted, as ksqlDB reads it; a number is no name
    const digits = `1${p.stream.toLowerCase()}`;
    expect((await ksql(target(), stream(digits, `d_${p.stream.toLowerCase()}`))).status).toBe(200);
    const described = p.run('describe', digits, '--json');
    expect([described.status, JSON.parse(described.stdout).name]).toEqual([0, digits.toUpperCase()]);
    expect(p.run('drop', digits, '--yes').status).toBe(0);
    for (const number of ['123', '1e5']) expect(p.run('describe', number).stderr, number).toMatch(/is not a stream or table name/);
  });

  it('drop --cascade drops what was created from the source, and only ends the INSERT INTO that feeds another stream', async () => {
    const p = project();
    const root = `CR_${p.stream}`, other = `CO_${p.stream}`;
    const setup = `${stream(root, root.toLowerCase())}${stream(other, other.toLowerCase())}CREATE STREAM ${other}_D AS SELECT * FROM ${other};\nINSERT INTO ${other} SELECT * FROM ${root};\nCREATE STREAM ${root}_D AS SELECT * FROM ${root};`;
    expect((await ksql(target(), setup)).status).toBe(200);
    const r = p.run('drop', root, '--cascade', '--yes');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const plan = r.stdout.split('\n').filter((l) => /^ {2}(TERMINATE|DROP)/.test(l)).map((l) => l.trim().replace(/_\d+(\)?)$/, '_N$1'));
    // a drop names the CREATE ... AS SELECT query it ends
    expect(plan).toEqual(['TERMINATE INSERTQUERY_N', `DROP STREAM ${root}_D  (ends CSAS_${root}_D_N)`, `DROP STREAM ${root}`]);
    expect(p.run('describe', other).status).toBe(0);
    expect(p.run('describe', `${other}_D`).status).toBe(0);
  });

  it('queries lists whole query ids when piped, however narrow', async () => {
    const p = project();
    const long = `A_RATHER_LONG_SOURCE_NAME_${p.stream}`;
    expect((await ksql(target(), `${stream(long, long.toLowerCase())}CREATE STREAM ${long}_COPY AS SELECT * FROM ${long};`)).status).toBe(200);
    const q = JSON.parse(p.run('queries', '--json', '--source', long).stdout) as { id: string }[];
    expect(q.length).toBe(1);
    const text = p.run('queries', '--source', long);
    expect(text.status).toBe(0);
    expect(text.stdout).toContain(q[0]!.id);
  });
});

describe('secrets stay out of output', () => {
  it('credentials in the server URL are never printed, even with --verbose or on errors', () => {
    const p = project();
    const unreachable = p.run('status', '--server', 'http://admin:s3cretPW@127.0.0.1:1');
    expect(unreachable.status).toBe(3);
    expect(unreachable.stderr).not.toContain('s3cretPW');
    expect(unreachable.stderr).toContain('http://127.0.0.1:1');
    // a secret left unencoded that holds / or # (as Confluent Cloud's hold /) could be read as the
    // host: refused (exit 2), the URL not shown; encoded, it is the secret
    for (const secret of ['/xYz+Secret/9q', '1234#Secret9x']) {
      const r = p.run('status', '--json', '--verbose', '--server', `http://ABCKEY123:${secret}@127.0.0.1:1`);
      expect(r.status, secret).toBe(2);
      expect(r.stdout + r.stderr, secret).not.toContain(secret.slice(1));
      expect(JSON.parse(r.stdout).error, secret).toMatch(/^--server: an @ follows a \/ \? or # in the URL/);
      const encoded = p.run('status', '--json', '--verbose', '--server', `http://ABCKEY123:${encodeURIComponent(secret)}@127.0.0.1:1`);
      expect(encoded.status, secret).toBe(3);
      expect(encoded.stdout + encoded.stderr, secret).not.toContain(secret.slice(1));
      expect(JSON.parse(encoded.stdout).error, secret).toContain('http://127.0.0.1:1');
    }
  });

  it.skipIf(!!process.env.KSQLDB_URL)('credentials in the server URL are sent as Basic auth (local server only: it is started with --basic-auth)', async () => {
    const secured = await startServerProcess(['--basic-auth', 'admin:s3cret/PW+x']);
    try {
      const p = project();
      const at = secured.url.replace('http://', `http://admin:${encodeURIComponent('s3cret/PW+x')}@`);
      const r = p.run('status', '--server', at, '--verbose');
      expect(r.stderr).not.toContain('s3cret/PW+x');
      expect(r.status).toBe(0);
      expect(p.run('status', '--server', secured.url).status).toBe(3);
    } finally { await secured.stop(); }
  });

  it('--verbose hides secret properties and secret-named variables in statements', () => {
    const p = project();
    // a property whose name says password, and a variable whose name says secret, used elsewhere
    sql(p.dir, 'V000001__s.sql', `CREATE STREAM SEC_${p.stream} (id STRING KEY, v STRING) WITH (KAFKA_TOPIC='sec_${p.stream.toLowerCase()}', VALUE_FORMAT='JSON', PARTITIONS=1);\nINSERT INTO SEC_${p.stream} (id, v) VALUES ('k', '\${api_secret}');\n`);
    const r = p.run('up', '--verbose', '-d', 'api_secret=TopSecret42');
    expect(r.status).toBe(0);
    expect(r.stderr).toMatch(/> POST /);
    expect(r.stderr).not.toContain('TopSecret42');
    expect(r.stderr).toContain('***');
  });

  it('secrets a file DEFINEs, and secret properties named in double quotes or backticks, are masked in --verbose, failure messages and --dry-run\'s listing', () => {
    const p = project();
    const t = `SEC2_${p.stream}`;
    sql(p.dir, 'V000001__s.sql', `CREATE STREAM ${t} (id STRING KEY, v STRING, n INT) WITH (KAFKA_TOPIC='${t.toLowerCase()}', VALUE_FORMAT='JSON', PARTITIONS=1);\nDEFINE db_password = 'hunter2pw';\nINSERT INTO ${t} (id, v) VALUES ('k', '\${db_password}');\n`);
    const dry = p.run('up', '--dry-run', '-d', 'api_token=TOKEN123');
    expect(dry.status).toBe(0);
    expect(dry.stdout).toContain(`VALUES ('k', '***')`);
    expect(dry.stdout).not.toContain('hunter2pw');
    // --quiet leaves only what would fail
    expect(p.run('up', '--dry-run', '--quiet').stdout).toBe('');
    const up = p.run('up', '--verbose');
    expect(up.status).toBe(0);
    expect(up.stderr).not.toContain('hunter2pw');
    // a failure quoting the value: masked on the terminal and in the history's error reason
    sql(p.dir, 'V000002__bad.sql', `DEFINE my_secret = 'S3cretValue';\nINSERT INTO ${t} (id, n) VALUES ('k', '\${my_secret}');\n`);
    const bad = p.run('up');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('***');
    expect(bad.stderr).not.toContain('S3cretValue');
    expect(p.run('status', '--json').stdout).not.toContain('S3cretValue');
  });

  it('a secret a failure quotes in part, upper-cased, or as a bare literal is masked on the terminal and in the history', () => {
    const p = project();
    const t = `SEC4_${p.stream}`;
    sql(p.dir, 'V000001__s.sql', `CREATE STREAM ${t} (id STRING KEY, v STRING) WITH (KAFKA_TOPIC='${t.toLowerCase()}', VALUE_FORMAT='JSON', PARTITIONS=1);\n`);
    expect(p.run('up').status).toBe(0);
    // a secret variable left unquoted: the server quotes its first word, or upper-cases it as a column
    sql(p.dir, 'V000002__unquoted.sql', `INSERT INTO ${t} (id, v) VALUES ('k', \${api_token});\n`);
    const upper = p.run('up', '-d', 'api_token=Tok3nXYZ987abc');
    expect([upper.status, upper.stderr]).toEqual([1, expect.stringContaining('***')]);
    expect(upper.stderr.toUpperCase()).not.toContain('TOK3NXYZ987ABC');
    expect(p.run('status', '--json', '-d', 'api_token=Tok3nXYZ987abc').stdout.toUpperCase()).not.toContain('TOK3NXYZ987ABC');
    // and once the run is over, a later status (with the variable unset) finds only stars in the history
    expect(p.run('status', '--json').stdout.toUpperCase()).not.toContain('TOK3NXYZ987ABC');
    // a secret property's literal that a syntax error quotes without its name, and one written
    // without quotes, which the server refuses quoting it
    // (the local server quotes the literal as ANTLR does, ''Pg-S3cr3t-111''; a real ksqlDB's words differ)
    // (and its value in double quotes or backticks, which the server refuses, quoting it; the name unquoted)
    for (const [property, secret, shown] of [["'connection.password' 'Pg-S3cr3t-111'", 'Pg-S3cr3t-111', "''***''"], ["'connection.password'=Hunter2Secret99", 'Hunter2Secret99', '***'],
      ["'connection.password'=\"Dq-S3cr3t-XYZZY-42\"", 'Dq-S3cr3t-XYZZY-42', '***'], ["'connection.password'=`Bq-S3cr3t-424242`", 'Bq-S3cr3t-424242', '***'], ["connection.password='Uq-S3cr3t-5151'", 'Uq-S3cr3t-5151', 'Syntax Error']] as const) {
      const q = project();
      sql(q.dir, 'V000001__conn.sql', `CREATE SOURCE CONNECTOR pg WITH ('connector.class'='x', ${property});\n`);
      const failed = q.run('up');
      expect([failed.status, failed.stderr]).toEqual([1, process.env.KSQLDB_URL ? expect.any(String) : expect.stringContaining(shown)]);
      expect(failed.stderr).not.toContain(secret);
      expect(q.run('status', '--json').stdout).not.toContain(secret);
      expect(q.run('up', '--dry-run').stdout).not.toContain(secret);
    }
  });

  it('a server URL with whitespace before it (a secret pasted with a line break) still has its credentials taken out: never printed', () => {
    const p = project();
    for (const url of [' http://admin:S3cr3t-XYZZY-42@127.0.0.1:1', '\nhttp://admin:S3cr3t-XYZZY-42@127.0.0.1:1\n']) {
      const r = spawnSync(process.execPath, [CLI, 'status', '--json', '--verbose'], { cwd: p.dir, encoding: 'utf8', env: { ...process.env, KSQL_MIGRATE_SERVER: url }, timeout: 30_000 });
      expect([r.status, r.stderr.includes('S3cr3t'), r.stdout.includes('S3cr3t'), r.stderr]).toEqual([3, false, false, expect.stringContaining('cannot reach ksqlDB at http://127.0.0.1:1')]);
    }
  });

  it('query texts that hold a secret variable\'s value are masked by queries, explain and describe', () => {
    const p = project();
    const yaml = join(p.dir, 'ksql-migrate.yaml');
    writeFileSync(yaml, `${readFileSync(yaml, 'utf8')}variables:\n  api_token: Tok-S3cr3t-777\n`);
    const t = `SEC5_${p.stream}`;
    sql(p.dir, 'V000001__q.sql', `CREATE STREAM ${t} (id STRING KEY, tok STRING) WITH (KAFKA_TOPIC='${t.toLowerCase()}', VALUE_FORMAT='JSON', PARTITIONS=1);\nCREATE STREAM ${t}_F AS SELECT * FROM ${t} WHERE tok = '\${api_token}';\n`);
    expect(p.run('up').status).toBe(0);
    const listed = p.run('queries', '--json', '--sink', `${t}_F`);
    expect(listed.stdout).toContain('***');
    const id = (JSON.parse(listed.stdout) as { id: string }[])[0]!.id;
    for (const args of [['queries'], ['queries', '--json'], ['queries', 'explain', id], ['queries', 'explain', id, '--json'], ['describe', `${t}_F`, '--json']]) {
      const r = p.run(...args);
      expect([args.join(' '), r.status]).toEqual([args.join(' '), 0]);
      expect(r.stdout, args.join(' ')).not.toContain('Tok-S3cr3t-777');
    }
  });

  it('what migration and undo files DEFINE under secret names is masked by every command that shows statements: down, queries, explain, describe', () => {
    const p = project();
    const t = `SEC6_${p.stream}`;
    sql(p.dir, 'V000001__s.sql', `CREATE STREAM ${t} (id STRING KEY, tok STRING) WITH (KAFKA_TOPIC='${t.toLowerCase()}', VALUE_FORMAT='JSON', PARTITIONS=1);\n`);
    sql(p.dir, 'V000002__q.sql', `DEFINE hash_secret = 'SaltSecret-9911x';\nCREATE STREAM ${t}_H AS SELECT ID, MD5(CONCAT(TOK, '\${hash_secret}')) AS H FROM ${t};\n`);
    sql(p.dir, 'U000002__q.sql', `DEFINE undo_secret = 'UndoSecret-5150q';\nINSERT INTO ${t} (id, tok) VALUES ('u', '\${undo_secret}');\nDROP STREAM ${t}_H;\n`);
    expect(p.run('up').status).toBe(0);
    const id = (JSON.parse(p.run('queries', '--json', '--sink', `${t}_H`).stdout) as { id: string }[])[0]!.id;
    for (const args of [['queries', '--json'], ['queries', 'explain', id], ['describe', `${t}_H`, '--json']]) {
      const r = p.run(...args);
      expect([args.join(' '), r.status, r.stdout.includes('SaltSecret-9911x')]).toEqual([args.join(' '), 0, false]);
    }
    const down = p.run('down', '--verbose');
    expect(down.status).toBe(0);
    expect(down.stderr).toMatch(/> POST /);
    expect(down.stderr).not.toContain('UndoSecret-5150q');
    // a secret property whose value comes from a plainly named variable, quoted by a failure
    const q = project();
    sql(q.dir, 'V000001__conn.sql', "CREATE SOURCE CONNECTOR pg WITH ('connector.class'='x', 'connection.password' '${db_conn}');\n");
    const failed = q.run('up', '-d', 'db_conn=ViaVarPw-6161');
    expect([failed.status, failed.stderr.includes('ViaVarPw-6161')]).toEqual([1, false]);
    // a mistyped option's value with a quote in it
    const typo = q.run('status', "--pasword=ab'cdPwTypo-42");
    expect([typo.status, typo.stderr.includes('PwTypo-42')]).toEqual([2, false]);
  });

  it('a secret DEFINEd from another variable is masked as its substituted value', () => {
    const p = project();
    const t = `SEC3_${p.stream}`;
    sql(p.dir, 'V000001__s.sql', `CREATE STREAM ${t} (id STRING KEY, v STRING) WITH (KAFKA_TOPIC='${t.toLowerCase()}', VALUE_FORMAT='JSON', PARTITIONS=1);\nDEFINE api_secret = '\${base}';\nINSERT INTO ${t} (id, v) VALUES ('k', '\${api_secret}');\n`);
    const dry = p.run('up', '--dry-run', '-d', 'base=FromVar77');
    expect(dry.status).toBe(0);
    expect(dry.stdout).toContain(`VALUES ('k', '***')`);
    expect(dry.stdout).not.toContain('FromVar77');
  });

  it('a connector config\'s secret properties are masked whichever way their names are quoted', async () => {
    const { redactor } = await import('../../src/cli/context.js');
    const redact = redactor([]);
    const body = JSON.stringify({ ksql: `CREATE SOURCE CONNECTOR c WITH ("connection.password"='DQPASS456', \`sasl.jaas.config\`='x password="JAASPW000";', 'user.password'='SQ1', "topic"='t');` });
    const out = redact(body);
    for (const secret of ['DQPASS456', 'JAASPW000', 'SQ1']) expect(out).not.toContain(secret);
    expect(out).toContain(`\\"topic\\"='t'`);
  });
});

describe('commands a careful user leans on', () => {
  it('metadata destroy asks first (refusing without a terminal unless --yes) and never runs under a live lock', async () => {
    const p = project();
    // nothing there yet: nothing to drop, and it says so
    expect([p.run('metadata', 'destroy', '--yes').stdout]).toEqual([`nothing to drop: ${p.stream} does not exist on the server\n`]);
    sql(p.dir, 'V000001__a.sql', stream(`DES_${p.stream}`, `des_${p.stream.toLowerCase()}`));
    expect(p.run('up').status).toBe(0);
    const asked = p.run('metadata', 'destroy');
    expect([asked.status, asked.stderr]).toEqual([2, expect.stringContaining(`drops ${p.table} and ${p.stream} with their topics`)]);
    expect(asked.stderr).toContain('the record of 1 applied version is lost');
    expect(asked.stderr).toContain('refusing to change the server without a terminal to ask on: add --yes');
    await claimLock(p, 'another-run');
    const locked = p.run('metadata', 'destroy', '--yes');
    expect([locked.status, locked.stderr]).toEqual([1, expect.stringMatching(/^error: the history's lock is held by another-run since /)]);
    expect(p.run('status').status).toBe(0);
  });

  it('a version marked rolled back whose file was removed leaves nothing to apply: status --exit-code is 0, as up and validate say', async () => {
    const p = project();
    sql(p.dir, 'V000001__a.sql', stream(`RB_${p.stream}`, `rb_${p.stream.toLowerCase()}`));
    sql(p.dir, 'V000002__bad.sql', 'CREATE STREAM BROKEN_NOPE WITH (KAFKA_TOPIC=\'nope_never\', VALUE_FORMAT=\'JSON\');\n');
    expect(p.run('up').status).toBe(1);
    expect(p.run('repair', '--mark-rolled-back').status).toBe(0);
    rmSync(join(p.dir, 'migrations', 'V000002__bad.sql'));
    expect(p.run('up').stdout).toContain('nothing to apply');
    expect(p.run('validate').status).toBe(0);
    const st = p.run('status', '--exit-code', '--json');
    expect(st.status).toBe(0);
    expect((JSON.parse(st.stdout) as { migrations: { version: number; state: string }[] }).migrations.find((m) => m.version === 2)!.state).toBe('ROLLED_BACK');
  });

  it('a refusal that says what to fix on its later lines is reported whole, on one line', async () => {
    const p = project();
    const src = `WH_${p.stream}`;
    expect((await ksql(target(), `${stream(src, src.toLowerCase())}CREATE STREAM ${src}_C AS SELECT * FROM ${src};`)).status).toBe(200);
    sql(p.dir, 'V000001__drop.sql', `DROP STREAM ${src};\n`);
    const r = p.run('up');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`Cannot drop ${src}. The following streams and/or tables read from this source: [${src}_C]. You need to drop them before dropping ${src}.`);
  });

  it('init creates the migrations directory the configuration names; a file in the way is one line, exit 2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ksqlm-init-'));
    writeFileSync(join(dir, 'ksql-migrations.properties'), `ksql.server.url=${target()}\nksql.migrations.dir.override=${join(dir, 'sql')}\n`);
    const r = spawnSync(process.execPath, [CLI, 'init'], { cwd: dir, encoding: 'utf8' });
    expect([r.status, r.stdout]).toEqual([0, expect.stringContaining(`migrations go in ${join(dir, 'sql')}`)]);
    expect(existsSync(join(dir, 'sql'))).toBe(true);
    writeFileSync(join(dir, 'afile'), 'x');
    const onFile = spawnSync(process.execPath, [CLI, 'init', join(dir, 'afile')], { cwd: dir, encoding: 'utf8' });
    expect([onFile.status, onFile.stderr]).toEqual([2, `error: init: ${join(dir, 'afile')} is a file, not a directory\n`]);
  });

  it('init and create in a project whose settings name secrets set only in CI still work; a directory named by an unset variable is refused', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ksqlm-init-env-'));
    const env = { ...process.env };
    delete env.KSQLM_UNSET_URL; delete env.KSQLM_UNSET_SECRET; delete env.KSQLM_UNSET_DIR;
    writeFileSync(join(dir, 'ksql-migrate.yaml'), 'server:\n  url: ${env:KSQLM_UNSET_URL}\n  password: ${env:KSQLM_UNSET_SECRET}\n  timeoutMs: ${env:KSQLM_UNSET_TIMEOUT}\nmetadata:\n  stream: ${env:KSQLM_UNSET_STREAM}\nmigrations:\n  dir: sql\n');
    const r = spawnSync(process.execPath, [CLI, 'init'], { cwd: dir, encoding: 'utf8', env });
    expect([r.status, r.stdout]).toEqual([0, expect.stringContaining(`migrations go in ${join(dir, 'sql')}`)]);
    expect(existsSync(join(dir, 'sql'))).toBe(true);
    // so does create, which only writes a file; a command that talks to the server names the variable
    const created = spawnSync(process.execPath, [CLI, 'create', 'first'], { cwd: dir, encoding: 'utf8', env });
    expect([created.status, existsSync(join(dir, 'sql', 'V000001__first.sql'))]).toEqual([0, true]);
    const status = spawnSync(process.execPath, [CLI, 'status'], { cwd: dir, encoding: 'utf8', env });
    expect([status.status, status.stderr]).toEqual([2, `error: ${join(dir, 'ksql-migrate.yaml')}:2: server.url: environment variable KSQLM_UNSET_URL is not set\n`]);
    writeFileSync(join(dir, 'ksql-migrate.yaml'), 'migrations:\n  dir: ${env:KSQLM_UNSET_DIR}\n');
    const refused = spawnSync(process.execPath, [CLI, 'init'], { cwd: dir, encoding: 'utf8', env });
    expect([refused.status, refused.stderr]).toEqual([2, `error: ${join(dir, 'ksql-migrate.yaml')}:2: migrations.dir: environment variable KSQLM_UNSET_DIR is not set\n`]);
  });

  it('a config variable whose ${env:NAME} is unset stops only a migration that uses it: status, validate and up of other files run', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ksqlm-unset-var-'));
    const env = { ...process.env };
    delete env.KSQLM_UNSET_TOKEN;
    writeFileSync(join(dir, 'ksql-migrate.yaml'), 'variables:\n  token: ${env:KSQLM_UNSET_TOKEN}\n');
    mkdirSync(join(dir, 'migrations'));
    writeFileSync(join(dir, 'migrations', 'V000001__plain.sql'), "CREATE STREAM PLAIN (A INT) WITH (kafka_topic='plain', value_format='json', partitions=1);\n");
    const cli = (...args: string[]) => spawnSync(process.execPath, [CLI, ...args, '--embedded', join(dir, '.data')], { cwd: dir, encoding: 'utf8', env });
    expect(cli('status').status).toBe(0);
    expect(cli('validate').status).toBe(0);
    expect(cli('up', '--quiet').status).toBe(0);
    writeFileSync(join(dir, 'migrations', 'V000002__uses.sql'), "INSERT INTO PLAIN (A) VALUES (1);\nINSERT INTO PLAIN (A) VALUES (${token});\n");
    const up = cli('up');
    expect([up.status, up.stderr]).toEqual([4, "error: V000002__uses.sql:2: variable 'token' has no value: variables.token: environment variable KSQLM_UNSET_TOKEN is not set\n"]);
    expect(cli('up', '--quiet', '-d', 'token=7').status).toBe(0);
  });

  it('init honours KSQL_MIGRATE_MIGRATIONS_DIR as the other commands do: it makes that directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ksqlm-init-dir-'));
    const env = { ...process.env, KSQL_MIGRATE_MIGRATIONS_DIR: 'db/mig' };
    const r = spawnSync(process.execPath, [CLI, 'init'], { cwd: dir, encoding: 'utf8', env });
    expect([r.status, r.stdout]).toEqual([0, `created ${join(dir, 'ksql-migrate.yaml')}\nmigrations go in ${join(dir, 'db', 'mig')}; next: ksql-migrate create "first migration"\n`]);
    expect(existsSync(join(dir, 'migrations'))).toBe(false);
    expect(spawnSync(process.execPath, [CLI, 'create', 'first'], { cwd: dir, encoding: 'utf8', env }).status).toBe(0);
    expect(existsSync(join(dir, 'db', 'mig', 'V000001__first.sql'))).toBe(true);
  });

  it('init honours KSQL_MIGRATE_CONFIG: writes that file with migrations/ beside it, or keeps it and creates its directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ksqlm-init-named-'));
    const env = { ...process.env, KSQL_MIGRATE_CONFIG: 'ci/ksql.yaml' };
    const first = spawnSync(process.execPath, [CLI, 'init'], { cwd: dir, encoding: 'utf8', env });
    expect([first.status, first.stdout]).toEqual([0, `created ${join(dir, 'ci', 'ksql.yaml')}\nmigrations go in ${join(dir, 'ci', 'migrations')}; next: ksql-migrate create "first migration"\n`]);
    expect(existsSync(join(dir, 'ksql-migrate.yaml'))).toBe(false);
    writeFileSync(join(dir, 'ci', 'ksql.yaml'), 'migrations:\n  dir: ../db\n');
    const again = spawnSync(process.execPath, [CLI, 'init'], { cwd: dir, encoding: 'utf8', env });
    expect([again.status, again.stdout]).toEqual([0, `${join(dir, 'ci', 'ksql.yaml')} already exists; left as it is\nmigrations go in ${join(dir, 'db')}; next: ksql-migrate create "first migration"\n`]);
    expect(existsSync(join(dir, 'db'))).toBe(true);
    const props = spawnSync(process.execPath, [CLI, 'init'], { cwd: dir, encoding: 'utf8', env: { ...process.env, KSQL_MIGRATE_CONFIG: 'x.properties' } });
    expect([props.status, props.stderr]).toEqual([2, `error: KSQL_MIGRATE_CONFIG: ${join(dir, 'x.properties')} does not exist; init writes a YAML configuration, so name a .yaml file (or create the .properties file yourself)\n`]);
    // a directory given, and a configuration named outside it: refused, nothing made (inside it, or relative, it is that directory's)
    const elsewhere = join(mkdtempSync(join(tmpdir(), 'ksqlm-init-other-')), 'x.yaml');
    const both = spawnSync(process.execPath, [CLI, 'init', join(dir, 'proj')], { cwd: dir, encoding: 'utf8', env: { ...process.env, KSQL_MIGRATE_CONFIG: elsewhere } });
    expect([both.status, both.stderr, existsSync(join(dir, 'proj')), existsSync(elsewhere)]).toEqual([2, `error: init: KSQL_MIGRATE_CONFIG names ${elsewhere}, outside ${join(dir, 'proj')}: unset it to set up ${join(dir, 'proj')}, or run init without a directory to set up the configuration it names\n`, false, false]);
    const inside = spawnSync(process.execPath, [CLI, 'init', join(dir, 'proj')], { cwd: dir, encoding: 'utf8', env: { ...process.env, KSQL_MIGRATE_CONFIG: 'conf/k.yaml' } });
    expect([inside.status, existsSync(join(dir, 'proj', 'conf', 'k.yaml'))]).toEqual([0, true]);
    // (a file of the directory whose name starts with two dots is inside it)
    const dotted = spawnSync(process.execPath, [CLI, 'init', join(dir, 'proj2')], { cwd: dir, encoding: 'utf8', env: { ...process.env, KSQL_MIGRATE_CONFIG: '..ksql.yaml' } });
    expect([dotted.status, existsSync(join(dir, 'proj2', '..ksql.yaml'))]).toEqual([0, true]);
  });

  it('settings that cannot work are usage errors naming the setting, not unreachable servers', () => {
    const p = project();
    const scheme = p.run('status', '--server', 'htp://127.0.0.1:1');
    expect([scheme.status, scheme.stderr]).toEqual([2, 'error: --server: expected an http:// or https:// URL\n']);
    writeFileSync(join(p.dir, 'ksql-migrate.yaml'), `server:\n  url: ${target()}\n  headers:\n    "Bad Header": x\n`);
    const header = p.run('status');
    expect([header.status, header.stderr]).toEqual([2, `error: ${join(p.dir, 'ksql-migrate.yaml')}:4: server.headers.Bad Header: not a valid HTTP header name\n`]);
    writeFileSync(join(p.dir, 'ksql-migrate.yaml'), `server:\n  url: ${target()}\n  headers:\n    X-Team: café €\n`);
    const value = p.run('status');
    expect([value.status, value.stderr]).toEqual([2, `error: ${join(p.dir, 'ksql-migrate.yaml')}:4: server.headers.X-Team: not a valid HTTP header value\n`]);
    // a history topic Kafka would refuse is named by its setting, not left to the server's refusal
    writeFileSync(join(p.dir, 'ksql-migrate.yaml'), `server:\n  url: ${target()}\nmetadata:\n  streamTopic: "events topic"\n`);
    const topic = p.run('status');
    expect([topic.status, topic.stderr]).toEqual([2, `error: ${join(p.dir, 'ksql-migrate.yaml')}:4: metadata.streamTopic: not a Kafka topic name (letters, digits, '.', '_' and '-', at most 249)\n`]);
    rmSync(join(p.dir, 'ksql-migrate.yaml'));
    writeFileSync(join(p.dir, 'ksql-migrations.properties'), `ksql.server.url=${target()}\nksql.migrations.topic.replicas=abc\n`);
    const prop = p.run('status');
    expect(prop.status).toBe(2);
    expect(prop.stderr).toMatch(new RegExp(`^error: ${join(p.dir, 'ksql-migrations.properties').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:2: ksql\\.migrations\\.topic\\.replicas: `));
  });

  it('a property of the configuration the server refuses (unknown, or a bad value) stops up before it claims the lock or writes anything: exit 2 naming the file, line and key', () => {
    const p = project();
    sql(p.dir, 'V000001__p.sql', stream(`PR_${p.stream}`, `pr_${p.stream.toLowerCase()}`));
    const yaml = join(p.dir, 'ksql-migrate.yaml');
    const good = readFileSync(yaml, 'utf8');
    for (const [line, key, said] of [
      ['  not.a.real.property: 1', 'not.a.real.property', "Failed to set 'not.a.real.property' to '1'"],
      ['  ksql.streams.auto.offset.reset: middle', 'ksql.streams.auto.offset.reset', 'Invalid value middle for configuration auto.offset.reset'],
      // a secret-named one's value is not repeated from the server's message, on stderr or in --json
      ['  connection.password: PropSecret888', 'connection.password', "Failed to set 'connection.password' to '***'"],
    ] as const) {
      writeFileSync(yaml, good.replace(/^properties:\n( {2}.*\n)+/m, `properties:\n${line}\n`));
      const at = good.slice(0, good.indexOf('properties:')).split('\n').length + 1;
      const up = p.run('up');
      const json = p.run('up', '--json');
      expect(`${up.stdout}${up.stderr}${json.stdout}${json.stderr}`).not.toContain('PropSecret888');
      // (a real ksqlDB's words may differ: the local server's are its)
      if (process.env.KSQLDB_URL) expect(up.status).not.toBe(0);
      else expect([up.status, up.stderr.startsWith(`error: ${yaml}:${at}: properties.${key}: ksqlDB refused it: ${said}`)]).toEqual([2, true]);
    }
    writeFileSync(yaml, good);
    // nothing was made or claimed: the next run applies the version
    const s = JSON.parse(p.run('status', '--json').stdout);
    expect([s.metadataExists, s.lockHolder]).toEqual([false, null]);
    expect(p.run('up').status).toBe(0);
  });

  it('a project configured by ksql-migrations.properties: values are trimmed as the Java tool trims them, messages name its keys, and one beside a ksql-migrate.yaml is said to be unread', () => {
    const p = project();
    const props = join(p.dir, 'ksql-migrations.properties');
    rmSync(join(p.dir, 'ksql-migrate.yaml'));
    // trailing blanks after a value (Kafka's ConfigDef trims every value the Java tool reads)
    writeFileSync(props, `ksql.server.url=${target()}  \nksql.migrations.stream.name=${p.stream}  \nksql.migrations.table.name=${p.table}\t\nksql.migrations.stream.topic.name=${p.stream.toLowerCase()}-t  \n`);
    sql(p.dir, 'V000001__trimmed.sql', stream(`TR_${p.stream}`, `tr_${p.stream.toLowerCase()}`));
    expect(p.run('up').status).toBe(0);
    expect(JSON.parse(p.run('status', '--json').stdout).currentVersion).toBe(1);
    // a setting's problem is named as the file names it, with its line
    writeFileSync(props, `ksql.server.url=${target()}\nksql.migrations.stream.name=${p.stream}\nksql.migrations.topic.replicas=many\n`);
    const bad = p.run('status');
    expect([bad.status, bad.stderr.startsWith(`error: ${props}:3: ksql.migrations.topic.replicas: `)]).toEqual([2, true]);
    // a ${ in a value is text, as Java reads the file (a password may hold one)
    writeFileSync(props, `ksql.server.url=${target()}\nksql.migrations.stream.name=${p.stream}\nksql.migrations.table.name=${p.table}\nksql.auth.basic.username=u\nksql.auth.basic.password=\${PW}\n`);
    const pw = p.run('status', '--verbose');
    expect([pw.status, pw.stderr.includes('${PW}')]).toEqual([0, false]);
    writeFileSync(props, `ksql.server.url=${target()}\nksql.migrations.dir.override=${join(p.dir, 'nowhere')}\n`);
    const dir = p.run('status');
    expect([dir.status, dir.stderr]).toEqual([2, expect.stringContaining('(set --migrations-dir, KSQL_MIGRATE_MIGRATIONS_DIR or ksql.migrations.dir.override,')]);
    // beside a ksql-migrate.yaml, the properties file is not read: said on every command
    writeFileSync(props, `ksql.server.url=${target()}\nksql.migrations.stream.name=THEIR_EVENTS\n`);
    writeFileSync(join(p.dir, 'ksql-migrate.yaml'), `server:\n  url: ${target()}\nmetadata:\n  stream: ${p.stream}\n  table: ${p.table}\n`);
    const both = p.run('status');
    expect([both.status, both.stderr]).toEqual([0, `warning: ${props} is not read: ${join(p.dir, 'ksql-migrate.yaml')} configures this project (remove one of the two, or give --config)\n`]);
    expect(p.run('status', '--quiet').stderr).toBe('');
  });
});
