import type { OutMsg, Processor, QueryPlan } from '../analysis/planner.js';
import type { Query } from '../sql/ast.js';
import { TopicRef, type Topic, type TopicRecord, type TopicStore } from '../storage/topics.js';
import { StateStore, type StoreChange } from '../state/store.js';
import { setCallErrors } from '../analysis/compile.js';
import { QueryFailure } from '../analysis/errors.js';
import { InvalidTimestamp } from '../analysis/timestamp-column.js';

export type QueryState = 'RUNNING' | 'PAUSED' | 'ERROR';

/**
 * A query's position in each partition of its source topics. Records are fed in engine-wide
 * append order (seq), so a join sees its two inputs in the order they arrived.
 */
export class Cursor {
  private positions = new Map<string, number[]>();
  private readonly names: string[];
  /**
   * A query over two or more topics that starts behind their ends (auto.offset.reset=earliest over
   * records already there): each topic's end offsets when it started. Kafka Streams fetches that
   * backlog from every input at once and takes the record with the earliest time next, so it is
   * read in time order; what arrives while the query runs is read as it arrives. Undefined when the
   * backlog is read (or there is none to merge).
   */
  private backlog: number[][] | undefined;
  /**
   * While a backlog is read: each topic's partitions' next records as last looked at, so a record
   * packed in its log (made anew on each read) is made once, not at every call. Valid while the
   * topic, its arrival log's version (appends taken back) and the position are the same.
   */
  private peeked: { topic: Topic | undefined; version: number; recs: (TopicRecord | undefined)[] }[] = [];
  /**
   * Per topic, where the query is in its arrival log (records in append order): the next record is
   * found there at once. `topic` and `version` tell when to find the place again (the topic made
   * anew, entries taken back, positions set from outside).
   */
  private readonly reads: { name: string; topic: Topic | undefined; version: number; at: number; pos: number[]; ref: TopicRef }[];
  constructor(private readonly topics: TopicStore, topicNames: string[], fromEnd: boolean) {
    this.names = [...new Set(topicNames)];
    for (const name of new Set(topicNames)) {
      const t = topics.get(name);
      this.positions.set(name, t ? (fromEnd ? t.endOffsets() : t.startOffsets()) : []);
    }
    if (this.names.length > 1 && !fromEnd) this.backlog = this.names.map((n) => topics.get(n)?.endOffsets() ?? []);
    this.reads = this.names.map((name) => ({ name, topic: undefined, version: -1, at: 0, pos: this.positions.get(name)!, ref: new TopicRef(topics, name) }));
  }

  offsets(): Record<string, number[]> { return Object.fromEntries(this.positions); }
  restore(offsets: Record<string, number[]>): void {
    for (const [k, v] of Object.entries(offsets)) this.positions.set(k, [...v]);
    this.lost();
  }
  /** Positions were set from outside: each topic's place in its arrival log is found again. */
  private lost(): void { for (const r of this.reads) { r.topic = undefined; r.pos = this.positions.get(r.name) ?? r.pos; } }

  /** The next record: the earliest-timed one of a backlog, else in seq order across all partitions; undefined when caught up. */
  next(): TopicRecord | undefined {
    if (!this.backlog) return this.nextArrived();
    let best: TopicRecord | undefined, bestPos: number[] | undefined, bestPart = -1;
    let early: TopicRecord | undefined, earlyPos: number[] | undefined, earlyPart = -1;
    const names = this.names, backlog = this.backlog;
    for (let n = 0; n < names.length; n++) {
      const t = this.topics.get(names[n]!);
      if (!t) continue;
      const pos = this.positions.get(names[n]!)!;
      const parts = t.partitions;
      while (pos.length < parts.length) pos.push(0);
      let peek = this.peeked[n];
      if (!peek || peek.topic !== t || peek.version !== t.arrivals.version) peek = this.peeked[n] = { topic: t, version: t.arrivals.version, recs: [] };
      for (let p = 0; p < parts.length; p++) {
        const log = parts[p]!;
        // a position that retention has deleted moves to the log start, as auto.offset.reset=earliest does
        if (pos[p]! < log.start) pos[p] = log.start;
        let r = peek.recs[p];
        if (r === undefined || r.offset !== pos[p]) r = peek.recs[p] = log.get(pos[p]!);
        if (!r) continue;
        if (!best || r.seq < best.seq) { best = r; bestPos = pos; bestPart = p; }
        if (backlog && pos[p]! < (backlog[n]![p] ?? 0) && (!early || r.timestamp < early.timestamp || (r.timestamp === early.timestamp && r.seq < early.seq))) {
          early = r; earlyPos = pos; earlyPart = p;
        }
      }
    }
    if (backlog && !early) { this.backlog = undefined; this.peeked = []; this.lost(); }
    if (earlyPos) { earlyPos[earlyPart]!++; return early; }
    if (bestPos) bestPos[bestPart]!++;
    return best;
  }

