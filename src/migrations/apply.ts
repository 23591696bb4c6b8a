import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { ServerError, type KsqlClient } from '../client/client.js';
import { discoverMigrations, notUtf8Problems, versionName, type MigrationFile } from './files.js';
import { COLUMNS, CURRENT, LOCK_KEY, NO_ERROR, claimExpired, agreeingCurrentRow, currentRowMismatch, describeChainBreak, describeCurrentRow, foldEvents, insertRow, latestMigrated, metadataDdl, metadataMismatch, notHistory, previousChain, rowFromColumns, stateChange, type History, type HistoryRow, type EventRow, MetadataMismatch, type MetadataNames } from './history.js';
import { describeProblem, plan, planUndo, type Plan, type PlanOptions, type UndoPlan } from './planner.js';
import { historyNotes, prepareMigration, type PreparedStatement } from './prepare.js';
import { assertWaitsMs } from '../sql/split.js';
import type { Variables } from '../sql/variables.js';

export interface MigrationSettings {
  dir: string;
  metadata: MetadataNames;
  defines: Variables;
  /** Whether `${name}` is substituted at a file's start (the configuration's ksql.variable.substitution.enable); default true. */
  substitution?: boolean;
  leaseMs: number;
  waitMs: number;
  /** Masks secrets in what is recorded and reported (a failure's message may quote a value). */
  redact?: (text: string) => string;
  /**
   * The target is this process's own server (--embedded), which no other process can reach: a lock
   * held by another run was left by one that died, and is taken at once.
   */
  exclusive?: boolean;
}

export type MigrationEvent =
  | { type: 'plan'; plan: Plan }
  | { type: 'lock-wait'; holder: string }
  | { type: 'start'; file: MigrationFile; statements: number }
  /** A migration's statements ran; `recorded`: its MIGRATED rows were written too (else they go with the next request). */
  | { type: 'done'; file: MigrationFile; ms: number; recorded: boolean }
  /** The MIGRATED rows of a migration whose own write failed landed with a later request. */
  | { type: 'recorded'; file: MigrationFile }
  | { type: 'failed'; file: MigrationFile; reason: string }
  | { type: 'warning'; message: string }
  /** The run's first write (the history made if missing, and its claim on the lock) is about to go out: before it, nothing was written. */
  | { type: 'writing' };

export type MigrationOutcome = { file: MigrationFile; status: 'success' | 'error' | 'not-executed'; reason?: string };

export interface MigrateResult { outcomes: MigrationOutcome[]; plan: Plan; interrupted: boolean }

/** Problems that stop `up` before it starts (exit 4 when validating, 1 when applying). */
export class PlanRefused extends Error {
  constructor(readonly reasons: string[]) { super(reasons.join('\n')); }
}
/** Files that cannot be used (bad names, duplicate versions): exit 4, as `validate` gives. */
export class FilesRefused extends PlanRefused {}
export class LockTimeout extends Error {}
/** The run held the lock, then could not renew it within the lease: another run may have taken it. */
export class LockLost extends Error {}
/** Ctrl-C while waiting for another run's lock: nothing was applied. */
export class InterruptedWaiting extends Error {}

export interface Ports {
  client: KsqlClient;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** Checked between migrations: true once the user asked to stop (SIGINT). */
  interrupted: () => boolean;
}

const isMissingSource = (e: unknown) => e instanceof ServerError && /does not exist/.test(e.message);
/** A server's refusal of pull queries on streams: disabled by configuration, or not there yet (before 0.22). */
const noStreamPulls = (e: unknown): e is ServerError => e instanceof ServerError && /Pull queries on streams are disabled|pull quer(y|ies)[^.]*not supported[^.]*stream|stream[^.]*not supported[^.]*pull quer/i.test(e.message);

/**
 * Read from the table alone, lock claims cannot be ordered (its lock row is the latest claim): a
 * holder there renews at this interval, and a claim counts once it has stood for longer than that
 * and the server's table updates (about 2 s), so a live holder's renewal would have shown.
 */
const TABLE_ONLY_RENEW_MS = 5_000;
const TABLE_ONLY_CONFIRM_MS = 10_000;

/**
 * Reads the whole history with two pull queries at once: the events stream, which holds every row
 * written since its topic's retention last deleted (and orders lock claims), and the table, which
 * keeps each version's latest row however old, as Confluent's tool reads it. Without the table
 * (not created yet, or dropped) the stream alone is read. A history table that can be read while
 * the stream does not exist is another stream's. `checkTable` (before a command writes to the
 * history) sends the table's DESCRIBE with them, which also tells a history table made from
 * another stream that does exist.
 */
