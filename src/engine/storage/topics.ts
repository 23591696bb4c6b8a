import { partitionForKey } from './partitioner.js';
import { javaCompare } from '../util/java-order.js';
import { ownMemory, SlabPool, SLAB_BYTES, type Lease, type Slab, type SlabHolder } from './slabs.js';
import { PackedRun, storedBytes } from './packed.js';

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
  /**
   * What a query's source made of the record, for the next query that reads it the same way in the
   * same drain (see makeSourceReader); undefined otherwise. Set in every record made here, so all
   * records have one shape.
   */
  shared?: unknown;
}

export interface TopicConfig {
  partitions: number; replicas: number; cleanupPolicy?: string; retentionMs?: number;
  /** Kafka's retention.bytes: the oldest records of a partition are deleted beyond it; -1 keeps all. */
  retentionBytes?: number;
  /** Topic configs set when it was created (Kafka's per-topic overrides), by name. */
  overrides?: Record<string, string>;
}

/** A topic by name, looked up again only when topics were created or deleted (not for every record). */
export class TopicRef {
  private gen = -1;
  private topic: Topic | undefined;
  constructor(private readonly store: TopicStore, readonly name: string) {}
  get(): Topic | undefined {
    if (this.gen !== this.store.generation) { this.gen = this.store.generation; this.topic = this.store.get(this.name); }
    return this.topic;
  }
}

/** A record given to append: Kafka's default partitioner picks its partition unless it names one. */
export interface NewAppend { key: Buffer | null; value: Buffer | null; timestamp: number; headers?: Header[]; partition?: number }

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
  /** The log no longer holds the batch (retention or DeleteRecords deleted it, or it was taken back). */
  dropped?(): void;
  /** The batch as a producer sent it, where it was compressed: a fetch sends it back so (its base offset set). */
  readonly wire?: Buffer;
}

/**
 * A run of consecutive offsets: records already decoded (single appends go to the newest such
 * run), the same packed once read, or one batch not decoded yet. A log is a list of them, so a batch costs one entry however
 * many records it holds.
 */
class Segment {
  constructor(
    readonly base: number,
    /** Decoded records, records[i] at offset base + i; null while the batch is pending. */
    public records: TopicRecord[] | null,
    readonly batch: PendingBatch | null = null,
    /** The first record's engine-wide sequence number (for a pending batch). */
    readonly seq = 0,
    /** A producer's compressed batch of the first `wireCount` records, kept after they are decoded (see PendingBatch.wire). */
    public wire: Buffer | null = batch?.wire ?? null,
    readonly wireCount = batch?.count ?? 0,
    /** Records packed once read (see PackedRun): neither `records` nor `batch` then. */
    readonly packed: PackedRun | null = null,
  ) {}
  get count(): number { return this.records ? this.records.length : this.packed ? this.packed.count : this.batch!.count; }
  /** What retention counts for the record at index `i` of a decoded or packed run. */
  bytesAt(i: number): number { return this.packed ? this.packed.bytesOf(i) : recordBytes(this.records![i]!); }
  /** A decoded or packed run without its records before `offset` (copied, so theirs are no longer held). */
  from(offset: number): Segment {
    const cut = offset - this.base;
    return this.packed ? new Segment(offset, null, null, 0, null, 0, this.packed.slice(cut)) : new Segment(offset, this.records!.slice(cut));
  }
}

/**
 * A topic's records in the order they were appended, across its partitions: (partition, offset)
 * pairs in a ring of typed arrays. A query reading the topic walks it to find its next record at
 * once, instead of comparing every partition's next record. Entries whose records retention deleted
 * are dropped from the front as appends go on; entries are addressed by a global index that keeps
 * counting (`base` is the first one still held).
 */
export class ArrivalLog {
  // (small at first, doubling as it fills: a server of thousands of topics, and each request's
  // validation copy of them, pays little for the ones that are seldom written)
  private parts = new Int32Array(16);
  private offs = new Float64Array(16);
  /**
   * The records of the entries appended one by one since the store last packed its logs (a
   * reader's next record, without looking it up in its log); undefined for the others.
   */
  private recs = new Array<TopicRecord | undefined>(16).fill(undefined);
  /** The first entry `recs` may hold a record for. */
  private recsFrom = 0;
  private head = 0;
  size = 0;
  base = 0;
  /** Changes when entries are taken back (truncateTo): readers find their place again. */
  version = 0;
  constructor(private readonly logs: readonly PartitionLog[]) {}

  push(partition: number, offset: number, rec?: TopicRecord): void {
    const cap = this.parts.length;
    // full: entries of records deleted behind a partition that keeps an old record (retention always
    // keeps a partition's last append) go first, if they are half of it; else the ring grows
    if (this.size === cap && this.live() <= cap / 2) this.truncate(-1, 0);
    if (this.size === cap) {
      const parts = new Int32Array(cap * 2), offs = new Float64Array(cap * 2), recs = new Array<TopicRecord | undefined>(cap * 2).fill(undefined);
      for (let i = 0; i < this.size; i++) { const j = (this.head + i) & (cap - 1); parts[i] = this.parts[j]!; offs[i] = this.offs[j]!; recs[i] = this.recs[j]; }
      this.parts = parts; this.offs = offs; this.recs = recs; this.head = 0;
    }
    const j = (this.head + this.size) & (this.parts.length - 1);
    this.parts[j] = partition; this.offs[j] = offset; this.recs[j] = rec;
    this.size++;
    // entries of deleted records go from the front (a partition's start only moves forward)
    while (this.size > 0) {
      const h = this.head, log = this.logs[this.parts[h]!];
      if (!log || this.offs[h]! >= log.start) break;
      this.recs[h] = undefined;
      this.head = (h + 1) & (this.parts.length - 1); this.size--; this.base++;
    }
  }

