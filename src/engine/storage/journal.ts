import { closeSync, createReadStream, fchmodSync, fsyncSync, ftruncateSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { link, mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { makeDirectory } from '../../files/make-dir.js';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { crc32c } from '@node-rs/crc32';
import type { Engine } from '../engine.js';
import { StorageRefused, type Origin, type PartitionLog, type ProducerState, type TopicConfig, type TopicRecord } from './topics.js';
import type { RunningQuery, StepHooks } from '../runtime/running-query.js';
import { decodeValue, encodeValue, type StoreChange } from '../state/store.js';
import type { RegistryChange } from '../schema-registry/registry.js';

interface RecordLine { t: string; p: number; k: string | null; v: string | null; ts: number; h: { k: string; v: string | null }[] }
/** An idempotent producer's batch appended at offset `o` of a partition, at `at` (ms). */
interface ProducerLine { t: string; p: number; o: number; id: number; epoch: number; first: number; last: number; at: number }

type Entry =
  | { e: 'cmd'; sql: string; props: Record<string, unknown> }
  /** A topic created or deleted (by a statement, or by a Kafka client). */
  | { e: 'topic'; op: 'create' | 'delete' | 'grow' | 'config' | 'trim'; name: string; config?: TopicConfig; partitions?: number; overrides?: Record<string, string>; partition?: number; offset?: number }
  /** A record written by a client (INSERT VALUES, /inserts-stream, a Kafka producer). */
  | ({ e: 'rec' } & RecordLine)
  /** Records written as one unit (a Kafka transaction's commit: its records, offsets and state): all or none; with the producers of its batches. */
  | { e: 'recs'; recs: RecordLine[]; units?: number[]; producers?: ProducerLine[] }
  /** A compacted journal's idempotent producers of a partition: their epochs and latest sequences. */
  | { e: 'producers'; t: string; p: number; states: [number, ProducerState][] }
  /** One processing step of a persistent query: its input position, the records it wrote, its state changes. */
  | { e: 'step'; q: string; t: string; p: number; o: number; out: RecordLine[]; ch: { s: string; k: string; v: unknown }[] }
  /** A Schema Registry change (registrations by clients and by statements, deletes, compatibility levels). */
  | { e: 'sr'; c: RegistryChange }
  /** A partition's start: retention (or DeleteRecords) had deleted the records before it (a compacted journal's, or retention's as it went). */
  | { e: 'base'; t: string; p: number; o: number }
  /** A compacted journal's query position (the next offset of each partition it reads) and its count of records processed. */
  | { e: 'pos'; q: string; offsets: Record<string, number[]>; processed: number }
  /** A compacted journal's state-store contents, in chunks. */
  | { e: 'store'; q: string; s: string; entries: [string, unknown][] };

/** Entries that change the catalog, the topics' configs or the registry: a compacted journal keeps them all, in order. */
const KEPT = (e: Entry) => e.e === 'cmd' || e.e === 'sr' || (e.e === 'topic' && e.op !== 'trim');
/** Store entries per line of a compacted journal. */
const STORE_CHUNK = 5000;

/** The suffix of a compacted journal while it is written. */
const COMPACTING = '.compacting';

/**
 * A journal line: the entry's JSON, a tab, and the CRC-32C of the JSON's bytes (8 hex digits), so a
 * byte changed on disk is found, not read as another entry. JSON text holds no raw tab. Journals
 * written before lines had it have lines of JSON alone: read as they are, up to the first line with one.
 */
const sealed = (json: string): string => `${json}\t${checksum(json)}\n`;
/** The CRC-32C of a text's UTF-8 bytes, as 8 hex digits. */
const checksum = (json: string): string => (crc32c(json) >>> 0).toString(16).padStart(8, '0');

/** A line's JSON, undefined when its checksum does not match; `sealed`: whether it had one. */
function unsealed(line: string): { json: string | undefined; sealed: boolean } {
  const tab = line.lastIndexOf('\t');
  if (tab < 0) return { json: line, sealed: false };
  const json = line.slice(0, tab), crc = line.slice(tab + 1);
  const ok = crc === checksum(json);
  return { json: ok ? json : undefined, sealed: true };
}

const b64 = (b: Buffer | null) => (b === null ? null : b.toString('base64'));
const unb64 = (s: string | null) => (s === null ? null : Buffer.from(s, 'base64'));

/** Bytes as the journal writes them: base64 with its padding (Buffer.from skips what is not base64). */
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const bytesProblem = (v: unknown): boolean => v !== null && (typeof v !== 'string' || !BASE64.test(v));

/** Why a record line is not one the journal writes, or undefined. */
function recordProblem(r: unknown): string | undefined {
  const x = r as Partial<RecordLine> | null;
  if (x === null || typeof x !== 'object') return 'a record that is no object';
  if (typeof x.t !== 'string') return 'a record without its topic';
  if (!Number.isInteger(x.p) || x.p! < 0) return `a record of partition ${JSON.stringify(x.p)}`;
  if (typeof x.ts !== 'number') return 'a record without its time';
  if (bytesProblem(x.k) || bytesProblem(x.v)) return 'a record whose key or value is not base64';
  if (!Array.isArray(x.h) || x.h.some((h) => typeof h?.k !== 'string' || bytesProblem(h.v))) return 'a record whose headers are not the journal\'s';
  return undefined;
}

const isInt = (v: unknown): boolean => Number.isInteger(v);
const isProducerLine = (x: unknown): boolean => {
  const l = x as Partial<ProducerLine> | null;
  return l !== null && typeof l === 'object' && typeof l.t === 'string' && [l.p, l.o, l.id, l.epoch, l.first, l.last, l.at].every(isInt);
};
const isProducerState = (x: unknown): boolean => {
  const st = x as Partial<ProducerState> | null;
  return st !== null && typeof st === 'object' && isInt(st.epoch) && isInt(st.lastSequence) && isInt(st.at) && Array.isArray(st.recent)
    && st.recent.every((r) => r !== null && typeof r === 'object' && isInt(r.firstSequence) && isInt(r.lastSequence) && isInt(r.baseOffset));
};

/** The kinds of entry this version writes (Entry's `e`). */
const KNOWN_KINDS = new Set<Entry['e']>(['cmd', 'topic', 'rec', 'recs', 'producers', 'step', 'sr', 'base', 'pos', 'store']);

/** Why a parsed line is not an entry the journal writes, or undefined. */
function entryProblem(e: unknown): string | undefined {
  const x = e as Record<string, unknown> | null;
  if (x === null || typeof x !== 'object' || Array.isArray(x)) return 'not an object';
  switch (x.e) {
    case 'cmd': return typeof x.sql === 'string' ? undefined : 'a statement without its text';
    case 'topic': return typeof x.name === 'string' && ['create', 'delete', 'grow', 'config', 'trim'].includes(x.op as string) ? undefined : 'a topic change of no known kind';
    case 'rec': return recordProblem(x);
    case 'recs':
      if (!Array.isArray(x.recs)) return 'a unit without its records';
      if (x.producers !== undefined && (!Array.isArray(x.producers) || !x.producers.every(isProducerLine))) return 'a unit whose producers are not the journal\'s';
      return x.recs.map(recordProblem).find(Boolean);
    case 'producers':
      return typeof x.t === 'string' && Number.isInteger(x.p) && Array.isArray(x.states) && x.states.every((st) => Array.isArray(st) && Number.isInteger(st[0]) && isProducerState(st[1])) ? undefined : 'a partition\'s producers not as the journal writes them';
    case 'step':
      if (typeof x.q !== 'string' || typeof x.t !== 'string' || !Number.isInteger(x.p) || !Number.isInteger(x.o)) return 'a step without its query and input';
      if (!Array.isArray(x.out) || !Array.isArray(x.ch)) return 'a step without its records and changes';
      return x.out.map(recordProblem).find(Boolean) ?? (x.ch.every((c) => typeof (c as { s?: unknown })?.s === 'string' && typeof (c as { k?: unknown }).k === 'string') ? undefined : 'a state change without its store and key');
    case 'sr': return x.c !== null && typeof x.c === 'object' ? undefined : 'a Schema Registry change without its content';
    case 'base': return typeof x.t === 'string' && Number.isInteger(x.p) && Number.isInteger(x.o) ? undefined : 'a partition start without its offset';
    case 'pos': return typeof x.q === 'string' && x.offsets !== null && typeof x.offsets === 'object' ? undefined : 'a query position without its offsets';
    case 'store': return typeof x.q === 'string' && typeof x.s === 'string' && Array.isArray(x.entries) ? undefined : 'a store without its entries';
    default: return `an entry of no known kind (${JSON.stringify(x.e)})`;
  }
}

function recordLine(rec: TopicRecord): RecordLine {
  return { t: rec.topic, p: rec.partition, k: b64(rec.key), v: b64(rec.value), ts: rec.timestamp, h: rec.headers.map((h) => ({ k: h.key, v: b64(h.value) })) };
}

/**
 * The data dir's log, written synchronously before a request is answered. It holds the command log
 * (like ksqlDB's command topic), every record clients write, and, per processing step of each
 * persistent query, the records it produced and its state-store changelog entries, in one line: a
 * step is on disk whole or not at all. On open, the log is applied without running any query: topics
 * get their records back at the same offsets, each query's position and state stores are restored
 * from its changelog entries; a torn last line (kill -9) is dropped and its input is processed again.
 */
export class Journal implements StepHooks {
  /** The journal file, open for appending (written synchronously, before a request is answered). */
  private fd: number | undefined;
  private replaying = false;
  /** The lines a compaction keeps as they are (see KEPT), in their order. */
  private kept: string[] = [];
  /** The journal is compacted once it grows past this many bytes (see compact). */
  private compactAbove = Infinity;
  private nextCompaction = Infinity;
  private compacting: NodeJS.Immediate | undefined;
  /** Tells the server's operator of a compaction that failed while running (the journal itself is unharmed). */
  private warn: (message: string) => void = () => undefined;
  /** The journal's statements that did not run again at start, with why. */
  private readonly replayFailures: string[] = [];
  private release: () => Promise<void> = async () => undefined;
  private step: Extract<Entry, { e: 'step' }> | undefined;
  /** The bytes of a torn last line dropped at start-up (a write a crash cut off), or 0. */
  droppedBytes = 0;

  private constructor(readonly dir: string, readonly clusterId: string, private readonly engine: Engine) {}

  /**
   * Opens the data dir's journal and applies it. A journal over `compactAboveBytes` (default 64 MiB)
   * is rewritten, once applied, as what it now amounts to: see compact. So is a journal that grows past it while the server runs (between requests), and again
   * each time it doubles what the last compaction left.
   */
  static async open(dir: string, engine: Engine, opts: { compactAboveBytes?: number; warn?: (message: string) => void } = {}): Promise<Journal> {
    // the journal holds every statement, secrets in WITH clauses included: the directory and its files
    // are the user's alone, and a directory made here tells git to leave it out (it may be in a project)
    const made = await makeDirectory(dir, 0o700);
    if (made !== undefined) await writeFile(join(dir, '.gitignore'), '# ksql-migrate server data (statements and records): not for version control\n*\n', { mode: 0o600 });
    const release = await lockDataDir(dir);
    let clusterId: string;
    try { clusterId = await clusterIdOf(dir); } catch (e) { await release(); throw e; }
    const j = new Journal(dir, clusterId, engine);
    engine.stepHooks = j;
    engine.topics.onAppend((rec, origin) => j.onAppend(rec, origin));
    engine.topics.onTopic((c) => { if (!j.replaying) j.write({ e: 'topic', ...c }); });
    engine.topics.onTrim((log) => j.trimmed(log));
    engine.topics.onGroup({
      begin: () => { if (!j.replaying) { j.group = []; j.units = []; j.producers = []; } },
      // the last `n` records were appended as one unit (a producer's batch)
      unit: (n) => { if (j.group) j.units.splice(j.units.length - n, n, n); },
      // an idempotent producer's batch: its sequences are kept with its records, so a retry after a restart is known
      producer: (t, p, pr, o) => { if (j.group) j.producers.push({ t, p, o, id: pr.id, epoch: pr.epoch, first: pr.firstSequence, last: pr.lastSequence, at: Date.now() }); },
      end: (ok) => {
        const recs = j.group, units = j.units, producers = j.producers;
        j.group = undefined;
        if (ok && recs?.length) j.write({ e: 'recs', recs, units, ...(producers.length ? { producers } : {}) });
        // (a unit that wrote nothing leaves no trims waiting for the next one)
        j.flushTrims();
      },
    });
    engine.registry.onChange((c) => j.write({ e: 'sr', c }));
    const path = join(dir, 'journal.jsonl');
    // a compaction cut off (the process killed while it wrote) left the journal as it was: its part-written copy goes
    await rm(`${path}${COMPACTING}`, { force: true });
    const compactAbove = opts.compactAboveBytes ?? 64 * 2 ** 20;
    const kept = j.kept;
    let validBytes = 0, fileBytes = 0, lastHasNewline = true;
    j.replaying = true;
    try {
      // read as a stream, a line at a time: a journal may be larger than a string can hold
      let n = 0, sawSealed = false;
      const onLine = (line: string, last: boolean) => {
        n++;
        let entry: Entry;
        const damaged = (why: string) => new JournalDamaged(`${path}: line ${n} ${why}; the data dir is damaged (not a torn last write), so the server does not start rather than drop what follows it`);
        // only the last line, unfinished (no newline after it), is a torn write to drop; a bad
        // line before it means the file was damaged, and nothing after it is thrown away
        const { json, sealed: hasSum } = unsealed(line);
        if (json === undefined) {
          if (last) return;
          throw damaged('does not match its checksum');
        }
        if (!hasSum && sawSealed) {
          if (last) return;
          throw damaged('has no checksum, after lines that have one');
        }
        sawSealed ||= hasSum;
        try { entry = JSON.parse(json) as Entry; } catch {
          if (last) return;
          throw damaged('is not a journal entry');
        }
        // a line that is JSON but no entry this server wrote (bytes changed on disk) is damage too
        const problem = entryProblem(entry);
        // a sealed line of a kind this version does not know was written whole, by a newer version
        const kind = (entry as { e?: unknown }).e;
        if (problem && hasSum && typeof kind === 'string' && !KNOWN_KINDS.has(kind as Entry['e'])) {
          throw new JournalDamaged(`${path}: line ${n} is ${problem}: a newer ksql-migrate wrote this data dir; start the server with that version (nothing here was changed)`);
        }
        if (problem) throw damaged(`is not a journal entry (${problem})`);
        try { j.apply(entry); } catch (e) { throw damaged(`cannot be applied (${(e as Error).message})`); }
        if (KEPT(entry)) kept.push(json);
        validBytes += Buffer.byteLength(line) + (last ? 0 : 1);
        if (last) lastHasNewline = false;
      };
      let pending = '';
      try {
        for await (const chunk of createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 })) {
          fileBytes += Buffer.byteLength(chunk as string);
          const parts = (pending + (chunk as string)).split('\n');
          pending = parts.pop()!;
          for (const line of parts) onLine(line, false);
        }
      } catch (e) {
        // no journal yet is a new data dir; any other read failure stops the start, naming the file
        const err = e as NodeJS.ErrnoException;
        if (err.code !== 'ENOENT') { err.path ??= path; throw err; }
      }
      if (pending !== '') onLine(pending, true);
    } catch (e) { await release(); throw e; }
    j.release = release;
    j.replaying = false;
    j.fd = openSync(path, 'a+', 0o600);
    // (a journal written before files were made private becomes so)
    fchmodSync(j.fd, 0o600);
    if (validBytes < fileBytes) ftruncateSync(j.fd, validBytes);
    j.droppedBytes = fileBytes - validBytes;
    // a whole last entry that lost only its newline gets it back, so the next entry starts a line
    if (!lastHasNewline) writeSync(j.fd, '\n');
    j.size = validBytes + (lastHasNewline ? 0 : 1);
    // what retention deleted while the journal was applied (a smaller retention than before)
    j.flushTrims();
    // records whose step did not reach the disk are processed now
    engine.drain();
    j.compactAbove = compactAbove;
    // (a journal never compacted keeps no copy of its statements in memory)
    if (compactAbove === Infinity) j.kept = [];
    if (opts.warn) j.warn = opts.warn;
    for (const f of j.replayFailures.slice(0, 10)) j.warn(`--data-dir: a statement of the journal did not run again: ${f}`);
    if (j.replayFailures.length > 10) j.warn(`--data-dir: ${j.replayFailures.length - 10} more statements of the journal did not run again`);
    j.nextCompaction = compactAbove;
    // (at start-up a failure stops the start: the disk cannot take the journal's copy)
    if (j.size > compactAbove) j.settle(j.compact());
    return j;
  }

  /**
   * When to compact next, after a compaction: once the journal doubles what it left (or the threshold,
   * if more), so a server whose journal cannot shrink (it keeps every record) does not rewrite it over
   * and over; soon again if a query was behind.
   */
  private settle(outcome: 'done' | 'larger' | 'behind'): void {
    this.nextCompaction = outcome === 'behind' ? this.size + Math.max(1 << 20, this.compactAbove / 4) : Math.max(this.compactAbove, this.size * 2);
  }

  /** Compacts the journal between requests (no step or unit half-written), once it has grown past nextCompaction. */
  private compactSoon(): void {
    if (this.compacting || this.fd === undefined) return;
    this.compacting = setImmediate(() => {
      this.compacting = undefined;
      if (this.fd === undefined || this.failure || this.size <= this.nextCompaction) return;
      if (this.step || this.group) { this.compactSoon(); return; }
      try { this.settle(this.compact()); } catch (e) {
        this.settle('larger');
        const err = e as NodeJS.ErrnoException;
        // (a failure after the copy replaced the journal leaves the server taking no more writes)
        if (this.failure) this.warn(`--data-dir: the journal's compacted copy could not be made sure of (${err.code ?? err.message}): ${new JournalBroken(this.failure).message}`);
        else this.warn(`--data-dir: the journal could not be compacted (${err.code ?? err.message}); it is unharmed and goes on growing; the next try is at ${this.nextCompaction} bytes`);
      }
    });
  }

  /**
   * Rewrites the journal as what it amounts to now, so it does not grow for ever, nor a restart with
   * it: the entries that made the catalog, topics and registry (in their order), where each
   * partition starts, the records retention keeps (in the order they were appended, across topics),
   * and each persistent query's position and state stores. The copy is written beside the journal
   * and synced, then renamed over it (a crash before leaves the journal as it was); it is kept if
   * smaller than the journal. Not while a running query is behind (a query reading several
   * topics from their start reads that backlog in time order, which a copy would not keep).
   */
  private compact(): 'done' | 'larger' | 'behind' {
    const engine = this.engine;
    for (const q of engine.queries.values()) if (q.runtime?.state === 'RUNNING' && q.runtime.cursor.lag() > 0) return 'behind';
    const path = join(this.dir, 'journal.jsonl'), copy = `${path}${COMPACTING}`;
    const fd = openSync(copy, 'w', 0o600);
    let bytes = 0;
    try {
      let chunk: string[] = [], chunkLength = 0;
      const flush = () => {
        const b = Buffer.from(chunk.join(''));
        for (let done = 0; done < b.length;) done += writeSync(fd, b, done, b.length - done);
        bytes += b.length; chunk = []; chunkLength = 0;
      };
      const put = (json: string) => { const line = sealed(json); chunk.push(line); chunkLength += line.length; if (chunkLength > 1 << 20) flush(); };
      for (const line of this.kept) put(line);
      const records: TopicRecord[] = [];
      for (const t of engine.topics.list()) {
        t.partitions.forEach((log, p) => {
          if (log.start > 0) put(JSON.stringify({ e: 'base', t: t.name, p, o: log.start } satisfies Entry));
          for (const r of log.all()) records.push(r);
        });
      }
      records.sort((a, b) => a.seq - b.seq);
      for (const r of records) put(JSON.stringify({ e: 'rec', ...recordLine(r) } satisfies Entry));
      // idempotent producers' sequences (those not expired), so a batch retried after a restart is still known as a duplicate
      const now = Date.now();
      for (const t of engine.topics.list()) {
        t.partitions.forEach((log, p) => {
          log.expireProducers(now);
          const states = [...log.producers];
          for (let i = 0; i < states.length; i += STORE_CHUNK) put(JSON.stringify({ e: 'producers', t: t.name, p, states: states.slice(i, i + STORE_CHUNK) } satisfies Entry));
        });
      }
      for (const q of engine.queries.values()) {
        const rq = q.runtime;
        if (!rq) continue;
        put(JSON.stringify({ e: 'pos', q: q.id, offsets: rq.cursor.offsets(), processed: rq.stats.processed } satisfies Entry));
        for (const [name, store] of rq.stores) {
          let entries: [string, unknown][] = [];
          for (const [k, v] of store.entries()) {
            entries.push([k, encodeValue(v)]);
            if (entries.length === STORE_CHUNK) { put(JSON.stringify({ e: 'store', q: q.id, s: name, entries } satisfies Entry)); entries = []; }
          }
          if (entries.length) put(JSON.stringify({ e: 'store', q: q.id, s: name, entries } satisfies Entry));
        }
      }
      flush();
      fsyncSync(fd);
    } catch (e) {
      closeSync(fd);
      rmSync(copy, { force: true });
      throw e;
    }
    closeSync(fd);
    // (once written, a copy any smaller is worth the rename)
    if (bytes >= this.size) { rmSync(copy, { force: true }); return 'larger'; }
    renameSync(copy, path);
    // from here the copy is the journal: entries go on at its end, and if that cannot be made sure of
    // the server takes no more writes (writing on into the old file, unlinked now, would lose them)
    const old = this.fd;
    try {
      this.fd = openSync(path, 'a+', 0o600);
      this.size = bytes;
      // the rename is durable once the directory is synced
      const dirFd = openSync(this.dir, 'r');
      try { fsyncSync(dirFd); } finally { closeSync(dirFd); }
    } catch (e) {
      this.failure = e as Error;
      throw e;
    } finally {
      if (old !== undefined && old !== this.fd) { try { closeSync(old); } catch { /* it was replaced */ } }
    }
    return 'done';
  }

  private append(r: RecordLine, origin: Origin): void {
    if (!this.engine.topics.has(r.t)) return;
    this.engine.topics.append(r.t, { key: unb64(r.k), value: unb64(r.v), timestamp: r.ts, partition: r.p, headers: r.h.map((h) => ({ key: h.k, value: unb64(h.v) })) }, origin, true);
  }

  private apply(e: Entry): void {
    if (e.e === 'cmd') {
      // a statement the journal holds ran when it was written: one that fails now (a newer ksql-migrate
      // refuses what an older one took) is said at start, not passed over in silence
      try { this.engine.executeStatement(e.sql, { properties: e.props, variables: new Map() }); } catch (err) {
        this.replayFailures.push(`${(err as Error).message.split('\n')[0]} (${e.sql.replace(/\s+/g, ' ').slice(0, 120)})`);
      }
    } else if (e.e === 'topic') {
      if (e.op === 'create') this.engine.topics.create(e.name, e.config!);
      else if (e.op === 'grow') this.engine.topics.grow(e.name, e.partitions!);
      else if (e.op === 'config') this.engine.topics.reconfigure(e.name, e.overrides!);
      else if (e.op === 'trim') this.engine.topics.deleteRecords(e.name, e.partition!, e.offset!);
      else this.engine.topics.delete(e.name);
    } else if (e.e === 'sr') {
      // a statement replayed before this line may have registered the same schema: same id, no new version
      try { this.engine.registry.apply(e.c); } catch { /* it failed the same way before */ }
    } else if (e.e === 'rec') {
      this.append(e, 'external');
    } else if (e.e === 'base') {
      this.engine.topics.startAt(e.t, e.p, e.o);
    } else if (e.e === 'pos') {
      const q = this.engine.queries.get(e.q)?.runtime;
      if (!q) return;
      for (const [topic, offsets] of Object.entries(e.offsets)) offsets.forEach((o, p) => q.cursor.advance(topic, p, o));
      q.stats.processed = e.processed;
    } else if (e.e === 'store') {
      const q = this.engine.queries.get(e.q)?.runtime;
      if (!q) return;
      const store = q.store(e.s);
      for (const [k, v] of e.entries) store.restore(k, decodeValue(v));
    } else if (e.e === 'recs') {
      // each unit goes back as it was appended: a batch as one, a single record alone
      const units = e.units ?? e.recs.map(() => 1);
      let i = 0;
      for (const n of units) {
        const run = e.recs.slice(i, i + n);
        i += n;
        if (run.length === 1) this.append(run[0]!, 'external');
        else if (this.engine.topics.has(run[0]!.t)) this.engine.topics.appendRecords(run[0]!.t, run[0]!.p, run.map((r) => ({ key: unb64(r.k), value: unb64(r.v), timestamp: r.ts, headers: r.h.map((h) => ({ key: h.k, value: unb64(h.v) })) })), 'external', true);
      }
      for (const pr of e.producers ?? []) this.engine.topics.get(pr.t)?.partitions[pr.p]?.noteProducer({ id: pr.id, epoch: pr.epoch, firstSequence: pr.first, lastSequence: pr.last }, pr.o, pr.at);
    } else if (e.e === 'producers') {
      const log = this.engine.topics.get(e.t)?.partitions[e.p];
      if (log) for (const [id, st] of e.states) log.producers.set(id, st);
    } else {
      for (const r of e.out) this.append(r, 'derived');
      const q = this.engine.queries.get(e.q)?.runtime;
      if (!q) return;
      q.cursor.advance(e.t, e.p, e.o + 1);
      q.stats.processed++;
      for (const c of e.ch) q.store(c.s).restore(c.k, decodeValue(c.v));
    }
  }

  /** The journal's length: where the next entry starts, and where a failed write is cut back to. */
  private size = 0;
  /** Set when a write failed: from then on the server takes no more writes (see `broken`). */
  private failure: Error | undefined;

  /**
   * Why the journal takes no more writes, once one failed (disk full, I/O error): what was not
   * written may have been applied in memory, so nothing more is acknowledged; a restart goes back to
   * what the journal holds.
   */
  get broken(): Error | undefined { return this.failure; }

  private write(e: Entry): void {
    if (this.replaying || this.fd === undefined) return;
    if (this.failure) throw new JournalBroken(this.failure);
    const line = JSON.stringify(e);
    const bytes = Buffer.from(sealed(line));
    try {
      // (the file is open for appending: each write goes to its end)
      for (let done = 0; done < bytes.length;) done += writeSync(this.fd, bytes, done, bytes.length - done);
      this.size += bytes.length;
    } catch (err) {
      this.failure = err as Error;
      // a part of the entry that did reach the file is cut off, so the journal ends with a whole line
      try { ftruncateSync(this.fd, this.size); } catch { /* the restart drops a torn last line */ }
      throw new JournalBroken(this.failure);
    }
    if (KEPT(e) && this.compactAbove !== Infinity) this.kept.push(line);
    // trims a query step or a unit made go after its line, which holds the records that made them
    if (e.e === 'step' || e.e === 'recs') this.flushTrims();
    if (this.size > this.nextCompaction) this.compactSoon();
  }

  /**
   * Where retention moved partitions' starts: a restart (with a larger --log-retention-bytes, or none)
   * does not serve deleted records again, as no broker would. Written at once after the record that
   * made it; after the step or unit being written (whose line holds the records); after the journal
   * was applied (a smaller retention than before deleted more). A trim that cannot be written leaves
   * the server taking no more writes, but fails nothing already kept.
   */
  private pendingTrims = new Set<PartitionLog>();
  private trimmed(log: PartitionLog): void {
    if (this.replaying || this.fd === undefined || this.step || this.group) { this.pendingTrims.add(log); return; }
    this.writeTrim(log);
  }
  private flushTrims(): void {
    if (this.pendingTrims.size === 0) return;
    const logs = [...this.pendingTrims];
    this.pendingTrims.clear();
    for (const log of logs) this.writeTrim(log);
  }
  /** Writes where a log starts now, if it is still its topic's (a topic deleted, or made again, since is not trimmed by name). */
  private writeTrim(log: PartitionLog): void {
    if (!this.engine.topics.holds(log)) return;
    try { this.write({ e: 'base', t: log.topic, p: log.partition, o: log.start }); } catch (err) { if (!(err instanceof JournalBroken)) throw err; }
  }

  logCommand(sql: string, props: Record<string, unknown>): void { this.write({ e: 'cmd', sql, props }); }

  /** The records of an `atomically` group, written as one entry when it ends. */
  private group: RecordLine[] | undefined;
  /** The group's units: how many of its records each append took (a batch many, a record one). */
  private units: number[] = [];
  /** The group's batches of idempotent producers. */
  private producers: ProducerLine[] = [];

  private onAppend(rec: TopicRecord, origin: Origin): void {
    if (this.replaying) return;
    if (this.group && origin === 'external') { this.group.push(recordLine(rec)); this.units.push(1); return; }
    if (this.step && origin === 'derived') { this.step.out.push(recordLine(rec)); return; }
    if (origin === 'external') this.write({ e: 'rec', ...recordLine(rec) });
  }

  begin(q: RunningQuery, rec: TopicRecord): void {
    if (this.replaying) return;
    this.step = { e: 'step', q: q.id, t: rec.topic, p: rec.partition, o: rec.offset, out: [], ch: [] };
  }

  change(_q: RunningQuery, c: StoreChange): void {
    if (this.step) this.step.ch.push({ s: c.store, k: c.key, v: encodeValue(c.value) });
  }

  end(): void {
    const s = this.step;
    this.step = undefined;
    // every step is written, even one with no output: it records the query's new position
    if (s) this.write(s);
  }

  async close(): Promise<void> {
    if (this.compacting) clearImmediate(this.compacting);
    this.compacting = undefined;
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    await this.release();
  }
}

