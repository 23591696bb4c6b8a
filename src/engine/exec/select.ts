import { randomBytes, randomUUID } from 'node:crypto';
import { partitionForKey } from '../storage/partitioner.js';
import type { Expr, Query } from '../sql/ast.js';
import type { DataSource } from '../catalog/metastore.js';
import type { Engine, MaterializedRow } from '../engine.js';
import { KsqlStatementError } from '../analysis/errors.js';
import { BetweenTypeError } from '../analysis/compile.js';
import { planQuery, type OutputColumn, type QueryPlan } from '../analysis/planner.js';
import { checkCoPartitioned, throwsOnInvalidTimestamp } from './queries.js';
import { collectAggregates } from '../analysis/aggregate-checks.js';
import { RunningQuery } from '../runtime/running-query.js';
import { typeToString } from '../sql/types.js';
import { setCallErrors, type Row } from '../analysis/compile.js';
import { serdesOf } from '../catalog/metastore.js';
import type { Serde } from '../serde/formats.js';
import { keyColumns } from '../catalog/schema.js';
import { formatExpr } from '../analysis/format.js';
import { checkBoundDatetimes, pinnedKeys, PULL_SUFFIX, validatePullWhere } from './pull-where.js';
import { keyString } from '../functions/values.js';
import { columnRefs } from '../analysis/expr-walk.js';

export interface QueryHeader { queryId: string; columns: OutputColumn[]; /** Mark key columns (pull queries on tables). */ markKeys: boolean }

export interface PullResult {
  header: QueryHeader;
  /** The rows (a pull query on a table); empty where `more` gives them. */
  rows: unknown[][];
  isTable: boolean;
  /**
   * A pull query on a stream reads the records its topic held when it started, in steps: each call
   * reads up to `records` of them and returns the rows they gave, or null once the read is over.
   */
  more?: (records: number) => unknown[][] | null;
  /** Whether the rows reached the query's LIMIT (so far). */
  limitReached(): boolean;
}


/** A transient query's id as ksqlDB makes it: `transient_<source>_` and a random positive long. */
export function transientId(source: string): string {
  let n = 0n;
  while (n === 0n) n = randomBytes(8).readBigUInt64BE() & 0x7fffffffffffffffn;
  return `transient_${source}_${n}`;
}

export function headerSchema(h: QueryHeader): string {
  return h.columns.map((c) => `\`${c.name}\` ${typeToString(c.type)}${h.markKeys && c.isKey ? ' KEY' : ''}`).join(', ');
}

export function isPullQuery(q: Query): boolean { return q.emit === undefined; }

/**
 * Whether ksqlDB would serve a push query as a scalable push query (ksql.query.push.v2.enabled):
 * a plain projection and filter, from the latest offset, of a source that a running persistent
 * query writes. Its rows are the same; its id says so.
 */
function isScalablePush(engine: Engine, q: Query, ds: DataSource, props: Record<string, unknown>, reset: string): boolean {
  const enabled = String(props['ksql.query.push.v2.enabled'] ?? engine.properties['ksql.query.push.v2.enabled'] ?? 'false') === 'true';
  if (!enabled || reset !== 'latest') return false;
  if (q.joins.length > 0 || q.groupBy || q.partitionBy || q.window || q.having) return false;
  const aggregates: Extract<Expr, { t: 'call' }>[] = [];
  for (const it of q.items) if (it.t === 'expr') collectAggregates(it.expr, aggregates);
  if (aggregates.length) return false;
  const writer = ds.writerQueryId ? engine.queries.get(ds.writerQueryId) : undefined;
  return writer?.runtime?.state === 'RUNNING';
}

