/** The migration history kept in ksqlDB, in the exact form of Confluent's `ksql-migrations`. */
export type MigrationState = 'PENDING' | 'RUNNING' | 'MIGRATED' | 'ERROR';
/** The states Confluent's tool and this one write for a version (PENDING: rolled back). Any other was written by hand. */
export const KNOWN_STATES: ReadonlySet<string> = new Set<MigrationState>(['PENDING', 'RUNNING', 'MIGRATED', 'ERROR']);

export interface HistoryRow {
  versionKey: string;
  version: string;
  name: string;
  state: string;
  checksum: string;
  startedOn: string;
  completedOn: string;
  previous: string;
  errorReason: string;
}

export interface MetadataNames { stream: string; table: string; streamTopic: string; tableTopic: string; replicas: number }

/** Metadata names from settings; topics default to `<ksqlServiceId>ksql_<name>` as Confluent's tool names them. */
export function metadataNamesFor(m: { stream: string; table: string; streamTopic?: string; tableTopic?: string; replicas: number }, serviceId: string): MetadataNames {
  return { stream: m.stream, table: m.table, replicas: m.replicas, streamTopic: m.streamTopic ?? `${serviceId}ksql_${m.stream}`, tableTopic: m.tableTopic ?? `${serviceId}ksql_${m.table}` };
}

export const NO_PREVIOUS = '<none>';
export const NO_ERROR = 'N/A';
export const CURRENT = 'CURRENT';
/** Key of the lock claims ksql-migrate writes beside the history; Confluent's tool ignores it. */
export const LOCK_KEY = 'KSQL_MIGRATE_LOCK';

export const COLUMNS = ['VERSION_KEY', 'VERSION', 'NAME', 'STATE', 'CHECKSUM', 'STARTED_ON', 'COMPLETED_ON', 'PREVIOUS', 'ERROR_REASON'] as const;

/**
 * metadata.stream or metadata.table names an existing source that is not a migration history (the
 * DDL keeps an existing source, IF NOT EXISTS, and the table's query then cannot find the columns).
 */
export class MetadataMismatch extends Error {}

/**
 * A statement on the history failed because a configured name is taken by another source (one of
 * the history's columns cannot be resolved in it): what to do, in one line. `which` names the
 * setting the failing statement read (the stream's DDL, or a read of the table).
 */
export function metadataMismatch(m: MetadataNames, message: string, which: 'stream' | 'table' = 'stream'): MetadataMismatch | undefined {
  // a table under metadata.stream: the history table's aggregation cannot read it
  if (which === 'stream' && /LATEST_BY_OFFSET cannot be applied to a table source/i.test(message)) {
    return new MetadataMismatch(`metadata.stream: ${m.stream} is an existing table, not a stream; set metadata.stream (and metadata.table) to names of their own`);
  }
  // (a query: "Column 'X' cannot be resolved"; an INSERT: "Column name X does not exist")
  const column = /(?:column|Column) (?:name )?'?`?([A-Z_]+)`?'? (?:cannot be resolved|does not exist)/.exec(message)?.[1];
  if (!column || !(COLUMNS as readonly string[]).includes(column)) return undefined;
  return notHistory(m, which);
}

/** The configured stream or table is another source, not a migration history. */
export function notHistory(m: MetadataNames, which: 'stream' | 'table'): MetadataMismatch {
  if (which === 'table') return new MetadataMismatch(`metadata.table: ${m.table} is an existing table without the migration history's columns (${COLUMNS.join(', ')}); set metadata.table to a name of its own`);
  return new MetadataMismatch(`metadata.stream: ${m.stream} is an existing stream without the migration history's columns (${COLUMNS.join(', ')}); set metadata.stream (and metadata.table) to names of their own`);
}

