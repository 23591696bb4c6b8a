import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { Kafka, logLevel } from 'kafkajs';
import { CLI, freePort, startServerProcess, type Running } from '../helpers/server.js';
import { readTopic } from '../helpers/kafka.js';

let server: Running, bootstrap: string;
beforeAll(async () => {
  const kport = await freePort();
  server = await startServerProcess(['--kafka-port', String(kport)]);
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
    const users = datagen('users', '--count', '9', '--seed', '1', '--topic', 'dg-users', '--json');
    expect(users.stderr).toBe('');
    expect(JSON.parse(users.stdout)).toMatchObject({ kind: 'users', topic: 'dg-users', sent: 9, seed: 1 });
    expect((await readAll('dg-users', 9)).map((u) => u.key).sort()).toEqual(Array.from({ length: 9 }, (_, i) => `User_${i + 1}`));

    expect(datagen('stocktrade', '--count', '300', '--seed', '5', '--topic', 'dg-a', '-q').status).toBe(0);
    expect(datagen('stocktrade', '--count', '300', '--seed', '5', '--topic', 'dg-b', '-q').status).toBe(0);
    const a = await readAll('dg-a', 300), b = await readAll('dg-b', 300);
    expect(a).toHaveLength(300);
    const byKey = (xs: typeof a) => [...xs].sort((x, y) => JSON.stringify(x).localeCompare(JSON.stringify(y)));
    expect(byKey(a)).toEqual(byKey(b));
    for (const t of a) expect(t.key).toBe(t.value.symbol);
  }, 60_000);

  it('--rate paces the records', () => {
    const t0 = Date.now();
    const r = datagen('stocktrade', '--count', '30', '--rate', '100/s', '--topic', 'dg-rate', '-q');
    expect(r.status).toBe(0);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
  });

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
