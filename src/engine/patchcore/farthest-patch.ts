import * as tf from '../tf';
import { projectionMatrix } from './coreset';
import { PROJECTION_DIM } from './defaults';
import type { MemoryBankTensors } from './nearest';
import { BANK_BLOCK_ROWS, nearestSquaredDistances } from './nearest';

/**
 * An image's score from patch features it already has: the largest, over its patches, of the squared distance to
 * the nearest bank row (rows marked by a penalty left out; see exclusionPenalty in ./nearest.ts), exact, with far
 * less work than every patch's distance. Each patch's nearest row in a random 128-d projection (the coreset's) is
 * only a guess, but its exact distance bounds the patch's nearest distance from above; patches are then searched in
 * full, in batches, largest bound first, until no patch left has a bound above the largest distance found (none can
 * exceed it). On patch features the guess is usually the nearest row, so a handful of patches are searched in full.
 * Building it costs one projection of the bank (no principal axes), and a fit hands in the projections it made for
 * the coreset, so calibration costs little beside the fit.
 */
const BATCH = 16;

export class FarthestPatchSearch {
  private constructor(
    /** The seed of the random projection (the coreset's, for a fit's seed). */
    readonly seed: number,
    private readonly rows: Float32Array,
    private readonly dim: number,
    private readonly projection: tf.Tensor2D,
    /** Projected bank, transposed [P, M], and its squared norms. */
    private readonly projectedT: tf.Tensor2D,
    private readonly projectedNorms: tf.Tensor1D,
  ) {}

  static build(rows: Float32Array, dim: number, seed = 0): FarthestPatchSearch {
    const m = rows.length / dim;
    const projection = tf.tensor2d(projectionMatrix(dim, PROJECTION_DIM, seed), [dim, PROJECTION_DIM]);
    const parts: tf.Tensor2D[] = [];
    for (let start = 0; start < m; start += BANK_BLOCK_ROWS) {
      const size = Math.min(BANK_BLOCK_ROWS, m - start);
      parts.push(tf.tidy(() => tf.matMul(tf.tensor2d(rows.subarray(start * dim, (start + size) * dim), [size, dim]), projection) as tf.Tensor2D));
    }
    const [projectedT, projectedNorms] = tf.tidy(() => {
      const projected = tf.concat(parts, 0);
      return [tf.transpose(projected) as tf.Tensor2D, tf.sum(tf.square(projected), 1) as tf.Tensor1D];
    });
    tf.dispose(parts);
    return new FarthestPatchSearch(seed, rows, dim, projection, projectedT, projectedNorms);
  }

  /** Patches searched in full by the last call (for tests and diagnostics). */
  lastSearched = 0;

  /**
   * The largest nearest squared distance of `queries` [n, dim] (see the module comment); `mem` carries `penalty`.
   * `projected` [n, 128]: the queries' projections when the caller has them already (a fit does).
   */
  async maxNearestSquared(queries: tf.Tensor2D, mem: MemoryBankTensors, penalty?: Float32Array, projected?: Float32Array): Promise<number> {
    const n = queries.shape[0];
    const m = this.projectedNorms.shape[0];
    const guessT = tf.tidy(() => {
      const norms = penalty ? tf.add(this.projectedNorms, tf.tensor1d(penalty)) : this.projectedNorms;
      const qp = projected ? tf.tensor2d(projected, [n, PROJECTION_DIM]) : tf.matMul(queries, this.projection);
      const qpNorm = tf.sum(tf.square(qp), 1, true);
      const mins: tf.Tensor[] = [];
      const args: tf.Tensor[] = [];
      for (let start = 0; start < m; start += BANK_BLOCK_ROWS) {
        const size = Math.min(BANK_BLOCK_ROWS, m - start);
        const d = tf.sub(tf.add(qpNorm, tf.expandDims(tf.slice(norms, [start], [size]), 0)), tf.mul(tf.matMul(qp, tf.slice(this.projectedT, [0, start], [-1, size])), 2));
        mins.push(tf.min(d, 1, true));
        args.push(tf.add(tf.expandDims(tf.argMin(d, 1), 1), tf.scalar(start, 'int32')));
      }
      const which = tf.argMin(tf.concat(mins, 1), 1);
      const flat = tf.add(tf.mul(tf.range(0, n, 1, 'int32'), tf.scalar(mins.length, 'int32')), which);
      return tf.gather(tf.reshape(tf.concat(args, 1), [-1]), flat);
    });
    const [guess, q] = await Promise.all([guessT.data(), queries.data()]);
    guessT.dispose();
    const dim = this.dim;
    const upper = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      const r = guess[i];
      if (penalty && penalty[r] !== 0) {
        upper[i] = Infinity; // every row in reach is farther in the projection: search it in full
        continue;
      }
      let s = 0;
      for (let d = 0; d < dim; d++) {
        const diff = q[i * dim + d] - this.rows[r * dim + d];
        s += diff * diff;
      }
      upper[i] = s;
    }
    const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => upper[b] - upper[a]);
    let best = -Infinity;
    let searched = 0;
    for (let at = 0; at < n && upper[order[at]] > best; ) {
      const batch: number[] = [];
      while (at < n && batch.length < BATCH && upper[order[at]] > best) batch.push(order[at++]);
      const full = tf.tidy(() => tf.reshape(nearestSquaredDistances(tf.gather(queries, batch) as tf.Tensor2D, mem, 1), [-1]));
      for (const d of await full.data()) best = Math.max(best, d);
      full.dispose();
      searched += batch.length;
    }
    this.lastSearched = searched;
    return best;
  }

  dispose(): void {
    tf.dispose([this.projection, this.projectedT, this.projectedNorms]);
  }
}
