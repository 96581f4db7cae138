import * as tf from '../tf';
import type { Backbone } from '../backbones/backbone';
import type { RgbImage } from '../image/types';
import type { ProgressListener } from '../progress';
import { stageReporter, throwIfAborted } from '../progress';
import { coresetSize, PROJECTION_DIM, projectionMatrix, selectCoresetDevice, selectCoresetHost } from './coreset';
import { embedBatch, imagesToBatch } from './features';
import { TARGET_DIM } from './embed';

/** Where images come from: the host decodes (sharp in Node, createImageBitmap in a worker). */
export interface ImageSource {
  count: number;
  name(i: number): string;
  load(i: number): Promise<RgbImage>;
}

export interface SkippedImage {
  name: string;
  reason: string;
}

export interface FitOptions {
  coresetRatio?: number;
  seed?: number;
  /** 'host' runs the pruned greedy selection on the CPU; 'device' keeps it on the tfjs backend. */
  coresetOn?: 'host' | 'device';
  onProgress?: ProgressListener;
  signal?: AbortSignal;
}

export interface StageSeconds {
  decode: number;
  backbone: number;
  coreset: number;
}

export interface MemoryBank {
  /** [size, dim] row-major. */
  data: Float32Array;
  size: number;
  dim: number;
  /** Patches the bank was selected from. */
  patchCount: number;
  imageCount: number;
  skipped: SkippedImage[];
  seconds: StageSeconds;
}

/** Device backends run the coreset as tfjs ops; CPU-side backends use the faster pruned host search. */
export function defaultCoresetPlacement(): 'host' | 'device' {
  return ['webgpu', 'webgl'].includes(tf.getBackend()) ? 'device' : 'host';
}

/**
 * Builds the PatchCore memory bank from normal images: patch embeddings of every image, then the
 * greedy coreset on their random 128-d projections. Images that fail to load are skipped and listed.
 */
export async function buildMemoryBank(backbone: Backbone, images: ImageSource, options: FitOptions = {}): Promise<MemoryBank> {
  const ratio = options.coresetRatio ?? 0.1;
  const seed = options.seed ?? 0;
  const seconds: StageSeconds = { decode: 0, backbone: 0, coreset: 0 };
  const projection = tf.tensor2d(projectionMatrix(TARGET_DIM, PROJECTION_DIM, seed), [TARGET_DIM, PROJECTION_DIM]);
  const features: Float32Array[] = [];
  const projected: Float32Array[] = [];
  const skipped: SkippedImage[] = [];
  const report = stageReporter('features', images.count, options.onProgress);
  report(0);
  try {
    for (let i = 0; i < images.count; i++) {
      throwIfAborted(options.signal);
      let t0 = performance.now();
      let img: RgbImage;
      try {
        img = await images.load(i);
      } catch (e) {
        skipped.push({ name: images.name(i), reason: (e as Error).message });
        report(i + 1);
        continue;
      }
      seconds.decode += (performance.now() - t0) / 1000;
      t0 = performance.now();
      const [emb, proj] = tf.tidy(() => {
        const e = embedBatch(backbone, imagesToBatch([img], backbone));
        return [e, tf.matMul(e, projection)];
      });
      features.push((await emb.data()) as Float32Array);
      projected.push((await proj.data()) as Float32Array);
      emb.dispose();
      proj.dispose();
      seconds.backbone += (performance.now() - t0) / 1000;
      report(i + 1);
    }
  } finally {
    projection.dispose();
  }
  if (features.length === 0) throw new Error('no usable image: every image failed to load');

  const perImage = features[0].length / TARGET_DIM;
  const patchCount = perImage * features.length;
  const t0 = performance.now();
  const coresetReport = stageReporter('coreset', coresetSize(patchCount, ratio), options.onProgress);
  const flat = new Float32Array(patchCount * PROJECTION_DIM);
  projected.forEach((p, i) => flat.set(p, i * p.length));
  projected.length = 0;
  const coresetOptions = { ratio, seed, signal: options.signal, onProgress: (done: number) => coresetReport(done) };
  let indices: Int32Array;
  if ((options.coresetOn ?? defaultCoresetPlacement()) === 'device') {
    const x = tf.tensor2d(flat, [patchCount, PROJECTION_DIM]);
    try {
      indices = await selectCoresetDevice(x, coresetOptions);
    } finally {
      x.dispose();
    }
  } else {
    indices = await selectCoresetHost(flat, PROJECTION_DIM, coresetOptions);
  }
  const data = new Float32Array(indices.length * TARGET_DIM);
  indices.forEach((p, row) => {
    const img = Math.floor(p / perImage);
    const offset = (p % perImage) * TARGET_DIM;
    data.set(features[img].subarray(offset, offset + TARGET_DIM), row * TARGET_DIM);
  });
  seconds.coreset = (performance.now() - t0) / 1000;
  return { data, size: indices.length, dim: TARGET_DIM, patchCount, imageCount: features.length, skipped, seconds };
}
