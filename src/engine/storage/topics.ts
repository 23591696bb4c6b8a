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

export interface TopicConfig { partitions: number; replicas: number; cleanupPolicy?: string; retentionMs?: number }

export class Topic {
  readonly partitions: TopicRecord[][];
  constructor(readonly name: string, readonly config: TopicConfig) {
    this.partitions = Array.from({ length: config.partitions }, () => []);
  }
  endOffsets(): number[] { return this.partitions.map((p) => p.length); }
  get size(): number { return this.partitions.reduce((n, p) => n + p.length, 0); }
}

/** 'external' records come from clients (INSERT VALUES, producers); 'derived' ones from queries. */
export type Origin = 'external' | 'derived';
export type AppendListener = (rec: TopicRecord, origin: Origin) => void;

/** All topics of the local cluster: partitioned, offset-ordered logs. */
export class TopicStore {
  private topics = new Map<string, Topic>();
  private seq = 0;
  private roundRobin = 0;
  private listeners: AppendListener[] = [];

  /** Adds a listener; returns a function that removes it. */
  onAppend(l: AppendListener): () => void {
    this.listeners.push(l);
    return () => { this.listeners = this.listeners.filter((x) => x !== l); };
  }
  get(name: string): Topic | undefined { return this.topics.get(name); }
  has(name: string): boolean { return this.topics.has(name); }
  list(): Topic[] { return [...this.topics.values()].sort((a, b) => a.name.localeCompare(b.name)); }

  create(name: string, config: TopicConfig): Topic {
    const existing = this.topics.get(name);
    if (existing) return existing;
    const t = new Topic(name, config);
    this.topics.set(name, t);
    return t;
  }

  delete(name: string): void { this.topics.delete(name); }

  /** Appends a record; the partition is Kafka's default choice unless given. */
  append(topicName: string, rec: { key: Buffer | null; value: Buffer | null; timestamp: number; headers?: Header[]; partition?: number }, origin: Origin = 'external'): TopicRecord {
    const topic = this.topics.get(topicName);
    if (!topic) throw new Error(`Topic '${topicName}' does not exist`);
    const n = topic.partitions.length;
    const partition = rec.partition ?? (rec.key !== null ? partitionForKey(rec.key, n) : (this.roundRobin++ % n));
    const log = topic.partitions[partition]!;
    const out: TopicRecord = {
      topic: topicName, partition, offset: log.length, key: rec.key, value: rec.value,
      timestamp: rec.timestamp, headers: rec.headers ?? [], seq: this.seq++,
    };
    log.push(out);
    for (const l of this.listeners) l(out, origin);
    return out;
  }
}