/**
 * Runs the queries after a request's own write reached the journal. A query step the journal then
 * fails to keep (the disk full) leaves the server taking no more writes, but the request's record or
 * statement is kept, and the step is done again from it at the restart: the request succeeded, and
 * is not answered as a failure a client would retry into a duplicate.
 */
export function drainKept(engine: Engine): void {
  try { engine.drain(); } catch (e) { if (!(e instanceof JournalBroken)) throw e; }
}

/** What the operator is told of a torn last line dropped at start-up. */
export const droppedLineWarning = (bytes: number): string => `the journal's last line was cut off (${bytes} bytes, a write a crash interrupted): dropped; what it recorded is processed again from its input`;

/** Whether an append or a change failed because the data dir takes no more writes. */
export const isStorageFailure = (e: unknown): e is StorageRefused | JournalBroken => e instanceof StorageRefused || e instanceof JournalBroken;

/** The journal cannot be read back as written. */
export class JournalDamaged extends Error {}
/** A journal write failed: the server takes no more writes until it is restarted. */
export class JournalBroken extends Error {
  constructor(readonly failure: Error) { super(`the data dir cannot be written (${(failure as NodeJS.ErrnoException).code ?? failure.message}): this server takes no more writes; restart it once the disk can be written (it comes back to what was written)`); }
}
/** Another live server has the data dir. */
export class DataDirInUse extends Error {}