/** Starts a pull query: a table's rows at once, a stream's from `more`, a step at a time. */
export function startPullQuery(engine: Engine, q: Query, props: Record<string, unknown> = {}): PullResult {
  for (const [clause, present] of [['JOIN', q.joins.length > 0], ['WINDOW', !!q.window], ['GROUP BY', !!q.groupBy], ['PARTITION BY', !!q.partitionBy], ['HAVING', !!q.having]] as const) {
    if (present) throw new KsqlStatementError(`Pull queries don't support ${clause} clauses.${PULL_SUFFIX}`);
  }
  checkLimit(q);
  if (q.limit !== undefined && q.limit < 0) throw new KsqlStatementError(`Pull queries don't support negative integers in the LIMIT clause.${PULL_SUFFIX}`);
  const flag = (name: string) => String(props[name] ?? engine.properties[name] ?? 'true') !== 'false';
  if (q.limit !== undefined && !flag('ksql.query.pull.limit.clause.enabled')) {
    throw new KsqlStatementError(`LIMIT clause in pull queries is currently disabled. You can enable them by setting ksql.query.pull.limit.clause.enabled=true.${PULL_SUFFIX}`);
  }
  const ds = engine.metastore.get(q.from.name);
  if (!ds) throw new KsqlStatementError(`Exception while preparing statement: ${q.from.name} does not exist.${engine.metastore.hint(q.from.name)}`);
  checkPseudoColumns(q);
  // bounds on a windowed table's WINDOWSTART/WINDOWEND are read (text parsed as datetimes) before the WHERE is compiled
  if (ds.type === 'TABLE' && ds.windowInfo) checkBoundDatetimes(q.where);
  const plan = planPull(engine, q);
  refuseDuplicateColumns(plan);
  const limit = q.limit ?? Infinity;
  if (ds.type === 'STREAM') {
    if (!flag('ksql.query.pull.stream.enabled')) {
      throw new KsqlStatementError("Pull queries on streams are disabled. To create a push query on the stream, add EMIT CHANGES to the end. To enable pull queries on streams, set the ksql.query.pull.stream.enabled config to 'true'.");
    }
    // the records there now are read; what arrives meanwhile is not. Rows beyond the LIMIT end the read
    let found: unknown[][] = [], taken = 0;
    const rq = new RunningQuery('pull', plan, engine.topics, false, (o) => { if (o.values && taken < limit) { taken++; found.push(o.values); } });
    const before = engine.topics.nextSeq;
    const more = (records: number): unknown[][] | null => {
      if (taken >= limit || rq.reachedBound) return null;
      const n = rq.pump(records, before);
      const rows = found;
      found = [];
      return n === 0 && rows.length === 0 ? null : rows;
    };
    return { header: { queryId: transientId(q.from.alias ?? ds.name), columns: plan.columns, markKeys: false }, rows: [], isTable: false, more, limitReached: () => taken >= limit };
  }
  const writer = ds.writerQueryId ? engine.queries.get(ds.writerQueryId) : undefined;
  if (!writer?.materialized) {
    throw new KsqlStatementError(`The \`${ds.name}\` table isn't queryable. To derive a queryable table, you can do 'CREATE TABLE QUERYABLE_${ds.name} AS SELECT * FROM ${ds.name}'.${PULL_SUFFIX}`);
  }
  const keys = keyColumns(ds.columns);
  // a session-windowed table serves key lookups only, whatever the scan settings
  const session = ds.windowInfo?.type === 'SESSION';
  validatePullWhere(q.where, keys, { tableScan: !session && flag('ksql.query.pull.table.scan.enabled'), rangeScan: !session && flag('ksql.query.pull.range.scan.enabled'), windowed: !!ds.windowInfo });
  const rows: unknown[][] = [];
  const names = writer.plan.columns.map((c) => c.name);
  const { key: ks } = serdesOf(ds);
  // a scan goes through the table's partitions in turn, each in key-bytes order, as ksqlDB's stores do
  const partitions = engine.topics.get(ds.topic)?.partitions.length ?? 1;
  // a WHERE that pins the keys reads just their rows (a window store's rows of those keys), not the table
  const pinned = pinnedKeys(q.where, keys);
  const wanted = pinned && new Set<string>(pinned.map(keyString));
  const store = writer.materialized;
  const found = !wanted ? [...store.values()]
    : ds.windowInfo ? [...store.values()].filter((e) => wanted.has(keyString(e.key)))
      : [...wanted].flatMap((k) => store.get(k) ?? []);
  let entries = found.map((e) => { const kb = safeKeyBytes(ks, e.key); return { e, kb, p: partitionForKey(kb, partitions) }; });
  // a window store answers only for windows it keeps: those starting within its retention of the
  // latest window start its partition saw (Kafka Streams' segmented store fetch); a session store
  // keeps sessions by their end
  const bySessionEnd = ds.windowInfo?.type === 'SESSION';
  const retention = writer.plan.windowRetentionMs, latest = writer.runtime?.stores.get(bySessionEnd ? 'latest-session-end' : 'latest-window-start');
  // the task (partition) whose store holds a row is the aggregation's: the repartition topic's for a
  // GROUP BY that repartitions, else the source's, which may have other partition counts than the sink
  const sourcePartitions = engine.topics.get(writer.plan.sources[0]?.topic ?? '')?.partitions.length ?? 1;
  const task = (e: MaterializedRow, kb: Buffer) => String(engine.options.singlePartition ? 0 : writer.plan.groupPartition ? writer.plan.groupPartition(e.key) : partitionForKey(kb, sourcePartitions));
  if (retention !== undefined && latest) entries = entries.filter(({ e, kb }) => !e.window || (bySessionEnd ? e.window.end : e.window.start) > ((latest.get(task(e, kb)) as number | undefined) ?? -Infinity) - retention);
  if (!pinned) entries.sort((a, b) => a.p - b.p || Buffer.compare(a.kb, b.kb) || ((a.e.window?.start ?? 0) - (b.e.window?.start ?? 0)));
  else {
    // a lookup answers in the order the WHERE names its keys, as ksqlDB's locator keeps them: the
    // partitions in the order of their first key, each partition's keys in the order named
    const named = new Map<string, number>(), partitionRank = new Map<number, number>();
    for (const k of pinned) {
      const text = keyString(k);
      if (named.has(text)) continue;
      named.set(text, named.size);
      const p = partitionForKey(safeKeyBytes(ks, k), partitions);
      if (!partitionRank.has(p)) partitionRank.set(p, partitionRank.size);
    }
    // (each entry's rank worked out once, not at every comparison)
    const ranks = new Map(entries.map((x) => [x, [partitionRank.get(x.p) ?? Infinity, named.get(keyString(x.e.key)) ?? Infinity, x.e.window?.start ?? 0] as const]));
    entries.sort((a, b) => { const [pa, ka, wa] = ranks.get(a)!, [pb, kb, wb] = ranks.get(b)!; return pa - pb || ka - kb || wa - wb; });
  }
  // a failing function call gives NULL in its place, for every row of the scan
  const ignore = () => undefined;
  const previous = setCallErrors(ignore);
  try {
    for (const { e } of entries) {
      if (rows.length >= limit) break;
      const row: Row = {};
      names.forEach((n, i) => { row[n] = e.values[i]; });
      keys.forEach((k, i) => { row[k.name] = e.key[i]; });
      row.ROWTIME = e.ts;
      if (e.window) { row.WINDOWSTART = e.window.start; row.WINDOWEND = e.window.end; }
      const out = plan.evaluate!(row, ignore);
      if (out) rows.push(out);
    }
  } finally { setCallErrors(previous); }
  const columns = plan.columns.map((c) => ({ ...c, isKey: c.isKey || ((c.name === 'WINDOWSTART' || c.name === 'WINDOWEND') && !!ds.windowInfo) }));
  return { header: { queryId: `query_${Date.now()}`, columns, markKeys: true }, rows, isTable: true, limitReached: () => rows.length >= limit };
}

