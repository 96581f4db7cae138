import type { Command } from 'commander';
import { Option } from 'commander';
import { readFileSync } from 'node:fs';
import type { Backbone } from '../engine/backbones/backbone';
import { fitProfile } from '../engine/profile/fit';
import type { FitProfileResult, NamedImage } from '../engine/profile/fit';
import type { CalibrationMethod } from '../engine/profile/threshold';
import { APP_VERSION } from '../engine/version';
import { fileFeatureStore } from '../node/feature-file';
import type { SkippedImage } from '../engine/patchcore/memory-bank';
import type { ScoringOptions } from '../engine/patchcore/scorer';
import type { ProgressListener } from '../engine/progress';
import { readProfile } from '../engine/profile/profile';
import { backboneFolderForProfile, DEFAULT_BACKBONE, loadBackboneArg } from '../node/backbones';
import { decodeImageFile } from '../node/decode';
import type { NodeBackend } from '../node/tf-backend';
import { initNodeBackend } from '../node/tf-backend';
import { basename } from 'node:path';
import { availableParallelism } from 'node:os';
import v8 from 'node:v8';
import vm from 'node:vm';
import { EnginePool } from '../node/engine-pool';
import { DEFAULT_CORESET_RATIO } from '../engine/patchcore/defaults';
import { listMvtecDataset } from '../node/dataset';
import type { MvtecDataset } from '../node/dataset';

export interface BackendOptions {
  backend: NodeBackend;
  /** Engine threads for fit/eval (1 = in-process). */
  threads?: number;
}

export interface FitArgs {
  backbone?: string;
  coresetRatio: number;
  seed: number;
  /** Fit on the first N images of train/good only (the few-photo case). */
  shots?: number;
}

/** The training images a fit uses: train/good, or its first `--shots` images. */
export function trainingFiles(train: readonly string[], args: FitArgs): string[] {
  return args.shots ? train.slice(0, args.shots) : [...train];
}

export interface ScoringArgs {
  k?: number;
  distance?: 'squared' | 'euclidean';
  reweight?: boolean;
}

function positiveNumber(name: string, max = Infinity) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n <= 0 || n > max) throw new Error(`${name} must be a number in (0, ${max}], got "${v}"`);
    return n;
  };
}

function integer(name: string, min: number) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`${name} must be an integer >= ${min}, got "${v}"`);
    return n;
  };
}

export function addBackendOptions(cmd: Command): Command {
  return cmd
    .addOption(new Option('--backend <name>', 'tfjs backend').choices(['wasm', 'cpu']).default('wasm'))
    .option('--threads <n>', 'engine threads (each runs its own backend on a share of the images)', integer('--threads', 1), availableParallelism());
}

export function addFitOptions(cmd: Command): Command {
  return cmd
    .option('--backbone <id|dir>', 'bundled backbone id or a converted model folder', 'resnet50-imagenet')
    .option('--coreset-ratio <r>', 'fraction of patches kept in the memory bank', positiveNumber('--coreset-ratio', 1), DEFAULT_CORESET_RATIO)
    .option('--seed <n>', 'seed of the random projection and starting points', integer('--seed', 0), 0)
    .option('--shots <n>', 'fit on the first n images of train/good only (sorted by name), to measure the few-photo case', integer('--shots', 1));
}

export function addScoringOptions(cmd: Command): Command {
  return cmd
    .option('--k <n>', 'nearest neighbours averaged per patch (default: the profile\'s, else 1)', integer('--k', 1))
    .addOption(new Option('--distance <metric>', 'patch distance (default: the profile\'s, else squared, as the reference)').choices(['squared', 'euclidean']))
    .option('--reweight', 'paper Eq. 9 reweighting of the image score');
}

export function parseScoringOptions(args: ScoringArgs): ScoringOptions {
  const out: ScoringOptions = {};
  if (args.k !== undefined) out.k = args.k;
  if (args.distance !== undefined) out.metric = args.distance;
  if (args.reweight) out.reweight = true;
  return out;
}

export async function setupBackend(args: BackendOptions): Promise<void> {
  await initNodeBackend(args.backend);
}

/**
 * Collects garbage now. After a fit the per-image features (hundreds of MB of ArrayBuffers) are
 * unreachable but V8 may keep them until memory pressure; releasing them before scoring keeps the
 * process's peak memory down.
 */
