import type { Header } from '../storage/topics.js';
import type { StateStore, StoreFactory } from '../state/store.js';
import type { Row } from './compile.js';
import { keyString, parseKeyString } from '../functions/values.js';

/**
 * One row flowing into or out of a join step: its key (the source's key, or the key the previous
 * step produced), its columns named `ALIAS_COLUMN`, or null for a table's tombstone.
 */
export interface JoinEvent {
  key: unknown[]; row: Row | null; ts: number; headers: Header[];
  /**
   * A windowed source's window, as its windowed key holds it: [start] for time windows, [start, end]
   * for sessions. Rows join only within the same window, as ksqlDB joins the whole windowed key.
   */
  window?: unknown[];
  /** The partition (Kafka Streams task) the row is processed in: stream time is kept per partition. */
  partition?: number;
}

/** A join key with the event's window, if any. */
const withWindow = (key: unknown[], e: JoinEvent): string => keyString(e.window ? [...key, ...e.window] : key);
export type JoinEmit = (e: JoinEvent) => void;

/** A join step: two inputs, one output, the state of a two-way join. */
export interface JoinCore { left(e: JoinEvent): void; right(e: JoinEvent): void }

export type JoinType = 'INNER' | 'LEFT' | 'RIGHT' | 'FULL';

export interface CoreSpec {
  type: JoinType;
  /** The join key of a left row, and of a right row (expressions of the ON clause). */
  leftKey: (row: Row) => unknown;
  rightKey: (row: Row) => unknown;
  /** Rows of nulls that stand for a missing side in outer joins. */
  nullsL: Row;
  nullsR: Row;
  /** Builds the joined row from a left and a right row. */
  joinRows: (a: Row, b: Row) => Row;
  stores: StoreFactory;
  /** Prefix of this step's store names, so the steps of an n-way join keep apart. */
  name: string;
  emit: JoinEmit;
}


/** Stream-table: each stream row joins the table row current for its key, at the stream row's time. */
export function streamTableCore(s: CoreSpec): JoinCore {
  const table = s.stores<Row>(`${s.name}join-table`);
  return {
    right(e) {
      if (e.key.some((k) => k === null || k === undefined)) return;
      const k = withWindow(e.key, e);
      if (e.row === null) table.delete(k); else table.put(k, e.row);
    },
    left(e) {
      if (e.row === null) return;
      const jk = s.leftKey(e.row);
      // a stream row without a join key joins nothing, LEFT JOIN too: Kafka Streams before 3.7 (KIP-962)
      // drops it ("Skipping record due to null join key or value")
      if (jk === null || jk === undefined) return;
      const match = table.get(withWindow([jk], e));
      if (!match && s.type === 'INNER') return;
      s.emit({ key: [jk], row: s.joinRows(e.row, match ?? s.nullsR), ts: e.ts, headers: e.headers, window: e.window });
    },
  };
}

export interface WindowSpec { before: number; after: number; grace?: number }

/**
 * The grace a join window keeps when the statement gives none: ksqlDB builds it with Kafka Streams'
 * JoinWindows.of(before), whose grace is what is left of 24 hours after twice that difference, so
 * the stores keep a record for 24 hours in all (and longer only when WITHIN alone is longer).
 */
const defaultGrace = (w: WindowSpec) => Math.max(86_400_000 - 2 * w.before, 0);

/**
 * Stream-stream: each side buffers its rows per join key; an arriving row joins the other side's
 * rows within WITHIN (before, after) and the result takes the later time. Outer sides without GRACE
 * emit the padded row at once; with GRACE, once the window and grace have passed without a match.
 * Rows older than the window plus grace are gone from the stores, as from Kafka Streams' window stores.
 */
