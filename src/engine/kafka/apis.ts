import type { Reader } from './wire.js';
import { Writer } from './wire.js';
import { ERR, storageError, type Broker, type ProduceResult } from './broker.js';
import { isInternalTopic, isLegalTopicName, topicNameProblem } from '../storage/topics.js';
import { GERR, type GroupCoordinator } from './groups.js';
import type { TransactionCoordinator } from './transactions.js';
import { BatchError, decompressionBudget, legacyMessageSet, type DecompressionBudget } from './record-batch.js';
import { BROKER_CONFIGS, STATIC_BROKER_DEFAULTS, TOPIC_CONFIGS, TOPIC_SYNONYMS, topicConfigProblem } from './topic-configs.js';

/** What a request handler knows about the listener and the connection. */
export interface ApiContext {
  broker: Broker;
  groups: GroupCoordinator;
  transactions: TransactionCoordinator;
  clusterId: string;
  /** The host Metadata names for this broker: the listener's, or the address the client reached when it listens on all. */
  host: string;
  port: number;
  clientId: string;
  /** The client's address (DescribeGroups' ClientHost). */
  clientHost: string;
  /** Resolves after new records arrive or `ms` pass (a Fetch's max wait). */
  waitForData(ms: number): Promise<void>;
  /** SASL/PLAIN: the connection's state, and the check of a username and password (absent: no SASL). */
  sasl: { mechanism?: string; authenticated: boolean; check?: (user: string, password: string) => boolean; rawTokenNext?: boolean };
  /** Set by a handler: the connection is closed once its answer (if any) is written, as a broker closes it. */
  closeAfter?: boolean;
}

/** A handler returns the response body, or null when the request gets no response (acks = 0). */
type Handler = (v: number, r: Reader, ctx: ApiContext) => Writer | null | Promise<Writer | null>;

/** `flexible`: the first version with flexible encoding (request header v2, and response header v1 but for ApiVersions). */
export interface Api { key: number; name: string; min: number; max: number; flexible?: number; handle: Handler }

const NODE = 1;
const throttle = (w: Writer, v: number, from: number) => { if (v >= from) w.int32(0); };

const apiVersions: Handler = (v, r) => {
  if (v >= 3) {
    // the first flexible version: compact arrays and tagged fields (the response header stays v0)
    r.compactString(); r.compactString(); r.tags(); // client software name and version
    const w = new Writer().int16(0).uvarint(APIS.length + 1);
    for (const a of APIS) w.int16(a.key).int16(a.min).int16(a.max).tags();
    return w.int32(0).tags();
  }
  const w = new Writer().int16(0).array(APIS, (x, a) => x.int16(a.key).int16(a.min).int16(a.max));
  throttle(w, v, 1);
  return w;
};

const metadata: Handler = (v, r, ctx) => {
  const requested = readNullableArray(r, (x) => x.string());
  const autoCreate = v >= 4 ? r.bool() : true;
  const w = new Writer();
  throttle(w, v, 3);
  w.array([0], (x) => { x.int32(NODE).string(ctx.host).int32(ctx.port); if (v >= 1) x.nullableString(null); });
  if (v >= 2) w.nullableString(ctx.clusterId);
  if (v >= 1) w.int32(NODE);
  const names = requested ?? ctx.broker.topics.list().map((t) => t.name);
  w.array(names, (x, name) => {
    const t = ctx.broker.topicFor(name, requested !== null && autoCreate);
    // a name no topic can have, or one colliding with an existing topic's, is INVALID_TOPIC_EXCEPTION, which clients do not retry
    x.int16(t ? ERR.NONE : isLegalTopicName(name) && !ctx.broker.topics.clashOf(name) ? ERR.UNKNOWN_TOPIC_OR_PARTITION : ERR.INVALID_TOPIC).string(name);
    if (v >= 1) x.bool(isInternalTopic(name));
    x.array(t ? t.partitions.map((_p, i) => i) : [], (y, i) => {
      y.int16(ERR.NONE).int32(i).int32(NODE);
      if (v >= 7) y.int32(0);
      y.array([NODE], (z, n) => z.int32(n)).array([NODE], (z, n) => z.int32(n));
      if (v >= 5) y.array([], () => undefined);
    });
    if (v >= 8) x.int32(-2147483648);
  });
  if (v >= 8) w.int32(-2147483648);
  return w;
};

function readNullableArray<T>(r: Reader, item: (r: Reader) => T): T[] | null {
  const n = r.int32();
  if (n < 0) return null;
  const out: T[] = [];
  for (let i = 0; i < n; i++) out.push(item(r));
  return out;
}

const produce: Handler = (v, r, ctx) => {
  if (v >= 3) r.nullableString(); // transactional id
  const acks = r.int16();
  r.int32(); // timeout
  const topics = r.array((x) => ({ name: x.string(), partitions: x.array((y) => ({ index: y.int32(), records: y.bytes() })) }));
  if (![0, 1, -1].includes(acks)) {
    return encodeProduce(v, topics.map((t) => ({ name: t.name, results: t.partitions.map((p) => ({ index: p.index, errorCode: ERR.INVALID_REQUIRED_ACKS, baseOffset: -1, logStartOffset: -1 })) })));
  }
  // the request's compressed batches share one limit on what they decompress to
  const budget = decompressionBudget();
  const results = topics.map((t) => ({ name: t.name, results: t.partitions.map((p) => produceTo(ctx, t.name, p.index, p.records, budget, acks, v)) }));
  ctx.broker.written();
  if (acks !== 0) return encodeProduce(v, results);
  // with acks=0 the client hears nothing back: a broker closes the connection when the answer it
  // does not send would carry an error (unknown partition, too large...), the producer's one signal
  if (results.some((t) => t.results.some((p) => p.errorCode !== ERR.NONE))) ctx.closeAfter = true;
  return null;
};

