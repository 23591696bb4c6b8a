import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readTemplate, templateDir, writeProject } from '../scaffold/files.js';
import { renderSettlementHandler, SETTLEMENT_HANDLER_DEFAULTS } from '../scaffold/settlement-handler.js';

/** The package name of the demo's own build of the handler. */
const DEMO_NAME = 'demo-settlement';
/** The demo's directory holds something else. */
export class DemoDirTaken extends Error {}
/** npm was stopped by a signal while the handler was being built. */
export class BuildInterrupted extends Error { constructor(readonly signal: 'SIGINT' | 'SIGTERM') { super(`stopped by ${signal}`); } }

/**
 * The settlement handler the demo runs: the template scaffolded into `dir`, installed and bundled
 * once (later runs reuse the bundle). Returns the bundled handler's path.
 */
export async function buildHandlerProject(dir: string, say: (line: string) => void): Promise<string> {
  const bundle = join(dir, 'dist', 'handler.mjs');
  // a directory of other files (a user's own handler project) is never written over
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    let name: unknown;
    try { name = (JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown }).name; } catch { /* none, or not JSON */ }
    if (name !== DEMO_NAME) throw new DemoDirTaken(`${dir} holds files that are not the demo's own build${typeof name === 'string' ? ` (its package.json names '${name}')` : ''}`);
  }
  if (existsSync(bundle)) return bundle;
  say(`scaffolding the settlement handler into ${dir}`);
  const files = renderSettlementHandler(await readTemplate(templateDir('settlement-handler')), { ...SETTLEMENT_HANDLER_DEFAULTS, name: DEMO_NAME });
  await writeProject(dir, files, { force: true });
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  for (const args of [['ci', '--prefer-offline', '--no-audit', '--no-fund'], ['run', '-s', 'build']]) {
    say(`npm ${args[0] === 'ci' ? 'ci' : 'run build'} in ${dir}`);
    const r = await npmRun(npm, args, dir);
    // Ctrl-C from a terminal reaches npm too (the whole process group); a signal to this process
    // alone (docker stop, kill) is passed on to npm
    if (r.signal === 'SIGINT' || r.signal === 'SIGTERM' || r.status === 130 || r.status === 143) throw new BuildInterrupted(r.signal === 'SIGTERM' || r.status === 143 ? 'SIGTERM' : 'SIGINT');
    if (r.status !== 0) throw new Error(`npm ${args.join(' ')} failed in ${dir}: ${r.timedOut ? 'no end within 300 s' : r.output.trim().split('\n').pop()}`);
  }
  return bundle;
}

/** npm in `dir`, at most 300 s; a SIGINT or SIGTERM this process gets while it runs stops it with that signal. */
function npmRun(npm: string, args: string[], dir: string): Promise<{ status: number | null; signal: NodeJS.Signals | null; output: string; timedOut: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(npm, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '', err = '', timedOut = false;
    child.stdout.on('data', (d: Buffer) => { out = (out + d.toString()).slice(-4096); });
    child.stderr.on('data', (d: Buffer) => { err = (err + d.toString()).slice(-4096); });
    const pass = (signal: NodeJS.Signals) => () => { child.kill(signal); };
    const onInt = pass('SIGINT'), onTerm = pass('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, 300_000);
    const done = () => { clearTimeout(timer); process.off('SIGINT', onInt); process.off('SIGTERM', onTerm); };
    child.once('error', (e) => { done(); reject(e); });
    child.once('close', (status, signal) => { done(); resolve({ status, signal, output: err || out, timedOut }); });
  });
}
