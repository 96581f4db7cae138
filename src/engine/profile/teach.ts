/**
 * Teaching a profile: an image an operator marks as good adds its patches to the bank by the coreset rule, and the
 * calibration and threshold follow, without refitting. For each image:
 *  1. its score before teaching, against the bank that does not hold it yet, is an out-of-sample normal score: it
 *     joins the calibration scores, and the threshold is set again by the profile's rule (a manual threshold stays);
 *  2. its patches are projected as the coreset projects them, and picked greedily, farthest from the bank first
 *     (the bank's rows are the centres already chosen), while they lie farther from every centre than the bank's
 *     own coverage radius, and at most the coreset ratio of them: an image like the ones fitted adds few rows,
 *     an image of a new look adds up to the ratio of its patches.
 * The coverage radius is the last coreset pick's distance to the centres before it (the bank keeps the rows in
 * the order they were picked), measured once and kept in the profile.
 */
import * as tf from '../tf';
import type { Backbone } from '../backbones/backbone';
import { coresetSize, projectionMatrix } from '../patchcore/coreset';
import { PROJECTION_DIM } from '../patchcore/defaults';
import { BANK_BLOCK_ROWS } from '../patchcore/nearest';
import { embedBatch, imagesToBatch } from '../patchcore/features';
import { PatchCoreScorer } from '../patchcore/scorer';
import type { ProgressListener } from '../progress';
import { stageReporter, throwIfAborted } from '../progress';
import type { NamedImage } from './fit';
import type { Profile, ProfileMeta } from './profile';
import { roundTo } from './stored-bank';
import { ruleOf, thresholdRecord } from './threshold';

export interface TeachOptions {
  onProgress?: ProgressListener;
  signal?: AbortSignal;
  now?: () => Date;
}

export interface TaughtResult {
  name: string;
  scoreBefore: number;
  rowsAdded: number;
}

export interface TeachResult {
  profile: Profile;
  taught: TaughtResult[];
  /** The threshold before and after (null: none). */
  thresholdBefore: number | null;
  thresholdAfter: number | null;
}

/** Rows [n, dim] times the projection [dim, p], on the backend. */
async function project(rows: Float32Array, dim: number, projection: tf.Tensor2D): Promise<Float32Array> {
  const out = tf.tidy(() => tf.matMul(tf.tensor2d(rows, [rows.length / dim, dim]), projection));
  try {
    return (await out.data()) as Float32Array;
  } finally {
    out.dispose();
  }
}

function squaredDistance(a: Float32Array, i: number, b: Float32Array, j: number, dim: number): number {
  let s = 0;
  for (let d = 0; d < dim; d++) {
    const diff = a[i * dim + d] - b[j * dim + d];
    s += diff * diff;
  }
  return s;
}

/** Squared distance of each row of `a` to its nearest row of `b` (both [*, dim]), on the backend in blocks of `b`. */
async function nearestSquared(a: Float32Array, b: Float32Array, dim: number): Promise<Float32Array> {
  const best = new Float32Array(a.length / dim).fill(Infinity);
  const x = tf.tensor2d(a, [a.length / dim, dim]);
  try {
    for (let start = 0; start < b.length / dim; start += BANK_BLOCK_ROWS) {
      const rows = b.subarray(start * dim, Math.min(b.length, (start + BANK_BLOCK_ROWS) * dim));
      const t = tf.tidy(() => {
        const y = tf.tensor2d(rows, [rows.length / dim, dim]);
        return tf.min(tf.relu(tf.sub(tf.add(tf.sum(tf.square(x), 1, true), tf.expandDims(tf.sum(tf.square(y), 1), 0)), tf.mul(tf.matMul(x, y, false, true), 2))), 1);
      });
      const d = await t.data();
      t.dispose();
      for (let i = 0; i < best.length; i++) best[i] = Math.min(best[i], d[i]);
    }
    return best;
  } finally {
    x.dispose();
  }
}

/** The bank's coverage radius (squared, in the projection): the last pick's distance to the picks before it. */
export async function coverageRadius(bank: Float32Array, dim: number, projection: tf.Tensor2D): Promise<number> {
  const size = bank.length / dim;
  if (size < 2) return 0;
  const last = await project(bank.subarray((size - 1) * dim), dim, projection);
  const before = await project(bank.subarray(0, (size - 1) * dim), dim, projection);
  return (await nearestSquared(last, before, PROJECTION_DIM))[0];
}

