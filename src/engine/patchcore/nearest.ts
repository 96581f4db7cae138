import * as tf from '../tf';

/**
 * k-nearest-neighbour distances from query patches to the memory bank, searched in blocks of the
 * bank so no full queries x bank matrix ever exists. `squared` (the default, as FAISS' IndexFlatL2
 * returns) or Euclidean; with k > 1 the score is the mean of the k distances, as the reference does.
 */
export type DistanceMetric = 'squared' | 'euclidean';

export interface MemoryBankTensors {
  /** Rows in the bank. */
  size: number;
  /** The bank transposed in blocks of columns ([dim, blockRows] each): tfjs' WASM matMul is ~10x
   * slower with a transposed right operand, so the transpose is paid once here. */
  blocksT: tf.Tensor2D[];
  /** |b|^2 per bank row, per block. */
  blockNorms: tf.Tensor1D[];
}

export const BANK_BLOCK_ROWS = 4096;

/** Prepares the search blocks of a bank; the caller keeps (and disposes) `bank`. */
export function prepareBank(bank: tf.Tensor2D): MemoryBankTensors {
  const m = bank.shape[0];
  const blocksT: tf.Tensor2D[] = [];
  const blockNorms: tf.Tensor1D[] = [];
  for (let start = 0; start < m; start += BANK_BLOCK_ROWS) {
    const size = Math.min(BANK_BLOCK_ROWS, m - start);
    tf.tidy(() => {
      const block = tf.slice(bank, [start, 0], [size, -1]);
      blocksT.push(tf.keep(tf.transpose(block) as tf.Tensor2D));
      blockNorms.push(tf.keep(tf.sum(tf.square(block), 1) as tf.Tensor1D));
    });
  }
  return { size: m, blocksT, blockNorms };
}

/** Prepares the search blocks straight from host rows ([size, dim] row-major), one block at a time,
 * so the device never holds the whole bank twice. */
export function prepareBankFromRows(rows: Float32Array, dim: number): MemoryBankTensors {
  const m = rows.length / dim;
  const blocksT: tf.Tensor2D[] = [];
  const blockNorms: tf.Tensor1D[] = [];
  for (let start = 0; start < m; start += BANK_BLOCK_ROWS) {
    const size = Math.min(BANK_BLOCK_ROWS, m - start);
    tf.tidy(() => {
      const block = tf.tensor2d(rows.subarray(start * dim, (start + size) * dim), [size, dim]);
      blocksT.push(tf.keep(tf.transpose(block) as tf.Tensor2D));
      blockNorms.push(tf.keep(tf.sum(tf.square(block), 1) as tf.Tensor1D));
    });
  }
  return { size: m, blocksT, blockNorms };
}

/**
 * Bank rows a search must not find (e.g. a training image's own rows, when it is scored out of sample): a
 * [size] vector, 0 for a row that may be found and EXCLUDED_PENALTY for one that may not. Added to |b|^2, it puts
 * every excluded row out of reach without touching the bank itself.
 */
export const EXCLUDED_PENALTY = 1e30;

export function exclusionPenalty(size: number, excluded: Iterable<number>): Float32Array {
  const penalty = new Float32Array(size);
  for (const row of excluded) penalty[row] = EXCLUDED_PENALTY;
  return penalty;
}

/** The same bank with some rows out of reach (see exclusionPenalty); dispose it with disposeExclusion. */
export function excludeRows(mem: MemoryBankTensors, penalty: Float32Array): MemoryBankTensors {
  if (penalty.length !== mem.size) throw new Error(`the exclusion covers ${penalty.length} rows, the bank has ${mem.size}`);
  let start = 0;
  const blockNorms = mem.blockNorms.map((norms) => {
    const size = norms.shape[0];
    const out = tf.tidy(() => tf.add(norms, tf.tensor1d(penalty.subarray(start, start + size))) as tf.Tensor1D);
    start += size;
    return out;
  });
  return { size: mem.size, blocksT: mem.blocksT, blockNorms };
}

/** Frees what excludeRows made (its norms), not the bank it shares. */
export function disposeExclusion(mem: MemoryBankTensors): void {
  mem.blockNorms.forEach((t) => t.dispose());
}

export function disposeBank(mem: MemoryBankTensors): void {
  mem.blocksT.forEach((t) => t.dispose());
  mem.blockNorms.forEach((t) => t.dispose());
}

/** Squared distances [q, m] from queries to every row of one bank block (clamped at 0). */
function blockSquaredDistances(queries: tf.Tensor2D, qNorm: tf.Tensor2D, blockT: tf.Tensor2D, norms: tf.Tensor1D): tf.Tensor2D {
  return tf.relu(tf.sub(tf.add(qNorm, tf.expandDims(norms, 0)), tf.mul(tf.matMul(queries, blockT), 2))) as tf.Tensor2D;
}

/** Squared distances to every bank row, [q, size]: for small query sets only (one row per query). */
export function allSquaredDistances(queries: tf.Tensor2D, mem: MemoryBankTensors): tf.Tensor2D {
  return tf.tidy(() => {
    const qNorm = tf.sum(tf.square(queries), 1, true) as tf.Tensor2D;
    return tf.concat(mem.blocksT.map((b, i) => blockSquaredDistances(queries, qNorm, b, mem.blockNorms[i])), 1) as tf.Tensor2D;
  });
}

/** Squared distances [q, k] to the k nearest bank rows (ascending), as a tensor. */
export function nearestSquaredDistances(queries: tf.Tensor2D, mem: MemoryBankTensors, k = 1): tf.Tensor2D {
  return tf.tidy(() => {
    const m = mem.size;
    if (k > m) throw new Error(`k = ${k} exceeds the memory bank size ${m}`);
    const qNorm = tf.sum(tf.square(queries), 1, true) as tf.Tensor2D;
    const smallest = (d: tf.Tensor2D, n: number) =>
      n === 1 ? (tf.min(d, 1, true) as tf.Tensor2D) : (tf.neg(tf.topk(tf.neg(d), Math.min(n, d.shape[1])).values) as tf.Tensor2D);
    // One tidy per block: a block's [q, 4096] intermediates are freed before the next block's are made.
    let best: tf.Tensor2D | null = null;
    mem.blocksT.forEach((blockT, i) => {
      const previous: tf.Tensor2D | null = best;
      best = tf.tidy(() => {
        const local = smallest(blockSquaredDistances(queries, qNorm, blockT, mem.blockNorms[i]), k);
        return previous ? smallest(tf.concat([previous, local], 1) as tf.Tensor2D, k) : local;
      });
      previous?.dispose();
    });
    return best!;
  });
}

/** Patch scores [q]: mean over the k nearest distances, squared or Euclidean. */
export function patchScores(queries: tf.Tensor2D, mem: MemoryBankTensors, k = 1, metric: DistanceMetric = 'squared'): tf.Tensor1D {
  return tf.tidy(() => {
    const d2 = nearestSquaredDistances(queries, mem, k);
    const d = metric === 'squared' ? d2 : tf.sqrt(d2);
    return tf.mean(d, 1) as tf.Tensor1D;
  });
}