/** One partition's data of a Produce: before v3 a message set (magic 0 or 1), taken as the record batch it converts to. */
function produceTo(ctx: ApiContext, topic: string, index: number, records: Buffer | null, budget: DecompressionBudget, acks: number, v: number): ProduceResult {
  if (v >= 3 || records === null) return ctx.broker.produce(topic, index, records, budget, acks);
  let batch: Buffer;
  try { batch = legacyMessageSet(records, budget); } catch (e) {
    if (!(e instanceof BatchError)) throw e;
    const log = ctx.broker.topics.get(topic)?.partitions[index];
    return { index, errorCode: log ? e.code : ERR.UNKNOWN_TOPIC_OR_PARTITION, baseOffset: -1, logStartOffset: log?.start ?? -1 };
  }
  // (a compressed message set is held to max.message.bytes at the size it came in, not as converted)
  return ctx.broker.produce(topic, index, batch, decompressionBudget(), acks, records.length);
}

function encodeProduce(v: number, topics: { name: string; results: ProduceResult[] }[]): Writer {
  const w = new Writer().array(topics, (x, t) => x.string(t.name).array(t.results, (y, p) => {
    y.int32(p.index).int16(p.errorCode).int64(p.baseOffset);
    if (v >= 2) y.int64(p.logAppendTime ?? -1);
    if (v >= 5) y.int64(p.logStartOffset);
  }));
  throttle(w, v, 1);
  return w;
}

const fetch: Handler = async (v, r, ctx) => {
  r.int32(); // replica id
  const maxWait = r.int32(), minBytes = r.int32();
  const maxBytes = v >= 3 ? r.int32() : 0x7fffffff;
  if (v >= 4) r.int8();
  if (v >= 7) { r.int32(); r.int32(); }
  const topics = r.array((x) => ({
    name: x.string(),
    partitions: x.array((y) => {
      const index = y.int32();
      if (v >= 9) y.int32();
      const offset = y.long();
      if (v >= 5) y.long();
      return { index, offset, max: y.int32() };
    }),
  }));
  if (v >= 7) r.array((x) => { x.string(); x.array((y) => y.int32()); });
  if (v >= 11) r.string();
  const read = () => {
    let budget = maxBytes, total = 0;
    let failed = false;
    const res = topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => {
      // only the first partition with records may go past the limits (KIP-74); the others keep to them
      const f = ctx.broker.fetch(t.name, p.index, p.offset, Math.max(0, Math.min(p.max, budget)), total === 0);
      const n = f.records?.length ?? 0;
      budget -= n; total += n;
      if (f.errorCode !== 0) failed = true;
      return f;
    }) }));
    return { res, total, failed };
  };
  let out = read();
  const deadline = Date.now() + maxWait;
  // a fetch waits until it has min bytes (so min bytes 0 answers at once) or its max wait is over;
  // a partition with an error (out of range, unknown) answers at once, as a broker does
  while (out.total < minBytes && !out.failed && Date.now() < deadline) {
    await ctx.waitForData(deadline - Date.now());
    out = read();
  }
  const w = new Writer();
  throttle(w, v, 1);
  if (v >= 7) w.int16(ERR.NONE).int32(0);
  w.array(out.res, (x, t) => x.string(t.name).array(t.partitions, (y, p) => {
    y.int32(p.index).int16(p.errorCode).int64(p.highWatermark);
    if (v >= 4) y.int64(p.highWatermark);
    if (v >= 5) y.int64(p.logStartOffset);
    if (v >= 4) y.int32(-1); // no aborted transactions (null array)
    if (v >= 11) y.int32(-1);
    y.bytes(p.records ?? Buffer.alloc(0)); // librdkafka wants an empty record set, not a null one
  }));
  return w;
};

const listOffsets: Handler = (v, r, ctx) => {
  r.int32();
  if (v >= 2) r.int8();
  const topics = r.array((x) => ({ name: x.string(), partitions: x.array((y) => { const index = y.int32(); if (v >= 4) y.int32(); return { index, timestamp: y.long() }; }) }));
  const w = new Writer();
  throttle(w, v, 2);
  w.array(topics, (x, t) => x.string(t.name).array(t.partitions, (y, p) => {
    const o = ctx.broker.offsetFor(t.name, p.index, p.timestamp);
    y.int32(p.index).int16(o.errorCode).int64(o.timestamp).int64(o.offset);
    if (v >= 4) y.int32(0);
  }));
  return w;
};

const initProducerId: Handler = (v, r, ctx) => {
  const transactionalId = r.nullableString(), timeoutMs = r.int32();
  // a transactional id keeps its producer id, with the epoch moved on; an idempotent producer gets a new one
  const p = transactionalId === null ? { errorCode: ERR.NONE, ...ctx.broker.initProducerId() } : ctx.transactions.init(transactionalId, timeoutMs);
  return new Writer().int32(0).int16(p.errorCode).int64(p.producerId).int16(p.epoch);
};