  /** The partition of entry `i` (a global index within [base, base + size)). */
  partitionAt(i: number): number { return this.parts[(this.head + i - this.base) & (this.parts.length - 1)]!; }
  offsetAt(i: number): number { return this.offs[(this.head + i - this.base) & (this.parts.length - 1)]!; }
  /** The record of entry `i` where the ring holds it (see `recs`): its log's, at its partition and offset. */
  recordAt(i: number): TopicRecord | undefined { return this.recs[(this.head + i - this.base) & (this.parts.length - 1)]; }

  /** Lets go of the records held (the store packs its logs: read again, a record is made from its packed run). */
  forgetRecords(): void {
    const mask = this.parts.length - 1, end = this.base + this.size;
    for (let i = Math.max(this.recsFrom, this.base); i < end; i++) this.recs[(this.head + i - this.base) & mask] = undefined;
    this.recsFrom = end;
  }

  private live(): number { let n = 0; for (const log of this.logs) n += log.end - log.start; return n; }

  /**
   * Takes back the entries of `partition` from `offset` on (records taken back from its log), and
   * drops the entries of deleted records; readers find their place again (`version`).
   */
  truncate(partition: number, offset: number): void {
    let kept = 0;
    const mask = this.parts.length - 1;
    for (let i = 0; i < this.size; i++) {
      const j = (this.head + i) & mask, p = this.parts[j]!, o = this.offs[j]!, r = this.recs[j];
      this.recs[j] = undefined;
      if ((p === partition && o >= offset) || o < (this.logs[p]?.start ?? 0)) continue;
      const k = (this.head + kept) & mask;
      this.parts[k] = p; this.offs[k] = o; this.recs[k] = r; kept++;
    }
    this.size = kept;
    // (entries moved: none is known to hold a record from before)
    this.recsFrom = this.base;
    this.version++;
  }
}

/** An idempotent producer's state in one partition, as Kafka keeps it: its epoch, last sequence, its last five batches, and when the last came (ms). */
export interface ProducerState { epoch: number; lastSequence: number; recent: { firstSequence: number; lastSequence: number; baseOffset: number }[]; at: number }

/** Kafka's producer.id.expiration.ms: a producer's state goes a day after its last batch. */
export const PRODUCER_EXPIRATION_MS = 86_400_000;

/** The producer of a batch appended to a partition (an idempotent producer's id, epoch and the batch's sequences). */
export interface BatchProducer { id: number; epoch: number; firstSequence: number; lastSequence: number }

/**
 * One partition's log. Offsets start at `start` (the log start offset), which retention moves on;
 * records below it are gone, as they are from a broker's deleted segments.
 */
export class PartitionLog implements SlabHolder {
  start = 0;
  /** Told when retention moves the log's start (the journal keeps where it went). */
  onTrim: ((log: PartitionLog) => void) | undefined;
  /** Idempotent producers' state, by producer id: what deduplicates a retried batch (kept by the journal too). */
  readonly producers = new Map<number, ProducerState>();
  /** Notes a batch of `p` appended at `baseOffset` (-1: held by a transaction) at `at`: its sequences are the producer's latest. */
  noteProducer(p: BatchProducer, baseOffset: number, at = Date.now()): void {
    const st = this.producers.get(p.id);
    const recent = st && st.epoch === p.epoch ? st.recent.slice(-4) : [];
    recent.push({ firstSequence: p.firstSequence, lastSequence: p.lastSequence, baseOffset });
    this.producers.set(p.id, { epoch: p.epoch, lastSequence: p.lastSequence, recent, at });
    // producers that went quiet are forgotten, as Kafka expires them: looked for as the states grow
    if (this.producers.size >= this.sweepAt) { this.expireProducers(at); this.sweepAt = Math.max(64, this.producers.size * 2); }
  }
  private sweepAt = 64;
  /** Forgets the producers whose last batch came more than producer.id.expiration.ms before `now`. */
  expireProducers(now: number): void {
    for (const [id, st] of this.producers) if (now - st.at > PRODUCER_EXPIRATION_MS) this.producers.delete(id);
  }
  /** Where this log's undecoded batches are copied to, if its retention reuses their memory. */
  slab: Slab | null = null;
  /** Records were appended since the store last packed its logs (see TopicStore.pack). */
  unpacked = false;
  private endOffset = 0;
  /** In offset order, the first beginning at `start` (retention copies a decoded run it trims). */
  private segments: Segment[] = [];
  /** The segment the last read found: reads mostly go forward through one segment. */
  private hint = 0;
  private bytes = 0;
  constructor(readonly topic: string, readonly partition: number, private retentionBytes: number, private readonly arrivals?: ArrivalLog) {}