/** A query's result schema names each value column once, push and pull alike (ksqlDB's LogicalSchema). */
function refuseDuplicateColumns(plan: QueryPlan): void {
  const dup = plan.columns.find((c, i) => !c.isKey && plan.columns.findIndex((x) => !x.isKey && x.name === c.name) !== i);
  if (dup) throw new KsqlStatementError(`Duplicate value columns found in schema: \`${dup.name}\` ${typeToString(dup.type)}`);
}

export function checkLimit(q: Query): void {
  if (q.limit !== undefined && !Number.isInteger(q.limit)) throw new KsqlStatementError('Failed to prepare statement: Value must be integer for command: LIMIT');
}

/** ROWPARTITION and ROWOFFSET name a position in a topic, which pull queries do not read from. */
function checkPseudoColumns(q: Query): void {
  const check = (clause: string, exprs: (Expr | undefined)[]) => {
    const used = new Set(exprs.flatMap((e) => (e ? columnRefs(e) : [])).map((c) => c.name));
    const bad = ['ROWPARTITION', 'ROWOFFSET'].filter((c) => used.has(c));
    if (bad.length) throw new KsqlStatementError(`Pull queries don't support the following columns in ${clause} clauses: ${bad.map((c) => `\`${c}\``).join(', ')}\n${PULL_SUFFIX}`);
  };
  check('SELECT', q.items.map((it) => (it.t === 'star' ? undefined : it.expr)));
  check('WHERE', [q.where]);
}

/** Plans a pull query; a WHERE type error names the predicate, as ksqlDB's pull-query filter does. */
function planPull(engine: Engine, q: Query): QueryPlan {
  try {
    return planQuery(q, engine.metastore, { persistent: false });
  } catch (e) {
    // a pull query rewrites BETWEEN into two comparisons first, and its check of them says "Invalid expression"
    if (q.where && e instanceof BetweenTypeError) throw new KsqlStatementError(`Invalid expression: ${e.message.replace(/^Error in WHERE expression: /, '').replace(/\.$/, '')}`, e.errorCode);
    if (q.where && e instanceof KsqlStatementError && e.message.startsWith('Error in WHERE expression:')) {
      throw new KsqlStatementError(`${e.message}\nStatement: ${formatExpr(q.where)}`, e.errorCode);
    }
    throw e;
  }
}

function safeKeyBytes(ks: Serde, key: unknown[]): Buffer {
  // (bytes to order and place a row by: a read registers no schema)
  try { return ks.serialize(key, { readOnly: true }) ?? Buffer.alloc(0); } catch { return Buffer.alloc(0); }
}

export interface PushHandle {
  id: string; header: QueryHeader; close(): void; plan: QueryPlan;
  /** Stops reading input while the client is slow to take rows; resume() goes on where it stopped. */
  pause(): void;
  resume(): void;
}

/** Starts a push query; rows arrive through `onRow` as the engine drains; `onEnd` when LIMIT is reached or it is closed. */
export function startPushQuery(engine: Engine, q: Query, props: Record<string, unknown>, onRow: (values: unknown[], tombstone: boolean, key: unknown[]) => void, onEnd: (reason: 'limit' | 'closed' | 'error', message?: string) => void, statementText = ''): PushHandle {
  checkLimit(q);
  const plan = planQuery(q, engine.metastore, { persistent: false, push: true, properties: props });
  refuseDuplicateColumns(plan);
  checkCoPartitioned(engine, plan);
  const ds = plan.sources[0]!;
  // the request's own auto.offset.reset wins over the server's ksql.streams.auto.offset.reset
  const reset = String(props['auto.offset.reset'] ?? props['ksql.streams.auto.offset.reset'] ?? engine.properties['ksql.streams.auto.offset.reset'] ?? 'latest');
  const scalable = isScalablePush(engine, q, ds, props, reset);
  const id = scalable ? `SCALABLE_PUSH_QUERY_${randomUUID()}` : transientId(q.from.alias ?? ds.name);
  // a scalable push query reads the persistent query's output, where a keyed record without a key is ignored
  const skipKeyless = scalable && keyColumns(ds.columns).length > 0;
  let count = 0;
  let ended = false;
  const limit = q.limit;
  const end = (reason: 'limit' | 'closed' | 'error', message?: string) => {
    if (ended) return;
    ended = true;
    engine.transients.delete(rq);
    // the read in progress stops at once too: a LIMIT from earliest would otherwise go on through the
    // whole topic, holding the server, for rows nobody takes
    if (reason !== 'error') rq.state = 'PAUSED';
    onEnd(reason, message);
  };
  const rq: RunningQuery = new RunningQuery(id, plan, engine.topics, reset !== 'earliest', (o) => {
    if (ended || (limit !== undefined && count >= limit)) return;
    // a stream's null values are not rows of a push query; a table's tombstones are
    if (o.values === null && plan.resultType === 'STREAM') return;
    if (skipKeyless && o.key.every((k) => k === null || k === undefined)) return;
    if (o.values === null) {
      // a tombstone keeps the key and, for a windowed table, the window's bounds
      const cols = plan.columns.map((c, i) => (plan.keyIndexes.includes(i) ? o.key[plan.keyIndexes.indexOf(i)]
        : o.window && c.name === 'WINDOWSTART' ? o.window.start : o.window && c.name === 'WINDOWEND' ? o.window.end : null));
      onRow(cols, true, o.key);
    } else onRow(o.values, false, o.key);
    count++;
    if (limit !== undefined && count >= limit) end('limit');
  });
  rq.statementText = statementText;
  rq.pushQuery = { query: q, properties: { ...props } };
  rq.throwOnInvalidTimestamp = throwsOnInvalidTimestamp(props, engine.properties);
  engine.watchErrors(rq);
  rq.stop = () => end('closed');
  // a failure that stops the query (state ERROR) ends the answer with it
  rq.onFail = (message) => end('error', message);
  engine.transients.add(rq);
  if (limit === 0) queueMicrotask(() => end('limit'));
  return {
    id, header: { queryId: id, columns: plan.columns, markKeys: false }, close: () => end('closed'), plan,
    pause: () => { rq.state = 'PAUSED'; }, resume: () => { rq.state = 'RUNNING'; },
  };
}
