import { describe, expect, it } from 'vitest';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { once } from 'node:events';
import { Kafka, logLevel } from 'kafkajs';
import { readTradeSettlement } from '../helpers/trade-settlement.js';
import { readTopic } from '../helpers/kafka.js';
import { CLI, freePort, queryStream, startServerProcess } from '../helpers/server.js';
// the generator the template uses for its inspection when INSPECTION_SEED is set
import { seededRandom } from '../../templates/settlement-handler/src/rules.js';

const MIGRATIONS = fileURLToPath(new URL('../../migrations', import.meta.url));
const FAIL_ONCE = fileURLToPath(new URL('../fixtures/lambda/fail-once.mjs', import.meta.url));
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** The seed's rules, written again here so the template is checked against an independent copy. */
function expectedDisposition(user: string | null, amount: number, random: () => number): string {
  if (user === null) return 'Rejected';
  if (amount > 100000) return 'Pending';
  return random() < 0.3 ? 'SEC Flagged' : 'Completed';
}

const run = (cmd: string, args: string[], cwd?: string) => spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: 240_000 });

describe('the settlement pipeline end to end: datagen -> ksqlDB joins -> the template Lambda via lambda run -> per-minute counts', () => {
  it('counts every trade once, with dispositions by the rules (seeded inspection), through a failed invocation', async () => {
    // the template as a user gets it: scaffolded, installed, bundled
    const dir = mkdtempSync(join(tmpdir(), 'ksqlm-e2e-'));
    const project = join(dir, 'settlement');
    expect(run(process.execPath, [CLI, 'scaffold', 'settlement-handler', project]).status).toBe(0);
    for (const args of [['ci', '--prefer-offline', '--no-audit', '--no-fund'], ['run', '-s', 'build']]) {
      const r = run(npm, args, project);
      expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    }

    const kport = await freePort(), sport = await freePort();
    const server = await startServerProcess(['--kafka-port', String(kport), '--schema-registry-port', String(sport), '--kafka-sasl-plain', 'app:kafka-pw', '--auto-offset-reset', 'earliest']);
    const bootstrap = `127.0.0.1:${kport}`;
    const sasl = ['--bootstrap-servers', bootstrap, '--sasl-username', 'app', '--sasl-password', 'kafka-pw'];
    let runner: ReturnType<typeof spawn> | undefined;
    try {
      const up = run(process.execPath, [CLI, 'up', '--server', server.url, '--migrations-dir', MIGRATIONS, '-d', 'partitions=1', '--quiet']);
      expect(up.stderr).toBe('');
      expect(run(process.execPath, [CLI, 'datagen', 'users', '--count', '9', '--seed', '1', '-q', ...sasl]).status).toBe(0);
      expect(run(process.execPath, [CLI, 'datagen', 'stocktrade', '--count', '2000', '--seed', '2', '-q', ...sasl]).status).toBe(0);

      const kafka = new Kafka({ clientId: 't', brokers: [bootstrap], logLevel: logLevel.NOTHING, sasl: { mechanism: 'plain', username: 'app', password: 'kafka-pw' } });
      const admin = kafka.admin();
      await admin.connect();
      let deadline = Date.now() + 60_000;
      // each phase gets a minute
      const step = () => { deadline = Date.now() + 60_000; };
      const high = async (topic: string) => Number((await admin.fetchTopicOffsets(topic))[0]!.high);
      while ((await high('user_trades')) < 2000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(await high('user_trades')).toBe(2000);

      step();
      const secret = join(dir, 'settlement.json');
      writeFileSync(secret, JSON.stringify({ bootstrapServers: bootstrap, username: 'app', password: 'kafka-pw', saslMechanism: 'plain', ssl: false, schemaRegistryUrl: `http://127.0.0.1:${sport}`, outputTopic: 'trade-settlements' }));
      let log = '';
      runner = spawn(process.execPath, [CLI, 'lambda', 'run', '--handler', FAIL_ONCE, '--topic', 'user_trades', '--batch-size', '100', '--batching-window', '50ms',
        '--max-concurrency', '1', '--secret', `settlement=${secret}`, '--group', 'settlement', ...sasl],
      { env: { ...process.env, SETTLEMENT_CONFIG_SECRET: 'settlement', INSPECTION_SEED: '7', WRAPPED_HANDLER: pathToFileURL(join(project, 'dist', 'handler.mjs')).href }, stdio: ['ignore', 'pipe', 'pipe'] });
      runner.stdout!.on('data', (d) => { log += d; });
      runner.stderr!.on('data', (d) => { log += d; });

      // the sum of every per-minute count, from pull queries over the four tables
      const total = async () => {
        let n = 0;
        for (const [table, col] of [['COMPLETED_PER_MINUTE', 'NUM_COMPLETED'], ['PENDING_PER_MINUTE', 'NUM_PENDING'], ['FLAGGED_PER_MINUTE', 'NUM_FLAGGED'], ['REJECTED_PER_MINUTE', 'NUM_REJECTED']]) {
          for (const row of (await queryStream(server.url, `SELECT ${col} FROM ${table};`)).rows) n += Number(row[0]);
        }
        return n;
      };
      while ((await high('trade-settlements').catch(() => 0)) < 2000 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      step();
      let counted = 0;
      while (Date.now() < deadline && (counted = await total()) < 2000) await new Promise((r) => setTimeout(r, 100));
      expect(counted, log).toBe(2000);
      expect(await high('trade-settlements')).toBe(2000);
      expect(log).toMatch(/invocation failed \(attempt 1\), batch of 100 retried: injected failure at record 50 of 100/);
      expect(log).not.toContain('kafka-pw');

      step();
      // each settlement against the rules, in user_trades order (one partition, one invocation at a time)
      const client = () => new Kafka({ clientId: 'check', brokers: [bootstrap], logLevel: logLevel.NOTHING, sasl: { mechanism: 'plain', username: 'app', password: 'kafka-pw' } });
      const read = async (topic: string, decode: (v: Buffer) => any) =>
        (await readTopic(client(), topic, 2000, 60_000)).map((r) => ({ key: r.key, ...decode(r.value) }));
      const trades = await read('user_trades', (v) => JSON.parse(v.toString()));
      const settlements = await read('trade-settlements', readTradeSettlement);
      const random = seededRandom(7);
      const expected = trades.map((t) => ({ user: t.key ?? 'NO USER', symbol: t.SYMBOL, amount: t.QUANTITY * t.PRICE, disposition: expectedDisposition(t.key, t.QUANTITY * t.PRICE, random) }));
      expect(settlements.map((s) => ({ user: s.user, symbol: s.symbol, amount: s.amount, disposition: s.disposition }))).toEqual(expected);
      const flagged = expected.filter((e) => e.disposition === 'SEC Flagged').length;
      expect(flagged).toBeGreaterThan(0);
      await admin.disconnect();
    } finally {
      if (runner) { runner.kill('SIGINT'); await once(runner, 'exit'); }
      await server.stop();
    }
  }, 300_000);
});
