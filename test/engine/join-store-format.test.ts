import { describe, expect, it } from 'vitest';
import { streamStreamCore, type JoinEvent } from '../../src/engine/analysis/join-cores.js';
import { StateStore, type StoreChange } from '../../src/engine/state/store.js';
import { keyString } from '../../src/engine/functions/values.js';

// A stream-stream join's window stores, as the changelog (the data dir's journal) records them.
function core(changes: StoreChange[], stores = new Map<string, StateStore<unknown>>()) {
  const emitted: JoinEvent[] = [];
  const c = streamStreamCore({
    type: 'INNER', leftKey: (r) => r.L_ID, rightKey: (r) => r.R_ID, nullsL: {}, nullsR: {},
    joinRows: (a, b) => ({ ...a, ...b }), name: '', emit: (e) => emitted.push(e),
    stores: <V>(name: string) => {
      let s = stores.get(name);
      if (!s) { s = new StateStore<unknown>(name, (ch) => changes.push(ch)); stores.set(name, s); }
      return s as StateStore<V>;
    },
  }, { before: 3_600_000, after: 3_600_000 });
  return { c, emitted, stores };
}
const ev = (side: 'L' | 'R', id: string, v: number, ts: number): JoinEvent => ({ key: [id], row: side === 'L' ? { L_ID: id, L_X: v } : { R_ID: id, R_Y: v }, ts, headers: [] });

describe('a stream-stream join\'s window stores', () => {
  it('keep each row as an entry of its own: a put writes one row, and a match marks one', () => {
    const changes: StoreChange[] = [];
    const { c, emitted } = core(changes);
    for (let i = 0; i < 50; i++) c.left(ev('L', 'k', i, 1000 + i));
    c.right(ev('R', 'k', 7, 1100));
    expect(emitted).toHaveLength(50);
    const rows = changes.filter((ch) => ch.store === 'join-left' || ch.store === 'join-right');
    // 50 left rows, each marked matched once, and the right row: no change carries a list
    expect(rows).toHaveLength(101);
    for (const ch of rows) expect(Array.isArray(ch.value)).toBe(false);
  });

  it('read a key\'s whole list, as state written before each row had an entry of its own, as one entry a row', () => {
    const stores = new Map<string, StateStore<unknown>>();
    const old = new StateStore<unknown>('join-left');
    old.restore(keyString(['k']), [{ row: { L_ID: 'k', L_X: 1 }, ts: 1000, matched: false, emitted: false }, { row: { L_ID: 'k', L_X: 2 }, ts: 1001, matched: false, emitted: false }]);
    stores.set('join-left', old);
    const changes: StoreChange[] = [];
    const { c, emitted } = core(changes, stores);
    c.right(ev('R', 'k', 9, 1002));
    expect(emitted.map((e) => e.row)).toEqual([{ L_ID: 'k', L_X: 1, R_ID: 'k', R_Y: 9 }, { L_ID: 'k', L_X: 2, R_ID: 'k', R_Y: 9 }]);
    expect([...old.entries()].every(([, v]) => !Array.isArray(v))).toBe(true);
    expect(old.size).toBe(2);
  });
});
