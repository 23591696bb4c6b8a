import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CLI } from '../helpers/server.js';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

describe('ksql-migrate demo', () => {
  // the handler project is built on the first run and kept: the second test reuses it
  const dir = mkdtempSync(join(tmpdir(), 'ksqlm-demo-'));
  it('runs the pipeline end to end and, piped, prints one final table whose totals are the trades', () => {
    const r = spawnSync(process.execPath, [CLI, 'demo', '--trades', '300', '--rate', '1000', '--seed', '3', '--dir', dir], { cwd: ROOT, encoding: 'utf8', timeout: 240_000 });
    expect(r.status, r.stderr.slice(-2000)).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^Minute \(UTC\)\s+Symbol\s+Completed\s+Pending\s+SEC Flagged\s+Rejected$/);
    expect(lines[lines.length - 1]).toBe('300 trades sent, 300 settled (seed 3)');
    const total = lines[lines.length - 2]!.split(/\s+/).slice(1).map(Number);
    expect(total.reduce((a, b) => a + b, 0)).toBe(300);
    expect(r.stdout).not.toContain('\x1b['); // no redrawing when piped
  }, 240_000);

  it('SIGTERM stops it as Ctrl-C does: the counts so far, marked stopped, then exit 143', async () => {
    const child = spawn(process.execPath, [CLI, 'demo', '--duration', '120s', '--rate', '200', '--seed', '3', '--dir', dir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    // once the pipeline runs (its migrations applied), a SIGTERM as a closed job sends it
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', () => { if (/applied \d+ migrations/.test(err)) resolve(); });
      child.once('exit', () => reject(new Error(`demo ended early: ${err.slice(-2000)}`)));
    });
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code, err.slice(-2000)).toBe(143);
    expect(out.trim().split('\n').at(-1)).toMatch(/^\d+ trades sent, \d+ settled \(stopped\) \(seed 3\)$/);
  }, 240_000);

  it('npm start passes a SIGTERM on to the demo (its script execs it): the counts so far, and no demo left running', async () => {
    const child = spawn('npm', ['start', '--', '--duration', '120s', '--rate', '200', '--seed', '3', '--dir', dir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    child.stdout.on('data', (d) => { out += d; });
    child.stderr.on('data', (d) => { err += d; });
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', () => { if (/applied \d+ migrations/.test(err)) resolve(); });
      child.once('exit', () => reject(new Error(`npm start ended early: ${err.slice(-2000)}`)));
    });
    // npm signals its script's process: the demo itself, which prints its counts and ends; its output
    // then closes (a demo left running, as when the script's shell took the signal, kept it open)
    const closed = new Promise<void>((resolve) => child.stdout.once('close', () => resolve()));
    child.kill('SIGTERM');
    await closed;
    expect(out.trim().split('\n').at(-1), err.slice(-2000)).toMatch(/^\d+ trades sent, \d+ settled \(stopped\) \(seed 3\)$/);
  }, 240_000);

  it('a SIGTERM to it alone (docker stop) while it builds the handler stops the build at once: nothing after it starts, exit 143', async () => {
    const fresh = mkdtempSync(join(tmpdir(), 'ksqlm-demo-build-'));
    const child = spawn(process.execPath, [CLI, 'demo', '--trades', '20', '--dir', fresh], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => { err += d; });
    await new Promise<void>((resolve, reject) => {
      child.stderr.on('data', () => { if (/npm ci in /.test(err)) resolve(); });
      child.once('exit', () => reject(new Error(`demo ended early: ${err.slice(-2000)}`)));
    });
    child.kill('SIGTERM');
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    expect(code, err.slice(-2000)).toBe(143);
    expect(err).toContain('stopped while building the settlement handler');
    expect(err).not.toMatch(/npm run build|local server|applied \d+ migrations/);
  }, 120_000);

  it('outside a project it runs the pipeline the package ships; a high --rate goes out in sends a broker takes', () => {
    const elsewhere = mkdtempSync(join(tmpdir(), 'ksqlm-demo-cwd-'));
    const r = spawnSync(process.execPath, [CLI, 'demo', '--trades', '20000', '--rate', '100000', '--seed', '4', '--dir', dir], { cwd: elsewhere, encoding: 'utf8', timeout: 240_000 });
    expect(r.status, r.stderr.slice(-2000)).toBe(0);
    expect(r.stderr).toContain(`no migrations/ here: running the pipeline ksql-migrate ships (${join(ROOT, 'migrations')}/)`);
    expect(r.stdout.trim().split('\n').at(-1)).toBe('20000 trades sent, 20000 settled (seed 4)');
  }, 240_000);

  it('never writes over a directory that is not its own build (a user\'s handler project): exit 2, the files as they were', () => {
    const user = mkdtempSync(join(tmpdir(), 'ksqlm-demo-user-'));
    mkdirSync(join(user, 'settlement-handler', 'src'), { recursive: true });
    writeFileSync(join(user, 'settlement-handler', 'package.json'), '{"name":"my-settler"}\n');
    writeFileSync(join(user, 'settlement-handler', 'src', 'rules.ts'), '// my own rules\n');
    const r = spawnSync(process.execPath, [CLI, 'demo', '--trades', '20', '--dir', user], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect([r.status, r.stderr.trim().split('\n').at(-1)]).toEqual([2, `error: --dir: ${join(user, 'settlement-handler')} holds files that are not the demo's own build (its package.json names 'my-settler'); give the demo a directory of its own`]);
    expect(readFileSync(join(user, 'settlement-handler', 'src', 'rules.ts'), 'utf8')).toBe('// my own rules\n');
  });

  it('a settlement Lambda that keeps failing ends the demo with its error and exit 1, instead of waiting for settlements forever', () => {
    const bundle = join(dir, 'settlement-handler', 'dist', 'handler.mjs');
    expect(existsSync(bundle)).toBe(true);
    writeFileSync(bundle, "export const handler = async () => { throw new Error('settlement store is down'); };\n");
    const r = spawnSync(process.execPath, [CLI, 'demo', '--trades', '20', '--rate', '1000', '--seed', '3', '--dir', dir], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    expect([r.status, r.stderr.trim().split('\n').at(-1)]).toEqual([1, expect.stringMatching(/^error: demo: the settlement Lambda failed 3 times on a batch of \d+ records from partition \d+: settlement store is down$/)]);
  }, 120_000);

  it('migrations that do not make the pipeline are named, instead of failing on a topic the demo writes', () => {
    const empty = mkdtempSync(join(tmpdir(), 'ksqlm-demo-mig-'));
    const r = spawnSync(process.execPath, [CLI, 'demo', '--trades', '20', '--dir', dir, '--migrations-dir', empty], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    expect([r.status, r.stderr.trim().split('\n').at(-1)]).toEqual([1, `error: demo: the migrations in ${empty} do not make the pipeline the demo runs (no topic users, topic stocktrade, topic user_trades, topic trade-settlements, table COMPLETED_PER_MINUTE, table PENDING_PER_MINUTE, table FLAGGED_PER_MINUTE, table REJECTED_PER_MINUTE): use those of migrations/`]);
  }, 120_000);

  it('takes --trades or --duration, not both; bad values name their flag (exit 2)', () => {
    const run = (...args: string[]) => spawnSync(process.execPath, [CLI, 'demo', ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
    const both = run('--trades', '100', '--duration', '4s');
    expect([both.status, both.stderr.trim()]).toEqual([2, 'error: demo: --trades or --duration, not both']);
    const bad = run('--duration', 'soon');
    expect([bad.status, bad.stderr.trim()]).toEqual([2, "error: --duration: expected a duration like 500ms, 20s or 2m, got 'soon'"]);
    // counts and ports are decimal digits: 1e2 and 0x10 are numbers to JavaScript, not to these flags
    const exp = run('--trades', '1e2');
    expect([exp.status, exp.stderr.trim()]).toEqual([2, "error: --trades: expected a positive integer, got '1e2'"]);
    for (const [args, message] of [
      [['datagen', 'stocktrade', '--count', '0x10'], "error: --count: expected a positive integer, got '0x10'"],
      [['datagen', 'stocktrade', '--seed', '0x5'], "error: --seed: expected an integer, got '0x5'"],
      [['server', '--port', ''], "error: --port: expected a port number, got ''"],
      [['server', '--kafka-port', '1e4'], "error: --kafka-port: expected a port number, got '1e4'"],
      // a misspelt flag or command is one line, its suggestion included
      [['up', '--dry-rn'], "error: unknown option '--dry-rn' (did you mean --dry-run?)"],
      [['inti'], "error: unknown command 'inti' (did you mean init?)"],
      [['server', '--connections-max-idle-ms', '0'], "error: --connections-max-idle-ms: expected milliseconds from 1 to 2147483647, got '0'"],
      [['server', '--connections-max-idle-ms', '3000000000'], "error: --connections-max-idle-ms: expected milliseconds from 1 to 2147483647, got '3000000000'"],
      [['server', '--journal-compact-bytes', '-2'], "error: --journal-compact-bytes: expected a number of bytes or -1, got '-2'"],
      // a flag the server would ignore: for a listener that is off, or a journal there is none of
      [['server', '--no-kafka', '--kafka-sasl-plain', 'u:p'], 'error: --kafka-sasl-plain: the Kafka listener is off (--no-kafka)'],
      [['server', '--no-kafka', '--kafka-port', 'abc'], 'error: --kafka-port: the Kafka listener is off (--no-kafka)'],
      [['server', '--no-schema-registry', '--schema-registry-port', '0'], 'error: --schema-registry-port: the Schema Registry is off (--no-schema-registry)'],
      [['server', '--journal-compact-bytes', '100'], 'error: --journal-compact-bytes: there is no journal without --data-dir (the server keeps its data in memory)'],
      [['demo', '--duration', '0s'], "error: --duration: expected a time above zero, got '0s'"],
      [['lambda', 'run', '--handler', 'x.mjs', '--topic', 't', '--group', ''], 'error: --group: expected a consumer group id'],
      [['datagen', 'stocktrade', '--bootstrap-servers', '127.0.0.1:99999'], 'error: --bootstrap-servers: 127.0.0.1:99999 has no port number (1 to 65535)'],
    ] as [string[], string][]) {
      const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
      expect([r.status, r.stderr.trim()], args.join(' ')).toEqual([2, message]);
    }
  });
});
