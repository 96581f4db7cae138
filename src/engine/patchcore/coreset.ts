import * as tf from '../tf';
import { sampleWithoutReplacement, seededRandom } from './random';
import { throwIfAborted } from '../progress';

/**
 * Approximate greedy k-center coreset, as patchcore-inspection's ApproximateGreedyCoresetSampler:
 * features are projected to 128 dims by a random linear map; each point's starting distance is its
 * mean Euclidean distance to 10 random points; then the farthest point is taken repeatedly and every
 * point's distance lowered to its distance to the new centre.
 *
 * Two implementations give the same selection:
 *  - `selectCoresetHost`: on the CPU, exact, with triangle-inequality pruning. Points are kept in
 *    clusters around the centre that last lowered them; a cluster whose centre is at least twice its
 *    radius away from the new centre cannot change, so it is skipped. Late iterations touch a small
 *    fraction of the points, which is what makes this much faster than a full pass per iteration.
 *  - `selectCoresetDevice`: on a tfjs backend (WebGPU), one full pass per iteration, with the argmax
 *    kept on the device: nothing is read back inside the loop.
 */
export interface CoresetOptions {
  ratio: number;
  seed: number;
  startPoints?: number;
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}

export const PROJECTION_DIM = 128;

export function coresetSize(n: number, ratio: number): number {
  if (!(ratio > 0 && ratio <= 1)) throw new Error(`coreset ratio must be in (0, 1], got ${ratio}`);
  return ratio >= 1 ? n : Math.max(1, Math.floor(n * ratio));
}

/** The random projection matrix [inDim, outDim] for a seed, uniform in +-1/sqrt(inDim) like torch.nn.Linear. */
export function projectionMatrix(inDim: number, outDim: number, seed: number): Float32Array {
  const random = seededRandom(seed * 7919 + 17);
  const bound = 1 / Math.sqrt(inDim);
  const m = new Float32Array(inDim * outDim);
  for (let i = 0; i < m.length; i++) m[i] = (random() * 2 - 1) * bound;
  return m;
}

export function startIndices(n: number, count: number, seed: number): number[] {
  return sampleWithoutReplacement(n, count, seededRandom(seed));
}

function squaredDistance(x: Float32Array, i: number, j: number, dim: number): number {
  return squaredDistanceBelow(x, i, j, dim, Infinity);
}

/**
 * Squared distance between rows i and j, abandoned (returning a value >= limit) as soon as the
 * partial sum reaches `limit`: most candidates are rejected after a fraction of the dimensions.
 */
function squaredDistanceBelow(x: Float32Array, i: number, j: number, dim: number, limit: number): number {
  let s = 0;
  const a = i * dim, b = j * dim;
  for (let d = 0; d < dim; d += 4) {
    const d0 = x[a + d] - x[b + d];
    const d1 = x[a + d + 1] - x[b + d + 1];
    const d2 = x[a + d + 2] - x[b + d + 2];
    const d3 = x[a + d + 3] - x[b + d + 3];
    s += d0 * d0 + d1 * d1 + d2 * d2 + d3 * d3;
    if ((d & 15) === 12 && s >= limit) return s;
  }
  return s;
}

function squaredDistanceToOrigin(x: Float32Array, i: number, dim: number): number {
  let s = 0;
  for (let d = i * dim; d < (i + 1) * dim; d++) s += x[d] * x[d];
  return s;
}

function initialDistances(x: Float32Array, n: number, dim: number, starts: number[]): Float64Array {
  const r = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (const j of starts) s += Math.sqrt(squaredDistance(x, i, j, dim));
    r[i] = s / starts.length;
  }
  return r;
}