export async function readHistory(client: KsqlClient, m: MetadataNames, leaseMs: number, opts: { checkTable?: boolean } = {}): Promise<History | undefined> {
  const select = (source: string) => client.query(`SELECT ${COLUMNS.join(', ')} FROM ${source};`);
  const describeTable = () => describeSource(client, m.table);
  const [events, table, described] = await Promise.allSettled([select(m.stream), select(m.table), opts.checkTable ? describeTable() : Promise.resolve(undefined)]);
  // the DESCRIBE carries the configured properties, as every write does: a request the server
  // refuses as bad (400: a property misspelt or of a bad value) stops the command here, before it
  // claims the lock or writes anything; a DESCRIBE that fails otherwise (a timeout, no permission)
  // only leaves the table's check to the pull queries
  if (described.status === 'rejected' && described.reason instanceof ServerError && described.reason.status === 400) throw described.reason;
  const description = described.status === 'fulfilled' ? described.value : undefined;
  const foreign = description ? otherStreamsTable(m, description) : undefined;
  // a table under metadata.table that is no history is a setting to change, whether or not the
  // stream exists yet: nothing may be made or written beside it
  const tableMismatch = async (): Promise<MetadataMismatch | undefined> => {
    if (table.status === 'fulfilled' || !(table.reason instanceof ServerError) || isMissingSource(table.reason)) return undefined;
    // (one that cannot be read, its query terminated, say: by its description)
    const d = opts.checkTable ? description : await describeTable().catch(() => undefined);
    return metadataMismatch(m, table.reason.message, 'table') ?? (d && !hasHistoryColumns(d) ? notHistory(m, 'table') : undefined);
  };
  if (events.status === 'rejected') {
    if (isMissingSource(events.reason)) {
      // a history table read while the stream it is made from does not exist: another stream's
      const wrong = foreign ?? (table.status === 'fulfilled' ? otherStreamsTable(m) : await tableMismatch());
      if (wrong) throw wrong;
      return undefined;
    }
    // a stream of that name that is no history (it lacks the columns)
    const mismatch = asMismatch(m, events.reason);
    if (mismatch === events.reason && foreign) throw foreign;
    // a server that answers no pull query on a stream (before ksqlDB 0.22, or with
    // ksql.query.pull.stream.enabled=false) leaves the table, which Confluent's tool reads; any
    // other failure (a timeout, a 500) is no reason to read less
    if (mismatch === events.reason && noStreamPulls(events.reason) && table.status === 'fulfilled') {
      const history = foldEvents([], leaseMs, table.value.rows.map(rowFromColumns), true);
      history.streamProblem = events.reason.brief;
      return history;
    }
    throw mismatch;
  }
  // a server that refuses the table scan (missing, not queryable, scans disabled) leaves the stream;
  // a table of that name that is no history (it lacks the columns) is a setting to change, and
  // nothing may be written beside it (or dropped with it by metadata destroy)
  if (table.status === 'rejected' && !(table.reason instanceof ServerError)) throw table.reason;
  const wrong = foreign ?? await tableMismatch();
  if (wrong) throw wrong;
  const tableRows = table.status === 'fulfilled' ? table.value.rows.map(rowFromColumns) : [];
  const history = foldEvents(events.value.rows.map(rowFromColumns), leaseMs, tableRows);
  // a table that exists but cannot be read (its query was terminated): Confluent's tool reads it
  if (table.status === 'rejected' && !isMissingSource(table.reason)) history.tableProblem = (table.reason as ServerError).brief;
  // a stream without its table: the table was dropped (by a migration, or by hand)
  if (table.status === 'rejected' && isMissingSource(table.reason)) history.tableMissing = true;
  return history;
}

/**
 * A stream's or table's columns (upper-cased), topic and the queries writing it, as DESCRIBE gives
 * them, and the source its statement reads (FROM), when it was made by a query.
 */
export interface DescribedSource { columns: Set<string>; topic: string; writeQueries: number; from?: string }

/** DESCRIBE of a stream or table; undefined when the server has none of that name. */
export async function describeSource(client: KsqlClient, name: string): Promise<DescribedSource | undefined> {
  let d: { fields?: { name: string }[]; topic?: string; writeQueries?: { queryString?: string }[]; statement?: string } | undefined;
  try {
    d = (await client.ksql(`DESCRIBE ${name};`, {}, { readOnly: true }))[0]?.sourceDescription as typeof d;
  } catch (e) {
    if (e instanceof ServerError && /does not exist|Could not find/i.test(e.message)) return undefined;
    throw e;
  }
  if (!d) return undefined;
  const writeQueries = d.writeQueries ?? [];
  return { columns: new Set((d.fields ?? []).map((f) => f.name.toUpperCase())), topic: d.topic ?? '', writeQueries: writeQueries.length, from: sourceRead(d.statement ?? writeQueries[0]?.queryString) };
}

