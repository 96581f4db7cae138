/**
 * Teaching a profile: images an operator marks as good join the profile without a refit. For each image:
 *  1. its score before teaching, against the bank as the profile had it (which does not hold the image: an
 *     out-of-sample normal score) joins the calibration scores, and the threshold is set again by the profile's rule
 *     (a manual threshold stays);
 *  2. its patches join the bank farthest-first, as the coreset picks (each pick the patch farthest from the bank and
 *     the picks before it), until every patch of the image lies within a typical good part's score of the bank (the
 *     median calibration score), and at most the coreset ratio of its patches. An image that already scores like a
 *     typical good part adds no row; one that failed adds the rows its failure came from, so it then scores like a
 *     typical good part and passes.
 * Patch scores use the profile's metric; with k > 1 the picks use the nearest row only (the score's first term).
 */
import * as tf from '../tf';
import type { Backbone } from '../backbones/backbone';
import { coresetSize } from '../patchcore/coreset';
import { embedBatch, imagesToBatch } from '../patchcore/features';
import { PatchCoreScorer } from '../patchcore/scorer';
import type { ProgressListener } from '../progress';
import { stageReporter, throwIfAborted } from '../progress';
import type { NamedImage } from './fit';
import type { Profile, ProfileMeta } from './profile';
import { roundTo } from './stored-bank';
import { percentile, ruleOf, thresholdRecord } from './threshold';

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

/** Distance between two rows under the profile's metric. */
function distance(a: Float32Array, i: number, b: Float32Array, j: number, dim: number, metric: ProfileMeta['scoring']['metric']): number {
  let s = 0;
  for (let d = 0; d < dim; d++) {
    const diff = a[i * dim + d] - b[j * dim + d];
    s += diff * diff;
  }
  return metric === 'squared' ? s : Math.sqrt(s);
}

/**
 * Which of an image's patches join the bank (indices into its patches): farthest-first while the farthest patch
 * scores above `target`, at most `maxRows`. `scores` are the patches' distances to the bank; `extra` rows (taught
 * earlier in the same call) count as bank rows too.
 */
export function pickNewRows(features: Float32Array, scores: Float32Array, dim: number, metric: ProfileMeta['scoring']['metric'], target: number, maxRows: number, extra?: Float32Array): number[] {
  const n = scores.length;
  const near = Float32Array.from(scores);
  if (extra) for (let p = 0; p < n; p++) for (let e = 0; e < extra.length / dim; e++) near[p] = Math.min(near[p], distance(features, p, extra, e, dim, metric));
  const picked: number[] = [];
  while (picked.length < maxRows) {
    let far = 0;
    for (let p = 1; p < n; p++) if (near[p] > near[far]) far = p;
    if (!(near[far] > target)) break;
    picked.push(far);
    for (let p = 0; p < n; p++) near[p] = Math.min(near[p], distance(features, p, features, far, dim, metric));
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
  const metric = meta.scoring.metric;
  const scores = [...meta.calibrationScores];
  const names = meta.calibration.images.length === scores.length ? [...meta.calibration.images] : [];
  // A typical good part's score: the median calibration score (without one, nothing is added beyond the ratio cap).
  const target = scores.length ? percentile(scores, 50) : Infinity;
  const taught: TaughtResult[] = [];
  const added: Float32Array[] = [];
  const report = stageReporter('teach', images.length, options.onProgress);
  report(0);
  const scorer = new PatchCoreScorer(backbone, profile.bank, dim, meta.scoring);
  try {
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
      const patchScores = await scorer.patchScoresOf(features);
      const scoreBefore = patchScores.reduce((a, b) => Math.max(a, b), -Infinity);
      const extra = added.length ? concat(added, dim) : undefined;
      const rows = pickNewRows(features, patchScores, dim, metric, target, coresetSize(patchScores.length, meta.coreset.ratio), extra);
      const picked = new Float32Array(rows.length * dim);
      rows.forEach((r, j) => picked.set(features.subarray(r * dim, (r + 1) * dim), j * dim));
      added.push(picked);
      scores.push(scoreBefore);
      if (names.length) names.push(image.name);
      taught.push({ name: image.name, scoreBefore, rowsAdded: rows.length });
      report(n + 1);
    }
  } finally {
    scorer.dispose();
  }
  const bank = roundTo(concat([profile.bank, ...added], dim), meta.bank.dtype);
  const at = (options.now?.() ?? new Date()).toISOString();
  const next: ProfileMeta = {
    ...meta,
    updatedAt: at,
    bank: { ...meta.bank, size: bank.length / dim },
    calibrationScores: scores,
    calibration: { method: meta.calibration.method === 'none' ? 'leave-one-out' : meta.calibration.method, images: names },
    threshold: thresholdAfterTeaching(meta, scores),
    taught: [...meta.taught, ...taught.map((t) => ({ name: t.name, at, scoreBefore: t.scoreBefore, rows: t.rowsAdded }))],
  };
  return { profile: { meta: next, bank }, taught, thresholdBefore: meta.threshold.value, thresholdAfter: next.threshold.value };
}

function concat(parts: readonly Float32Array[], dim: number): Float32Array {
  const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  if (out.length % dim !== 0) throw new Error(`rows of ${out.length % dim} values left over: not ${dim} wide`);
  return out;
}
