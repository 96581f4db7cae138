import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { niceTicks } from './ticks';

describe('niceTicks', () => {
  it('gives round steps that cover the range', () => {
    expect(niceTicks(0.03, 0.76, 4)).toEqual([0, 0.2, 0.4, 0.6, 0.8]);
    expect(niceTicks(1, 8, 5)).toEqual([0, 2, 4, 6, 8]);
    expect(niceTicks(-0.001, 0.41, 4)).toEqual([-0.2, 0, 0.2, 0.4, 0.6]);
    expect(niceTicks(2, 2, 4)).toEqual([2]);
  });

  it('always covers [lo, hi] with at most 2 * count + 3 evenly spaced ticks', () => {
    fc.assert(
      fc.property(fc.double({ min: -1e3, max: 1e3, noNaN: true }), fc.double({ min: 1e-3, max: 1e3, noNaN: true }), fc.integer({ min: 1, max: 8 }), (lo, span, count) => {
        const hi = lo + span;
        const t = niceTicks(lo, hi, count);
        const step = t[1] - t[0];
        expect(t[0]).toBeLessThanOrEqual(lo + step * 1e-6);
        expect(t[t.length - 1]).toBeGreaterThanOrEqual(hi - step * 1e-6);
        expect(t.length).toBeLessThanOrEqual(2 * count + 3);
        for (let i = 2; i < t.length; i++) expect(Math.abs(t[i] - t[i - 1] - step)).toBeLessThanOrEqual(Math.abs(step) * 1e-6 + 1e-9);
      }),
    );
  });
});