/**
 * Takes the data dir for this process: a `lock` file holding its pid and, on Linux, the time the
 * process started. The file is written whole under a name of this process's own, then linked into
 * place, which fails if a lock is there: no other server ever reads a lock half written (an empty
 * one was taken for a dead server's, so two started at once could both run). A lock left by a process
 * that is gone is taken over, and so is one whose pid now names another process (a container
 * restarted with the same data dir: its new processes take the old pids): the start times differ.
 * Two servers on one data dir would each append their own offsets and query ids to the one journal.
 */
async function lockDataDir(dir: string): Promise<() => Promise<void>> {
  const path = join(dir, 'lock');
  const started = startTime(process.pid);
  const mine = started === undefined ? String(process.pid) : `${process.pid} ${started}`;
  const own = join(dir, `lock.${process.pid}.${randomBytes(4).toString('hex')}`);
  await writeFile(own, mine, { mode: 0o600 });
  try {
    // (a guard a process left as it died goes after 10 s: the wait outlasts that)
    const deadline = Date.now() + 15_000;
    for (;;) {
      try { await link(own, path); break; } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        // a file system without hard links: the lock is created in place, as it was before
        if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP') { await createInPlace(path, mine); break; }
        if (code !== 'EEXIST') throw e;
        if (Date.now() > deadline) throw new DataDirInUse(`${dir}: its lock could not be taken (another server kept taking it over: ${join(dir, 'lock.takeover')} stayed); stop the other server, or remove that directory if none is starting`);
      }
      const held = await readIfThere(path);
      if (held === undefined) continue;
      const [pidText, heldStarted] = held.trim().split(/\s+/);
      const pid = Number(pidText);
      const same = (p: number) => { const now = startTime(p); return heldStarted === undefined || now === undefined || now === heldStarted; };
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid) && same(pid)) throw new DataDirInUse(`${dir} is in use by another server (pid ${pid}); stop it, or use another directory`);
      // a dead server's lock goes, if it is still the one judged dead (another server taking it over
      // at the same moment may have put its own there), under a guard one process holds at a time
      // (made by mkdir, which only one can): two taking over at once cannot both remove and link
      const guard = join(dir, 'lock.takeover');
      if (!(await takeGuard(guard))) { await new Promise((r) => setTimeout(r, 50)); continue; }
      try { if ((await readIfThere(path)) === held) await rm(path, { force: true }); } finally { await rm(guard, { recursive: true, force: true }); }
    }
  } finally { await rm(own, { force: true }); }
  // (only this server's own lock is removed)
  return async () => { if ((await readIfThere(path)) === mine) await rm(path, { force: true }); };
}

