import * as tf from '../tf';
import { principalBasis } from './principal';
import type { MemoryBankTensors } from './nearest';
import { BANK_BLOCK_ROWS } from './nearest';
import type { ClusteredBank } from './cluster-scan';
import { residualInterval, scanNearest } from './cluster-scan';

/**
 * Exact nearest-neighbour search over the bank's principal subspace.
 *
 * The bank's rows are projected on an orthonormal basis V of its top principal directions (on real patch features
 * 128 directions hold ~96 % of the variance) and grouped in clusters there (k-means). Each query is projected once
 * (two small matMuls on the tfjs backend), then scanned on the host (./cluster-scan.ts): lower bounds that hold for
 * every row they skip rule out whole clusters and most rows, and the few rows left get their exact distance. The
 * neighbouring patch's nearest row is tried first, which makes the bound tight from the start. No row is ever
 * skipped unless its distance provably reaches the best found, so the result is the exact nearest distance (ties
 * and float rounding aside; tested against the full search).
 */
export const SUBSPACE_DIM = 128;
/** Bank rows per cluster, on average. */
export const ROWS_PER_CLUSTER = 32;
const KMEANS_ITERATIONS = 3;

/**
 * The basis with every column that is not orthonormal to the kept ones (to 1e-7) set to zero: a degenerate bank
 * (fewer distinct rows than directions) can leave power iteration with columns that are noise. Zero columns keep the
 * bounds true; a basis that is not orthonormal would not.
 */
export function orthonormalOnly(basis: Float64Array, dim: number, p: number): Float64Array {
  const out = Float64Array.from(basis);
  const kept: number[] = [];
  for (let j = 0; j < p; j++) {
    const dot = (a: number, b: number) => {
      let s = 0;
      for (let d = 0; d < dim; d++) s += out[d * p + a] * out[d * p + b];
      return s;
    };
    if (Math.abs(dot(j, j) - 1) <= 1e-7 && kept.every((k) => Math.abs(dot(j, k)) <= 1e-7)) kept.push(j);
    else for (let d = 0; d < dim; d++) out[d * p + j] = 0;
  }
  return out;
}

/** Nearest centre of each row ([m, p] rows, [k, p] centres), on the tfjs backend, block by block. */
async function assignToCentres(x: Float32Array, p: number, centres: Float32Array): Promise<Int32Array> {
  const m = x.length / p;
  const k = centres.length / p;
  const out = new Int32Array(m);
  // Transposed once: tfjs' WASM matMul is far slower with a transposed right operand.
  const c = tf.tidy(() => tf.transpose(tf.tensor2d(centres, [k, p])) as tf.Tensor2D);
  try {
    const cNorm = tf.tidy(() => tf.expandDims(tf.sum(tf.square(c), 0), 0));
    try {
      for (let start = 0; start < m; start += BANK_BLOCK_ROWS) {
        const size = Math.min(BANK_BLOCK_ROWS, m - start);
        const a = tf.tidy(() => tf.argMin(tf.sub(cNorm, tf.mul(tf.matMul(tf.tensor2d(x.subarray(start * p, (start + size) * p), [size, p]), c), 2)), 1));
        out.set(await a.data(), start);
        a.dispose();
      }
    } finally {
      cNorm.dispose();
    }
  } finally {
    c.dispose();
  }
  return out;
}

/** Leading coordinates the k-means assigns on: they carry most of the variance, at a quarter of the cost. */
const KMEANS_COORDINATES = 32;

/**
 * k-means of the rows (evenly spaced rows as the starting centres), assigned on the leading coordinates; returns each
 * row's cluster and the centres in all p coordinates (the mean of the cluster's rows; any centre keeps the bounds true).
 */
