import type { RunningQuery } from '../runtime/running-query.js';
import type { Engine, PersistentQuery } from '../engine.js';
import type { DataSource } from '../catalog/metastore.js';
import type { Column } from '../catalog/schema.js';
import type { SqlType } from '../sql/types.js';

export interface SchemaJson { type: string; fields: FieldJson[] | null; memberSchema: SchemaJson | null; parameters?: Record<string, unknown> }
export interface FieldJson { name: string; schema: SchemaJson; type?: 'KEY' | 'HEADER'; headerKey?: string }

/** Entities whose `warnings` ksqlDB writes before their own fields (the order its classes serialize in). */
const WARNINGS_FIRST = new Set(['connector_list', 'connector_plugins_list', 'executionPlan', 'topicDescription']);

/** An entity's keys in the order ksqlDB writes them: `warnings` after the entity's own fields. */
export function inKsqlOrder<T extends { '@type'?: unknown; warnings?: unknown }>(entity: T): T {
  if (!('warnings' in entity) || WARNINGS_FIRST.has(String(entity['@type']))) return entity;
  const { warnings, ...rest } = entity;
  return { ...rest, warnings } as T;
}

export function schemaJson(t: SqlType): SchemaJson {
  switch (t.kind) {
    case 'ARRAY': return { type: 'ARRAY', fields: null, memberSchema: schemaJson(t.item) };
    case 'MAP': return { type: 'MAP', fields: null, memberSchema: schemaJson(t.value) };
    case 'STRUCT': return { type: 'STRUCT', fields: t.fields.map((f) => ({ name: f.name, schema: schemaJson(f.type) })), memberSchema: null };
    case 'DECIMAL': return { type: 'DECIMAL', fields: null, memberSchema: null, parameters: { precision: t.precision, scale: t.scale } };
    default: return { type: t.kind, fields: null, memberSchema: null };
  }
}

export function fieldsJson(cols: Column[]): FieldJson[] {
  return cols.map((c) => {
    const f: FieldJson = { name: c.name, schema: schemaJson(c.type) };
    if (c.ns === 'KEY') f.type = 'KEY';
    // (a HEADER('k') column's key comes before its type, as ksqlDB's FieldInfo orders them)
    if (c.ns === 'HEADER') { if (c.headerKey !== undefined) f.headerKey = c.headerKey; f.type = 'HEADER'; }
    return f;
  });
}

export function runningQueryJson(q: PersistentQuery) {
  const state = q.runtime?.state ?? 'RUNNING';
  return {
    queryString: q.displayText ?? q.statementText,
    sinks: [q.sinkName],
    sinkKafkaTopics: [q.sinkTopic],
    id: q.id,
    statusCount: { [state]: 1 },
    queryType: 'PERSISTENT',
    // ksqlDB's aggregate state: ERROR when any host reports ERROR, else RUNNING (a paused query
    // shows PAUSED in its statusCount only)
    state: state === 'ERROR' ? 'ERROR' : 'RUNNING',
  };
}

/** SHOW QUERIES' entry for a transient push query: no sinks, type PUSH. */
export function pushQueryJson(q: RunningQuery) {
  return { queryString: q.statementText, sinks: [], sinkKafkaTopics: [], id: q.id, statusCount: { RUNNING: 1 }, queryType: 'PUSH', state: 'RUNNING' };
}

export function sourceDescription(engine: Engine, ds: DataSource, extended: boolean) {
  const queries = [...engine.queries.values()];
  const topic = engine.topics.get(ds.topic);
  const stats = extended ? statistics(engine, ds) : { statistics: '', errorStats: '' };
  return {
    name: ds.name,
    windowType: ds.windowInfo?.type ?? null,
    readQueries: queries.filter((q) => q.plan.sources.some((s) => s.name === ds.name)).map(runningQueryJson),
    writeQueries: queries.filter((q) => q.sinkName === ds.name).map(runningQueryJson),
    fields: fieldsJson(ds.columns),
    type: ds.type,
    timestamp: ds.timestampColumn ?? '',
    statistics: stats.statistics,
    errorStats: stats.errorStats,
    extended,
    keyFormat: ds.keyFormat.format,
    valueFormat: ds.valueFormat.format,
    topic: ds.topic,
    partitions: topic?.config.partitions ?? 0,
    replication: topic?.config.replicas ?? 0,
    statement: ds.statement,
    // (the queries that write the source: how far each has read what it reads, as ksqlDB's "Consumer Groups summary")
    queryOffsetSummaries: extended ? queries.filter((q) => q.runtime && q.sinkName === ds.name).map((q) => offsetSummary(engine, q)) : [],
    sourceConstraints: engine.metastore.constraintsOn(ds.name),
    clusterStatistics: [],
    clusterErrorStats: [],
  };
}

