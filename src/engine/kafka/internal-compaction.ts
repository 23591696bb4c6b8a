import type { TopicRecord, TopicStore } from '../storage/topics.js';

/** An internal topic is compacted once it holds at least this many records, and over twice its live keys. */
const MIN_RECORDS = 1000;

/**
 * Compaction of the broker's own topics (`__consumer_offsets`, `__transaction_state`), which Kafka's
 * log cleaner keeps to the latest record of each key: a consumer group commits several times a
 * second, and each commit would otherwise be held for ever, in memory and in the journal's replay.
 * Here the latest record of each key still set is written again, as one unit, and every record
 * before those is deleted (DeleteRecords): offsets stay in order, a key's latest value is always
 * there (first the copies are kept, then the originals go), and a tombstone's key goes with it.
 * It runs after the request that wrote, never inside a group of appends.
 */
export class InternalCompactor {
  private readonly due = new Set<string>();
  private scheduled = false;
  /** Live keys after each topic's last compaction: the next waits until the topic holds twice as many. */
  private readonly lastLive = new Map<string, number>();

  constructor(private readonly topics: TopicStore, private readonly minRecords = MIN_RECORDS) {}

  /** Notes a write to internal topic `name` (of one partition). */
  wrote(name: string): void {
    this.due.add(name);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      for (const n of this.due) this.compact(n);
      this.due.clear();
    });
  }

  /** Compacts the topic if due; returns whether it did. */
  compact(name: string): boolean {
    const log = this.topics.get(name)?.partitions[0];
    if (!log || log.end - log.start <= Math.max(this.minRecords, 2 * (this.lastLive.get(name) ?? 0))) return false;
    const latest = new Map<string, TopicRecord>();
    for (const r of log.all()) if (r.key) latest.set(r.key.toString('latin1'), r);
    const live = [...latest.values()].filter((r) => r.value !== null).sort((a, b) => a.offset - b.offset);
    const from = log.end;
    try {
      this.topics.atomically(() => {
        for (const r of live) this.topics.append(name, { key: r.key, value: r.value, timestamp: r.timestamp, headers: r.headers, partition: 0 }, 'external');
      });
    } catch {
      // (the data dir refused the copies: nothing was written, and the records stay as they are)
      return false;
    }
    this.topics.deleteRecords(name, 0, from);
    this.lastLive.set(name, live.length);
    return true;
  }
}