async function kMeans(x: Float32Array, p: number, k: number): Promise<{ assign: Int32Array; centres: Float32Array }> {
  const m = x.length / p;
  const lead = Math.min(p, KMEANS_COORDINATES);
  const leading = new Float32Array(m * lead);
  for (let r = 0; r < m; r++) leading.set(x.subarray(r * p, r * p + lead), r * lead);
  const centres = new Float32Array(k * p);
  for (let c = 0; c < k; c++) {
    const r = Math.floor((c * m) / k);
    centres.set(x.subarray(r * p, (r + 1) * p), c * p);
  }
  const centresLead = new Float32Array(k * lead);
  let assign: Int32Array = new Int32Array(m);
  for (let it = 0; it < KMEANS_ITERATIONS; it++) {
    for (let c = 0; c < k; c++) centresLead.set(centres.subarray(c * p, c * p + lead), c * lead);
    assign = await assignToCentres(leading, lead, centresLead);
    const sums = new Float64Array(k * p);
    const counts = new Float64Array(k);
    for (let r = 0; r < m; r++) {
      const c = assign[r];
      counts[c]++;
      for (let d = 0; d < p; d++) sums[c * p + d] += x[r * p + d];
    }
    for (let c = 0; c < k; c++) if (counts[c] > 0) for (let d = 0; d < p; d++) centres[c * p + d] = sums[c * p + d] / counts[c];
  }
  return { assign, centres };
}

/** The bank in cluster order, with the bounds' ingredients (see ClusteredBank). */
function layOut(rows: Float32Array, dim: number, p: number, projected: Float32Array, norms: Float64Array, assign: Int32Array, centres: Float32Array): { bank: ClusteredBank; used: number[] } {
  const m = norms.length;
  const rhoOf = new Float64Array(m);
  for (let r = 0; r < m; r++) {
    let s = 0;
    for (let d = 0; d < p; d++) s += (projected[r * p + d] - centres[assign[r] * p + d]) ** 2;
    rhoOf[r] = Math.sqrt(s);
  }
  const used = [...new Set(assign)].sort((a, b) => a - b); // empty clusters are dropped
  const slot = new Map(used.map((c, i) => [c, i]));
  const positions = Array.from({ length: m }, (_, r) => r).sort((a, b) => slot.get(assign[a])! - slot.get(assign[b])! || rhoOf[a] - rhoOf[b]);
  const clusters = used.length;
  const bank: ClusteredBank = {
    dim,
    p,
    rows,
    order: Int32Array.from(positions),
    projected: new Float32Array(m * p),
    rho: new Float64Array(m),
    resLow: new Float64Array(m),
    resHigh: new Float64Array(m),
    starts: new Int32Array(clusters + 1),
    radius: new Float64Array(clusters),
    resMin: new Float64Array(clusters).fill(Infinity),
    resMax: new Float64Array(clusters),
    centreNorms: new Float64Array(clusters),
    maxNorm: norms.reduce((a, b) => Math.max(a, b), 0),
  };
  positions.forEach((r, j) => {
    const c = slot.get(assign[r])!;
    bank.starts[c + 1] = j + 1;
    bank.projected.set(projected.subarray(r * p, (r + 1) * p), j * p);
    bank.rho[j] = rhoOf[r];
    let pn = 0;
    for (let d = 0; d < p; d++) pn += projected[r * p + d] ** 2;
    [bank.resLow[j], bank.resHigh[j]] = residualInterval(norms[r], pn);
    bank.radius[c] = Math.max(bank.radius[c], rhoOf[r]);
    bank.resMin[c] = Math.min(bank.resMin[c], bank.resLow[j]);
    bank.resMax[c] = Math.max(bank.resMax[c], bank.resHigh[j]);
  });
  used.forEach((c, i) => {
    let s = 0;
    for (let d = 0; d < p; d++) s += centres[c * p + d] ** 2;
    bank.centreNorms[i] = s;
  });
  return { bank, used };
}

/**
 * An index as plain typed arrays, to hand to other threads: `share` puts every array in a SharedArrayBuffer, so
 * posting it to a worker thread shares the memory instead of copying it, and `fromData` views it there.
 */
export interface SubspaceIndexData {
  bank: ClusteredBank;
  /** The bank mean [dim]. */
  mean: Float64Array;
  /** The orthonormal basis [dim, p], row-major, as the search uses it. */
  basis: Float32Array;
  /** Cluster centres [clusters, p], row-major. */
  centres: Float32Array;
}