  /** Whether retention deletes this log's batches in order while slabs of them are few: then their memory is reused. */
  get reusesMemory(): boolean { return this.retentionBytes >= 4 * SLAB_BYTES; }

  /** Sets retention.bytes (-1: keep all), as an altered topic config does; trims at once if over. */
  setRetention(bytes: number): void {
    if (bytes === this.retentionBytes) return;
    const counted = this.retentionBytes >= 0;
    this.retentionBytes = bytes;
    if (bytes < 0) return;
    // the bytes held were not counted while the log kept everything
    if (!counted) this.bytes = this.segments.reduce((n, seg, i) => n + segmentBytes(seg, i === 0 ? this.start : seg.base), 0);
    this.retain();
  }

  /**
   * Kafka's DeleteRecords: every record before `offset` (at most the end) is deleted and the log
   * starts there. A batch the new start cuts into is decoded and cut.
   */
  deleteBefore(offset: number): void {
    if (offset <= this.start) return;
    const to = Math.min(offset, this.endOffset);
    let drop = 0;
    while (drop < this.segments.length && this.segments[drop]!.base + this.segments[drop]!.count <= to) {
      if (this.retentionBytes >= 0) this.bytes -= segmentBytes(this.segments[drop]!, drop === 0 ? this.start : this.segments[drop]!.base);
      this.segments[drop]!.batch?.dropped?.();
      drop++;
    }
    this.segments = this.segments.slice(drop);
    this.hint = 0;
    // (a pending batch is decoded first; a packed run is cut as it is)
    if (this.segments[0] && to > this.segments[0].base) {
      if (!this.segments[0].packed) this.recordsOf(0);
      const first = this.segments[0];
      if (this.retentionBytes >= 0) for (let o = Math.max(this.start, first.base); o < to; o++) this.bytes -= first.bytesAt(o - first.base);
      this.segments[0] = first.from(to);
    }
    this.start = to;
  }

  /**
   * Makes the log start at `offset`: records before it are deleted, and a log that ends before it
   * (all its records deleted, as a compacted journal gives it back) is empty there.
   */
  startAt(offset: number): void {
    this.deleteBefore(offset);
    if (offset <= this.endOffset) return;
    this.start = this.endOffset = this.newest = offset;
  }

  /** While an `atomically` group appends here, retention waits: a group taken back must leave the log as it was. */
  private held = false;
  hold(): void { this.held = true; }
  /** Ends a hold: retention catches up at once. */
  release(): void {
    this.held = false;
    if (this.retentionBytes >= 0) this.retain();
  }

  /**
   * Takes back the records from `offset` on (an append whose journal write failed, so it was never
   * acknowledged): the log ends at `offset` again. Only the newest appends are ever taken back.
   */
  truncateTo(offset: number, newest: number): void {
    if (offset >= this.endOffset) return;
    const counted = this.retentionBytes >= 0;
    const segs = this.segments;
    while (segs.length && segs[segs.length - 1]!.base >= offset) {
      const seg = segs.pop()!;
      if (counted) this.bytes -= segmentBytes(seg, Math.max(this.start, seg.base));
      seg.batch?.dropped?.();
    }
    const last = segs[segs.length - 1];
    if (last && last.base + last.count > offset) {
      // (a pending batch is taken back whole: its segment starts at or after `offset`)
      const records = this.recordsOf(segs.length - 1);
      if (counted) for (let o = Math.max(offset, this.start); o < last.base + records.length; o++) this.bytes -= recordBytes(records[o - last.base]!);
      records.length = offset - last.base;
      // (a batch cut short is no longer the batch that came; the segment is the one recordsOf left)
      const cut = segs[segs.length - 1]!;
      if (records.length < cut.wireCount) cut.wire = null;
    }
    this.endOffset = offset;
    if (this.start > offset) this.start = offset;
    this.arrivals?.truncate(this.partition, offset);
    // the append before the taken-back ones is the newest again: retention keeps it
    this.newest = newest;
    this.hint = 0;
  }

  get end(): number { return this.endOffset; }

