import { describe, expect, it } from 'vitest';
// Imported as a module (not read with node:fs): the engine folder's lint rules forbid Node built-ins.
import rawFixtures from '../../../test/fixtures/metrics.json';
import { aupro, auroc, confusionAt, connectedComponents, f1Max, rocCurve } from './index';

// Reference values from scripts/fixtures/make_metric_fixtures.py (sklearn + MVTec AD evaluation port).
interface ClassificationCase {
  name: string;
  scores: number[];
  labels: number[];
  auroc: number;
  f1max: { f1: number; threshold: number; precision: number; recall: number };
  roc?: { fpr: number[]; tpr: number[]; thresholds: number[] };
}
interface AuproCase {
  name: string;
  width: number;
  height: number;
  fprLimit: number;
  maps: number[][];
  masks: string[];
  regions: { count: number; sizes: number[] }[];
  aupro: number;
}
const fixtures = rawFixtures as unknown as { classification: ClassificationCase[]; aupro: AuproCase[] };

const decodeMask = (s: string) => Uint8Array.from(s, (c) => (c === '1' ? 1 : 0));

function expectAllClose(actual: number[], expected: number[], tol: number) {
  expect(actual.length).toBe(expected.length);
  for (let i = 0; i < actual.length; i++) expect(Math.abs(actual[i] - expected[i])).toBeLessThanOrEqual(tol);
}

describe('auroc / f1Max / rocCurve against sklearn', () => {
  for (const c of fixtures.classification) {
    it(c.name, () => {
      expect(Math.abs(auroc(c.scores, c.labels) - c.auroc)).toBeLessThanOrEqual(1e-9);
      expect(auroc(Float32Array.from(c.scores), c.labels)).toBe(auroc(c.scores.map(Math.fround), c.labels));
      expect(Math.abs(auroc(c.scores, c.labels.map((l) => l === 1)) - c.auroc)).toBeLessThanOrEqual(1e-9);

      const f = f1Max(c.scores, c.labels);
      expect(Math.abs(f.f1 - c.f1max.f1)).toBeLessThanOrEqual(1e-9);
      expect(f.threshold).toBe(c.f1max.threshold);
      expect(Math.abs(f.precision - c.f1max.precision)).toBeLessThanOrEqual(1e-9);
      expect(Math.abs(f.recall - c.f1max.recall)).toBeLessThanOrEqual(1e-9);
      const m = confusionAt(c.scores, c.labels, f.threshold);
      expect(m.tp / (m.tp + m.fp)).toBeCloseTo(f.precision, 12);
      expect(m.tp / (m.tp + m.fn)).toBeCloseTo(f.recall, 12);
      expect(m.tp + m.fp + m.tn + m.fn).toBe(c.scores.length);

      if (c.roc) {
        const r = rocCurve(c.scores, c.labels);
        expect(r.thresholds[0]).toBe(Infinity);
        expectAllClose(r.fpr, c.roc.fpr, 1e-12);
        expectAllClose(r.tpr, c.roc.tpr, 1e-12);
        expect(r.thresholds.slice(1)).toEqual(c.roc.thresholds);
      }
    });
  }
});

describe('aupro against the MVTec AD evaluation code', () => {
  for (const c of fixtures.aupro) {
    it(c.name, () => {
      const masks = c.masks.map(decodeMask);
      masks.forEach((mask, i) => {
        const { labels, count } = connectedComponents(mask, c.width, c.height);
        const sizes = new Array<number>(count).fill(0);
        labels.forEach((l) => l > 0 && sizes[l - 1]++);
        expect({ count, sizes: sizes.sort((a, b) => a - b) }).toEqual(c.regions[i]);
      });
      const maps = c.maps.map((m) => Float32Array.from(m));
      expect(Math.abs(aupro(maps, masks, c.width, c.height, c.fprLimit) - c.aupro)).toBeLessThanOrEqual(1e-6);
    });
  }
});

describe('auroc', () => {
  it('counts ties as 1/2', () => {
    expect(auroc([1, 1], [0, 1])).toBe(0.5);
    expect(auroc([0, 1, 1, 2], [0, 0, 1, 1])).toBe(0.875);
  });
  it('throws when only one class is present', () => {
    expect(() => auroc([1, 2, 3], [1, 1, 1])).toThrow(/both classes/);
    expect(() => auroc([1, 2, 3], [0, 0, 0])).toThrow(/both classes/);
    expect(() => auroc([1, 2], [0])).toThrow(/labels/);
    expect(() => auroc([NaN, 2], [0, 1])).toThrow(/NaN/);
  });
});

describe('rocCurve', () => {
  it('downsamples to at most 512 points keeping both ends', () => {
    const n = 10_000;
    const scores = Array.from({ length: n }, (_, i) => Math.sin(i * 12.9898) * 43758.5453 % 1);
    const labels = scores.map((s, i) => (s + ((i * 7919) % 13) / 10 > 0.6 ? 1 : 0));
    const r = rocCurve(scores, labels);
    expect(r.fpr.length).toBe(512);
    expect([r.fpr[0], r.tpr[0], r.thresholds[0]]).toEqual([0, 0, Infinity]);
    expect([r.fpr[511], r.tpr[511]]).toEqual([1, 1]);
    expect(r.thresholds[511]).toBe(Math.min(...scores));
    for (let i = 1; i < 512; i++) {
      expect(r.thresholds[i]).toBeLessThan(r.thresholds[i - 1]);
      expect(r.fpr[i]).toBeGreaterThanOrEqual(r.fpr[i - 1]);
      expect(r.tpr[i]).toBeGreaterThanOrEqual(r.tpr[i - 1]);
    }
  });
});

