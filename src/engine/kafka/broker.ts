import { ownMemory } from '../storage/slabs.js';
import { isInternalTopic, isLegalTopicName, MAX_TOPIC_PARTITIONS, topicNameProblem, type TopicStore } from '../storage/topics.js';
import { isStorageFailure } from '../storage/journal.js';
import { TOPIC_CONFIGS, topicConfigProblem } from './topic-configs.js';
import { TXERR, type TransactionCoordinator } from './transactions.js';
import { readBatches, encodeBatch, encodeLogAppendTimeBatches, producedBatch, decompressionBudget, BatchError, type DecompressionBudget, type WireRecord } from './record-batch.js';

/** Kafka error codes the broker answers with. */
export const ERR = {
  NONE: 0, UNKNOWN: -1, OFFSET_OUT_OF_RANGE: 1, CORRUPT_MESSAGE: 2, UNKNOWN_TOPIC_OR_PARTITION: 3, MESSAGE_TOO_LARGE: 10, INVALID_RECORD: 87, NOT_ENOUGH_REPLICAS: 19,
  INVALID_TOPIC: 17, INVALID_REQUIRED_ACKS: 21, INVALID_REPLICA_ASSIGNMENT: 39, INVALID_CONFIG: 40, TOPIC_ALREADY_EXISTS: 36, INVALID_PARTITIONS: 37,
  INVALID_REPLICATION_FACTOR: 38, INVALID_REQUEST: 42, OUT_OF_ORDER_SEQUENCE: 45, INVALID_PRODUCER_EPOCH: 47,
  UNSUPPORTED_COMPRESSION: 76, KAFKA_STORAGE_ERROR: 56,
} as const;

/**
 * The record times a topic takes, from its message.timestamp.before.max.ms and after.max.ms
 * (each, when unset, the older message.timestamp.difference.max.ms), or undefined when unlimited.
 */
function timeRange(overrides: Record<string, string>): [number, number] | undefined {
  const limit = (name: string) => {
    const v = overrides[name] ?? overrides['message.timestamp.difference.max.ms'];
    const n = v === undefined ? NaN : Number(v);
    return Number.isSafeInteger(n) ? n : undefined;
  };
  const before = limit('message.timestamp.before.max.ms'), after = limit('message.timestamp.after.max.ms');
  if (before === undefined && after === undefined) return undefined;
  const now = Date.now();
  return [before === undefined ? -Infinity : now - before, after === undefined ? Infinity : now + after];
}


const INT32_MAX = 2 ** 31 - 1;
/** The sequence after `seq` (0 after 2^31 - 1). */
const nextSequence = (seq: number): number => (seq === INT32_MAX ? 0 : seq + 1);
/** The last sequence of a batch of `count` records from `base`, wrapping past 2^31 - 1 to 0. */
const lastSequenceOf = (base: number, count: number): number => (base + count - 1 > INT32_MAX ? base + count - 1 - 2 ** 31 : base + count - 1);

/** `logAppendTime`: the time the records were given, on a LogAppendTime topic; -1 otherwise. */
export interface ProduceResult { index: number; errorCode: number; baseOffset: number; logStartOffset: number; logAppendTime?: number }
export interface FetchResult { index: number; errorCode: number; highWatermark: number; logStartOffset: number; records: Buffer | null }


/**
 * The broker side of the local server's topics: one node that leads every partition. Produce
 * appends to the engine's topics (so running queries see the records), Fetch reads them back as
 * record batches, and idempotent producers are deduplicated by (producer id, epoch, sequence).
 */
export class Broker {
  /**
   * Producer ids are never handed out twice, across restarts too (a producer from before a restart
   * may still send): they start from the clock's milliseconds. Each partition's log keeps its
   * producers' sequence state (and a --data-dir journal with it), so a batch retried across a
   * restart is found to be a duplicate.
   */
  private nextProducerId = Date.now();
  /** Where transactional batches go until their transaction ends (set by the listener, which owns the groups too). */
  transactions?: TransactionCoordinator;

  constructor(
    readonly topics: TopicStore,
    /** Called after records were appended: runs the queries (and flushes the journal). */
    private readonly afterWrite: () => void,
    /** Kafka's num.partitions: partitions of a topic created on first use. */
    readonly defaultPartitions = 1,
  ) {}

