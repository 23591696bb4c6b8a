import type { Kafka, Consumer } from 'kafkajs';
import { buildKafkaEvent, sourceRecord, type EventSource, type SourceRecord } from './event.js';
import { InvocationTimeout } from './invoke.js';

export interface RunnerOptions {
  kafka: Kafka;
  bootstrapServers: string;
  topic: string;
  groupId: string;
  batchSize: number;
  batchingWindowMs: number;
  startingPosition: 'trim-horizon' | 'latest';
  maxConcurrency: number;
  eventSource: EventSource;
  /** Calls the function with one event; a throw fails the whole batch. */
  invoke: (event: unknown) => Promise<unknown>;
  /** What the runner does, for the CLI to render. */
  onEvent?: (e: RunnerEvent) => void;
  /** How long the consumer may go on failing to reach Kafka (restarting) before the runner gives up. */
  brokerTimeoutMs?: number;
}

export type RunnerEvent =
  | { type: 'invoked'; partition: number; records: number; ms: number }
  | { type: 'crashed'; error: string }
  | { type: 'retrying'; error: string }
  | { type: 'failed'; partition: number; records: number; error: string; attempt: number }
  | { type: 'scaled'; concurrency: number; lag: number };

/**
 * A local Kafka event source mapping. It consumes the topic in a consumer group and hands batches
 * to the function: one invocation at a time per partition; a batch whose invocation throws is
 * retried whole (after a back-off) until it succeeds; offsets are committed only after success.
 * Concurrency starts at one invocation and doubles (every half second) while more records wait
 * than one batch per running invocation, or while the lag does not fall, up to the partition count
 * and `maxConcurrency`, as Lambda adds pollers when a topic falls behind.
 */
export class EventSourceRunner {
  private consumer: Consumer | undefined;
  private stopped = false;
  /** Per partition, the offset the group starts from where it has committed nothing. */
  private startsAt = new Map<number, number>();
  /** When the consumer began failing to reach Kafka, while it still is. */
  private failingSince: number | undefined;
  private limit = 1;
  private active = 0;
  private waiting: (() => void)[] = [];
  private scaler: NodeJS.Timeout | undefined;
  private lastLag = Infinity;
  private ceiling = 1;
  readonly stats = { invocations: 0, failures: 0, records: 0 };

  constructor(private readonly o: RunnerOptions) {}

