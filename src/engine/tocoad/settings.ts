/**
 * The ToCoAD fine-tuning settings a person chooses in the Train view (the rest are the trainer's defaults).
 * They are stored with a run's checkpoints and sent to the worker that trains.
 */
import type { GeneratorKind } from './generator';

export interface TrainSettings {
  stage1Epochs: number;
  stage2Epochs: number;
  /** Stage I images per optimiser step (the discriminator's Adam steps). */
  stage1BatchSize: number;
  /** Stage II images per optimiser step (the extractor's SGD steps). */
  batchSize: number;
  microBatch: number;
  lambda: number;
  generator: GeneratorKind;
  imageSize: number;
  seed: number;
  stage1Lr: number;
  stage2Lr: number;
}

/**
 * The default fine-tuning recipe: the one definition the Train view, the worker, `finetune` (its flags' defaults) and
 * the trainer (`DEFAULT_TOCOAD`) all use: a short run that fits a browser tab (glass, 18 images, WASM: about 7 min,
 * pixel AUROC 0.9030 -> 0.9045). Measured alternatives did not beat it on both pixel AUROC and AUPRO (README,
 * "Fine-tuning the extractor"): 160 px with 20 stage II epochs gained 0.5 point pixel AUROC but lost 0.8 point AUPRO;
 * 224 px with 12 stage II epochs lost AUPRO too.
 */
export const DEFAULT_TRAIN_SETTINGS: Readonly<TrainSettings> = Object.freeze({
  stage1Epochs: 10,
  stage2Epochs: 5,
  stage1BatchSize: 16,
  batchSize: 16,
  microBatch: 2,
  lambda: 0.5,
  generator: 'perlin',
  imageSize: 224,
  seed: 0,
  stage1Lr: 1e-3,
  stage2Lr: 1e-2,
});

/** Settings stored before stage I had its own batch size trained both stages with `batchSize`: read them that way. */
export function upgradeSettings(s: Omit<TrainSettings, 'stage1BatchSize'> & { stage1BatchSize?: number }): TrainSettings {
  return { ...s, stage1BatchSize: s.stage1BatchSize ?? s.batchSize };
}
