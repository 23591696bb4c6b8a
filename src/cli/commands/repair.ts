import { discoverMigrations, versionName } from '../../migrations/files.js';
import { lockRow, readHistory } from '../../migrations/apply.js';
import { CURRENT, KNOWN_STATES, NO_ERROR, insertRow, liveHolder, stateChange, type History } from '../../migrations/history.js';
import { CliError, EXIT, versionFlag } from '../errors.js';
import { asCliError, loadConfigOrExit, makeClient, startEmbedded, metadataNames, type GlobalOptions } from '../context.js';
import { report } from '../render.js';
import { confirm } from './manage.js';

export interface RepairOptions extends GlobalOptions { yes?: boolean; releaseLock?: boolean; version?: string; markMigrated?: boolean; markRolledBack?: boolean; updateChecksums?: boolean }

/**
 * After a failure was fixed by hand: frees a stale lock, and marks a failed or stuck version as
 * migrated (the change is in place) or rolled back (undone; `up` applies it again).
 */
export async function runRepair(opts: RepairOptions): Promise<number> {
  if (opts.markMigrated && opts.markRolledBack) throw new CliError('--mark-migrated and --mark-rolled-back exclude each other', EXIT.USAGE);
  if (!opts.releaseLock && !opts.markMigrated && !opts.markRolledBack && !opts.updateChecksums) throw new CliError('repair: say what to do: --release-lock, --mark-migrated, --mark-rolled-back or --update-checksums', EXIT.USAGE);
  if (opts.updateChecksums && (opts.markMigrated || opts.markRolledBack)) throw new CliError('--update-checksums and --mark-migrated/--mark-rolled-back exclude each other', EXIT.USAGE);
  const config = loadConfigOrExit(opts);
  const stopEmbedded = await startEmbedded(config, opts);
  const client = makeClient(config, opts);
  try {
    const m = await metadataNames(config, client);
    const history = await readHistory(client, m, config.lock.leaseSeconds * 1000, { checkTable: true });
    if (!history) throw new CliError('repair: there is no migration history on this server', EXIT.FAILED);
    const sql: string[] = [];
    const lines: string[] = [];
    const done: { releasedLockOf?: string | null; marked?: { version: number; state: string }; checksumsUpdated?: number[] } = {};

    const leaseMs = config.lock.leaseSeconds * 1000;
    if (opts.releaseLock) {
      if (history.lock.holder === undefined) { lines.push('the lock is free'); done.releasedLockOf = null; } else {
        // a holder within its lease may be a live run: another run let in beside it could apply a version twice
        if (liveHolder(history.lock, leaseMs, Date.now()) !== undefined) {
          const age = Math.round((Date.now() - history.lock.since!) / 1000);
          const plan = [`the lock's holder ${history.lock.holder} claimed it ${age} s ago, within its lease (lock.leaseSeconds ${config.lock.leaseSeconds}): a migration run may be going on, and releasing it lets another run apply versions beside it`];
          if (!(await confirm(plan, 'release the lock anyway?', opts))) { report(opts, ['nothing done'], { releasedLockOf: null }); return EXIT.FAILED; }
        }
        sql.push(lockRow(m.stream, history.lock.holder, 'UNLOCKED', Date.now()));
        lines.push(`released the lock held by ${history.lock.holder}`);
        done.releasedLockOf = history.lock.holder;
      }
    }
    if (opts.markMigrated || opts.markRolledBack) {
      const v = versionFlag('--version', opts.version) ?? Number(history.current?.version);
      const mark = await markVersion(history, m.stream, v, opts.markMigrated ? 'MIGRATED' : 'PENDING', config.migrationsDir);
      if (!mark) throw new CliError(`repair: version ${opts.version ?? '(current)'} has no history to repair`, EXIT.USAGE);
      sql.push(...mark.sql);
      lines.push(mark.line);
      if (mark.sql.length) done.marked = { version: v, state: mark.state };
    }
    if (opts.updateChecksums) {
      const update = await updateChecksums(history, m.stream, versionFlag('--version', opts.version), config.migrationsDir);
      sql.push(...update.sql);
      lines.push(...update.lines);
      done.checksumsUpdated = update.versions;
    }
    // rows written beside a running `up` would mix with its own: only a lock past its lease, or one
    // released in this same repair, lets the history be changed
    const live = liveHolder(history.lock, leaseMs, Date.now()) !== undefined;
    if (live && !opts.releaseLock && sql.length) throw new CliError(`repair: the history's lock is held by ${history.lock.holder} since ${new Date(history.lock.since!).toISOString()}: a migration run may be going on; let it finish, or add --release-lock --yes if that run is dead`, EXIT.FAILED);
    if (sql.length) await client.ksql(sql.join('\n'));
    report(opts, lines, done);
    return EXIT.OK;
  } catch (e) { throw asCliError(e); } finally { await client.close(); await stopEmbedded(); }
}

