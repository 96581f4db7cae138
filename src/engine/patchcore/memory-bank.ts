import * as tf from '../tf';
import type { Backbone } from '../backbones/backbone';
import type { RgbImage } from '../image/types';
import type { ProgressListener } from '../progress';
import { isAbortError, stageReporter, throwIfAborted } from '../progress';
import { DEFAULT_CORESET_RATIO } from './defaults';
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
  /** Replaces the in-process embedder, e.g. with a pool of threads (see localEmbedder). */
  embed?: EmbedImage;
  /** Images embedded at once when `embed` is given (default 1). */
  concurrency?: number;
  /** Where the patch features wait for the coreset (default: in memory). */
  featureStore?: FeatureStore;
  /**
   * Hand the feature store back (as `MemoryBank.features`) instead of disposing it, for calibration from the
   * training images' own features; the caller then disposes it.
   */
  keepFeatures?: boolean;
  /** Images (ImageSource indices) whose 128-d projections are handed back too (`MemoryBank.projections`). */
  keepProjections?: (image: number) => boolean;
}

/**
 * Keeps each image's [patches, 1024] features between embedding and the coreset, which then needs only the selected
 * rows. They are most of a fit's memory (a 209-image set holds 671 MB), so a host may keep them outside its heap:
 * the CLI writes them to a temporary file.
 */
export interface FeatureStore {
  put(image: number, features: Float32Array): Promise<void>;
  /** The given rows (patch indices) of an image's features, concatenated. */
  rows(image: number, rows: readonly number[]): Promise<Float32Array>;
  dispose(): Promise<void>;
}

export function memoryFeatureStore(): FeatureStore {
  const byImage = new Map<number, Float32Array>();
  return {
    put: async (image, features) => void byImage.set(image, features),
    rows: async (image, rows) => {
      const f = byImage.get(image);
      if (!f) throw new Error(`no features stored for image ${image}`);
      const out = new Float32Array(rows.length * TARGET_DIM);
      rows.forEach((row, j) => out.set(f.subarray(row * TARGET_DIM, (row + 1) * TARGET_DIM), j * TARGET_DIM));
      return out;
    },
    dispose: async () => byImage.clear(),
  };
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
  /** For each bank row, the image (its index in the ImageSource) whose patch it is. */
  rowImages: Int32Array;
  /** Images (ImageSource indices) that made it into the fit, in order. */
  keptImages: number[];
  /** Patches per image. */
  patchesPerImage: number;
  /** The training images' features, when asked for with `keepFeatures` (the caller disposes them). */
  features?: FeatureStore;
  /** The coreset's projections [patches, 128] of the images `keepProjections` asked for. */
  projections: Map<number, Float32Array>;
  skipped: SkippedImage[];
  seconds: StageSeconds;
}

/** Device backends run the coreset as tfjs ops; CPU-side backends use the faster pruned host search. */
export function defaultCoresetPlacement(): 'host' | 'device' {
  return ['webgpu', 'webgl'].includes(tf.getBackend()) ? 'device' : 'host';
}

/** One image's patch embeddings [patches, 1024] and their random projections [patches, 128]. */
export interface PatchFeatures {
  features: Float32Array;
  projected: Float32Array;
  /** Seconds spent decoding and in the network, for the stage timings. */
  decodeSeconds: number;
  backboneSeconds: number;
}

/** Embeds image i; throws when the image cannot be loaded. Hosts may run several in parallel. */
export type EmbedImage = (i: number) => Promise<PatchFeatures>;

/** The in-process embedder: decode through `images`, run the backbone on the current tfjs backend. */
export function localEmbedder(backbone: Backbone, images: ImageSource, seed: number): EmbedImage & { dispose(): void } {
  const projection = tf.tensor2d(projectionMatrix(TARGET_DIM, PROJECTION_DIM, seed), [TARGET_DIM, PROJECTION_DIM]);
  const embed = async (i: number): Promise<PatchFeatures> => {
    let t0 = performance.now();
    const img: RgbImage = await images.load(i);
    const decodeSeconds = (performance.now() - t0) / 1000;
    t0 = performance.now();
    const [emb, proj] = tf.tidy(() => {
      const e = embedBatch(backbone, imagesToBatch([img], backbone));
      return [e, tf.matMul(e, projection)];
    });
    try {
      const features = (await emb.data()) as Float32Array;
      const projected = (await proj.data()) as Float32Array;
      return { features, projected, decodeSeconds, backboneSeconds: (performance.now() - t0) / 1000 };
    } finally {
      emb.dispose();
      proj.dispose();
    }
  };
  return Object.assign(embed, { dispose: () => projection.dispose() });
}

