import { describe, expect, it } from 'vitest';
import { getTableFunction } from '../../src/engine/functions/table.js';
import { T } from '../../src/engine/sql/types.js';

describe('table functions', () => {
  const explode = getTableFunction('explode')!, cube = getTableFunction('CUBE_EXPLODE')!;
  it.each([
    [[1, 2, 3], [1, 2, 3]],
    [[], []],
    [null, []],
    [[null, 'a'], [null, 'a']],
  ])('EXPLODE(%j) gives %j', (input, rows) => { expect(explode.apply([input])).toEqual(rows); });

  it('EXPLODE of one array returns its element type; anything else (another type, more arguments) does not fit', () => {
    expect(explode.resolve([{ kind: 'ARRAY', item: T.BIGINT }])).toEqual(T.BIGINT);
    expect(explode.resolve([T.STRING])).toBeUndefined();
    expect(explode.resolve([T.array(T.STRING), T.array(T.STRING)])).toBeUndefined();
    expect(cube.resolve([T.array(T.STRING), T.STRING])).toBeUndefined();
  });

  it.each([
    [['a', 'b'], [[null, null], [null, 'b'], ['a', null], ['a', 'b']]],
    [[1, null], [[null, null], [1, null]]],
    [[], [[]]],
  ])('CUBE_EXPLODE(%j) gives every combination once', (input, rows) => { expect(cube.apply([input])).toEqual(rows); });
});
