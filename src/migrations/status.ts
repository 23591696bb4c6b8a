import type { KsqlClient } from '../client/client.js';
import { discoverMigrations, notUtf8Problems, type MigrationFile } from './files.js';
import { bothInOrder, readHistory } from './apply.js';
import { KNOWN_STATES, currentRowMismatch, describeChainBreak, describeCurrentRow, latestMigrated, liveHolder, previousChain, type ChainBreak, type MetadataNames } from './history.js';
import { describeProblem, outOfOrder, verify, type Problem } from './planner.js';
import { fileProblem } from './prepare.js';

/**
 * One problem for a script: `file` (a name or text `up` would refuse), or the planner's kinds
 * (`checksum-drift`, `missing-file`, `failed`, `running`, `out-of-order`).
 */
export interface ProblemDetail { kind: string; version?: number; fileName?: string; message: string }

export interface StatusRow { version: number; name: string; state: string; previous?: string; startedOn?: string; completedOn?: string; errorReason?: string; file?: string }

export interface StatusReport {
  current?: number;
  metadataExists: boolean;
  lockHolder?: string;
  migrations: StatusRow[];
  /** Everything `validate` objects to: bad file names, duplicates, drift, missing files, failed or stuck versions. */
  problems: string[];
  /** The same problems, each with its kind, and the version or file it is about (for scripts). */
  details: ProblemDetail[];
  /** Runs of version numbers with no file between the first and the last one. */
  gaps: { from: number; to: number }[];
  /** Entries of the migrations directory that are not read but look meant to be. */
  ignored: { fileName: string; reason: string }[];
  /** History rows' keys that are no version, CURRENT or the lock: read as nothing. */
  ignoredHistoryKeys: string[];
  /** The CURRENT row's latest version when it is not the latest applied one (Confluent's tool would go by it); `up` writes it again. */
  currentRowMismatch?: { currentRow?: number; latest?: number; message: string };
  /** Why the history table could not be read, when it exists (the stream was read alone). */
  tableProblem?: string;
  tableMissing?: boolean;
  /** Applied versions whose `previous` names one that is not applied (Confluent's validate would fail); `up` writes them again. */
  chainBreaks: (ChainBreak & { message: string })[];
  /** Why the events stream could not be read (no pull queries on streams): the table was read alone. */
  streamProblem?: string;
}

/** Why a file's text would be refused when it runs; one that is not UTF-8 text is no problem once `applied` (its checksum is compared as any other's). */
function textProblem(f: MigrationFile, applied: boolean): ProblemDetail[] {
  const m = f.notUtf8 ? (applied ? undefined : notUtf8Problems([f])[0]) : fileProblem(f);
  return m === undefined ? [] : [{ kind: 'file', version: f.version, fileName: f.fileName, message: m }];
}

/** Files and history side by side, from the history's two pull queries. `now`: the lock's lease is judged by it. */
export async function readStatus(client: KsqlClient, dir: string, metadata: MetadataNames, leaseMs: number, now: number = Date.now(), opts: { allowOutOfOrder?: boolean; ignoreMissing?: boolean } = {}): Promise<StatusReport> {
  const [d, history] = await bothInOrder(discoverMigrations(dir), readHistory(client, metadata, leaseMs));
  const migrations: StatusRow[] = [];
  const versions = new Set([...d.files.map((f) => f.version), ...(history ? history.versions.keys() : [])]);
  for (const v of [...versions].sort((a, b) => a - b)) {
    const f = d.files.find((x) => x.version === v);
    const h = history?.versions.get(v);
    let state = h ? h.state : 'PENDING';
    if (h?.state === 'MIGRATED' && !f) state = 'MISSING';
    else if (h?.state === 'MIGRATED' && f && h.checksum && h.checksum !== f.checksum) state = 'CHANGED';
    // a state no tool writes (the problems say which and how to settle it)
    else if (h && !KNOWN_STATES.has(h.state)) state = 'UNKNOWN';
    // marked rolled back (PENDING in the history) and its file removed since: nothing is left to apply
    else if (h && h.state !== 'MIGRATED' && h.state !== 'ERROR' && h.state !== 'RUNNING') state = f ? 'PENDING' : 'ROLLED_BACK';
    migrations.push({ version: v, name: f?.name ?? h?.name ?? '', state, previous: h?.previous, startedOn: h?.startedOn, completedOn: h?.completedOn, errorReason: h && h.errorReason !== 'N/A' ? h.errorReason : undefined, file: f?.fileName });
  }
  const planned = (p: Problem): ProblemDetail => ({ kind: p.kind, version: p.version, ...('fileName' in p ? { fileName: p.fileName } : {}), message: describeProblem(p) });
  const details: ProblemDetail[] = [
    ...d.problems.map((p) => ({ kind: 'file', fileName: p.fileName, message: `${p.fileName}: ${p.reason}` })),
    // a file `up` would refuse fails validation now, not on the default branch later (one that is
    // not UTF-8 text only while it is to run: applied, its checksum is compared as any other's)
    ...d.files.flatMap((f) => textProblem(f, history?.versions.get(f.version)?.state === 'MIGRATED')),
    // an undo file down would refuse (a SELECT, not UTF-8 text) fails validation too
    ...d.undo.flatMap((f) => textProblem(f, false)),
    ...(history ? verify(d.files, history, opts).map(planned) : []),
    // a pending file below the latest applied version, which up refuses without --allow-out-of-order
    ...(history && !opts.allowOutOfOrder ? outOfOrder(d.files, history).map(planned) : []),
  ];
  const mismatch = history ? currentRowMismatch(history) : undefined;
  const chainBreaks = history ? previousChain(history).breaks.map((b) => ({ ...b, message: describeChainBreak(b) })) : [];
  return { chainBreaks, currentRowMismatch: mismatch && { ...mismatch, message: describeCurrentRow(mismatch, metadata.stream) }, current: history ? latestMigrated(history) : undefined, metadataExists: history !== undefined, lockHolder: liveHolder(history?.lock, leaseMs, now), migrations, problems: details.map((x) => x.message), details, gaps: d.gaps, ignored: d.ignored, ignoredHistoryKeys: history?.strayKeys ?? [], tableProblem: history?.tableProblem, tableMissing: history?.tableMissing === true, streamProblem: history?.streamProblem };
}

