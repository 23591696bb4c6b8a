export class SerdeError extends Error {}

/**
 * A record's key or value that does not deserialize with its source's format: what the processing
 * log records as a DESERIALIZATIONERROR. The message is the cause's, unchanged.
 */
export class DeserializationError extends Error {
  constructor(readonly target: 'key' | 'value', readonly topic: string, override readonly cause: unknown) {
    // a serde knows no topic: where its message names one (DELIMITED's column count), it is this record's
    super((cause instanceof Error ? cause.message : String(cause)).replace('topic: , ', `topic: ${topic}, `));
  }
}

/**
 * A query's output record whose key or value does not serialize with its sink's format: what the
 * processing log records as a SERIALIZATIONERROR. The message names the topic before the cause's, as
 * Kafka Streams' record collector words it (Unable to serialize record).
 */
export class SerializationError extends Error {
  constructor(readonly target: 'key' | 'value', readonly topic: string, override readonly cause: unknown) {
    super(`Unable to serialize record for topic ${topic}: ${cause instanceof Error ? cause.message : String(cause)}`);
  }
}
