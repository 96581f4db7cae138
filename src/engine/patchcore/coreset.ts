import * as tf from '../tf';
import { sampleWithoutReplacement, seededRandom } from './random';
import { throwIfAborted } from '../progress';
import { rotateToPrincipalAxes } from './principal';
import { CORESET_START_POINTS, PROJECTION_DIM } from './defaults';

export { PROJECTION_DIM };

/**
 * Approximate greedy k-center coreset, as patchcore-inspection's ApproximateGreedyCoresetSampler:
 * features are projected to 128 dims by a random linear map; each point's starting distance is its
 * mean Euclidean distance to 10 random points; then the farthest point is taken repeatedly and every
 * point's distance lowered to its distance to the new centre.
 *
 * Two implementations give the same selection:
 *  - `selectCoresetHost`: on the CPU, exact: filter passes (one matrix-vector product per centre on WASM, then the
 *    exact distance only where the product says a point may move) while new centres move points everywhere, then
 *    triangle-inequality pruning once they move few (see the function).
 *  - `selectCoresetDevice`: on a tfjs backend (WebGPU), one full pass per iteration, with the argmax
 *    kept on the device: nothing is read back inside the loop.
 */
export interface CoresetOptions {
  ratio: number;
  seed: number;
  startPoints?: number;
  /**
   * Host selection only: 'auto' (default where the backend is WASM or CPU) starts with filter passes and switches to
   * pruning; 'pruned' prunes from the start; 'filtered' filters to the end. All give the same selection.
   */
  strategy?: 'auto' | 'pruned' | 'filtered';
  onProgress?: (done: number, total: number) => void;
  signal?: AbortSignal;
}



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

/**
 * Host implementation over projected features `x` ([n, dim] row-major, dim a multiple of 4). `x` is rotated in place
 * onto its principal axes first (distances are unchanged): the partial sums of a distance then grow fastest, so a
 * distance abandoned at its first check has seen most of the variance.
 *
 * Points are grouped by the centre that last lowered them (or none yet). Early on, when groups are wide, a new centre
 * can lower points almost anywhere, so each iteration starts from a full filter pass: every point's squared distance
 * to the new centre as one matrix-vector product on the tfjs backend (|x|^2 + |p|^2 - 2 x.p, SIMD on WASM), and only
 * points whose filtered distance falls below their r (plus a rounding margin) get the exact distance. Once the
 * triangle-inequality pruning below would visit few enough points, the rest runs pruned: a group is skipped when
 * its centre is at least twice its radius away from the new centre, and within a group a point with r <= D / 2 (D
 * its centre's distance to p) cannot get closer either. Every decision uses the exact distance, so both phases pick
 * what the full-pass loop picks.
 */
export async function selectCoresetHost(x: Float32Array, dim: number, options: CoresetOptions): Promise<Int32Array> {
  if (dim % 4 !== 0) throw new Error(`projected dimension must be a multiple of 4, got ${dim}`);
  const n = x.length / dim;
  const k = coresetSize(n, options.ratio);
  const starts = startIndices(n, options.startPoints ?? CORESET_START_POINTS, options.seed);
  await rotateToPrincipalAxes(x, dim);
  const state: SelectionState = {
    x,
    dim,
    n,
    k,
    r: initialDistances(x, n, dim, starts),
    norms: Float64Array.from({ length: n }, (_, i) => Math.sqrt(squaredDistanceToOrigin(x, i, dim))),
    owner: new Int32Array(n).fill(k),
    centres: new Int32Array(k),
    done: 0,
    lastYield: Date.now(),
    options,
  };
  const strategy = options.strategy ?? (filterPassAvailable() ? 'auto' : 'pruned');
  if (strategy !== 'pruned') await filteredPhase(state, strategy === 'filtered');
  filteredIterations = state.done;
  if (state.done < k) await prunedPhase(state);
  return state.centres;
}

let filteredIterations = 0;
/** How many iterations the last host selection ran as filter passes before pruning (for diagnostics and tests). */
export function lastFilteredIterations(): number {
  return filteredIterations;
}

