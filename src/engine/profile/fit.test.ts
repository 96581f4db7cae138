import { beforeAll, describe, expect, it } from 'vitest';
import type { Backbone } from '../backbones/backbone';
import { loadBackboneArg } from '../../node/backbones';
import { initNodeBackend } from '../../node/tf-backend';
import { PatchCoreScorer } from '../patchcore/scorer';
import { wovenTexture } from '../patchcore/testing';
import { fitProfile } from './fit';
import type { NamedImage } from './fit';
import { readProfile, serializeProfile } from './profile';
import { tailThreshold } from './threshold';


const images = (n: number): NamedImage[] => Array.from({ length: n }, (_, i) => ({ name: `${String(i).padStart(3, '0')}.png`, load: async () => wovenTexture(i + 1) }));

describe('fitProfile (the one fit pipeline)', () => {
  let backbone: Backbone;
  beforeAll(async () => {
    await initNodeBackend('wasm');
    backbone = await loadBackboneArg();
  });

  it('calibrates a float16 profile on the float16 values it stores', async () => {
    const set = images(6);
    const { profile, calibrationCount, imageCount } = await fitProfile(backbone, set, { name: 'f16', coresetRatio: 0.1, seed: 0, holdout: 1 / 3, dtype: 'float16', appVersion: 'test' });
    expect(imageCount).toBe(4);
    expect(calibrationCount).toBe(6); // 4 training images out of sample, then the 2 held out
    const stored = readProfile(serializeProfile(profile), 'f16');
    expect(stored.meta.bank.dtype).toBe('float16');
    expect(stored.meta.calibration).toEqual({ method: 'holdout+leave-one-out', images: ['000.png', '001.png', '003.png', '004.png', '002.png', '005.png'] });
    // The held-out images (every 3rd) scored against the bank as stored give exactly their calibration scores.
    const scorer = new PatchCoreScorer(backbone, stored.bank, stored.meta.bank.dim);
    try {
      const again = [];
      for (const i of [2, 5]) again.push((await scorer.score(await set[i].load())).score);
      expect(again).toEqual(stored.meta.calibrationScores.slice(4));
    } finally {
      scorer.dispose();
    }
    expect(stored.meta.threshold).toEqual({ value: tailThreshold(stored.meta.calibrationScores, 0.005), method: 'tail', rate: 0.005 });
  });

  it('scores every training image out of sample: against the bank without its own rows', async () => {
    // Coreset ratio 1: every patch is in the bank, so in sample each training image scores 0, and out of sample it
    // scores exactly what it scores against a bank fitted without it.
    const set = images(3);
    const { profile } = await fitProfile(backbone, set, { name: 'loo', coresetRatio: 1, seed: 0, dtype: 'float32', appVersion: 'test' });
    expect(profile.meta.calibration).toEqual({ method: 'leave-one-out', images: set.map((s) => s.name) });
    const full = new PatchCoreScorer(backbone, profile.bank, 1024);
    try {
      for (const image of set) expect((await full.score(await image.load())).score).toBeLessThan(1e-3);
    } finally {
      full.dispose();
    }
    for (const [i, image] of set.entries()) {
      const others = set.filter((_, j) => j !== i);
      const without = await fitProfile(backbone, others, { name: 'others', coresetRatio: 1, seed: 0, dtype: 'float32', appVersion: 'test' });
      const scorer = new PatchCoreScorer(backbone, without.profile.bank, 1024);
      try {
        const expected = (await scorer.score(await image.load())).score;
        expect(expected).toBeGreaterThan(1);
        expect(profile.meta.calibrationScores[i]).toBeCloseTo(expected, 2);
      } finally {
        scorer.dispose();
      }
    }
  });

  it('records no threshold for a single image, and names images that fail to load', async () => {
    const set = [...images(1), { name: 'broken.png', load: async () => Promise.reject(new Error('not an image')) }];
    const { profile, skipped } = await fitProfile(backbone, set, { name: 'none', coresetRatio: 0.1, seed: 0, dtype: 'float32', appVersion: 'test' });
    expect(profile.meta.threshold).toEqual({ value: null, method: 'none' });
    expect(profile.meta.calibration).toEqual({ method: 'none', images: [] });
    expect(skipped).toEqual([{ name: 'broken.png', reason: 'not an image' }]);
    expect(profile.meta.training.imageCount).toBe(1);
  });
});
