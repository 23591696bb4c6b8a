import { describe, expect, it } from 'vitest';
import { recall, remember } from '../../src/engine/serde/decoded-cache.js';

describe('decoded values kept for recent records', () => {
  it('are recalled for the same shape only, and let go once 4096 newer records were remembered', () => {
    const first = Buffer.from('{"A":1}');
    remember(first, 'A INT', [1]);
    expect(recall(first, 'A INT')).toEqual([1]);
    expect(recall(first, 'B INT')).toBeUndefined();
    for (let i = 0; i < 4096; i++) remember(Buffer.from(String(i)), 'A INT', [i]);
    expect(recall(first, 'A INT')).toBeUndefined();
  });
});
