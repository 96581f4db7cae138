/**
 * The profile's types and limits, and its error: what every other profile module (format, validation, fit, teach)
 * shares, with no code that reads or writes.
 */
import type { BackboneSpec } from '../backbones/spec';
import type { DistanceMetric } from '../patchcore/nearest';

/**
 * A profile: a memory bank plus everything needed to score with it and to explain its verdicts.
 * One file format everywhere (CLI, app, Python): safetensors with the bank as the tensor
 * `memory_bank` [size, dim] and this metadata as JSON under `__metadata__.profile`.
 */
export const PROFILE_FORMAT = 'anomaly-inspector/profile';
/** 2: calibration record (method, image names) and taught images; version-1 files are migrated on read. */
export const PROFILE_SCHEMA_VERSION = 2;
/** Refuse banks beyond this many rows (a 10 % coreset of 20,000 images is under 1.6 M). */
export const MAX_BANK_ROWS = 4_000_000;
/** Profile files over this size are refused before they are read (a browser tab cannot hold much more). */
export const MAX_PROFILE_FILE_BYTES = 1024 * 1024 * 1024;

export type ThresholdMethod = 'max' | 'percentile' | 'tail' | 'manual' | 'none';

/**
 * How the calibration scores were obtained: `leave-one-out`, each training image scored against the bank without
 * its own rows (out of sample; every image feeds the bank too); `holdout`, images kept out of the bank (every
 * version-1 profile); both; or none. `images[i]` names the image of `calibrationScores[i]` ([] when unknown).
 */
export interface CalibrationRecord {
  method: 'leave-one-out' | 'holdout' | 'holdout+leave-one-out' | 'none';
  images: string[];
}

/** An image an operator marked as good: its rows were added to the bank (see ./teach.ts). */
export interface TaughtImage {
  name: string;
  at: string;
  /** Its score before it was taught (out of sample: the bank did not hold it yet). */
  scoreBefore: number;
  /** Bank rows it added. */
  rows: number;
}

export interface ProfileMeta {
  format: typeof PROFILE_FORMAT;
  schemaVersion: typeof PROFILE_SCHEMA_VERSION;
  id: string;
  name: string;
  createdAt: string;
  updatedAt: string;
  appVersion: string;
  backbone: { id: string; label: string; architecture: BackboneSpec['architecture']; weightsHash: string };
  preprocessing: { resize: number; inputSize: number; kind: BackboneSpec['preprocessing']['kind'] };
  coreset: { ratio: number; seed: number; projectionDim: number; startPoints: number };
  scoring: { k: number; metric: DistanceMetric; reweight: boolean; sigma: number };
  bank: { size: number; dim: number; dtype: 'float32' | 'float16' };
  training: { imageCount: number; patchCount: number; skipped: number };
  /** Raw-score threshold; verdict is "fail" when score >= value. */
  threshold: { value: number | null; method: ThresholdMethod; percentile?: number; rate?: number };
  /** Out-of-sample scores of normal images, used to calibrate the threshold and the normalised score. */
  calibrationScores: number[];
  calibration: CalibrationRecord;
  /** Images taught since the fit, oldest first. */
  taught: TaughtImage[];
  /** Defect regions smaller than `minArea` pixels of the model's input are ignored (specks); absent: none are. */
  regions?: { minArea: number };
}

export interface Profile {
  meta: ProfileMeta;
  /** [size, dim] row-major float32 (decoded from float16 where stored so). */
  bank: Float32Array;
}

export class ProfileError extends Error {
  constructor(where: string, problem: string) {
    super(`${where}: ${problem}`);
    this.name = 'ProfileError';
  }
}