/**
 * Builds the PatchCore memory bank from normal images: patch embeddings of every image, then the
 * greedy coreset on their random 128-d projections. Images that fail to load are skipped and listed.
 * `options.embed` replaces the in-process embedder (e.g. a pool of threads); `concurrency` images are
 * then embedded at once, results kept in image order.
 */
export async function buildMemoryBank(backbone: Backbone, images: ImageSource, options: FitOptions = {}): Promise<MemoryBank> {
  const ratio = options.coresetRatio ?? DEFAULT_CORESET_RATIO;
  const seed = options.seed ?? 0;
  const seconds: StageSeconds = { decode: 0, backbone: 0, coreset: 0 };
  const local = options.embed ? null : localEmbedder(backbone, images, seed);
  const embed = options.embed ?? local!;
  const store = options.featureStore ?? memoryFeatureStore();
  const projected: (Float32Array | null)[] = new Array(images.count).fill(null);
  const skipped: SkippedImage[] = [];
  const report = stageReporter('features', images.count, options.onProgress);
  let done = 0;
  let perImage = 0;
  report(0);
  try {
    try {
      let nextIndex = 0;
      const runLane = async () => {
        while (nextIndex < images.count) {
          const i = nextIndex++;
          throwIfAborted(options.signal);
          try {
            const r = await embed(i);
            perImage = r.projected.length / PROJECTION_DIM;
            await store.put(i, r.features);
            projected[i] = r.projected;
            seconds.decode += r.decodeSeconds;
            seconds.backbone += r.backboneSeconds;
          } catch (e) {
            if (isAbortError(e)) throw e;
            skipped.push({ name: images.name(i), reason: (e as Error).message });
          }
          report(++done);
        }
      };
      await Promise.all(Array.from({ length: Math.max(1, options.concurrency ?? 1) }, runLane));
    } finally {
      local?.dispose();
    }
    // Image numbers of the kept images, in order: patch p of the coreset belongs to kept[floor(p / perImage)].
    const kept = projected.flatMap((p, i) => (p ? [i] : []));
    const projections = new Map<number, Float32Array>();
    if (options.keepProjections) for (const i of kept) if (options.keepProjections(i)) projections.set(i, projected[i]!);
    if (kept.length === 0) throw new Error('no usable image: every image failed to load');

    const patchCount = perImage * kept.length;
    const t0 = performance.now();
    const coresetReport = stageReporter('coreset', coresetSize(patchCount, ratio), options.onProgress);
    const flat = new Float32Array(patchCount * PROJECTION_DIM);
    kept.forEach((image, j) => flat.set(projected[image]!, j * perImage * PROJECTION_DIM));
    projected.fill(null);
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
    // Gather the selected rows image by image, each into its place in the bank.
    const data = new Float32Array(indices.length * TARGET_DIM);
    const wanted = new Map<number, { rows: number[]; places: number[] }>();
    const rowImages = new Int32Array(indices.length);
    indices.forEach((p, place) => {
      const image = kept[Math.floor(p / perImage)];
      rowImages[place] = image;
      const entry = wanted.get(image) ?? { rows: [], places: [] };
      entry.rows.push(p % perImage);
      entry.places.push(place);
      wanted.set(image, entry);
    });
    for (const [image, { rows, places }] of wanted) {
      const got = await store.rows(image, rows);
      places.forEach((place, j) => data.set(got.subarray(j * TARGET_DIM, (j + 1) * TARGET_DIM), place * TARGET_DIM));
    }
    seconds.coreset = (performance.now() - t0) / 1000;
    const features = options.keepFeatures ? store : undefined;
    return { data, size: indices.length, dim: TARGET_DIM, patchCount, imageCount: kept.length, rowImages, keptImages: kept, patchesPerImage: perImage, features, projections, skipped, seconds };
  } catch (e) {
    if (options.keepFeatures) await store.dispose();
    throw e;
  } finally {
    if (!options.keepFeatures) await store.dispose();
  }
}