export function streamStreamCore(s: CoreSpec, w: WindowSpec): JoinCore {
  interface Buffered { row: Row; ts: number; matched: boolean; emitted: boolean; partition?: number }
  // each buffered row is an entry of its own, `<join key>\u0001<n>`, as a window store keeps each
  // record: a put writes one row to the changelog, never a key's whole list (which grew with every row)
  const stores = { L: s.stores<Buffered>(`${s.name}join-left`), R: s.stores<Buffered>(`${s.name}join-right`) };
  const time = s.stores<number>(`${s.name}stream-time`);
  const outers = new Set<'L' | 'R'>(s.type === 'LEFT' ? ['L'] : s.type === 'RIGHT' ? ['R'] : s.type === 'FULL' ? ['L', 'R'] : []);
  const retention = w.before + w.after + (w.grace ?? defaultGrace(w));
  const padded = (side: 'L' | 'R', row: Row): Row => (side === 'L' ? s.joinRows(row, s.nullsR) : s.joinRows(s.nullsL, row));
  const closes = (side: 'L' | 'R', ts: number) => ts + (side === 'L' ? w.after : w.before);
  // stream time is a task's, and a task is a partition: keys of other partitions do not move it
  const timeKey = (task: number, which: 't' | 'L' | 'R') => (task === 0 ? which : `${task}:${which}`);
  const expiredAt = new Map<number, number>();

  /** Per side, each join key's entries in arrival order; made from the store on first use (after a restore). */
  let index: { L: Map<string, string[]>; R: Map<string, string[]> } | undefined;
  let next = 0;
  const entriesOf = () => {
    if (index) return index;
    index = { L: new Map(), R: new Map() };
    for (const side of ['L', 'R'] as const) {
      const store = stores[side] as unknown as StateStore<Buffered | Buffered[]>;
      const found: [number, string, string][] = [];
      for (const [ek, v] of [...store.entries()]) {
        // a key's whole list, as state of before each row had an entry of its own: one entry a row
        if (Array.isArray(v)) { store.delete(ek); for (const b of v) { const n = next++; store.put(`${ek}\u0001${n}`, b); found.push([n, ek, `${ek}\u0001${n}`]); } continue; }
        const cut = ek.lastIndexOf('\u0001');
        const n = Number(ek.slice(cut + 1));
        next = Math.max(next, n + 1);
        found.push([n, ek.slice(0, cut), ek]);
      }
      found.sort((a, b) => a[0] - b[0]);
      for (const [, k, ek] of found) { const list = index[side].get(k); if (list) list.push(ek); else index[side].set(k, [ek]); }
    }
    return index;
  };
  /** Drops a side's entries of key `k` that `keep` refuses. */
  const prune = (side: 'L' | 'R', k: string, keep: (b: Buffered) => boolean) => {
    const list = entriesOf()[side].get(k);
    if (!list) return;
    const kept = list.filter((ek) => { const b = stores[side].get(ek); if (b && keep(b)) return true; stores[side].delete(ek); return false; });
    if (kept.length === 0) index![side].delete(k); else if (kept.length !== list.length) index![side].set(k, kept);
  };

  const expire = (task: number, now: number, headers: Header[]) => {
    if (expiredAt.get(task) === now) return;
    expiredAt.set(task, now);
    // unmatched outer rows of this partition whose window and grace have passed, oldest first, as
    // Kafka Streams' outer store emits them
    const due: { side: 'L' | 'R'; k: string; ek: string; b: Buffered }[] = [];
    for (const side of ['L', 'R'] as const) {
      const store = stores[side];
      const storeTime = time.get(timeKey(task, side)) ?? now;
      for (const [k, list] of [...entriesOf()[side]]) {
        const rows = list.map((ek) => [ek, store.get(ek)!] as const);
        if (!rows.some(([, b]) => (b.partition ?? 0) === task)) continue;
        if (outers.has(side) && w.grace !== undefined) for (const [ek, b] of rows) if ((b.partition ?? 0) === task && !b.matched && !b.emitted && now > closes(side, b.ts) + w.grace) due.push({ side, k, ek, b });
        prune(side, k, (b) => (b.partition ?? 0) !== task || b.ts >= storeTime - retention || (outers.has(side) && !b.matched && !b.emitted));
      }
    }
    // in the order of the outer store's keys: time, then the side (right first), then the key's bytes
    due.sort((x, y) => x.b.ts - y.b.ts || (x.side === y.side ? compareKeyBytes(x.k, y.k) : x.side === 'R' ? -1 : 1));
    for (const d of due) {
      d.b.emitted = true;
      // the join key from the row itself (its text does not give back every type: decimals, longs);
      // the window bounds, numbers, from the text
      const k0 = (d.side === 'L' ? s.leftKey : s.rightKey)(d.b.row);
      const window = parseKeyString(d.k).slice(1);
      s.emit({ key: [k0], row: padded(d.side, d.b.row), ts: d.b.ts, headers, window: window.length ? window : undefined, partition: task });
      if (stores[d.side].has(d.ek)) stores[d.side].put(d.ek, d.b);
      const sideTime = time.get(timeKey(task, d.side)) ?? now;
      prune(d.side, d.k, (b) => (b.partition ?? 0) !== task || b.ts >= sideTime - retention);
    }
  };

  const arrive = (side: 'L' | 'R', e: JoinEvent) => {
    if (e.row === null) return;
    const isLeft = side === 'L', otherSide = isLeft ? 'R' : 'L';
    const jk = (isLeft ? s.leftKey : s.rightKey)(e.row);
    if (jk === null || jk === undefined) return;
    const k = withWindow([jk], e);
    // per partition: one stream time for the join, and one per window store (each advances with its own puts)
    const task = e.partition ?? 0;
    const now = Math.max(time.get(timeKey(task, 't')) ?? -Infinity, e.ts);
    const mineTime = Math.max(time.get(timeKey(task, side)) ?? -Infinity, e.ts), theirTime = time.get(timeKey(task, otherSide)) ?? -Infinity;
    time.put(timeKey(task, 't'), now);
    time.put(timeKey(task, side), mineTime);
    const entries = entriesOf();
    const theirs = stores[otherSide];
    // a row that moves stream time on (or keeps it) first emits the outer rows whose window and grace
    // have passed, then joins: Kafka Streams' join processor flushes its outer store before the fetch
    if (e.ts === now) expire(task, now, e.headers);
    const entry: Buffered = task === 0 ? { row: e.row, ts: e.ts, matched: false, emitted: false } : { row: e.row, ts: e.ts, matched: false, emitted: false, partition: task };
    const from = e.ts - (isLeft ? w.before : w.after), to = e.ts + (isLeft ? w.after : w.before);
    // the other side's rows in time order, as a window store's fetch gives them (arrival order within a
    // time); the fetch leaves out what its retention has passed: from its stream time less the retention, plus one
    const matches = (entries[otherSide].get(k) ?? []).map((ek) => [ek, theirs.get(ek)!] as const)
      .filter(([, b]) => b.ts >= from && b.ts <= to && b.ts > theirTime - retention).sort((a, b) => a[1].ts - b[1].ts);
    for (const [ek, m] of matches) {
      entry.matched = true;
      if (!m.matched) { m.matched = true; theirs.put(ek, m); }
      s.emit({ key: [jk], row: isLeft ? s.joinRows(e.row, m.row) : s.joinRows(m.row, e.row), ts: Math.max(e.ts, m.ts), headers: e.headers, window: e.window, partition: task });
    }
    if (!entry.matched && outers.has(side) && (w.grace === undefined || to < now)) {
      // no grace (the old behaviour), or a window that has already closed: the padded row goes out now
      entry.emitted = true;
      s.emit({ key: [jk], row: padded(side, e.row), ts: e.ts, headers: e.headers, window: e.window, partition: task });
    }
    // a window store skips a record older than its own time less the retention
    if (e.ts >= mineTime - retention) {
      const ek = `${k}\u0001${next++}`;
      stores[side].put(ek, entry);
      const list = entries[side].get(k);
      if (list) list.push(ek); else entries[side].set(k, [ek]);
    }
  };
  return { left: (e) => arrive('L', e), right: (e) => arrive('R', e) };
}