/** The same values in a SharedArrayBuffer (the array itself when it already is in one). */
function sharedCopy<T extends Float32Array | Float64Array | Int32Array>(a: T): T {
  if (a.buffer instanceof SharedArrayBuffer) return a;
  const out = new (a.constructor as new (b: SharedArrayBuffer) => T)(new SharedArrayBuffer(a.byteLength));
  out.set(a);
  return out;
}

export class SubspaceIndex {
  private constructor(
    private readonly bank: ClusteredBank,
    private readonly meanHost: Float64Array,
    private readonly basisHost: Float32Array,
    private readonly centresHost: Float32Array,
    private readonly mean: tf.Tensor1D,
    private readonly basis: tf.Tensor2D,
    /** Cluster centres, transposed: [p, clusters]. */
    private readonly centresT: tf.Tensor2D,
  ) {}

  /** Uploads the index's small parts (mean, basis, centres) to the tfjs backend; the host arrays are used as they are. */
  private static fromHost(bank: ClusteredBank, meanHost: Float64Array, basisHost: Float32Array, centresHost: Float32Array): SubspaceIndex {
    const clusters = bank.starts.length - 1;
    const [mean, basis, centresT] = tf.tidy(() => [
      tf.tensor1d(Float32Array.from(meanHost)),
      tf.tensor2d(basisHost, [bank.dim, bank.p]),
      tf.transpose(tf.tensor2d(centresHost, [clusters, bank.p])) as tf.Tensor2D,
    ]);
    return new SubspaceIndex(bank, meanHost, basisHost, centresHost, mean as tf.Tensor1D, basis as tf.Tensor2D, centresT as tf.Tensor2D);
  }

  /** The index as typed arrays, each in a SharedArrayBuffer (copied once; see SubspaceIndexData). */
  share(): SubspaceIndexData {
    const b = this.bank;
    const bank: ClusteredBank = {
      ...b,
      rows: sharedCopy(b.rows),
      order: sharedCopy(b.order),
      projected: sharedCopy(b.projected),
      rho: sharedCopy(b.rho),
      resLow: sharedCopy(b.resLow),
      resHigh: sharedCopy(b.resHigh),
      starts: sharedCopy(b.starts),
      radius: sharedCopy(b.radius),
      resMin: sharedCopy(b.resMin),
      resMax: sharedCopy(b.resMax),
      centreNorms: sharedCopy(b.centreNorms),
    };
    return { bank, mean: sharedCopy(this.meanHost), basis: sharedCopy(this.basisHost), centres: sharedCopy(this.centresHost) };
  }

  /** An index over `data` (from `share`, possibly in another thread), without copying its arrays; it searches exactly as the one shared. */
  static fromData(data: SubspaceIndexData): SubspaceIndex {
    const { bank, mean, basis, centres } = data;
    const m = bank.order.length;
    const clusters = bank.starts.length - 1;
    const wrong = (what: string, got: number, want: number) => new Error(`the shared search index is inconsistent: ${what} holds ${got} values, expected ${want}`);
    const sizes: [string, number, number][] = [
      ['rows', bank.rows.length, m * bank.dim],
      ['projected', bank.projected.length, m * bank.p],
      ['rho', bank.rho.length, m],
      ['resLow', bank.resLow.length, m],
      ['resHigh', bank.resHigh.length, m],
      ['radius', bank.radius.length, clusters],
      ['resMin', bank.resMin.length, clusters],
      ['resMax', bank.resMax.length, clusters],
      ['centreNorms', bank.centreNorms.length, clusters],
      ['mean', mean.length, bank.dim],
      ['basis', basis.length, bank.dim * bank.p],
      ['centres', centres.length, clusters * bank.p],
    ];
    for (const [what, got, want] of sizes) if (got !== want) throw wrong(what, got, want);
    if (clusters < 1 || bank.starts[clusters] !== m) throw new Error(`the shared search index is inconsistent: its clusters cover ${bank.starts[clusters]} of ${m} rows`);
    return SubspaceIndex.fromHost(bank, mean, basis, centres);
  }

