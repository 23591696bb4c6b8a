import { partitionForKey } from './partitioner.js';

export interface Header { key: string; value: Buffer | null }

export interface TopicRecord {
  topic: string;
  partition: number;
  offset: number;
  key: Buffer | null;
  value: Buffer | null;
  timestamp: number;
  headers: Header[];
  /** Engine-wide append order: lets a query read several topics in the order records arrived. */
  seq: number;
}

export interface TopicConfig {
  partitions: number; replicas: number; cleanupPolicy?: string; retentionMs?: number;
  /** Kafka's retention.bytes: the oldest records of a partition are deleted beyond it; -1 keeps all. */
  retentionBytes?: number;
}

/** A record as it is appended, before the log gives it an offset. */
export interface NewRecord { key: Buffer | null; value: Buffer | null; timestamp: number; headers: Header[] }

/**
 * Records appended as one undecoded unit (a producer's record batch), as a broker's log holds
 * them: they are decoded when first read, so records nobody reads cost no objects.
 */
export interface PendingBatch {
  readonly count: number;
  /** The batch's size, for retention. */
  readonly bytes: number;
  /** The records, in offset order; only called once. */
  decode(): NewRecord[];
}

interface Pending { base: number; seq: number; batch: PendingBatch }

/**
 * One partition's log. Offsets start at `start` (the log start offset), which retention moves on;
 * records below it are gone, as they are from a broker's deleted segments.
 */
export class PartitionLog {
  start = 0;
  /** By offset - start; a slot is empty while its record is in a pending batch. */
  private records: (TopicRecord | undefined)[] = [];
  /** Batches not yet decoded, in offset order. */
  private pending: Pending[] = [];
  private bytes = 0;
  constructor(readonly topic: string, readonly partition: number, private readonly retentionBytes: number) {}

  get end(): number { return this.start + this.records.length; }
  get(offset: number): TopicRecord | undefined {
    const i = offset - this.start;
    if (i < 0 || i >= this.records.length) return undefined;
    return this.records[i] ?? this.decodePending(offset);
  }
  all(): readonly TopicRecord[] {
    while (this.pending.length) this.decode(0);
    return this.records as TopicRecord[];
  }

  push(r: TopicRecord): void {
    this.records.push(r);
    if (this.retentionBytes < 0) return;
    this.bytes += recordBytes(r);
    this.retain();
  }

  /** Appends a batch's records undecoded; `seq` is the first record's engine-wide sequence number. */
  pushBatch(batch: PendingBatch, seq: number): void {
    this.pending.push({ base: this.end, seq, batch });
    for (let i = 0; i < batch.count; i++) this.records.push(undefined);
    if (this.retentionBytes < 0) return;
    this.bytes += batch.bytes;
    this.retain();
  }

  /** Decodes the pending batch that holds `offset`. */
  private decodePending(offset: number): TopicRecord | undefined {
    let lo = 0, hi = this.pending.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1, p = this.pending[mid]!;
      if (offset < p.base) hi = mid - 1;
      else if (offset >= p.base + p.batch.count) lo = mid + 1;
      else { this.decode(mid); return this.records[offset - this.start]; }
    }
    return undefined;
  }

  private decode(index: number): void {
    const p = this.pending[index]!;
    // decoded before it leaves the pending list: if decoding threw, the batch would still be there
    const decoded = p.batch.decode();
    this.pending.splice(index, 1);
    let bytes = 0;
    for (let i = 0; i < decoded.length; i++) {
      const d = decoded[i]!;
      const r: TopicRecord = { topic: this.topic, partition: this.partition, offset: p.base + i, key: d.key, value: d.value, timestamp: d.timestamp, headers: d.headers, seq: p.seq + i };
      this.records[p.base + i - this.start] = r;
      bytes += recordBytes(r);
    }
    this.bytes += bytes - p.batch.bytes;
  }

  /** Like segment deletion, retention runs in steps: once the log is half again over its limit. */
  private retain(): void {
    if (this.bytes <= this.retentionBytes * 1.5) return;
    let drop = 0, batches = 0;
    while (this.bytes > this.retentionBytes && drop < this.records.length - 1) {
      const r = this.records[drop];
      if (r) { this.bytes -= recordBytes(r); drop++; continue; }
      // an empty slot starts the oldest pending batch: it goes whole, as a segment does
      const p = this.pending[batches]!;
      if (drop + p.batch.count >= this.records.length) break;
      this.bytes -= p.batch.bytes;
      drop += p.batch.count;
      batches++;
    }
    this.records = this.records.slice(drop);
    this.pending = this.pending.slice(batches);
    this.start += drop;
  }
}

