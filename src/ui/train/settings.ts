import type { TrainSettings } from '../../engine/tocoad/settings';

/**
 * What is wrong with the form's settings, field by field (the worker checks them again with the trainer's own
 * rules; these say it before a run starts, beside the field).
 */
export function settingsProblems(s: TrainSettings): Partial<Record<keyof TrainSettings, string>> {
  const out: Partial<Record<keyof TrainSettings, string>> = {};
  const int = (v: number, min: number) => Number.isInteger(v) && v >= min;
  if (!int(s.stage1Epochs, 0)) out.stage1Epochs = 'a whole number, 0 or more';
  if (!int(s.stage2Epochs, 0)) out.stage2Epochs = 'a whole number, 0 or more';
  if (!out.stage1Epochs && !out.stage2Epochs && s.stage1Epochs + s.stage2Epochs === 0) out.stage1Epochs = 'at least one stage needs epochs';
  if (!int(s.stage1BatchSize, 1)) out.stage1BatchSize = 'a whole number, 1 or more';
  if (!int(s.batchSize, 1)) out.batchSize = 'a whole number, 1 or more';
  if (!int(s.microBatch, 1)) out.microBatch = 'a whole number, 1 or more';
  else if (!out.batchSize && !out.stage1BatchSize && s.microBatch > Math.min(s.batchSize, s.stage1BatchSize)) out.microBatch = 'at most the smaller batch size';
  if (!(s.lambda >= 0 && s.lambda <= 1)) out.lambda = 'between 0 and 1';
  if (!int(s.imageSize, 32) || s.imageSize % 32 !== 0) out.imageSize = 'a multiple of 32 (64, 96, ... 224)';
  if (!int(s.seed, 0)) out.seed = 'a whole number, 0 or more';
  if (!(s.stage1Lr > 0)) out.stage1Lr = 'a positive number';
  if (!(s.stage2Lr > 0)) out.stage2Lr = 'a positive number';
  return out;
}
