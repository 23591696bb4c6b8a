import { spawn, type ChildProcess } from 'node:child_process';
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
  // a SIGINT or SIGTERM this process gets during the build stops the npm step running (Ctrl-C from a
  // terminal reaches npm too; a signal to this process alone, docker stop or kill, is passed on) and
  // starts no other
  const build: BuildState = {};
  const onInt = () => stop(build, 'SIGINT'), onTerm = () => stop(build, 'SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  try {
    for (const args of [['ci', '--prefer-offline', '--no-audit', '--no-fund'], ['run', '-s', 'build']]) {
      if (build.signal) throw new BuildInterrupted(build.signal);
      say(`npm ${args[0] === 'ci' ? 'ci' : 'run build'} in ${dir}`);
      const r = await npmRun(npm, args, dir, build);
      if (build.signal || r.signal === 'SIGINT' || r.signal === 'SIGTERM' || r.status === 130 || r.status === 143) throw new BuildInterrupted(build.signal ?? (r.signal === 'SIGTERM' || r.status === 143 ? 'SIGTERM' : 'SIGINT'));
      if (r.status !== 0) throw new Error(`npm ${args.join(' ')} failed in ${dir}: ${r.timedOut ? 'no end within 300 s' : r.output.trim().split('\n').pop()}`);
    }
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
  return bundle;
}

/** The build's signal, once one came, and the npm step running. */
interface BuildState { signal?: 'SIGINT' | 'SIGTERM'; child?: ChildProcess }
function stop(build: BuildState, signal: 'SIGINT' | 'SIGTERM'): void {
  build.signal ??= signal;
  build.child?.kill(signal);
}

/** npm in `dir`, at most 300 s. */
function npmRun(npm: string, args: string[], dir: string, build: BuildState): Promise<{ status: number | null; signal: NodeJS.Signals | null; output: string; timedOut: boolean }> {
  return new Promise((resolve, reject) => {
    const child = spawn(npm, args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    build.child = child;
    let out = '', err = '', timedOut = false;
    child.stdout.on('data', (d: Buffer) => { out = (out + d.toString()).slice(-4096); });
    child.stderr.on('data', (d: Buffer) => { err = (err + d.toString()).slice(-4096); });
    const timer = setTimeout(() => { timedOut = true; child.kill('SIGKILL'); }, 300_000);
    const done = () => { clearTimeout(timer); build.child = undefined; };
    child.once('error', (e) => { done(); reject(e); });
    child.once('close', (status, signal) => { done(); resolve({ status, signal, output: err || out, timedOut }); });
  });
}