  /**
   * The producer's batch that holds `offset`, as it came (compressed), where the log keeps it whole:
   * a fetch from within it gets all of it, as from a broker's log (the consumer skips what it has).
   */
  wireBatch(offset: number): { base: number; count: number; bytes: Buffer } | undefined {
    if (offset < this.start || offset >= this.endOffset) return undefined;
    // (the segment of the last offset asked for, as get keeps it: a fetch asks offset after offset)
    let seg = this.segments[this.hint];
    if (!seg || offset < seg.base || offset >= seg.base + seg.count) { this.hint = this.find(offset); seg = this.segments[this.hint]!; }
    if (!seg.wire || seg.base < this.start || offset >= seg.base + seg.wireCount) return undefined;
    return { base: seg.base, count: seg.wireCount, bytes: seg.wire };
  }
  /** The first offset of the last append (what retention always keeps). */
  get lastAppend(): number { return this.newest; }
  get(offset: number): TopicRecord | undefined {
    if (offset < this.start || offset >= this.endOffset) return undefined;
    const segs = this.segments;
    let i = this.hint;
    let seg = segs[i];
    if (!seg || offset < seg.base || offset >= seg.base + seg.count) {
      i = this.find(offset);
      seg = segs[i]!;
      this.hint = i;
    }
    if (seg.packed) return seg.packed.record(offset - seg.base, this.topic, this.partition, offset, NO_HEADERS);
    return (seg.records ?? this.decode(i)!)[offset - seg.base];
  }
  all(): readonly TopicRecord[] {
    const out: TopicRecord[] = [];
    for (let i = 0; i < this.segments.length; i++) {
      const seg = this.segments[i]!, packed = seg.packed;
      if (packed) {
        for (let j = Math.max(0, this.start - seg.base); j < packed.count; j++) out.push(packed.record(j, this.topic, this.partition, seg.base + j, NO_HEADERS));
        continue;
      }
      const records = seg.records ?? this.decode(i)!;
      for (let j = Math.max(0, this.start - seg.base); j < records.length; j++) out.push(records[j]!);
    }
    return out;
  }

  /**
   * The first offset of the last append (a record, or a producer's batch): retention never deletes
   * it, as a broker never deletes its active segment, so what was just appended is there to be read.
   */
  private newest = 0;

  push(r: TopicRecord): void {
    const last = this.segments[this.segments.length - 1];
    if (last?.records) last.records.push(r);
    else this.segments.push(new Segment(r.offset, [r]));
    this.newest = this.endOffset++;
    this.arrivals?.push(this.partition, this.newest, r);
    if (this.retentionBytes < 0) return;
    this.bytes += recordBytes(r);
    this.retain();
  }

  /** Appends records (a batch decoded at once) as one unit: retention keeps all of them. */
  pushAll(records: readonly TopicRecord[]): void {
    if (!records.length) return;
    const last = this.segments[this.segments.length - 1];
    // (appended one by one: a spread of a large batch overflows the call stack)
    if (last?.records) for (const r of records) last.records.push(r);
    else this.segments.push(new Segment(records[0]!.offset, records.slice()));
    this.newest = this.endOffset;
    this.endOffset += records.length;
    if (this.arrivals) for (let o = this.newest; o < this.endOffset; o++) this.arrivals.push(this.partition, o);
    if (this.retentionBytes < 0) return;
    for (const r of records) this.bytes += recordBytes(r);
    this.retain();
  }

  /** Appends a batch's records undecoded; `seq` is the first record's engine-wide sequence number. */
  pushBatch(batch: PendingBatch, seq: number): void {
    this.segments.push(new Segment(this.endOffset, null, batch, seq));
    this.newest = this.endOffset;
    this.endOffset += batch.count;
    if (this.arrivals) for (let o = this.newest; o < this.endOffset; o++) this.arrivals.push(this.partition, o);
    if (this.retentionBytes < 0) return;
    this.bytes += batch.bytes;
    this.retain();
  }

  /** The index of the segment holding `offset` (which is within the log). */
  private find(offset: number): number {
    const segs = this.segments;
    let lo = 0, hi = segs.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (segs[mid]!.base <= offset) lo = mid; else hi = mid - 1;
    }
    return lo;
  }

  /** Segment `index`'s records as objects: a pending batch decoded, a packed run made into records again (both kept so). */
  private recordsOf(index: number): TopicRecord[] {
    const seg = this.segments[index]!;
    if (seg.records) return seg.records;
    if (!seg.packed) return this.decode(index);
    const records: TopicRecord[] = new Array(seg.packed.count);
    for (let i = 0; i < records.length; i++) records[i] = seg.packed.record(i, this.topic, this.partition, seg.base + i, NO_HEADERS);
    this.segments[index] = new Segment(seg.base, records, null, 0, seg.wire, seg.wireCount);
    return records;
  }

  /**
   * Packs the newest run of records (see PackedRun), once it holds `min` of them: records appended
   * later start a new run. Not while an `atomically` group may take appends back.
   */
  pack(min: number): void {
    const segs = this.segments, last = segs[segs.length - 1];
    if (this.held || !last?.records || last.records.length < min) return;
    segs[segs.length - 1] = new Segment(last.base, null, null, 0, last.wire, last.wireCount, PackedRun.of(last.records, NO_HEADERS));
  }

  /** Its topic's arrival log lets go of the records it holds (see ArrivalLog.forgetRecords). */
  forgetRecords(): void { this.arrivals?.forgetRecords(); }

  /** Decodes the pending batch of segment `index`; if decoding throws, the batch stays pending. */
  private decode(index: number): TopicRecord[] {
    const seg = this.segments[index]!, batch = seg.batch!;
    const decoded = batch.decode();
    const records: TopicRecord[] = new Array(decoded.length);
    let bytes = 0;
    for (let i = 0; i < decoded.length; i++) {
      const d = decoded[i]!;
      const r: TopicRecord = { topic: this.topic, partition: this.partition, offset: seg.base + i, key: d.key, value: d.value, timestamp: d.timestamp, headers: d.headers, seq: seg.seq + i, shared: undefined };
      records[i] = r;
      bytes += recordBytes(r);
    }
    // if it is the newest segment, single records pushed later continue its run
    this.segments[index] = new Segment(seg.base, records, null, 0, seg.wire, seg.wireCount);
    if (this.retentionBytes >= 0) this.bytes += bytes - batch.bytes;
    return records;
  }

  /**
   * Like segment deletion, retention runs in steps: once the log is half again over its limit.
   * A pending batch goes whole; decoded records go one by one; the last append (record or batch) is kept.
   */
  private retain(): void {
    if (this.held || this.bytes <= this.retentionBytes * 1.5) return;
    const segs = this.segments;
    let dropSegs = 0, start = this.start;
    while (this.bytes > this.retentionBytes && start < this.newest) {
      const seg = segs[dropSegs]!, segEnd = seg.base + seg.count;
      if (seg.records || seg.packed) {
        while (start < segEnd && start < this.newest && this.bytes > this.retentionBytes) this.bytes -= seg.bytesAt(start++ - seg.base);
        if (start < segEnd) break;
      } else {
        if (segEnd > this.newest) break;
        this.bytes -= seg.batch!.bytes;
        seg.batch!.dropped?.();
        start = segEnd;
      }
      dropSegs++;
    }
    const moved = start !== this.start;
    this.start = start;
    if (dropSegs) { this.segments = segs.slice(dropSegs); this.hint = 0; }
    if (moved) this.onTrim?.(this);
    // a decoded run trimmed at its front is copied without the deleted records
    const first = this.segments[0];
    if ((first?.records || first?.packed) && start > first.base) this.segments[0] = first.from(start);
  }
}