/** AddPartitionsToTxn (v0-2): the partitions a transaction writes to. */
const addPartitionsToTxn: Handler = (v, r, ctx) => {
  const id = r.string(), producerId = r.long(), epoch = r.int16();
  const topics = r.array((x) => ({ name: x.string(), partitions: x.array((y) => y.int32()) }));
  const codes = ctx.transactions.addPartitions(id, producerId, epoch, topics.flatMap((t) => t.partitions.map((partition) => ({ topic: t.name, partition }))));
  let i = 0;
  return new Writer().int32(0).array(topics, (x, t) => x.string(t.name).array(t.partitions, (y, p) => y.int32(p).int16(codes[i++]!)));
};

/** AddOffsetsToTxn (v0-2): the group whose offsets a transaction commits. */
const addOffsetsToTxn: Handler = (v, r, ctx) => {
  const id = r.string(), producerId = r.long(), epoch = r.int16(), groupId = r.string();
  return new Writer().int32(0).int16(ctx.transactions.addOffsets(id, producerId, epoch, groupId));
};

/** EndTxn (v0-2): commits or aborts the ongoing transaction. */
const endTxn: Handler = (v, r, ctx) => {
  const id = r.string(), producerId = r.long(), epoch = r.int16(), commit = r.bool();
  return new Writer().int32(0).int16(ctx.transactions.end(id, producerId, epoch, commit));
};

/** TxnOffsetCommit (v0-2): offsets a group takes when the transaction commits. */
const txnOffsetCommit: Handler = (v, r, ctx) => {
  const id = r.string(), groupId = r.string(), producerId = r.long(), epoch = r.int16();
  const topics = r.array((x) => ({
    name: x.string(),
    partitions: x.array((y) => { const index = y.int32(), offset = y.int64(); if (v >= 2) y.int32(); return { index, offset, metadata: y.nullableString() }; }),
  }));
  return new Writer().int32(0).array(topics, (x, t) => x.string(t.name).array(t.partitions, (y, p) => {
    y.int32(p.index).int16(ctx.transactions.commitOffset(id, groupId, producerId, epoch, t.name, p.index, p.offset, p.metadata));
  }));
};

const createTopics: Handler = (v, r, ctx) => {
  const topics = r.array((x) => {
    const name = x.string(), partitions = x.int32(), replication = x.int16();
    const assignment = x.array((y) => ({ partition: y.int32(), brokers: y.array((z) => z.int32()) }));
    const configs = x.array((y) => ({ name: y.string(), value: y.nullableString() }));
    // with a replica assignment the client sends -1 and -1: the assignment gives both counts
    return { name, partitions: assignment.length ? assignment.length : partitions, replication: assignment.length ? assignment[0]!.brokers.length : replication, configs,
      refused: assignment.length ? assignmentProblem(partitions, replication, assignment) : undefined };
  });
  r.int32();
  const validateOnly = v >= 1 ? r.bool() : false;
  const w = new Writer();
  throttle(w, v, 2);
  // a name given twice is refused for every entry, and neither is created (Kafka: "Duplicate topic name.")
  const seen = new Map<string, number>();
  for (const t of topics) seen.set(t.name, (seen.get(t.name) ?? 0) + 1);
  w.array(topics, (x, t) => {
    // a name Kafka refuses, or one taken, is answered first: the assignment is checked for a new topic
    const res = seen.get(t.name)! > 1 ? { code: ERR.INVALID_REQUEST, message: 'Duplicate topic name.' } : (t.refused && !topicNameProblem(t.name) && !ctx.broker.topics.has(t.name) ? t.refused : undefined) ?? ctx.broker.createTopic(t.name, t.partitions, t.replication, validateOnly, t.configs);
    x.string(t.name).int16(res.code);
    if (v >= 1) x.nullableString(res.message);
  });
  return w;
};

/**
 * Why a CreateTopics replica assignment is refused, in the words and codes of Kafka's controller:
 * counts given beside it, partitions not numbered 0, 1, 2..., an empty or repeating broker list,
 * replication factors that differ, or a broker this one-node cluster does not have.
 */
function assignmentProblem(partitions: number, replication: number, assignment: { partition: number; brokers: number[] }[]): { code: number; message: string } | undefined {
  if (partitions !== -1 || replication !== -1) return { code: ERR.INVALID_REQUEST, message: 'Both numPartitions or replicationFactor and replicasAssignments were set. Both cannot be used at the same time.' };
  const ids = assignment.map((a) => a.partition).sort((a, b) => a - b);
  if (ids.some((id, i) => id !== i)) return { code: INVALID_REPLICA_ASSIGNMENT, message: 'Partitions should be a consecutive 0-based integer sequence' };
  for (const a of assignment) {
    if (a.brokers.length === 0) return { code: INVALID_REPLICA_ASSIGNMENT, message: `Empty replica assignment for partition ${a.partition}.` };
    if (new Set(a.brokers).size !== a.brokers.length) return { code: INVALID_REPLICA_ASSIGNMENT, message: `Duplicate brokers not allowed in replica assignment: ${a.brokers.join(', ')} for partition id ${a.partition}.` };
  }
  const factor = assignment[0]!.brokers.length;
  const others = assignment.filter((a) => a.brokers.length !== factor);
  if (others.length) return { code: INVALID_REPLICA_ASSIGNMENT, message: `Inconsistent replication factor between partitions, partition 0 has ${factor} while partitions [${others.map((a) => a.partition).join(', ')}] have replication factors [${others.map((a) => a.brokers.length).join(', ')}], respectively.` };
  const unknown = assignment.flatMap((a) => a.brokers).find((b) => b !== NODE);
  if (unknown !== undefined) return { code: INVALID_REPLICA_ASSIGNMENT, message: `The manual partition assignment includes broker ${unknown}, but no such broker is registered.` };
  return undefined;
}
const INVALID_REPLICA_ASSIGNMENT = 39;

