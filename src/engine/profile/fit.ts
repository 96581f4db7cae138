/**
 * The one fit pipeline, images -> memory bank -> threshold calibration -> profile, that every host calls (the
 * CLI's `fit` and `eval`, the worker's build and demo build). Hosts bring what differs between them: how images
 * are decoded, where the patch features wait for the coreset, and optionally a pool of threads that embeds.
 *
 * The bank is rounded to its storage dtype before calibration, so the threshold is set on exactly the values the
 * profile stores and later scores with (a float16 profile calibrates on float16 values).
 */
import type { Backbone } from '../backbones/backbone';
import type { RgbImage } from '../image/types';
import { buildMemoryBank } from '../patchcore/memory-bank';
import type { FeatureStore, MemoryBank, PatchFeatures, SkippedImage, StageSeconds } from '../patchcore/memory-bank';
import { PatchCoreScorer } from '../patchcore/scorer';
import type { ProgressListener } from '../progress';
import { isAbortError, stageReporter, throwIfAborted } from '../progress';
import { splitHoldout } from './holdout';
import { createProfile } from './profile';
import type { CalibrationRecord, Profile } from './profile';
import { roundTo } from './stored-bank';
import { thresholdRecord } from './threshold';
import type { CalibrationMethod } from './threshold';

/** A training image by name, decoded (or rendered) on demand. */
export interface NamedImage {
  name: string;
  load(): Promise<RgbImage>;
}

/** Training images scored out of sample at most: enough for a threshold, a bounded share of the fit's time. */
const MAX_CALIBRATION_IMAGES = 64;

export interface FitProfileOptions {
  name: string;
  coresetRatio: number;
  seed: number;
  /**
   * Fraction of the images held out of the bank (every n-th; see ./holdout.ts), scored to calibrate beside the
   * training images' own out-of-sample scores. Default 0: every image feeds the bank and the calibration.
   */
  holdout?: number;
  /** Training images scored out of sample at most (spread evenly over a larger set); default MAX_CALIBRATION_IMAGES. */
  maxCalibrationImages?: number;
  /** How the calibration scores set the threshold (default: DEFAULT_THRESHOLD_RULE). */
  calibration?: CalibrationMethod;
  dtype: 'float32' | 'float16';
  appVersion: string;
  /** Defect regions under this many input pixels are ignored (stored in the profile). */
  minRegionArea?: number;
  /** Where the coreset runs (default: by backend, see defaultCoresetPlacement). */
  coresetOn?: 'host' | 'device';
  /** Where the patch features wait for the coreset (default: in memory). */
  featureStore?: FeatureStore;
  /** Replaces the in-process embedder (e.g. a pool of threads); `concurrency` images are then embedded at once. */
  embed?: (image: NamedImage) => Promise<PatchFeatures>;
  concurrency?: number;
  onProgress?: ProgressListener;
  signal?: AbortSignal;
}

export interface FitProfileResult {
  /** The profile, its bank already rounded to `dtype`. */
  profile: Profile;
  /** Images that could not be used (bank or calibration), each with the reason. */
  skipped: SkippedImage[];
  /** Images in the bank, and images with a calibration score (out of sample or held out). */
  imageCount: number;
  calibrationCount: number;
  seconds: StageSeconds & { bank: number; calibrate: number; total: number };
}

/**
 * Which training images get an out-of-sample score: all of them up to `max`, else `max` spread evenly over the set
 * (every image costs one search of its own patches against the bank).
 */
function calibrationSubset<T>(items: readonly T[], max: number): T[] {
  if (items.length <= max) return [...items];
  return Array.from({ length: max }, (_, j) => items[Math.floor(((j + 0.5) * items.length) / max)]);
}

