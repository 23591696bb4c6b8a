import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { once } from 'node:events';
import { Kafka, logLevel } from 'kafkajs';
import { KafkaSelfManagedEventSchema, KafkaMskEventSchema } from '@aws-lambda-powertools/parser/schemas/kafka';
import { CLI, freePort, retryOnPortClash, startServerProcess, type Running } from '../helpers/server.js';
import { EventSourceRunner } from '../../src/lambda/runner.js';

const COLLECT = fileURLToPath(new URL('../fixtures/lambda/collect.mjs', import.meta.url));
const fixture = (name: string) => fileURLToPath(new URL(`../fixtures/lambda/${name}`, import.meta.url));
let server: Running, bootstrap: string;
const kafka = () => new Kafka({ clientId: 't', brokers: [bootstrap], logLevel: logLevel.NOTHING });

beforeAll(async () => {
  const kport = await retryOnPortClash(async () => {
    const port = await freePort();
    server = await startServerProcess(['--kafka-port', String(port)]);
    return port;
  });
  bootstrap = `127.0.0.1:${kport}`;
  const admin = kafka().admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic: 'lt', numPartitions: 3 }, { topic: 'ev', numPartitions: 2 }, { topic: 'rb', numPartitions: 2 }, { topic: 'gid', numPartitions: 1 }, { topic: 'cc', numPartitions: 1 }, { topic: 'to', numPartitions: 1 }, { topic: 'ex', numPartitions: 1 }, { topic: 'envs', numPartitions: 3 }, { topic: 'none', numPartitions: 1 }, { topic: 'th', numPartitions: 1 }] });
  await admin.disconnect();
});
afterAll(async () => { await server.stop(); });

async function produce(topic: string, messages: { key?: string; value: string; headers?: Record<string, string> }[]) {
  const p = kafka().producer();
  await p.connect();
  await p.send({ topic, acks: -1, messages });
  await p.disconnect();
}