  /**
   * The next record in seq order: each topic's next unread entry of its arrival log, the earlier of
   * them across topics. An entry below the partition's position was read already; one below the
   * log's start was deleted by retention (the position moves to the log start, as
   * auto.offset.reset=earliest does).
   */
  private nextArrived(): TopicRecord | undefined {
    let best: TopicRecord | undefined, bestRead: (typeof this.reads)[number] | undefined, bestPart = 0;
    const reads = this.reads;
    for (let n = 0; n < reads.length; n++) {
      const r = reads[n]!;
      const t = r.ref.get();
      if (!t) continue;
      const arr = t.arrivals, parts = t.partitions, pos = r.pos;
      if (r.topic !== t || r.version !== arr.version) { r.topic = t; r.version = arr.version; r.at = arr.base; }
      if (r.at < arr.base) r.at = arr.base;
      const end = arr.base + arr.size;
      while (r.at < end) {
        const p = arr.partitionAt(r.at), o = arr.offsetAt(r.at);
        while (pos.length <= p) pos.push(0);
        const log = parts[p]!;
        if (pos[p]! < log.start) pos[p] = log.start;
        if (o < pos[p]!) { r.at++; continue; }
        const rec = arr.recordAt(r.at) ?? log.get(o);
        if (!rec) { r.at++; continue; }
        if (!best || rec.seq < best.seq) { best = rec; bestRead = r; bestPart = p; }
        break;
      }
    }
    if (bestRead) { bestRead.pos[bestPart] = best!.offset + 1; bestRead.at++; }
    return best;
  }

  /** Marks a record as processed (restore from the journal). */
  advance(topic: string, partition: number, nextOffset: number): void {
    const pos = this.positions.get(topic);
    if (!pos) return;
    while (pos.length <= partition) pos.push(0);
    pos[partition] = Math.max(pos[partition]!, nextOffset);
    this.lost();
  }

  lag(): number {
    let n = 0;
    for (const [name, pos] of this.positions) {
      const t = this.topics.get(name);
      if (t) t.partitions.forEach((p, i) => { n += p.end - Math.max(p.start, pos[i] ?? 0); });
    }
    return n;
  }
}

/** Observes each processing step of a persistent query: the input record, the state changes it made. */
export interface StepHooks {
  begin(q: RunningQuery, rec: TopicRecord): void;
  change(q: RunningQuery, c: StoreChange): void;
  end(q: RunningQuery): void;
}

export interface QueryStats {
  processed: number;
  /** Records the query could not read or process (skipped, and logged to the processing log). */
  errors: number; lastError?: string; lastErrorAt?: number;
  /** What stopped the query (state ERROR), as ksqlDB's queryErrors report it; a skipped record is none. */
  fatal?: { message: string; at: number; type: 'USER' | 'SYSTEM' | 'UNKNOWN' };
}

/** A running query (persistent or transient): a plan's processor fed from a cursor. */
export class RunningQuery {
  state: QueryState = 'RUNNING';
  readonly stats: QueryStats = { processed: 0, errors: 0 };
  private processor: Processor;
  readonly cursor: Cursor;
  /** ksql.timestamp.throw.on.invalid: a record without a valid time from its TIMESTAMP column stops the query instead of being skipped. */
  throwOnInvalidTimestamp = false;
  /** A transient push query's statement, for SHOW QUERIES. */
  statementText = '';
  /** A transient push query's parsed query and request properties, for SHOW QUERIES EXTENDED. */
  pushQuery?: { query: Query; properties: Record<string, unknown> };
  /** Ends a transient push query and its response (TERMINATE of its id). */
  stop?: () => void;
  readonly stores = new Map<string, StateStore<unknown>>();
  /**
   * Topics read by a source that takes each record's own time (no TIMESTAMP column): a record
   * without a time (negative, as -1 from a producer that set none) is skipped, as Kafka Streams
   * skips a negative extracted timestamp.
   */
  private readonly recordTimed = new Set<string>();
  /** Told of each error the query meets on a record (the processing log). */
  onError?: (e: unknown) => void;

