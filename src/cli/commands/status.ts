import { readStatus } from '../../migrations/status.js';
import { historyStreamWarning, historyTableWarning, missingHistoryTableWarning } from '../../migrations/apply.js';
import { EXIT } from '../errors.js';
import { asCliError, loadConfigOrExit, makeClient, startEmbedded, warner, type GlobalOptions } from '../context.js';
import { metadataNamesFor } from '../../migrations/history.js';
import { formatTime, pad6, table } from '../render.js';

export interface StatusOptions extends GlobalOptions { exitCode?: boolean; allowOutOfOrder?: boolean; ignoreMissing?: boolean }

/** Files and history side by side, from the two pull queries of the history (sent at once). */
export async function collectStatus(opts: StatusOptions) {
  const config = loadConfigOrExit(opts);
  const stopEmbedded = await startEmbedded(config, opts);
  const client = makeClient(config, opts);
  try {
    // reading needs the stream's and table's names only: their topics (which need the server's
    // service id, one more request) are for creating them
    const m = metadataNamesFor(config.metadata, '');
    const r = await readStatus(client, config.migrationsDir, m, config.lock.leaseSeconds * 1000, Date.now(), { allowOutOfOrder: opts.allowOutOfOrder, ignoreMissing: opts.ignoreMissing });
    if (r.tableProblem) warner(opts)(historyTableWarning(m, r.tableProblem));
    if (r.tableMissing) warner(opts)(missingHistoryTableWarning(m));
    if (r.streamProblem) warner(opts)(historyStreamWarning(m, r.streamProblem));
    return { rows: r.migrations, problems: r.problems, details: r.details, current: r.current, metadata: r.metadataExists, lock: r.lockHolder, gaps: r.gaps, ignored: r.ignored, ignoredHistoryKeys: r.ignoredHistoryKeys, currentRowMismatch: r.currentRowMismatch, chainBreaks: r.chainBreaks,
      // what the next up writes again, as status notes it and validate warns of it
      mends: [...(r.currentRowMismatch ? [r.currentRowMismatch.message] : []), ...r.chainBreaks.map((b) => b.message)].map(currentRowAdvice) };
  } catch (e) { throw asCliError(e); } finally { await client.close(); await stopEmbedded(); }
}

export async function runStatus(opts: StatusOptions): Promise<number> {
  const s = await collectStatus(opts);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ currentVersion: s.current ?? null, metadataExists: s.metadata, lockHolder: s.lock ?? null, migrations: s.rows, problems: s.problems, problemDetails: s.details, gaps: s.gaps, ignored: s.ignored, ignoredHistoryKeys: s.ignoredHistoryKeys, currentRowMismatch: currentRowJson(s.currentRowMismatch), previousChainBreaks: chainJson(s.chainBreaks) }, null, 2)}\n`);
  } else if (!opts.quiet) {
    if (!s.metadata) process.stdout.write('no migration history on the server yet (it is created by the first `up`)\n');
    process.stdout.write(`current version: ${s.current === undefined ? '<none>' : pad6(s.current)}\n`);
    // why an `up` would wait: who holds the lock
    if (s.lock) process.stdout.write(`lock: held by ${s.lock} (a running up; if none runs, 'ksql-migrate repair --release-lock --yes')\n`);
    if (s.rows.length) {
      process.stdout.write(`${table(['Version', 'Name', 'State', 'Previous', 'Started On', 'Completed On', 'Error Reason'], s.rows.map((r) => [pad6(r.version), r.name, r.state, r.previous ?? '', formatTime(r.startedOn ?? ''), formatTime(r.completedOn ?? ''), r.errorReason ?? '']))}\n`);
    }
    for (const p of s.problems) process.stdout.write(`! ${p}\n`);
    for (const i of s.ignored) process.stdout.write(`note: ${i.fileName}: ${i.reason}\n`);
    // rows a hand or another tool wrote under a key that is no version: said, not silently passed over
    if (s.ignoredHistoryKeys.length) {
      const keys = s.ignoredHistoryKeys.slice(0, 10).map((k) => JSON.stringify(k)).join(', ') + (s.ignoredHistoryKeys.length > 10 ? `, and ${s.ignoredHistoryKeys.length - 10} more` : '');
      process.stdout.write(`note: the history has rows under version_key ${keys} (no version number): they are ignored\n`);
    }
    for (const m of s.mends) process.stdout.write(`note: ${m}\n`);
    if (s.gaps.length) {
      const count = s.gaps.reduce((n, g) => n + g.to - g.from + 1, 0);
      const runs = s.gaps.map((g) => (g.from === g.to ? `${g.from}` : `${g.from}-${g.to}`)).join(', ');
      process.stdout.write(`note: no file for version${count > 1 ? 's' : ''} ${runs}${count > s.gaps.length ? ` (${count} versions)` : ''} (gaps are allowed)\n`);
    }
  }
  // pending, failed, changed or missing versions, and files `up` would refuse
  // (an applied version whose file was removed on purpose is settled with --ignore-missing)
  const settled = (state: string) => state === 'MIGRATED' || state === 'ROLLED_BACK' || (state === 'MISSING' && opts.ignoreMissing === true);
  if (opts.exitCode && (s.problems.length > 0 || s.rows.some((r) => !settled(r.state)))) return EXIT.FAILED;
  return EXIT.OK;
}

/** The breaks of the previous chain, for --json: each applied version, the previous it names and that one's state. */
export const chainJson = (breaks: { version: number; previous: string; state: string }[]) => breaks.map(({ version, previous, state }) => ({ version, previous, state }));

/** The CURRENT row's disagreement, for --json: the version it names and the latest applied (null: none). */
export const currentRowJson = (b: { currentRow?: number; latest?: number } | undefined) => (b ? { currentRow: b.currentRow ?? null, latestApplied: b.latest ?? null } : null);

/** What to do about a CURRENT row that disagrees with the history. */
export const currentRowAdvice = (message: string): string => `${message}; the next 'ksql-migrate up' writes it again`;