/** Shared by both phases: the selection so far and what it needs. `owner[i]` is i's group; k means none yet. */
interface SelectionState {
  x: Float32Array;
  dim: number;
  n: number;
  k: number;
  r: Float64Array;
  norms: Float64Array;
  owner: Int32Array;
  centres: Int32Array;
  done: number;
  lastYield: number;
  options: CoresetOptions;
}

async function afterIteration(s: SelectionState): Promise<void> {
  const t = s.done - 1;
  if ((t & 255) === 255 || s.done === s.k) {
    s.options.onProgress?.(s.done, s.k);
    if (Date.now() - s.lastYield > 50) {
      await new Promise((resolve) => setTimeout(resolve, 0));
      s.lastYield = Date.now();
    }
    throwIfAborted(s.options.signal);
  }
}

/**
 * The filter pass reads each product back, which costs a copy on WASM and CPU but a pipeline stall on a GPU (where
 * `selectCoresetDevice` is used instead).
 */
function filterPassAvailable(): boolean {
  const backend = tf.getBackend();
  return backend === 'wasm' || backend === 'cpu';
}

/** A pruned visit costs about this many filter-pass points (random access and a distance against a streamed dot). */
const VISIT_COST = 8;
const FILTER_BLOCK_ROWS = 32768;
/** How often the filtered phase counts what a pruned iteration would visit. */
const SWITCH_CHECK_EVERY = 32;

/**
 * Per group, for centre p: members with r <= skip[group] cannot be lowered by p (Infinity: the whole group). The
 * group of unassigned points (index k) is never skipped.
 */
function skipThresholds(s: SelectionState, p: number, t: number, radius: Float64Array, skip: Float64Array): void {
  skip[s.k] = -1;
  for (let c = 0; c < t; c++) {
    skip[c] = Infinity;
    if (radius[c] < 0) continue;
    const limit = 4 * radius[c] * radius[c];
    const normGap = s.norms[s.centres[c]] - s.norms[p];
    if (normGap * normGap >= limit) continue;
    const d2 = squaredDistanceBelow(s.x, s.centres[c], p, s.dim, limit);
    if (d2 < limit) skip[c] = Math.sqrt(d2) / 2;
  }
}

async function filteredPhase(s: SelectionState, toTheEnd: boolean): Promise<void> {
  const { x, dim, n, k, r, norms, owner, centres } = s;
  // The points transposed ([dim, rows] per block: a row vector times it is the fast layout for XNNPACK), in blocks so
  // that building them never holds a second full copy.
  const blocks: { start: number; xT: tf.Tensor2D }[] = [];
  for (let start = 0; start < n; start += FILTER_BLOCK_ROWS) {
    const end = Math.min(n, start + FILTER_BLOCK_ROWS);
    blocks.push({ start, xT: tf.tidy(() => tf.transpose(tf.tensor2d(x.subarray(start * dim, end * dim), [end - start, dim]))) });
  }
  const dots = new Float32Array(n);
  const radius = new Float64Array(k + 1).fill(-1);
  const skip = new Float64Array(k + 1);
  let p = 0;
  for (let i = 1; i < n; i++) if (r[i] > r[p]) p = i;
  try {
    while (s.done < k) {
      const t = s.done;
      centres[t] = p;
      const centre = tf.tensor2d(x.subarray(p * dim, (p + 1) * dim), [1, dim]);
      try {
        for (const block of blocks) {
          const product = tf.matMul(centre, block.xT);
          try {
            dots.set((await product.data()) as Float32Array, block.start);
          } finally {
            product.dispose();
          }
        }
      } finally {
        centre.dispose();
      }
      const counting = !toTheEnd && t % SWITCH_CHECK_EVERY === SWITCH_CHECK_EVERY - 1;
      if (counting) skipThresholds(s, p, t, radius, skip);
      radius.fill(-1);
      const np2 = norms[p] * norms[p];
      let visits = 0;
      let next = -1, nextR = -1;
      for (let i = 0; i < n; i++) {
        let ri = r[i];
        if (counting && ri > skip[owner[i]]) visits++;
        const limit = ri * ri;
        const ni2 = norms[i] * norms[i];
        // float32 rounding of |x|^2 + |p|^2 - 2 x.p is a small multiple of 2^-24 (|x|^2 + |p|^2) per term.
        if (ni2 + np2 - 2 * dots[i] < limit + 1e-5 * (ni2 + np2)) {
          const d2 = squaredDistanceBelow(x, i, p, dim, limit);
          if (d2 < limit) {
            ri = Math.sqrt(d2);
            r[i] = ri;
            owner[i] = t;
          }
        }
        if (ri > radius[owner[i]]) radius[owner[i]] = ri;
        if (ri > nextR) {
          nextR = ri;
          next = i;
        }
      }
      s.done++;
      await afterIteration(s);
      p = next;
      if (counting && visits * VISIT_COST < n) break;
    }
  } finally {
    blocks.forEach((b) => b.xT.dispose());
  }
}

