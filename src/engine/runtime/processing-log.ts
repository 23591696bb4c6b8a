import { DeserializationError, SerializationError } from '../serde/serde-error.js';

// ksqlDB's processing log: a stock server (and the Docker images) creates the KSQL_PROCESSING_LOG
// stream at start-up over the topic `<service id>ksql_processing_log`, and each record a query
// cannot read or process is logged there as one JSON record. Its columns are those of ksqlDB's
// ProcessingLogMessageSchema: LOGGER, LEVEL, TIME, and MESSAGE, a struct with the message TYPE and
// one struct per type, NULL but for the one the TYPE names. `ksql.logging.processing.rows.include`
// is false by default, so RECORDB64 and RECORD are NULL.

/** MESSAGE.TYPE: what went wrong. */
export const MESSAGE_TYPE = { DESERIALIZATION_ERROR: 0, RECORD_PROCESSING_ERROR: 1, PRODUCTION_ERROR: 2, SERIALIZATION_ERROR: 3, KAFKA_STREAMS_THREAD_ERROR: 4 } as const;

const MESSAGE_COLUMN = 'STRUCT<TYPE INTEGER, '
  + 'DESERIALIZATIONERROR STRUCT<TARGET STRING, ERRORMESSAGE STRING, RECORDB64 STRING, CAUSE ARRAY<STRING>, `topic` STRING>, '
  + 'RECORDPROCESSINGERROR STRUCT<ERRORMESSAGE STRING, RECORD STRING, CAUSE ARRAY<STRING>>, '
  + 'PRODUCTIONERROR STRUCT<ERRORMESSAGE STRING>, '
  + 'SERIALIZATIONERROR STRUCT<TARGET STRING, ERRORMESSAGE STRING, RECORD STRING, CAUSE ARRAY<STRING>, `topic` STRING>, '
  + 'KAFKASTREAMSTHREADERROR STRUCT<ERRORMESSAGE STRING, THREADNAME STRING, CAUSE ARRAY<STRING>>>';

export interface ProcessingLogSettings { stream: string; topic: string }

/** The stream and topic names from ksqlDB's properties (`ksql.logging.processing.*`), or null when auto-creation is off. */
export function processingLogSettings(properties: Record<string, string>): ProcessingLogSettings | null {
  if (String(properties['ksql.logging.processing.stream.auto.create'] ?? 'true').toLowerCase() === 'false') return null;
  const serviceId = properties['ksql.service.id'] ?? 'default_';
  return {
    stream: properties['ksql.logging.processing.stream.name'] ?? 'KSQL_PROCESSING_LOG',
    topic: properties['ksql.logging.processing.topic.name'] ?? `${serviceId}ksql_processing_log`,
  };
}

/** The statement that creates the stream (the topic is made with it: one partition, as ksqlDB's default). */
export function processingLogStatement(s: ProcessingLogSettings): string {
  const name = '`' + s.stream.replace(/`/g, '``') + '`';
  const topic = "'" + s.topic.replace(/'/g, "''") + "'";
  return `CREATE STREAM IF NOT EXISTS ${name} (LOGGER STRING, LEVEL STRING, TIME BIGINT, MESSAGE ${MESSAGE_COLUMN}) `
    + `WITH (KAFKA_TOPIC=${topic}, PARTITIONS=1, KEY_FORMAT='KAFKA', VALUE_FORMAT='JSON');`;
}

/** The messages of an error's causes, outermost first (Java's Throwable chain, as ksqlDB lists it). */
function causes(e: unknown): string[] {
  const out: string[] = [];
  let c = e instanceof Error ? e.cause : undefined;
  for (let depth = 0; c !== undefined && c !== null && depth < 10; depth++) {
    out.push(c instanceof Error ? c.message : String(c));
    c = c instanceof Error ? c.cause : undefined;
  }
  return out;
}

/** One processing-log record's value (JSON) for an error a query met, at `time`. */
export function processingLogEntry(queryId: string, e: unknown, time: number): string {
  const message: Record<string, unknown> = {
    TYPE: 0, DESERIALIZATIONERROR: null, RECORDPROCESSINGERROR: null, PRODUCTIONERROR: null, SERIALIZATIONERROR: null, KAFKASTREAMSTHREADERROR: null,
  };
  let logger: string;
  if (e instanceof DeserializationError) {
    message.TYPE = MESSAGE_TYPE.DESERIALIZATION_ERROR;
    message.DESERIALIZATIONERROR = { TARGET: e.target, ERRORMESSAGE: `Failed to deserialize ${e.target} from topic: ${e.topic}. ${e.message}`, RECORDB64: null, CAUSE: [e.message, ...causes(e.cause)], topic: e.topic };
    logger = `processing.${queryId}.KsqlTopic.Source.deserializer`;
  } else if (e instanceof SerializationError) {
    message.TYPE = MESSAGE_TYPE.SERIALIZATION_ERROR;
    message.SERIALIZATIONERROR = { TARGET: e.target, ERRORMESSAGE: e.message, RECORD: null, CAUSE: causes(e), topic: e.topic };
    logger = `processing.${queryId}.KsqlTopic.Sink.serializer`;
  } else {
    message.TYPE = MESSAGE_TYPE.RECORD_PROCESSING_ERROR;
    message.RECORDPROCESSINGERROR = { ERRORMESSAGE: e instanceof Error ? e.message : String(e), RECORD: null, CAUSE: causes(e) };
    logger = `processing.${queryId}`;
  }
  return JSON.stringify({ level: 'ERROR', logger, time, message });
}
