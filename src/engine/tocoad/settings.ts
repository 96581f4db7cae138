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
