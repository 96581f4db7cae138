/**
 * The ToCoAD fine-tuning settings a person chooses in the Train view (the rest are the trainer's defaults).
 * They are stored with a run's checkpoints and sent to the worker that trains.
 */
import type { GeneratorKind } from './generator';

export interface TrainSettings {
  stage1Epochs: number;
  stage2Epochs: number;
  batchSize: number;
  microBatch: number;
  lambda: number;
  generator: GeneratorKind;
  imageSize: number;
  seed: number;
  stage1Lr: number;
  stage2Lr: number;
}

/** The Train view's defaults: a short run that fits a browser tab (the CLI keeps the paper's DEFAULT_TOCOAD). */
export const DEFAULT_TRAIN_SETTINGS: TrainSettings = {
  stage1Epochs: 10,
  stage2Epochs: 5,
  batchSize: 16,
  microBatch: 2,
  lambda: 0.5,
  generator: 'perlin',
  imageSize: 224,
  seed: 0,
  stage1Lr: 1e-3,
  stage2Lr: 1e-2,
};
