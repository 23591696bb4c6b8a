/** One Kafka record as the event source mapping hands it over. */
export interface SourceRecord {
  topic: string; partition: number; offset: number; timestamp: number;
  /** The time's kind, from its batch: the broker's (a LogAppendTime topic) or the producer's; CREATE_TIME when not told. */
  timestampType?: 'CREATE_TIME' | 'LOG_APPEND_TIME';
  key: Buffer | null; value: Buffer | null; headers: { key: string; value: Buffer | null }[];
}

export type EventSource = 'self-managed' | 'msk';

/** A record as kafkajs hands it over (headers may repeat a key, as an array). */
export interface ConsumedMessage {
  offset: string; timestamp: string; key: Buffer | null; value: Buffer | null;
  headers?: Record<string, Buffer | string | null | (Buffer | string | null)[] | undefined>;
  /** What kafkajs read from the record's batch: its timestamp type (1: LogAppendTime). */
  batchContext?: { timestampType?: number };
}

export function sourceRecord(topic: string, partition: number, m: ConsumedMessage): SourceRecord {
  return {
    topic, partition, offset: Number(m.offset), timestamp: Number(m.timestamp), key: m.key, value: m.value,
    timestampType: m.batchContext?.timestampType === 1 ? 'LOG_APPEND_TIME' : 'CREATE_TIME',
    headers: Object.entries(m.headers ?? {}).flatMap(([key, v]) => (Array.isArray(v) ? v : [v]).map((x) => ({ key, value: x === undefined || x === null ? null : Buffer.from(x) }))),
  };
}

export interface KafkaEvent {
  eventSource: 'SelfManagedKafka' | 'aws:kafka';
  eventSourceArn?: string;
  bootstrapServers: string;
  records: Record<string, KafkaEventRecord[]>;
}

export interface KafkaEventRecord {
  topic: string; partition: number; offset: number; timestamp: number; timestampType: 'CREATE_TIME' | 'LOG_APPEND_TIME';
  key?: string; value: string | null; headers: Record<string, number[]>[];
}

/** An ARN of the shape MSK's event carries, for a local cluster. */
export const LOCAL_MSK_ARN = 'arn:aws:kafka:us-east-1:000000000000:cluster/local/00000000-0000-0000-0000-000000000000-1';

/**
 * The event a Lambda function gets from a Kafka event source mapping (SelfManagedKafka, or MSK's
 * `aws:kafka`): records grouped by `topic-partition`, key and value in base64 (no key: the field is
 * absent), headers as byte arrays, numeric partition and offset.
 */
export function buildKafkaEvent(records: SourceRecord[], source: EventSource, bootstrapServers: string): KafkaEvent {
  const grouped: Record<string, KafkaEventRecord[]> = {};
  for (const r of records) {
    const out: KafkaEventRecord = {
      topic: r.topic, partition: r.partition, offset: r.offset, timestamp: r.timestamp, timestampType: r.timestampType ?? 'CREATE_TIME',
      ...(r.key === null ? {} : { key: r.key.toString('base64') }),
      value: r.value === null ? null : r.value.toString('base64'),
      headers: r.headers.map((h) => ({ [h.key]: h.value === null ? [] : [...h.value] })),
    };
    (grouped[`${r.topic}-${r.partition}`] ??= []).push(out);
  }
  return source === 'msk'
    ? { eventSource: 'aws:kafka', eventSourceArn: LOCAL_MSK_ARN, bootstrapServers, records: grouped }
    : { eventSource: 'SelfManagedKafka', bootstrapServers, records: grouped };
}
