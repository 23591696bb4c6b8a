import { versionName } from '../../migrations/files.js';
import { bothInOrder, ensureMetadata, readHistory, readFilesOrThrow } from '../../migrations/apply.js';
import { planBaseline } from '../../migrations/baseline.js';
import { CliError, EXIT } from '../errors.js';
import { asCliError, loadConfigOrExit, makeClient, startEmbedded, metadataNames, warner, type GlobalOptions } from '../context.js';
import { report } from '../render.js';

export interface BaselineOptions extends GlobalOptions { version?: string }

/**
 * `baseline --version N`: adopts a server whose streams and tables already exist. Every file up to
 * N is recorded as MIGRATED without being run (the history is created if missing), so `up` applies
 * only what comes after. Confluent's tool has no such command: its users write the rows by hand.
 */
export async function runBaseline(opts: BaselineOptions): Promise<number> {
  if (opts.version === undefined || !/^\s*\d+\s*$/.test(opts.version) || Number(opts.version) < 1) {
    throw new CliError(`baseline: --version N names the last version that already exists on the server, got '${opts.version ?? ''}'`, EXIT.USAGE);
  }
  const version = Number(opts.version);
  const config = loadConfigOrExit(opts);
  const stopEmbedded = await startEmbedded(config, opts);
  const client = makeClient(config, opts);
  try {
    const m = await metadataNames(config, client);
    const [files, history] = await bothInOrder(readFilesOrThrow(config.migrationsDir, warner(opts)), readHistory(client, m, config.lock.leaseSeconds * 1000, { checkTable: true }));
    if (history?.lock.holder !== undefined) throw new CliError(`baseline: the lock is held by ${history.lock.holder}; wait for that run, or 'ksql-migrate repair --release-lock --yes' if none runs`, EXIT.FAILED);
    const plan = planBaseline(files, history, version, m.stream, Date.now());
    if (!plan.ok) throw new CliError(`baseline: ${plan.reason}`, EXIT.FAILED);
    // the history (if missing) and every row in one request: all of it is written, or none
    if (history) await client.ksql(plan.sql); else await ensureMetadata(client, m, plan.sql);
    const first = plan.versions[0]!, last = plan.versions[plan.versions.length - 1]!;
    report(opts, [`baselined ${versionName(first)}${first === last ? '' : `..${versionName(last)}`} (${plan.versions.length} version${plan.versions.length > 1 ? 's' : ''}) as MIGRATED without running them; up applies what comes after`], { baselined: plan.versions });
    return EXIT.OK;
  } catch (e) { throw asCliError(e); } finally { await client.close(); await stopEmbedded(); }
}
