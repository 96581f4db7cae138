import { describe, expect, it } from 'vitest';
import { RESNET50_IMAGENET } from '../backbones/spec';
import { writeSafetensors } from '../convert/safetensors';
import { createProfile, PROFILE_FORMAT, readProfile, serializeProfile } from './profile';
import type { Profile } from './profile';
import { calibrateThreshold, percentile } from './threshold';
import { normalizeScore, verdictFor } from './verdict';

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
    const newer = { ...p, meta: { ...p.meta, schemaVersion: 99 as 1 } };
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
    expect(() => calibrateThreshold([])).toThrow(/at least one held-out normal image/);
  });

  it('normalises with 0.5 at the threshold and 0 at the lowest normal score', () => {
    const normals = [1, 1.5, 2];
    expect(normalizeScore(2, 2, normals)).toBe(0.5);
    expect(normalizeScore(1, 2, normals)).toBe(0);
    expect(normalizeScore(3, 2, normals)).toBe(1);
    expect(normalizeScore(2.5, 2, normals)).toBe(0.75);
    expect(normalizeScore(100, 2, normals)).toBe(1);
    expect(verdictFor(2, 2)).toBe('fail');
    expect(verdictFor(1.99, 2)).toBe('pass');
  });
});