  initProducerId(): { producerId: number; epoch: number } {
    return { producerId: this.nextProducerId++, epoch: 0 };
  }

  /** Creates a topic; the error code (and message) a CreateTopics request answers with. */
  createTopic(name: string, partitions: number, replication: number, validateOnly: boolean, configs: { name: string; value: string | null }[] = []): { code: number; message: string | null } {
    const illegal = topicNameProblem(name);
    if (illegal) return { code: ERR.INVALID_TOPIC, message: illegal };
    if (this.topics.has(name)) return { code: ERR.TOPIC_ALREADY_EXISTS, message: `Topic '${name}' already exists.` };
    // '.' and '_' become the same character in metric names, so Kafka refuses names that differ only there
    const clash = this.topics.clashOf(name);
    if (clash) return { code: ERR.INVALID_TOPIC, message: `Topic '${name}' collides with existing topic: ${clash}` };
    const n = partitions === -1 ? this.defaultPartitions : partitions;
    if (n < 1) return { code: ERR.INVALID_PARTITIONS, message: 'Number of partitions must be larger than 0.' };
    if (n > MAX_TOPIC_PARTITIONS) return { code: ERR.INVALID_PARTITIONS, message: `Number of partitions ${n} is more than this one-node cluster holds (${MAX_TOPIC_PARTITIONS}).` };
    const r = replication === -1 ? 1 : replication;
    if (r !== 1) return { code: ERR.INVALID_REPLICATION_FACTOR, message: `Replication factor: ${r} larger than available brokers: 1.` };
    // every config is checked as a broker checks it; the logs act on cleanup.policy, retention.bytes
    // and max.message.bytes, and all set ones are kept for DescribeConfigs
    const config: { cleanupPolicy?: string; retentionBytes?: number; overrides: Record<string, string> } = { overrides: {} };
    for (const c of configs) {
      const problem = topicConfigProblem(c.name, c.value);
      if (problem) return { code: ERR.INVALID_CONFIG, message: problem };
      const value = (c.value ?? '').trim();
      config.overrides[c.name] = value;
      if (c.name === 'cleanup.policy') config.cleanupPolicy = value.split(',').map((x) => x.trim()).filter(Boolean).join(',');
      else if (c.name === 'retention.bytes') config.retentionBytes = Number(value);
    }
    if (!validateOnly) {
      try { this.topics.create(name, { partitions: n, replicas: 1, ...config }); } catch (e) { return storageError(e); }
    }
    return { code: ERR.NONE, message: null };
  }

  /** CreatePartitions of one topic: it grows to `count` partitions, as a broker adds them. */
  /** CreatePartitions of one topic; `assignments`: the new partitions' replicas, checked as Kafka's controller checks them (`node`: this broker's id). */
  addPartitions(name: string, count: number, validateOnly: boolean, assignments: number[][] | null = null, node = 1): { code: number; message: string | null } {
    const topic = this.topics.get(name);
    if (!topic) return { code: ERR.UNKNOWN_TOPIC_OR_PARTITION, message: 'This server does not host this topic-partition.' };
    if (isInternalTopic(name)) return { code: ERR.INVALID_REQUEST, message: `Cannot increase the number of partitions of the internal topic ${name}` };
    const now = topic.partitions.length;
    if (count === now) return { code: ERR.INVALID_PARTITIONS, message: `Topic already has ${now} partitions.` };
    if (count < now) return { code: ERR.INVALID_PARTITIONS, message: `Topic currently has ${now} partitions, which is higher than the requested ${count}.` };
    if (count > MAX_TOPIC_PARTITIONS) return { code: ERR.INVALID_PARTITIONS, message: `${count} partitions is more than this process holds (${MAX_TOPIC_PARTITIONS})` };
    const refused = assignments ? newPartitionsProblem(assignments, count - now, topic.config.replicas, node) : undefined;
    if (refused) return { code: ERR.INVALID_REPLICA_ASSIGNMENT, message: refused };
    if (!validateOnly) {
      try { this.topics.grow(name, count); } catch (e) { return storageError(e); }
    }
    return { code: ERR.NONE, message: null };
  }

  deleteTopic(name: string): number {
    if (!this.topics.has(name)) return ERR.UNKNOWN_TOPIC_OR_PARTITION;
    // the broker's own topics (committed offsets) are not the clients' to delete
    if (isInternalTopic(name)) return ERR.INVALID_TOPIC;
    try { this.topics.delete(name); } catch (e) { return storageError(e).code; }
    return ERR.NONE;
  }

