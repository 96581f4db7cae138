import * as tf from './tf';
import type { Backbone } from './backbones/backbone';
import type { RgbImage } from './image/types';
import { anomalyMap } from './patchcore/anomaly-map';
import { DEFAULT_CORESET_RATIO } from './patchcore/defaults';
import { coresetSize, PROJECTION_DIM, projectionMatrix, selectCoresetDevice, selectCoresetHost } from './patchcore/coreset';
import { TARGET_DIM, embedPatches } from './patchcore/embed';
import { imagesToBatch, patchGrid } from './patchcore/features';
import type { ImageSource } from './patchcore/memory-bank';
import { defaultCoresetPlacement } from './patchcore/memory-bank';
import { SubspaceIndex } from './patchcore/pruned-search';
import { PatchCoreScorer } from './patchcore/scorer';
import type { ProgressListener } from './progress';
import { stageReporter, throwIfAborted } from './progress';

/** Per-stage timings of the PatchCore pipeline on one backend, each stage synchronised before timing. */
export interface BenchResult {
  backend: string;
  images: number;
  patches: number;
  bank_size: number;
  coreset_on: 'host' | 'device';
  /** Milliseconds per image (decode, preprocess, backbone, embedding, search, map) or in all (coreset). */
  ms_per_image: { decode: number; preprocess: number; backbone: number; embedding: number; search: number; map: number };
  coreset_ms: number;
  /** Building the search index of the bank, once per bank (not in `search`, which is the scorer's search per image). */
  index_ms: number;
  /** features + coreset, the time to build a memory bank from these images. */
  fit_ms: number;
  /** decode + preprocess + backbone + embedding + search + map. */
  infer_ms_per_image: number;
}

async function sync(t: tf.Tensor): Promise<void> {
  await tf.slice(t, new Array(t.rank).fill(0), new Array(t.rank).fill(1)).data();
}

export async function runBenchmark(
  backbone: Backbone,
  images: ImageSource,
  options: { coresetRatio?: number; seed?: number; onProgress?: ProgressListener; signal?: AbortSignal } = {},
): Promise<BenchResult> {
  const ratio = options.coresetRatio ?? DEFAULT_CORESET_RATIO;
  const totals = { decode: 0, preprocess: 0, backbone: 0, embedding: 0, search: 0, map: 0 };
  const features: tf.Tensor2D[] = [];
  const decoded: RgbImage[] = [];
  const report = stageReporter('benchmark', images.count * 2 + 1, options.onProgress);
  const timed = async <T>(key: keyof typeof totals, fn: () => Promise<T> | T): Promise<T> => {
    const t0 = performance.now();
    const out = await fn();
    totals[key] += performance.now() - t0;
    return out;
  };
  const projection = tf.tensor2d(projectionMatrix(TARGET_DIM, PROJECTION_DIM, options.seed ?? 0), [TARGET_DIM, PROJECTION_DIM]);
  try {
    for (let i = 0; i < images.count; i++) {
      throwIfAborted(options.signal);
      const img = await timed('decode', () => images.load(i));
      decoded.push(img);
      const batch = await timed('preprocess', async () => {
        const b = imagesToBatch([img], backbone);
        await sync(b);
        return b;
      });
      const taps = await timed('backbone', async () => {
        const t = backbone.features(batch);
        await sync(t[backbone.spec.taps[backbone.spec.taps.length - 1].name]!);
        return t;
      });
      batch.dispose();
      const emb = await timed('embedding', async () => {
        const e = embedPatches(backbone.spec.taps.map((t) => taps[t.name]!));
        await sync(e);
        return e;
      });
      Object.values(taps).forEach((t) => t?.dispose());
      features.push(emb);
      report(i + 1);
    }
    const all = tf.concat(features) as tf.Tensor2D;
    const coresetOn = defaultCoresetPlacement();
    const t0 = performance.now();
    const projected = tf.matMul(all, projection) as tf.Tensor2D;
    let indices: Int32Array;
    if (coresetOn === 'device') indices = await selectCoresetDevice(projected, { ratio, seed: options.seed ?? 0, signal: options.signal });
    else indices = await selectCoresetHost((await projected.data()) as Float32Array, PROJECTION_DIM, { ratio, seed: options.seed ?? 0, signal: options.signal });
    const bank = tf.gather(all, Array.from(indices)) as tf.Tensor2D;
    await sync(bank);
    const coresetMs = performance.now() - t0;
    projected.dispose();
    report(images.count + 1);
    // The scorer's own search at its defaults, with its index built once up front and timed on its own.
    const bankRows = (await bank.data()) as Float32Array;
    const dim = bank.shape[1];
    bank.dispose();
    const scorer = new PatchCoreScorer(backbone, bankRows, dim);
    let indexMs = 0;
    try {
      const t1 = performance.now();
      if (scorer.options.k === 1) scorer.useIndex(await SubspaceIndex.build(bankRows, dim));
      indexMs = performance.now() - t1;
      const grid = patchGrid(backbone);
      for (let i = 0; i < features.length; i++) {
        throwIfAborted(options.signal);
        const host = (await features[i].data()) as Float32Array;
        const scores = await timed('search', () => scorer.patchScoresOf(host));
        await timed('map', () => anomalyMap(scores, grid, grid, backbone.spec.inputSize, scorer.options.sigma));
        report(images.count + 2 + i);
      }
    } finally {
      scorer.dispose();
    }
    all.dispose();
    const n = Math.max(1, features.length);
    const perImage = Object.fromEntries(Object.entries(totals).map(([k, v]) => [k, v / n])) as BenchResult['ms_per_image'];
    const featureMs = totals.decode + totals.preprocess + totals.backbone + totals.embedding;
    return {
      backend: tf.getBackend(),
      images: features.length,
      patches: all.shape[0],
      bank_size: coresetSize(all.shape[0], ratio),
      coreset_on: coresetOn,
      ms_per_image: perImage,
      coreset_ms: coresetMs,
      index_ms: indexMs,
      fit_ms: featureMs + coresetMs,
      infer_ms_per_image: perImage.decode + perImage.preprocess + perImage.backbone + perImage.embedding + perImage.search + perImage.map,
    };
  } finally {
    projection.dispose();
    features.forEach((f) => f.dispose());
  }
}