/** A data dir file's content; undefined when there is none. Any other failure (a directory in its place) names the file. */
async function readIfThere(path: string): Promise<string | undefined> {
  try { return await readFile(path, 'utf8'); } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'ENOENT') return undefined;
    err.path ??= path;
    throw err;
  }
}

/** Takes the lock's takeover guard; false while another process holds it (one that died holding it, 10 s ago, loses it). */
async function takeGuard(guard: string): Promise<boolean> {
  try { await mkdir(guard, { mode: 0o700 }); return true; } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    const made = await stat(guard).then((st) => st.mtimeMs, () => undefined);
    if (made !== undefined && Date.now() - made > 10_000) await rm(guard, { recursive: true, force: true });
    return false;
  }
}

async function createInPlace(path: string, content: string): Promise<void> {
  const f = await open(path, 'wx', 0o600);
  try { await f.writeFile(content); } finally { await f.close(); }
}

/**
 * The data dir's Kafka cluster id, made on its first start. It is written under another name and
 * renamed into place, so it is never found empty; one found empty (a crash as an earlier version
 * made it, before it served anything) is made again. A file that cannot be read stops the start,
 * naming it, rather than give the cluster another id.
 */
async function clusterIdOf(dir: string): Promise<string> {
  const idFile = join(dir, 'cluster-id');
  const known = (await readIfThere(idFile))?.trim();
  if (known) return known;
  const id = randomBytes(16).toString('base64url').slice(0, 22);
  const tmp = `${idFile}.new`;
  const f = await open(tmp, 'w', 0o600);
  try { await f.writeFile(id); await f.sync(); } finally { await f.close(); }
  await rename(tmp, idFile);
  return id;
}

/**
 * A process's /proc/<pid>/stat fields from the third on (its state first, then ppid...); undefined
 * where there is no /proc. The name in brackets before them may hold spaces.
 */
function procStat(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch { return undefined; }
}

/** When a process started (clock ticks since boot, field 22 of /proc/<pid>/stat). */
const startTime = (pid: number): string | undefined => procStat(pid)?.[19];

function alive(pid: number): boolean {
  try { process.kill(pid, 0); } catch (e) { return (e as NodeJS.ErrnoException).code === 'EPERM'; }
  // an exited process nobody has reaped yet (a zombie) still answers signal 0
  return procStat(pid)?.[0] !== 'Z';
}
