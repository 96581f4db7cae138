import * as tf from '../tf';
import type { Backbone } from '../backbones/backbone';
import type { RgbImage } from '../image/types';
import { anomalyMap } from './anomaly-map';
import { embedBatch, imagesToBatch, patchGrid } from './features';
import type { MemoryBankTensors } from './nearest';
import { allSquaredDistances, disposeBank, disposeExclusion, excludeRows, exclusionPenalty, patchScores, prepareBankFromRows } from './nearest';
import { SubspaceIndex } from './pruned-search';
import { FarthestPatchSearch } from './farthest-patch';
import { DEFAULT_SCORING } from './defaults';
import type { ScoringOptions } from './defaults';

export type { ScoringOptions };

export interface ImageScore {
  /** Max patch score (optionally reweighted). */
  score: number;
  /** Patch scores on the grid, row-major. */
  patches: Float32Array;
  grid: number;
  /** Anomaly map at input size (size x size), blurred. */
  map: Float32Array;
  size: number;
}

export interface ScoreTimings {
  backbone: number;
  search: number;
  map: number;
}

/** Scoring options with the defaults filled in. */
export function withScoringDefaults(options: ScoringOptions = {}): Required<ScoringOptions> {
  return { ...DEFAULT_SCORING, ...options };
}

/** Scores images against a memory bank kept on the tfjs backend. Dispose it when done. */
export class PatchCoreScorer {
  private readonly mem: MemoryBankTensors;
  private index: Promise<SubspaceIndex> | null = null;
  private farthest: FarthestPatchSearch | null = null;
  readonly options: Required<ScoringOptions>;

  constructor(
    readonly backbone: Backbone,
    bank: Float32Array,
    dim: number,
    options: ScoringOptions = {},
  ) {
    this.mem = prepareBankFromRows(bank, dim);
    this.options = withScoringDefaults(options);
    this.bankRows = bank;
  }

  private readonly bankRows: Float32Array;

  /** Searches with `index` (built over this bank, e.g. shared by another thread) instead of building one; the scorer disposes it. */
  useIndex(index: SubspaceIndex): void {
    void this.index?.then((i) => i.dispose());
    this.index = Promise.resolve(index);
  }

  /**
   * Patch scores [patches]: the pruned exact search for k = 1, the blocked full search otherwise. With `penalty`
   * (see exclusionPenalty), the rows it marks are left out of the search.
   */
  private async patchScores(embedding: tf.Tensor2D, penalty?: Float32Array): Promise<Float32Array> {
    const { k, metric } = this.options;
    const mem = penalty ? excludeRows(this.mem, penalty) : this.mem;
    try {
      if (k === 1) {
        this.index ??= SubspaceIndex.build(this.bankRows, this.bankRows.length / this.bankSize);
        const d2 = await (await this.index).nearestSquared(embedding, mem, penalty);
        if (metric === 'euclidean') for (let i = 0; i < d2.length; i++) d2[i] = Math.sqrt(d2[i]);
        return d2;
      }
      const scoresT = patchScores(embedding, mem, k, metric);
      const patches = (await scoresT.data()) as Float32Array;
      scoresT.dispose();
      return patches;
    } finally {
      if (penalty) disposeExclusion(mem);
    }
  }

  /** Each patch's score (its nearest-row distance under the profile's metric and k) of features already embedded. */
  async patchScoresOf(features: Float32Array): Promise<Float32Array> {
    const embedding = tf.tensor2d(features, [features.length / this.dim, this.dim]);
    try {
      return await this.patchScores(embedding);
    } finally {
      embedding.dispose();
    }
  }