/** Out-of-sample scores of training images: each scored on its own features against the bank without its rows. */
async function leaveOneOutScores(
  scorer: PatchCoreScorer,
  bank: MemoryBank,
  images: readonly NamedImage[],
  chosen: ReadonlySet<number>,
  seed: number,
  onScore: (name: string, score: number) => void,
  report: (done: number) => void,
  signal?: AbortSignal,
): Promise<void> {
  const store = bank.features!;
  const rowsOf = new Map<number, number[]>();
  bank.rowImages.forEach((image, row) => {
    const rows = rowsOf.get(image);
    if (rows) rows.push(row);
    else rowsOf.set(image, [row]);
  });
  const everyPatch = Array.from({ length: bank.patchesPerImage }, (_, i) => i);
  let done = 0;
  for (const image of bank.keptImages) {
    if (!chosen.has(image)) continue;
    throwIfAborted(signal);
    const features = await store.rows(image, everyPatch);
    const projected = bank.projections.get(image);
    onScore(images[image].name, await scorer.scoreFeatures(features, rowsOf.get(image) ?? [], projected && { values: projected, seed }));
    report(++done);
  }
}

export async function fitProfile(backbone: Backbone, images: readonly NamedImage[], options: FitProfileOptions): Promise<FitProfileResult> {
  if (images.length === 0) throw new Error('no images: add some normal (defect-free) images first');
  const t0 = performance.now();
  const holdoutFraction = options.holdout ?? 0;
  const { fit, holdout } = splitHoldout(images, holdoutFraction);
  const embed = options.embed;
  const chosen = new Set(calibrationSubset(fit.map((_, i) => i), options.maxCalibrationImages ?? MAX_CALIBRATION_IMAGES));
  const bank = await buildMemoryBank(
    backbone,
    { count: fit.length, name: (i) => fit[i].name, load: (i) => fit[i].load() },
    {
      coresetRatio: options.coresetRatio,
      seed: options.seed,
      coresetOn: options.coresetOn,
      featureStore: options.featureStore,
      keepFeatures: true,
      keepProjections: (image) => chosen.has(image),
      onProgress: options.onProgress,
      signal: options.signal,
      ...(embed ? { embed: (i: number) => embed(fit[i]), concurrency: options.concurrency } : {}),
    },
  );
  const values = roundTo(bank.data, options.dtype);
  const t1 = performance.now();
  const skipped = [...bank.skipped];
  const scores: number[] = [];
  const names: string[] = [];
  const record = (name: string, score: number) => {
    scores.push(score);
    names.push(name);
  };
  const looCount = bank.keptImages.filter((i) => chosen.has(i)).length;
  const report = stageReporter('calibrate', looCount + holdout.length, options.onProgress);
  report(0);
  const scorer = new PatchCoreScorer(backbone, values, bank.dim);
  try {
    // A bank of one image leaves nothing to score it against: its calibration needs held-out images.
    if (bank.keptImages.length > 1) await leaveOneOutScores(scorer, bank, fit, chosen, options.seed, record, report, options.signal);
    for (const [i, image] of holdout.entries()) {
      throwIfAborted(options.signal);
      try {
        record(image.name, (await scorer.score(await image.load())).score);
      } catch (e) {
        if (isAbortError(e)) throw e;
        skipped.push({ name: image.name, reason: (e as Error).message });
      }
      report(looCount + i + 1);
    }
  } finally {
    scorer.dispose();
    await bank.features?.dispose();
  }
  const method: CalibrationRecord['method'] = scores.length === 0 ? 'none' : holdout.length ? 'holdout+leave-one-out' : 'leave-one-out';
  const profile = createProfile({
    name: options.name,
    spec: backbone.spec,
    weightsHash: backbone.weightsHash,
    bank: { data: values, size: bank.size, dim: bank.dim, imageCount: bank.imageCount, patchCount: bank.patchCount, skipped: skipped.length },
    coreset: { ratio: options.coresetRatio, seed: options.seed },
    calibrationScores: scores,
    calibration: { method, images: names },
    threshold: thresholdRecord(scores, options.calibration),
    ...(options.minRegionArea ? { regions: { minArea: options.minRegionArea } } : {}),
    dtype: options.dtype,
    appVersion: options.appVersion,
  });
  const t2 = performance.now();
  return {
    profile,
    skipped,
    imageCount: bank.imageCount,
    calibrationCount: scores.length,
    seconds: { ...bank.seconds, bank: (t1 - t0) / 1000, calibrate: (t2 - t1) / 1000, total: (t2 - t0) / 1000 },
  };
}