/**
 * Which of an image's patches join the bank: greedy farthest-first from the bank (see the module comment), as
 * indices into `patches`.
 */
export function pickNewRows(patches: Float32Array, toBank: Float32Array, dim: number, radius: number, maxRows: number): number[] {
  const n = toBank.length;
  const minDistance = Float32Array.from(toBank);
  const picked: number[] = [];
  while (picked.length < maxRows) {
    let best = -1;
    for (let i = 0; i < n; i++) if (best < 0 || minDistance[i] > minDistance[best]) best = i;
    if (best < 0 || !(minDistance[best] > radius)) break;
    picked.push(best);
    for (let i = 0; i < n; i++) minDistance[i] = Math.min(minDistance[i], squaredDistance(patches, i, patches, best, dim));
  }
  return picked;
}

/** The threshold a profile gets from its calibration scores: its own rule again, or its manual value. */
function thresholdAfterTeaching(meta: ProfileMeta, scores: number[]): ProfileMeta['threshold'] {
  if (meta.threshold.method === 'manual') return meta.threshold;
  return thresholdRecord(scores, ruleOf(meta.threshold) ?? undefined);
}

/** Teaches `images` (marked good) to `profile`; the profile given is left as it was. */
export async function teachProfile(backbone: Backbone, profile: Profile, images: readonly NamedImage[], options: TeachOptions = {}): Promise<TeachResult> {
  if (images.length === 0) throw new Error('no images to teach');
  const { meta } = profile;
  const dim = meta.bank.dim;
  const projection = tf.tensor2d(projectionMatrix(dim, PROJECTION_DIM, meta.coreset.seed), [dim, PROJECTION_DIM]);
  let bank = profile.bank;
  const scores = [...meta.calibrationScores];
  const names = meta.calibration.images.length === scores.length ? [...meta.calibration.images] : [];
  const taught: TaughtResult[] = [];
  const report = stageReporter('teach', images.length, options.onProgress);
  report(0);
  try {
    const radius = meta.coreset.radius ?? (await coverageRadius(bank, dim, projection));
    for (const [n, image] of images.entries()) {
      throwIfAborted(options.signal);
      let img;
      try {
        img = await image.load();
      } catch (e) {
        throw new Error(`${image.name}: ${(e as Error).message}`, { cause: e });
      }
      const embedding = tf.tidy(() => embedBatch(backbone, imagesToBatch([img], backbone)));
      const features = (await embedding.data()) as Float32Array;
      embedding.dispose();
      const scorer = new PatchCoreScorer(backbone, bank, dim, meta.scoring);
      let scoreBefore: number;
      try {
        scoreBefore = await scorer.scoreFeatures(features);
      } finally {
        scorer.dispose();
      }
      const projected = await project(features, dim, projection);
      const toBank = await nearestSquared(projected, await project(bank, dim, projection), PROJECTION_DIM);
      const patches = features.length / dim;
      const rows = pickNewRows(projected, toBank, PROJECTION_DIM, radius, coresetSize(patches, meta.coreset.ratio));
      const grown = new Float32Array(bank.length + rows.length * dim);
      grown.set(bank);
      rows.forEach((r, j) => grown.set(features.subarray(r * dim, (r + 1) * dim), bank.length + j * dim));
      bank = roundTo(grown, meta.bank.dtype);
      scores.push(scoreBefore);
      if (names.length) names.push(image.name);
      taught.push({ name: image.name, scoreBefore, rowsAdded: rows.length });
      report(n + 1);
    }
    const at = (options.now?.() ?? new Date()).toISOString();
    const next: ProfileMeta = {
      ...meta,
      updatedAt: at,
      coreset: { ...meta.coreset, radius },
      bank: { ...meta.bank, size: bank.length / dim },
      calibrationScores: scores,
      calibration: { method: meta.calibration.method === 'none' ? 'leave-one-out' : meta.calibration.method, images: names },
      threshold: thresholdAfterTeaching(meta, scores),
      taught: [...meta.taught, ...taught.map((t) => ({ name: t.name, at, scoreBefore: t.scoreBefore, rows: t.rowsAdded }))],
    };
    return { profile: { meta: next, bank }, taught, thresholdBefore: meta.threshold.value, thresholdAfter: next.threshold.value };
  } finally {
    projection.dispose();
  }
}
