import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { aupro, auroc, f1Max } from './index';

// Scores are multiples of 1/16 in [-25, 25], so every transform below keeps distinct values distinct.
const score = fc.integer({ min: -400, max: 400 }).map((k) => k / 16);
const sample = fc.record({ s: score, l: fc.boolean() });
const bothClasses = fc
  .array(sample, { minLength: 2, maxLength: 300 })
  .filter((xs) => xs.some((x) => x.l) && xs.some((x) => !x.l))
  .map((xs) => ({ scores: xs.map((x) => x.s), labels: xs.map((x) => (x.l ? 1 : 0)) }));

const increasing: [string, (x: number) => number][] = [
  ['exp', Math.exp],
  ['3x + 7', (x) => x * 3 + 7],
  ['x^3', (x) => x ** 3],
];

/** Small sets of images with integer maps (many ties), at least one defect and one normal pixel. */
const W = 7;
const H = 5;
const images = fc
  .array(
    fc.record({
      map: fc.array(fc.integer({ min: 0, max: 12 }), { minLength: W * H, maxLength: W * H }),
      mask: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: W * H, maxLength: W * H }),
    }),
    { minLength: 1, maxLength: 4 },
  )
  .map((xs) => ({
    maps: xs.map((x) => Float32Array.from(x.map)),
    masks: xs.map((x) => Uint8Array.from(x.mask, (v) => (v === 0 ? 1 : 0))),
  }))
  .filter(({ masks }) => masks.some((m) => m.includes(1)) && masks.some((m) => m.includes(0)));

describe('metric properties', () => {
  it('a perfect ranking gives AUROC 1 and F1 1, a reversed one AUROC 0', () => {
    fc.assert(
      fc.property(bothClasses, ({ scores, labels }) => {
        const perfect = scores.map((s, i) => s + 100 * labels[i]);
        expect(auroc(perfect, labels)).toBe(1);
        expect(auroc(perfect.map((s) => -s), labels)).toBe(0);
        expect(f1Max(perfect, labels).f1).toBe(1);
      }),
    );
  });

  it('swapping the labels gives 1 - AUROC', () => {
    fc.assert(
      fc.property(bothClasses, ({ scores, labels }) => {
        const swapped = labels.map((l) => 1 - l);
        expect(auroc(scores, swapped)).toBeCloseTo(1 - auroc(scores, labels), 12);
      }),
    );
  });

  it('AUROC equals the brute-force pair count', () => {
    fc.assert(
      fc.property(bothClasses, ({ scores, labels }) => {
        let wins = 0;
        let pairs = 0;
        scores.forEach((p, i) => {
          if (!labels[i]) return;
          scores.forEach((n, j) => {
            if (labels[j]) return;
            pairs++;
            wins += p > n ? 1 : p === n ? 0.5 : 0;
          });
        });
        expect(auroc(scores, labels)).toBeCloseTo(wins / pairs, 12);
      }),
    );
  });

  for (const [name, f] of increasing) {
    it(`a strictly increasing transform (${name}) changes neither AUROC nor F1-max`, () => {
      fc.assert(
        fc.property(bothClasses, ({ scores, labels }) => {
          const t = scores.map(f);
          expect(auroc(t, labels)).toBe(auroc(scores, labels));
          expect(f1Max(t, labels).f1).toBe(f1Max(scores, labels).f1);
        }),
      );
    });

    it(`a strictly increasing transform (${name}) does not change AUPRO`, () => {
      fc.assert(
        fc.property(images, fc.constantFrom(0.05, 0.3, 1), ({ maps, masks }, limit) => {
          const t = maps.map((m) => m.map(f));
          expect(aupro(t, masks, W, H, limit)).toBe(aupro(maps, masks, W, H, limit));
        }),
      );
    });
  }

  it('AUPRO of maps equal to the masks is 1', () => {
    fc.assert(
      fc.property(images, fc.constantFrom(0.05, 0.3, 1), ({ masks }, limit) => {
        const maps = masks.map((m) => Float32Array.from(m));
        expect(aupro(maps, masks, W, H, limit)).toBeCloseTo(1, 12);
      }),
    );
  });

  it('AUPRO stays within [0, 1]', () => {
    fc.assert(
      fc.property(images, ({ maps, masks }) => {
        const v = aupro(maps, masks, W, H);
        expect(v).toBeGreaterThanOrEqual(0);
        expect(v).toBeLessThanOrEqual(1 + 1e-12);
      }),
    );
  });
});
