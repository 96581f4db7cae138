import { describe, expect, it } from 'vitest';
import { RESNET50_IMAGENET } from '../backbones/spec';
import { createProfile, ProfileError, readProfile, serializeProfile } from './profile';
import type { ProfileMeta } from './profile';
import { validateMeta } from './validate';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Loose = { [key: string]: any };

const meta = (): ProfileMeta =>
  createProfile({
    name: 'bottle',
    spec: RESNET50_IMAGENET,
    weightsHash: 'ab'.repeat(32),
    bank: { data: new Float32Array(3 * 1024), size: 3, dim: 1024, imageCount: 5, patchCount: 3920, skipped: 0 },
    coreset: { ratio: 0.1, seed: 0 },
    calibrationScores: [1.5, 2],
    calibration: { method: 'leave-one-out', images: ['a.png', 'b.png'] },
    threshold: { value: 2, method: 'max' },
    appVersion: '0.1.0',
  }).meta;

/** The meta, changed, validated as a file named p.safetensors would be. */
function validateWith(change: (m: Loose) => void): ProfileMeta {
  const m = JSON.parse(JSON.stringify(meta()));
  change(m);
  return validateMeta(m, 'p.safetensors');
}

describe('profile validation', () => {
  it('accepts what the app writes', () => {
    const m = meta();
    expect(validateMeta(JSON.parse(JSON.stringify(m)), 'p')).toEqual(m);
  });

  it.each([
    ['sigma 1e6 (would hang the blur)', (m: Loose) => (m.scoring.sigma = 1e6), /scoring\.sigma = 1000000 is outside \(0, 64\]/],
    ['sigma 0', (m: Loose) => (m.scoring.sigma = 0), /scoring\.sigma = 0 is outside/],
    ['sigma -1', (m: Loose) => (m.scoring.sigma = -1), /scoring\.sigma = -1 is outside/],
    ['k 1e9', (m: Loose) => (m.scoring.k = 1e9), /scoring\.k = 1000000000 is outside \[1, 64\]/],
    ['k larger than the bank', (m: Loose) => (m.scoring.k = 5), /scoring\.k = 5 is larger than the bank \(3 rows\)/],
    ['k not an integer', (m: Loose) => (m.scoring.k = 1.5), /scoring\.k is not an integer/],
    ['reweight not a boolean', (m: Loose) => (m.scoring.reweight = 'yes'), /scoring\.reweight is not true or false/],
    ['an unknown scoring key', (m: Loose) => (m.scoring.reweightNeighbours = 1e9), /scoring has unknown key "reweightNeighbours"/],
    ['an unknown top-level key', (m: Loose) => (m.extra = 1), /the profile has unknown key "extra"/],
    ['a name of 257 characters', (m: Loose) => (m.name = 'x'.repeat(257)), /name is longer than 256 characters/],
    ['a backbone id that is a path', (m: Loose) => (m.backbone.id = '../../etc'), /backbone\.id "\.\.\/\.\.\/etc" is not a backbone id/],
    ['calibration names that do not match the scores', (m: Loose) => (m.calibration.images = ['a.png']), /names 1 images for 2 scores/],
  ])('refuses %s, naming the file and the field', (_, change, message) => {
    expect(() => validateWith(change)).toThrow(ProfileError);
    expect(() => validateWith(change)).toThrow(/^p\.safetensors: /);
    expect(() => validateWith(change)).toThrow(message);
  });

  it('refuses a bad file whole: readProfile gives the same reason', () => {
    const p = createProfile({ ...{ name: 'x', spec: RESNET50_IMAGENET, weightsHash: 'ab', appVersion: '0' }, bank: { data: new Float32Array(1024), size: 1, dim: 1024, imageCount: 1, patchCount: 784, skipped: 0 }, coreset: { ratio: 0.1, seed: 0 }, calibrationScores: [], threshold: { value: null, method: 'none' } });
    const bad = { ...p, meta: { ...p.meta, scoring: { ...p.meta.scoring, sigma: 1e6 } } };
    expect(() => readProfile(serializeProfile(bad), 'bad.safetensors')).toThrow(/^bad\.safetensors: scoring\.sigma = 1000000/);
  });
});