/**
 * The order of two join keys (keyString texts of [key, ...window]) as their KAFKA-format bytes sort:
 * integers as big-endian two's complement (negatives after the rest), strings as UTF-8; other keys
 * keep their order.
 */
function compareKeyBytes(a: string, b: string): number {
  const x = parseKeyString(a)[0], y = parseKeyString(b)[0];
  // keys of different kinds keep a fixed order among themselves, so the order is a total one
  const kind = (v: unknown) => (typeof v === 'number' && Number.isInteger(v) ? 0 : typeof v === 'string' ? 1 : 2);
  const kx = kind(x), ky = kind(y);
  if (kx !== ky) return kx - ky;
  if (kx === 0) { const m = x as number, n = y as number; return m < 0 === n < 0 ? m - n : m < 0 ? 1 : -1; }
  if (kx === 1) return Buffer.compare(Buffer.from(x as string), Buffer.from(y as string));
  return 0;
}

interface Stored { row: Row; ts: number; key?: unknown[] }

/**
 * Table-table on the primary key, as Kafka Streams joins two KTables: an update on one side joins
 * the other side's current row for the key, at the later of the two times. A side that an INNER,
 * LEFT or RIGHT join needs and that is missing gives no result; a result that no longer holds is a
 * tombstone.
 */
