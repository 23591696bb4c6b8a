import { byVersion, versionName, type MigrationFile } from './files.js';
import { KNOWN_STATES, NO_ERROR, NO_PREVIOUS, latestMigrated, type History, type HistoryRow } from './history.js';

export interface PlanOptions {
  /** Apply pending versions up to and including this one. */
  to?: number;
  /** Apply only the next pending version. */
  next?: boolean;
  /** Apply exactly this version. */
  version?: number;
  /** Allow pending versions older than the latest applied one. */
  allowOutOfOrder?: boolean;
  /** Applied versions whose files were removed on purpose (old migrations squashed) are no problem. */
  ignoreMissing?: boolean;
}

export type Problem =
  | { kind: 'checksum-drift'; version: number; fileName: string; stored: string; actual: string }
  | { kind: 'missing-file'; version: number; name: string }
  | { kind: 'failed'; version: number; reason: string }
  | { kind: 'running'; version: number }
  | { kind: 'out-of-order'; version: number; latest: number }
  | { kind: 'skips'; version: number; skipped: number[] }
  | { kind: 'not-pending'; version: number; state: string }
  | { kind: 'unknown-version'; version: number }
  | { kind: 'unknown-state'; version: number; state: string };

export interface Plan {
  /** What to apply, in order, each with the version recorded as its `previous`. */
  steps: { file: MigrationFile; previous: string }[];
  /** Reasons not to apply anything; empty when the plan may run. */
  problems: Problem[];
  latest?: number;
  /** Pending versions this run leaves for later (above --to, after --next, beside --version). */
  leftPending: number;
}

/** What `up` says when it applies nothing: the history is up to date, or what the selection left pending. */
export function nothingToApply(leftPending: number, to?: number): string {
  if (leftPending === 0) return 'nothing to apply: the history is up to date';
  return `nothing to apply${to !== undefined ? ` up to ${versionName(to)}` : ''}: ${leftPending} pending version${leftPending === 1 ? '' : 's'} left out by the selection (status lists them)`;
}

export function describeProblem(p: Problem): string {
  switch (p.kind) {
    case 'checksum-drift': return `${versionName(p.version)} (${p.fileName}) changed after it was applied: checksum ${p.actual}, history has ${p.stored} (restore the file, or accept a harmless edit with 'ksql-migrate repair --update-checksums --version ${p.version}')`;
    case 'missing-file': return `${versionName(p.version)} (${p.name}) is applied but its file is missing from the migrations directory (restore it; if it was removed on purpose, as old migrations squashed into one, --ignore-missing passes over it)`;
    // a failed undo (down) leaves the version applied unless its undo ran in part: the advice turns around
    case 'failed': return p.reason.startsWith('undo ')
      ? `${versionName(p.version)}'s undo failed: ${p.reason.replace(/^undo /, '').replace(/\.+\s*$/, '')}. Its undo is refused as a whole when a statement does not validate, so it is most likely still applied: run 'ksql-migrate repair --mark-migrated --version ${p.version}' (after putting back what the undo did run, if any); if you finished undoing it by hand, --mark-rolled-back instead`
      : `${versionName(p.version)} failed${p.reason.trim() === '' || p.reason === NO_ERROR ? ' (the history records no reason)' : `: ${p.reason.replace(/\.+\s*$/, '')}`}. Fix what it left behind, then run 'ksql-migrate repair --mark-rolled-back --version ${p.version}' to apply it again (or --mark-migrated, if you finished it by hand)`;
    case 'running': return `${versionName(p.version)} is marked RUNNING: another run is applying it, or one died. If none is running, use 'ksql-migrate repair --mark-rolled-back --version ${p.version}' (or --mark-migrated, if it ran whole)`;
    case 'out-of-order': return `${versionName(p.version)} is pending but older than the latest applied version ${versionName(p.latest)}: use --allow-out-of-order to apply it`;
    case 'skips': return `--version ${p.version} would leave ${p.skipped.map((v) => `${versionName(v)}`).join(', ')} behind it unapplied: apply ${p.skipped.length > 1 ? 'those' : 'that'} first (--to ${p.version}), or use --allow-out-of-order`;
    case 'not-pending': return `${versionName(p.version)} is ${p.state}, not pending`;
    case 'unknown-version': return `there is no migration file for version ${p.version}`;
    case 'unknown-state': return `${versionName(p.version)} has state ${JSON.stringify(p.state)} in the history, none of MIGRATED, ERROR, RUNNING, PENDING (a row written by hand?): record what is true with 'ksql-migrate repair --mark-migrated --version ${p.version}' (its change is in place) or '--mark-rolled-back --version ${p.version}' (up applies it again)`;
  }
}


