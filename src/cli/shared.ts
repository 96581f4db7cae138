import type { Command } from 'commander';
import { Option } from 'commander';
import { readFileSync } from 'node:fs';
import type { Backbone } from '../engine/backbones/backbone';
import { buildMemoryBank } from '../engine/patchcore/memory-bank';
import { fileFeatureStore } from '../node/feature-file';
import type { SkippedImage } from '../engine/patchcore/memory-bank';
import type { ScoringOptions } from '../engine/patchcore/scorer';
import type { ProgressListener } from '../engine/progress';
import { readProfile } from '../engine/profile/profile';
import { DEFAULT_BACKBONE, loadBackboneArg } from '../node/backbones';
import { decodeImageFile } from '../node/decode';
import type { NodeBackend } from '../node/tf-backend';
import { initNodeBackend } from '../node/tf-backend';
import { basename } from 'node:path';
import { availableParallelism } from 'node:os';
import v8 from 'node:v8';
import vm from 'node:vm';
import { EnginePool } from '../node/engine-pool';

export interface BackendOptions {
  backend: NodeBackend;
  /** Engine threads for fit/eval (1 = in-process). */
  threads?: number;
}

export interface FitArgs {
  backbone?: string;
  coresetRatio: number;
  seed: number;
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
    .option('--coreset-ratio <r>', 'fraction of patches kept in the memory bank', positiveNumber('--coreset-ratio', 1), 0.1)
    .option('--seed <n>', 'seed of the random projection and starting points', integer('--seed', 0), 0);
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
}

export async function fitFromFolder(
  args: FitArgs & BackendOptions,
  files: string[],
  onProgress: ProgressListener,
  signal?: AbortSignal,
): Promise<FittedBank & { patchCount: number; imageCount: number; seconds: Record<string, number> }> {
  const backbone = await loadBackboneArg(args.backbone);
  const t0 = performance.now();
  const pool = (args.threads ?? 1) > 1 ? await EnginePool.start({ backend: args.backend, backbone: args.backbone ?? DEFAULT_BACKBONE, seed: args.seed, size: args.threads }) : null;
  try {
    const bank = await buildMemoryBank(
      backbone,
      { count: files.length, name: (i) => files[i], load: (i) => decodeImageFile(files[i]) },
      {
        coresetRatio: args.coresetRatio,
        seed: args.seed,
        onProgress,
        signal,
        featureStore: fileFeatureStore(),
        ...(pool ? { embed: (i: number) => pool.embed(files[i]), concurrency: pool.size } : {}),
      },
    );
    const fitSeconds = (performance.now() - t0) / 1000;
    return {
      backbone,
      backboneArg: args.backbone ?? DEFAULT_BACKBONE,
      bank: bank.data,
      dim: bank.dim,
      coresetRatio: args.coresetRatio,
      scoring: {},
      fitSeconds,
      skipped: bank.skipped,
      patchCount: bank.patchCount,
      imageCount: bank.imageCount,
      seconds: { ...bank.seconds },
    };
  } finally {
    await pool?.close();
  }
}

export async function openProfileForScoring(file: string, backboneArg?: string): Promise<FittedBank> {
  const profile = readProfile(new Uint8Array(readFileSync(file)), basename(file));
  const resolvedArg = backboneArg && backboneArg !== DEFAULT_BACKBONE ? backboneArg : profile.meta.backbone.id;
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
  };
}