  /** The topic, created with the default partition count when auto-creation applies. */
  topicFor(name: string, autoCreate: boolean) {
    // (a name that collides with an existing topic's is not created, as Kafka's auto-creation refuses it)
    if (!this.topics.has(name) && autoCreate && isLegalTopicName(name) && !this.topics.clashOf(name)) this.topics.create(name, { partitions: this.defaultPartitions, replicas: 1 });
    return this.topics.get(name);
  }

  /** Appends one partition's record batches; offsets are assigned here, as a broker assigns them. */
  /** `receivedBytes`: the size the client sent, when `data` was converted from it (a message set of Produce v0 to v2). */
  produce(topicName: string, index: number, data: Buffer | null, budget: DecompressionBudget = decompressionBudget(), acks = 1, receivedBytes?: number): ProduceResult {
    // clients may not append to the broker's internal topics (Kafka: "Cannot append to internal topic")
    if (isInternalTopic(topicName)) return { index, errorCode: ERR.INVALID_TOPIC, baseOffset: -1, logStartOffset: -1 };
    // topics are created by Metadata (auto.create.topics.enable) or CreateTopics, never by a Produce
    const topic = this.topics.get(topicName);
    const log = topic?.partitions[index];
    if (!topic || !log) return { index, errorCode: ERR.UNKNOWN_TOPIC_OR_PARTITION, baseOffset: -1, logStartOffset: -1 };
    // acks=all needs min.insync.replicas in sync: this one-node cluster has one
    const overrides = topic.config.overrides ?? {};
    if (acks === -1 && Number(overrides['min.insync.replicas'] ?? 1) > 1) return { index, errorCode: ERR.NOT_ENOUGH_REPLICAS, baseOffset: -1, logStartOffset: log.start };
    let batches;
    // a LogAppendTime topic replaces every record's time with its own: any time the producer sent is fine
    try { batches = readBatches(data ?? Buffer.alloc(0), budget, { anyTimestamp: topic.logAppendTime, timeRange: timeRange(overrides) }); } catch (e) {
      if (e instanceof BatchError) return { index, errorCode: e.code, baseOffset: -1, logStartOffset: log.start };
      throw e;
    }
    // Produce v3 and later carry exactly one record batch per partition (Kafka: "Produce requests with
    // version 3 are only allowed to contain exactly one record batch")
    if (batches.length !== 1) return { index, errorCode: ERR.INVALID_RECORD, baseOffset: -1, logStartOffset: log.start };
    // control batches (transaction markers) are the broker's own (Kafka: "Clients are not allowed to
    // write control records"); a client's batch holds records, as many as its offset range says
    // (Kafka's "Invalid reported count for record batch", "Inconsistent batch offset range")
    if (batches.some((b) => b.control || b.count <= 0 || b.lastOffsetDelta + 1 !== b.count)) return { index, errorCode: ERR.INVALID_RECORD, baseOffset: -1, logStartOffset: log.start };
    // a batch over the topic's max.message.bytes is refused whole, as a broker refuses it
    const maxBytes = Number(topic.config.overrides?.['max.message.bytes'] ?? TOPIC_CONFIGS['max.message.bytes']!.default);
    if (batches.some((b) => (receivedBytes ?? b.size) > maxBytes)) return { index, errorCode: ERR.MESSAGE_TOO_LARGE, baseOffset: -1, logStartOffset: log.start };
    // a compacted topic keeps the latest record of each key: one without a key is refused (Kafka's
    // "Compacted topic cannot accept message without key")
    if ((topic.config.cleanupPolicy ?? '').split(',').includes('compact') && batches.some((b) => b.nullKey)) {
      return { index, errorCode: ERR.INVALID_RECORD, baseOffset: -1, logStartOffset: log.start };
    }
    let baseOffset = -1, held = false;
    const appendTime = Date.now();
    for (const b of batches) {
      // a transactional batch belongs to its producer's ongoing transaction, with this partition added to it
      if (b.transactional) {
        const code = this.transactions?.canHold(b.producerId, b.producerEpoch, topicName, index) ?? TXERR.INVALID_TXN_STATE;
        if (code !== TXERR.NONE) return { index, errorCode: code, baseOffset: -1, logStartOffset: log.start };
        held = true;
      } else if (b.producerId >= 0 && this.transactions?.inTransactionOn(b.producerId, topicName, index)) {
        // a plain batch between the records of its producer's open transaction
        return { index, errorCode: TXERR.INVALID_TXN_STATE, baseOffset: -1, logStartOffset: log.start };
      }
      const st = b.producerId >= 0 ? log.producers.get(b.producerId) : undefined;
      if (st && b.producerEpoch < st.epoch) return { index, errorCode: ERR.INVALID_PRODUCER_EPOCH, baseOffset: -1, logStartOffset: log.start };
      // a producer's new epoch starts its sequences again at 0, as Kafka requires
      if (st && b.producerEpoch > st.epoch && b.baseSequence !== 0) return { index, errorCode: ERR.OUT_OF_ORDER_SEQUENCE, baseOffset: -1, logStartOffset: log.start };
      // sequences are int32s that wrap: after 2^31 - 1 comes 0, as Kafka's producer state has it
      if (st && b.producerEpoch === st.epoch && b.baseSequence !== nextSequence(st.lastSequence)) {
        // a retried batch that is already in the log: success with the offset that batch got then;
        // a duplicate is the same batch: same first and last sequence, as Kafka checks it
        const dup = st.recent.find((x) => x.firstSequence === b.baseSequence && x.lastSequence === lastSequenceOf(b.baseSequence, b.count));
        if (dup) { if (baseOffset < 0) baseOffset = dup.baseOffset; continue; }
        // anything else, behind or ahead, is out of order, as Kafka 3's producer state answers it (it no
        // longer answers DUPLICATE_SEQUENCE_NUMBER, which a Java producer would take for success)
        return { index, errorCode: ERR.OUT_OF_ORDER_SEQUENCE, baseOffset: -1, logStartOffset: log.start };
      }
      if (b.count === 0) continue;
      // (a transaction's batches wait outside the log, in memory of their own)
      const memory = b.transactional ? ownMemory(b.body.length) : this.topics.memoryFor(topicName, index, b.body.length);
      const pending = producedBatch(b, appendTime, topic.logAppendTime, memory, overrides['compression.type']);
      // held until the transaction ends: its offsets are given when it commits
      let first = -1;
      const producer = b.producerId >= 0 ? { id: b.producerId, epoch: b.producerEpoch, firstSequence: b.baseSequence, lastSequence: lastSequenceOf(b.baseSequence, b.count) } : undefined;
      if (b.transactional) {
        this.transactions!.hold(b.producerId, topicName, index, pending);
        if (producer) log.noteProducer(producer, -1);
      } else {
        // records the data dir cannot keep are refused (or taken back), never held unkept: Kafka's
        // answer for a log directory that failed; the log notes the producer's sequences with the batch
        try { first = this.topics.appendBatch(topicName, index, pending, 'external', producer); } catch (e) {
          pending.dropped?.();
          if (isStorageFailure(e)) return { index, errorCode: ERR.KAFKA_STORAGE_ERROR, baseOffset: -1, logStartOffset: log.start };
          throw e;
        }
      }
      if (baseOffset < 0) baseOffset = first;
    }
    return { index, errorCode: ERR.NONE, baseOffset: baseOffset >= 0 ? baseOffset : held ? -1 : log.end, logStartOffset: log.start, logAppendTime: topic.logAppendTime ? appendTime : -1 };
  }

