import type { WindowSpec } from '../sql/ast.js';
import type { BoundAggregate } from '../functions/aggregate.js';
import type { Header } from '../storage/topics.js';
import { keyString, LatestWindowText } from '../functions/values.js';
import { KsqlStatementError } from './errors.js';
import type { StoreFactory } from '../state/store.js';

type Output = (key: unknown[], accs: unknown[], ts: number, window: { start: number; end: number } | undefined, headers: Header[], removed: boolean) => void;

export interface Windowing {
  add(key: unknown[], args: unknown[][], ts: number, partition: number, headers: Header[]): void;
  undo(key: unknown[], args: unknown[][], ts: number, headers: Header[], silent?: boolean): void;
}

const DAY = 86_400_000;

/** Stream time is kept per partition, under the partition number as text (made once per number). */
const partitionKeys: string[] = [];
const partitionKey = (p: number): string => partitionKeys[p] ??= String(p);

/** `fns`: the aggregate calls its accumulators belong to, in order (absent in state from before it was kept). */
/** `p`: the partition (task) whose stream time closes a window or session (absent in state kept before it was recorded). */
interface Agg {
  key: unknown[]; accs: unknown[]; ts: number; window?: { start: number; end: number }; fns?: string; p?: number;
  /** EMIT FINAL: a session already emitted as closed (it stays in the store, where a later record may still merge it into a new one). */
  emitted?: boolean;
}

/** EMIT FINAL without a GRACE PERIOD closes a window at its end, as ksqlDB's suppression does; else a day less the size. */
const graceOf = (spec: WindowSpec, final: boolean): number => (spec.grace ? spec.grace.ms : final ? 0 : Math.max(DAY - spec.size.ms, 0));

/**
 * What Kafka Streams refuses when ksqlDB builds the query: an empty window or session gap, and a
 * RETENTION shorter than the size (gap) plus the grace period, whose default is a day less the size.
 */
export function checkWindow(spec: WindowSpec, final: boolean): void {
  const session = spec.type === 'SESSION';
  if (spec.size.ms <= 0) throw new KsqlStatementError(session ? 'Gap time (inactivityGapMs) cannot be zero or negative.' : 'Window size (sizeMs) must be larger than zero.');
  if (!spec.retention) return;
  const grace = session ? (spec.grace ? spec.grace.ms : Math.max(DAY - spec.size.ms, 0)) : graceOf(spec, final);
  if (spec.size.ms + grace <= spec.retention.ms) return;
  throw new KsqlStatementError(session
    ? `The retention period of the session store ${STORE} must be no smaller than the session inactivity gap plus the grace period. Got gap=[${spec.size.ms}], grace=[${grace}], retention=[${spec.retention.ms}]`
    : `The retention period of the window store ${STORE} must be no smaller than its window size plus the grace period. Got size=[${spec.size.ms}], grace=[${grace}], retention=[${spec.retention.ms}]`);
}

/** The name ksqlDB gives a windowed aggregation's store. */
const STORE = 'Aggregate-Aggregate-Materialize';

/**
 * How long a time window's store keeps a window after the latest window start it was given
 * (RETENTION, else size + grace): a window that starts earlier is gone, for pull queries too.
 */
export const windowRetention = (spec: WindowSpec, final: boolean): number => (spec.retention ? spec.retention.ms : spec.size.ms + graceOf(spec, final));

/** The session grace period: GRACE PERIOD, else a day less the gap. */
const sessionGrace = (spec: WindowSpec): number => (spec.grace ? spec.grace.ms : Math.max(DAY - spec.size.ms, 0));

/**
 * How long a session store keeps a session after the latest session end it was given (RETENTION,
 * else gap + grace): one that ended earlier no longer merges, and pull queries no longer see it.
 */
export const sessionRetention = (spec: WindowSpec): number => (spec.retention ? spec.retention.ms : spec.size.ms + sessionGrace(spec));

/**
 * Aggregation state per group (and per window): incremental, one record at a time.
 * Late records follow Kafka Streams: a time window is closed once its end <= stream time - grace.
 */