const recordBytes = (r: TopicRecord) => storedBytes(r.key?.length ?? 0, r.value?.length ?? 0);
/** The bytes a segment holds from offset `from` on (a pending batch counts whole). */
function segmentBytes(seg: Segment, from: number): number {
  if (!seg.records && !seg.packed) return seg.batch!.bytes;
  let n = 0;
  for (let i = Math.max(0, from - seg.base); i < seg.count; i++) n += seg.bytesAt(i);
  return n;
}

/**
 * The bytes a topic's logs keep: retention.bytes acts only with the delete policy (Kafka's
 * LogCleaner compacts a compact-only topic and never deletes its segments by size). Compaction
 * itself is not done here: a compacted topic keeps every record.
 */
export const logRetentionBytes = (c: TopicConfig): number => ((c.cleanupPolicy ?? 'delete').split(',').includes('delete') ? c.retentionBytes ?? -1 : -1);

export class Topic {
  readonly partitions: PartitionLog[];
  /** The topic's records in append order, across partitions (see ArrivalLog). */
  readonly arrivals: ArrivalLog;
  /** message.timestamp.type=LogAppendTime: each record takes the time it is appended, whatever it came with. */
  logAppendTime: boolean;
  constructor(readonly name: string, readonly config: TopicConfig) {
    this.partitions = [];
    this.arrivals = new ArrivalLog(this.partitions);
    for (let i = 0; i < config.partitions; i++) this.partitions.push(new PartitionLog(name, i, logRetentionBytes(config), this.arrivals));
    this.logAppendTime = config.overrides?.['message.timestamp.type'] === 'LogAppendTime';
  }
  endOffsets(): number[] { return this.partitions.map((p) => p.end); }
  startOffsets(): number[] { return this.partitions.map((p) => p.start); }
  get size(): number { return this.partitions.reduce((n, p) => n + p.end - p.start, 0); }
  /** The records still held, in the order they were appended. */
  records(): TopicRecord[] { return this.partitions.flatMap((p) => p.all()).sort((a, b) => a.seq - b.seq); }
}

const LEGAL_TOPIC = /^[a-zA-Z0-9._-]{1,249}$/;
/** A name Kafka allows for a topic: ASCII alphanumerics, '.', '_' and '-', at most 249 of them, not '.' or '..'. */
export const isLegalTopicName = (name: string) => LEGAL_TOPIC.test(name) && name !== '.' && name !== '..';

/** Why Kafka refuses a topic name (its Topic.validate, in its order and words), or undefined. */
export function topicNameProblem(name: string): string | undefined {
  if (name.length === 0) return 'Topic name is illegal, it can\'t be empty';
  if (name === '.' || name === '..') return 'Topic name cannot be "." or ".."';
  if (name.length > 249) return `Topic name is illegal, it can't be longer than 249 characters, topic name: ${name}`;
  if (!isLegalTopicName(name)) return `Topic name "${name}" is illegal, it contains a character other than ASCII alphanumerics, '.', '_' and '-'`;
  return undefined;
}

/** An append refused because what is appended could not be kept (the data dir cannot be written). */
export class StorageRefused extends Error {
  constructor(readonly reason: Error) { super(reason.message); }
}

/** The broker's own topics (committed offsets, transactions' state): they keep every record. */
export const isInternalTopic = (name: string) => name === '__consumer_offsets' || name === '__transaction_state';

/** The most partitions a topic may have: each is a log in memory. */
export const MAX_TOPIC_PARTITIONS = 10_000;