  constructor(
    readonly id: string,
    readonly plan: QueryPlan,
    topics: TopicStore,
    fromEnd: boolean,
    emit: (o: OutMsg) => void,
    private readonly hooks?: StepHooks,
  ) {
    this.cursor = new Cursor(topics, plan.sources.map((s) => s.topic), fromEnd);
    for (const s of plan.sources) if (!s.timestampColumn) this.recordTimed.add(s.topic);
    // (a record without a valid time, where that stops the query, goes on up to the pump, which stops it)
    this.processor = plan.build(emit, (e) => { if (e instanceof InvalidTimestamp && this.throwOnInvalidTimestamp) throw e; this.recordError(e); }, (name) => this.store(name));
  }

  /** The query's state store of that name, created on first use. */
  store<V>(name: string): StateStore<V> {
    let s = this.stores.get(name);
    if (!s) {
      const hooks = this.hooks;
      s = new StateStore<unknown>(name, hooks ? (c) => hooks.change(this, c) : undefined);
      this.stores.set(name, s);
    }
    return s as StateStore<V>;
  }

  /**
   * Stops the query with a failure Kafka Streams does not get past (an exception it does not catch, a
   * topic deleted from under it): state ERROR, the failure its queryErrors report (ksqlDB's
   * classifier takes both for the user's), and a push query's answer told and ended.
   */
  fail(message: string, logged?: unknown): void {
    if (this.state === 'ERROR') return;
    // (the error that stopped it, to the processing log, where ksqlDB's serializer logs its own)
    if (logged !== undefined) this.onError?.(logged);
    this.state = 'ERROR';
    this.stats.errors++;
    this.stats.lastError = message;
    this.stats.lastErrorAt = Date.now();
    this.stats.fatal = { message, at: this.stats.lastErrorAt, type: 'USER' };
    this.onFail?.(message);
  }

  /** Told when the query stops with an error (state ERROR): a push query ends its answer with it. */
  onFail?: (message: string) => void;

  /** An error met on a record outside the query's steps (its sink's serializer, its time): counted and logged as theirs are. */
  reportError(e: unknown): void { this.recordError(e); }

  private recordError(e: unknown): void {
    this.stats.errors++;
    this.stats.lastError = e instanceof Error ? e.message : String(e);
    this.stats.lastErrorAt = Date.now();
    this.onError?.(e);
  }

  /** Set once a pump bounded by `before` met a record appended after the bound: the read is over. */
  reachedBound = false;

  /**
   * Processes up to `max` pending records; returns how many it processed. With `before`, only
   * records appended before that sequence number are read (a pull query reads what was there when
   * it started): the first one after it ends the read, unprocessed.
   */
  pump(max = Infinity, before = Infinity): number {
    if (this.state !== 'RUNNING' || this.reachedBound) return 0;
    let n = 0;
    // a function call that fails while these records are processed gives NULL and counts as an error
    const previous = setCallErrors(this.callError);
    try {
      // a query paused by one of its own rows (a slow push client), or stopped by one (its sink
      // could not write it), stops at once
      while (n < max && this.state === 'RUNNING') {
        const rec = this.cursor.next();
        if (!rec) break;
        if (rec.seq >= before) { this.reachedBound = true; break; }
        if (rec.timestamp < 0 && this.recordTimed.has(rec.topic)) continue;
        n++;
        this.stats.processed++;
        this.hooks?.begin(this, rec);
        try { this.processor.process(rec); } catch (e) {
          if (e instanceof QueryFailure) { this.hooks?.end(this); this.fail(`Exception caught in process: ${e.message}`); break; }
          // Kafka Streams stops on a timestamp extractor that throws (ksqlDB's, when told to)
          if (e instanceof InvalidTimestamp && this.throwOnInvalidTimestamp) {
            this.hooks?.end(this);
            this.fail(`Fatal user code error in TimestampExtractor callback for record ConsumerRecord(topic = ${rec.topic}, partition = ${rec.partition}, offset = ${rec.offset}, CreateTime = ${rec.timestamp}). ${e.message}`, e);
            break;
          }
          this.recordError(e);
        }
        this.hooks?.end(this);
      }
    } finally { setCallErrors(previous); }
    return n;
  }

  private readonly callError = (e: unknown): void => this.recordError(e);
}
