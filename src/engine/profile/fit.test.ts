import { beforeAll, describe, expect, it } from 'vitest';
import type { Backbone } from '../backbones/backbone';
import { loadBackboneArg } from '../../node/backbones';
import { initNodeBackend } from '../../node/tf-backend';
import type { RgbImage } from '../image/types';
import { PatchCoreScorer } from '../patchcore/scorer';
import { seededRandom } from '../patchcore/random';
import { fitProfile } from './fit';
import type { NamedImage } from './fit';
import { readProfile, serializeProfile } from './profile';

/** A woven texture with noise, different per seed: enough for a bank of normal patches. */
function texture(seed: number, size = 96): RgbImage {
  const random = seededRandom(seed);
  const data = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++)
      for (let c = 0; c < 3; c++) data[(y * size + x) * 3 + c] = Math.max(0, Math.min(255, 128 + 60 * Math.sin(x / 3 + c) * Math.cos(y / 3) + (random() - 0.5) * 40));
  return { width: size, height: size, data };
}

const images = (n: number): NamedImage[] => Array.from({ length: n }, (_, i) => ({ name: `${String(i).padStart(3, '0')}.png`, load: async () => texture(i + 1) }));

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
    expect(calibrationCount).toBe(2);
    const stored = readProfile(serializeProfile(profile), 'f16');
    expect(stored.meta.bank.dtype).toBe('float16');
    // The held-out images (every 3rd) scored against the bank as stored give exactly the calibration scores.
    const scorer = new PatchCoreScorer(backbone, stored.bank, stored.meta.bank.dim);
    try {
      const again = [];
      for (const i of [2, 5]) again.push((await scorer.score(await set[i].load())).score);
      expect(again).toEqual(stored.meta.calibrationScores);
    } finally {
      scorer.dispose();
    }
    expect(stored.meta.threshold).toEqual({ value: Math.max(...stored.meta.calibrationScores), method: 'max' });
  });

  it('records no threshold when nothing is held out, and names images that fail to load', async () => {
    const set = [...images(3), { name: 'broken.png', load: async () => Promise.reject(new Error('not an image')) }];
    const { profile, skipped } = await fitProfile(backbone, set, { name: 'none', coresetRatio: 0.1, seed: 0, holdout: 0, dtype: 'float32', appVersion: 'test' });
    expect(profile.meta.threshold).toEqual({ value: null, method: 'none' });
    expect(skipped).toEqual([{ name: 'broken.png', reason: 'not an image' }]);
    expect(profile.meta.training.imageCount).toBe(3);
  });
});
