import { describe, expect, it } from 'vitest';
import { RESNET50_IMAGENET } from '../backbones/spec';
import { writeSafetensors } from '../convert/safetensors';
import { createProfile, PROFILE_FORMAT, readProfile, serializeProfile } from './profile';
import type { Profile } from './profile';
import { calibrateThreshold, percentile } from './threshold';
import { normalizeScore, rawForNormalized, verdictFor } from './verdict';

function sampleProfile(dtype: 'float32' | 'float16' = 'float32', rows = 3): Profile {
  const data = Float32Array.from({ length: rows * 1024 }, (_, i) => Math.sin(i) * 2);
  return createProfile({
    name: 'bottle',
    spec: RESNET50_IMAGENET,
    weightsHash: 'ab'.repeat(32),
    bank: { data, size: rows, dim: 1024, imageCount: 5, patchCount: 3920, skipped: 0 },
    coreset: { ratio: 0.1, seed: 0 },
    calibrationScores: [1.5, 2, 2.5],
    threshold: { value: 2.5, method: 'max' },
    dtype,
    appVersion: '0.1.0',
    now: new Date('2026-01-02T03:04:05Z'),
  });
}

describe('profile file format', () => {
  it('round-trips float32 exactly and float16 within half precision', () => {
    const p = sampleProfile();
    const back = readProfile(serializeProfile(p), 'p.safetensors');
    expect(back.meta).toEqual(p.meta);
    expect([...back.bank]).toEqual([...p.bank]);
    const half = sampleProfile('float16');
    const backHalf = readProfile(serializeProfile(half), 'h.safetensors');
    expect(backHalf.meta.bank.dtype).toBe('float16');
    let maxErr = 0;
    half.bank.forEach((v, i) => (maxErr = Math.max(maxErr, Math.abs(v - backHalf.bank[i]))));
    expect(maxErr).toBeGreaterThan(0);
    expect(maxErr).toBeLessThan(2e-3);
  });

  it('refuses truncated, empty, foreign, wrong-version, NaN and mis-shaped files, naming the file', () => {
    const good = serializeProfile(sampleProfile());
    expect(() => readProfile(good.subarray(0, good.length - 100), 't.safetensors')).toThrow(/^t\.safetensors: /);
    expect(() => readProfile(new Uint8Array(0), 'e.safetensors')).toThrow(/e\.safetensors: the file is empty/);
    expect(() => readProfile(writeSafetensors([{ name: 'x', dtype: 'F32', shape: [1], data: new Float32Array(1) }], {}), 'f.safetensors')).toThrow(/not an Anomaly Inspector profile/);

    const p = sampleProfile();
    const newer = { ...p, meta: { ...p.meta, schemaVersion: 99 as 2 } };
    expect(() => readProfile(serializeProfile(newer), 'v.safetensors')).toThrow(/schema version 99 is newer/);

    const nan = sampleProfile();
    nan.bank[1500] = NaN;
    expect(() => readProfile(serializeProfile(nan), 'n.safetensors')).toThrow(/non-finite value \(NaN\) at row 1/);

    const meta = { ...p.meta, bank: { ...p.meta.bank, size: 4 } };
    const misShaped = writeSafetensors([{ name: 'memory_bank', dtype: 'F32', shape: [3, 1024], data: p.bank }], { format: PROFILE_FORMAT, profile: JSON.stringify(meta) });
    expect(() => readProfile(misShaped, 's.safetensors')).toThrow(/memory_bank has shape \[3,1024\], metadata says \[4, 1024\]/);
  });
});

describe('threshold calibration', () => {
  it('takes the max or a numpy-style percentile of normal scores', () => {
    expect(calibrateThreshold([1, 3, 2])).toBe(3);
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(calibrateThreshold([1, 2, 3, 4, 5], { method: 'percentile', percentile: 90 })).toBeCloseTo(4.6, 12);
    // tail: median 3, mean excess above it (1 + 2) / 2 = 1.5, at rate 1 %: 3 + 1.5 ln 50.
    expect(calibrateThreshold([1, 2, 3, 4, 5], { method: 'tail', rate: 0.01 })).toBeCloseTo(3 + 1.5 * Math.log(50), 12);
    expect(calibrateThreshold([2, 7], { method: 'tail', rate: 0.01 })).toBe(7); // too few scores above the median: their maximum
    expect(() => calibrateThreshold([])).toThrow(/at least one normal score/);
  });

  it('normalises monotonically with 0.5 at the threshold and a spread from the normal scores', () => {
    const normals = [1, 1.5, 2]; // median 1.5: w = ln(2 / 1.5)
    expect(normalizeScore(2, 2, normals)).toBe(0.5);
    expect(normalizeScore(1.5, 2, normals)).toBeCloseTo(0.25, 12); // the median normal part
    expect(normalizeScore(2 * (2 / 1.5), 2, normals)).toBeCloseTo(0.75, 12); // as far above as the median is below
    expect(normalizeScore(0, 2, normals)).toBe(0);
    // Defects far above the threshold still rank: 3x, 5x and 20x the threshold read apart, all below 1.
    const defects = [6, 10, 40].map((s) => normalizeScore(s, 2, normals));
    expect(defects[0]).toBeLessThan(defects[1]);
    expect(defects[1]).toBeLessThan(defects[2]);
    expect(defects[2]).toBeLessThan(0.995);
    expect(defects[0].toFixed(2)).not.toBe(defects[1].toFixed(2));
    // One normal score at the threshold says little of the spread: the narrowest, 25 %, is used; none: a factor 2.
    expect(normalizeScore(2 * 1.25, 2, [2])).toBeCloseTo(0.75, 12);
    expect(normalizeScore(4, 2, [])).toBeCloseTo(0.75, 12);
    expect(normalizeScore(rawForNormalized(0.9, 2, normals), 2, normals)).toBeCloseTo(0.9, 12);
    expect(verdictFor(2, 2)).toBe('fail');
    expect(verdictFor(1.99, 2)).toBe('pass');
  });
});