/** CreatePartitions (v0-1): each topic grows to the count asked; the one broker holds every replica. */
const createPartitions: Handler = (v, r, ctx) => {
  const topics = r.array((x) => ({ name: x.string(), count: x.int32(), assignments: readNullableArray(x, (y) => y.array((z) => z.int32())) }));
  r.int32();
  const validateOnly = r.bool();
  const w = new Writer();
  throttle(w, v, 0);
  return w.array(topics, (x, t) => {
    const res = ctx.broker.addPartitions(t.name, t.count, validateOnly, t.assignments, NODE);
    x.string(t.name).int16(res.code).nullableString(res.message);
  });
};

const deleteTopics: Handler = (v, r, ctx) => {
  const names = r.array((x) => x.string());
  r.int32();
  const w = new Writer();
  throttle(w, v, 1);
  return w.array(names, (x, n) => x.string(n).int16(ctx.broker.deleteTopic(n)));
};

const describeConfigs: Handler = (v, r, ctx) => {
  const resources = r.array((x) => ({ type: x.int8(), name: x.string(), keys: readNullableArray(x, (y) => y.string()) }));
  const includeSynonyms = v >= 1 ? r.bool() : false;
  const w = new Writer().int32(0);
  return w.array(resources, (x, res) => {
    // topics (2) and the broker (4) have configs: a topic's are Kafka's topic configs, those set
    // when it was created (source TOPIC_CONFIG, 1) and the others at their defaults (DEFAULT_CONFIG, 5)
    const topic = res.type === 2 ? ctx.broker.topics.get(res.name) : undefined;
    const set: Record<string, string> = { ...topic?.config.overrides };
    if (topic?.config.cleanupPolicy) set['cleanup.policy'] ??= topic.config.cleanupPolicy;
    // the server's --log-retention-bytes is the broker's log.retention.bytes: a static broker config (4)
    const fromBroker: Record<string, string> = {};
    if (topic && set['retention.bytes'] === undefined && (topic.config.retentionBytes ?? -1) !== -1) fromBroker['retention.bytes'] = String(topic.config.retentionBytes);
    type Entry = { name: string; value: string; source: number };
    const configs: Entry[] = res.type === 2
      ? Object.entries(TOPIC_CONFIGS).map(([name, d]) => ({ name, value: set[name] ?? fromBroker[name] ?? d.default, source: set[name] !== undefined ? 1 : fromBroker[name] !== undefined ? 4 : 5 }))
      : [{ name: 'num.partitions', value: String(ctx.broker.defaultPartitions), source: 4 }, { name: 'auto.create.topics.enable', value: 'true', source: 5 },
        // the broker configs the topics' defaults come from: --log-retention-bytes is static (4), the rest Kafka's defaults (5)
        { name: 'log.retention.bytes', value: String(ctx.broker.topics.defaultRetentionBytes), source: ctx.broker.topics.defaultRetentionBytes === -1 ? 5 : 4 },
        { name: 'message.max.bytes', value: TOPIC_CONFIGS['max.message.bytes']!.default, source: 5 },
        { name: 'log.retention.ms', value: TOPIC_CONFIGS['retention.ms']!.default, source: 5 },
        { name: 'log.cleanup.policy', value: TOPIC_CONFIGS['cleanup.policy']!.default, source: 5 },
        { name: 'broker.id', value: String(NODE), source: 4 },
        ...Object.entries(BROKER_CONFIGS).map(([name, c]) => ({ name, value: c.value, source: c.static ? 4 : 5 }))];
    // a topic that exists, this broker (its id, or '' for the cluster's defaults); anything else is refused as Kafka refuses it
    const problem = res.type === 2 ? (topic ? undefined : { code: ERR.UNKNOWN_TOPIC_OR_PARTITION, message: `Topic ${res.name} does not exist` })
      : res.type === 4 ? (res.name === '' || res.name === String(NODE) ? undefined : { code: ERR.INVALID_REQUEST, message: `Unexpected broker id, expected ${NODE} or empty string, but received ${res.name}` })
        : { code: ERR.INVALID_REQUEST, message: `Unsupported resource type ${res.type}` };
    const shown = configs.filter((c) => !res.keys || res.keys.includes(c.name));
    x.int16(problem?.code ?? ERR.NONE).nullableString(problem?.message ?? null).int8(res.type).string(res.name);
    // (asked for, each entry's synonyms in the order Kafka applies them: the topic's own setting, the
    // broker's static one, the broker's default; a broker config set statically, then its default)
    const synonyms = (c: Entry): Entry[] => {
      if (!includeSynonyms) return [];
      if (res.type === 4) return [c, ...(c.source === 4 && STATIC_BROKER_DEFAULTS[c.name] !== undefined ? [{ name: c.name, value: STATIC_BROKER_DEFAULTS[c.name]!, source: 5 }] : [])];
      const b = TOPIC_SYNONYMS[c.name];
      return [...(set[c.name] !== undefined ? [{ name: c.name, value: set[c.name]!, source: 1 }] : []), ...(b && fromBroker[c.name] !== undefined ? [{ name: b.broker, value: fromBroker[c.name]!, source: 4 }] : []),
        ...(b ? [{ name: b.defaultName ?? b.broker, value: b.defaultValue ?? TOPIC_CONFIGS[c.name]!.default, source: 5 }] : [])];
    };
    x.array(problem ? [] : shown, (y, c) => {
      // (a broker's configs are read-only here: AlterConfigs of the broker is refused)
      y.string(c.name).nullableString(c.value).bool(res.type === 4);
      if (v === 0) y.bool(c.source === 5); else y.int8(c.source);
      y.bool(false);
      if (v >= 1) y.array(synonyms(c), (z, s) => { z.string(s.name).nullableString(s.value).int8(s.source); });
    });
  });
};