export function tablePrimaryKeyCore(s: CoreSpec): JoinCore {
  const stores = { L: s.stores<Stored>(`${s.name}join-left`), R: s.stores<Stored>(`${s.name}join-right`) };
  const required = s.type === 'INNER' ? 'both' : s.type === 'LEFT' ? 'L' : s.type === 'RIGHT' ? 'R' : 'none';
  const update = (side: 'L' | 'R', e: JoinEvent) => {
    if (e.key.some((k) => k === null || k === undefined)) return;
    const k = withWindow(e.key, e);
    const isLeft = side === 'L';
    const had = e.row === null ? stores[side].delete(k) : (stores[side].put(k, { row: e.row, ts: e.ts }), true);
    const other = stores[isLeft ? 'R' : 'L'].get(k);
    if (!other && (required === 'both' || required === (isLeft ? 'R' : 'L'))) return;
    // a tombstone for a key this side never had, the other side missing too, changes no result:
    // Kafka Streams' outer and left joins pass it over (a change from null to null)
    if (!other && !had) return;
    const lRow = isLeft ? e.row : other?.row ?? null, rRow = isLeft ? other?.row ?? null : e.row;
    const present = required === 'L' ? lRow : required === 'R' ? rRow : required === 'both' ? lRow && rRow : lRow || rRow;
    const ts = other ? Math.max(e.ts, other.ts) : e.ts;
    s.emit({ key: e.key, row: present ? s.joinRows(lRow ?? s.nullsL, rRow ?? s.nullsR) : null, ts, headers: e.headers, window: e.window });
  };
  return { left: (e) => update('L', e), right: (e) => update('R', e) };
}

/**
 * Table-table on a foreign key (INNER, LEFT): the left row's expression names a right key; results
 * are keyed by the left key and redone for every left row that refers to a right key when that right
 * row changes, at the time of the change.
 */
export function tableForeignKeyCore(s: CoreSpec): JoinCore {
  const left = s.stores<Stored>(`${s.name}join-left`), right = s.stores<Stored>(`${s.name}join-right`);
  const byForeignKey = s.stores<string[]>(`${s.name}join-fk-index`);
  const joined = s.stores<boolean>(`${s.name}join-fk-emitted`);
  // `ts`: a left row joined to a right one takes the later of the two times, as Kafka Streams'
  // subscription join processor stamps it
  const out = (key: unknown[], row: Row | null, e: JoinEvent, onlyIfJoined = false, ts = e.ts) => {
    const k = keyString(key);
    if (row === null) { if (joined.delete(k) || !onlyIfJoined) s.emit({ key, row: null, ts, headers: e.headers }); return; }
    if (!joined.has(k)) joined.put(k, true);
    s.emit({ key, row, ts, headers: e.headers });
  };
  return {
    left(e) {
      if (e.key.every((k) => k === null || k === undefined)) return;
      const k = keyString(e.key);
      const prev = left.get(k);
      const fkOf = (row: Row) => { const v = s.leftKey(row); return v === null || v === undefined ? undefined : keyString([v]); };
      const prevFk = prev ? fkOf(prev.row) : undefined;
      const fk = e.row ? fkOf(e.row) : undefined;
      if (prevFk !== undefined && prevFk !== fk) byForeignKey.put(prevFk, (byForeignKey.get(prevFk) ?? []).filter((x) => x !== k));
      // a tombstone for a key the left table never had is a change from null to null: nothing to send
      if (e.row === null) { if (left.delete(k)) out(e.key, null, e); return; }
      // (with its key: the text does not give back every type, decimals and longs beyond 2^53)
      left.put(k, { row: e.row, ts: e.ts, key: e.key });
      if (fk !== undefined && prevFk !== fk) byForeignKey.put(fk, [...(byForeignKey.get(fk) ?? []), k]);
      const match = fk === undefined ? undefined : right.get(fk);
      if (match) out(e.key, s.joinRows(e.row, match.row), e, false, Math.max(e.ts, match.ts));
      else if (s.type === 'LEFT') out(e.key, s.joinRows(e.row, s.nullsR), e);
      // an inner join's row updated to a foreign key with no right row is retracted, joined before or
      // not, its foreign key changed or not (Kafka Streams subscribes every update of a row with
      // PROPAGATE_NULL_IF_NO_FK_VAL_AVAILABLE, and the response without a right row is a tombstone)
      // (a row whose foreign key was null never sent a result, so it has none to retract)
      else out(e.key, null, e, !(prev && prevFk !== undefined));
    },
    right(e) {
      if (e.key.every((k) => k === null || k === undefined)) return;
      const k = keyString(e.key);
      if (e.row === null) right.delete(k); else right.put(k, { row: e.row, ts: e.ts });
      for (const lk of byForeignKey.get(k) ?? []) {
        const l = left.get(lk);
        if (!l) continue;
        // (a row kept before rows kept their key: from its text)
        const key = l.key ?? parseKeyString(lk);
        if (e.row) out(key, s.joinRows(l.row, e.row), e);
        else if (s.type === 'LEFT') out(key, s.joinRows(l.row, s.nullsR), e);
        else out(key, null, e);
      }
    },
  };
}
