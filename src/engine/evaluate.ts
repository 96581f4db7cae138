import type { GrayImage, RgbImage } from './image/types';
import { prepareMask } from './image/prepare';
import { aupro, auroc, f1Max } from './metrics';
import type { PatchCoreScorer, ScoreTimings } from './patchcore/scorer';
import type { ProgressListener } from './progress';
import { stageReporter, throwIfAborted } from './progress';
import type { SkippedImage } from './patchcore/memory-bank';

/** A test image with its ground truth: label 1 is defective; a mask marks the defect's pixels. */
export interface LabelledImage {
  name: string;
  label: 0 | 1;
  defect: string;
  load(): Promise<RgbImage>;
  /** Absent for good images and for sets without masks. */
  loadMask?: () => Promise<GrayImage>;
}

export interface ImageResult {
  name: string;
  label: 0 | 1;
  defect: string;
  score: number;
}

export interface EvaluationMetrics {
  image_auroc: number;
  pixel_auroc: number | null;
  aupro: number | null;
  f1_max: number;
  f1_threshold: number;
}

export interface Evaluation {
  metrics: EvaluationMetrics;
  images: ImageResult[];
  skipped: SkippedImage[];
  /** Milliseconds summed over images, per stage. */
  timings: ScoreTimings & { decode: number };
}

/**
 * Scores every test image and computes image AUROC, F1-max and, when any mask exists, pixel AUROC
 * and AUPRO over all test images (good images count as all-normal pixels).
 */
export async function evaluate(
  scorer: PatchCoreScorer,
  items: LabelledImage[],
  options: { onProgress?: ProgressListener; signal?: AbortSignal } = {},
): Promise<Evaluation> {
  const withMasks = items.some((it) => it.loadMask);
  const { resize, inputSize } = scorer.backbone.spec;
  const maps: Float32Array[] = [];
  const masks: Uint8Array[] = [];
  const images: ImageResult[] = [];
  const skipped: SkippedImage[] = [];
  const timings = { decode: 0, backbone: 0, search: 0, map: 0 };
  const report = stageReporter('scoring', items.length, options.onProgress);
  report(0);
  for (const [i, item] of items.entries()) {
    throwIfAborted(options.signal);
    const t0 = performance.now();
    let image: RgbImage;
    let mask: Uint8Array | null = null;
    try {
      image = await item.load();
      if (withMasks) mask = item.loadMask ? prepareMask(await item.loadMask(), resize, inputSize) : new Uint8Array(inputSize * inputSize);
    } catch (e) {
      skipped.push({ name: item.name, reason: (e as Error).message });
      report(i + 1);
      continue;
    }
    timings.decode += performance.now() - t0;
    const result = await scorer.score(image, timings);
    images.push({ name: item.name, label: item.label, defect: item.defect, score: result.score });
    if (mask) {
      maps.push(result.map);
      masks.push(mask);
    }
    report(i + 1);
  }
  const scores = images.map((r) => r.score);
  const labels = images.map((r) => r.label);
  const f1 = f1Max(scores, labels);
  let pixel: number | null = null;
  let pro: number | null = null;
  if (withMasks && masks.some((m) => m.some((v) => v > 0))) {
    const total = maps.length * inputSize * inputSize;
    const allMaps = new Float32Array(total);
    const allMasks = new Uint8Array(total);
    maps.forEach((m, i) => allMaps.set(m, i * m.length));
    masks.forEach((m, i) => allMasks.set(m, i * m.length));
    pixel = auroc(allMaps, allMasks);
    pro = aupro(maps, masks, inputSize, inputSize);
  }
  return {
    metrics: { image_auroc: auroc(scores, labels), pixel_auroc: pixel, aupro: pro, f1_max: f1.f1, f1_threshold: f1.threshold },
    images,
    skipped,
    timings,
  };
}