export function buildWindowing(spec: WindowSpec | undefined, aggs: BoundAggregate[], output: Output, final: boolean, stores: StoreFactory, calls: string[] = aggs.map((_a, i) => String(i))): Windowing {
  const state = stores<Agg>('aggregate');
  const fns = calls.join('\u0000');
  /**
   * State kept by the query this one replaced (CREATE OR REPLACE) may hold other aggregates: each
   * accumulator goes to the call it belongs to, and a call that is new starts from its initial value.
   */
  const current = (a: Agg | undefined): Agg | undefined => {
    if (!a || a.fns === fns) return a;
    const before = a.fns?.split('\u0000');
    a.accs = calls.map((c, i) => {
      const j = before ? before.indexOf(c) : i < a.accs.length ? i : -1;
      return j >= 0 ? a.accs[j] : aggs[i]!.init();
    });
    a.fns = fns;
    return a;
  };
  // accumulators are replaced in place: the state holds this array only
  const fold = (a: Agg, args: unknown[][]) => { for (let i = 0; i < aggs.length; i++) a.accs[i] = aggs[i]!.add(a.accs[i], args[i]!); };
  if (!spec) {
    return {
      add(key, args, ts, _p, headers) {
        const sk = keyString(key);
        let a = current(state.get(sk));
        if (!a) a = { key, accs: aggs.map((g) => g.init()), ts, fns };
        fold(a, args);
        a.ts = Math.max(a.ts, ts);
        state.put(sk, a);
        output(key, a.accs, a.ts, undefined, headers, false);
      },
      undo(key, args, ts, headers, silent) {
        const sk = keyString(key);
        const a = current(state.get(sk));
        if (!a) return;
        a.accs = a.accs.map((acc, i) => (aggs[i]!.undo ? aggs[i]!.undo!(acc, args[i]!) : acc));
        a.ts = Math.max(a.ts, ts);
        state.put(sk, a);
        if (!silent) output(key, a.accs, a.ts, undefined, headers, false);
      },
    };
  }
  if (spec.type === 'SESSION') {
    if (aggs.some((a) => !a.merge)) throw new KsqlStatementError('The local server cannot merge this aggregate in SESSION windows yet');
    return sessionWindowing(spec, aggs, output, stores, final, current, fns);
  }
  const size = spec.size.ms;
  const advance = spec.type === 'HOPPING' ? spec.advance!.ms : size;
  const grace = graceOf(spec, final);
  const streamTime = stores<number>('stream-time');
  // EMIT FINAL: windows updated since they last went out wait here, with the partition whose
  // stream time closes them (a changelog from before partitions were kept holds `true`)
  const pending = stores<number | true>('suppress-buffer');
  // EMIT FINAL reads closed windows back from a window store that keeps `retention` before the
  // latest window start it was given; an older window, even one never emitted, is gone (Kafka
  // Streams' AbstractDualSchemaRocksDBSegmentedBytesStore.fetchAll, time-first key schema)
  const retention = windowRetention(spec, final);
  const latestStart = stores<number>('latest-window-start');
  let purgedAt = -Infinity;
  /** Emits the final rows of closed windows, oldest end first; forgets closed windows' state. */
  const close = (st: number, partition: number, headers: Header[]) => {
    if (final) {
      const retained = (latestStart.get(String(partition)) ?? -Infinity) - retention;
      const due: Agg[] = [];
      for (const [sk, p] of pending.entries()) {
        if (p !== true && p !== partition) continue;
        const a = current(state.get(sk));
        if (!a) { pending.delete(sk); continue; }
        if (a.window!.end + grace > st) continue;
        if (a.window!.start >= retained) due.push(a);
        else { pending.delete(sk); state.delete(sk); }
      }
      due.sort((x, y) => x.window!.end - y.window!.end);
      for (const a of due) {
        const sk = `${keyString(a.key)}@${a.window!.start}`;
        pending.delete(sk);
        output(a.key, a.accs, a.ts, a.window, headers, false);
      }
    }
    // a closed window takes no more records: its state can go (scanned once per window size of time).
    // Closed by its own partition's stream time: another partition's may be far ahead.
    if (st - purgedAt < size) return;
    purgedAt = st;
    for (const [sk, a] of [...state.entries()]) {
      const owner = a.p === undefined || a.p === partition ? st : (streamTime.get(partitionKey(a.p)) ?? -Infinity);
      if (a.window!.end + grace <= owner && !pending.has(sk)) state.delete(sk);
    }
  };
  // each group's latest window's state key, remembered
  const stateKeys = new LatestWindowText();
  /** Adds a record to its window starting at `start` (stream time `st`), unless the window has closed. */
  const addTo = (start: number, key: unknown[], ks: string, args: unknown[][], ts: number, st: number, partition: number, pk: string, headers: Header[]) => {
    const end = start + size;
    if (end <= st - grace) return;
    // the window store's observed stream time (pull queries read only windows it still keeps)
    if (start > (latestStart.get(pk) ?? -Infinity)) latestStart.put(pk, start);
    const sk = stateKeys.known(ks, start, end) ?? stateKeys.keep(ks, start, end, `${ks}@${start}`);
    let a = current(state.get(sk));
    // (the partition set in the literal: one object shape for every window's state)
    if (!a) a = { key, accs: aggs.map((g) => g.init()), ts, window: { start, end }, fns, p: partition };
    fold(a, args);
    a.ts = Math.max(a.ts, ts);
    a.p = partition;
    state.put(sk, a);
    if (final) pending.put(sk, partition); else output(key, a.accs, a.ts, a.window, headers, false);
  };
  return {
    add(key, args, ts, partition, headers) {
      const pk = partitionKey(partition);
      const before = streamTime.get(pk) ?? -Infinity;
      const st = Math.max(before, ts);
      if (st !== before) streamTime.put(pk, st);
      if (ts < 0) return;
      const ks = keyString(key);
      // a tumbling window is the one holding ts; hopping ones are every start within size of it
      if (advance === size) addTo(ts - (ts % size), key, ks, args, ts, st, partition, pk, headers);
      else {
        const first = Math.max(0, Math.floor((ts - size) / advance) * advance + advance);
        for (let s = first - (first > ts ? advance : 0); s <= ts; s += advance) if (s >= 0 && ts < s + size) addTo(s, key, ks, args, ts, st, partition, pk, headers);
      }
      close(st, partition, headers);
    },
    undo() { throw new KsqlStatementError('Windowed aggregation over a table is not supported'); },
  };
}

