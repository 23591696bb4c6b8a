import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readTemplate, templateDir, writeProject } from '../scaffold/files.js';
import { renderSettlementHandler, SETTLEMENT_HANDLER_DEFAULTS } from '../scaffold/settlement-handler.js';

/**
 * The settlement handler the demo runs: the template scaffolded into `dir`, installed and bundled
 * once (later runs reuse the bundle). Returns the bundled handler's path.
 */
export async function buildHandlerProject(dir: string, say: (line: string) => void): Promise<string> {
  const bundle = join(dir, 'dist', 'handler.mjs');
  if (existsSync(bundle)) return bundle;
  say(`scaffolding the settlement handler into ${dir}`);
  const files = renderSettlementHandler(await readTemplate(templateDir('settlement-handler')), { ...SETTLEMENT_HANDLER_DEFAULTS, name: 'demo-settlement' });
  await writeProject(dir, files, { force: true });
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  for (const args of [['ci', '--prefer-offline', '--no-audit', '--no-fund'], ['run', '-s', 'build']]) {
    say(`npm ${args[0] === 'ci' ? 'ci' : 'run build'} in ${dir}`);
    const r = spawnSync(npm, args, { cwd: dir, encoding: 'utf8', timeout: 300_000 });
    if (r.status !== 0) throw new Error(`npm ${args.join(' ')} failed in ${dir}: ${(r.stderr || r.stdout).trim().split('\n').pop()}`);
  }
  return bundle;
}