  private drainScheduled = false;

  /**
   * Runs the queries over what was just produced, once the response has gone out: the records are
   * in the log (and the journal) when a producer's ack leaves, and the queries do not hold it up.
   */
  written(): void {
    if (this.drainScheduled) return;
    this.drainScheduled = true;
    setImmediate(() => { this.drainScheduled = false; this.afterWrite(); });
  }

  /**
   * Records of one partition from `offset`, as one record batch of at most about `maxBytes`. The first
   * record goes even when larger only if `mayExceed` (KIP-74: the first partition with data in a
   * response, so a consumer can make progress past a large record).
   */
  fetch(topicName: string, index: number, offset: number, maxBytes: number, mayExceed = true): FetchResult {
    const topic = this.topics.get(topicName);
    const log = topic?.partitions[index];
    if (!log) return { index, errorCode: ERR.UNKNOWN_TOPIC_OR_PARTITION, highWatermark: -1, logStartOffset: -1, records: null };
    if (offset < log.start || offset > log.end) return { index, errorCode: ERR.OFFSET_OUT_OF_RANGE, highWatermark: log.end, logStartOffset: log.start, records: null };
    // the batches: a producer's compressed batch as it came (as a broker's log sends it), other records
    // written as batches of their own
    const parts: Buffer[] = [];
    let records: WireRecord[] = [];
    let bytes = 0;
    const flush = () => { if (records.length) parts.push(topic!.logAppendTime ? encodeLogAppendTimeBatches(records) : encodeBatch(records)); records = []; };
    for (let o = offset; o < log.end;) {
      const kept = log.wireBatch(o);
      if (kept) {
        if ((parts.length || records.length || !mayExceed) && bytes + kept.bytes.length > maxBytes) break;
        flush();
        const batch = Buffer.from(kept.bytes);
        // its offsets are the log's, its leader epoch this broker's (neither is under the CRC)
        batch.writeBigInt64BE(BigInt(kept.base), 0);
        batch.writeInt32BE(0, 12);
        parts.push(batch);
        bytes += batch.length;
        o = kept.base + kept.count;
        continue;
      }
      const r = log.get(o)!;
      const size = 20 + (r.key?.length ?? 0) + (r.value?.length ?? 0);
      if ((parts.length || records.length || !mayExceed) && bytes + size > maxBytes) break;
      records.push({ offset: r.offset, timestamp: r.timestamp, key: r.key, value: r.value, headers: r.headers });
      bytes += size;
      o++;
    }
    flush();
    return { index, errorCode: ERR.NONE, highWatermark: log.end, logStartOffset: log.start, records: !parts.length ? null : parts.length === 1 ? parts[0]! : Buffer.concat(parts) };
  }

