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
import type { FeatureStore, PatchFeatures, SkippedImage, StageSeconds } from '../patchcore/memory-bank';
import { PatchCoreScorer } from '../patchcore/scorer';
import type { ProgressListener } from '../progress';
import { isAbortError, stageReporter, throwIfAborted } from '../progress';
import { splitHoldout } from './holdout';
import { createProfile } from './profile';
import type { Profile, ProfileMeta } from './profile';
import { roundTo } from './stored-bank';
import { calibrateThreshold } from './threshold';
import type { CalibrationMethod } from './threshold';

/** A training image by name, decoded (or rendered) on demand. */
export interface NamedImage {
  name: string;
  load(): Promise<RgbImage>;
}

export interface FitProfileOptions {
  name: string;
  coresetRatio: number;
  seed: number;
  /** Fraction of the images held out to calibrate the threshold (every n-th; see ./holdout.ts); 0 = none. */
  holdout: number;
  /** How the held-out scores set the threshold (default: their maximum). */
  calibration?: CalibrationMethod;
  dtype: 'float32' | 'float16';
  appVersion: string;
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
  /** Images in the bank, and held-out images that scored. */
  imageCount: number;
  calibrationCount: number;
  seconds: StageSeconds & { bank: number; calibrate: number; total: number };
}

/** The threshold record for the held-out scores (none when no held-out image scored). */
function thresholdFrom(scores: readonly number[], how: CalibrationMethod): ProfileMeta['threshold'] {
  if (scores.length === 0) return { value: null, method: 'none' };
  const value = calibrateThreshold(scores, how);
  return how.method === 'percentile' ? { value, method: 'percentile', percentile: how.percentile } : { value, method: 'max' };
}

export async function fitProfile(backbone: Backbone, images: readonly NamedImage[], options: FitProfileOptions): Promise<FitProfileResult> {
  if (images.length === 0) throw new Error('no images: add some normal (defect-free) images first');
  const t0 = performance.now();
  const { fit, holdout } = splitHoldout(images, options.holdout);
  const embed = options.embed;
  const bank = await buildMemoryBank(
    backbone,
    { count: fit.length, name: (i) => fit[i].name, load: (i) => fit[i].load() },
    {
      coresetRatio: options.coresetRatio,
      seed: options.seed,
      coresetOn: options.coresetOn,
      featureStore: options.featureStore,
      onProgress: options.onProgress,
      signal: options.signal,
      ...(embed ? { embed: (i: number) => embed(fit[i]), concurrency: options.concurrency } : {}),
    },
  );
  const values = roundTo(bank.data, options.dtype);
  const t1 = performance.now();
  const skipped = [...bank.skipped];
  const calibrationScores: number[] = [];
  const report = stageReporter('calibrate', holdout.length, options.onProgress);
  report(0);
  const scorer = holdout.length ? new PatchCoreScorer(backbone, values, bank.dim) : null;
  try {
    for (const [i, image] of holdout.entries()) {
      throwIfAborted(options.signal);
      try {
        calibrationScores.push((await scorer!.score(await image.load())).score);
      } catch (e) {
        if (isAbortError(e)) throw e;
        skipped.push({ name: image.name, reason: (e as Error).message });
      }
      report(i + 1);
    }
  } finally {
    scorer?.dispose();
  }
  const profile = createProfile({
    name: options.name,
    spec: backbone.spec,
    weightsHash: backbone.weightsHash,
    bank: { data: values, size: bank.size, dim: bank.dim, imageCount: bank.imageCount, patchCount: bank.patchCount, skipped: skipped.length },
    coreset: { ratio: options.coresetRatio, seed: options.seed },
    calibrationScores,
    threshold: thresholdFrom(calibrationScores, options.calibration ?? { method: 'max' }),
    dtype: options.dtype,
    appVersion: options.appVersion,
  });
  const t2 = performance.now();
  return {
    profile,
    skipped,
    imageCount: bank.imageCount,
    calibrationCount: calibrationScores.length,
    seconds: { ...bank.seconds, bank: (t1 - t0) / 1000, calibrate: (t2 - t1) / 1000, total: (t2 - t0) / 1000 },
  };
}
