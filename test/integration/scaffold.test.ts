import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI } from '../helpers/server.js';

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

  // The generated project's own install, type check, tests and bundle: what a user runs first.
  it('writes a project whose npm ci, type check, tests and esbuild bundle pass', () => {
    const cwd = mkdtempSync(join(tmpdir(), 'ksqlm-scaffold-'));
    const created = run(cwd, process.execPath, [CLI, 'scaffold', 'settlement-handler', 'acme', '--name', 'acme-settlement', '--input-topic', 'acme_trades', '--event-source', 'msk']);
    expect(created.status, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/^created acme\/ \(\d+ files\): acme-settlement, a Lambda settling acme_trades into trade-settlements \(event source: Amazon MSK\)\nnext:\n  cd acme\n  npm ci\n/);

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
  }, 600_000);
});