  /** ListOffsets: -1 the end, -2 the start, otherwise the first offset with a time at or after it. */
  offsetFor(topicName: string, index: number, timestamp: number): { errorCode: number; offset: number; timestamp: number } {
    const log = this.topics.get(topicName)?.partitions[index];
    if (!log) return { errorCode: ERR.UNKNOWN_TOPIC_OR_PARTITION, offset: -1, timestamp: -1 };
    if (timestamp === -1) return { errorCode: ERR.NONE, offset: log.end, timestamp: -1 };
    if (timestamp === -2) return { errorCode: ERR.NONE, offset: log.start, timestamp: -1 };
    for (let o = log.start; o < log.end; o++) {
      const r = log.get(o)!;
      if (r.timestamp >= timestamp) return { errorCode: ERR.NONE, offset: o, timestamp: r.timestamp };
    }
    // no record at or after that time: Kafka answers -1 (offsetsForTimes then gives null)
    return { errorCode: ERR.NONE, offset: -1, timestamp: -1 };
  }
}

/**
 * What is wrong with CreatePartitions' replica assignments, in the words of Kafka's controller: one
 * for each partition added, none empty, only this broker, none twice, as many replicas as the topic's.
 */
function newPartitionsProblem(assignments: number[][], added: number, replicas: number, node: number): string | undefined {
  if (assignments.length !== added) return `Attempted to add ${added} additional partition(s), but only ${assignments.length} assignment(s) were specified.`;
  for (const brokers of assignments) {
    if (brokers.length === 0) return 'The manual partition assignment includes an empty replica list.';
    const sorted = [...brokers].sort((a, b) => a - b);
    for (const [i, b] of sorted.entries()) {
      if (b !== node) return `The manual partition assignment includes broker ${b}, but no such broker is registered.`;
      if (i > 0 && sorted[i - 1] === b) return `The manual partition assignment includes the broker ${b} more than once.`;
    }
    if (brokers.length !== replicas) return `The manual partition assignment includes a partition with ${brokers.length} replica(s), but this is not consistent with previous partitions, which have ${replicas} replica(s).`;
  }
  return undefined;
}

/** A topic change the data dir could not record (it takes no more writes): KAFKA_STORAGE_ERROR; anything else is thrown on. */
export function storageError(e: unknown): { code: number; message: string } {
  if (isStorageFailure(e)) return { code: ERR.KAFKA_STORAGE_ERROR, message: e.message };
  throw e;
}
