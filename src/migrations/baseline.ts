import type { MigrationFile } from './files.js';
import { NO_ERROR, NO_PREVIOUS, insertRow, CURRENT, type History, type HistoryRow } from './history.js';

/** Why a baseline cannot be written, or the versions it records. */
export type BaselinePlan = { ok: true; versions: number[]; sql: string } | { ok: false; reason: string };

/**
 * Pure: the history rows that record every file up to `version` as MIGRATED without running it,
 * for a server whose objects already exist (made by hand, or by another tool). Only an empty
 * history takes a baseline; one version at a time is `repair`'s job. The rows are the ones `up`
 * writes after applying a file (Confluent's tool reads them the same way), each with its
 * predecessor, and CURRENT names the highest.
 */
export function planBaseline(files: MigrationFile[], history: History | undefined, version: number, stream: string, now: number): BaselinePlan {
  const recorded = history ? [...history.versions.keys()].sort((a, b) => a - b) : [];
  if (recorded.length) return { ok: false, reason: `the history already records version${recorded.length > 1 ? 's' : ''} ${recorded.join(', ')}; a baseline only starts an empty one (to record a version 'up' did not apply, run it through 'up --version N'; 'repair --mark-migrated' settles one the history already has)` };
  const chosen = files.filter((f) => f.version <= version).sort((a, b) => a.version - b.version);
  if (!chosen.length) return { ok: false, reason: `no migration file has a version of ${version} or lower` };
  // the history records the versions of files: a baseline above the last of them would not cover a
  // file added later below it, which up would then apply
  if (chosen.at(-1)!.version !== version) return { ok: false, reason: `no migration file has version ${version} (the last one up to it is ${chosen.at(-1)!.fileName}): name the version of a file, so the history covers exactly what it says` };
  const rows: string[] = [];
  let previous = NO_PREVIOUS;
  let last: HistoryRow | undefined;
  for (const f of chosen) {
    last = { versionKey: String(f.version), version: String(f.version), name: f.name, state: 'MIGRATED', checksum: f.checksum, startedOn: String(now), completedOn: String(now), previous, errorReason: NO_ERROR };
    rows.push(insertRow(stream, last));
    previous = String(f.version);
  }
  rows.push(insertRow(stream, { ...last!, versionKey: CURRENT }));
  return { ok: true, versions: chosen.map((f) => f.version), sql: rows.join('\n') };
}
