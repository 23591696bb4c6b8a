import { z } from 'zod';

/** zod schemas of ksqlDB's REST entities: the client parses every answer with these, and tests hold the local server to them. */
const warnings = z.array(z.object({ message: z.string() }));
const base = { statementText: z.string(), warnings };

export const CommandStatusEntity = z.object({
  '@type': z.literal('currentStatus'), ...base,
  commandId: z.string(),
  commandStatus: z.object({
    status: z.enum(['QUEUED', 'PARSING', 'EXECUTING', 'RUNNING', 'TERMINATED', 'SUCCESS', 'ERROR']),
    message: z.string(),
    queryId: z.string().nullable().optional(),
  }),
  commandSequenceNumber: z.number().int(),
});

export const RunningQuery = z.object({
  queryString: z.string(),
  sinks: z.array(z.string()),
  sinkKafkaTopics: z.array(z.string()),
  id: z.string(),
  statusCount: z.record(z.string(), z.number()),
  queryType: z.enum(['PERSISTENT', 'PUSH', 'PULL']),
  state: z.string(),
});

export type FieldSchema = { type: string; fields: { name: string; schema: FieldSchema }[] | null; memberSchema: FieldSchema | null; parameters?: Record<string, unknown> };
export const FieldSchema: z.ZodType<FieldSchema> = z.lazy(() => z.object({
  type: z.string(),
  fields: z.array(z.object({ name: z.string(), schema: FieldSchema })).nullable(),
  memberSchema: FieldSchema.nullable(),
  parameters: z.record(z.string(), z.unknown()).optional(),
}));

export const Field = z.object({ name: z.string(), schema: FieldSchema, type: z.enum(['KEY', 'HEADER']).optional(), headerKey: z.string().optional() });

export const SourceDescription = z.object({
  name: z.string(),
  windowType: z.enum(['TUMBLING', 'HOPPING', 'SESSION']).nullable(),
  readQueries: z.array(RunningQuery),
  writeQueries: z.array(RunningQuery),
  fields: z.array(Field),
  type: z.enum(['STREAM', 'TABLE']),
  timestamp: z.string(),
  statistics: z.string(),
  errorStats: z.string(),
  extended: z.boolean(),
  keyFormat: z.string(),
  valueFormat: z.string(),
  topic: z.string(),
  partitions: z.number().int(),
  replication: z.number().int(),
  statement: z.string(),
  queryOffsetSummaries: z.array(z.unknown()),
  sourceConstraints: z.array(z.string()),
  clusterStatistics: z.array(z.unknown()).optional(),
  clusterErrorStats: z.array(z.unknown()).optional(),
});

export const SourceDescriptionEntity = z.object({ '@type': z.literal('sourceDescription'), ...base, sourceDescription: SourceDescription });
const SourceInfo = z.object({ type: z.enum(['STREAM', 'TABLE']), name: z.string(), topic: z.string(), keyFormat: z.string(), valueFormat: z.string(), isWindowed: z.boolean() });
export const StreamsListEntity = z.object({ '@type': z.literal('streams'), ...base, streams: z.array(SourceInfo) });
export const TablesListEntity = z.object({ '@type': z.literal('tables'), ...base, tables: z.array(SourceInfo) });
export const QueriesEntity = z.object({ '@type': z.literal('queries'), ...base, queries: z.array(RunningQuery) });
export const WarningEntity = z.object({ '@type': z.literal('warning_entity'), ...base, message: z.string() });
export const TopicsEntity = z.object({ '@type': z.literal('kafka_topics'), ...base, topics: z.array(z.object({ name: z.string(), replicaInfo: z.array(z.number()) })) });
export const QueryDescriptionEntity = z.object({
  '@type': z.literal('queryDescription'), ...base,
  queryDescription: z.object({
    id: z.string(), statementText: z.string(), windowType: z.string().nullable(), fields: z.array(Field),
    sources: z.array(z.string()), sinks: z.array(z.string()), topology: z.string(), executionPlan: z.string(),
    overriddenProperties: z.record(z.string(), z.unknown()), ksqlHostQueryStatus: z.record(z.string(), z.string()),
    queryType: z.string(), queryErrors: z.array(z.unknown()), tasksMetadata: z.array(z.unknown()), consumerGroupId: z.string().optional(), state: z.string().optional(),
  }),
});

/** Any entity of a /ksql answer; unknown types pass through with their @type. */
export const KsqlEntity = z.union([
  CommandStatusEntity, SourceDescriptionEntity, StreamsListEntity, TablesListEntity, QueriesEntity, WarningEntity, TopicsEntity, QueryDescriptionEntity,
  z.object({ '@type': z.string(), ...base }).passthrough(),
]);
export const KsqlResponse = z.array(KsqlEntity);

export const GenericError = z.object({ '@type': z.literal('generic_error'), error_code: z.number().int(), message: z.string() });
export const StatementError = z.object({ '@type': z.literal('statement_error'), error_code: z.number().int(), message: z.string(), statementText: z.string(), entities: z.array(z.unknown()) });
export const KsqlError = z.union([StatementError, GenericError]);

export const ServerInfo = z.object({ KsqlServerInfo: z.object({ version: z.string(), kafkaClusterId: z.string(), ksqlServiceId: z.string(), serverStatus: z.string().optional() }) });
export const HealthCheck = z.object({ isHealthy: z.boolean(), details: z.record(z.string(), z.object({ isHealthy: z.boolean() })), serverState: z.string().optional() });

/** First line of a delimited /query-stream answer. */
export const QueryStreamHeader = z.object({ queryId: z.string().optional(), columnNames: z.array(z.string()), columnTypes: z.array(z.string()) });