export function metadataDdl(m: MetadataNames): string {
  return `CREATE STREAM IF NOT EXISTS ${m.stream} (version_key STRING KEY, version STRING, name STRING, state STRING, checksum STRING, started_on STRING, completed_on STRING, previous STRING, error_reason STRING) WITH (KAFKA_TOPIC='${m.streamTopic}', VALUE_FORMAT='JSON', PARTITIONS=1, REPLICAS=${m.replicas});
CREATE TABLE IF NOT EXISTS ${m.table} WITH (KAFKA_TOPIC='${m.tableTopic}') AS SELECT version_key, latest_by_offset(version) AS version, latest_by_offset(name) AS name, latest_by_offset(state) AS state, latest_by_offset(checksum) AS checksum, latest_by_offset(started_on) AS started_on, latest_by_offset(completed_on) AS completed_on, latest_by_offset(previous) AS previous, latest_by_offset(error_reason) AS error_reason FROM ${m.stream} GROUP BY version_key;`;
}

const q = (s: string) => `'${s.replace(/'/g, "''")}'`;

/** One INSERT writing a full row (every column, so LATEST_BY_OFFSET never keeps a stale value). */
export function insertRow(stream: string, r: HistoryRow): string {
  return `INSERT INTO ${stream} (version_key, version, name, state, checksum, started_on, completed_on, previous, error_reason) VALUES (${[r.versionKey, r.version, r.name, r.state, r.checksum, r.startedOn, r.completedOn, r.previous, r.errorReason].map(q).join(', ')});`;
}

/** A state change as Confluent's tool writes it: the same row under the version's key and under CURRENT. */
export function stateChange(stream: string, r: Omit<HistoryRow, 'versionKey'>): string {
  return `${insertRow(stream, { ...r, versionKey: r.version })}\n${insertRow(stream, { ...r, versionKey: CURRENT })}`;
}

/** A history row as read: a NULL column (a row written by hand with some columns left out) is null. */
export type EventRow = { [K in keyof HistoryRow]: string | null };

export function rowFromColumns(cols: unknown[]): EventRow {
  const s = (i: number) => (cols[i] === null || cols[i] === undefined ? null : String(cols[i]));
  return { versionKey: s(0), version: s(1), name: s(2), state: s(3), checksum: s(4), startedOn: s(5), completedOn: s(6), previous: s(7), errorReason: s(8) };
}

/** A key's row once `r` is written after `base`, as LATEST_BY_OFFSET makes it: each column the latest that is not NULL. */
function after(base: HistoryRow | undefined, r: EventRow): HistoryRow {
  const out = { ...r } as HistoryRow;
  for (const k of Object.keys(r) as (keyof HistoryRow)[]) out[k] = r[k] ?? base?.[k] ?? '';
  return out;
}

export interface History {
  /** Latest row per version (numeric keys only). */
  versions: Map<number, HistoryRow>;
  current?: HistoryRow;
  lock: LockState;
  /** Why the history table could not be read (its query terminated, say), when it exists: the stream was read alone. */
  tableProblem?: string;
  /** The stream was read and the table does not exist (it was dropped). */
  tableMissing?: boolean;
  /** Why the events stream could not be read (a server without pull queries on streams): the table was read alone. */
  streamProblem?: string;
  /** Keys of rows that are no version, CURRENT or the lock (written by hand, or by another tool): read as nothing. */
  strayKeys: string[];
}

/**
 * The lock: its holder, when the holder last claimed it, and when that claim runs out. A claim
 * carries its own lease's end (its completed_on), so runs configured with different leases agree on
 * who holds the lock; a claim written without one (by an older ksql-migrate) lasts the reader's lease.
 */
export interface LockState { holder?: string; since?: number; until?: number; claims: number }

/** When a claim made at `since` runs out: at `until` when the claim says, else after the reader's lease. */
const claimEnd = (lock: { since?: number; until?: number }, leaseMs: number): number => lock.until ?? (lock.since ?? -Infinity) + leaseMs;

/** The lock's holder while its lease runs; a lease that ran out holds nothing (the next up takes it). */
export function liveHolder(lock: { holder?: string; since?: number; until?: number } | undefined, leaseMs: number, now: number): string | undefined {
  if (!lock?.holder) return undefined;
  return lock.since !== undefined && now > claimEnd(lock, leaseMs) ? undefined : lock.holder;
}

/** Whether the lock's current claim has run out at `at`. */
export const claimExpired = (lock: LockState, leaseMs: number, at: number): boolean => lock.since !== undefined && at > claimEnd(lock, leaseMs);

