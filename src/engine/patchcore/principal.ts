import * as tf from '../tf';
import { seededRandom } from './random';

/**
 * Top principal directions of a set of rows: the covariance of an even sample of rows (on the tfjs backend), then
 * subspace iteration. Any orthonormal basis keeps the subspace lower bounds of the searches valid; the principal one makes
 * them tight.
 */
export interface PrincipalBasis {
  /** Mean row, [dim]. */
  mean: Float64Array;
  /** Orthonormal columns, [dim, p] row-major. */
  basis: Float64Array;
  dim: number;
  p: number;
}

/** Rows used to estimate the covariance. */
const COVARIANCE_ROWS = 4096;
const POWER_ITERATIONS = 12;

/** Orthonormalises the columns of `m` ([rows, cols] row-major, float64) in place (modified Gram-Schmidt). */
function orthonormalizeColumns(m: Float64Array, rows: number, cols: number): void {
  // Worked on a column-major copy (contiguous columns), with the same operations in the same order as on `m`.
  const c = new Float64Array(rows * cols);
  for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) c[j * rows + r] = m[r * cols + j];
  for (let j = 0; j < cols; j++) {
    const cj = j * rows;
    for (let k = 0; k < j; k++) {
      const ck = k * rows;
      let dot = 0;
      for (let r = 0; r < rows; r++) dot += c[cj + r] * c[ck + r];
      for (let r = 0; r < rows; r++) c[cj + r] -= dot * c[ck + r];
    }
    let norm = 0;
    for (let r = 0; r < rows; r++) norm += c[cj + r] ** 2;
    norm = Math.sqrt(norm) || 1;
    for (let r = 0; r < rows; r++) c[cj + r] /= norm;
  }
  for (let r = 0; r < rows; r++) for (let j = 0; j < cols; j++) m[r * cols + j] = c[j * rows + r];
}

export async function principalBasis(rows: Float32Array, dim: number, subspaceDim: number): Promise<PrincipalBasis> {
  const p = Math.min(subspaceDim, dim);
  const n = rows.length / dim;
  const mean = new Float64Array(dim);
  for (let i = 0; i < rows.length; i++) mean[i % dim] += rows[i];
  for (let d = 0; d < dim; d++) mean[d] /= Math.max(1, n);
  const step = Math.max(1, Math.floor(n / COVARIANCE_ROWS));
  const sampleCount = Math.ceil(n / step);
  const sampleRows = new Float32Array(sampleCount * dim);
  for (let i = 0; i < sampleCount; i++) sampleRows.set(rows.subarray(i * step * dim, (i * step + 1) * dim), i * dim);
  const covariance = tf.tidy(() => {
    const centred = tf.sub(tf.tensor2d(sampleRows, [sampleCount, dim]), tf.tensor1d(Float32Array.from(mean)));
    return tf.matMul(tf.transpose(centred), centred) as tf.Tensor2D;
  });
  const random = seededRandom(12345);
  const basis = Float64Array.from({ length: dim * p }, () => random() - 0.5);
  orthonormalizeColumns(basis, dim, p);
  try {
    for (let it = 0; it < POWER_ITERATIONS; it++) {
      const w = tf.tidy(() => tf.matMul(covariance, tf.tensor2d(Float32Array.from(basis), [dim, p])));
      try {
        basis.set(await w.data());
      } finally {
        w.dispose();
      }
      orthonormalizeColumns(basis, dim, p);
    }
  } finally {
    covariance.dispose();
  }
  return { mean, basis, dim, p };
}

/**
 * Replaces each row of `x` by its coordinates along the principal axes ((row - mean) . basis, all `dim` of them), in
 * place and block by block on the tfjs backend. Distances between rows are unchanged (an orthonormal change of
 * basis), and the leading coordinates carry most of the variance.
 */
export async function rotateToPrincipalAxes(x: Float32Array, dim: number, blockRows = 8192): Promise<void> {
  const n = x.length / dim;
  if (n === 0) return;
  const b = await principalBasis(x, dim, dim);
  const basis = tf.tensor2d(Float32Array.from(b.basis), [dim, dim]);
  const mean = tf.tensor1d(Float32Array.from(b.mean));
  try {
    for (let start = 0; start < n; start += blockRows) {
      const end = Math.min(n, start + blockRows);
      const rotated = tf.tidy(() => tf.matMul(tf.sub(tf.tensor2d(x.subarray(start * dim, end * dim), [end - start, dim]), mean), basis));
      try {
        x.set((await rotated.data()) as Float32Array, start * dim);
      } finally {
        rotated.dispose();
      }
    }
  } finally {
    tf.dispose([basis, mean]);
  }
}
