import { discoverMigrations } from '../../migrations/files.js';
import { readHistory } from '../../migrations/apply.js';
import { latestMigrated } from '../../migrations/history.js';
import { verify, describeProblem } from '../../migrations/planner.js';
import { EXIT } from '../errors.js';
import { asCliError, loadConfigOrExit, makeClient, startEmbedded, metadataNames, type GlobalOptions } from '../context.js';
import { formatTime, pad6, table } from '../render.js';

export interface StatusOptions extends GlobalOptions { exitCode?: boolean }

export interface StatusRow { version: number; name: string; state: string; previous?: string; startedOn?: string; completedOn?: string; errorReason?: string; file?: string }

/** Files and history side by side, from one pull query. */
export async function collectStatus(opts: GlobalOptions) {
  const config = loadConfigOrExit(opts);
  const stopEmbedded = await startEmbedded(config, opts);
  const client = makeClient(config, opts);
  try {
    const m = await metadataNames(config, client);
    const [d, history] = await Promise.all([discoverMigrations(config.migrationsDir), readHistory(client, m, config.lock.leaseSeconds * 1000)]);
    const rows: StatusRow[] = [];
    const versions = new Set([...d.files.map((f) => f.version), ...(history ? history.versions.keys() : [])]);
    for (const v of [...versions].sort((a, b) => a - b)) {
      const f = d.files.find((x) => x.version === v);
      const h = history?.versions.get(v);
      const state = h ? (h.state === 'MIGRATED' && !f ? 'MISSING' : h.state === 'MIGRATED' && f && h.checksum && h.checksum !== f.checksum ? 'CHANGED' : h.state) : 'PENDING';
      rows.push({ version: v, name: f?.name ?? h?.name ?? '', state, previous: h?.previous, startedOn: h?.startedOn, completedOn: h?.completedOn, errorReason: h && h.errorReason !== 'N/A' ? h.errorReason : undefined, file: f?.fileName });
    }
    const problems = [...d.problems.map((p) => `${p.fileName}: ${p.reason}`), ...(history ? verify(d.files, history).map(describeProblem) : [])];
    return { rows, problems, current: history ? latestMigrated(history) : undefined, metadata: history !== undefined, lock: history?.lock.holder };
  } catch (e) { throw asCliError(e); } finally { await client.close(); await stopEmbedded(); }
}

export async function runStatus(opts: StatusOptions): Promise<number> {
  const s = await collectStatus(opts);
  if (opts.json) {
    process.stdout.write(`${JSON.stringify({ currentVersion: s.current ?? null, metadataExists: s.metadata, lockHolder: s.lock ?? null, migrations: s.rows, problems: s.problems }, null, 2)}\n`);
  } else {
    if (!s.metadata) process.stdout.write('no migration history on the server yet (it is created by the first `up`)\n');
    process.stdout.write(`current version: ${s.current === undefined ? '<none>' : pad6(s.current)}\n`);
    if (s.rows.length) {
      process.stdout.write(`${table(['Version', 'Name', 'State', 'Previous', 'Started On', 'Completed On', 'Error Reason'], s.rows.map((r) => [pad6(r.version), r.name, r.state, r.previous ?? '', formatTime(r.startedOn ?? ''), formatTime(r.completedOn ?? ''), r.errorReason ?? '']))}\n`);
    }
    for (const p of s.problems) process.stdout.write(`! ${p}\n`);
  }
  if (opts.exitCode && s.rows.some((r) => r.state !== 'MIGRATED')) return EXIT.FAILED;
  return EXIT.OK;
}