/** Checks that need no plan: drift, missing files, failed or running versions, states no tool writes. */
export function verify(files: MigrationFile[], history: History, opts: { ignoreMissing?: boolean } = {}): Problem[] {
  const problems: Problem[] = [];
  const byV = new Map(files.map((f) => [f.version, f]));
  for (const [v, row] of [...history.versions].sort((a, b) => a[0] - b[0])) {
    const f = byV.get(v);
    if (row.state === 'MIGRATED') {
      if (!f) { if (!opts.ignoreMissing) problems.push({ kind: 'missing-file', version: v, name: row.name }); }
      else if (row.checksum && f.checksum !== row.checksum) problems.push({ kind: 'checksum-drift', version: v, fileName: f.fileName, stored: row.checksum, actual: f.checksum });
    } else if (row.state === 'ERROR') problems.push({ kind: 'failed', version: v, reason: row.errorReason });
    else if (row.state === 'RUNNING') problems.push({ kind: 'running', version: v });
    // neither applied nor pending for sure: up must not run it again on a guess
    else if (!KNOWN_STATES.has(row.state)) problems.push({ kind: 'unknown-state', version: v, state: row.state });
  }
  return problems;
}

/** Pure: the pending files below the latest applied version, which `up` applies only when told to. */
export function outOfOrder(files: MigrationFile[], history: History): Problem[] {
  const latest = latestMigrated(history);
  if (latest === undefined) return [];
  // (applied, failed, running and unknown states are not pending; the last three are problems of their own)
  const pendingState = (v: number) => { const s = history.versions.get(v)?.state; return s === undefined || s === 'PENDING'; };
  return files.filter((f) => f.version < latest && pendingState(f.version))
    .sort(byVersion).map((f) => ({ kind: 'out-of-order' as const, version: f.version, latest }));
}

/** Pure: what `up` would apply given the files, the history and the options, or why not. */
export function plan(files: MigrationFile[], history: History, opts: PlanOptions = {}): Plan {
  const problems = verify(files, history, opts);
  const latest = latestMigrated(history);
  const applied = (v: number) => history.versions.get(v)?.state === 'MIGRATED';
  let pending = [...files].sort(byVersion).filter((f) => !applied(f.version));
  const allPending = pending.length;
  if (opts.version !== undefined) {
    const f = files.find((x) => x.version === opts.version);
    if (!f) problems.push({ kind: 'unknown-version', version: opts.version });
    else if (applied(f.version)) problems.push({ kind: 'not-pending', version: f.version, state: 'MIGRATED' });
    // applying it over lower pending versions would leave them out of order for good
    // (those below the latest applied version are out of order already, whatever this run does)
    const skipped = pending.filter((x) => x.version < opts.version! && (latest === undefined || x.version > latest)).map((x) => x.version);
    if (f && !applied(f.version) && skipped.length && !opts.allowOutOfOrder) problems.push({ kind: 'skips', version: f.version, skipped });
    pending = f && !applied(f.version) ? [f] : [];
  }
  if (opts.to !== undefined) pending = pending.filter((f) => f.version <= opts.to!);
  if (opts.next) pending = pending.slice(0, 1);
  if (!opts.allowOutOfOrder && latest !== undefined) {
    // (a version of a state no tool writes is its own problem, not also one out of order)
    for (const f of pending) if (f.version < latest && KNOWN_STATES.has(history.versions.get(f.version)?.state ?? 'PENDING')) problems.push({ kind: 'out-of-order', version: f.version, latest });
  }
  // each step's previous is the highest version applied before it, as Confluent's tool reads the
  // latest version from CURRENT's previous when CURRENT failed: a version applied out of order
  // below the latest does not lower it
  let highest = latest;
  const steps = pending.map((file) => {
    const step = { file, previous: highest !== undefined ? String(highest) : NO_PREVIOUS };
    highest = highest === undefined ? file.version : Math.max(highest, file.version);
    return step;
  });
  return { steps, problems, latest, leftPending: allPending - steps.length };
}

