import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { Kafka, logLevel } from 'kafkajs';
import { CLI, freePort, retryOnPortClash, startServerProcess, type Running } from '../helpers/server.js';
import { readTopic } from '../helpers/kafka.js';

let server: Running, bootstrap: string;
beforeAll(async () => {
  const kport = await retryOnPortClash(async () => {
    const port = await freePort();
    server = await startServerProcess(['--kafka-port', String(port)]);
    return port;
  });
  bootstrap = `127.0.0.1:${kport}`;
});
afterAll(async () => { await server.stop(); });

const datagen = (...args: string[]) => spawnSync(process.execPath, [CLI, 'datagen', ...args, '--bootstrap-servers', bootstrap], { encoding: 'utf8', timeout: 30_000 });

async function readAll(topic: string, n: number): Promise<{ key: string; value: any }[]> {
  const records = await readTopic(new Kafka({ clientId: 't', brokers: [bootstrap], logLevel: logLevel.NOTHING }), topic, n);
  return records.map((r) => ({ key: r.key!, value: JSON.parse(r.value.toString()) }));
}

describe('ksql-migrate datagen', () => {
  it('writes users and trades to Kafka, keyed as the quickstarts key them, repeatable with --seed', async () => {
    const users = datagen('users', '--count', '9', '--seed', '1', '--topic', 'dg-users', '--partitions', '1', '--json');
    expect(users.stderr).toBe('');
    expect(JSON.parse(users.stdout)).toMatchObject({ kind: 'users', topic: 'dg-users', sent: 9, seed: 1 });
    expect((await readAll('dg-users', 9)).map((u) => u.key).sort()).toEqual(Array.from({ length: 9 }, (_, i) => `User_${i + 1}`));

    expect(datagen('stocktrade', '--count', '300', '--seed', '5', '--topic', 'dg-a', '--partitions', '2', '-q').status).toBe(0);
    expect(datagen('stocktrade', '--count', '300', '--seed', '5', '--topic', 'dg-b', '--partitions', '2', '-q').status).toBe(0);
    const a = await readAll('dg-a', 300), b = await readAll('dg-b', 300);
    expect(a).toHaveLength(300);
    const byKey = (xs: typeof a) => [...xs].sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));
    expect(byKey(a)).toEqual(byKey(b));
    for (const t of a) expect(t.key).toBe(t.value.symbol);
  }, 60_000);

  it('--rate paces the records', () => {
    const t0 = Date.now();
    const r = datagen('stocktrade', '--count', '30', '--rate', '100/s', '--topic', 'dg-rate', '--partitions', '1', '-q');
    expect(r.status).toBe(0);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
  });

  it('writes only to a topic that exists: a missing one is named (made only with --partitions), so the migrations that make it later find no topic of another count', async () => {
    const missing = datagen('stocktrade', '--count', '5', '--topic', 'dg-missing');
    expect([missing.status, missing.stderr.trim()]).toEqual([1, `error: --topic: dg-missing does not exist on ${bootstrap}: apply the migrations first ('ksql-migrate up' makes the pipeline's topics with the partitions they ask for), or give --partitions N to make it`]);
    const admin = new Kafka({ clientId: 't', brokers: [bootstrap], logLevel: logLevel.NOTHING }).admin();
    await admin.connect();
    try {
      expect(await admin.listTopics()).not.toContain('dg-missing');
      expect(datagen('stocktrade', '--count', '5', '--topic', 'dg-missing', '--partitions', '3', '-q').status).toBe(0);
      expect((await admin.fetchTopicMetadata({ topics: ['dg-missing'] })).topics[0]!.partitions).toHaveLength(3);
    } finally { await admin.disconnect(); }
    const bad = datagen('stocktrade', '--partitions', '0');
    expect([bad.status, bad.stderr.trim()]).toEqual([2, "error: --partitions: expected a positive integer, got '0'"]);
  });

  it('a rate beyond 5,000 records a second still sends batches a broker takes (at most 500 records each)', () => {
    const r = datagen('stocktrade', '--count', '20000', '--rate', '100000', '--topic', 'dg-fast', '--partitions', '1', '--json');
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(JSON.parse(r.stdout).sent).toBe(20000);
  });

  it('Kafka lost part way is exit 3, after the line saying how many records went out', async () => {
    const kport = await freePort();
    const own = await startServerProcess(['--kafka-port', String(kport)]);
    const brokers = [`127.0.0.1:${kport}`];
    const json = spawn(process.execPath, [CLI, 'datagen', 'stocktrade', '--count', '100000', '--rate', '200', '--topic', 'dg-lost-json', '--partitions', '1', '--json', '--bootstrap-servers', brokers[0]!], { stdio: ['ignore', 'pipe', 'pipe'] });
    let jsonOut = '';
    json.stdout!.on('data', (d) => { jsonOut += d; });
    const jsonExited = new Promise<number | null>((r) => json.on('exit', (c) => r(c)));
    const proc = spawn(process.execPath, [CLI, 'datagen', 'stocktrade', '--count', '100000', '--rate', '200', '--topic', 'dg-lost', '--partitions', '1', '--bootstrap-servers', brokers[0]!], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '';
    proc.stdout!.on('data', (d) => { out += d; });
    proc.stderr!.on('data', (d) => { err += d; });
    const exited = new Promise<number | null>((r) => proc.on('exit', (c) => r(c)));
    const admin = new Kafka({ clientId: 't', brokers, logLevel: logLevel.NOTHING }).admin();
    try {
      await admin.connect();
      // once records are in the topic, the broker goes away
      for (const topic of ['dg-lost', 'dg-lost-json']) {
        for (let high = 0; high < 20;) {
          const offsets = await admin.fetchTopicOffsets(topic).catch(() => [{ high: '0' }]);
          high = Number(offsets[0]!.high);
        }
      }
      await admin.disconnect();
    } finally { await own.stop(); }
    expect(await exited).toBe(3);
    const sent = Number(/^sent (\d+) stocktrade records to dg-lost in [\d.]+ s \(seed \d+\)\n$/.exec(out)?.[1]);
    expect(sent).toBeGreaterThanOrEqual(20);
    expect(err).toMatch(new RegExp(`^error: Kafka at ${brokers[0]!.replace(/\./g, '\\.')} went out of reach after ${sent} of 100000 records: `));
    // --json: one document, the error's, with what was sent
    expect(await jsonExited).toBe(3);
    expect(JSON.parse(jsonOut)).toMatchObject({ error: expect.stringMatching(/went out of reach after \d+ of 100000 records/), exitCode: 3, kind: 'stocktrade', topic: 'dg-lost-json', sent: expect.any(Number) });
  }, 60_000);

  /** datagen --json to a topic of one partition, stopped with `signal` once its first record is there: its exit code, output, and how long the stop took. */
  const stoppedOnceWriting = async (topic: string, count: string, rate: string, signal: NodeJS.Signals) => {
    const child = spawn(process.execPath, [CLI, 'datagen', 'stocktrade', '--count', count, '--rate', rate, '--topic', topic, '--partitions', '1', '--json', '--bootstrap-servers', bootstrap], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => { out += d; });
    await readTopic(new Kafka({ clientId: 't', brokers: [bootstrap], logLevel: logLevel.NOTHING }), topic, 1);
    const t0 = Date.now();
    child.kill(signal);
    const code = await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)));
    return { code, ms: Date.now() - t0, summary: JSON.parse(out.trim()) as Record<string, unknown> };
  };

  it('SIGTERM stops it after the batch in flight: exit 143, and its summary (--json too) says it was stopped', async () => {
    // once records go out (the topic has some), the job is cancelled
    const { code, summary } = await stoppedOnceWriting('dg-term', '100000', '50', 'SIGTERM');
    expect(code).toBe(143);
    expect(summary).toMatchObject({ kind: 'stocktrade', topic: 'dg-term', sent: expect.any(Number), stoppedBy: 'SIGTERM' });
  }, 60_000);

  it('a stop during a --rate pause ends the pause at once (one record every 100 s here), with its summary; a rate is a decimal number', async () => {
    const { code, ms, summary } = await stoppedOnceWriting('dg-slow', '5', '0.01', 'SIGINT');
    // (the pause had some 100 s to go)
    expect([code, ms < 20_000, summary]).toEqual([130, true, expect.objectContaining({ sent: 1, stoppedBy: 'SIGINT' })]);
    for (const bad of ['Infinity', '0x10', '-1', '0']) expect([bad, datagen('users', '--count', '1', '--rate', bad, '--topic', 'dg-slow').status]).toEqual([bad, 2]);
  }, 60_000);

  it('Ctrl-C while connecting to a broker that takes the connection and never answers exits 130 at once, its summary saying so', async () => {
    const { createServer } = await import('node:net');
    const sockets: import('node:net').Socket[] = [];
    let connected = () => undefined as void;
    const reached = new Promise<void>((r) => { connected = r; });
    const silent = createServer((socket) => { sockets.push(socket); socket.on('error', () => undefined); connected(); });
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const port = (silent.address() as { port: number }).port;
      const child = spawn(process.execPath, [CLI, 'datagen', 'users', '--count', '5', '--json', '--bootstrap-servers', `127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d) => { out += d; });
      await reached;
      child.kill('SIGINT');
      expect(await new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c)))).toBe(130);
      expect(JSON.parse(out.trim())).toMatchObject({ kind: 'users', sent: 0, stoppedBy: 'SIGINT' });
    } finally { for (const x of sockets) x.destroy(); silent.close(); }
  }, 60_000);

  it('bad input: one line naming the flag, exit 2; no Kafka: exit 3', () => {
    const bad = datagen('stocktrade', '--count', 'x');
    expect([bad.status, bad.stderr.trim()]).toEqual([2, "error: --count: expected a positive integer, got 'x'"]);
    const kind = datagen('orders');
    expect([kind.status, kind.stderr.trim()]).toEqual([2, "error: datagen: unknown kind 'orders' (stocktrade or users)"]);
    const topic = datagen('stocktrade', '--topic', 'a b');
    expect([topic.status, topic.stderr.trim()]).toEqual([2, "error: --topic: 'a b' is not a Kafka topic name (letters, digits, '.', '_' and '-', at most 249)"]);
    const seed = datagen('stocktrade', '--seed', '');
    expect([seed.status, seed.stderr.trim()]).toEqual([2, "error: --seed: expected an integer, got ''"]);
    const huge = datagen('stocktrade', '--seed', '99999999999999999999');
    expect([huge.status, huge.stderr.trim()]).toEqual([2, 'error: --seed: 99999999999999999999 is beyond the integers this can repeat exactly (at most 9007199254740991 either side of 0)']);
    const down = spawnSync(process.execPath, [CLI, 'datagen', 'users', '--bootstrap-servers', '127.0.0.1:1'], { encoding: 'utf8', timeout: 30_000 });
    expect(down.status).toBe(3);
    expect(down.stderr).toMatch(/^error: cannot reach Kafka at 127\.0\.0\.1:1/);
  }, 30_000);
});
