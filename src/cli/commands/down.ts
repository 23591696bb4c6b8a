import { versionName } from '../../migrations/files.js';
import { undoMigrations } from '../../migrations/apply.js';
import { EXIT, versionFlag } from '../errors.js';
import { runFailure, runSignals } from '../run-control.js';
import { loadConfigOrExit, makeClient, startEmbedded, settings, warner, type GlobalOptions } from '../context.js';

export interface DownOptions extends GlobalOptions { to?: string; dryRun?: boolean }

/** `down`: runs undo files, newest version first, under the lock; each undone version is pending again. */
export async function runDown(opts: DownOptions): Promise<number> {
  const config = loadConfigOrExit(opts);
  // --to 0 undoes every applied version
  const to = versionFlag('--to', opts.to, true);
  const stopEmbedded = await startEmbedded(config, opts);
  const client = makeClient(config, opts);
  const signals = runSignals('undo', opts.json);
  const out = (line: string) => { if (!opts.quiet && !opts.json) process.stdout.write(`${line}\n`); };
  const warn = warner(opts);
  let waitShown = false;
  try {
    const s = await settings(config, client, opts);
    const result = await undoMigrations({ client, now: Date.now, sleep: (ms) => new Promise((r) => setTimeout(r, ms)), interrupted: signals.stopped }, s, { to, dryRun: opts.dryRun }, (e) => {
      switch (e.type) {
        case 'undo-plan':
          if (!e.plan.problems.length && e.plan.steps.length === 0) out(e.plan.applied === 0 ? 'nothing to undo: no version is applied' : `nothing to undo: no applied version is above ${to}`);
          else if (opts.dryRun) for (const st of e.plan.steps) out(`would undo ${versionName(Number(st.row.version))} ${st.row.name} with ${st.file.fileName}`);
          break;
        case 'lock-wait': if (!waitShown && !opts.quiet) { process.stderr.write(`waiting for the lock held by ${e.holder}\n`); waitShown = true; } break;
        case 'done': out(`undone ${versionName(e.file.version)} ${e.file.name} (${e.ms} ms)`); break;
        case 'failed': process.stderr.write(`undoing ${versionName(e.file.version)} with ${e.file.fileName} failed at ${e.reason}\n`); break;
        case 'warning': warn(e.message); break;
        case 'writing': signals.writing(); break;
      }
    });
    if (opts.json) process.stdout.write(`${JSON.stringify({ outcomes: result.outcomes.map((o) => ({ version: o.file.version, undoFile: o.file.fileName, status: o.status, reason: o.reason })), interrupted: result.interrupted }, null, 2)}\n`);
    // (a failure is exit 1 also when a stop was asked for while it ran)
    if (result.outcomes.some((o) => o.status === 'error')) return EXIT.FAILED;
    return result.interrupted ? signals.code() : EXIT.OK;
  } catch (e) {
    throw runFailure(e, signals.code());
  } finally {
    signals.dispose();
    await client.close(); await stopEmbedded();
  }
}