/**
 * The rows that mark version `v` MIGRATED or rolled back (PENDING), or none when it already is
 * MIGRATED and that is asked (the advice after a lost answer may name a version whose request did
 * go through). Only ERROR and RUNNING versions are repaired otherwise.
 */
async function markVersion(history: History, stream: string, v: number, state: 'MIGRATED' | 'PENDING', dir: string) {
  const row = history.versions.get(v);
  if (!Number.isInteger(v) || !row) return undefined;
  if (state === 'MIGRATED' && row.state === 'MIGRATED') return { sql: [], state, line: `${versionName(v)} is already MIGRATED: nothing to mark` };
  // (a state no tool writes is settled too: it is what the history's problems send the user here for)
  if (row.state !== 'ERROR' && row.state !== 'RUNNING' && KNOWN_STATES.has(row.state)) throw new CliError(`repair: ${versionName(v)} is ${row.state}; only ERROR or RUNNING versions (or one with a state no tool writes) are repaired`, EXIT.USAGE);
  const file = (await discoverMigrations(dir)).files.find((f) => f.version === v);
  const migrated = state === 'MIGRATED';
  // a rolled-back version is PENDING again: a state Confluent's tool knows, so it reads the history too
  const sql = [stateChange(stream, { version: String(v), name: row.name, state, checksum: file?.checksum ?? row.checksum, startedOn: row.startedOn, completedOn: String(Date.now()), previous: row.previous, errorReason: migrated ? NO_ERROR : `rolled back by hand after: ${row.errorReason}` })];
  // CURRENT stays the highest applied version (as `up` keeps it), so Confluent's tool reads the same latest
  const applied = [...history.versions].filter(([n, r]) => n !== v && r.state === 'MIGRATED').map(([n]) => n);
  const highest = applied.reduce((a, b) => Math.max(a, b), migrated ? v : -Infinity);
  if (highest > v) sql.push(insertRow(stream, { ...history.versions.get(highest)!, versionKey: CURRENT }));
  return { sql, state, line: `marked ${versionName(v)} ${migrated ? 'MIGRATED' : 'rolled back (PENDING): `up` applies it again'}` };
}

/**
 * Records the files' checksums for applied versions whose file changed after it was applied (a
 * comment edited, line endings converted): the change is declared harmless, as Flyway's repair
 * realigns checksums. Each row is the version's as it was, with the new checksum (CURRENT's too,
 * when it is the current version). `version`: that one only.
 */
async function updateChecksums(history: History, stream: string, version: number | undefined, dir: string) {
  const files = (await discoverMigrations(dir)).files;
  if (version !== undefined && (!Number.isInteger(version) || !history.versions.has(version))) throw new CliError(`repair: version ${version} has no history to repair`, EXIT.USAGE);
  const sql: string[] = [], lines: string[] = [], versions: number[] = [];
  for (const [v, row] of [...history.versions].sort(([a], [b]) => a - b)) {
    if (version !== undefined && v !== version) continue;
    const file = files.find((f) => f.version === v);
    if (row.state !== 'MIGRATED' || !file || file.checksum === row.checksum) continue;
    sql.push(insertRow(stream, { ...row, versionKey: String(v), checksum: file.checksum }));
    if (history.current?.version === String(v)) sql.push(insertRow(stream, { ...row, versionKey: CURRENT, checksum: file.checksum }));
    lines.push(`${versionName(v)}: recorded the checksum of ${file.fileName} as it is now (${row.checksum} -> ${file.checksum})`);
    versions.push(v);
  }
  if (!versions.length) lines.push(version !== undefined ? `${versionName(version)}: its file matches the history (or it is not MIGRATED, or has no file): nothing to update` : 'every applied file matches the history: nothing to update');
  return { sql, lines, versions };
}
