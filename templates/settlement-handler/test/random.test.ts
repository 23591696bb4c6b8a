import { describe, expect, it } from 'vitest';
import { inspectionRandom } from '../src/random.js';
import { seededRandom } from '../src/rules.js';

describe('inspection randomness', () => {
  it('is Math.random unless INSPECTION_SEED is set', () => {
    expect(inspectionRandom({})).toBe(Math.random);
    expect(inspectionRandom({ INSPECTION_SEED: '' })).toBe(Math.random);
  });
  it('a seed repeats the same draws, in [0, 1)', () => {
    const a = inspectionRandom({ INSPECTION_SEED: '7' }), b = seededRandom(7);
    const xs = Array.from({ length: 1000 }, () => a());
    expect(xs).toEqual(Array.from({ length: 1000 }, () => b()));
    expect(xs.every((x) => x >= 0 && x < 1)).toBe(true);
    expect(xs.filter((x) => x < 0.3).length).toBeGreaterThan(250);
  });
  it('a seed that is not an integer is an error', () => {
    expect(() => inspectionRandom({ INSPECTION_SEED: 'x' })).toThrow('INSPECTION_SEED must be an integer');
  });
});
