import { parseStatement } from './sql/parser.js';
import type { Query, Statement } from './sql/ast.js';
import { SqlSyntaxError } from './sql/lexer.js';
import { MetaStore } from './catalog/metastore.js';
import { TopicStore } from './storage/topics.js';
import { KsqlRequestError } from './analysis/errors.js';
import type { QueryPlan } from './analysis/planner.js';
import { RunningQuery, type StepHooks } from './runtime/running-query.js';
import type { StateStore } from './state/store.js';
import { executeDdl } from './exec/ddl.js';
import { executeQueryStatement } from './exec/queries.js';
import { executeInsertValues } from './exec/insert-values.js';
import { executeAdmin } from './exec/admin.js';
import { substituteVariables } from './sql/variables.js';
import { SchemaRegistry } from './schema-registry/registry.js';
import { forgetDecoded } from './serde/decoded-cache.js';
import { processingLogEntry, processingLogSettings, processingLogStatement, type ProcessingLogSettings } from './runtime/processing-log.js';

export type Entity = Record<string, unknown> & { '@type': string; statementText: string; warnings: { message: string }[] };

export interface PersistentQuery {
  id: string;
  /** CST: the query that materializes a SOURCE table for pull queries; it writes no topic. */
  kind: 'CSAS' | 'CTAS' | 'INSERT' | 'CST';
  statementText: string;
  /** The statement as ksqlDB stores and shows it (SHOW QUERIES, EXPLAIN), where it is rendered; else statementText. */
  displayText?: string;
  sinkName: string;
  sinkTopic: string;
  plan: QueryPlan;
  /** The SELECT it runs, for EXPLAIN's execution plan and topology. */
  query?: Query;
  /** Its consumer group (Kafka Streams' application.id), fixed when it starts: a later ksql.service.id does not rename it. */
  groupId?: string;
  /** The properties its request overrode (streamsProperties, SETs before it), as EXPLAIN's overriddenProperties shows them. */
  overrides?: Record<string, unknown>;
  runtime?: RunningQuery;
  /** Latest row per key (and window) written to a table sink: what pull queries read. */
  materialized?: StateStore<MaterializedRow>;
}

export interface MaterializedRow { key: unknown[]; values: unknown[]; window?: { start: number; end: number }; ts: number }

export interface EngineOptions {
  /** 'command-topic': ids and sequence numbers as a stock ksqlDB server hands them out; 'counter': as the test harness does. */
  queryIdScheme?: 'command-topic' | 'counter';
  serviceId?: string;
  /** Property defaults (e.g. ksql.streams.auto.offset.reset). */
  properties?: Record<string, string>;
  /** The broker's log.retention.bytes, per partition, for every topic (default -1: keep everything). */
  logRetentionBytes?: number;
  /**
   * Every record goes to partition 0 of its topic, so each query reads as one task with one stream
   * time, as in ksqlDB's functional tests (TopologyTestDriver). Default false.
   */
  singlePartition?: boolean;
  /** Records a drain() call processes before it leaves the rest to a later turn of the event loop (default: no limit). */
  drainLimit?: number;
}

export interface CommandRecord { id: string; status: string; message: string; queryId: string | null; seq: number }

export interface ExecContext {
  properties: Record<string, unknown>;
  variables: Map<string, string>;
}

/**
 * The local ksqlDB engine: metastore, topics and queries. Statements execute synchronously; records
 * flow when `drain()` runs the queries, in creation order, until every query has caught up.
 */
export class Engine {
  readonly metastore = new MetaStore();
  readonly topics: TopicStore;
  readonly queries = new Map<string, PersistentQuery>();
  readonly commands: CommandRecord[] = [];
  readonly variables = new Map<string, string>();
  readonly properties: Record<string, string>;
  nextOffset: number;
  lastPlanOffset: number;
  queryCounter = 0;
  readonly sandbox: boolean;
  /** Set by the journal: every processing step of a persistent query is logged with its state changes. */
  stepHooks?: StepHooks;
  /** The consumer groups of clients outside the engine (the Kafka listener's), with the partitions their members hold. */
  externalConsumers?: () => { groupId: string; topic: string; partitions: number }[];
  /** The Schema Registry of AVRO, PROTOBUF and JSON_SR sources, served on its own port by the local server. */
  readonly registry: SchemaRegistry;