async function prunedPhase(s: SelectionState): Promise<void> {
  const { x, dim, n, k, r, owner, centres } = s;
  // Lists of points per group, each kept in decreasing r (ties: lower index first). A member's r is its distance to
  // the group's centre (or its starting distance) and does not change while it stays, so a list sorted once stays
  // sorted as members leave: its head is its farthest point, and a scan can stop at the first member too close to
  // move.
  const UNASSIGNED = k;
  const head = new Int32Array(k + 1).fill(-1);
  const next = new Int32Array(n).fill(-1);
  const radius = new Float64Array(k + 1).fill(-1); // r of the head; -1 for an empty list
  const skip = new Float64Array(k + 1);
  const joined = new Int32Array(n);
  const link = (list: number, members: Int32Array) => {
    members.sort((a, b) => r[b] - r[a] || a - b);
    for (let j = members.length - 1; j >= 0; j--) {
      next[members[j]] = head[list];
      head[list] = members[j];
    }
    radius[list] = members.length ? r[members[0]] : -1;
  };
  const byOwner: number[][] = Array.from({ length: k + 1 }, () => []);
  for (let i = 0; i < n; i++) byOwner[owner[i]].push(i);
  byOwner.forEach((members, list) => members.length && link(list, Int32Array.from(members)));
  byOwner.length = 0;

  while (s.done < k) {
    const t = s.done;
    // The farthest point overall is the head of the list with the largest radius.
    let bestList = UNASSIGNED;
    for (let c = 0; c < t; c++) if (radius[c] > radius[bestList]) bestList = c;
    const p = head[bestList];
    centres[t] = p;
    skipThresholds(s, p, t, radius, skip);
    let joinedCount = 0;
    for (let list = 0; list <= k; list++) {
      if (list === t) list = UNASSIGNED;
      const skipBelow = skip[list];
      if (skipBelow === Infinity) continue;
      // Move the members p lowers into `joined`, visiting only members with r > skipBelow.
      let previous = -1;
      for (let i = head[list]; i !== -1 && r[i] > skipBelow; ) {
        const following = next[i];
        const ri = r[i];
        const d2 = squaredDistanceBelow(x, i, p, dim, ri * ri);
        if (d2 < ri * ri) {
          r[i] = Math.sqrt(d2);
          owner[i] = t;
          joined[joinedCount++] = i;
          if (previous === -1) head[list] = following;
          else next[previous] = following;
        } else {
          previous = i;
        }
        i = following;
      }
      radius[list] = head[list] === -1 ? -1 : r[head[list]];
    }
    link(t, joined.slice(0, joinedCount));
    s.done++;
    await afterIteration(s);
  }
}

/** Device implementation: the same selection with every step as tfjs ops; one read-back at the end. */
export async function selectCoresetDevice(x: tf.Tensor2D, options: CoresetOptions): Promise<Int32Array> {
  const [n] = x.shape;
  const k = coresetSize(n, options.ratio);
  const starts = startIndices(n, options.startPoints ?? CORESET_START_POINTS, options.seed);
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
