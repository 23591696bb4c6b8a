import { versionName } from '../../migrations/files.js';
import { migrate, FilesRefused, HistoryNotRecorded, InterruptedWaiting, LockLost, PlanRefused, LockTimeout, type MigrationEvent } from '../../migrations/apply.js';
import { MigrationFileError } from '../../migrations/prepare.js';
import { CliError, EXIT, versionFlag } from '../errors.js';
import { discoverMigrations } from '../../migrations/files.js';
import { asCliError, loadConfigOrExit, makeClient, makeRegistryClient, noteDefinedSecrets, secretRedactor, startEmbedded, settings, warner, type GlobalOptions } from '../context.js';

export interface UpOptions extends GlobalOptions { to?: string; next?: boolean; version?: string; dryRun?: boolean; allowOutOfOrder?: boolean; ignoreMissing?: boolean }

export async function runUp(opts: UpOptions): Promise<number> {
  const config = loadConfigOrExit(opts);
  const to = versionFlag('--to', opts.to), version = versionFlag('--version', opts.version);
  if ([to !== undefined, !!opts.next, version !== undefined].filter(Boolean).length > 1) throw new CliError('--to, --next and --version exclude each other', EXIT.USAGE);
  const stopEmbedded = await startEmbedded(config, opts);
  const client = makeClient(config, opts);
  // Ctrl-C, and SIGTERM (CI cancelling, docker stop, Kubernetes): the migration in flight is
  // finished and recorded, the lock released; exit 130 or 143
  let stop: 'SIGINT' | 'SIGTERM' | undefined;
  // until the run's first write, a stop has nothing to finish or record: it ends the run at once
  // (a server that does not answer would otherwise hold it for its timeouts)
  let writing = false;
  const onSignal = (signal: 'SIGINT' | 'SIGTERM') => {
    stop ??= signal;
    if (!writing) { process.stderr.write('interrupted: nothing was written\n'); process.exit(signal === 'SIGTERM' ? EXIT.TERMINATED : EXIT.INTERRUPTED); }
    process.stderr.write('interrupted: stopping once the migration in flight (if any) is recorded\n');
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const interruptedCode = () => (stop === 'SIGTERM' ? EXIT.TERMINATED : EXIT.INTERRUPTED);
  const out = (line: string) => { if (!opts.quiet && !opts.json) process.stdout.write(`${line}\n`); };
  const warn = warner(opts);
  // a spinner per migration and colour on a terminal; plain lines when piped
  const fancy = !!process.stdout.isTTY && (process.stdout.columns ?? 0) > 0 && !opts.quiet && !opts.json;
  const chalk = fancy ? (await import('chalk')).default : undefined;
  if (chalk && process.env.NO_COLOR) chalk.level = 0;
  const ora = fancy ? (await import('ora')).default : undefined;
  let spinner: ReturnType<NonNullable<typeof ora>> | undefined;
  let waitShown = false;
  const emit = (e: MigrationEvent) => {
    switch (e.type) {
      case 'plan': if (e.plan.steps.length === 0 && !e.plan.problems.length) out('nothing to apply: the history is up to date'); break;
      case 'lock-wait': if (!waitShown && !opts.quiet) { process.stderr.write(`waiting for the lock held by ${e.holder}\n`); waitShown = true; } break;
      case 'start': if (ora) spinner = ora({ text: `${versionName(e.file.version)} ${e.file.name} (${e.statements} statements)`, discardStdin: false }).start(); break;
      case 'done':
        if (spinner) spinner.succeed(`${chalk!.green('applied')} ${versionName(e.file.version)} ${e.file.name} ${chalk!.dim(`(${e.ms} ms)`)}`);
        else out(`applied ${versionName(e.file.version)} ${e.file.name} (${e.ms} ms)`);
        break;
      case 'failed':
        if (spinner) spinner.fail(`${chalk!.red('failed')} ${versionName(e.file.version)} ${e.file.name} at ${e.reason}`);
        else process.stderr.write(`${versionName(e.file.version)} ${e.file.name} failed at ${e.reason}\n`);
        break;
      // --quiet prints only errors
      case 'warning': warn(e.message); break;
      case 'writing': writing = true; break;
    }
  };
  try {
    const s = await settings(config, client, opts);
    // values the files DEFINE under secret names are masked wherever statements are shown
    try { noteDefinedSecrets((await discoverMigrations(s.dir)).files, s.defines); } catch { /* up reports the directory's problems itself */ }
    if (opts.dryRun) {
      const { dryRun } = await import('./dry-run.js');
      const report = await dryRun(client, s, { to, next: opts.next, version, allowOutOfOrder: opts.allowOutOfOrder, ignoreMissing: opts.ignoreMissing }, warn, makeRegistryClient(config, opts));
      // the statements as they will run, secrets masked; --quiet leaves only what would fail
      const redact = secretRedactor(config, opts);
      const lines = report.lines.map(redact);
      if (opts.json) process.stdout.write(`${JSON.stringify({ ...report, lines }, null, 2)}\n`);
      else if (opts.quiet) for (const l of lines.filter((x) => x.startsWith('-- !'))) process.stderr.write(`${l}\n`);
      else for (const l of lines) process.stdout.write(`${l}\n`);
      return report.ok ? EXIT.OK : EXIT.VALIDATION;
    }
    const result = await migrate({ client, now: Date.now, sleep: (ms) => new Promise((r) => setTimeout(r, ms)), interrupted: () => stop !== undefined }, s, { to, next: opts.next, version, allowOutOfOrder: opts.allowOutOfOrder, ignoreMissing: opts.ignoreMissing }, emit);
    if (opts.json) process.stdout.write(`${JSON.stringify({ outcomes: result.outcomes.map((o) => ({ version: o.file.version, name: o.file.name, status: o.status, reason: o.reason })), interrupted: result.interrupted }, null, 2)}\n`);
    if (result.interrupted) return interruptedCode();
    return result.outcomes.some((o) => o.status === 'error') ? EXIT.FAILED : EXIT.OK;
  } catch (e) {
    if (e instanceof FilesRefused) throw new CliError(e.message, EXIT.VALIDATION);
    if (e instanceof PlanRefused) throw new CliError(e.message, EXIT.FAILED);
    if (e instanceof LockTimeout || e instanceof LockLost) throw new CliError(e.message, EXIT.FAILED);
    // the server stopped answering after the last migration ran: as unreachable as it gets
    if (e instanceof HistoryNotRecorded) throw new CliError(e.message, EXIT.UNREACHABLE);
    if (e instanceof InterruptedWaiting) throw new CliError(e.message, interruptedCode());
    if (e instanceof MigrationFileError) throw new CliError(e.message, EXIT.VALIDATION);
    throw asCliError(e);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await client.close(); await stopEmbedded();
  }
}
