import { execFile, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CLI, freePort, queryStream, startServerProcess } from '../helpers/server.js';

const MIGRATIONS = fileURLToPath(new URL('../../migrations', import.meta.url));
/** The project the second test builds, for the third to run. */
let built: string | undefined;

// the generated project's vitest must not think it runs inside this one
const env = { ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST'))), CI: 'true', NO_COLOR: '1' };
const run = (cwd: string, command: string, args: string[]): SpawnSyncReturns<string> =>
  spawnSync(command, args, { cwd, encoding: 'utf8', timeout: 240_000, env });
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

describe('ksql-migrate scaffold settlement-handler', () => {
  it('refuses a directory that is not empty, with a one-line usage error naming it', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'ksqlm-scaffold-'));
    mkdirSync(join(cwd, 'settlement-handler'));
    writeFileSync(join(cwd, 'settlement-handler', 'notes.txt'), 'mine');
    const refused = run(cwd, process.execPath, [CLI, 'scaffold', 'settlement-handler']);
    expect(refused.status).toBe(2);
    expect(refused.stderr).toBe(`error: scaffold: ${join(cwd, 'settlement-handler')} is not empty (--force writes into it anyway)\n`);
    expect(readdirSync(join(cwd, 'settlement-handler'))).toEqual(['notes.txt']);

    const forced = run(cwd, process.execPath, [CLI, 'scaffold', 'settlement-handler', '--force']);
    expect(forced.status, forced.stderr).toBe(0);
    expect(readdirSync(join(cwd, 'settlement-handler'))).toContain('notes.txt');
  });

  it('a path that cannot hold the project, a directory name that is no package name, a --dir that is not there: exit 2, one line', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'ksqlm-scaffold-bad-'));
    writeFileSync(join(cwd, 'afile'), 'x');
    const under = run(cwd, process.execPath, [CLI, 'scaffold', 'settlement-handler', 'afile/sub']);
    expect([under.status, under.stderr]).toEqual([2, `error: scaffold: cannot write ${join(cwd, 'afile', 'sub')}: a file stands where a directory is needed (ENOTDIR)\n`]);
    const named = run(cwd, process.execPath, [CLI, 'scaffold', 'settlement-handler', 'My_Handler']);
    expect(named.status).toBe(2);
    expect(named.stderr).toMatch(/^error: scaffold: the directory name 'My_Handler' \(the default for --name\) is not a valid npm package name/);
    const ci = run(cwd, process.execPath, [CLI, 'scaffold', 'ci', '--dir', 'typo/deep']);
    expect([ci.status, ci.stderr]).toEqual([2, `error: --dir: ${join(cwd, 'typo', 'deep')} is not an existing directory\n`]);
    expect(readdirSync(cwd)).toEqual(['afile']);
  });

  it('--force into a directory that cannot take the project writes nothing, and names the path in the way; next steps quote a path with spaces', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'ksqlm-scaffold-force-'));
    mkdirSync(join(cwd, 'hw'));
    writeFileSync(join(cwd, 'hw', 'src'), 'a file where src/ goes');
    const r = run(cwd, process.execPath, [CLI, 'scaffold', 'settlement-handler', 'hw', '--force']);
    expect([r.status, r.stderr]).toEqual([2, `error: scaffold: ${join(cwd, 'hw', 'src')}: a file stands where the project needs a directory\n`]);
    expect(readdirSync(join(cwd, 'hw'))).toEqual(['src']);
    const spaced = run(cwd, process.execPath, [CLI, 'scaffold', 'settlement-handler', 'My Dir', '--name', 'okname']);
    expect(spaced.status, spaced.stderr).toBe(0);
    expect(spaced.stdout).toContain("next:\n  cd 'My Dir'\n");
    const outside = run(cwd, process.execPath, [CLI, 'scaffold', 'ci', '--force', '--working-directory', 'sub/../../x']);
    expect([outside.status, outside.stderr]).toEqual([2, "error: scaffold ci: --working-directory: 'sub/../../x' leaves the repository (it is relative to its root)\n"]);
  });

  // The generated project's own install, type check, tests and bundle: what a user runs first.
  it('writes a project whose npm ci, type check, tests and esbuild bundle pass', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'ksqlm-scaffold-'));
    const created = run(cwd, process.execPath, [CLI, 'scaffold', 'settlement-handler', 'acme', '--name', 'acme-settlement', '--input-topic', 'acme_trades', '--event-source', 'msk']);
    expect(created.status, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^created acme\/ \(\d+ files\): acme-settlement, a Lambda settling acme_trades into trade-settlements \(event source: Amazon MSK\)\nnext:\n {2}cd acme\n {2}npm ci\n/);

    const project = join(cwd, 'acme');
    for (const [command, args] of [
      [npm, ['ci', '--prefer-offline', '--no-audit', '--no-fund']],
      [npm, ['run', '-s', 'typecheck']],
      [npm, ['test']],
      [npm, ['run', '-s', 'build']],
    ] as const) {
      const step = run(project, command, [...args]);
      expect(step.status, `${command} ${args.join(' ')}\n${step.stdout}\n${step.stderr}`).toBe(0);
    }
    expect(readdirSync(join(project, 'dist')).sort()).toEqual(['handler.mjs', 'handler.mjs.map', 'msk-handler.mjs', 'msk-handler.mjs.map']);
    built = project;
  }, 600_000);

  // The bundle as Lambda would load it: its secret from a stand-in Secrets Manager endpoint
  // (AWS_ENDPOINT_URL_SECRETS_MANAGER), its schema and records to the local server over
  // SASL/PLAIN, counted by the per-minute tables of migrations/.
  it('settles a batch through the local Kafka listener and Schema Registry', async () => {
    expect(built, 'the previous test builds the project').toBeDefined();
    const kport = await freePort(), sport = await freePort();
    const server = await startServerProcess(['--kafka-port', String(kport), '--schema-registry-port', String(sport), '--auto-offset-reset', 'earliest', '--kafka-sasl-plain', 'alice:kafka-pw-123']);
    const secret = JSON.stringify({ bootstrapServers: `127.0.0.1:${kport}`, username: 'alice', password: 'kafka-pw-123', saslMechanism: 'plain', ssl: false, schemaRegistryUrl: `http://127.0.0.1:${sport}`, outputTopic: 'trade-settlements' });
    let secretReads = 0;
    const secretsManager = createServer((req, res) => {
      if (req.headers['x-amz-target'] === 'secretsmanager.GetSecretValue') secretReads++;
      req.resume();
      req.on('end', () => {
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify({ ARN: 'arn:aws:secretsmanager:us-east-1:000000000000:secret:settlement-AbCdEf', Name: 'settlement', VersionId: 'v1', SecretString: secret, CreatedDate: 1_700_000_000 }));
      });
    });
    await new Promise<void>((ready) => secretsManager.listen(0, '127.0.0.1', ready));
    try {
      const up = spawnSync(process.execPath, [CLI, 'up', '--server', server.url, '--migrations-dir', MIGRATIONS, '-d', 'partitions=2', '--quiet'], { encoding: 'utf8' });
      expect(up.status, up.stderr).toBe(0);
      const b64 = (s: string) => Buffer.from(s).toString('base64');
      const record = (partition: number, offset: number, user: string | undefined, quantity: number) => ({
        topic: 'acme_trades', partition, offset, timestamp: Date.now(), timestampType: 'CREATE_TIME', headers: [],
        ...(user ? { key: b64(user) } : {}),
        value: b64(JSON.stringify({ REGIONID: 'Region_1', QUANTITY: quantity, SYMBOL: 'ZXZZT', PRICE: 100, ACCOUNT: 'ABC123', SIDE: 'BUY' })),
      });
      // 2 rejected (no key), 3 pending (> 100000), 5 small ones (SEC Flagged or Completed), over two invocations
      const events = [
        { eventSource: 'aws:kafka', eventSourceArn: 'arn:aws:kafka:local', bootstrapServers: `127.0.0.1:${kport}`, records: { 'acme_trades-0': [record(0, 0, undefined, 5), record(0, 1, 'User_1', 2000), record(0, 2, 'User_2', 7)], 'acme_trades-1': [record(1, 0, 'User_3', 3000), record(1, 1, 'User_4', 9)] } },
        { eventSource: 'aws:kafka', eventSourceArn: 'arn:aws:kafka:local', bootstrapServers: `127.0.0.1:${kport}`, records: { 'acme_trades-1': [record(1, 2, undefined, 1), record(1, 3, 'User_5', 4000), record(1, 4, 'User_6', 1), record(1, 5, 'User_7', 2), record(1, 6, 'User_8', 3)] } },
      ];
      const script = `const { handler } = await import('./dist/msk-handler.mjs');
for (const event of ${JSON.stringify(events)}) await handler(event, { awsRequestId: 'local', functionName: 'acme' });
process.exit(0);`;
      // asynchronously: the stand-in Secrets Manager answers from this process
      const invoked = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', script], {
        cwd: built, timeout: 60_000,
        env: { ...env, SETTLEMENT_CONFIG_SECRET: 'settlement', AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${(secretsManager.address() as AddressInfo).port}`, AWS_REGION: 'us-east-1', AWS_ACCESS_KEY_ID: 'local', AWS_SECRET_ACCESS_KEY: 'local', POWERTOOLS_LOG_LEVEL: 'INFO' },
      });
      expect(invoked.stdout).toContain('"message":"batch settled"');
      expect(invoked.stdout + invoked.stderr).not.toContain('kafka-pw-123');
      expect(secretReads, 'one read for both invocations').toBe(1);

      const count = async (table: string, column: string) => (await queryStream(server.url, `SELECT ${column} FROM ${table} WHERE SYMBOL = 'ZXZZT';`)).rows.reduce((n, r) => n + Number(r[0]), 0);
      const counts = async () => ({ rejected: await count('REJECTED_PER_MINUTE', 'NUM_REJECTED'), pending: await count('PENDING_PER_MINUTE', 'NUM_PENDING'), small: await count('COMPLETED_PER_MINUTE', 'NUM_COMPLETED') + await count('FLAGGED_PER_MINUTE', 'NUM_FLAGGED') });
      const expected = { rejected: 2, pending: 3, small: 5 };
      let seen = await counts();
      for (const deadline = Date.now() + 15_000; JSON.stringify(seen) !== JSON.stringify(expected) && Date.now() < deadline;) {
        await new Promise((r) => setTimeout(r, 50));
        seen = await counts();
      }
      expect(seen).toEqual(expected);
    } finally {
      secretsManager.close();
      await server.stop();
    }
  }, 120_000);
});