  constructor(readonly options: EngineOptions = {}, sandbox = false, registry = new SchemaRegistry()) {
    this.sandbox = sandbox;
    this.registry = registry;
    this.topics = new TopicStore(options.logRetentionBytes ?? -1, options.singlePartition ?? false);
    this.properties = { 'ksql.streams.auto.offset.reset': 'latest', 'ksql.service.id': options.serviceId ?? 'default_', ...options.properties };
    // a stock server's processing-log stream takes command offsets 0-1 (unless it is turned off)
    this.nextOffset = options.queryIdScheme === 'counter' || !processingLogSettings(this.properties) ? 0 : 2;
    this.lastPlanOffset = 0;
    this.topics.onTopic((c) => { if (c.op === 'delete') this.topicDeleted(c.name); });
  }

  /**
   * A topic deleted under a running query (through the Kafka API): the query stops with an error,
   * as Kafka Streams fails on a missing source topic, instead of losing records while it shows RUNNING.
   */
  private topicDeleted(name: string): void {
    for (const q of this.queries.values()) {
      const rt = q.runtime;
      if (!rt || rt.state === 'ERROR') continue;
      const source = q.plan.sources.some((s) => s.topic === name);
      if (!source && q.sinkTopic !== name) continue;
      // (a topic deleted from under a query is a user error to ksqlDB's classifier)
      rt.fail(`${source ? 'Missing source' : 'Missing sink'} topic ${name}: it was deleted while the query ran`);
    }
    // a push query reading it ends its answer with the error, instead of waiting for records that cannot come
    for (const t of [...this.transients]) if (t.state !== 'ERROR' && t.plan.sources.some((s) => s.topic === name)) t.fail(`Missing source topic ${name}: it was deleted while the query ran`);
  }

  /** A copy of the catalog and topic layout, without data, to validate a request before running it. */
  sandboxCopy(): Engine {
    const e = new Engine(this.options, true, this.registry.clone());
    for (const ds of this.metastore.sources.values()) e.metastore.put(ds);
    for (const [k, v] of this.metastore.types) e.metastore.types.set(k, v);
    for (const t of this.topics.list()) e.topics.create(t.name, t.config);
    for (const [k, q] of this.queries) e.queries.set(k, { ...q, runtime: undefined });
    for (const [k, v] of this.variables) e.variables.set(k, v);
    // the live transient queries, so TERMINATE of one validates (the sandbox stops none)
    for (const t of this.transients) e.transients.add(t);
    Object.assign(e.properties, this.properties);
    e.nextOffset = this.nextOffset; e.lastPlanOffset = this.lastPlanOffset; e.queryCounter = this.queryCounter;
    return e;
  }

  /** The command-topic offset taken last (-1 before any), without taking one. */
  latestOffset(): number { return this.nextOffset - (this.options.queryIdScheme === 'counter' ? 1 : 2); }

  /** Takes the next command-topic offset for a distributed command. */
  takeOffset(carriesPlan: boolean): number {
    const off = this.nextOffset;
    this.nextOffset += this.options.queryIdScheme === 'counter' ? 1 : 2;
    if (carriesPlan) this.lastPlanOffset = off;
    return off;
  }

  /** The numeric suffix of the next persistent query id. */
  nextQueryNumber(): number {
    if (this.options.queryIdScheme === 'counter') return this.queryCounter++;
    return this.lastPlanOffset + 1;
  }

  /** Parses and executes one statement text; returns its entity, if it has one. */
  executeStatement(text: string, ctx: ExecContext): Entity | undefined {
    const substituted = substituteVariables(text, ctx.variables);
    const stmt = parseStatement(substituted, (n) => this.metastore.types.get(n));
    return this.execute(stmt, ctx);
  }

  execute(stmt: Statement, ctx: ExecContext): Entity | undefined {
    switch (stmt.kind) {
      case 'createSource': case 'drop': case 'alter': case 'createType': case 'dropType':
        return executeDdl(this, stmt, ctx);
      case 'createAs': case 'insertInto':
        return executeQueryStatement(this, stmt, ctx);
      case 'insertValues':
        executeInsertValues(this, stmt, ctx);
        return undefined;
      case 'select': case 'print':
        throw new KsqlRequestError(`The following statement types should be issued to the websocket endpoint '/query':\n\t* PRINT\n\t* SELECT`, 40002);
      default:
        return executeAdmin(this, stmt, ctx);
    }
  }