/**
 * AlterConfigs (v0-1): a topic's overrides become those given, as Kafka replaces them (the others go
 * back to their defaults); each is checked as CreateTopics checks it. Brokers have no dynamic configs here.
 */
const alterConfigs: Handler = (v, r, ctx) => {
  const resources = r.array((x) => ({ type: x.int8(), name: x.string(), configs: x.array((y) => ({ name: y.string(), value: y.nullableString() })) }));
  const validateOnly = r.bool();
  const w = new Writer().int32(0);
  return w.array(resources, (x, res) => {
    let code: number = ERR.NONE, message: string | null = null;
    const topic = res.type === 2 ? ctx.broker.topics.get(res.name) : undefined;
    if (res.type === 4) { code = ERR.INVALID_REQUEST; message = 'This one-node local broker has no dynamic broker configs'; }
    else if (res.type !== 2) { code = ERR.INVALID_REQUEST; message = `Unsupported resource type ${res.type}`; }
    else if (!topic) { code = ERR.UNKNOWN_TOPIC_OR_PARTITION; message = `Topic ${res.name} does not exist`; }
    // the broker's own topics keep every record (a retention would drop committed offsets)
    else if (isInternalTopic(res.name)) { code = ERR.INVALID_REQUEST; message = `${res.name} is the broker's internal topic: its configs are not altered here`; }
    else {
      for (const c of res.configs) {
        const problem = c.value === null ? `Null value not supported for topic configs: ${c.name}` : topicConfigProblem(c.name, c.value);
        if (problem) { code = ERR.INVALID_CONFIG; message = problem; break; }
      }
      if (code === ERR.NONE && !validateOnly) {
        try { ctx.broker.topics.reconfigure(res.name, Object.fromEntries(res.configs.map((c) => [c.name, c.value!.trim()]))); } catch (e) { ({ code, message } = storageError(e)); }
      }
    }
    x.int16(code).nullableString(message).int8(res.type).string(res.name);
  });
};

/** DeleteRecords (v0-1): a partition's records before an offset go (-1: all of them); the answer is its new log start. */
const deleteRecords: Handler = (v, r, ctx) => {
  const topics = r.array((x) => ({ name: x.string(), partitions: x.array((y) => ({ index: y.int32(), offset: y.long() })) }));
  r.int32(); // timeout
  const w = new Writer().int32(0);
  return w.array(topics, (x, t) => x.string(t.name).array(t.partitions, (y, p) => {
    const log = ctx.broker.topics.get(t.name)?.partitions[p.index];
    let code: number = ERR.NONE;
    // the broker's own topics are not the clients' to trim (Kafka: INVALID_TOPIC_EXCEPTION)
    if (!log) code = ERR.UNKNOWN_TOPIC_OR_PARTITION;
    else if (isInternalTopic(t.name)) code = ERR.INVALID_TOPIC;
    else if (p.offset < -1 || p.offset > log.end) code = ERR.OFFSET_OUT_OF_RANGE;
    else {
      try { ctx.broker.topics.deleteRecords(t.name, p.index, p.offset === -1 ? log.end : p.offset); } catch (e) { code = storageError(e).code; }
    }
    y.int32(p.index).int64(code === ERR.NONE ? log!.start : -1).int16(code);
  }));
};

/** The ACL APIs: a broker without an authorizer answers SECURITY_DISABLED, as Kafka's does. */
const SECURITY_DISABLED = 54, NO_AUTHORIZER = 'No Authorizer is configured on the broker';
const describeAcls: Handler = (v, r) => {
  r.int8(); r.nullableString(); if (v >= 1) r.int8(); r.nullableString(); r.nullableString(); r.int8(); r.int8();
  return new Writer().int32(0).int16(SECURITY_DISABLED).nullableString(NO_AUTHORIZER).array([], () => undefined);
};
const createAcls: Handler = (v, r) => {
  const n = r.array((x) => { x.int8(); x.string(); if (v >= 1) x.int8(); x.string(); x.string(); x.int8(); x.int8(); return 0; }).length;
  return new Writer().int32(0).array(Array.from({ length: n }), (x) => x.int16(SECURITY_DISABLED).nullableString(NO_AUTHORIZER));
};
const deleteAcls: Handler = (v, r) => {
  const n = r.array((x) => { x.int8(); x.nullableString(); if (v >= 1) x.int8(); x.nullableString(); x.nullableString(); x.int8(); x.int8(); return 0; }).length;
  return new Writer().int32(0).array(Array.from({ length: n }), (x) => x.int16(SECURITY_DISABLED).nullableString(NO_AUTHORIZER).array([], () => undefined));
};