/** 'external' records come from clients (INSERT VALUES, producers); 'derived' ones from queries. */
export type Origin = 'external' | 'derived';
export type AppendListener = (rec: TopicRecord, origin: Origin) => void;
/** A topic created (with its config) or deleted. */
export type TopicListener = (change: { op: 'create'; name: string; config: TopicConfig } | { op: 'delete'; name: string } | { op: 'grow'; name: string; partitions: number }
  | { op: 'config'; name: string; overrides: Record<string, string> } | { op: 'trim'; name: string; partition: number; offset: number }) => void;

/** Told where an `atomically` group of appends begins and ends, of its units, and of the producers of its batches. */
export interface GroupListener {
  begin(): void;
  end(ok: boolean): void;
  /** The last `records` records were appended as one unit (a producer's batch). */
  unit?(records: number): void;
  /** The batch just appended to the partition at `baseOffset` was the producer's. */
  producer?(topic: string, partition: number, producer: BatchProducer, baseOffset: number): void;
}

/** The headers of a record that has none: one shared, never-changed list instead of an array per record. */
const NO_HEADERS: Header[] = Object.freeze([]) as unknown as Header[];

/** A topic name as Kafka compares names for collisions: '.' as '_'. */
const foldName = (name: string): string => name.replace(/\./g, '_');

/** All topics of the local cluster: partitioned, offset-ordered logs. */
export class TopicStore {
  private topics = new Map<string, Topic>();
  private seq = 0;
  /** The engine-wide sequence number the next appended record gets: what is there now comes before it. */
  get nextSeq(): number { return this.seq; }
  private roundRobin = 0;
  private listeners: AppendListener[] = [];
  private topicListeners: TopicListener[] = [];
  private dataListeners: (() => void)[] = [];
  private groupListeners: GroupListener[] = [];
  /**
   * @param defaultRetentionBytes the broker's log.retention.bytes for topics that set none (-1: unlimited).
   * @param singlePartition every record goes to partition 0 (default false).
   */
  constructor(readonly defaultRetentionBytes = -1, private readonly singlePartition = false) {}

  /**
   * Why appends and topic changes are refused, if they are (the data dir cannot be written): set by
   * the server, so a client's records and topics are refused before they are held, never held
   * without being kept.
   */
  refusal: (() => Error | undefined) | undefined;
  private refuse(): void {
    const why = this.refusal?.();
    if (why) throw new StorageRefused(why);
  }
  /** Where each partition appended to in the open `atomically` group ended before it: its appends are taken back if the group fails. */
  private marks: Map<PartitionLog, { end: number; newest: number }> | undefined;
  private mark(log: PartitionLog): void {
    if (this.marks && !this.marks.has(log)) { this.marks.set(log, { end: log.end, newest: log.lastAppend }); log.hold(); }
  }

  /** The logs records were appended to since the last `pack`. */
  private toPack: PartitionLog[] = [];
  private appended(log: PartitionLog): void {
    if (!log.unpacked) { log.unpacked = true; this.toPack.push(log); }
  }
  /**
   * Packs the records appended since the last call, in runs of at least 8 (see PackedRun): called
   * at the end of a drain, so the records queries read as they arrive are objects while they read them.
   */
  pack(): void {
    if (this.marks) return;
    const logs = this.toPack;
    this.toPack = [];
    for (const log of logs) { log.unpacked = false; log.pack(8); log.forgetRecords(); }
  }

  /** Adds a listener; returns a function that removes it. */
  onAppend(l: AppendListener): () => void {
    this.listeners.push(l);
    return () => { this.listeners = this.listeners.filter((x) => x !== l); };
  }
  /**
   * Runs `fn`, whose appends belong together (a transaction's commit: its records, offsets and
   * state): a listener that keeps them (the journal) keeps them as one unit, all or none.
   */
  atomically<T>(fn: () => T): T {
    // a group inside a group (a batch inside a transaction's commit) is part of the outer one
    if (this.groupDepth > 0) return fn();
    this.groupDepth++;
    const marks = this.marks = new Map<PartitionLog, { end: number; newest: number }>();
    for (const l of this.groupListeners) l.begin();
    let out: T | undefined, ok = false, failure: unknown;
    try { out = fn(); ok = true; } catch (e) { failure = e; }
    this.groupDepth--;
    this.marks = undefined;
    try { for (const l of this.groupListeners) l.end(ok); } catch (e) { if (ok) { ok = false; failure = e; } }
    // a group that failed, or that its listener (the journal) could not keep, is taken back whole:
    // what is held is what is kept
    for (const [log, mark] of marks) {
      try { if (!ok) log.truncateTo(mark.end, mark.newest); } finally { log.release(); }
    }
    if (!ok) throw failure;
    return out as T;
  }
  private groupDepth = 0;
  /** Adds a listener told where an `atomically` group of appends begins and ends. */
  onGroup(l: GroupListener): void { this.groupListeners.push(l); }
  /** Adds a listener called after every append, without the records (to wake waiting consumers). */
  onData(l: () => void): void { this.dataListeners.push(l); }
  /** Adds a listener for topics created and deleted. */
  onTopic(l: TopicListener): void { this.topicListeners.push(l); }

