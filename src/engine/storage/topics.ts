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

/**
 * One partition's log. Offsets start at `start` (the log start offset), which retention moves on;
 * records below it are gone, as they are from a broker's deleted segments.
 */
export class PartitionLog {
  start = 0;
  private records: TopicRecord[] = [];
  private bytes = 0;
  constructor(private readonly retentionBytes: number) {}

  get end(): number { return this.start + this.records.length; }
  get(offset: number): TopicRecord | undefined { return this.records[offset - this.start]; }
  all(): readonly TopicRecord[] { return this.records; }

  push(r: TopicRecord): void {
    this.records.push(r);
    if (this.retentionBytes < 0) return;
    this.bytes += recordBytes(r);
    // like segment deletion, retention runs in steps: once the log is half again over its limit
    if (this.bytes > this.retentionBytes * 1.5) {
      let drop = 0;
      while (this.bytes > this.retentionBytes && drop < this.records.length - 1) this.bytes -= recordBytes(this.records[drop++]!);
      this.records = this.records.slice(drop);
      this.start += drop;
    }
  }
}

const recordBytes = (r: TopicRecord) => 70 + (r.key?.length ?? 0) + (r.value?.length ?? 0);

export class Topic {
  readonly partitions: PartitionLog[];
  constructor(readonly name: string, readonly config: TopicConfig) {
    this.partitions = Array.from({ length: config.partitions }, () => new PartitionLog(config.retentionBytes ?? -1));
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
  /** @param defaultRetentionBytes the broker's log.retention.bytes for topics that set none (-1: unlimited). */
  constructor(private readonly defaultRetentionBytes = -1) {}

  /** Adds a listener; returns a function that removes it. */
  onAppend(l: AppendListener): () => void {
    this.listeners.push(l);
    return () => { this.listeners = this.listeners.filter((x) => x !== l); };
  }
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

  /** Appends a record; the partition is Kafka's default choice unless given. */
  append(topicName: string, rec: { key: Buffer | null; value: Buffer | null; timestamp: number; headers?: Header[]; partition?: number }, origin: Origin = 'external'): TopicRecord {
    const topic = this.topics.get(topicName);
    if (!topic) throw new Error(`Topic '${topicName}' does not exist`);
    const n = topic.partitions.length;
    const partition = rec.partition ?? (rec.key !== null ? partitionForKey(rec.key, n) : (this.roundRobin++ % n));
    const log = topic.partitions[partition]!;
    const out: TopicRecord = {
      topic: topicName, partition, offset: log.end, key: rec.key, value: rec.value,
      timestamp: rec.timestamp, headers: rec.headers ?? [], seq: this.seq++,
    };
    log.push(out);
    for (const l of this.listeners) l(out, origin);
    return out;
  }
}