/** DescribeCluster (flexible from v0): this one broker, as AdminClient.describeCluster asks for it. */
const describeCluster: Handler = (v, r, ctx) => {
  r.bool(); // include cluster authorized operations: none are reported (-2147483648)
  if (v >= 1) r.int8(); // endpoint type: brokers
  r.tags();
  const w = new Writer().int32(0).int16(ERR.NONE).compactString(null);
  if (v >= 1) w.int8(1);
  w.compactString(ctx.clusterId).int32(NODE);
  w.compactArray([NODE], (x, id) => { x.int32(id).compactString(ctx.host).int32(ctx.port).compactString(null).tags(); });
  return w.int32(-2147483648).tags();
};

const findCoordinator: Handler = (v, r, ctx) => {
  r.string();
  if (v >= 1) r.int8();
  const w = new Writer();
  throttle(w, v, 1);
  w.int16(ERR.NONE);
  if (v >= 1) w.nullableString(null);
  return w.int32(NODE).string(ctx.host).int32(ctx.port);
};

const joinGroup: Handler = async (v, r, ctx) => {
  const groupId = r.string(), sessionTimeoutMs = r.int32();
  const rebalanceTimeoutMs = v >= 1 ? r.int32() : sessionTimeoutMs;
  const memberId = r.string();
  const instanceId = v >= 5 ? r.nullableString() : null;
  const protocolType = r.string();
  const protocols = r.array((x) => ({ name: x.string(), metadata: x.bytes() ?? Buffer.alloc(0) }));
  const res = await ctx.groups.join({ groupId, memberId, clientId: ctx.clientId, sessionTimeoutMs, rebalanceTimeoutMs, protocolType, protocols, requireKnownMemberId: v >= 4, instanceId, clientHost: ctx.clientHost });
  const w = new Writer();
  throttle(w, v, 2);
  w.int16(res.errorCode).int32(res.generationId).string(res.protocolName).string(res.leader).string(res.memberId);
  return w.array(res.members, (x, m) => { x.string(m.memberId); if (v >= 5) x.nullableString(m.instanceId ?? null); x.bytes(m.metadata); });
};

const syncGroup: Handler = async (v, r, ctx) => {
  const groupId = r.string(), generation = r.int32(), memberId = r.string();
  const instanceId = v >= 3 ? r.nullableString() : null;
  const assignments = r.array((x) => ({ memberId: x.string(), assignment: x.bytes() ?? Buffer.alloc(0) }));
  const res = await ctx.groups.sync(groupId, generation, memberId, assignments, instanceId);
  const w = new Writer();
  throttle(w, v, 1);
  return w.int16(res.errorCode).bytes(res.assignment);
};

const heartbeat: Handler = (v, r, ctx) => {
  const groupId = r.string(), generation = r.int32(), memberId = r.string();
  const instanceId = v >= 3 ? r.nullableString() : null;
  const w = new Writer();
  throttle(w, v, 1);
  return w.int16(ctx.groups.heartbeat(groupId, generation, memberId, instanceId));
};

const leaveGroup: Handler = (v, r, ctx) => {
  const groupId = r.string();
  const w = new Writer();
  throttle(w, v, 1);
  if (v < 3) return w.int16(ctx.groups.leave(groupId, r.string()));
  const members = r.array((x) => ({ memberId: x.string(), instance: x.nullableString() }));
  const codes = members.map((m) => ctx.groups.leave(groupId, m.memberId, m.instance));
  return w.int16(GERR.NONE).array(members, (x, m) => { const i = members.indexOf(m); x.string(m.memberId).nullableString(m.instance).int16(codes[i]!); });
};

const offsetCommit: Handler = (v, r, ctx) => {
  const groupId = r.string();
  const generation = v >= 1 ? r.int32() : -1;
  const memberId = v >= 1 ? r.string() : '';
  if (v >= 2 && v <= 4) r.int64();
  const instanceId = v >= 7 ? r.nullableString() : null;
  const topics = r.array((x) => ({
    name: x.string(),
    partitions: x.array((y) => { const index = y.int32(), offset = y.int64(); if (v >= 6) y.int32(); return { index, offset, metadata: y.nullableString() }; }),
  }));
  const w = new Writer();
  throttle(w, v, 3);
  return w.array(topics, (x, t) => x.string(t.name).array(t.partitions, (y, p) => {
    // an offset of a partition the broker does not have is refused, as Kafka's coordinator refuses it
    const known = ctx.broker.topics.get(t.name)?.partitions[p.index] !== undefined;
    y.int32(p.index).int16(known ? ctx.groups.commit(groupId, generation, memberId, t.name, p.index, p.offset, p.metadata, instanceId) : ERR.UNKNOWN_TOPIC_OR_PARTITION);
  }));
};