describe('f1Max / confusionAt', () => {
  it('finds the best threshold and throws without positives', () => {
    const f = f1Max([0.1, 0.2, 0.3, 0.4], [0, 1, 0, 1]);
    expect(f).toEqual({ f1: 0.8, threshold: 0.2, precision: 2 / 3, recall: 1 });
    expect(() => f1Max([1, 2], [0, 0])).toThrow(/positive/);
    expect(f1Max([1, 2], [1, 1]).f1).toBe(1);
  });
  it('counts at a threshold (score >= threshold is positive)', () => {
    expect(confusionAt([0.1, 0.5, 0.5, 0.9], [0, 0, 1, 1], 0.5)).toEqual({ tp: 2, fp: 1, tn: 1, fn: 0 });
  });
});

describe('connectedComponents', () => {
  it('uses 8-connectivity and labels in raster order', () => {
    const mask = Uint8Array.from([
      1, 0, 0, 1, 1,
      0, 1, 0, 0, 1,
      0, 0, 0, 1, 0,
      1, 1, 0, 0, 0,
    ]);
    const { labels, count } = connectedComponents(mask, 5, 4);
    expect(count).toBe(3);
    expect(Array.from(labels)).toEqual([1, 0, 0, 2, 2, 0, 1, 0, 0, 2, 0, 0, 0, 2, 0, 3, 3, 0, 0, 0]);
  });
  it('handles a large single region without recursion', () => {
    const w = 1000;
    const h = 1000;
    const mask = new Uint8Array(w * h);
    // A serpentine path: one long region that a recursive fill would overflow on.
    for (let y = 0; y < h; y += 2) {
      mask.fill(1, y * w, (y + 1) * w);
      if (y + 1 < h) mask[(y + 1) * w + ((y / 2) % 2 === 0 ? w - 1 : 0)] = 1;
    }
    expect(connectedComponents(mask, w, h).count).toBe(1);
    expect(connectedComponents(new Uint8Array(w * h), w, h).count).toBe(0);
  });
});

describe('aupro', () => {
  it('validates its input', () => {
    const map = new Float32Array(4);
    expect(() => aupro([map], [new Uint8Array(4)], 2, 2)).toThrow(/no defect regions/);
    expect(() => aupro([map], [new Uint8Array([1, 1, 1, 1])], 2, 2)).toThrow(/no normal pixels/);
    expect(() => aupro([map], [], 2, 2)).toThrow(/masks/);
    expect(() => aupro([map], [new Uint8Array([1, 0, 0, 0])], 2, 2, 0)).toThrow(/fprLimit/);
  });
  it('is limit / 2 for a constant map (one step from (0, 0) to (1, 1))', () => {
    const mask = Uint8Array.from([0, 1, 1, 0, 0, 0, 0, 0, 1]);
    expect(aupro([new Float32Array(9)], [mask], 3, 3)).toBeCloseTo(0.15, 12);
    expect(aupro([new Float32Array(9)], [mask], 3, 3, 1)).toBeCloseTo(0.5, 12);
  });
});

describe('scale', () => {
  // Deterministic LCG so the timing test needs no fixtures.
  function lcg(seed: number) {
    return () => (seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  }

  it('auroc handles 5 M values in a few seconds', () => {
    const n = 5_000_000;
    const rnd = lcg(7);
    const scores = new Float32Array(n);
    const labels = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      labels[i] = rnd() < 0.1 ? 1 : 0;
      scores[i] = rnd() + 0.5 * labels[i];
    }
    const t0 = performance.now();
    const value = auroc(scores, labels);
    const ms = performance.now() - t0;
    // Two uniforms shifted by 0.5: P(pos > neg) = 1 - 0.5 * 0.5^2 = 0.875.
    expect(value).toBeCloseTo(0.875, 2);
    expect(ms).toBeLessThan(4000);
  });

  it('aupro handles 100 images of 224x224 in a few seconds', () => {
    const w = 224;
    const h = 224;
    const rnd = lcg(11);
    const maps: Float32Array[] = [];
    const masks: Uint8Array[] = [];
    for (let k = 0; k < 100; k++) {
      const mask = new Uint8Array(w * h);
      if (k % 2) for (let y = 40; y < 80 + k; y++) mask.fill(1, y * w + 30, y * w + 90);
      maps.push(Float32Array.from(mask, (m) => rnd() + 0.3 * m));
      masks.push(mask);
    }
    const t0 = performance.now();
    const value = aupro(maps, masks, w, h);
    expect(performance.now() - t0).toBeLessThan(6000);
    expect(value).toBeGreaterThan(0.2);
    expect(value).toBeLessThan(0.6);
  });
});