/** A claim's end as its row gives it (completed_on), when it gives one. */
const untilOf = (r: { completedOn: string | null }): number | undefined => {
  const n = r.completedOn ? Number(r.completedOn) : NaN;
  return Number.isFinite(n) ? n : undefined;
};

/**
 * Folds the events stream, in offset order, over the table's rows into the latest row per key, and
 * into the lock state (from the stream alone: claims are ordered by offset). A claim
 * (state LOCKED) takes a free lock, or one whose holder's lease has expired at the claim's time; the
 * holder's own claim renews its lease; UNLOCKED by the holder frees it. First claim wins.
 */
export function foldEvents(rows: readonly EventRow[], leaseMs: number, table: readonly EventRow[] = [], lockFromTable = false): History {
  const versions = new Map<number, HistoryRow>();
  let current: HistoryRow | undefined;
  const lock: LockState = { claims: 0 };
  const stray = new Set<string>();
  const versionOf = (key: string | null) => {
    if (key !== null && key !== LOCK_KEY && key !== CURRENT && /^\d+$/.test(key) && Number(key) > 0 && Number.isSafeInteger(Number(key))) return Number(key);
    if (key !== null && key !== LOCK_KEY && key !== CURRENT) stray.add(key);
    return undefined;
  };
  // the table's latest row per key stands for a key whose events the stream no longer holds (the
  // topic's retention deleted them); a key's events, newer than or as new as its table row, are
  // written over it column by column (a hand-written row may leave columns NULL)
  for (const t of table) {
    const r = after(undefined, t), v = versionOf(t.versionKey);
    if (t.versionKey === CURRENT) current = r;
    else if (v !== undefined) versions.set(v, r);
    // read alone, the table's lock row is the latest claim or release (claims cannot be ordered)
    else if (t.versionKey === LOCK_KEY && lockFromTable && r.state === 'LOCKED') { lock.holder = r.version; lock.since = Number(r.startedOn); lock.until = untilOf(r); lock.claims = 1; }
  }
  for (const r of rows) {
    if (r.versionKey === LOCK_KEY) {
      const at = Number(r.startedOn);
      const free = lock.holder === undefined || claimExpired(lock, leaseMs, at);
      if (r.state === 'LOCKED') {
        lock.claims++;
        if (free || lock.holder === r.version) { lock.holder = r.version ?? ''; lock.since = at; lock.until = untilOf(r); }
      } else if (r.state === 'UNLOCKED' && lock.holder === r.version) { lock.holder = undefined; lock.since = undefined; lock.until = undefined; }
      continue;
    }
    if (r.versionKey === CURRENT) { current = after(current, r); continue; }
    const v = versionOf(r.versionKey);
    if (v !== undefined) versions.set(v, after(versions.get(v), r));
  }
  return { versions, current, lock, strayKeys: [...stray].sort() };
}

/**
 * The latest migrated version: the highest one whose state is MIGRATED. Confluent's tool reads
 * CURRENT instead (itself if MIGRATED, else its previous); the two agree for every history written
 * in order, and after applying a version out of order `up` writes CURRENT again as the highest.
 */
export function latestMigrated(h: History): number | undefined {
  let latest: number | undefined;
  for (const [v, r] of h.versions) if (r.state === 'MIGRATED' && (latest === undefined || v > latest)) latest = v;
  return latest;
}

/** The latest migrated version as Confluent's tool reads it: CURRENT's version if MIGRATED, else its previous; none without CURRENT. */
export function currentRowLatest(h: History): number | undefined {
  const c = h.current;
  if (!c) return undefined;
  const v = Number(c.state === 'MIGRATED' ? c.version : c.previous);
  return Number.isSafeInteger(v) && v > 0 ? v : undefined;
}

/** The CURRENT row against the history: the latest version it names (Confluent's reading) and the latest applied one. */
export interface CurrentRowMismatch { currentRow?: number; latest?: number }

/**
 * When the CURRENT row names another latest version than the history's highest MIGRATED one (a run
 * stopped between the rows of a version applied out of order and CURRENT's rewrite, an older `down`
 * that left CURRENT pending on a version undone, rows written by hand): Confluent's tool, which goes
 * by CURRENT, would apply versions again or take versions as applied that are not.
 */
