import type { PendingBatch } from '../storage/topics.js';

/** Kafka's error codes for transactions. */
export const TXERR = {
  NONE: 0, UNKNOWN_TOPIC_OR_PARTITION: 3, INVALID_REQUEST: 42, INVALID_PRODUCER_EPOCH: 47, INVALID_TXN_STATE: 48,
  INVALID_PRODUCER_ID_MAPPING: 49, INVALID_TRANSACTION_TIMEOUT: 50,
} as const;

/** The broker's transaction.max.timeout.ms: a producer may not ask for a longer transaction timeout. */
export const MAX_TRANSACTION_TIMEOUT_MS = 900_000;

type State = 'Empty' | 'Ongoing' | 'CompleteCommit' | 'CompleteAbort';

/** What is kept of a transactional id across restarts (Kafka keeps it in __transaction_state). */
export interface SavedTransaction { producerId: number; epoch: number; timeoutMs: number; state: State }

const STATES: readonly string[] = ['Empty', 'Ongoing', 'CompleteCommit', 'CompleteAbort'];
/** Whether a value read back from __transaction_state has the shape the coordinator saves. */
export function isSavedTransaction(v: unknown): v is SavedTransaction {
  if (v === null || typeof v !== 'object') return false;
  const s = v as Record<string, unknown>;
  return Number.isSafeInteger(s.producerId) && Number.isInteger(s.epoch) && (s.epoch as number) >= 0 && (s.epoch as number) <= MAX_EPOCH
    && Number.isInteger(s.timeoutMs) && (s.timeoutMs as number) > 0 && typeof s.state === 'string' && STATES.includes(s.state);
}

interface Transaction {
  id: string;
  producerId: number;
  epoch: number;
  timeoutMs: number;
  state: State;
  /** `topic\0partition` of each partition added to the ongoing transaction. */
  partitions: Set<string>;
  groups: Set<string>;
  /** Batches produced in the ongoing transaction, in the order they came. */
  held: { topic: string; partition: number; batch: PendingBatch }[];
  /** Offsets committed in the ongoing transaction (TxnOffsetCommit), the last per group and partition. */
  offsets: Map<string, { groupId: string; topic: string; partition: number; offset: bigint; metadata: string | null }>;
  timer?: NodeJS.Timeout;
}

/** What the coordinator does to the broker's logs and groups when a transaction commits. */
export interface TransactionPorts {
  /** Appends a partition's batch to its log. */
  append(topic: string, partition: number, batch: PendingBatch): void;
  /** Commits a group's offset on behalf of a transaction (no member or generation to check). */
  commitOffset(groupId: string, topic: string, partition: number, offset: bigint, metadata: string | null): void;
  /** Whether the partition exists. */
  hasPartition(topic: string, partition: number): boolean;
  /** Runs `fn`, whose appends (records, offsets, the saved state) are kept as one unit: all or none. */
  atomically(fn: () => void): void;
  /** A new producer id, never handed out before. */
  newProducerId(): number;
  /** Called after a commit appended records (to run the queries). */
  written(): void;
  /** Keeps a transactional id's state, so a restart finds it (with the last one saved per id). */
  save(transactionalId: string, state: SavedTransaction): void;
}

const partitionKey = (topic: string, partition: number) => `${topic}\u0000${partition}`;
const MAX_EPOCH = 32767;

/**
 * The transaction coordinator of the one-node cluster: transactional ids and their producer ids and
 * epochs, the partitions and groups of each ongoing transaction, and its end. A transaction's
 * batches are held here until it ends: a commit appends them (and commits its offsets), an abort
 * drops them. So every record in a log is committed, and consumers read the same records whether
 * they read committed or uncommitted; unlike Kafka, a transaction's records take their offsets when
 * it commits, and an abort leaves no gap of offsets behind. State is kept in memory: a restart ends
 * the ongoing transactions as aborted, as a coordinator that lost them would.
 */
export class TransactionCoordinator {
  private byId = new Map<string, Transaction>();
  private byProducer = new Map<number, Transaction>();

  /**
   * `saved`: the ids' states from before a restart. A transaction that was open then lost its held
   * batches with the process: it is aborted, and its producer fenced (the epoch moves on), so what
   * the producer sends next cannot commit half a transaction.
   */
  constructor(private readonly ports: TransactionPorts, saved: Iterable<[string, SavedTransaction]> = []) {
    for (const [id, s] of saved) {
      const t: Transaction = { id, producerId: s.producerId, epoch: s.epoch, timeoutMs: s.timeoutMs, state: s.state, partitions: new Set(), groups: new Set(), held: [], offsets: new Map() };
      this.byId.set(id, t);
      this.byProducer.set(t.producerId, t);
      if (t.state === 'Ongoing') { t.state = 'CompleteAbort'; this.bumpEpoch(t); this.save(t); }
    }
  }