const recordBytes = (r: TopicRecord) => 70 + (r.key?.length ?? 0) + (r.value?.length ?? 0);

export class Topic {
  readonly partitions: PartitionLog[];
  constructor(readonly name: string, readonly config: TopicConfig) {
    this.partitions = Array.from({ length: config.partitions }, (_, i) => new PartitionLog(name, i, config.retentionBytes ?? -1));
  }
  endOffsets(): number[] { return this.partitions.map((p) => p.end); }
  startOffsets(): number[] { return this.partitions.map((p) => p.start); }
  get size(): number { return this.partitions.reduce((n, p) => n + p.end - p.start, 0); }
  /** The records still held, in the order they were appended. */
  records(): TopicRecord[] { return this.partitions.flatMap((p) => p.all()).sort((a, b) => a.seq - b.seq); }
}

/** 'external' records come from clients (INSERT VALUES, producers); 'derived' ones from queries. */
export type Origin = 'external' | 'derived';
export type AppendListener = (rec: TopicRecord, origin: Origin) => void;
/** A topic created (with its config) or deleted. */
export type TopicListener = (change: { op: 'create'; name: string; config: TopicConfig } | { op: 'delete'; name: string }) => void;

/** All topics of the local cluster: partitioned, offset-ordered logs. */
export class TopicStore {
  private topics = new Map<string, Topic>();
  private seq = 0;
  private roundRobin = 0;
  private listeners: AppendListener[] = [];
  private topicListeners: TopicListener[] = [];
  private dataListeners: (() => void)[] = [];
  /**
   * @param defaultRetentionBytes the broker's log.retention.bytes for topics that set none (-1: unlimited).
   * @param singlePartition every record goes to partition 0 (default false).
   */
  constructor(private readonly defaultRetentionBytes = -1, private readonly singlePartition = false) {}

  /** Adds a listener; returns a function that removes it. */
  onAppend(l: AppendListener): () => void {
    this.listeners.push(l);
    return () => { this.listeners = this.listeners.filter((x) => x !== l); };
  }
  /** Adds a listener called after every append, without the records (to wake waiting consumers). */
  onData(l: () => void): void { this.dataListeners.push(l); }
  /** Adds a listener for topics created and deleted. */
  onTopic(l: TopicListener): void { this.topicListeners.push(l); }
  get(name: string): Topic | undefined { return this.topics.get(name); }
  has(name: string): boolean { return this.topics.has(name); }
  list(): Topic[] { return [...this.topics.values()].sort((a, b) => a.name.localeCompare(b.name)); }

  create(name: string, config: TopicConfig): Topic {
    const existing = this.topics.get(name);
    if (existing) return existing;
    const t = new Topic(name, { retentionBytes: this.defaultRetentionBytes, ...config });
    this.topics.set(name, t);
    for (const l of this.topicListeners) l({ op: 'create', name, config });
    return t;
  }

  delete(name: string): void {
    if (!this.topics.delete(name)) return;
    for (const l of this.topicListeners) l({ op: 'delete', name });
  }

  /** Appends a record; the partition is Kafka's default choice unless given (or 0 in a single-partition store). */
  append(topicName: string, rec: { key: Buffer | null; value: Buffer | null; timestamp: number; headers?: Header[]; partition?: number }, origin: Origin = 'external'): TopicRecord {
    const topic = this.topics.get(topicName);
    if (!topic) throw new Error(`Topic '${topicName}' does not exist`);
    const n = topic.partitions.length;
    const partition = this.singlePartition ? 0 : rec.partition ?? (rec.key !== null ? partitionForKey(rec.key, n) : (this.roundRobin++ % n));
    const log = topic.partitions[partition]!;
    const out: TopicRecord = {
      topic: topicName, partition, offset: log.end, key: rec.key, value: rec.value,
      timestamp: rec.timestamp, headers: rec.headers ?? [], seq: this.seq++,
    };
    log.push(out);
    for (const l of this.listeners) l(out, origin);
    for (const l of this.dataListeners) l();
    return out;
  }

  /** Appends a partition's records as one batch, decoded when first read; returns its first offset. */
  appendBatch(topicName: string, partition: number, batch: PendingBatch, origin: Origin = 'external'): number {
    const log = this.topics.get(topicName)?.partitions[partition];
    if (!log) throw new Error(`Topic '${topicName}' has no partition ${partition}`);
    const first = log.end;
    if (this.listeners.length) {
      // a listener takes each record as it comes (the journal, PRINT): decode them now
      for (const r of batch.decode()) this.append(topicName, { ...r, partition }, origin);
      return first;
    }
    log.pushBatch(batch, this.seq);
    this.seq += batch.count;
    for (const l of this.dataListeners) l();
    return first;
  }
}
