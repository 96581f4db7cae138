import { describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN_SETTINGS } from '../../engine/tocoad/settings';
import { settingsProblems } from './settings';

describe('settingsProblems', () => {
  it('accepts the defaults and names each bad field', () => {
    expect(settingsProblems(DEFAULT_TRAIN_SETTINGS)).toEqual({});
    const bad = settingsProblems({ ...DEFAULT_TRAIN_SETTINGS, imageSize: 100, microBatch: 32, lambda: 1.5, stage2Lr: 0, seed: -1, stage1Epochs: 1.5 });
    expect(Object.keys(bad).sort()).toEqual(['imageSize', 'lambda', 'microBatch', 'seed', 'stage1Epochs', 'stage2Lr']);
    expect(bad.microBatch).toBe('at most the smaller batch size');
    expect(settingsProblems({ ...DEFAULT_TRAIN_SETTINGS, stage1Epochs: 0, stage2Epochs: 0 }).stage1Epochs).toMatch(/at least one stage/);
    expect(settingsProblems({ ...DEFAULT_TRAIN_SETTINGS, batchSize: NaN }).batchSize).toBeDefined();
    expect(settingsProblems({ ...DEFAULT_TRAIN_SETTINGS, stage1BatchSize: 0 }).stage1BatchSize).toBeDefined();
    expect(settingsProblems({ ...DEFAULT_TRAIN_SETTINGS, stage1BatchSize: 2, batchSize: 16, microBatch: 4 }).microBatch).toBe('at most the smaller batch size');
  });
});