export function releaseMemory(): void {
  v8.setFlagsFromString('--expose-gc');
  (vm.runInNewContext('gc') as () => void)();
}

export function peakRssMb(): number {
  return Math.round(process.resourceUsage().maxRSS / 1024);
}

/** A memory bank ready to score with, fitted now or read from a profile. */
export interface FittedBank {
  backbone: Backbone;
  /** What `--backbone` resolved to (an id or a folder), for threads that load their own copy. */
  backboneArg: string;
  bank: Float32Array;
  dim: number;
  coresetRatio: number;
  scoring: ScoringOptions;
  fitSeconds: number | null;
  skipped: SkippedImage[];
  /** The profile's threshold (null: none) and the normal scores it was calibrated on. */
  threshold: number | null;
  calibrationScores: number[];
  /** Defect regions under this many input pixels are ignored (the profile's setting). */
  minRegionArea: number;
}

/** What a fit from a folder records beyond the bank settings (as `fit`'s flags; `eval` fits with none held out). */
export interface FolderFitSettings {
  name: string;
  holdout: number;
  calibration?: CalibrationMethod;
  dtype: 'float32' | 'float16';
  minRegionArea?: number;
}

/** Fits a profile on `files` through the engine's one fit pipeline, embedding in a pool of threads when asked. */
export async function fitFromFolder(
  args: FitArgs & BackendOptions,
  files: string[],
  onProgress: ProgressListener,
  settings: FolderFitSettings = { name: 'profile', holdout: 0, dtype: 'float32' },
  signal?: AbortSignal,
): Promise<FittedBank & { result: FitProfileResult }> {
  const backbone = await loadBackboneArg(args.backbone);
  const pool = (args.threads ?? 1) > 1 ? await EnginePool.start({ backend: args.backend, backbone: args.backbone ?? DEFAULT_BACKBONE, seed: args.seed, size: args.threads }) : null;
  try {
    const result = await fitProfile(
      backbone,
      files.map((file) => ({ name: file, load: () => decodeImageFile(file) })),
      {
        ...settings,
        coresetRatio: args.coresetRatio,
        seed: args.seed,
        appVersion: APP_VERSION,
        featureStore: fileFeatureStore(),
        onProgress,
        signal,
        ...(pool ? { embed: (image: NamedImage) => pool.embed(image.name), concurrency: pool.size } : {}),
      },
    );
    const { meta, bank } = result.profile;
    return {
      backbone,
      backboneArg: args.backbone ?? DEFAULT_BACKBONE,
      bank,
      dim: meta.bank.dim,
      coresetRatio: args.coresetRatio,
      scoring: {},
      fitSeconds: result.seconds.total,
      skipped: result.skipped,
      threshold: meta.threshold.value,
      calibrationScores: meta.calibrationScores,
      minRegionArea: meta.regions?.minArea ?? 0,
      result,
    };
  } finally {
    await pool?.close();
  }
}

export async function openProfileForScoring(file: string, backboneArg?: string): Promise<FittedBank> {
  const profile = readProfile(new Uint8Array(readFileSync(file)), basename(file));
  const resolvedArg = backboneArg && backboneArg !== DEFAULT_BACKBONE ? backboneArg : backboneFolderForProfile(profile.meta.backbone.id, file);
  const backbone = await loadBackboneArg(resolvedArg);
  if (backbone.weightsHash !== profile.meta.backbone.weightsHash) {
    backbone.dispose();
    throw new Error(`${file}: the profile was built with backbone weights ${profile.meta.backbone.weightsHash.slice(0, 12)}…, but ${backbone.spec.id} has ${backbone.weightsHash.slice(0, 12)}…; pass the matching --backbone`);
  }
  return {
    backbone,
    backboneArg: resolvedArg,
    bank: profile.bank,
    dim: profile.meta.bank.dim,
    coresetRatio: profile.meta.coreset.ratio,
    scoring: profile.meta.scoring,
    fitSeconds: null,
    skipped: [],
    threshold: profile.meta.threshold.value,
    calibrationScores: profile.meta.calibrationScores,
    minRegionArea: profile.meta.regions?.minArea ?? 0,
  };
}

/** Lists a dataset folder (MVTec AD layout), naming on stderr every file it leaves out and why. */
export function listDataset(dir: string): MvtecDataset {
  const dataset = listMvtecDataset(dir);
  for (const s of dataset.skipped) console.error(`skipped ${s.path}: ${s.reason}`);
  return dataset;
}