/** The source a CREATE ... AS SELECT reads (its first FROM), as ksqlDB names it: unquoted names upper-cased. */
function sourceRead(statement: string | undefined): string | undefined {
  const m = statement ? /\bFROM\s+(`[^`]+`|"[^"]+"|[A-Za-z_][\w]*)/i.exec(statement) : null;
  return m ? sourceName(m[1]!) : undefined;
}

/** A source's name as ksqlDB names it in its answers: a quoted name as written, others upper-cased. */
const sourceName = (name: string): string => (/^[`"]/.test(name) ? name.slice(1, -1) : name.toUpperCase());

/**
 * A history table under metadata.table made from another stream than metadata.stream (another
 * project's history, whose table keeps the default name): reading or writing beside it would mix the
 * two histories, so the setting is to change.
 */
function otherStreamsTable(m: MetadataNames, d?: DescribedSource): MetadataMismatch | undefined {
  // (without a description: a history table read while metadata.stream does not exist)
  if (!d) return new MetadataMismatch(`metadata.table: ${m.table} is a history table, but metadata.stream ${m.stream} does not exist: it is another stream's history; set metadata.table to a name of its own (or metadata.stream to the stream it is made from)`);
  if (!d.from || !hasHistoryColumns(d) || d.from === sourceName(m.stream)) return undefined;
  return new MetadataMismatch(`metadata.table: ${m.table} is the history table of the stream ${d.from}, not of metadata.stream ${m.stream}; set metadata.table to a name of its own (or metadata.stream to ${d.from})`);
}

/** Whether a described source has the migration history's columns. */
export const hasHistoryColumns = (d: DescribedSource): boolean => COLUMNS.every((c) => d.columns.has(c));

/** Files to run that are not UTF-8 text stop the run before anything is sent (exit 4, as validate). */
export function refuseNotUtf8(p: Plan): void {
  const bad = notUtf8Problems(p.steps.map((st) => st.file));
  if (bad.length) throw new FilesRefused(bad);
}

export async function readFilesOrThrow(dir: string, warn?: (message: string) => void): Promise<MigrationFile[]> {
  const d = await discoverMigrations(dir);
  if (d.problems.length) throw new FilesRefused(d.problems.map((p) => `${p.fileName}: ${p.reason}`));
  for (const i of d.ignored) warn?.(`${i.fileName}: ${i.reason}`);
  return d.files;
}

const newOwner = () => `${hostname()}:${process.pid}:${randomBytes(4).toString('hex')}`;

/**
 * A claim (LOCKED, with the time its lease runs out as completed_on, so every reader sees the same
 * lease whatever its own setting) or a release (UNLOCKED) of the lock.
 */
export function lockRow(stream: string, owner: string, state: 'LOCKED' | 'UNLOCKED', now: number, leaseMs = 0): string {
  const until = state === 'LOCKED' ? String(now + leaseMs) : '';
  return insertRow(stream, { versionKey: LOCK_KEY, version: owner, name: 'ksql-migrate lock', state, checksum: '', startedOn: String(now), completedOn: until, previous: '', errorReason: NO_ERROR });
}

/** The longest delay a Node timer takes (a longer one fires at once). */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Keeps a held lock's lease alive: a new claim by its holder every quarter of the lease, each read
 * back to see that no other run holds the lock now (with `verify`). `stop()`
 * waits for a claim in flight, so none lands after the release. `check()` throws once no claim
 * has gone through for a whole lease (the server was unreachable, or the process stalled): by then
 * another run may hold the lock, and going on could apply a version twice.
 */
function renewLease(ports: Ports, stream: string, owner: string, leaseMs: number, emit: (e: MigrationEvent) => void, claimedAt: number, everyMs = leaseMs / 4, verify = true) {
  let renewedAt = claimedAt;
  // another run that holds the lock now: it was released while this run held it ('repair
  // --release-lock' on a live run), and going on would apply versions beside that run
  let takenBy: string | undefined;
  /** After a renewal, the lock's claims as the stream orders them: is this run still the holder? */
  const confirm = async () => {
    if (!verify) return;
    try {
      const r = await ports.client.query(`SELECT ${COLUMNS.join(', ')} FROM ${stream} WHERE VERSION_KEY = '${LOCK_KEY}';`);
      const holder = foldEvents(r.rows.map(rowFromColumns), leaseMs).lock.holder;
      if (holder !== undefined && holder !== owner) takenBy = holder;
    } catch { /* (a failed read says nothing: the renewal's own checks stand) */ }
  };
  // a renewal sent after the lease had run out (the process stalled, a laptop slept) does not win the
  // lock back: another run may have claimed it meanwhile
  let lapsed = false;
  let inFlight: Promise<void> | undefined;
  let warned = false;
  const timer = setInterval(() => {
    if (inFlight) return;
    const sentAt = ports.now();
    if (sentAt - renewedAt > leaseMs) { lapsed = true; return; }
    inFlight = ports.client.ksql(lockRow(stream, owner, 'LOCKED', sentAt, leaseMs)).then(
      // answered after the lease ran out: another run may have claimed the lock before this renewal landed
      () => { if (ports.now() - renewedAt > leaseMs) lapsed = true; else renewedAt = sentAt; return confirm(); },
      (e: unknown) => { if (!warned) { warned = true; emit({ type: 'warning', message: `could not renew the lock: ${(e as Error).message}` }); } },
    ).finally(() => { inFlight = undefined; });
    // a quarter of the lease: three tries fit in one, so one failed renewal does not lose the lock
  }, Math.min(MAX_TIMER_MS, Math.max(50, Math.floor(Math.min(everyMs, leaseMs / 4)))));
  timer.unref();
  return {
    /**
     * Once the lease has run out (the process stalled while a request was out, a laptop slept): the
     * first other run that claimed the lock after this run's last claim answered within the lease
     * (one sent before the lapse that landed late does not count), read from the stream (the other
     * run may have released it since); '?' when the claims cannot be read. Undefined when none did,
     * and, without a request, while the lease holds.
     */
    async claimedSinceLapse(): Promise<string | undefined> {
      if (!lapsed && ports.now() - renewedAt <= leaseMs) return undefined;
      try {
        const claims = (await ports.client.query(`SELECT ${COLUMNS.join(', ')} FROM ${stream} WHERE VERSION_KEY = '${LOCK_KEY}';`)).rows.map(rowFromColumns);
        const mine = (c: (typeof claims)[number]) => c.version === owner && c.state === 'LOCKED';
        let ours = claims.findIndex((c) => mine(c) && c.startedOn === String(renewedAt));
        if (ours < 0) claims.forEach((c, i) => { if (mine(c)) ours = i; });
        return claims.slice(ours + 1).find((c) => c.state === 'LOCKED' && c.version !== owner)?.version ?? undefined;
      } catch { return '?'; }
    },
    check() {
      if (takenBy !== undefined) throw new LockLost(`lost the lock: ${takenBy} holds it now (it was released while this run held it, as 'repair --release-lock' does), so going on would apply versions beside that run; stopped before the next migration`);
      if (lapsed || ports.now() - renewedAt > leaseMs) throw new LockLost(`lost the lock: it could not be renewed for ${Math.round(leaseMs / 1000)} s (lock.leaseSeconds), so another run may hold it; stopped before the next migration`);
    },
    async stop() { clearInterval(timer); await inFlight; },
  };
}

/**
 * After a run lost the lock while a migration's request was out: its RUNNING rows (`ours`) may have
 * landed after the rows of the run that holds the lock now (ksqlDB runs a request's statements only
 * once it has validated all of them, which an ASSERT may hold), and then the table shows them. Each
 * such key gets the last row written before them by another run again. Says what it did, as a clause.
 */
async function giveBackRows(client: KsqlClient, stream: string, keys: string[], ours: (r: EventRow) => boolean): Promise<string> {
  try {
    const r = await client.query(`SELECT ${COLUMNS.join(', ')} FROM ${stream} WHERE ${keys.map((k) => `VERSION_KEY = '${k}'`).join(' OR ')};`);
    const rows = r.rows.map(rowFromColumns);
    const again: string[] = [];
    for (const key of keys) {
      const mine = rows.filter((x) => x.versionKey === key);
      if (!mine.length || !ours(mine[mine.length - 1]!)) continue;
      const theirs = mine.filter((x) => !ours(x)).pop();
      if (theirs) again.push(insertRow(stream, Object.fromEntries(Object.entries(theirs).map(([k, v]) => [k, v ?? ''])) as unknown as HistoryRow));
    }
    if (!again.length) return '';
    await client.ksql(again.join('\n'));
    return ` (its RUNNING rows, which landed after that run's, were replaced by that run's rows again)`;
  } catch (e) { return ` (its RUNNING rows may show in the history over that run's: ${(e as Error).message})`; }
}

/** A server's refusal that shows a configured history name taken by another source, as a MetadataMismatch; any other error as it is. */
const asMismatch = (m: MetadataNames, e: unknown): unknown => (e instanceof ServerError ? metadataMismatch(m, e.message) : undefined) ?? e;

/**
 * Both at once; when both fail, the first's error is the one thrown, whichever came back first (the
 * migrations directory's problems before the server's answer).
 */
export async function bothInOrder<A, B>(first: Promise<A>, second: Promise<B>): Promise<[A, B]> {
  const [a, b] = await Promise.allSettled([first, second]);
  if (a.status === 'rejected') throw a.reason;
  if (b.status === 'rejected') throw b.reason;
  return [a.value, b.value];
}

/** What reading the table alone means: it lags the stream on a real server, and lock claims cannot be ordered. */
export function historyStreamWarning(m: MetadataNames, problem: string): string {
  return `the history stream ${m.stream} cannot be read by a pull query (${problem}); ksql-migrate reads the history from the table ${m.table} alone, as Confluent's ksql-migrations does. The table orders no lock claims: up holds the lock only once its claim has stood for ${TABLE_ONLY_CONFIRM_MS / 1000} s, and renews it every ${TABLE_ONLY_RENEW_MS / 1000} s (ksqlDB 0.22 and later, with ksql.query.pull.stream.enabled, read the stream)`;
}

/** What to do when the history table cannot be read: Confluent's tool reads the history from it. */
export function historyTableWarning(m: MetadataNames, problem: string): string {
  return `the history table ${m.table} cannot be read (${problem}); ksql-migrate reads the history from ${m.stream} alone, but Confluent's ksql-migrations reads it from the table: run 'ksql-migrate metadata init' to make it again from the stream`;
}

/** The history stream is there and its table is not (dropped): said by status and validate. */
export function missingHistoryTableWarning(m: MetadataNames): string {
  return `the history table ${m.table} does not exist (it was dropped); ksql-migrate reads the history from ${m.stream} alone, but Confluent's ksql-migrations reads it from the table: the next 'ksql-migrate up', or 'ksql-migrate metadata init', makes it again from the stream`;
}

/**
 * Creates the history stream and table unless they exist, in one request with `then` (statements
 * that need them). A configured name taken by a source that is no history is a MetadataMismatch.
 */
export async function ensureMetadata(client: KsqlClient, m: MetadataNames, then = ''): Promise<void> {
  // the table reads the stream from its start: made again (after its query was terminated), it
  // holds every version the stream does, for Confluent's tool, which reads the history from it
  try { await client.ksql(`${metadataDdl(m)}${then ? `\n${then}` : ''}`, { 'ksql.streams.auto.offset.reset': 'earliest' }); } catch (e) {
    throw asMismatch(m, e);
  }
}

/**
 * Takes the lock for `owner` and returns the history as read once it holds it. The lock is a claim
 * row on the single-partition events stream: the first claim in offset order wins, and it expires
 * after the lease unless renewed. A configured history name taken by another source stops it first.
 */
async function takeLock(ports: Ports, s: MigrationSettings, owner: string, emit: (e: MigrationEvent) => void): Promise<History> {
  const { client } = ports;
  const stream = s.metadata.stream;
  // the configured names are looked at before anything is made or written: a stream or table under
  // them that is no history stops the run here (CREATE ... IF NOT EXISTS would keep it, and make the other)
  const before = await readHistory(client, s.metadata, s.leaseMs, { checkTable: true });
  // a table that could not be read before this run made anything is one to warn of; one made just
  // now may not answer pull queries for a moment on a real server (its query is starting), which
  // is no reason to advise making it again
  const brokenBefore = before?.tableProblem !== undefined;
  // one request: metadata (idempotent) and our claim on the lock
  if (ports.interrupted()) throw new InterruptedWaiting('interrupted before anything was written');
  emit({ type: 'writing' });
  await ensureMetadata(client, s.metadata, lockRow(stream, owner, 'LOCKED', ports.now(), s.leaseMs));
  // (that request made a dropped table again, from the stream: said once it has)
  if (before?.tableMissing) emit({ type: 'warning', message: `the history table ${s.metadata.table} did not exist (it was dropped): made it again from ${stream}` });
  let history: History;
  let tableWarned = false;
  const deadline = ports.now() + s.waitMs;
  // table alone: since when the table has shown our claim without a break
  let oursSince: number | undefined;
  for (;;) {
    history = (await readHistory(client, s.metadata, s.leaseMs))!;
    if (history.tableProblem && brokenBefore && !tableWarned) { tableWarned = true; emit({ type: 'warning', message: historyTableWarning(s.metadata, history.tableProblem) }); }
    if (history.streamProblem && !tableWarned) { tableWarned = true; emit({ type: 'warning', message: historyStreamWarning(s.metadata, history.streamProblem) }); }
    // ours, and our claim still within its lease now that the read has come back: a read that took
    // longer than the lease may show a claim another run has since replaced
    const ours = history.lock.holder === owner && !claimExpired(history.lock, s.leaseMs, ports.now());
    if (ours && !history.streamProblem) break;
    // from the table alone, ours once it has stood longer than a live holder's renewal would take to show
    oursSince = ours ? oursSince ?? ports.now() : undefined;
    if (ours && ports.now() - oursSince! >= TABLE_ONLY_CONFIRM_MS) break;
    if (ports.interrupted()) throw new InterruptedWaiting('interrupted while waiting for the lock; nothing was applied');
    if (ports.now() > deadline) {
      const who = history.lock.holder === undefined || history.lock.holder === owner ? 'the lock could not be confirmed' : `another ksql-migrate run holds the lock (${history.lock.holder})`;
      throw new LockTimeout(`${who}; gave up after ${Math.round(s.waitMs / 1000)} s. If no run is active, 'ksql-migrate repair --release-lock --yes' frees it`);
    }
    if (ours) { await ports.sleep(500); continue; }
    // a free lock, or one whose holder's lease ran out while we waited, takes a new claim of ours
    const { holder } = history.lock;
    const expired = claimExpired(history.lock, s.leaseMs, ports.now());
    if (s.exclusive && holder !== undefined && holder !== owner && !expired) {
      // released on behalf of the run that died holding it, then claimed
      emit({ type: 'warning', message: `took over the lock left by ${holder}, a run that stopped without releasing it (no other process can reach this embedded server)` });
      await client.ksql(`${lockRow(stream, holder, 'UNLOCKED', ports.now())}\n${lockRow(stream, owner, 'LOCKED', ports.now(), s.leaseMs)}`);
    } else if (holder === undefined || expired || holder === owner) {
      await client.ksql(lockRow(stream, owner, 'LOCKED', ports.now(), s.leaseMs));
      // read from the table alone, the claim shows once the server has updated it
      if (history.streamProblem) await ports.sleep(250);
    }
    else { emit({ type: 'lock-wait', holder }); await ports.sleep(250); }
  }
  return history;
}

/**
 * Lock, read history, plan, apply, record. The lock is a claim row on the single-partition events
 * stream: the first claim in offset order wins, and it expires after the lease unless renewed.
 */
export async function migrate(ports: Ports, s: MigrationSettings, options: PlanOptions & { dryRun?: boolean }, emit: (e: MigrationEvent) => void): Promise<MigrateResult> {
  const { client } = ports;
  const files = await readFilesOrThrow(s.dir, (message) => emit({ type: 'warning', message }));
  const stream = s.metadata.stream;
  const owner = newOwner();
  const history = await takeLock(ports, s, owner, emit);
  // (read from the table alone, claims cannot be ordered: the holder is not confirmed after renewals)
  const lease = renewLease(ports, stream, owner, s.leaseMs, emit, history.lock.since!, history.streamProblem ? TABLE_ONLY_RENEW_MS : undefined, !history.streamProblem);
  // the MIGRATED rows of the migration just applied, stamped when its request returned, while they
  // are not yet written: they go out at the head of the next request (the next migration's, or the
  // one releasing the lock)
  let migratedRows: string | undefined, migratedVersion = 0;
  // set when the run ends as it should; after an exception the next request may have written its
  // RUNNING rows, so only the version's own MIGRATED row may follow them (CURRENT must not go back)
  let clean = false;
  let migratedVersionRow: string | undefined;
  // whether a request carrying the pending MIGRATED rows (a migration's) has gone out
  let sentSinceMigrated = false;
  // a migration whose request got no answer (connection lost, timed out): it may have run, in
  // part, or still be running, so the lock is kept until it settles or the lease runs out
  let unanswered: { file: MigrationFile; message: string } | undefined;
  const withMigrated = (sql: string) => [migratedRows, sql].filter((x) => x !== undefined).join('\n');
  // the migration whose MIGRATED rows failed to go out alone: told once a request carrying them lands
  let unrecorded: MigrationFile | undefined;
  const landed = () => { if (unrecorded) emit({ type: 'recorded', file: unrecorded }); unrecorded = undefined; };
  let result: MigrateResult | undefined, notRecorded: string | undefined;
  try {
    const p = plan(files, history, options);
    emit({ type: 'plan', plan: p });
    refuseNotUtf8(p);
    if (p.problems.length) throw new PlanRefused(p.problems.map(describeProblem));
    const prepared = p.steps.map((step) => ({ step, statements: prepareMigration(step.file, s.defines, undefined, s.substitution) }));
    for (const { step, statements } of prepared) for (const message of historyNotes(step.file.fileName, statements, s.metadata)) emit({ type: 'warning', message });
    const outcomes: MigrationOutcome[] = p.steps.map((st) => ({ file: st.file, status: 'not-executed' }));
    if (options.dryRun) { result = { outcomes, plan: p, interrupted: false }; return result; }
    const mismatch = currentRowMismatch(history);
    // applied versions whose previous names one not applied (Confluent's validate walks that chain):
    // written again naming the nearest applied one, CURRENT too when it is the latest's, before anything runs
    const chain = previousChain(history);
    if (chain.relinked.length) {
      lease.check();
      const latest = latestMigrated(history);
      const current = chain.relinked.find((r) => Number(r.version) === latest && !mismatch);
      await client.ksql([...chain.relinked.map((r) => insertRow(stream, { ...r, versionKey: r.version })), ...(current ? [insertRow(stream, { ...current, versionKey: CURRENT })] : [])].join('\n'));
      chain.breaks.forEach((b, i) => emit({ type: 'warning', message: `${describeChainBreak(b)}: written again naming ${chain.relinked[i]!.previous}` }));
      for (const r of chain.relinked) history.versions.set(Number(r.version), r);
    }
    // the highest applied version's row: CURRENT stays on it while versions below it are applied
    let top = p.latest !== undefined ? history.versions.get(p.latest) : undefined;
    /**
     * A migration whose answer came after the lease ran out: when another run claimed the lock
     * meanwhile, it may have applied versions (this one too), so this run's outcome is not written over
     * that run's history (CURRENT would go back, or a version it applied show ERROR). The run stops.
     */
    const refuseIfLost = async (f: MigrationFile, startedOn: string, outcome: string) => {
      const holder = await lease.claimedSinceLapse();
      if (holder === undefined) return;
      migratedRows = undefined;
      const givenBack = await giveBackRows(client, stream, [String(f.version), CURRENT], (r) => r.state === 'RUNNING' && r.version === String(f.version) && r.startedOn === startedOn);
      throw new LockLost(`lost the lock while ${versionName(f.version)} ${f.name} ran (the lease of lock.leaseSeconds ran out before its answer came): ${holder === '?' ? 'the lock could not be read, so another run may have taken it' : `${holder} took it meanwhile`}, so ${versionName(f.version)}'s outcome (${outcome}) is not written into the history that run keeps${givenBack}; check 'ksql-migrate status'`);
    };
    let interrupted = false;
    for (const [i, { step, statements }] of prepared.entries()) {
      if (ports.interrupted()) { interrupted = true; break; }
      lease.check();
      const f = step.file;
      const started = ports.now();
      emit({ type: 'start', file: f, statements: statements.length });
      const row = { version: String(f.version), name: f.name, checksum: f.checksum, startedOn: String(started), previous: step.previous, errorReason: NO_ERROR };
      // one request per migration: the previous one's MIGRATED rows, this one's RUNNING rows, its
      // statements. ksqlDB validates a request as a whole first and runs each statement only after
      // the previous one has executed.
      const head = withMigrated(stateChange(stream, { ...row, state: 'RUNNING', completedOn: '' }));
      sentSinceMigrated = migratedRows !== undefined;
      const texts = statements.map((x) => x.text);
      // an ASSERT may hold the request on the server for its TIMEOUT: the client waits that much longer
      const waitMs = assertWaitsMs(texts, client.properties);
      // the head of the request the statements went in, for the place of a failure ('' when alone)
      let sentHead = head;
      try {
        if (waitMs > 0) {
          // the server holds such a request before any of it runs (its validation waits on the ASSERT),
          // so the RUNNING rows go first on their own: a run that takes the lock while this one is
          // stalled past its lease (a paused VM) sees the version RUNNING and stops, instead of
          // applying it a second time beside this one's request
          await client.ksql(head);
          if (sentSinceMigrated) landed();
          migratedRows = undefined; sentSinceMigrated = false; sentHead = '';
          await client.ksql(texts.join('\n'), {}, { waitMs });
        } else await client.ksql([head, ...texts].join('\n'), {}, { waitMs });
        if (sentSinceMigrated) landed();
        await refuseIfLost(f, row.startedOn, 'its statements ran');
        const migrated = { ...row, state: 'MIGRATED', completedOn: String(ports.now()) };
        // a version applied below the highest applied one (out of order) leaves CURRENT on the highest,
        // in the same request as its own row, so tools that read CURRENT (Confluent's) see the true latest
        if (top && f.version < Number(top.version)) migratedRows = [insertRow(stream, { ...migrated, versionKey: migrated.version }), insertRow(stream, { ...top, versionKey: CURRENT })].join('\n');
        else { migratedRows = stateChange(stream, migrated); top = { ...migrated, versionKey: migrated.version }; }
        sentSinceMigrated = false;
        migratedVersionRow = insertRow(stream, { ...migrated, versionKey: migrated.version });
        migratedVersion = f.version;
        // recorded at once, as Confluent's tool records it, so a run stopped from here on (killed,
        // its server gone) leaves the version MIGRATED; if this write fails the rows lead the next
        // request instead (a repeated row changes nothing)
        let recorded = true;
        try { await client.ksql(migratedRows); migratedRows = undefined; } catch (e) {
          recorded = false; unrecorded = f;
          emit({ type: 'warning', message: `could not record ${versionName(f.version)} as MIGRATED yet (${(e as Error).message}): it is written with the next request` });
        }
        outcomes[i] = { file: f, status: 'success' };
        emit({ type: 'done', file: f, ms: ports.now() - started, recorded });
      } catch (e) {
        if (e instanceof LockLost) throw e;
        if (!(e instanceof ServerError) || e.status >= 500) { unanswered = { file: f, message: unansweredWhy(e) }; throw e; }
        const reason = (s.redact ?? ((x: string) => x))(failurePlace(e, sentHead, statements));
        await refuseIfLost(f, row.startedOn, `it failed at ${reason}`);
        // a request refused as a whole wrote nothing, the previous MIGRATED rows included: they go
        // again (a repeated row changes nothing), then this migration's ERROR
        await client.ksql(withMigrated(stateChange(stream, { ...row, state: 'ERROR', completedOn: String(ports.now()), errorReason: reason })));
        migratedRows = undefined; landed();
        outcomes[i] = { file: f, status: 'error', reason };
        emit({ type: 'failed', file: f, reason });
        break;
      }
    }
    // a CURRENT row that disagrees with the history (a run stopped between a version's rows and
    // CURRENT's, rows written by hand) is written again as the latest applied version, unless a
    // migration of this run wrote CURRENT (its MIGRATED or ERROR rows agree with the history)
    if (mismatch && !interrupted && outcomes.every((o) => o.status === 'not-executed')) {
      const row = agreeingCurrentRow(history, mismatch);
      await client.ksql(withMigrated(insertRow(stream, row)));
      migratedRows = undefined; landed();
      emit({ type: 'warning', message: `${describeCurrentRow(mismatch, stream)}: written again as ${mismatch.latest !== undefined ? `version ${mismatch.latest}` : `version ${row.version}, pending`}` });
    }
    // a stop asked for during the last migration: it finished and is recorded, and the run says it was stopped
    // (a stop asked for while the last one failed is told too: the failure's exit code stands)
    if (!interrupted && ports.interrupted()) interrupted = true;
    clean = true;
    result = { outcomes, plan: p, interrupted };
  } finally {
    await lease.stop();
    // after an exception, a request that went out may have written its RUNNING rows: then only the
    // version's own MIGRATED row may follow them (CURRENT must not go back); one that never went out
    // (the lock was lost before it) leaves the whole MIGRATED rows, CURRENT included, to write
    if (!clean && migratedRows !== undefined && sentSinceMigrated) migratedRows = migratedVersionRow;
    if (unanswered) { if (await keepLock(client, unanswered, migratedRows, migratedVersion, emit)) landed(); } else {
      const failed = await release(client, withMigrated(lockRow(stream, owner, 'UNLOCKED', ports.now())), migratedRows, migratedVersion);
      if (!failed) landed();
      // the run's own error goes first; otherwise a last migration the history does not record fails the run
      if (failed && clean && migratedRows !== undefined) notRecorded = failed;
      else if (failed) emit({ type: 'warning', message: failed });
    }
  }
  if (notRecorded) throw new HistoryNotRecorded(notRecorded);
  return result;
}

export interface UndoResult { outcomes: MigrationOutcome[]; plan: UndoPlan; interrupted: boolean }

/**
 * `down`: under the lock, runs the undo files of the latest applied version (or of every one above
 * `options.to`), newest first, one request each: the file's statements, then the version's row as
 * PENDING (applied no more, as Confluent's tool reads it) and CURRENT back on the latest version
 * still applied. Those rows end the request, so they are written only once every statement before
 * them has run. An undo that fails leaves the version ERROR with where it failed, for repair.
 */
export async function undoMigrations(ports: Ports, s: MigrationSettings, options: { to?: number; dryRun?: boolean }, emit: (e: MigrationEvent | { type: 'undo-plan'; plan: UndoPlan }) => void): Promise<UndoResult> {
  const { client } = ports;
  const d = await discoverMigrations(s.dir);
  if (d.problems.length) throw new FilesRefused(d.problems.map((p) => `${p.fileName}: ${p.reason}`));
  for (const i of d.ignored) emit({ type: 'warning', message: `${i.fileName}: ${i.reason}` });
  /** The plan, the undo files' statements (each file's TERMINATE ALL noted), and outcomes not yet run. */
  const planned = (history: History) => {
    const p = planUndo(d.undo, history, { to: options.to });
    emit({ type: 'undo-plan', plan: p });
    if (p.problems.length) throw new PlanRefused(p.problems);
    const bad = notUtf8Problems(p.steps.map((st) => st.file));
    if (bad.length) throw new FilesRefused(bad);
    const prepared = p.steps.map((step) => ({ step, statements: prepareMigration(step.file, s.defines, undefined, s.substitution) }));
    for (const { step, statements } of prepared) for (const message of historyNotes(step.file.fileName, statements, s.metadata)) emit({ type: 'warning', message });
    const outcomes: MigrationOutcome[] = p.steps.map((st) => ({ file: st.file, status: 'not-executed' }));
    return { p, prepared, outcomes };
  };
  // a dry run reads the history and takes no lock: it writes nothing, and waits for no other run
  if (options.dryRun) {
    const { p, outcomes } = planned(await readHistory(client, s.metadata, s.leaseMs, { checkTable: true }) ?? foldEvents([], s.leaseMs));
    return { outcomes, plan: p, interrupted: false };
  }
  const stream = s.metadata.stream;
  const owner = newOwner();
  const history = await takeLock(ports, s, owner, emit);
  const lease = renewLease(ports, stream, owner, s.leaseMs, emit, history.lock.since!, history.streamProblem ? TABLE_ONLY_RENEW_MS : undefined, !history.streamProblem);
  // an undo whose request got no answer may have run, in part, or still be running: the lock is kept
  let unanswered: { file: MigrationFile; message: string } | undefined;
  try {
    const { p, prepared, outcomes } = planned(history);
    let interrupted = false;
    for (const [i, { step, statements }] of prepared.entries()) {
      if (ports.interrupted()) { interrupted = true; break; }
      lease.check();
      const f = step.file, started = ports.now();
      emit({ type: 'start', file: f, statements: statements.length });
      const rows = [insertRow(stream, { ...step.row, versionKey: step.row.version, startedOn: String(started), completedOn: String(started) }),
        ...step.relinked.map((r) => insertRow(stream, { ...r, versionKey: r.version })), insertRow(stream, step.current)].join('\n');
      try {
        await client.ksql([...statements.map((x) => x.text), rows].join('\n'), {}, { waitMs: assertWaitsMs(statements.map((x) => x.text), client.properties) });
        outcomes[i] = { file: f, status: 'success' };
        // (an undo's rows end its own request: they land with its statements)
        emit({ type: 'done', file: f, ms: ports.now() - started, recorded: true });
      } catch (e) {
        if (!(e instanceof ServerError) || e.status >= 500) { unanswered = { file: f, message: unansweredWhy(e) }; throw e; }
        const reason = (s.redact ?? ((x: string) => x))(`undo ${failurePlace(e, '', statements)}`);
        // (with the previous the undos before it in this run relinked it to, as its undone row has it)
        const applied = { ...history.versions.get(Number(step.row.version))!, previous: step.row.previous };
        await client.ksql(stateChange(stream, { ...applied, state: 'ERROR', startedOn: String(started), completedOn: String(ports.now()), errorReason: reason }));
        outcomes[i] = { file: f, status: 'error', reason };
        emit({ type: 'failed', file: f, reason });
        break;
      }
    }
    if (!interrupted && ports.interrupted()) interrupted = true;
    return { outcomes, plan: p, interrupted };
  } finally {
    await lease.stop();
    if (unanswered) await keepLock(client, unanswered, undefined, 0, emit);
    else {
      try { await client.ksql(lockRow(stream, owner, 'UNLOCKED', ports.now())); } catch (e) { emit({ type: 'warning', message: `could not release the lock: ${(e as Error).message}` }); }
    }
  }
}

/** The last migration ran, but its MIGRATED rows (and the lock's release) could not be written. */
export class HistoryNotRecorded extends Error {}

/**
 * Releases the lock, with the last migration's MIGRATED rows if they are still to be written; what
 * went wrong if it could not (the message says how to record them), else undefined.
 */
async function release(client: KsqlClient, sql: string, migratedRows: string | undefined, migratedVersion: number): Promise<string | undefined> {
  try { await client.ksql(sql); return undefined; } catch (e) {
    return migratedRows === undefined ? `could not release the lock: ${(e as Error).message}`
      : `could not record ${versionName(migratedVersion)} as MIGRATED (its statements ran) nor release the lock: ${(e as Error).message}. 'ksql-migrate repair --mark-migrated --version ${migratedVersion} --release-lock --yes' records it and frees the lock`;
  }
}

/**
 * Why a migration's request may have run in part: no answer came (the connection lost, the time
 * given passed), or the server answered that it could not go on (HTTP 5xx: shutting down, its data
 * dir full, its command not done in time), which says nothing of the statements before.
 */
function unansweredWhy(e: unknown): string {
  if (e instanceof ServerError) return `was not run to its end: the server answered HTTP ${e.status} (${e.brief})`;
  return `got no answer (${(e as Error).message})`;
}

/**
 * After a migration's request got no answer: the lock stays held (its lease runs out on its own),
 * so no other run starts while that request may still be running. The previous migration's own
 * MIGRATED row is written if it may be missing; the warning says how to settle both.
 */
async function keepLock(client: KsqlClient, lost: { file: MigrationFile; message: string }, previousRow: string | undefined, previous: number, emit: (e: MigrationEvent) => void): Promise<boolean> {
  let previousNote = '';
  let wrote = false;
  if (previousRow !== undefined) {
    try { await client.ksql(previousRow); wrote = true; } catch {
      previousNote = ` ${versionName(previous)} ran but may still show RUNNING: 'ksql-migrate repair --mark-migrated --version ${previous}' records it.`;
    }
  }
  const v = lost.file.version;
  emit({
    type: 'warning',
    message: `${versionName(v)} ${lost.file.name} ${lost.message}: its statements may have run, in part, or may still be running. The lock is kept so no other run starts on top of it; it expires after lock.leaseSeconds.${previousNote} Check 'ksql-migrate status'; once ${versionName(v)} has settled, 'ksql-migrate repair --release-lock --yes' frees the lock (add '--mark-migrated --version ${v}' or '--mark-rolled-back --version ${v}' if it shows RUNNING)`,
  });
  return wrote;
}


/** The source an INSERT writes, as ksqlDB names it in its messages: a quoted name as written, others upper-cased. */
function insertTarget(text: string): string | undefined {
  const name = /^\s*INSERT\s+INTO\s+(`[^`]+`|"[^"]+"|\w+)/i.exec(text)?.[1];
  return name === undefined ? undefined : sourceName(name);
}

/**
 * Where in a migration a request failed, and the server's message, as `statement k/n (line L): ...`.
 * The request is `head` (history rows) and then the statements, one after another on new lines.
 * The server names the failing statement by its text (statementText), or, for a syntax error, by
 * the position in the request and the failing line; a position is rewritten to the file's line.
 * A failure among the history rows is "recording its state"; one no statement can be found for
 * (a validator's message without either) is "one of its statements".
 */
export function failurePlace(e: ServerError, head: string, statements: PreparedStatement[]): string {
  const message = e.brief;
  // the request as a whole was too big: no statement is to blame, the file's size is
  if (e.status === 413) {
    const bytes = Buffer.byteLength(statements.map((x) => x.text).join('\n'));
    return `its request: ${(bytes / 2 ** 20).toFixed(1)} MB of statements, more than the server takes (HTTP 413: ${message}); split the file into smaller migrations`;
  }
  const starts: number[] = [];
  let line = head === '' ? 1 : head.split('\n').length + 1;
  for (const s of statements) { starts.push(line); line += s.text.split('\n').length; }
  // statements the server's answer cannot tell apart: a few are named, many as their range
  const several = (idx: number[], note = ''): string => {
    const lines = idx.map((i) => statements[i]!.line);
    if (idx.length <= 4) return `statement ${idx.map((i) => i + 1).join(' or ')}/${statements.length} (lines ${lines.join(' or ')}${note}): ${message}`;
    return `one of ${idx.length} statements from ${idx[0]! + 1} to ${idx.at(-1)! + 1}/${statements.length} (lines ${lines[0]} to ${lines.at(-1)}${note}): ${message}`;
  };
  const at = /^line (\d+):(\d+): (.*)$/.exec(message);
  const text = e.body.statementText?.trim();
  const unknownQuery = queryIdOf(message);
  let k = -1, fileLine = 0, shown = message;
  if (at) {
    const reqLine = Number(at[1]);
    for (let i = 0; i < starts.length; i++) if (starts[i]! <= reqLine) k = i;
    if (k >= 0) {
      const place = filePosition(statements[k]!, reqLine - starts[k]!, Number(at[2]));
      fileLine = place.line;
      shown = `line ${fileLine}:${place.column}: ${at[3]}`;
    }
  } else if (text) {
    const same = statements.map((x, i) => (x.text.trim() === text ? i : -1)).filter((i) => i >= 0);
    // statements of the same text: the server's answer cannot tell which of them failed, so all are named
    if (same.length > 1) return several(same, ', the same text');
    k = same[0] ?? -1;
    if (k < 0 && head.split('\n').some((l) => l.trim() === text)) return `recording its state: ${message}`;
    // a position in the statement (Line: L, Col: C, counted from its own first line) becomes the file's
    const rel = /Line: (\d+), Col: (\d+)/.exec(message);
    if (k >= 0 && rel) {
      const place = filePosition(statements[k]!, Number(rel[1]) - 1, Number(rel[2]));
      fileLine = place.line;
      shown = message.replace(rel[0], `Line: ${place.line}, Col: ${place.column}`);
    }
  } else if (unknownQuery !== undefined) {
    // TERMINATE, PAUSE or RESUME of a query the server does not know: answered without the statement,
    // but the id names it
    const id = unknownQuery.toUpperCase();
    const naming = statements.map((s, i) => (new RegExp(`^\\s*(TERMINATE|PAUSE|RESUME)\\s+\`?${id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\`?\\s*;?\\s*$`, 'i').test(s.text) ? i : -1)).filter((i) => i >= 0);
    if (naming.length === 1) k = naming[0]!;
    else if (naming.length > 1) return several(naming, ', the same query');
  } else {
    // INSERT VALUES's validator names only its target: the one INSERT INTO it, if there is one
    // (as it names one that does not exist, the name in backquotes)
    const target = /^Failed to insert values into '([^']+)'/.exec(message)?.[1] ?? /^Cannot insert values into an unknown stream\/table: `([^`]+)`/.exec(message)?.[1];
    let matching = target ? statements.map((s, i) => (insertTarget(s.text) === target ? i : -1)).filter((i) => i >= 0) : [];
    // several INSERTs into it: the column the message names narrows them down
    const column = /Column name `([^`]+)`/.exec(message)?.[1] ?? /for field `([^`]+)`/.exec(message)?.[1];
    if (matching.length > 1 && column) {
      const naming = matching.filter((i) => new RegExp(`(^|[^\\w])${column.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}([^\\w]|$)`, 'i').test(statements[i]!.text));
      if (naming.length) matching = naming;
    }
    if (matching.length === 1) k = matching[0]!;
    else if (matching.length > 1) return several(matching);
  }
  // a file of one statement: that one, unless the server blames the history rows before it (a line
  // there, or the history stream as the INSERT's target)
  const history = insertTarget(head);
  const inHead = at ? Number(at[1]) < (starts[0] ?? Infinity) : history !== undefined && /^Failed to insert values into '([^']+)'/.exec(message)?.[1] === history;
  if (k < 0 && statements.length === 1 && !inHead) k = 0;
  if (k < 0 && inHead) return `recording its state: ${message}`;
  if (k < 0) return `one of its statements: ${message}`;
  return `statement ${k + 1}/${statements.length} (line ${fileLine || statements[k]!.line}): ${shown}`;
}