  async start(): Promise<void> {
    const admin = this.o.kafka.admin();
    await admin.connect();
    const offsets = await admin.fetchTopicOffsets(this.o.topic);
    const partitions = offsets.length;
    await admin.disconnect();
    // where a partition the group has not committed in starts: its end now (latest) or its log start
    this.startsAt = new Map(offsets.map((p) => [p.partition, Number(this.o.startingPosition === 'latest' ? p.high : p.low)]));
    this.ceiling = Math.max(1, Math.min(partitions, this.o.maxConcurrency));
    const consumer = this.o.kafka.consumer({
      groupId: this.o.groupId, maxWaitTimeInMs: Math.max(10, this.o.batchingWindowMs),
      // a fetch waits for about a batch (records of ~1 KB) or the batching window, whichever comes first
      minBytes: Math.min(5 * 1024 * 1024, this.o.batchSize * 1024), maxBytesPerPartition: 6 * 1024 * 1024,
      // an invocation may take as long as Lambda allows (15 minutes): the member heartbeats through
      // it, and a rebalance waits for it to finish. A fetch waiting out a long batching window sends
      // no heartbeat meanwhile: the session outlasts the window (up to 300 s, well within a broker's
      // group.max.session.timeout.ms of 30 minutes), or the member would be dropped from its group
      // during every such wait and never commit
      sessionTimeout: sessionTimeoutFor(this.o.batchingWindowMs), heartbeatInterval: 1000, rebalanceTimeout: 15 * 60_000,
    });
    // a consumer that gives up (an error it does not retry) ends the runner with that error, never silently
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (this.stopped) return;
      if (!payload.restart) { this.o.onEvent?.({ type: 'crashed', error: payload.error.message }); return; }
      // an error kafkajs retries (a lost broker): it restarts the consumer, and goes on doing so; the
      // runner says so, and gives up once Kafka has been out of reach for the broker timeout
      const now = Date.now();
      this.failingSince ??= now;
      const limit = this.o.brokerTimeoutMs ?? 60_000;
      if (now - this.failingSince >= limit) this.o.onEvent?.({ type: 'crashed', error: `${payload.error.message} (Kafka out of reach for ${Math.round((now - this.failingSince) / 1000)} s, the broker timeout is ${limit / 1000} s)` });
      else this.o.onEvent?.({ type: 'retrying', error: payload.error.message });
    });
    // any fetch or join means Kafka is back
    const back = () => { this.failingSince = undefined; };
    consumer.on(consumer.events.FETCH, back);
    consumer.on(consumer.events.GROUP_JOIN, back);
    this.consumer = consumer;
    await consumer.connect();
    await consumer.subscribe({ topic: this.o.topic, fromBeginning: this.o.startingPosition === 'trim-horizon' });
    await consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: this.ceiling,
      eachBatch: async ({ batch, heartbeat, isRunning, isStale }) => {
        this.busy++;
        try { await this.deliver(batch, heartbeat, isRunning, isStale); } finally {
          this.busy--;
          if (this.busy === 0) for (const w of this.idleWaiters.splice(0)) w();
        }
      },
    });
    this.scaler = setInterval(() => void this.scale(), 500);
    this.scaler.unref();
  }

  /** Batches in flight (invoking or committing): a stop waits for them while the consumer still runs. */
  private busy = 0;
  private idleWaiters: (() => void)[] = [];

  private async deliver(batch: { topic: string; partition: number; messages: Parameters<typeof sourceRecord>[2][] }, heartbeat: () => Promise<void>, isRunning: () => boolean, isStale: () => boolean): Promise<void> {
    const consumer = this.consumer!;
    const records = batch.messages.map((m) => sourceRecord(batch.topic, batch.partition, m));
    for (const chunk of cutBatches(records, this.o.batchSize)) {
      if (!isRunning() || isStale() || this.stopped) return;
      // a batch that succeeds is committed even when a stop came meanwhile: the stop waits for it,
      // so a clean stop never hands the same records to the function again
      if (!await this.invokeUntilDone(batch.partition, chunk, heartbeat, isRunning)) return;
      if (!isRunning() || isStale()) return;
      try {
        await consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: String(chunk[chunk.length - 1]!.offset + 1) }]);
      } catch (e) {
        // the group moved on (a rebalance) while the function ran: the partition's new owner
        // gets these records again, at least once, as Lambda's mapping delivers them
        if (isStale() || /rebalanc|not aware of this member|unknown member|generation/i.test((e as Error).message)) return;
        throw e;
      }
      if (this.stopped) return;
      await heartbeat();
    }
  }

  /** True once the function took the batch; false when the runner stopped before it did. */
  private async invokeUntilDone(partition: number, chunk: SourceRecord[], heartbeat: () => Promise<void>, isRunning: () => boolean): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      await this.acquire();
      const t0 = Date.now();
      // the member heartbeats while the function runs, so a long invocation keeps its partitions
      const beat = setInterval(() => { heartbeat().catch(() => undefined); }, 3000);
      try {
        await this.o.invoke(buildKafkaEvent(chunk, this.o.eventSource, this.o.bootstrapServers));
        this.stats.invocations++; this.stats.records += chunk.length;
        this.o.onEvent?.({ type: 'invoked', partition, records: chunk.length, ms: Date.now() - t0 });
        return true;
      } catch (e) {
        this.stats.failures++;
        this.o.onEvent?.({ type: 'failed', partition, records: chunk.length, error: e instanceof Error ? e.message : String(e), attempt });
        // a timed-out call still running here (Lambda would have stopped it) keeps its partition and
        // its slot until it ends, so its retry never runs beside it; one that never ends is let go
        // after a minute
        // (a stop ends the wait: no retry follows it)
        if (e instanceof InvocationTimeout && e.settled) {
          let cap: NodeJS.Timeout | undefined;
          await Promise.race([e.settled, this.stopping, new Promise<void>((r) => { cap = setTimeout(r, 60_000); cap.unref(); })]);
          clearTimeout(cap);
        }
      } finally {
        clearInterval(beat);
        this.release();
      }
      if (!isRunning() || this.stopped) return false;
      await heartbeat();
      await new Promise((r) => setTimeout(r, Math.min(5000, 100 * 2 ** (attempt - 1))));
    }
  }

  private acquire(): Promise<void> {
    if (this.active < this.limit) { this.active++; return Promise.resolve(); }
    return new Promise((r) => this.waiting.push(() => { this.active++; r(); }));
  }

  private release(): void {
    this.active--;
    while (this.active < this.limit && this.waiting.length) this.waiting.shift()!();
  }

  /** Doubles the concurrency while records pile up. */
  private async scale(): Promise<void> {
    if (this.stopped || this.limit >= this.ceiling) return;
    const lag = await this.lag().catch(() => undefined);
    if (lag === undefined) return;
    // more waiting than one batch per running invocation, or a lag that is not falling: add pollers
    if (lag > this.limit * this.o.batchSize || (lag > 0 && lag >= this.lastLag)) {
      this.limit = Math.min(this.ceiling, this.limit * 2);
      this.o.onEvent?.({ type: 'scaled', concurrency: this.limit, lag });
      while (this.active < this.limit && this.waiting.length) this.waiting.shift()!();
    }
    this.lastLag = lag;
  }

  async lag(): Promise<number> {
    const admin = this.o.kafka.admin();
    await admin.connect();
    try {
      const [ends, committed] = await Promise.all([admin.fetchTopicOffsets(this.o.topic), admin.fetchOffsets({ groupId: this.o.groupId, topics: [this.o.topic] })]);
      const done = new Map(committed[0]?.partitions.map((p) => [p.partition, Number(p.offset)]) ?? []);
      const from = (p: { partition: number; low: string }) => {
        const c = done.get(p.partition);
        return c !== undefined && c >= 0 ? c : this.startsAt.get(p.partition) ?? Number(p.low);
      };
      return ends.reduce((n, p) => n + Math.max(0, Number(p.high) - from(p)), 0);
    } finally { await admin.disconnect(); }
  }

  get concurrency(): number { return this.limit; }

  /** Resolved when a stop is asked for. */
  private stopAsked!: () => void;
  private readonly stopping = new Promise<void>((r) => { this.stopAsked = r; });

  /** Stops taking batches, lets the ones in flight finish and commit, then leaves the group. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.stopAsked();
    if (this.scaler) clearInterval(this.scaler);
    if (this.busy > 0) await new Promise<void>((r) => this.idleWaiters.push(r));
    await this.consumer?.disconnect();
  }
}

/** The consumer's session: 30 s more than the batching window a fetch may wait out without a heartbeat. */
export const sessionTimeoutFor = (batchingWindowMs: number): number => batchingWindowMs + 30_000;

/** Lambda's limit on an invocation's payload: a batch is also cut where its event would pass 6 MB. */
export const MAX_PAYLOAD_BYTES = 6 * 1024 * 1024;

/**
 * The records in batches of at most `size` records and, estimated as the event carries them (key
 * and value in base64, with each record's fields), at most 6 MB; a single record larger than that
 * still goes alone, as the function would be asked to take it.
 */
export function cutBatches(records: SourceRecord[], size: number, maxBytes = MAX_PAYLOAD_BYTES): SourceRecord[][] {
  const out: SourceRecord[][] = [];
  let current: SourceRecord[] = [], bytes = 0;
  for (const r of records) {
    const b = eventBytes(r);
    if (current.length && (current.length >= size || bytes + b > maxBytes)) { out.push(current); current = []; bytes = 0; }
    current.push(r); bytes += b;
  }
  if (current.length) out.push(current);
  return out;
}

const eventBytes = (r: SourceRecord) => 200 + r.topic.length + Math.ceil(((r.key?.length ?? 0) + (r.value?.length ?? 0)) / 3) * 4 + r.headers.reduce((n, h) => n + 16 + h.key.length + (h.value?.length ?? 0) * 4, 0);