  private trimListeners: ((log: PartitionLog) => void)[] = [];
  /** Tells `l` each time retention moves a partition's start (whether the log is still its topic's, `holds` tells). */
  onTrim(l: (log: PartitionLog) => void): void { this.trimListeners.push(l); }
  private readonly noteTrim = (log: PartitionLog) => { for (const l of this.trimListeners) l(log); };
  /** Whether the log is one of this store's topics' now (not of a topic deleted, or made again since). */
  holds(log: PartitionLog): boolean { return this.topics.get(log.topic)?.partitions[log.partition] === log; }
  get(name: string): Topic | undefined { return this.topics.get(name); }
  /** Counts the topics created and deleted: a TopicRef looks its topic up again when it moves. */
  generation = 0;
  has(name: string): boolean { return this.topics.has(name); }
  list(): Topic[] { return [...this.topics.values()].sort((a, b) => javaCompare(a.name, b.name)); }

  /**
   * The existing topic a new one named `name` would collide with: Kafka refuses names that differ
   * from an existing topic's only by '.' and '_' (they become the same in metric names).
   */
  clashOf(name: string): string | undefined {
    if (this.topics.has(name)) return undefined;
    const same = this.byFoldedName.get(foldName(name));
    return same === undefined ? undefined : same.values().next().value;
  }
  /** The topics by their names with '.' as '_' (clashOf refuses a second one; ones made without asking are all kept). */
  private readonly byFoldedName = new Map<string, Set<string>>();
  private forget(name: string): void {
    this.topics.delete(name);
    const folded = foldName(name), same = this.byFoldedName.get(folded);
    if (!same) return;
    same.delete(name);
    if (same.size === 0) this.byFoldedName.delete(folded);
  }

  create(name: string, config: TopicConfig): Topic {
    const existing = this.topics.get(name);
    if (existing) return existing;
    // the broker's own topics (committed offsets) keep every record: Kafka compacts them and never
    // trims them by size, and here a trimmed commit would be a lost one
    if (config.partitions > MAX_TOPIC_PARTITIONS) throw new Error(`Topic '${name}': ${config.partitions} partitions is more than this process holds (${MAX_TOPIC_PARTITIONS})`);
    // a topic the data dir cannot record is not made (nor served until a restart forgets it)
    this.refuse();
    const t = new Topic(name, { retentionBytes: isInternalTopic(name) ? -1 : this.defaultRetentionBytes, ...config });
    for (const p of t.partitions) p.onTrim = this.noteTrim;
    this.topics.set(name, t);
    const same = this.byFoldedName.get(foldName(name));
    if (same) same.add(name); else this.byFoldedName.set(foldName(name), new Set([name]));
    this.generation++;
    try {
      for (const l of this.topicListeners) l({ op: 'create', name, config });
    } catch (e) {
      this.forget(name);
      this.generation++;
      throw e;
    }
    return t;
  }

  delete(name: string): void {
    if (!this.topics.has(name)) return;
    this.refuse();
    this.forget(name);
    this.generation++;
    for (const l of this.topicListeners) l({ op: 'delete', name });
  }

  /**
   * Adds partitions to a topic, up to `partitions` in all (Kafka's CreatePartitions): existing ones
   * keep their records and offsets; keyed records may go to other partitions from now on.
   */
  grow(name: string, partitions: number): void {
    const t = this.topics.get(name);
    if (!t || partitions <= t.partitions.length) return;
    this.refuse();
    for (let i = t.partitions.length; i < partitions; i++) {
      const log = new PartitionLog(name, i, logRetentionBytes(t.config), t.arrivals);
      log.onTrim = this.noteTrim;
      t.partitions.push(log);
    }
    t.config.partitions = partitions;
    for (const l of this.topicListeners) l({ op: 'grow', name, partitions });
  }

  /**
   * Replaces a topic's config overrides, as Kafka's AlterConfigs does: those not given go back to
   * their defaults. retention.bytes, cleanup.policy and message.timestamp.type act from now on.
   */
  reconfigure(name: string, overrides: Record<string, string>): void {
    const t = this.topics.get(name);
    if (!t) return;
    this.refuse();
    t.config.overrides = { ...overrides };
    const policy = overrides['cleanup.policy'];
    if (policy !== undefined) t.config.cleanupPolicy = policy.split(',').map((x) => x.trim()).filter(Boolean).join(',');
    else delete t.config.cleanupPolicy;
    t.config.retentionBytes = overrides['retention.bytes'] !== undefined ? Number(overrides['retention.bytes']) : isInternalTopic(name) ? -1 : this.defaultRetentionBytes;
    for (const p of t.partitions) p.setRetention(logRetentionBytes(t.config));
    t.logAppendTime = overrides['message.timestamp.type'] === 'LogAppendTime';
    for (const l of this.topicListeners) l({ op: 'config', name, overrides: { ...overrides } });
  }

  /** Kafka's DeleteRecords of one partition: its records before `offset` go, and its log starts there. */
  deleteRecords(name: string, partition: number, offset: number): void {
    const log = this.topics.get(name)?.partitions[partition];
    if (!log) return;
    this.refuse();
    log.deleteBefore(offset);
    for (const l of this.topicListeners) l({ op: 'trim', name, partition, offset });
  }