/**
 * A version `down` undoes: its undo file, its history row, the rows of applied versions whose
 * previous it was (they take its previous, so the chain Confluent's tool walks from CURRENT stays
 * whole), and the row CURRENT takes once it is undone.
 */
export interface UndoStep { file: MigrationFile; row: HistoryRow; relinked: HistoryRow[]; current: HistoryRow }

export interface UndoPlan { steps: UndoStep[]; problems: string[]; /** How many versions are applied. */ applied: number }

/**
 * What `down` undoes, newest first: the latest applied version, or with `to` every applied version
 * above it (0: all; none above it is nothing to undo). Each needs its undo file; a failed or running
 * version anywhere stops it (repair first). Pure.
 */
export function planUndo(undo: readonly MigrationFile[], history: History, opts: { to?: number } = {}): UndoPlan {
  const problems: string[] = [];
  for (const [v, row] of [...history.versions].sort((a, b) => a[0] - b[0])) {
    if (row.state === 'ERROR') problems.push(describeProblem({ kind: 'failed', version: v, reason: row.errorReason }));
    else if (row.state === 'RUNNING') problems.push(describeProblem({ kind: 'running', version: v }));
  }
  const applied = [...history.versions].filter(([, r]) => r.state === 'MIGRATED').sort((a, b) => b[0] - a[0]);
  const chosen = opts.to === undefined ? applied.slice(0, 1) : applied.filter(([v]) => v > opts.to!);
  const byVersion = new Map(undo.map((f) => [f.version, f]));
  const missing = chosen.filter(([v]) => !byVersion.has(v)).map(([v]) => v);
  if (missing.length) problems.push(`no undo file for ${missing.map((v) => versionName(v)).join(', ')}: down runs U<version>__<description>.sql (as U${versionName(missing[0]!).slice(1)}__undo.sql) to undo a version`);
  const steps: UndoStep[] = [];
  // the applied versions' rows as the steps before leave them
  const rows = new Map(applied.map(([v, r]) => [v, r]));
  chosen.forEach(([v]) => {
    const row = rows.get(v)!;
    rows.delete(v);
    // a version applied out of order after this one names it as its previous: it takes this one's
    const relinked: HistoryRow[] = [];
    for (const [w, r] of rows) if (r.previous === String(v)) { const again = { ...r, previous: row.previous }; rows.set(w, again); relinked.push(again); }
    const belowVersion = applied.map(([x]) => x).find((x) => x < v && rows.has(x));
    const below = belowVersion === undefined ? undefined : [belowVersion, rows.get(belowVersion)!] as const;
    // once undone, the version is pending again (PENDING, as Confluent's tool reads it); CURRENT
    // goes back to the latest version still applied, or stays on this one, pending and with no
    // previous, when none is (Confluent's tool reads a pending CURRENT's previous as the latest: one
    // applied out of order names a version undone before it)
    const undone: HistoryRow = { ...row, state: 'PENDING', completedOn: '', errorReason: `undone by ${byVersion.get(v)?.fileName ?? '?'}` };
    steps.push({ file: byVersion.get(v)!, row: undone, relinked, current: below ? { ...below[1], versionKey: 'CURRENT' } : { ...undone, previous: NO_PREVIOUS, versionKey: 'CURRENT' } });
  });
  return { steps: problems.length ? [] : steps, problems, applied: applied.length };
}