export function currentRowMismatch(h: History): CurrentRowMismatch | undefined {
  const latest = latestMigrated(h), reads = currentRowLatest(h);
  return reads !== latest ? { currentRow: reads, latest } : undefined;
}

/** The row CURRENT is written as to agree with the history: the latest applied version's, or, with none applied, a pending one with no previous. */
export function agreeingCurrentRow(h: History, m: CurrentRowMismatch): HistoryRow {
  if (m.latest !== undefined) return { ...h.versions.get(m.latest)!, versionKey: CURRENT };
  // (CURRENT names a version when it disagrees with a history where none is applied)
  const named = h.versions.get(Number(h.current!.version)) ?? h.current!;
  return { ...named, state: named.state === 'MIGRATED' ? 'PENDING' : named.state, previous: NO_PREVIOUS, versionKey: CURRENT };
}

/** What the CURRENT row says against the latest applied version, for status, validate and up. */
export function describeCurrentRow(d: CurrentRowMismatch, stream: string): string {
  const said = d.currentRow === undefined ? 'names no version as applied' : `names version ${d.currentRow} as the latest applied`;
  const is = d.latest === undefined ? 'but none is' : d.currentRow === undefined ? `but version ${d.latest} is` : `but it is ${d.latest}`;
  // behind: the versions above it would run again; ahead: the ones up to it would count as applied
  const effect = d.latest !== undefined && (d.currentRow === undefined || d.currentRow < d.latest)
    ? (d.currentRow === undefined ? 'would apply every version again' : `would apply the versions above ${d.currentRow} again`) : `would take the versions up to ${d.currentRow} as applied`;
  return `the history's CURRENT row (stream ${stream}) ${said}, ${is}: Confluent's ksql-migrations ${effect}`;
}

/** A link of the `previous` chain that Confluent's validate would refuse: an applied version naming one that is not applied. */
export interface ChainBreak { version: number; previous: string; state: string }

/**
 * The `previous` chain as Confluent's `validate` walks it, from the latest applied version down:
 * every version it names must be MIGRATED. Each applied version that names one that is not (left
 * by a run stopped part-way, an older `down`, rows written by hand), or names a version twice, is a
 * break; `relinked` is each such version's row naming the nearest applied version instead: the one
 * its old chain reaches first through versions not applied, else the highest applied below it.
 */
export function previousChain(h: History): { breaks: ChainBreak[]; relinked: HistoryRow[] } {
  const breaks: ChainBreak[] = [], relinked: HistoryRow[] = [];
  const applied = (v: number) => h.versions.get(v)?.state === 'MIGRATED';
  const visited = new Set<number>();
  for (let v = latestMigrated(h); v !== undefined;) {
    visited.add(v);
    const row = h.versions.get(v)!;
    if (row.previous === NO_PREVIOUS || row.previous === '') break;
    const named = Number(row.previous);
    if (applied(named) && !visited.has(named)) { v = named; continue; }
    breaks.push({ version: v, previous: row.previous, state: visited.has(named) ? 'named twice' : h.versions.get(named)?.state ?? 'no row' });
    // through the versions not applied, as down relinks them
    let next: number | undefined;
    for (let x = row.previous, seen = new Set<string>(); x !== NO_PREVIOUS && x !== '' && !seen.has(x); x = h.versions.get(Number(x))?.previous ?? NO_PREVIOUS) {
      seen.add(x);
      if (applied(Number(x)) && !visited.has(Number(x))) { next = Number(x); break; }
    }
    const below = v;
    next ??= [...h.versions.keys()].filter((x) => x < below && applied(x) && !visited.has(x)).sort((a, b) => b - a)[0];
    relinked.push({ ...row, previous: next === undefined ? NO_PREVIOUS : String(next) });
    v = next;
  }
  return { breaks, relinked };
}

/** What a break of the previous chain means, for status, validate and up. */
export function describeChainBreak(b: ChainBreak): string {
  return `version ${b.version}'s previous in the history is ${b.previous}, which ${b.state === 'no row' ? 'has no row' : b.state === 'named twice' ? 'the chain has named already' : `is ${b.state}`}: Confluent's ksql-migrations validate walks that chain from the latest applied version and would fail`;
}