/**
 * Session windows: a record within `gap` of a key's sessions merges them. Each merged-away session
 * is retracted (a tombstone stamped with its old end), then the merged session [min start, max end]
 * is emitted, stamped with its end. Late: merged end < stream time - gap - grace.
 */
function sessionWindowing(spec: WindowSpec, aggs: BoundAggregate[], output: Output, stores: StoreFactory, final: boolean, current: (a: Agg) => Agg | undefined, fns: string): Windowing {
  const gap = spec.size.ms;
  const grace = sessionGrace(spec);
  const sessions = stores<Agg[]>('sessions');
  const streamTime = stores<number>('stream-time');
  // the session store keeps sessions ending within `retention` of the latest end it was given: an
  // older session no longer merges (Kafka Streams' RocksDBSegmentedBytesStore fetch, session key schema)
  const retention = sessionRetention(spec);
  const latestEnd = stores<number>('latest-session-end');
  /**
   * EMIT FINAL: closed sessions go out once, oldest end first, as Kafka Streams' emit-final fetch of
   * the sessions ending before the close time. They stay in the store until retention drops them: a
   * later record within the gap of one (and of a session still open) merges it into a new session,
   * which goes out when it closes in turn.
   */
  const closeSessions = (st: number, partition: number, headers: Header[]) => {
    const due: Agg[] = [];
    const kept = (latestEnd.get(String(partition)) ?? -Infinity) - retention + 1;
    for (const [sk, list] of [...sessions.entries()]) {
      // a key's sessions are closed by its own partition's stream time
      if (list.some((a) => a.p !== undefined && a.p !== partition)) continue;
      if (!list.some((a) => (!a.emitted && a.window!.end + gap + grace <= st) || (a.emitted && a.window!.end < kept))) continue;
      const next: Agg[] = [];
      for (const a of list) {
        if (a.emitted) { if (a.window!.end >= kept) next.push(a); continue; }
        if (a.window!.end + gap + grace > st) { next.push(a); continue; }
        const closed = { ...current(a)!, emitted: true };
        due.push(closed);
        if (closed.window!.end >= kept) next.push(closed);
      }
      if (next.length) sessions.put(sk, next); else sessions.delete(sk);
    }
    due.sort((x, y) => x.window!.end - y.window!.end);
    for (const a of due) output(a.key, a.accs, a.window!.end, a.window, headers, false);
  };
  return {
    add(key, args, ts, partition, headers) {
      const st = Math.max(streamTime.get(String(partition)) ?? -Infinity, ts);
      streamTime.put(String(partition), st);
      const sk = keyString(key);
      const list = (sessions.get(sk) ?? []).map((a) => current(a)!);
      const kept = (latestEnd.get(String(partition)) ?? -Infinity) - retention + 1;
      const overlapping = list.filter((a) => a.window!.end >= Math.max(ts - gap, kept) && a.window!.start <= ts + gap);
      const start = Math.min(ts, ...overlapping.map((a) => a.window!.start));
      const end = Math.max(ts, ...overlapping.map((a) => a.window!.end));
      if (end < st - gap - grace) return;
      if (end > (latestEnd.get(String(partition)) ?? -Infinity)) latestEnd.put(String(partition), end);
      // as Kafka Streams does: the initial value, merged with each overlapping session in the
      // store's order (by end), then the new record added (COLLECT_LIST: older elements first)
      let accs = aggs.map((g) => g.init());
      // a merge that leaves the session where the record alone puts it ([ts, ts]: sessions at the
      // record's very time) replaces them in place, and Kafka Streams retracts none of them
      const inPlace = start === ts && end === ts;
      for (const o of overlapping.sort((a, b) => a.window!.end - b.window!.end)) {
        accs = accs.map((acc, i) => aggs[i]!.merge!(acc, o.accs[i]));
        if (!final && !inPlace) output(key, o.accs, o.window!.end, o.window, headers, true);
      }
      accs = accs.map((acc, i) => aggs[i]!.add(acc, args[i]!));
      const merged: Agg = { key, accs, ts: end, window: { start, end }, fns, p: partition };
      sessions.put(sk, [...list.filter((a) => !overlapping.includes(a)), merged]);
      if (!final) output(key, merged.accs, end, merged.window, headers, false);
      else closeSessions(st, partition, headers);
    },
    undo() { throw new KsqlStatementError('Windowed aggregation over a table is not supported'); },
  };
}