  /**
   * Runs every query until none has records left; returns the number of records processed. With
   * `drainLimit`, a call stops after about that many records and the rest runs in a later turn of
   * the event loop: queries that feed each other without end (INSERT INTO s SELECT ... FROM s) keep
   * the server answering, so they can be terminated, rather than hold it for good.
   */
  drain(): number {
    // a sandbox only validates: the transient queries it sees are the live engine's to run
    if (this.sandbox) return 0;
    // (a query that reads its own sink never catches up: each query is held to what is left)
    let budget = this.options.drainLimit ?? Infinity, total = 0;
    for (;;) {
      let progress = 0;
      for (const q of this.queries.values()) if (q.runtime && progress < budget) progress += q.runtime.pump(budget - progress);
      for (const t of this.transients) if (progress < budget) progress += t.pump(budget - progress);
      total += progress;
      budget -= progress;
      if (progress === 0) { this.settle(); return total; }
      if (budget <= 0) {
        this.settle();
        if (!this.drainLater) { this.drainLater = true; setImmediate(() => { this.drainLater = false; this.drain(); }); }
        return total;
      }
    }
  }
  private drainLater = false;
  /**
   * The end of a drain: decoded values are forgotten and the records appended packed (see
   * TopicStore.pack); what a query has not read yet (a drain that ran out of budget) is made again
   * as records when it reads it.
   */
  private settle(): void {
    forgetDecoded();
    this.topics.pack();
  }

  /** Where queries log the records they cannot read or process, once the server has made the stream. */
  processingLog?: ProcessingLogSettings;

  /**
   * Makes the processing-log stream (and its topic), as a stock ksqlDB server does at start-up,
   * unless `ksql.logging.processing.stream.auto.create` is false. It takes no command offset: a
   * stock server's processing log has offsets 0-1, which this engine's numbering leaves free. Its
   * command's status is listed (GET /status) at offset 0, as a stock server's command runner lists it.
   */
  startProcessingLog(): void {
    const settings = processingLogSettings(this.properties);
    if (!settings || this.sandbox) return;
    const offsets = [this.nextOffset, this.lastPlanOffset] as const, commands = this.commands.length;
    let made: CommandRecord[] = [];
    try {
      // (a stream of that name the journal brought back, or the user made, is left as it is)
      if (!this.metastore.get(settings.stream.toUpperCase()) && !this.metastore.get(settings.stream)) {
        this.executeStatement(processingLogStatement(settings), { properties: {}, variables: new Map() });
      }
    } finally {
      [this.nextOffset, this.lastPlanOffset] = offsets;
      made = this.commands.splice(commands);
    }
    for (const c of made) this.commands.push({ ...c, seq: 0 });
    this.processingLog = settings;
  }

  /**
   * Logs a query's error to the processing log. A query that reads the log, itself or through the
   * sinks of other queries, logs nothing there, so it cannot feed itself.
   */
  watchErrors(rq: RunningQuery): void {
    rq.onError = (e) => {
      const log = this.processingLog;
      if (!log || !this.topics.has(log.topic) || this.readsTopic(rq.plan.sources.map((s) => s.topic), log.topic)) return;
      const time = Date.now();
      this.topics.append(log.topic, { key: null, value: Buffer.from(processingLogEntry(rq.id, e, time)), timestamp: time, partition: 0 }, 'derived');
    };
  }

  /** Whether records of `topic` reach these topics: they are it, or sinks of queries that read it (at any depth). */
  private readsTopic(from: string[], topic: string): boolean {
    const seen = new Set<string>();
    const pending = [...from];
    while (pending.length) {
      const t = pending.pop()!;
      if (t === topic) return true;
      if (seen.has(t)) continue;
      seen.add(t);
      for (const q of this.queries.values()) if (q.sinkTopic === t) pending.push(...q.plan.sources.map((s) => s.topic));
    }
    return false;
  }

  readonly transients = new Set<RunningQuery>();
  /** `host:port` this engine's server answers on (EXPLAIN's ksqlHostQueryStatus); set once it listens. */
  hostAddress = 'localhost:8088';

}

export { SqlSyntaxError };
