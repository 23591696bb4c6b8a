import { describe, expect, it } from 'vitest';
import { buildWindowing } from '../../src/engine/analysis/windowing.js';
import { getAggregate, type BoundAggregate } from '../../src/engine/functions/aggregate.js';
import { StateStore, type StoreFactory } from '../../src/engine/state/store.js';
import { T } from '../../src/engine/sql/types.js';
import type { WindowSpec } from '../../src/engine/sql/ast.js';

const ms = (n: number) => ({ value: n, unit: 'MILLISECONDS', ms: n });
const count = getAggregate('COUNT')!.resolve([T.BIGINT], []) as BoundAggregate;

/** A windowed COUNT; each record is [key, timestamp, partition]; returns the rows it emits (`null` for a tombstone). */
function aggregate(spec: WindowSpec, final: boolean, records: [string, number, number?][]): string[] {
  const stores = new Map<string, StateStore<unknown>>();
  const factory: StoreFactory = <V>(name: string) => {
    if (!stores.has(name)) stores.set(name, new StateStore<unknown>(name));
    return stores.get(name) as StateStore<V>;
  };
  const out: string[] = [];
  const w = buildWindowing(spec, [count], (key, accs, ts, window, _h, removed) =>
    out.push(`${String(key[0])}@${window!.start}-${window!.end}=${removed ? 'null' : String(count.result(accs[0]))} ts=${ts}`), final, factory);
  for (const [key, ts, partition] of records) w.add([key], [[1]], ts, partition ?? 0, []);
  return out;
}

const emitFinal = (spec: WindowSpec, records: [string, number, number?][]) => aggregate(spec, true, records);
const tumbling = (size: number, grace: number, retention?: number): WindowSpec =>
  ({ type: 'TUMBLING', size: ms(size), grace: ms(grace), ...(retention === undefined ? {} : { retention: ms(retention) }) });

describe('EMIT FINAL on a tumbling window', () => {
  it('emits a window once, when stream time reaches its end plus grace', () => {
    expect(emitFinal(tumbling(2, 1), [['a', 0], ['a', 1], ['a', 2], ['a', 3]])).toEqual(['a@0-2=2 ts=1']);
  });
  it('never emits a window older than the store keeps (size + grace before the latest window start)', () => {
    // the record at 5 opens [4,6): the store keeps starts >= 4 - 3, so [0,2) is gone and [2,4) goes out
    expect(emitFinal(tumbling(2, 1), [['a', 0], ['a', 1], ['a', 2], ['a', 5]])).toEqual(['a@2-4=1 ts=2']);
  });
  it('keeps windows for RETENTION when it is given', () => {
    expect(emitFinal(tumbling(2, 1, 10), [['a', 0], ['a', 2], ['a', 5]])).toEqual(['a@0-2=1 ts=0', 'a@2-4=1 ts=2']);
  });
  it('closes a window by the stream time of its own partition', () => {
    expect(emitFinal(tumbling(2, 0), [['a', 0, 0], ['b', 9, 1]])).toEqual([]);
    expect(emitFinal(tumbling(2, 0), [['a', 0, 0], ['b', 9, 1], ['a', 3, 0]])).toEqual(['a@0-2=1 ts=0']);
  });
});

describe('session windows', () => {
  const session: WindowSpec = { type: 'SESSION', size: ms(10), grace: ms(5) };
  it('merge a record within the gap of a session', () => {
    expect(aggregate(session, false, [['a', 0], ['a', 8]])).toEqual(['a@0-0=1 ts=0', 'a@0-0=null ts=0', 'a@0-8=2 ts=8']);
  });
  it('do not merge a session the store no longer keeps (its end at or before the latest end - gap - grace)', () => {
    // the record at 8 is within the gap of [0,0] and not late (8 >= 20 - 10 - 5), but the store keeps
    // only sessions ending after 20 - 15: it starts a new session
    expect(aggregate(session, false, [['a', 0], ['b', 20], ['a', 8]])).toEqual(['a@0-0=1 ts=0', 'b@20-20=1 ts=20', 'a@8-8=1 ts=8']);
  });

  describe('with EMIT FINAL (gap 5, grace 1, retention a day)', () => {
    const final: WindowSpec = { type: 'SESSION', size: ms(5000), grace: ms(1000), retention: ms(86_400_000) };
    it('a session emitted as closed stays in the store: a later record bridging it to an open session merges both, and the merged session goes out when it closes', () => {
      // at stream time 8000 the close time is 2000: [0,0] goes out; the record at 4000 is not late
      // (its merged end, 8000, is past 2000) and bridges [0,0] and [8000,8000]
      expect(emitFinal(final, [['a', 0], ['a', 8000], ['a', 4000], ['b', 30000]])).toEqual(['a@0-0=1 ts=0', 'a@0-8000=3 ts=8000']);
    });
    it('a record within the gap of an emitted session alone merges it too, if its merged end is not late', () => {
      expect(emitFinal(final, [['a', 0], ['a', 8000], ['a', 2500], ['b', 30000]])).toEqual(['a@0-0=1 ts=0', 'a@0-2500=2 ts=2500', 'a@8000-8000=1 ts=8000']);
    });
    it('a record whose merged end is before the close time is late, and dropped', () => {
      expect(emitFinal(final, [['a', 0], ['a', 8000], ['a', 1000], ['b', 30000]])).toEqual(['a@0-0=1 ts=0', 'a@8000-8000=1 ts=8000']);
    });
    it('an emitted session goes from the store once past retention, and is never emitted twice', () => {
      const short: WindowSpec = { type: 'SESSION', size: ms(5), grace: ms(1), retention: ms(6) };
      expect(emitFinal(short, [['a', 0], ['a', 20], ['a', 40], ['a', 60]])).toEqual(['a@0-0=1 ts=0', 'a@20-20=1 ts=20', 'a@40-40=1 ts=40']);
    });
  });
});