const offsetFetch: Handler = (v, r, ctx) => {
  const groupId = r.string();
  const asked = readNullableArray(r, (x) => ({ name: x.string(), partitions: x.array((y) => y.int32()) }));
  const topics = asked ?? [...groupBy(ctx.groups.committedPartitions(groupId))].map(([name, partitions]) => ({ name, partitions }));
  const w = new Writer();
  throttle(w, v, 3);
  w.array(topics, (x, t) => x.string(t.name).array(t.partitions, (y, p) => {
    const c = ctx.groups.committed(groupId, t.name, p);
    y.int32(p).int64(c.offset);
    if (v >= 5) y.int32(-1);
    y.nullableString(c.metadata).int16(ERR.NONE);
  }));
  if (v >= 2) w.int16(ERR.NONE);
  return w;
};

const describeGroups: Handler = (v, r, ctx) => {
  const ids = r.array((x) => x.string());
  if (v >= 3) r.bool();
  const w = new Writer();
  throttle(w, v, 1);
  return w.array(ids, (x, id) => {
    const g = ctx.groups.describe(id);
    x.int16(ERR.NONE).string(id).string(g.state).string(g.protocolType).string(g.protocol);
    x.array(g.members, (y, m) => {
      y.string(m.id);
      if (v >= 4) y.nullableString(m.instanceId ?? null);
      y.string(m.clientId).string(`/${m.clientHost ?? '127.0.0.1'}`).bytes(m.metadata).bytes(m.assignment);
    });
    if (v >= 3) x.int32(-2147483648);
  });
};

/** ListGroups: every group, with its state from v4 (only those in the states asked for, when any are). */
const listGroups: Handler = (v, r, ctx) => {
  if (v < 3) {
    const w = new Writer();
    throttle(w, v, 1);
    return w.int16(ERR.NONE).array(ctx.groups.list(), (x, g) => x.string(g.groupId).string(g.protocolType));
  }
  // flexible: compact arrays and strings, tagged fields
  const states = v >= 4 ? r.compactArray((x) => x.compactString() ?? '') : [];
  r.tags();
  const wanted = new Set(states.map((s) => s.toLowerCase()));
  const groups = ctx.groups.list().map((g) => ({ ...g, state: ctx.groups.describe(g.groupId).state })).filter((g) => !wanted.size || wanted.has(g.state.toLowerCase()));
  return new Writer().int32(0).int16(ERR.NONE).compactArray(groups, (x, g) => {
    x.compactString(g.groupId).compactString(g.protocolType);
    if (v >= 4) x.compactString(g.state);
    x.tags();
  }).tags();
};

/** DeleteGroups: a group without members goes with its committed offsets; one with members is NON_EMPTY_GROUP. */
const deleteGroups: Handler = (v, r, ctx) => {
  const ids = r.array((x) => x.string());
  const w = new Writer();
  throttle(w, v, 0);
  return w.array(ids, (x, id) => x.string(id).int16(ctx.groups.deleteGroup(id)));
};

/** OffsetDelete v0 (KIP-496): a group-level error answers with no topics, as Kafka's broker answers it. */
const offsetDelete: Handler = (_v, r, ctx) => {
  const groupId = r.string();
  const topics = r.array((x) => ({ name: x.string(), partitions: x.array((y) => y.int32()) }));
  // a topic or partition the broker does not have is UNKNOWN_TOPIC_OR_PARTITION, before the group is asked
  const exists = (topic: string, p: number) => ctx.broker.topics.get(topic)?.partitions[p] !== undefined;
  const known = topics.flatMap((t) => t.partitions.filter((p) => exists(t.name, p)).map((partition) => ({ topic: t.name, partition })));
  const result = ctx.groups.deleteOffsets(groupId, known);
  const w = new Writer().int16(result.error).int32(0);
  if (result.error !== ERR.NONE) return w.array([], (x) => x);
  let i = 0;
  return w.array(topics, (x, t) => x.string(t.name).array(t.partitions, (y, p) => y.int32(p).int16(exists(t.name, p) ? result.partitions[i++]! : ERR.UNKNOWN_TOPIC_OR_PARTITION)));
};

const saslHandshake: Handler = (v, r, ctx) => {
  const mechanism = r.string();
  // a listener without SASL answers a handshake as a broker's PLAINTEXT listener does
  if (!ctx.sasl.check) return new Writer().int16(ILLEGAL_SASL_STATE).array([], (w, m: string) => w.string(m));
  const ok = mechanism === 'PLAIN' && ctx.sasl.check !== undefined;
  if (ok) ctx.sasl.mechanism = mechanism;
  // v0: the client's next frame is the bare SASL token, not a SaslAuthenticate request
  if (ok && v === 0) ctx.sasl.rawTokenNext = true;
  return new Writer().int16(ok ? ERR.NONE : UNSUPPORTED_SASL_MECHANISM).array(['PLAIN'], (w, m) => w.string(m));
};

const UNSUPPORTED_SASL_MECHANISM = 33, ILLEGAL_SASL_STATE = 34;

/** Checks a SASL/PLAIN token ([authzid] NUL authcid NUL password) after a PLAIN handshake. */
/**
 * Checks a SASL/PLAIN token (authzid NUL username NUL password) as Kafka's PlainSaslServer does:
 * exactly three fields, a username and a password, the credentials, and an authorization id that is
 * empty or the username. Undefined when it passes, else why not (in Kafka's words).
 */
