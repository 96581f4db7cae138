import { describe, expect, it } from 'vitest';
import { defectRegions } from './regions';

describe('defect regions', () => {
  // A 4 x 4 patch grid over a 32 px input (8 px cells).
  const grid = (rows: number[][]) => Float32Array.from(rows.flat());

  it('groups patches at or above the threshold into 8-connected regions, largest first, with area, box and peak', () => {
    const p = grid([
      [5, 5, 0, 0],
      [0, 6, 0, 0],
      [0, 0, 0, 9],
      [0, 0, 0, 0],
    ]);
    const r = defectRegions(p, 4, 32, 5);
    expect(r).toEqual([
      { area: 192, areaPercent: 18.75, box: { x: 0, y: 0, width: 16, height: 16 }, peak: 6 },
      { area: 64, areaPercent: 6.25, box: { x: 24, y: 16, width: 8, height: 8 }, peak: 9 },
    ]);
  });

  it('joins diagonal neighbours, and leaves out regions under the minimum area', () => {
    const p = grid([
      [7, 0, 0, 0],
      [0, 7, 0, 0],
      [0, 0, 0, 0],
      [0, 0, 0, 8],
    ]);
    expect(defectRegions(p, 4, 32, 5).map((r) => r.area)).toEqual([128, 64]);
    expect(defectRegions(p, 4, 32, 5, 100).map((r) => r.peak)).toEqual([7]);
  });

  it('a score at or above the threshold always has a region (the maximum patch is one)', () => {
    const p = Float32Array.from({ length: 16 }, (_, i) => i / 10);
    const score = Math.max(...p);
    expect(defectRegions(p, 4, 32, score)).toHaveLength(1);
    expect(defectRegions(p, 4, 32, score + 1e-6)).toHaveLength(0);
  });
});
