import { beforeAll, describe, expect, it } from 'vitest';
import type { Backbone } from '../backbones/backbone';
import { writeSafetensors } from '../convert/safetensors';
import { loadBackboneArg } from '../../node/backbones';
import { initNodeBackend } from '../../node/tf-backend';
import type { RgbImage } from '../image/types';
import { seededRandom } from '../patchcore/random';
import { PatchCoreScorer } from '../patchcore/scorer';
import { fitProfile } from './fit';
import type { NamedImage } from './fit';
import { PROFILE_FORMAT, readProfile, serializeProfile } from './profile';
import { pickNewRows, teachProfile } from './teach';

/** Stripes at an angle, with noise: `look` changes the stripes' direction (a new look of a good part). */
function part(seed: number, look = 0, size = 96): RgbImage {
  const random = seededRandom(seed);
  const data = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++)
      for (let c = 0; c < 3; c++) data[(y * size + x) * 3 + c] = Math.max(0, Math.min(255, 128 + 70 * Math.sin((look ? y : x) / 2.5 + c) + (random() - 0.5) * 30));
  return { width: size, height: size, data };
}

const named = (name: string, image: RgbImage): NamedImage => ({ name, load: async () => image });

describe('teaching a profile', () => {
  let backbone: Backbone;
  beforeAll(async () => {
    await initNodeBackend('wasm');
    backbone = await loadBackboneArg();
  });

  it('adds a good image of a new look so that it passes, recalibrates, and leaves the original profile as it was', async () => {
    const fitted = (await fitProfile(backbone, [1, 2, 3, 4].map((s) => named(`${s}.png`, part(s))), { name: 'p', coresetRatio: 0.1, seed: 0, dtype: 'float32', appVersion: 'test' })).profile;
    const before = serializeProfile(fitted);
    const newLook = part(9, 1);
    const scorerBefore = new PatchCoreScorer(backbone, fitted.bank, 1024);
    const scoreBefore = (await scorerBefore.score(newLook)).score;
    scorerBefore.dispose();
    expect(scoreBefore).toBeGreaterThan(fitted.meta.threshold.value!); // it fails before teaching

    const { profile, taught, thresholdBefore, thresholdAfter } = await teachProfile(backbone, fitted, [named('new-look.png', newLook)], { now: () => new Date('2026-12-01T00:00:00Z') });
    expect(taught).toHaveLength(1);
    expect(taught[0].scoreBefore).toBeCloseTo(scoreBefore, 3);
    expect(taught[0].rowsAdded).toBeGreaterThan(0);
    expect(taught[0].rowsAdded).toBeLessThanOrEqual(78); // at most the coreset ratio of its 784 patches
    expect(profile.meta.bank.size).toBe(fitted.meta.bank.size + taught[0].rowsAdded);
    expect(profile.meta.calibrationScores).toEqual([...fitted.meta.calibrationScores, taught[0].scoreBefore]);
    expect(profile.meta.calibration.images.at(-1)).toBe('new-look.png');
    expect(profile.meta.taught).toEqual([{ name: 'new-look.png', at: '2026-12-01T00:00:00.000Z', scoreBefore: taught[0].scoreBefore, rows: taught[0].rowsAdded }]);
    expect(thresholdBefore).toBe(fitted.meta.threshold.value);
    expect(thresholdAfter).toBe(profile.meta.threshold.value);

    const scorerAfter = new PatchCoreScorer(backbone, profile.bank, 1024);
    try {
      expect((await scorerAfter.score(newLook)).score).toBeLessThan(thresholdAfter!); // the taught image now passes
    } finally {
      scorerAfter.dispose();
    }
    // Undo is the previous revision: teaching changed nothing of it, bit for bit.
    expect(serializeProfile(fitted)).toEqual(before);
    // The taught profile survives its file format.
    expect(readProfile(serializeProfile(profile), 'taught').meta.taught).toEqual(profile.meta.taught);
  });

  it('names an image that cannot be decoded', async () => {
    const fitted = (await fitProfile(backbone, [1, 2].map((s) => named(`${s}.png`, part(s))), { name: 'p', coresetRatio: 0.1, seed: 0, dtype: 'float32', appVersion: 'test' })).profile;
    await expect(teachProfile(backbone, fitted, [{ name: 'broken.png', load: () => Promise.reject(new Error('not an image')) }])).rejects.toThrow('broken.png: not an image');
  });

  it('picks farthest-first while a patch scores above a typical good part, at most the cap', () => {
    // Four 1-d patches at 0, 1, 5, 9, the bank at 0 (squared distances 0, 1, 25, 81), a typical score of 4:
    // 9 first, then 5, then every patch is within 4 of a row.
    const patches = Float32Array.from([0, 1, 5, 9]);
    const toBank = Float32Array.from([0, 1, 25, 81]);
    expect(pickNewRows(patches, toBank, 1, 'squared', 4, 10)).toEqual([3, 2]);
    expect(pickNewRows(patches, toBank, 1, 'squared', 4, 1)).toEqual([3]);
    expect(pickNewRows(patches, toBank, 1, 'squared', 100, 10)).toEqual([]);
    // A row taught earlier in the same call (at 8) covers the patch at 9.
    expect(pickNewRows(patches, toBank, 1, 'squared', 4, 10, Float32Array.from([8]))).toEqual([2]);
    // Euclidean: distances 0, 1, 5, 9 against a typical 2.5.
    expect(pickNewRows(patches, Float32Array.from([0, 1, 5, 9]), 1, 'euclidean', 2.5, 10)).toEqual([3, 2]);
  });
});

describe('version-1 profile files', () => {
  it('load, migrated to the current schema', () => {
    const meta = {
      format: PROFILE_FORMAT,
      schemaVersion: 1,
      id: 'abc',
      name: 'v1',
      createdAt: '2026-01-01T00:00:00.000Z',
      updatedAt: '2026-01-01T00:00:00.000Z',
      appVersion: '0.1.0',
      backbone: { id: 'resnet50-imagenet', label: 'ResNet50', architecture: 'resnet50', weightsHash: 'ab' },
      preprocessing: { resize: 256, inputSize: 224, kind: 'caffe' },
      coreset: { ratio: 0.1, seed: 0, projectionDim: 128, startPoints: 10 },
      scoring: { k: 1, metric: 'squared', reweight: false, sigma: 4 },
      bank: { size: 2, dim: 1024, dtype: 'float32' },
      training: { imageCount: 9, patchCount: 7056, skipped: 0 },
      threshold: { value: 3.5, method: 'max' },
      calibrationScores: [3.5, 2],
    };
    const bytes = writeSafetensors([{ name: 'memory_bank', dtype: 'F32', shape: [2, 1024], data: new Float32Array(2048).fill(0.5) }], { format: PROFILE_FORMAT, profile: JSON.stringify(meta) });
    const p = readProfile(bytes, 'v1.safetensors');
    expect(p.meta.schemaVersion).toBe(2);
    expect(p.meta.calibration).toEqual({ method: 'holdout', images: [] });
    expect(p.meta.taught).toEqual([]);
    expect(p.meta.threshold).toEqual({ value: 3.5, method: 'max' });
    expect(p.bank[2047]).toBe(0.5);
  });
});