  private save(t: Transaction): void {
    this.ports.save(t.id, { producerId: t.producerId, epoch: t.epoch, timeoutMs: t.timeoutMs, state: t.state });
  }

  /**
   * InitProducerId with a transactional id: the id's producer id with its epoch moved on (fencing
   * the producer of the previous epoch), its ongoing transaction aborted first.
   */
  init(transactionalId: string, timeoutMs: number): { errorCode: number; producerId: number; epoch: number } {
    // an empty id is no transactional id, as Kafka's coordinator answers it
    if (transactionalId === '') return { errorCode: TXERR.INVALID_REQUEST, producerId: -1, epoch: -1 };
    if (timeoutMs <= 0 || timeoutMs > MAX_TRANSACTION_TIMEOUT_MS) return { errorCode: TXERR.INVALID_TRANSACTION_TIMEOUT, producerId: -1, epoch: -1 };
    let t = this.byId.get(transactionalId);
    if (!t) {
      t = { id: transactionalId, producerId: this.ports.newProducerId(), epoch: 0, timeoutMs, state: 'Empty', partitions: new Set(), groups: new Set(), held: [], offsets: new Map() };
      this.byId.set(transactionalId, t);
      this.byProducer.set(t.producerId, t);
    } else {
      if (t.state === 'Ongoing') this.finish(t, false);
      this.bumpEpoch(t);
      t.timeoutMs = timeoutMs;
      t.state = 'Empty';
    }
    this.save(t);
    return { errorCode: TXERR.NONE, producerId: t.producerId, epoch: t.epoch };
  }

  /** The error a request of (transactional id, producer id, epoch) gets before it acts, or NONE. */
  private check(transactionalId: string, producerId: number, epoch: number): { errorCode: number; t?: Transaction } {
    if (transactionalId === '') return { errorCode: TXERR.INVALID_REQUEST };
    const t = this.byId.get(transactionalId);
    if (!t || t.producerId !== producerId) return { errorCode: TXERR.INVALID_PRODUCER_ID_MAPPING };
    if (epoch !== t.epoch) return { errorCode: TXERR.INVALID_PRODUCER_EPOCH };
    return { errorCode: TXERR.NONE, t };
  }

  /** AddPartitionsToTxn: each partition's error code, in the order asked. */
  addPartitions(transactionalId: string, producerId: number, epoch: number, partitions: { topic: string; partition: number }[]): number[] {
    const { errorCode, t } = this.check(transactionalId, producerId, epoch);
    if (!t) return partitions.map(() => errorCode);
    // as Kafka: one unknown partition fails the request, the others answer OPERATION_NOT_ATTEMPTED (55)
    const unknown = partitions.map((p) => !this.ports.hasPartition(p.topic, p.partition));
    if (unknown.some(Boolean)) return unknown.map((u) => (u ? TXERR.UNKNOWN_TOPIC_OR_PARTITION : 55));
    this.begin(t);
    for (const p of partitions) t.partitions.add(partitionKey(p.topic, p.partition));
    return partitions.map(() => TXERR.NONE);
  }

  /** AddOffsetsToTxn: the group whose offsets the transaction will commit. */
  addOffsets(transactionalId: string, producerId: number, epoch: number, groupId: string): number {
    const { errorCode, t } = this.check(transactionalId, producerId, epoch);
    if (!t) return errorCode;
    this.begin(t);
    t.groups.add(groupId);
    return TXERR.NONE;
  }

  /** TxnOffsetCommit: an offset the group takes if the transaction commits. */
  commitOffset(transactionalId: string, groupId: string, producerId: number, epoch: number, topic: string, partition: number, offset: bigint, metadata: string | null): number {
    const { errorCode, t } = this.check(transactionalId, producerId, epoch);
    if (!t) return errorCode;
    if (t.state !== 'Ongoing' || !t.groups.has(groupId)) return TXERR.INVALID_TXN_STATE;
    if (!this.ports.hasPartition(topic, partition)) return TXERR.UNKNOWN_TOPIC_OR_PARTITION;
    // the broker's offset.metadata.max.bytes
    if (metadata !== null && Buffer.byteLength(metadata) > 4096) return 12;
    t.offsets.set(`${groupId}\u0000${partitionKey(topic, partition)}`, { groupId, topic, partition, offset, metadata });
    return TXERR.NONE;
  }

  /**
   * Whether a transactional batch of (producer id, epoch) may go to the partition: its transaction
   * is ongoing with the partition added, in the same epoch.
   */
  canHold(producerId: number, epoch: number, topic: string, partition: number): number {
    const t = this.byProducer.get(producerId);
    if (!t) return TXERR.INVALID_PRODUCER_ID_MAPPING;
    if (epoch !== t.epoch) return TXERR.INVALID_PRODUCER_EPOCH;
    if (t.state !== 'Ongoing' || !t.partitions.has(partitionKey(topic, partition))) return TXERR.INVALID_TXN_STATE;
    return TXERR.NONE;
  }