/** A persistent query's consumer group, as ksqlDB names it (`_confluent-ksql-<service id>query_<id>`). */
export const queryGroupId = (engine: Engine, q: Pick<PersistentQuery, 'id' | 'groupId'>): string => q.groupId ?? `_confluent-ksql-${engine.properties['ksql.service.id']}query_${q.id}`;

/**
 * Where a query's consumer group is in each partition of the topics it reads, beside the partition's
 * start and end (DESCRIBE EXTENDED's queryOffsetSummaries). The query's position is its committed
 * offset: the local server commits each record as it is processed.
 */
function offsetSummary(engine: Engine, q: PersistentQuery) {
  const positions = q.runtime!.cursor.offsets();
  return {
    groupId: queryGroupId(engine, q),
    topicSummaries: Object.entries(positions).flatMap(([topic, pos]) => {
      const t = engine.topics.get(topic);
      if (!t) return [];
      return [{ kafkaTopic: topic, offsets: t.partitions.map((p, partition) => ({ partition, logStartOffset: p.start, logEndOffset: p.end, consumerOffset: Math.max(p.start, pos[partition] ?? 0) })) }];
    }),
  };
}

/** The persistent queries that run (a failed query's consumer has left its group). */
const consuming = (engine: Engine) => [...engine.queries.values()].filter((q) => q.runtime && q.runtime.state !== 'ERROR');

/** The consumer groups of the persistent queries that run: what Kafka tools see of them through the Kafka listener. */
export const queryGroupIds = (engine: Engine): string[] => consuming(engine).map((q) => queryGroupId(engine, q));

/** A running query's consumer group, with its query's position in every partition it reads; none when no query has that group. */
export function queryConsumerGroup(engine: Engine, groupId: string): { groupId: string; offsets: { topic: string; partition: number; offset: number }[] } | undefined {
  const q = consuming(engine).find((x) => queryGroupId(engine, x) === groupId);
  if (!q) return undefined;
  const summary = offsetSummary(engine, q);
  return { groupId, offsets: summary.topicSummaries.flatMap((t) => t.offsets.map((o) => ({ topic: t.kafkaTopic, partition: o.partition, offset: o.consumerOffset }))) };
}

function statistics(engine: Engine, ds: DataSource): { statistics: string; errorStats: string } {
  const topic = engine.topics.get(ds.topic);
  const total = topic?.size ?? 0;
  const writer = ds.writerQueryId ? engine.queries.get(ds.writerQueryId) : undefined;
  const readers = [...engine.queries.values()].filter((q) => q.plan.sources.some((s) => s.name === ds.name));
  const failed = readers.reduce((n, q) => n + (q.runtime?.stats.errors ?? 0), 0);
  const parts = [`total-messages: ${total}`];
  if (writer?.runtime) parts.push(`messages-processed-by-writer: ${writer.runtime.stats.processed}`);
  // ksqlDB's entity writes both fields after a deprecation notice (its clients read the maps)
  return {
    statistics: `The statistics field is deprecated and will be removed in a future version of ksql. Please update your client to the latest version and use statisticsMap instead.\n${parts.join(', ')}`,
    errorStats: `The errorStats field is deprecated and will be removed in a future version of ksql. Please update your client to the latest version and use errorStatsMap instead.\n${failed ? `failed-messages: ${failed}` : ''}`,
  };
}
