import { versionName } from '../../migrations/files.js';
import { migrate, type MigrationEvent } from '../../migrations/apply.js';
import { nothingToApply } from '../../migrations/planner.js';
import { CliError, EXIT, versionFlag } from '../errors.js';
import { runFailure, runSignals } from '../run-control.js';
import { loadConfigOrExit, makeClient, makeRegistryClient, secretRedactor, startEmbedded, settings, warner, type GlobalOptions } from '../context.js';

/** A version's outcome in `up --json`; `unknown`: it was in flight when the run failed, its answer never came. */
/** `recorded: false`: its statements ran, and the history does not say so yet (its MIGRATED rows failed to go out). */
interface JsonOutcome { version: number; name: string; status: 'success' | 'error' | 'not-executed' | 'unknown'; reason?: string; recorded?: false }
const jsonOutcome = (file: { version: number; name: string }, status: JsonOutcome['status'], reason?: string): JsonOutcome => ({ version: file.version, name: file.name, status, reason });

export interface UpOptions extends GlobalOptions { to?: string; next?: boolean; version?: string; dryRun?: boolean; allowOutOfOrder?: boolean; ignoreMissing?: boolean }

export async function runUp(opts: UpOptions): Promise<number> {
  const config = loadConfigOrExit(opts);
  const to = versionFlag('--to', opts.to), version = versionFlag('--version', opts.version);
  if ([to !== undefined, !!opts.next, version !== undefined].filter(Boolean).length > 1) throw new CliError('--to, --next and --version exclude each other', EXIT.USAGE);
  const stopEmbedded = await startEmbedded(config, opts);
  const client = makeClient(config, opts);
  const signals = runSignals('migration', opts.json);
  const interruptedCode = signals.code;
  const out = (line: string) => { if (!opts.quiet && !opts.json) process.stdout.write(`${line}\n`); };
  const warn = warner(opts);
  // a spinner per migration and colour on a terminal; plain lines when piped
  const fancy = !!process.stdout.isTTY && (process.stdout.columns ?? 0) > 0 && !opts.quiet && !opts.json;
  const chalk = fancy ? (await import('chalk')).default : undefined;
  if (chalk && process.env.NO_COLOR) chalk.level = 0;
  const ora = fancy ? (await import('ora')).default : undefined;
  let spinner: ReturnType<NonNullable<typeof ora>> | undefined;
  let waitShown = false;
  // each planned version's outcome as the run goes, for the --json document of a run that fails part-way
  const outcomes = new Map<number, JsonOutcome>();
  let inFlight: number | undefined;
  // versions whose statements ran and whose MIGRATED rows have not gone out yet
  const notRecorded = new Set<number>();
  const emit = (e: MigrationEvent) => {
    switch (e.type) {
      case 'plan':
        for (const st of e.plan.steps) outcomes.set(st.file.version, jsonOutcome(st.file, 'not-executed'));
        if (e.plan.steps.length === 0 && !e.plan.problems.length) out(nothingToApply(e.plan.leftPending, to));
        break;
      case 'lock-wait': if (!waitShown && !opts.quiet) { process.stderr.write(`waiting for the lock held by ${e.holder}\n`); waitShown = true; } break;
      case 'start':
        inFlight = e.file.version;
        // (on stdout, where the lines it stands for go when piped; ora's default is stderr)
        if (ora) spinner = ora({ text: `${versionName(e.file.version)} ${e.file.name} (${e.statements} statement${e.statements === 1 ? '' : 's'})`, discardStdin: false, stream: process.stdout }).start();
        break;
      case 'done': {
        inFlight = undefined;
        outcomes.set(e.file.version, { ...jsonOutcome(e.file, 'success'), ...(e.recorded ? {} : { recorded: false as const }) });
        // applied once recorded; before that, ran (the warning before says why)
        const verb = e.recorded ? 'applied' : 'ran', note = e.recorded ? '' : ', not recorded yet';
        if (!e.recorded) notRecorded.add(e.file.version);
        if (spinner) spinner.succeed(`${e.recorded ? chalk!.green(verb) : chalk!.yellow(verb)} ${versionName(e.file.version)} ${e.file.name} ${chalk!.dim(`(${e.ms} ms${note})`)}`);
        else out(`${verb} ${versionName(e.file.version)} ${e.file.name} (${e.ms} ms${note})`);
        break;
      }
      case 'recorded':
        notRecorded.delete(e.file.version);
        outcomes.set(e.file.version, jsonOutcome(e.file, 'success'));
        out(`recorded ${versionName(e.file.version)} ${e.file.name} as applied`);
        break;
      case 'failed':
        inFlight = undefined;
        outcomes.set(e.file.version, jsonOutcome(e.file, 'error', e.reason));
        if (spinner) spinner.fail(`${chalk!.red('failed')} ${versionName(e.file.version)} ${e.file.name} at ${e.reason}`);
        else process.stderr.write(`${versionName(e.file.version)} ${e.file.name} failed at ${e.reason}\n`);
        break;
      // --quiet prints only errors
      case 'warning': warn(e.message); break;
      case 'writing': signals.writing(); break;
    }
  };
  try {
    const s = await settings(config, client, opts);
    if (opts.dryRun) {
      const { dryRun } = await import('./dry-run.js');
      // (the registry the server names takes the configured credentials too, when schemaRegistry.url is not set)
      const report = await dryRun(client, s, { to, next: opts.next, version, allowOutOfOrder: opts.allowOutOfOrder, ignoreMissing: opts.ignoreMissing }, warn, makeRegistryClient(config, opts),
        { username: config.schemaRegistry.username, password: config.schemaRegistry.password });
      // the statements as they will run, secrets masked; --quiet leaves only what would fail
      const redact = secretRedactor(config, opts);
      const lines = report.lines.map(redact);
      // (reasons name the statement's text at most, which may hold a substituted secret: masked too)
      const migrations = report.migrations.map((m) => ({ ...m, notes: m.notes.map(redact), unchecked: m.unchecked.map((u) => ({ ...u, reason: redact(u.reason) })), ...(m.failed ? { failed: { ...m.failed, reason: redact(m.failed.reason) } } : {}) }));
      if (opts.json) process.stdout.write(`${JSON.stringify({ ok: report.ok, migrations, lines }, null, 2)}\n`);
      else if (opts.quiet) for (const l of lines.filter((x) => x.startsWith('-- !'))) process.stderr.write(`${l}\n`);
      else for (const l of lines) process.stdout.write(`${l}\n`);
      return report.ok ? EXIT.OK : EXIT.VALIDATION;
    }
    const result = await migrate({ client, now: Date.now, sleep: (ms) => new Promise((r) => setTimeout(r, ms)), interrupted: signals.stopped }, s, { to, next: opts.next, version, allowOutOfOrder: opts.allowOutOfOrder, ignoreMissing: opts.ignoreMissing }, emit);
    if (opts.json) process.stdout.write(`${JSON.stringify({ outcomes: result.outcomes.map((o) => ({ ...jsonOutcome(o.file, o.status, o.reason), ...(notRecorded.has(o.file.version) ? { recorded: false } : {}) })), interrupted: result.interrupted }, null, 2)}\n`);
    // (a failure is exit 1 also when a stop was asked for while it ran)
    if (result.outcomes.some((o) => o.status === 'error')) return EXIT.FAILED;
    return result.interrupted ? interruptedCode() : EXIT.OK;
  } catch (e) {
    const failure = runFailure(e, interruptedCode());
    // a run that stops part-way (the server gone, no answer in time) still tells what it applied;
    // the version in flight is in doubt: its answer never came
    if (!(failure instanceof CliError) || outcomes.size === 0) throw failure;
    if (inFlight !== undefined) outcomes.set(inFlight, { ...outcomes.get(inFlight)!, status: 'unknown', reason: failure.message });
    throw new CliError(failure.message, failure.exitCode, { cause: failure.cause, document: { ...failure.document, outcomes: [...outcomes.values()] } });
  } finally {
    signals.dispose();
    await client.close(); await stopEmbedded();
  }
}