  /**
   * Whether the producer has transactional records of its ongoing transaction in the partition: a
   * plain batch of it may not go there then (Kafka: INVALID_TXN_STATE).
   */
  inTransactionOn(producerId: number, topic: string, partition: number): boolean {
    const t = this.byProducer.get(producerId);
    return t !== undefined && t.state === 'Ongoing' && t.held.some((h) => h.topic === topic && h.partition === partition);
  }

  /** A deleted topic takes the records and offsets that open transactions hold for it. */
  forgetTopic(topic: string): void {
    for (const t of this.byId.values()) {
      t.held = t.held.filter((h) => h.topic !== topic);
      for (const [k, o] of t.offsets) if (o.topic === topic) t.offsets.delete(k);
      for (const k of t.partitions) if (k.startsWith(`${topic}\u0000`)) t.partitions.delete(k);
    }
  }

  /** Holds a transactional batch until its transaction ends (canHold said yes). */
  hold(producerId: number, topic: string, partition: number, batch: PendingBatch): void {
    this.byProducer.get(producerId)!.held.push({ topic, partition, batch });
  }

  /**
   * EndTxn: commits or aborts the ongoing transaction. Ending a transaction that just ended the same
   * way again answers NONE (a client's retry); anything else without an ongoing one is INVALID_TXN_STATE.
   */
  end(transactionalId: string, producerId: number, epoch: number, commit: boolean): number {
    const { errorCode, t } = this.check(transactionalId, producerId, epoch);
    if (!t) return errorCode;
    if (t.state === (commit ? 'CompleteCommit' : 'CompleteAbort')) return TXERR.NONE;
    if (t.state !== 'Ongoing') return TXERR.INVALID_TXN_STATE;
    this.finish(t, commit);
    return TXERR.NONE;
  }

  /** Ends every timer (the server is closing). */
  close(): void {
    for (const t of this.byId.values()) clearTimeout(t.timer);
  }

  private begin(t: Transaction): void {
    if (t.state === 'Ongoing') return;
    t.state = 'Ongoing';
    this.save(t);
    this.armTimeout(t);
  }

  /** A transaction open longer than its timeout is aborted, and its producer fenced, as Kafka's coordinator does. */
  private armTimeout(t: Transaction): void {
    t.timer = setTimeout(() => {
      if (t.state !== 'Ongoing') return;
      // (a save that fails, the data dir full, leaves the server refusing writes; the abort stands in memory)
      try { this.finish(t, false, () => this.bumpEpoch(t)); } catch { /* the journal reports it to the next request */ }
    }, t.timeoutMs);
    t.timer.unref();
  }

  /**
   * Ends the ongoing transaction. A commit's records, offsets and new state go to the logs as one
   * unit, so a crash or a full disk leaves all of them or none (then the saved state is still
   * Ongoing, and a restart aborts it). What was held is taken first: a retry appends nothing twice.
   */
  private finish(t: Transaction, commit: boolean, then?: () => void): void {
    clearTimeout(t.timer);
    const held = t.held, offsets = [...t.offsets.entries()];
    const before = { state: t.state, partitions: [...t.partitions], groups: [...t.groups] };
    t.state = commit ? 'CompleteCommit' : 'CompleteAbort';
    t.partitions.clear(); t.groups.clear(); t.held = []; t.offsets.clear();
    then?.();
    try {
      this.ports.atomically(() => {
        if (commit) {
          for (const h of held) if (this.ports.hasPartition(h.topic, h.partition)) this.ports.append(h.topic, h.partition, h.batch);
          for (const [, o] of offsets) if (this.ports.hasPartition(o.topic, o.partition)) this.ports.commitOffset(o.groupId, o.topic, o.partition, o.offset, o.metadata);
        }
        this.save(t);
      });
    } catch (e) {
      // a commit the logs could not keep (they took all of it back) leaves the transaction ongoing,
      // its timeout running again, so the client's retry commits it rather than being answered as
      // done with its records gone; an abort stands in memory (nothing of it is to be kept)
      if (commit) {
        Object.assign(t, { state: before.state, held });
        for (const p of before.partitions) t.partitions.add(p);
        for (const g of before.groups) t.groups.add(g);
        for (const [k, o] of offsets) t.offsets.set(k, o);
        this.armTimeout(t);
      }
      throw e;
    }
    if (commit && held.length) this.ports.written();
  }

  private bumpEpoch(t: Transaction): void {
    if (t.epoch < MAX_EPOCH - 1) { t.epoch++; return; }
    // an exhausted epoch: a new producer id, as Kafka's coordinator hands out
    this.byProducer.delete(t.producerId);
    t.producerId = this.ports.newProducerId();
    t.epoch = 0;
    this.byProducer.set(t.producerId, t);
  }
}
