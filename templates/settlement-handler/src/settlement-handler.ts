import type { SettlementConfig } from './config.js';
import { decodeEvent, type KafkaEvent } from './decode.js';
import type { LogPort } from './log.js';
import { MAX_RECORD_BYTES, messageBytes, type OutgoingMessage, type SettlementProducer } from './producer.js';
import { settle, type Disposition, type RuleInputs } from './rules.js';
import type { SchemaRegistry } from './schema-registry.js';
import { encodeSettlement, frameProtobuf, TRADE_SETTLEMENT_PROTO } from './trade-settlement.js';

/** Everything the handler touches outside itself. handler.ts wires the real ones. */
export interface SettlementPorts extends RuleInputs {
  /** Reads the configuration (from Secrets Manager in production); `fresh` bypasses any cache. */
  readConfig: (fresh: boolean) => Promise<SettlementConfig>;
  createProducer: (config: SettlementConfig) => SettlementProducer;
  createSchemaRegistry: (config: SettlementConfig) => SchemaRegistry;
  logger: LogPort;
}

/**
 * Builds the Lambda handler. Call it at module scope: the configuration is read, the producer
 * created and the schema registered once per container, on the first invocation, and reused by
 * every later one. A step that fails is tried again on the next invocation, from the start: a
 * failed send or registration drops the configuration and the producer, so the next invocation
 * reads the secret again (a fixed or rotated one takes effect) and sends with a new producer (whose
 * fresh id and sequence numbers the broker accepts, whatever the failed one left behind).
 */
export function createSettlementHandler(ports: SettlementPorts): (event: KafkaEvent) => Promise<void> {
  // the first read may come from a cache; every read after a failure goes to the source
  let failedBefore = false;
  const connection = onceUntilFailure(async () => {
    const fresh = failedBefore;
    failedBefore = true;
    const config = await ports.readConfig(fresh);
    failedBefore = false;
    return { config, producer: ports.createProducer(config) };
  });
  const schemaId = onceUntilFailure(async () => {
    const { config } = await connection();
    const subject = `${config.outputTopic}-value`;
    const id = await ports.createSchemaRegistry(config).registerProtobuf(subject, TRADE_SETTLEMENT_PROTO);
    ports.logger.info('schema registered', { subject, schemaId: id });
    return id;
  });
  /** Forgets the configuration, the producer (closing it) and the schema id: the next invocation starts over. */
  const startOver = async () => {
    const current = connection.peek();
    connection.forget(); schemaId.forget();
    failedBefore = true;
    const producer = await current?.then((c) => c.producer, () => undefined);
    await producer?.close().catch(() => undefined);
  };

  return async (event) => {
    const { records, skipped } = decodeEvent(event);
    // logged, one line each with where it is (never its content), so it can be found and replayed
    for (const s of skipped) ports.logger.error('record skipped: not a user_trades trade', { topic: s.topic, partition: s.partition, offset: s.offset, problem: s.problem });
    if (records.length === 0) return;
    const { config, producer } = await connection();
    let id: number;
    try { id = await schemaId(); } catch (e) {
      ports.logger.error('schema not registered; the batch fails and will be retried', { error: describeError(e) });
      await startOver();
      throw e;
    }

    const dispositions: Partial<Record<Disposition, number>> = {};
    const messages: OutgoingMessage[] = [];
    let oversized = 0;
    for (const record of records) {
      const settlement = settle(record.trade, ports);
      const message = { key: settlement.symbol, value: frameProtobuf(id, encodeSettlement(settlement)), headers: record.headers, timestamp: String(settlement.timestamp) };
      // one no broker takes (a SYMBOL of hundreds of KB) would fail every retry of the batch, and
      // block its partition for good: set aside and logged as a record that is no trade is
      const bytes = messageBytes(message);
      if (bytes > MAX_RECORD_BYTES) {
        oversized++;
        ports.logger.error('record skipped: its settlement is larger than a broker takes', { topic: record.topic, partition: record.partition, offset: record.offset, bytes, limit: MAX_RECORD_BYTES });
        continue;
      }
      dispositions[settlement.disposition] = (dispositions[settlement.disposition] ?? 0) + 1;
      messages.push(message);
    }
    const partitions = Object.keys(event.records);

    // One send for the whole batch, awaited once at the end: the flush. Nothing is left buffered
    // when the handler returns, and a failure throws so Lambda retries the whole batch.
    try {
      if (messages.length) await producer.send(config.outputTopic, messages);
    } catch (e) {
      ports.logger.error('settlements not produced; the batch fails and will be retried', { records: messages.length, partitions, error: describeError(e) });
      await startOver();
      throw new Error(`producing ${messages.length} settlements to ${config.outputTopic} failed`, { cause: e });
    }
    ports.logger.info('batch settled', { records: messages.length, skipped: skipped.length + oversized, partitions, topic: config.outputTopic, dispositions });
  };
}

/**
 * Runs `make` once and keeps its result; a rejected attempt is forgotten so the next call tries
 * again, and `forget()` drops a kept result too.
 */
function onceUntilFailure<T>(make: () => Promise<T>): (() => Promise<T>) & { forget(): void; peek(): Promise<T> | undefined } {
  let pending: Promise<T> | undefined;
  const get = () => {
    pending ??= make().catch((e: unknown) => { pending = undefined; throw e; });
    return pending;
  };
  return Object.assign(get, { forget: () => { pending = undefined; }, peek: () => pending });
}

function describeError(e: unknown): { name: string; message: string } {
  return e instanceof Error ? { name: e.name, message: e.message } : { name: 'Error', message: String(e) };
}
