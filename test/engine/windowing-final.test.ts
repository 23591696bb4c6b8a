import { describe, expect, it } from 'vitest';
import { buildWindowing } from '../../src/engine/analysis/windowing.js';
import { getAggregate, type BoundAggregate } from '../../src/engine/functions/aggregate.js';
import { StateStore, type StoreFactory } from '../../src/engine/state/store.js';
import { T } from '../../src/engine/sql/types.js';
import type { WindowSpec } from '../../src/engine/sql/ast.js';

const ms = (n: number) => ({ value: n, unit: 'MILLISECONDS', ms: n });
const count = getAggregate('COUNT')!.resolve([T.BIGINT], []) as BoundAggregate;

/** A tumbling COUNT with EMIT FINAL; each record is [key, timestamp, partition]; returns the final rows. */
function emitFinal(spec: WindowSpec, records: [string, number, number?][]): string[] {
  const stores = new Map<string, StateStore<unknown>>();
  const factory: StoreFactory = <V>(name: string) => {
    if (!stores.has(name)) stores.set(name, new StateStore<unknown>(name));
    return stores.get(name) as StateStore<V>;
  };
  const out: string[] = [];
  const w = buildWindowing(spec, [count], (key, accs, ts, window) => out.push(`${String(key[0])}@${window!.start}-${window!.end}=${count.result(accs[0])} ts=${ts}`), true, factory);
  for (const [key, ts, partition] of records) w.add([key], [[1]], ts, partition ?? 0, []);
  return out;
}

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
