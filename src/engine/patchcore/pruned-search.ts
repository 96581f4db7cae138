import * as tf from '../tf';
import { principalBasis } from './principal';
import type { MemoryBankTensors } from './nearest';
import { BANK_BLOCK_ROWS, nearestSquaredDistances } from './nearest';

/**
 * Exact nearest-neighbour search with a principal-subspace lower bound.
 *
 * For an orthonormal basis V of the bank's top principal directions, |V'(q - b)|^2 <= |q - b|^2
 * for every bank row b. On real patch features 128 directions hold ~96 % of the variance, so the
 * bound is tight: the few rows with the smallest bound (computed as one small matMul) almost always
 * contain the nearest row. Each query's best exact distance among those candidates is accepted only
 * when it is below the smallest bound of every row not examined; the rare query where that fails is
 * searched in full. The result equals the full search up to float rounding (tested), at a fraction
 * of its cost.
 */
export const SUBSPACE_DIM = 128;
export const CANDIDATES = 48;
export class SubspaceIndex {
  private constructor(
    /** Bank rows on the host, for the exact distance of candidates. */
    private readonly rows: Float32Array,
    private readonly dim: number,
    private readonly mean: tf.Tensor1D,
    private readonly basis: tf.Tensor2D,
    /** Projected bank, transposed: [P, M]. */
    private readonly projectedT: tf.Tensor2D,
    private readonly projectedNorms: tf.Tensor1D,
    private readonly maxProjectedNorm: number,
  ) {}

  /** Builds the index: the bank's mean and top principal directions by subspace iteration. */
  static async build(rows: Float32Array, dim: number, subspaceDim = SUBSPACE_DIM): Promise<SubspaceIndex> {
    const m = rows.length / dim;
    const principal = await principalBasis(rows, dim, subspaceDim);
    const p = principal.p;
    const mean = tf.tensor1d(Float32Array.from(principal.mean));
    const basis = tf.tensor2d(Float32Array.from(principal.basis), [dim, p]);
    // Project the bank block by block from the host rows (never the whole bank on the device at once).
    const parts: tf.Tensor2D[] = [];
    for (let start = 0; start < m; start += BANK_BLOCK_ROWS) {
      const size = Math.min(BANK_BLOCK_ROWS, m - start);
      parts.push(tf.tidy(() => tf.matMul(tf.sub(tf.tensor2d(rows.subarray(start * dim, (start + size) * dim), [size, dim]), mean), basis) as tf.Tensor2D));
    }
    const [projectedT, projectedNorms] = tf.tidy(() => {
      const projected = tf.concat(parts, 0);
      return [tf.transpose(projected) as tf.Tensor2D, tf.sum(tf.square(projected), 1) as tf.Tensor1D];
    });
    tf.dispose(parts);
    const maxNorm = (await tf.max(projectedNorms).data())[0];
    return new SubspaceIndex(rows, dim, mean, basis, projectedT, projectedNorms, maxNorm);
  }

  /** Squared distance of each query to its nearest bank row, exact (see the module comment). */
  async nearestSquared(queries: tf.Tensor2D, mem: MemoryBankTensors): Promise<Float32Array> {
    const n = queries.shape[0];
    const m = this.projectedNorms.shape[0];
    const t = Math.min(CANDIDATES + 1, m);
    // Lower bounds in blocks of bank columns (never a full queries x bank matrix), the t smallest
    // of each block kept, then the t smallest overall.
    const [candidates, bounds, qNorms] = tf.tidy(() => {
      const qp = tf.matMul(tf.sub(queries, this.mean), this.basis);
      const qpNorm = tf.sum(tf.square(qp), 1, true);
      const values: tf.Tensor[] = [];
      const indices: tf.Tensor[] = [];
      for (let start = 0; start < m; start += BANK_BLOCK_ROWS) {
        const size = Math.min(BANK_BLOCK_ROWS, m - start);
        // A tidy per block: only its t smallest bounds outlive it, not its [n, 4096] intermediates.
        const [blockValues, blockIndices] = tf.tidy(() => {
          const blockT = tf.slice(this.projectedT, [0, start], [-1, size]);
          const norms = tf.slice(this.projectedNorms, [start], [size]);
          const lower = tf.relu(tf.sub(tf.add(qpNorm, tf.expandDims(norms, 0)), tf.mul(tf.matMul(qp, blockT), 2)));
          const top = tf.topk(tf.neg(lower), Math.min(t, size));
          return [top.values, tf.add(top.indices, tf.scalar(start, 'int32'))];
        });
        values.push(blockValues);
        indices.push(blockIndices);
      }
      const allValues = tf.concat(values, 1);
      const allIndices = tf.concat(indices, 1);
      const top = tf.topk(allValues, t);
      const rowsOfTop = tf.add(tf.mul(tf.expandDims(tf.range(0, n, 1, 'int32'), 1), tf.scalar(allValues.shape[1]!, 'int32')), top.indices);
      const picked = tf.reshape(tf.gather(tf.reshape(allIndices, [-1]), tf.reshape(rowsOfTop, [-1])), [n, t]);
      return [picked, tf.neg(top.values), qpNorm];
    });
    const [idx, lb, qn, q] = await Promise.all([candidates.data(), bounds.data(), qNorms.data(), queries.data()]);
    tf.dispose([candidates, bounds, qNorms]);
    const out = new Float32Array(n);
    const unresolved: number[] = [];
    const dim = this.dim;
    for (let i = 0; i < n; i++) {
      let best = Infinity;
      const examined = t === m ? t : t - 1; // the last candidate's bound bounds every row not examined
      for (let c = 0; c < examined; c++) {
        const row = idx[i * t + c] * dim;
        let s = 0;
        for (let d = 0; d < dim; d++) {
          const diff = q[i * dim + d] - this.rows[row + d];
          s += diff * diff;
        }
        if (s < best) best = s;
      }
      // Float32 rounding of the bound: keep a margin relative to the magnitudes it was computed from.
      const margin = 1e-5 * (qn[i] + this.maxProjectedNorm) + 1e-6;
      if (t === m || best <= lb[i * t + t - 1] - margin) out[i] = best;
      else unresolved.push(i);
    }
    if (unresolved.length) {
      const full = tf.tidy(() => tf.reshape(nearestSquaredDistances(tf.gather(queries, unresolved) as tf.Tensor2D, mem, 1), [-1]));
      const d = await full.data();
      full.dispose();
      unresolved.forEach((i, j) => (out[i] = d[j]));
    }
    this.lastUnresolved = unresolved.length;
    return out;
  }

  /** Queries of the last search that needed the full search (for diagnostics and tests). */
  lastUnresolved = 0;

  dispose(): void {
    tf.dispose([this.mean, this.basis, this.projectedT, this.projectedNorms]);
  }
}
