import { describe, expect, it } from 'vitest';
import fixture from '../../../test/fixtures/anomaly-map.json';
import { anomalyMap, gaussianKernel, upsampleBilinear } from './anomaly-map';

/** Fixtures from scripts/fixtures/make_map_fixtures.py (PyTorch interpolate + scipy gaussian_filter). */
describe('anomaly map', () => {
  for (const c of fixture.cases) {
    it(`matches PyTorch + scipy for a ${c.grid}x${c.grid} grid at ${c.size}px`, () => {
      const scores = Float32Array.from(c.scores);
      const up = upsampleBilinear(scores, c.grid, c.grid, c.size, c.size);
      const map = anomalyMap(scores, c.grid, c.grid, c.size, 4);
      let k = 0;
      let maxUp = 0;
      let maxMap = 0;
      for (let y = 0; y < c.size; y += c.step)
        for (let x = 0; x < c.size; x += c.step, k++) {
          maxUp = Math.max(maxUp, Math.abs(up[y * c.size + x] - c.upsampled_sample[k]));
          maxMap = Math.max(maxMap, Math.abs(map[y * c.size + x] - c.blurred_sample[k]));
        }
      expect(k).toBe(c.blurred_sample.length);
      expect(maxUp).toBeLessThan(1e-5);
      expect(maxMap).toBeLessThan(1e-4);
      expect(map.reduce((s, v) => s + v, 0)).toBeCloseTo(c.blurred_sum, 0);
    });
  }

  it('uses a normalised kernel of radius int(4 sigma + 0.5)', () => {
    const k = gaussianKernel(4);
    expect(k.length).toBe(33);
    expect(k.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
    expect(k[16]).toBeGreaterThan(k[15]);
  });

  it('keeps a constant map constant (reflect borders lose nothing)', () => {
    const map = anomalyMap(new Float32Array(28 * 28).fill(3), 28, 28, 224);
    expect(Math.max(...map)).toBeCloseTo(3, 5);
    expect(Math.min(...map)).toBeCloseTo(3, 5);
  });
});
