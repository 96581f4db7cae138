import { describe, expect, it } from 'vitest';
import { RESNET50_IMAGENET } from '../backbones/spec';
import { checkProfileFileSize, createProfile, MAX_PROFILE_FILE_BYTES, ProfileError, readProfile, serializeProfile } from './profile';

const bytes = serializeProfile(
  createProfile({
    name: 'bottle',
    spec: RESNET50_IMAGENET,
    weightsHash: 'ab'.repeat(32),
    bank: { data: new Float32Array(2 * 1024).fill(0.5), size: 2, dim: 1024, imageCount: 1, patchCount: 784, skipped: 0 },
    coreset: { ratio: 0.1, seed: 0 },
    calibrationScores: [1],
    threshold: { value: 1, method: 'max' },
    appVersion: '0.1.0',
  }),
);

describe('profile file size checks', () => {
  it('reads an exact file', () => {
    expect(readProfile(bytes, 'ok.safetensors').meta.bank.size).toBe(2);
  });

  it('refuses bytes beyond what the header describes', () => {
    const padded = new Uint8Array(bytes.length + 10);
    padded.set(bytes);
    expect(() => readProfile(padded, 'padded.safetensors')).toThrow(new ProfileError('padded.safetensors', 'the file is 10 bytes longer than its header describes (oversized or corrupt)'));
  });

  it('refuses files over the size limit before reading them', () => {
    expect(() => checkProfileFileSize(MAX_PROFILE_FILE_BYTES, 'x')).not.toThrow();
    expect(() => checkProfileFileSize(MAX_PROFILE_FILE_BYTES + 1, 'big.safetensors')).toThrow('big.safetensors: the file is 1024 MB, over the 1024 MB limit for a profile');
    expect(() => checkProfileFileSize(2 * MAX_PROFILE_FILE_BYTES, 'big.safetensors')).toThrow('the file is 2048 MB');
  });
});