/** The query id a server's message about an unknown or unstoppable query names. */
function queryIdOf(message: string): string | undefined {
  return /^Unknown queryId: (\S+)$/.exec(message)?.[1] ?? /^Cannot terminate query '([^']+)'/.exec(message)?.[1] ?? /^Failed to terminate query with query ID: '([^']+)'/.exec(message)?.[1];
}

/**
 * The file's line and column of a position the server gives in a statement: `line` lines after the
 * statement's first (counting only \n, as the server's parser does), at column `column`. The file's
 * lines also end at a lone \r, which the server does not count.
 */
function filePosition(st: PreparedStatement, line: number, column: number): { line: number; column: number } {
  let lineStart = 0;
  for (let i = 0; i < line; i++) {
    const nl = st.text.indexOf('\n', lineStart);
    if (nl < 0) break;
    lineStart = nl + 1;
  }
  // (the text before the position: columns count from 1)
  const at = lineStart + Math.max(0, column - 1);
  const breaks = st.text.slice(0, at).match(/\r\n|\r|\n/g)?.length ?? 0;
  // a lone \r after the server's line start begins a file line of its own: the column counts from it
  const lastCr = st.text.slice(lineStart, at).lastIndexOf('\r');
  const fileColumn = lastCr >= 0 && st.text[lineStart + lastCr + 1] !== '\n' ? column - (lastCr + 1) : column;
  return { line: st.line + breaks, column: fileColumn };
}