  /**
   * The image score of patch features already embedded ([patches, dim] row-major, as the fit keeps them), with the
   * bank rows `excluded` left out: a training image scored against the bank without its own rows is scored out of
   * sample. Eq. 9 reweighting is not applied here (calibration uses the plain maximum patch score). `projected`: the
   * features' coreset projection and its seed, when the caller has them (a fit does), to save projecting again.
   */
  async scoreFeatures(features: Float32Array, excluded: Iterable<number> = [], projected?: { values: Float32Array; seed: number }): Promise<number> {
    const embedding = tf.tensor2d(features, [features.length / this.dim, this.dim]);
    const rows = [...excluded];
    const penalty = rows.length ? exclusionPenalty(this.bankSize, rows) : undefined;
    try {
      if (this.options.k === 1) {
        // Only the largest patch distance matters here: it is found without resolving every patch.
        if (this.farthest?.seed !== (projected?.seed ?? 0)) {
          this.farthest?.dispose();
          this.farthest = FarthestPatchSearch.build(this.bankRows, this.dim, projected?.seed ?? 0);
        }
        const mem = penalty ? excludeRows(this.mem, penalty) : this.mem;
        try {
          const d2 = await this.farthest.maxNearestSquared(embedding, mem, penalty, projected?.values);
          return this.options.metric === 'euclidean' ? Math.sqrt(d2) : d2;
        } finally {
          if (penalty) disposeExclusion(mem);
        }
      }
      const patches = await this.patchScores(embedding, penalty);
      let best = -Infinity;
      for (const v of patches) if (v > best) best = v;
      return best;
    } finally {
      embedding.dispose();
    }
  }

  get bankSize(): number {
    return this.mem.size;
  }

  async score(image: RgbImage, timings?: ScoreTimings): Promise<ImageScore> {
    let t0 = performance.now();
    const embedding = tf.tidy(() => embedBatch(this.backbone, imagesToBatch([image], this.backbone)));
    try {
      if (timings) {
        await tf.slice(embedding, [0, 0], [1, 1]).data();
        timings.backbone += performance.now() - t0;
        t0 = performance.now();
      }
      const patches = await this.patchScores(embedding);
      let best = 0;
      for (let i = 1; i < patches.length; i++) if (patches[i] > patches[best]) best = i;
      let score = patches[best];
      if (this.options.reweight) score *= await this.reweightFactor(embedding, best);
      if (timings) {
        timings.search += performance.now() - t0;
        t0 = performance.now();
      }
      const grid = patchGrid(this.backbone);
      const size = this.backbone.spec.inputSize;
      const map = anomalyMap(patches, grid, grid, size, this.options.sigma);
      if (timings) timings.map += performance.now() - t0;
      return { score, patches, grid, map, size };
    } finally {
      embedding.dispose();
    }
  }

  /**
   * Eq. 9: 1 - softmax weight of the nearest bank entry m* among the b nearest bank neighbours of m*,
   * with Euclidean distances from the test patch.
   */
  private async reweightFactor(embedding: tf.Tensor2D, patch: number): Promise<number> {
    const b = Math.min(this.options.reweightNeighbours, this.bankSize);
    const toBank = (v: tf.Tensor2D) => tf.reshape(allSquaredDistances(v, this.mem), [-1]);
    const q = tf.slice(embedding, [patch, 0], [1, -1]);
    const nearestT = tf.tidy(() => tf.argMin(toBank(q)));
    const mStarIndex = (await nearestT.data())[0];
    const supportT = tf.tidy(() => tf.topk(tf.neg(toBank(tf.tensor2d(this.row(mStarIndex), [1, this.dim]))), b).indices);
    const support = [...(await supportT.data())];
    const distancesT = tf.tidy(() => tf.sqrt(tf.sum(tf.squaredDifference(tf.tensor2d(this.rows(support), [b, this.dim]), q), 1)));
    const d = await distancesT.data();
    tf.dispose([q, nearestT, supportT, distancesT]);
    const maxD = Math.max(...d);
    let denom = 0;
    for (const v of d) denom += Math.exp(v - maxD);
    return 1 - Math.exp(d[0] - maxD) / denom;
  }

  private get dim(): number {
    return this.bankRows.length / this.bankSize;
  }

  private row(i: number): Float32Array {
    return this.bankRows.subarray(i * this.dim, (i + 1) * this.dim);
  }

  private rows(indices: number[]): Float32Array {
    const out = new Float32Array(indices.length * this.dim);
    indices.forEach((r, i) => out.set(this.row(r), i * this.dim));
    return out;
  }

  dispose(): void {
    disposeBank(this.mem);
    this.farthest?.dispose();
    void this.index?.then((i) => i.dispose());
  }
}