  /** A partition's log starts at `offset` (a compacted journal's record of where retention left it). */
  startAt(name: string, partition: number, offset: number): void {
    this.topics.get(name)?.partitions[partition]?.startAt(offset);
  }

  /**
   * Appends a record; the partition is Kafka's default choice unless given (or 0 in a single-partition
   * store). A LogAppendTime topic gives it the time now, unless `timed` says the time is already the
   * log's (a replayed journal, a decoded batch).
   */
  append(topicName: string, rec: NewAppend, origin: Origin = 'external', timed = false): TopicRecord {
    const topic = this.topics.get(topicName);
    if (!topic) throw new Error(`Topic '${topicName}' does not exist`);
    return this.appendTo(topic, rec, origin, timed);
  }

  /** append, to a topic already looked up (one of this store's). */
  appendTo(topic: Topic, rec: NewAppend, origin: Origin = 'external', timed = false): TopicRecord {
    const topicName = topic.name;
    const n = topic.partitions.length;
    const partition = this.singlePartition ? 0 : rec.partition ?? (rec.key !== null ? partitionForKey(rec.key, n) : (this.roundRobin++ % n));
    const log = topic.partitions[partition]!;
    if (origin === 'external') this.refuse();
    this.mark(log);
    const out: TopicRecord = {
      topic: topicName, partition, offset: log.end, key: rec.key, value: rec.value,
      timestamp: topic.logAppendTime && !timed ? Date.now() : rec.timestamp, headers: rec.headers ?? NO_HEADERS, seq: this.seq++, shared: undefined,
    };
    // a client's record the journal could not keep is taken back (a query's output is its step's);
    // retention waits until the record is kept, so taking it back leaves the log as it was
    const alone = !this.marks && this.listeners.length > 0, newest = log.lastAppend;
    if (alone) log.hold();
    log.push(out);
    this.appended(log);
    try { for (const l of this.listeners) l(out, origin); } catch (e) { if (origin === 'external' && alone) log.truncateTo(out.offset, newest); throw e; } finally { if (alone) log.release(); }
    for (const l of this.dataListeners) l();
    return out;
  }

  /**
   * Appends records to one partition as one unit, as a producer's batch: retention keeps all of
   * them until the next append. `timed`: their times are the log's already (see append).
   */
  appendRecords(topicName: string, partition: number, records: readonly NewRecord[], origin: Origin = 'external', timed = false): void {
    const topic = this.topics.get(topicName);
    const p = this.singlePartition ? 0 : partition;
    const log = topic?.partitions[p];
    if (!topic || !log) throw new Error(`Topic '${topicName}' has no partition ${partition}`);
    if (origin === 'external') this.refuse();
    this.mark(log);
    const now = Date.now();
    const out: TopicRecord[] = records.map((r, i) => ({
      topic: topicName, partition: p, offset: log.end + i, key: r.key, value: r.value,
      timestamp: topic.logAppendTime && !timed ? now : r.timestamp, headers: r.headers ?? NO_HEADERS, seq: this.seq++, shared: undefined,
    }));
    log.pushAll(out);
    this.appended(log);
    for (const r of out) for (const l of this.listeners) l(r, origin);
    // the records just taken one by one were one unit: a group keeps its bounds (see onGroup)
    if (out.length > 1) for (const l of this.groupListeners) l.unit?.(out.length);
    if (out.length) for (const l of this.dataListeners) l();
  }

  /** Appends a partition's records as one batch, decoded when first read; returns its first offset. */
  private readonly slabs = new SlabPool();
  /**
   * Memory for a batch of `n` bytes to be appended to a partition undecoded: slab memory used again
   * once retention deletes the batch, where the log has retention and no listener decodes each
   * append at once (the journal); otherwise memory of its own.
   */
  memoryFor(topicName: string, partition: number, n: number): Lease {
    const log = this.topics.get(topicName)?.partitions[partition];
    return log?.reusesMemory && !this.listeners.length ? this.slabs.lease(log, n) : ownMemory(n);
  }

  appendBatch(topicName: string, partition: number, batch: PendingBatch, origin: Origin = 'external', producer?: BatchProducer): number {
    const log = this.topics.get(topicName)?.partitions[partition];
    if (!log) throw new Error(`Topic '${topicName}' has no partition ${partition}`);
    if (origin === 'external') this.refuse();
    const first = log.end;
    if (this.listeners.length) {
      // a listener takes each record as it comes (the journal, PRINT): decode them now, and append
      // them as one unit (the journal keeps it whole, with its producer; retention keeps all of it, as the batch)
      this.atomically(() => {
        this.appendRecords(topicName, partition, batch.decode(), origin, true);
        if (producer) for (const l of this.groupListeners) l.producer?.(topicName, partition, producer, first);
      });
      // (noted once kept: a batch the journal could not keep was taken back, and its retry is no duplicate)
      if (producer) log.noteProducer(producer, first);
      return first;
    }
    this.mark(log);
    log.pushBatch(batch, this.seq);
    this.seq += batch.count;
    if (producer) log.noteProducer(producer, first);
    for (const l of this.dataListeners) l();
    return first;
  }
}