export function plainTokenProblem(sasl: ApiContext['sasl'], token: Buffer): string | undefined {
  sasl.authenticated = false;
  const fields = token.toString('utf8').split('\u0000');
  if (fields.length !== 3) return `Invalid SASL/PLAIN response: expected 3 tokens, got ${Math.min(fields.length, 4)}`;
  const [authzid, user, password] = fields as [string, string, string];
  if (user === '') return 'Authentication failed: username not specified';
  if (password === '') return 'Authentication failed: password not specified';
  if (sasl.mechanism !== 'PLAIN' || !sasl.check!(user, password)) return 'Authentication failed: Invalid username or password';
  if (authzid !== '' && authzid !== user) return 'Authentication failed: Client requested an authorization id that is different from username';
  sasl.authenticated = true;
  return undefined;
}

const saslAuthenticate: Handler = (v, r, ctx) => {
  const problem = plainTokenProblem(ctx.sasl, r.bytes() ?? Buffer.alloc(0));
  const ok = problem === undefined;
  // a failed authentication is answered, then the connection closed (KIP-152): each guess costs a connection
  if (!ok) ctx.closeAfter = true;
  const w = new Writer().int16(ok ? ERR.NONE : 58).nullableString(problem ?? null).bytes(Buffer.alloc(0));
  if (v >= 1) w.int64(0);
  return w;
};

function groupBy(list: { topic: string; partition: number }[]): Map<string, number[]> {
  const m = new Map<string, number[]>();
  for (const x of list) m.set(x.topic, [...(m.get(x.topic) ?? []), x.partition]);
  return m;
}

/**
 * The APIs and versions the listener serves: the non-flexible versions that kafkajs and librdkafka
 * speak (Fetch from the versions that carry record batches v2), and ApiVersions v3, which librdkafka
 * asks for first. Produce also takes v0 to v2 (message sets, converted): librdkafka before 2.10
 * compresses with gzip, snappy or lz4 only towards a broker that lists Produce v0.
 */
export const APIS: Api[] = [
  { key: 0, name: 'Produce', min: 0, max: 7, handle: produce },
  { key: 1, name: 'Fetch', min: 4, max: 11, handle: fetch },
  { key: 2, name: 'ListOffsets', min: 1, max: 5, handle: listOffsets },
  { key: 3, name: 'Metadata', min: 1, max: 8, handle: metadata },
  { key: 8, name: 'OffsetCommit', min: 2, max: 7, handle: offsetCommit },
  { key: 9, name: 'OffsetFetch', min: 1, max: 5, handle: offsetFetch },
  { key: 10, name: 'FindCoordinator', min: 0, max: 2, handle: findCoordinator },
  { key: 11, name: 'JoinGroup', min: 0, max: 5, handle: joinGroup },
  { key: 12, name: 'Heartbeat', min: 0, max: 3, handle: heartbeat },
  { key: 13, name: 'LeaveGroup', min: 0, max: 3, handle: leaveGroup },
  { key: 14, name: 'SyncGroup', min: 0, max: 3, handle: syncGroup },
  { key: 15, name: 'DescribeGroups', min: 0, max: 4, handle: describeGroups },
  { key: 16, name: 'ListGroups', min: 0, max: 4, flexible: 3, handle: listGroups },
  { key: 37, name: 'CreatePartitions', min: 0, max: 1, handle: createPartitions },
  { key: 42, name: 'DeleteGroups', min: 0, max: 1, handle: deleteGroups },
  { key: 47, name: 'OffsetDelete', min: 0, max: 0, handle: offsetDelete },
  { key: 17, name: 'SaslHandshake', min: 0, max: 1, handle: saslHandshake },
  { key: 18, name: 'ApiVersions', min: 0, max: 3, handle: apiVersions },
  { key: 19, name: 'CreateTopics', min: 0, max: 4, handle: createTopics },
  { key: 20, name: 'DeleteTopics', min: 0, max: 3, handle: deleteTopics },
  { key: 22, name: 'InitProducerId', min: 0, max: 1, handle: initProducerId },
  { key: 24, name: 'AddPartitionsToTxn', min: 0, max: 2, handle: addPartitionsToTxn },
  { key: 25, name: 'AddOffsetsToTxn', min: 0, max: 2, handle: addOffsetsToTxn },
  { key: 26, name: 'EndTxn', min: 0, max: 2, handle: endTxn },
  { key: 28, name: 'TxnOffsetCommit', min: 0, max: 2, handle: txnOffsetCommit },
  { key: 32, name: 'DescribeConfigs', min: 0, max: 2, handle: describeConfigs },
  { key: 33, name: 'AlterConfigs', min: 0, max: 1, handle: alterConfigs },
  { key: 21, name: 'DeleteRecords', min: 0, max: 1, handle: deleteRecords },
  { key: 29, name: 'DescribeAcls', min: 0, max: 1, handle: describeAcls },
  { key: 30, name: 'CreateAcls', min: 0, max: 1, handle: createAcls },
  { key: 31, name: 'DeleteAcls', min: 0, max: 1, handle: deleteAcls },
  { key: 60, name: 'DescribeCluster', min: 0, max: 1, flexible: 0, handle: describeCluster },
  { key: 36, name: 'SaslAuthenticate', min: 0, max: 1, handle: saslAuthenticate },
];
