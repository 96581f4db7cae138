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
/** A search's candidates: per query, the t rows of smallest lower bound, with the bounds; the queries on the host. */
interface Candidates {
  n: number;
  m: number;
  t: number;
  idx: Int32Array;
  lb: Float32Array;
  qn: Float32Array;
  q: Float32Array;
}

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

  /**
   * Squared distance of each query to its nearest bank row, exact (see the module comment). With `penalty`
   * (see exclusionPenalty in ./nearest.ts), the rows it marks are never found; `mem` must then carry the same
   * exclusion (excludeRows) for the queries searched in full.
   */
  async nearestSquared(queries: tf.Tensor2D, mem: MemoryBankTensors, penalty?: Float32Array): Promise<Float32Array> {
    const c = await this.candidates(queries, penalty);
    const out = new Float32Array(c.n);
    const unresolved: number[] = [];
    for (let i = 0; i < c.n; i++) {
      const best = this.resolve(c, i, penalty);
      if (best === null) unresolved.push(i);
      else out[i] = best;
    }
    if (unresolved.length) {
      const d = await this.fullSearch(queries, mem, unresolved);
      unresolved.forEach((i, j) => (out[i] = d[j]));
    }
    this.lastUnresolved = unresolved.length;
    return out;
  }

  /** The smallest lower bounds of each query (t per query, ascending) and the rows they belong to. */
  private async candidates(queries: tf.Tensor2D, penalty?: Float32Array): Promise<Candidates> {
    const n = queries.shape[0];
    const m = this.projectedNorms.shape[0];
    const t = Math.min(CANDIDATES + 1, m);
    const allNorms = penalty ? tf.add(this.projectedNorms, tf.tensor1d(penalty)) : this.projectedNorms;
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
          const norms = tf.slice(allNorms, [start], [size]);
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
    if (penalty) allNorms.dispose();
    const [idx, lb, qn, q] = await Promise.all([candidates.data(), bounds.data(), qNorms.data(), queries.data()]);
    tf.dispose([candidates, bounds, qNorms]);
    return { n, m, t, idx: idx as Int32Array, lb: lb as Float32Array, qn: qn as Float32Array, q: q as Float32Array };
  }

  /** The exact squared distance of query i to the nearest of its first `count` candidates (rows in reach only). */
  private exactToCandidates(c: Candidates, i: number, penalty: Float32Array | undefined, count: number): number {
    const dim = this.dim;
    let best = Infinity;
    for (let j = 0; j < count; j++) {
      const r = c.idx[i * c.t + j];
      if (penalty && penalty[r] !== 0) continue; // fewer rows in reach than candidates
      const row = r * dim;
      let s = 0;
      for (let d = 0; d < dim; d++) {
        const diff = c.q[i * dim + d] - this.rows[row + d];
        s += diff * diff;
      }
      if (s < best) best = s;
    }
    return best;
  }

  /** Query i's nearest squared distance when its candidates settle it (see the module comment), else null. */
  private resolve(c: Candidates, i: number, penalty?: Float32Array): number | null {
    const examined = c.t === c.m ? c.t : c.t - 1; // the last candidate's bound bounds every row not examined
    const best = this.exactToCandidates(c, i, penalty, examined);
    // Float32 rounding of the bound: keep a margin relative to the magnitudes it was computed from.
    const margin = 1e-5 * (c.qn[i] + this.maxProjectedNorm) + 1e-6;
    return c.t === c.m || best <= c.lb[i * c.t + c.t - 1] - margin ? best : null;
  }

  /** The full blocked search for a few queries. */
  private async fullSearch(queries: tf.Tensor2D, mem: MemoryBankTensors, which: number[]): Promise<Float32Array> {
    const full = tf.tidy(() => tf.reshape(nearestSquaredDistances(tf.gather(queries, which) as tf.Tensor2D, mem, 1), [-1]));
    const d = (await full.data()) as Float32Array;
    full.dispose();
    return d;
  }

  /** Queries of the last search that needed the full search (for diagnostics and tests). */
  lastUnresolved = 0;

  dispose(): void {
    tf.dispose([this.mean, this.basis, this.projectedT, this.projectedNorms]);
  }
}