describe('ksql-migrate lambda', () => {
  it('run: every record reaches the handler once; a batch that throws is retried whole and committed only after', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ksqlm-lambda-'));
    const out = join(dir, 'out.jsonl');
    const values = Array.from({ length: 30 }, (_, i) => (i === 17 ? 'FAIL_ONCE' : i === 23 ? 'STRAY_ONCE' : i === 9 ? 'EXIT_ONCE' : `v${i}`));
    await produce('lt', values.map((v, i) => ({ key: `k${i % 5}`, value: v })));
    const run = spawn(process.execPath, [CLI, 'lambda', 'run', '--handler', COLLECT, '--topic', 'lt', '--bootstrap-servers', bootstrap,
      '--batch-size', '4', '--batching-window', '50ms', '--group', 'lt-g'], { env: { ...process.env, LAMBDA_OUT: out }, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    run.stderr!.on('data', (d) => { log += d; });
    const lines = () => (existsSync(out) ? readFileSync(out, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);
    const deadline = Date.now() + 30_000;
    while (lines().length < 30 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    // offsets are committed after success: the group has nothing left
    const admin = kafka().admin();
    await admin.connect();
    let committed = 0;
    while (Date.now() < deadline) {
      committed = (await admin.fetchOffsets({ groupId: 'lt-g', topics: ['lt'] }))[0]!.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
      if (committed === 30) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    await admin.disconnect();
    run.kill('SIGINT');
    const [code] = await once(run, 'exit');
    expect(code, log).toBe(130);
    const got = lines();
    expect(got.map((l) => l.value).sort()).toEqual([...values].sort());
    expect(new Set(got.map((l) => `${l.partition}/${l.offset}`)).size).toBe(30);
    expect(committed).toBe(30);
    expect(log).toMatch(/invocation failed \(attempt 1\), batch of \d+ retried: injected failure/);
    // an error the handler left unhandled fails its invocation, which is retried; the run goes on
    expect(log).toMatch(/invocation failed \(attempt 1\), batch of \d+ retried: Runtime\.UnhandledPromiseRejection: stray rejection/);
    // and a handler that calls process.exit fails its invocation as in Lambda, the runner going on
    expect(log).toMatch(/invocation failed \(attempt 1\), batch of \d+ retried: Runtime\.ExitError: Runtime exited with error: exit status 7/);
    // records of a partition arrive in offset order
    for (const p of [0, 1, 2]) {
      const offs = got.filter((l) => l.partition === p).map((l) => l.offset);
      expect(offs).toEqual([...offs].sort((a, b) => a - b));
    }
  }, 60_000);

  it('run: invocations at the same time run in execution environments of their own, each one invocation at a time, as in Lambda', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ksqlm-lambda-'));
    const out = join(dir, 'out.jsonl');
    await produce('envs', Array.from({ length: 600 }, (_, i) => ({ key: `k${i}`, value: `v${i}` })));
    const run = spawn(process.execPath, [CLI, 'lambda', 'run', '--handler', fixture('environments.mjs'), '--topic', 'envs', '--bootstrap-servers', bootstrap,
      '--batch-size', '5', '--batching-window', '10ms', '--max-concurrency', '3', '--group', 'envs-g'], { env: { ...process.env, LAMBDA_OUT: out }, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    run.stderr!.on('data', (d) => { log += d; });
    const lines = () => (existsSync(out) ? readFileSync(out, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { environment: string; atOnce: number; records: number }) : []);
    const deadline = Date.now() + 45_000;
    while (lines().reduce((n, l) => n + l.records, 0) < 600 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    run.kill('SIGTERM');
    const [code] = await once(run, 'exit');
    expect(code, log).toBe(143);
    const got = lines();
    expect(got.reduce((n, l) => n + l.records, 0), log).toBe(600);
    expect(log).toMatch(/3 concurrent invocations/);
    // never two invocations in one environment; more than one environment once it ran three at a time, at most three
    expect(Math.max(...got.map((l) => l.atOnce))).toBe(1);
    const environments = new Set(got.map((l) => l.environment)).size;
    expect(environments).toBeGreaterThan(1);
    expect(environments).toBeLessThanOrEqual(3);
  }, 60_000);

  it('event: a real SelfManagedKafka (and MSK) event that validates against Powertools\' schemas', async () => {
    await produce('ev', [{ key: 'User_1', value: '{"a":1}', headers: { trace: 'abc' } }, { value: 'no key' }]);
    const self = spawnSync(process.execPath, [CLI, 'lambda', 'event', '--topic', 'ev', '--count', '2', '--bootstrap-servers', bootstrap], { encoding: 'utf8', timeout: 30_000 });
    expect(self.stderr).toBe('');
    const event = JSON.parse(self.stdout);
    const parsed = KafkaSelfManagedEventSchema.parse(event);
    const records = Object.values(parsed.records).flat();
    expect(records.map((r) => r.value).sort()).toEqual(['no key', '{"a":1}'].sort());
    expect(records.find((r) => r.value === '{"a":1}')!.key).toBe('User_1');
    expect(records.find((r) => r.value === 'no key')!.key).toBeUndefined();
    expect(event.records[Object.keys(event.records).find((k) => event.records[k].some((r: { key?: string }) => r.key))!][0].headers).toEqual([{ trace: [...Buffer.from('abc')] }]);
    for (const key of Object.keys(event.records)) expect(key).toMatch(/^ev-[01]$/);

    const msk = spawnSync(process.execPath, [CLI, 'lambda', 'event', '--topic', 'ev', '--count', '1', '--event-source', 'msk', '--bootstrap-servers', bootstrap], { encoding: 'utf8', timeout: 30_000 });
    expect(KafkaMskEventSchema.parse(JSON.parse(msk.stdout)).eventSource).toBe('aws:kafka');

    // a topic without records makes no event (Lambda invokes with none); a name no topic can have is a usage error
    const empty = spawnSync(process.execPath, [CLI, 'lambda', 'event', '--topic', 'none', '--bootstrap-servers', bootstrap], { encoding: 'utf8', timeout: 30_000 });
    expect([empty.status, empty.stdout, empty.stderr]).toEqual([1, '', 'error: --topic: none has no records to build an event from\n']);
    for (const cmd of [['event'], ['run', '--handler', COLLECT]]) {
      const bad = spawnSync(process.execPath, [CLI, 'lambda', ...cmd, '--topic', '', '--bootstrap-servers', bootstrap], { encoding: 'utf8', timeout: 30_000 });
      expect([cmd, bad.status, bad.stderr]).toEqual([cmd, 2, "error: --topic: '' is not a Kafka topic name (letters, digits, '.', '_' and '-', at most 249)\n"]);
    }
  }, 30_000);

  it('event: a record of a LogAppendTime topic says so (timestampType LOG_APPEND_TIME, the broker\'s time); others CREATE_TIME', async () => {
    const admin = kafka().admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: 'lat', numPartitions: 1, configEntries: [{ name: 'message.timestamp.type', value: 'LogAppendTime' }] }, { topic: 'cat', numPartitions: 1 }] });
    await admin.disconnect();
    const before = Date.now();
    for (const topic of ['lat', 'cat']) {
      const p = kafka().producer();
      await p.connect();
      await p.send({ topic, acks: -1, messages: [{ value: 'v', timestamp: '1000' }] });
      await p.disconnect();
    }
    const record = (topic: string) => {
      const r = spawnSync(process.execPath, [CLI, 'lambda', 'event', '--topic', topic, '--count', '1', '--bootstrap-servers', bootstrap], { encoding: 'utf8', timeout: 30_000 });
      expect(r.status, r.stderr).toBe(0);
      return KafkaSelfManagedEventSchema.parse(JSON.parse(r.stdout)).records[`${topic}-0`]![0]!;
    };
    const appended = record('lat'), created = record('cat');
    expect([appended.timestampType, appended.timestamp >= before]).toEqual(['LOG_APPEND_TIME', true]);
    expect([created.timestampType, created.timestamp]).toEqual(['CREATE_TIME', 1000]);
  }, 30_000);

  it.skipIf(spawnSync('kcat', ['-V']).status !== 0)('event: a header without a value (kcat -H name) is an empty byte array, not a crash (skipped when kcat is not installed)', () => {
    const produced = spawnSync('kcat', ['-b', bootstrap, '-P', '-t', 'nullh', '-H', 'nh', '-H', 'a=1'], { input: 'v\n', encoding: 'utf8', timeout: 20_000 });
    expect(produced.status, produced.stderr).toBe(0);
    const r = spawnSync(process.execPath, [CLI, 'lambda', 'event', '--topic', 'nullh', '--count', '1', '--bootstrap-servers', bootstrap], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).records['nullh-0'][0].headers).toEqual([{ nh: [] }, { a: [...Buffer.from('1')] }]);
  });

  it('run: Ctrl-C during an invocation lets it finish and commits its batch, so the next run does not get it again', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ksqlm-lambda-'));
    const out = join(dir, 'out.jsonl');
    await produce('cc', [{ value: 'a' }, { value: 'b' }, { value: 'c' }]);
    const run = spawn(process.execPath, [CLI, 'lambda', 'run', '--handler', fixture('slow.mjs'), '--topic', 'cc', '--bootstrap-servers', bootstrap, '--group', 'cc-g', '--batching-window', '50ms'],
      { env: { ...process.env, LAMBDA_OUT: out, SLOW_MS: '1500' }, stdio: ['ignore', 'pipe', 'pipe'] });
    for (const deadline = Date.now() + 30_000; !existsSync(`${out}.started`) && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 20));
    run.kill('SIGINT');
    await once(run, 'exit');
    expect(readFileSync(out, 'utf8').trim().split('\n')).toHaveLength(3);
    const admin = kafka().admin();
    await admin.connect();
    const committed = (await admin.fetchOffsets({ groupId: 'cc-g', topics: ['cc'] }))[0]!.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
    await admin.disconnect();
    expect(committed).toBe(3);
  }, 60_000);

  it('run: a reader of its output that goes away (2>&1 | head) ends it, even while every batch fails', async () => {
    await produce('ex', [{ value: 'a' }]);
    const run = spawn(process.execPath, [CLI, 'lambda', 'run', '--handler', fixture('exits.mjs'), '--topic', 'ex', '--bootstrap-servers', bootstrap, '--group', 'ex-g', '--batching-window', '50ms'],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    // the first failure reported, the reader closes both pipes, as head does once it has its lines
    let seen = '';
    await new Promise<void>((resolve) => run.stderr!.on('data', (d) => { seen += d; if (/failed/.test(seen)) resolve(); }));
    run.stdout!.destroy(); run.stderr!.destroy();
    const [code] = await once(run, 'exit');
    expect(code).toBe(0);
  }, 60_000);

  it('run: a timed-out call that is still running keeps its partition until it ends; its retry never runs beside it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ksqlm-lambda-'));
    const out = join(dir, 'calls.log');
    await produce('to', [{ value: 'a' }, { value: 'b' }]);
    const run = spawn(process.execPath, [CLI, 'lambda', 'run', '--handler', fixture('slow-once.mjs'), '--topic', 'to', '--bootstrap-servers', bootstrap, '--group', 'to-g', '--batching-window', '50ms', '--timeout', '300ms'],
      { env: { ...process.env, LAMBDA_OUT: out, SLOW_MS: '1500' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    run.stderr!.on('data', (d) => { log += d; });
    const lines = () => (existsSync(out) ? readFileSync(out, 'utf8').trim().split('\n') : []);
    for (const deadline = Date.now() + 30_000; lines().filter((l) => l.startsWith('end')).length < 2 && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 20));
    run.kill('SIGINT');
    await once(run, 'exit');
    expect(log).toMatch(/Task timed out after 0\.30 seconds/);
    // the first call ended (late) before its retry started, which ran in a fresh environment (its
    // module loaded anew: its count of calls starts again), as Lambda replaces a timed-out one
    expect(lines().slice(0, 4)).toEqual(['start 1', 'end 1 2', 'start 1', 'end 1 2']);
  }, 60_000);

  it('run: Ctrl-C while a timed-out call that never ends is waited for stops at once (no retry follows it to protect)', async () => {
    await produce('th', [{ value: 'h' }]);
    const run = spawn(process.execPath, [CLI, 'lambda', 'run', '--handler', fixture('hang.mjs'), '--topic', 'th', '--bootstrap-servers', bootstrap, '--group', 'to-hang', '--batching-window', '50ms', '--timeout', '300ms'],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    let log = '';
    await new Promise<void>((resolve) => run.stderr!.on('data', (d) => { log += d; if (/Task timed out/.test(log)) resolve(); }));
    const t0 = Date.now();
    run.kill('SIGINT');
    const [code] = await once(run, 'exit');
    // (the abandoned call is waited for at most a minute before a retry; a stop does not wait for it)
    expect([code, Date.now() - t0 < 15_000]).toEqual([130, true]);
  }, 60_000);

  it('invoke: Ctrl-C stops a handler stuck in a loop that never yields (the signal\'s own default: no listener could run)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ksqlm-invoke-loop-'));
    const handler = join(dir, 'loop.mjs'), ev = join(dir, 'event.json');
    writeFileSync(handler, "export const handler = async () => { process.stderr.write('looping\\n'); for (;;) { /* never yields */ } };\n");
    writeFileSync(ev, JSON.stringify({ eventSource: 'SelfManagedKafka', bootstrapServers: 'x:9092', records: {} }));
    const c = spawn(process.execPath, [CLI, 'lambda', 'invoke', '--handler', handler, '--event', ev], { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    c.stderr!.on('data', (d) => { err += d; });
    while (!err.includes('looping')) await once(c.stderr!, 'data');
    c.kill('SIGINT');
    expect(await new Promise((r) => c.on('exit', (code, signal) => r([code, signal])))).toEqual([null, 'SIGINT']);
  });

  it('--secret: a secret given in place of its file is not echoed, nor is the file\'s name', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ksqlm-secret-'));
    const ev = join(dir, 'event.json');
    writeFileSync(ev, '{}');
    for (const given of ['app=S3cr3t-XYZZY-42', 'app={"password":"S3cr3t-XYZZY-42"}']) {
      const r = spawnSync(process.execPath, [CLI, 'lambda', 'invoke', '--handler', `${COLLECT}#handler`, '--event', ev, '--secret', given], { encoding: 'utf8', timeout: 30_000 });
      expect([r.status, r.stderr]).toEqual([2, "error: --secret app: the file given cannot be read (ENOENT); NAME=FILE names the file that holds the secret, not the secret\n"]);
    }
  });

  it('invoke: one event from a file; a handler that throws exits 1 with one line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ksqlm-invoke-'));
    const ev = join(dir, 'event.json'), out = join(dir, 'out.jsonl');
    const event = { eventSource: 'SelfManagedKafka', bootstrapServers: 'x:9092', records: { 't-0': [{ topic: 't', partition: 0, offset: 3, timestamp: 1, timestampType: 'CREATE_TIME', key: Buffer.from('k').toString('base64'), value: Buffer.from('hello').toString('base64'), headers: [] }] } };
    writeFileSync(ev, JSON.stringify(event));
    // what the handler logs goes to stderr, as sam local invoke keeps it: stdout is the result alone
    const ok = spawnSync(process.execPath, [CLI, 'lambda', 'invoke', '--handler', `${COLLECT}#handler`, '--event', ev], { encoding: 'utf8', env: { ...process.env, LAMBDA_OUT: out, LAMBDA_LOG: '1' } });
    expect([ok.status, ok.stdout]).toEqual([0, '{"processed":1}\n']);
    expect(ok.stderr).toContain('collecting 1 partition(s)');
    expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual({ partition: 0, offset: 3, key: 'k', value: 'hello' });
    event.records['t-0'][0]!.value = Buffer.from('FAIL_ONCE').toString('base64');
    writeFileSync(ev, JSON.stringify(event));
    const bad = spawnSync(process.execPath, [CLI, 'lambda', 'invoke', '--handler', COLLECT, '--event', ev], { encoding: 'utf8', env: { ...process.env, LAMBDA_OUT: out } });
    expect([bad.status, bad.stderr.trim()]).toEqual([1, 'error: the handler failed: injected failure']);
    event.records['t-0'][0]!.value = Buffer.from('STRAY_ONCE').toString('base64');
    writeFileSync(ev, JSON.stringify(event));
    const stray = spawnSync(process.execPath, [CLI, 'lambda', 'invoke', '--handler', COLLECT, '--event', ev], { encoding: 'utf8', env: { ...process.env, LAMBDA_OUT: join(dir, 'stray.jsonl') } });
    expect([stray.status, stray.stderr.trim()]).toEqual([1, 'error: the handler failed: Runtime.UnhandledPromiseRejection: stray rejection']);
    // a handler that calls process.exit fails its invocation (Runtime.ExitError), as in Lambda, instead of ending the command
    event.records['t-0'][0]!.value = Buffer.from('EXIT_ONCE').toString('base64');
    writeFileSync(ev, JSON.stringify(event));
    const exited = spawnSync(process.execPath, [CLI, 'lambda', 'invoke', '--handler', COLLECT, '--event', ev], { encoding: 'utf8', env: { ...process.env, LAMBDA_OUT: join(dir, 'exit.jsonl') } });
    expect([exited.status, exited.stderr.trim()]).toEqual([1, 'error: the handler failed: Runtime.ExitError: Runtime exited with error: exit status 7']);
    const missing = spawnSync(process.execPath, [CLI, 'lambda', 'invoke', '--handler', `${COLLECT}#nope`, '--event', ev], { encoding: 'utf8' });
    expect([missing.status, missing.stderr.trim()]).toEqual([2, `error: --handler: ${COLLECT} has no exported function 'nope'`]);
    // what a Kafka event source mapping refuses, run refuses (exit 2, one line), before consuming anything
    const limits: [string[], string][] = [
      [['--batch-size', '10001'], 'error: --batch-size: at most 10000 records per batch, got 10001'],
      [['--batching-window', '301s'], "error: --batching-window: Lambda allows at most 300 s, got '301s'"],
      // a bare number is seconds, as Lambda counts its window and timeout
      [['--batching-window', '301'], "error: --batching-window: Lambda allows at most 300 s, got '301'"],
      [['--timeout', '900'], "error: --timeout: a Kafka event source mapping allows 1 ms to 840 s (14 minutes), got '900'"],
      [['--timeout', '900s'], "error: --timeout: a Kafka event source mapping allows 1 ms to 840 s (14 minutes), got '900s'"],
      // durations read as demo --duration reads them: 15m is 900 s, a fraction of a second is taken
      [['--timeout', '15m'], "error: --timeout: a Kafka event source mapping allows 1 ms to 840 s (14 minutes), got '15m'"],
      [['--batching-window', '5.5m'], "error: --batching-window: Lambda allows at most 300 s, got '5.5m'"],
      [['--broker-timeout', 'soon'], "error: --broker-timeout: expected a duration like 500ms, 20s or 2m, got 'soon'"],
      [['--bogus'], "error: unknown option '--bogus'"],
    ];
    for (const [flags, message] of limits) {
      const r = spawnSync(process.execPath, [CLI, 'lambda', 'run', '--handler', COLLECT, '--topic', 'lt', '--bootstrap-servers', '127.0.0.1:1', ...flags], { encoding: 'utf8', timeout: 30_000 });
      expect([r.status, r.stderr.trim()], flags.join(' ')).toEqual([2, message]);
    }
  });

  it('run: Kafka lost for longer than --broker-timeout ends the run with one line and exit 1, after saying it is reconnecting', async () => {
    const kport = await freePort();
    const own = await startServerProcess(['--kafka-port', String(kport)]);
    const dir = mkdtempSync(join(tmpdir(), 'ksqlm-lambda-'));
    const out = join(dir, 'out.jsonl');
    const broker = `127.0.0.1:${kport}`;
    const p = new Kafka({ clientId: 't', brokers: [broker], logLevel: logLevel.NOTHING }).producer();
    await p.connect();
    await p.send({ topic: 'lost', acks: -1, messages: [{ value: 'before' }] });
    await p.disconnect();
    const run = spawn(process.execPath, [CLI, 'lambda', 'run', '--handler', COLLECT, '--topic', 'lost', '--bootstrap-servers', broker, '--batching-window', '50ms', '--broker-timeout', '3s'],
      { env: { ...process.env, LAMBDA_OUT: out }, stdio: ['ignore', 'ignore', 'pipe'] });
    let log = '';
    run.stderr!.on('data', (d) => { log += d; });
    const exited = once(run, 'exit');
    try {
      const deadline = Date.now() + 30_000;
      while (!(existsSync(out) && readFileSync(out, 'utf8').includes('before')) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(readFileSync(out, 'utf8')).toContain('before');
    } finally { await own.stop(); }
    const [code] = await exited;
    expect(code, log).toBe(1);
    expect(log).toMatch(/the consumer lost Kafka and is reconnecting: /);
    const last = log.trim().split('\n').at(-1)!;
    expect(last).toMatch(/^error: the Kafka consumer stopped: .*\(Kafka out of reach for \d+ s, the broker timeout is 3 s\)$/);
  }, 90_000);

  it('run: a new group starting from latest has no lag for the records before it, so it does not scale up for them', async () => {
    await produce('gid', Array.from({ length: 40 }, (_, i) => ({ value: `old${i}` })));
    const invoked: unknown[] = [];
    const runner = new EventSourceRunner({
      kafka: kafka(), bootstrapServers: bootstrap, topic: 'gid', groupId: 'latest-lag', batchSize: 10, batchingWindowMs: 50,
      startingPosition: 'latest', maxConcurrency: 4, eventSource: 'self-managed', invoke: async (e) => { invoked.push(e); },
    });
    await runner.start();
    try {
      expect(await runner.lag()).toBe(0);
    } finally { await runner.stop(); }
    expect(invoked).toEqual([]);
  });

  it('run: a member stays in its group through a long invocation and a rebalance; every record is handled and committed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ksqlm-rebalance-'));
    const out = join(dir, 'out.jsonl');
    const start = () => {
      const p = spawn(process.execPath, [CLI, 'lambda', 'run', '--handler', fixture('slow.mjs'), '--topic', 'rb', '--bootstrap-servers', bootstrap,
        '--batch-size', '1', '--batching-window', '20ms', '--group', 'rb-g'], { env: { ...process.env, LAMBDA_OUT: out, SLOW_MS: '2500' }, stdio: ['ignore', 'ignore', 'pipe'] });
      let log = '';
      p.stderr!.on('data', (d) => { log += d; });
      return { p, log: () => log };
    };
    const a = start();
    await produce('rb', Array.from({ length: 4 }, (_v, i) => ({ key: `k${i}`, value: `v${i}` })));
    // the second member joins while the first is inside an invocation
    for (const deadline = Date.now() + 30_000; !existsSync(`${out}.started`) && Date.now() < deadline;) await new Promise((r) => setTimeout(r, 20));
    const b = start();
    const admin = kafka().admin();
    await admin.connect();
    let committed = 0;
    for (const deadline = Date.now() + 50_000; Date.now() < deadline; await new Promise((r) => setTimeout(r, 100))) {
      committed = (await admin.fetchOffsets({ groupId: 'rb-g', topics: ['rb'] }))[0]!.partitions.reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
      if (committed === 4) break;
    }
    await admin.disconnect();
    expect(committed).toBe(4);
    // neither member gave up on its own
    expect([a.p.exitCode, b.p.exitCode]).toEqual([null, null]);
    const handled = new Set(readFileSync(out, 'utf8').trim().split('\n').map((l) => JSON.parse(l)).map((r: { partition: number; offset: number }) => `${r.partition}/${r.offset}`));
    expect(handled.size).toBe(4);
    for (const m of [a, b]) {
      m.p.kill('SIGINT');
      const [code] = await once(m.p, 'exit');
      expect(code, m.log()).toBe(130);
    }
  }, 90_000);

  it('run: handlers of the same file name in two projects get groups of their own', async () => {
    const groups: string[] = [];
    for (const sub of ['p1', 'p2']) {
      const dir = mkdtempSync(join(tmpdir(), `ksqlm-${sub}-`));
      writeFileSync(join(dir, 'handler.mjs'), readFileSync(COLLECT, 'utf8'));
      const p = spawn(process.execPath, [CLI, 'lambda', 'run', '--handler', join(dir, 'handler.mjs'), '--topic', 'gid', '--bootstrap-servers', bootstrap], { stdio: ['ignore', 'ignore', 'pipe'] });
      let log = '';
      await new Promise<void>((resolve) => p.stderr!.on('data', (d) => { log += d; if (/running .*\(group [^)]+\)/.test(log)) resolve(); }));
      groups.push(/\(group ([^)]+)\)/.exec(log)![1]!);
      p.kill('SIGINT');
      await once(p, 'exit');
    }
    expect(groups[0]).toMatch(/^ksql-migrate-lambda-handler-handler-[0-9a-f]{8}$/);
    expect(groups[0]).not.toBe(groups[1]);
  }, 30_000);

  it('invoke: a callback-style handler; one that never finishes, or runs past --timeout, exits 1 with one line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'ksqlm-invoke2-'));
    const ev = join(dir, 'event.json');
    writeFileSync(ev, JSON.stringify({ eventSource: 'SelfManagedKafka', bootstrapServers: 'x:9092', records: { 't-0': [{ topic: 't', partition: 0, offset: 0, timestamp: 1, timestampType: 'CREATE_TIME', value: '', headers: [] }] } }));
    const invoke = (...args: string[]) => spawnSync(process.execPath, [CLI, 'lambda', 'invoke', '--event', ev, ...args], { encoding: 'utf8', timeout: 30_000 });
    const cb = invoke('--handler', fixture('callback.mjs'));
    expect([cb.status, cb.stdout.trim()]).toEqual([0, '{"records":1,"name":"callback-handler"}']);
    const hang = invoke('--handler', fixture('hang.mjs'));
    expect([hang.status, hang.stderr.trim()]).toEqual([1, 'error: the handler failed: the handler never finished: its promise was left with nothing that could settle it']);
    const slow = spawnSync(process.execPath, [CLI, 'lambda', 'invoke', '--event', ev, '--handler', fixture('slow.mjs'), '--timeout', '300ms'], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, LAMBDA_OUT: join(dir, 'out'), SLOW_MS: '5000' } });
    expect([slow.status, slow.stderr.trim()]).toEqual([1, 'error: the handler failed: Task timed out after 0.30 seconds']);
  });
});
