import { Kafka, logLevel, type LogEntry, type SASLOptions } from 'kafkajs';
import { LinearKeyPartitioner } from './partitioner.js';
import type { SettlementConfig } from './config.js';
import type { Headers } from './decode.js';
import type { LogPort } from './log.js';

export interface OutgoingMessage {
  key: string;
  value: Buffer;
  headers: Headers;
  /** Epoch ms as a string, as Kafka clients take it. */
  timestamp: string;
}

/** The producer as the handler sees it: one call sends a whole batch and resolves once all of it is acknowledged. */
export interface SettlementProducer {
  send(topic: string, messages: OutgoingMessage[]): Promise<void>;
  /** Disconnects; the handler drops a producer whose send failed and makes a new one. */
  close(): Promise<void>;
}

export type EventSourceKind = 'self-managed' | 'msk';

/**
 * A kafkajs producer with acks=all (-1) and idempotence. It connects on first use and stays
 * connected across invocations of the same container.
 */
export function createKafkaProducer(config: SettlementConfig, kind: EventSourceKind, logger: LogPort): SettlementProducer {
  const kafka = new Kafka({
    clientId: 'settlement-handler',
    brokers: config.bootstrapServers.split(',').map((b) => b.trim()).filter(Boolean),
    ssl: config.ssl,
    sasl: saslOptions(config, kind),
    logLevel: logLevel.WARN,
    logCreator: () => (entry: LogEntry) => logKafkaEntry(logger, entry),
    // every attempt together stays well inside the function's timeout (template.yaml: 60 s), so a
    // hung broker fails the invocation (and Lambda retries the batch) rather than timing it out
    connectionTimeout: 5000,
    requestTimeout: 10_000,
    // connecting (ApiVersions, metadata) retries as sends do, not kafkajs's default five times
    retry: { retries: 2, initialRetryTime: 500, maxRetryTime: 5000 },
  });
  const producer = kafka.producer({
    // the output topic is made with the pipeline (TRADE_SETTLEMENT's partitions): one missing, or a
    // misspelt name, fails the send rather than being made with the broker's defaults
    allowAutoTopicCreation: false,
    idempotent: true,
    maxInFlightRequests: 1,
    // kafkajs's default partitioner (Java's partitions for a key), its key hash linear in the key's
    // length: kafkajs's own took seconds for a long SYMBOL (see partitioner.ts)
    createPartitioner: LinearKeyPartitioner,
    // kafkajs retries an idempotent producer forever by default; a bounded retry lets the
    // invocation fail (and Lambda retry the batch) before the function times out: at most three
    // attempts of 10 s with a few seconds between them
    retry: { retries: 2, initialRetryTime: 500, maxRetryTime: 5000 },
  });
  let connected: Promise<void> | undefined;
  const connect = () => {
    connected ??= producer.connect().catch((e: unknown) => { connected = undefined; throw e; });
    return connected;
  };
  return {
    async send(topic, messages) {
      await connect();
      // in sends of at most SEND_BYTES, one after another (so each partition keeps its order): a
      // batch of thousands of records sent at once would make a record batch larger than a broker
      // takes (max.message.bytes, 1 MB by default), and its retries would fail the same way for ever
      for (const chunk of chunks(messages)) await producer.send({ topic, acks: -1, messages: chunk });
    },
    async close() { if (connected) await producer.disconnect(); },
  };
}

/** The most a single send carries, well under a broker's default max.message.bytes (1 MB). */
export const SEND_BYTES = 512 * 1024;

/**
 * The largest settlement sent: a broker refuses a record batch over its max.message.bytes (1,048,588
 * bytes by default), and a record it refuses would fail every retry of its batch.
 */
export const MAX_RECORD_BYTES = 1_000_000;

/** A message's size as sent: its key, value and headers, and some room for framing. */
export function messageBytes(m: OutgoingMessage): number {
  let size = 64 + Buffer.byteLength(m.key) + m.value.length;
  for (const [k, v] of Object.entries(m.headers)) size += Buffer.byteLength(k) + (Array.isArray(v) ? v.reduce((n, x) => n + x.length + 16, 0) : (v?.length ?? 0) + 16);
  return size;
}

/** Messages in runs of at most SEND_BYTES (see messageBytes). */
export function chunks(messages: OutgoingMessage[]): OutgoingMessage[][] {
  const out: OutgoingMessage[][] = [];
  let run: OutgoingMessage[] = [], bytes = 0;
  for (const m of messages) {
    const size = messageBytes(m);
    if (run.length && bytes + size > SEND_BYTES) { out.push(run); run = []; bytes = 0; }
    run.push(m); bytes += size;
  }
  if (run.length) out.push(run);
  return out;
}

function saslOptions(config: SettlementConfig, kind: EventSourceKind): SASLOptions | undefined {
  if (config.username === undefined || config.password === undefined) return undefined;
  const mechanism = config.saslMechanism ?? (kind === 'msk' ? 'scram-sha-512' : 'plain');
  return { mechanism, username: config.username, password: config.password } as SASLOptions;
}

function logKafkaEntry(logger: LogPort, { level, label, log }: LogEntry): void {
  // Powertools sets `timestamp` itself and warns about (then drops) one in the attributes
  const { message, timestamp: _ignored, ...attributes } = log;
  const line = `kafkajs ${label}: ${message}`;
  // the bounded retries above are deliberate (see createKafkaProducer): kafkajs's warning about them
  // on every cold start is kept out of the warnings
  if (String(message).startsWith('Limiting retries for the idempotent producer')) { logger.info(line, attributes); return; }
  if (level === logLevel.ERROR || level === logLevel.NOTHING) logger.error(line, attributes);
  else if (level === logLevel.WARN) logger.warn(line, attributes);
  else logger.info(line, attributes);
}