  /** Builds the index: the bank's mean and top principal directions by subspace iteration, then its clusters. */
  static async build(rows: Float32Array, dim: number, subspaceDim = SUBSPACE_DIM): Promise<SubspaceIndex> {
    const m = rows.length / dim;
    if (m < 1 || !Number.isInteger(m)) throw new Error(`a bank of ${rows.length} values is not whole rows of ${dim}`);
    const principal = await principalBasis(rows, dim, subspaceDim);
    const p = principal.p;
    const mean = tf.tensor1d(Float32Array.from(principal.mean));
    const basisHost = Float32Array.from(orthonormalOnly(principal.basis, dim, p));
    const basis = tf.tensor2d(basisHost, [dim, p]);
    try {
      // Project the bank block by block from the host rows (never the whole bank on the device at once).
      const projected = new Float32Array(m * p);
      for (let start = 0; start < m; start += BANK_BLOCK_ROWS) {
        const size = Math.min(BANK_BLOCK_ROWS, m - start);
        const part = tf.tidy(() => tf.matMul(tf.sub(tf.tensor2d(rows.subarray(start * dim, (start + size) * dim), [size, dim]), mean), basis));
        projected.set((await part.data()) as Float32Array, start * p);
        part.dispose();
      }
      const norms = new Float64Array(m);
      for (let r = 0; r < m; r++) {
        let s = 0;
        for (let d = 0; d < dim; d++) s += (rows[r * dim + d] - principal.mean[d]) ** 2;
        norms[r] = s;
      }
      const { assign, centres } = await kMeans(projected, p, Math.max(1, Math.round(m / ROWS_PER_CLUSTER)));
      const { bank, used } = layOut(rows, dim, p, projected, norms, assign, centres);
      const kept = new Float32Array(used.length * p);
      used.forEach((c, i) => kept.set(centres.subarray(c * p, (c + 1) * p), i * p));
      return SubspaceIndex.fromHost(bank, principal.mean, basisHost, kept);
    } finally {
      tf.dispose([mean, basis]);
    }
  }

  /**
   * Squared distance of each query to its nearest bank row, exact (see the module comment). With `penalty`
   * (see exclusionPenalty in ./nearest.ts), the rows it marks are never found (Infinity when none is left).
   * `gridWidth`: the queries are an image's patches in rows this wide (default: square, when their count is).
   */
  async nearestSquared(queries: tf.Tensor2D, _mem?: MemoryBankTensors, penalty?: Float32Array, gridWidth?: number): Promise<Float32Array> {
    const [n, dim] = queries.shape;
    if (dim !== this.bank.dim) throw new Error(`queries have ${dim} values per row, the bank ${this.bank.dim}`);
    if (penalty && penalty.length !== this.bank.order.length) throw new Error(`the exclusion covers ${penalty.length} rows, the bank has ${this.bank.order.length}`);
    const [qpT, dotsT] = tf.tidy(() => {
      const qp = tf.matMul(tf.sub(queries, this.mean), this.basis);
      return [qp, tf.matMul(qp, this.centresT)];
    });
    const [q, qp, dots] = (await Promise.all([queries.data(), qpT.data(), dotsT.data()])) as Float32Array[];
    tf.dispose([qpT, dotsT]);
    const centredNorms = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let d = 0; d < dim; d++) s += (q[i * dim + d] - this.meanHost[d]) ** 2;
      centredNorms[i] = s;
    }
    const side = Math.round(Math.sqrt(n));
    const width = gridWidth ?? (side * side === n ? side : 0);
    const result = scanNearest(this.bank, { n, q, qp, centredNorms, centreDots: dots, gridWidth: width }, penalty);
    this.lastExact = result.exact;
    return result.d2;
  }

  /** Exact distances the last search took (for diagnostics and tests). */
  lastExact = 0;

  /** Clusters of the bank. */
  get clusters(): number {
    return this.bank.starts.length - 1;
  }

  dispose(): void {
    tf.dispose([this.mean, this.basis, this.centresT]);
  }
}