/** Host implementation over projected features `x` ([n, dim] row-major, dim a multiple of 4). */
export async function selectCoresetHost(x: Float32Array, dim: number, options: CoresetOptions): Promise<Int32Array> {
  if (dim % 4 !== 0) throw new Error(`projected dimension must be a multiple of 4, got ${dim}`);
  const n = x.length / dim;
  const k = coresetSize(n, options.ratio);
  const starts = startIndices(n, options.startPoints ?? 10, options.seed);
  const r = initialDistances(x, n, dim, starts);
  // |c| - |p| <= d(c, p): a free first test before any centre's distance is computed.
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) norms[i] = Math.sqrt(squaredDistanceToOrigin(x, i, dim));
  const UNASSIGNED = k; // the extra list holds points no centre has lowered yet
  const head = new Int32Array(k + 1).fill(-1);
  const next = new Int32Array(n);
  const radius = new Float64Array(k + 1); // max r over a list
  const farthest = new Int32Array(k + 1).fill(-1); // the point holding that max
  const centres = new Int32Array(k);
  for (let i = n - 1; i >= 0; i--) {
    next[i] = head[UNASSIGNED];
    head[UNASSIGNED] = i;
  }
  const refresh = (list: number) => {
    let best = -1, bestR = -1;
    for (let i = head[list]; i !== -1; i = next[i]) if (r[i] > bestR) { bestR = r[i]; best = i; }
    radius[list] = best === -1 ? 0 : bestR;
    farthest[list] = best;
  };
  refresh(UNASSIGNED);

  let lastYield = Date.now();
  for (let t = 0; t < k; t++) {
    // The farthest point overall is the farthest point of the list with the largest radius.
    let bestList = UNASSIGNED;
    for (let c = 0; c < t; c++) if (radius[c] > radius[bestList]) bestList = c;
    const p = farthest[bestList];
    centres[t] = p;
    head[t] = -1;
    // Scan every list the new centre may lower: the unassigned one always, a cluster only when its
    // centre is closer than twice its radius to p (otherwise no member can get closer to p). Within
    // a scanned cluster at distance D from p, a member with r <= D / 2 cannot get closer either.
    const scan = (list: number, skipBelow: number) => {
      let i = head[list];
      head[list] = -1;
      while (i !== -1) {
        const following = next[i];
        const ri = r[i];
        const d2 = ri > skipBelow ? squaredDistanceBelow(x, i, p, dim, ri * ri) : Infinity;
        if (d2 < ri * ri) {
          r[i] = Math.sqrt(d2);
          next[i] = head[t];
          head[t] = i;
        } else {
          next[i] = head[list];
          head[list] = i;
        }
        i = following;
      }
      refresh(list);
    };
    scan(UNASSIGNED, -1);
    for (let c = 0; c < t; c++) {
      if (head[c] === -1) continue;
      const limit = 4 * radius[c] * radius[c];
      const normGap = norms[centres[c]] - norms[p];
      if (normGap * normGap >= limit) continue;
      const d2 = squaredDistanceBelow(x, centres[c], p, dim, limit);
      if (d2 < limit) scan(c, Math.sqrt(d2) / 2);
    }
    refresh(t);
    if ((t & 255) === 255 || t === k - 1) {
      options.onProgress?.(t + 1, k);
      if (Date.now() - lastYield > 50) {
        await new Promise((resolve) => setTimeout(resolve, 0));
        lastYield = Date.now();
      }
      throwIfAborted(options.signal);
    }
  }
  return centres;
}

/** Device implementation: the same selection with every step as tfjs ops; one read-back at the end. */
export async function selectCoresetDevice(x: tf.Tensor2D, options: CoresetOptions): Promise<Int32Array> {
  const [n] = x.shape;
  const k = coresetSize(n, options.ratio);
  const starts = startIndices(n, options.startPoints ?? 10, options.seed);
  // Direct differences (not the |x|^2 - 2xc + |c|^2 expansion) keep the arithmetic close to the host's.
  const distancesTo = (centres: tf.Tensor2D) =>
    tf.tidy(() => tf.stack(tf.unstack(centres).map((c) => tf.sqrt(tf.sum(tf.squaredDifference(x, c), 1))), 1) as tf.Tensor2D);
  let minDistance = tf.tidy(() => tf.mean(distancesTo(tf.gather(x, starts) as tf.Tensor2D), 1) as tf.Tensor1D);
  const picked: tf.Tensor[] = [];
  const batches: tf.Tensor1D[] = [];
  const BATCH = 256;
  try {
    for (let t = 0; t < k; t++) {
      const [idx, nextMin] = tf.tidy(() => {
        const i = tf.reshape(tf.argMax(minDistance), [1]);
        const d = tf.reshape(distancesTo(tf.gather(x, i) as tf.Tensor2D), [n]);
        return [i, tf.minimum(minDistance, d) as tf.Tensor1D] as const;
      });
      minDistance.dispose();
      minDistance = nextMin;
      picked.push(idx);
      if (picked.length === BATCH || t === k - 1) {
        batches.push(tf.concat(picked) as tf.Tensor1D);
        picked.forEach((p) => p.dispose());
        picked.length = 0;
        options.onProgress?.(t + 1, k);
        // Let the event loop breathe (progress, cancel) without reading anything back.
        await new Promise((resolve) => setTimeout(resolve, 0));
        throwIfAborted(options.signal);
      }
    }
    const all = tf.concat(batches);
    const indices = new Int32Array(await all.data());
    all.dispose();
    return indices;
  } finally {
    picked.forEach((p) => p.dispose());
    batches.forEach((b) => b.dispose());
    minDistance.dispose();
  }
}
