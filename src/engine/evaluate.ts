import type { GrayImage, RgbImage } from './image/types';
import { prepareMask } from './image/prepare';
import { aupro, auroc, f1Max } from './metrics';
import type { PatchCoreScorer, ScoreTimings } from './patchcore/scorer';
import type { ProgressListener } from './progress';
import { isAbortError, stageReporter, throwIfAborted } from './progress';
import type { SkippedImage } from './patchcore/memory-bank';
import { defectRegions } from './profile/regions';
import type { DefectRegion } from './profile/regions';

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
  /** With a threshold: the defect regions (see ./profile/regions.ts), largest first. */
  regions?: DefectRegion[];
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

/** Scores one test image (decoding included); hosts may run it on a pool of threads. */
export type ScoreItem = (item: LabelledImage, index: number) => Promise<{ score: number; map: Float32Array; patches?: Float32Array; grid?: number; timings?: StageTimings }>;

export type StageTimings = ScoreTimings & { decode: number };

/** The in-process ScoreItem: decode through `item.load`, score on the current tfjs backend. */
export function localScoreItem(scorer: PatchCoreScorer): ScoreItem {
  return async (item) => {
    const timings = { decode: 0, backbone: 0, search: 0, map: 0 };
    const t0 = performance.now();
    const image = await item.load();
    timings.decode = performance.now() - t0;
    const r = await scorer.score(image, timings);
    return { score: r.score, map: r.map, patches: r.patches, grid: r.grid, timings };
  };
}

export interface EvaluateOptions {
  onProgress?: ProgressListener;
  signal?: AbortSignal;
  /** Images scored at once (default 1; more only helps when scoreItem runs elsewhere). */
  concurrency?: number;
  /** With a threshold, each image's defect regions are reported (those under `minRegionArea` input pixels left out). */
  threshold?: number | null;
  minRegionArea?: number;
}

/**
 * Scores every test image and computes image AUROC, F1-max and, when any mask exists, pixel AUROC
 * and AUPRO over all test images (good images count as all-normal pixels). `geometry` is the
 * backbone's resize and input size, which the masks are prepared with.
 */
export async function evaluate(
  geometry: { resize: number; inputSize: number },
  items: LabelledImage[],
  scoreItem: ScoreItem,
  options: EvaluateOptions = {},
): Promise<Evaluation> {
  const withMasks = items.some((it) => it.loadMask);
  const { resize, inputSize } = geometry;
  const timings: StageTimings = { decode: 0, backbone: 0, search: 0, map: 0 };
  const perItem: ({ result: ImageResult; map: Float32Array; mask: Uint8Array | null } | null)[] = new Array(items.length).fill(null);
  const skipped: SkippedImage[] = [];
  const report = stageReporter('scoring', items.length, options.onProgress);
  let done = 0;
  report(0);
  let nextIndex = 0;
  const runLane = async () => {
    while (nextIndex < items.length) {
      const i = nextIndex++;
      const item = items[i];
      throwIfAborted(options.signal);
      try {
        const mask = withMasks ? (item.loadMask ? prepareMask(await item.loadMask(), resize, inputSize) : new Uint8Array(inputSize * inputSize)) : null;
        const scored = await scoreItem(item, i);
        if (scored.timings) for (const k of Object.keys(timings) as (keyof typeof timings)[]) timings[k] += scored.timings[k];
        const result: ImageResult = { name: item.name, label: item.label, defect: item.defect, score: scored.score };
        if (options.threshold != null && scored.patches && scored.grid) result.regions = defectRegions(scored.patches, scored.grid, inputSize, options.threshold, options.minRegionArea ?? 0);
        perItem[i] = { result, map: scored.map, mask };
      } catch (e) {
        if (isAbortError(e)) throw e;
        skipped.push({ name: item.name, reason: (e as Error).message });
      }
      report(++done);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 1) }, runLane));
  const scoredItems = perItem.filter((p): p is NonNullable<typeof p> => p !== null);
  const images = scoredItems.map((p) => p.result);
  const maps = withMasks ? scoredItems.map((p) => p.map) : [];
  const masks = withMasks ? scoredItems.map((p) => p.mask!) : [];
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
