/**
 * The host side of the exact nearest-row search (see ./pruned-search.ts): bank rows grouped in clusters of their
 * principal-subspace coordinates, and per query a scan that skips whole clusters and most rows on lower bounds
 * that hold for every row skipped, then takes exact squared distances of the few rows left. Plain typed arrays, no
 * tfjs: the same code runs in Node and in the browser worker.
 *
 * For a row b and query q (both less the bank mean), with V the orthonormal basis, p = V'b, r = the part of b
 * outside the subspace, and c a cluster centre in the subspace:
 *   |q - b|^2 = |p_q - p_b|^2 + |r_q - r_b|^2 >= |p_q - p_b|^2 + (|r_q| - |r_b|)^2           (1)
 *   |p_q - p_b| >= | |p_q - c| - |p_b - c| |                                                   (2, triangle)
 * A row is skipped when a bound reaches the best exact distance found so far plus `margin`, which covers the
 * float32 rounding of the projections; norms computed by cancellation are carried as intervals.
 */
export interface ClusteredBank {
  dim: number;
  /** Subspace dimension. */
  p: number;
  /** Bank rows, [m, dim] row-major, in their original order. */
  rows: Float32Array;
  /** Position in cluster order -> original row. */
  order: Int32Array;
  /** Subspace coordinates [m, p], cluster order. */
  projected: Float32Array;
  /** |p_b - c| to the row's own centre, cluster order, ascending within a cluster. */
  rho: Float64Array;
  /** Interval holding |r_b| (the residual norm), cluster order. */
  resLow: Float64Array;
  resHigh: Float64Array;
  /** Cluster k holds positions [starts[k], starts[k + 1]). */
  starts: Int32Array;
  /** Per cluster: the largest rho, the smallest resLow and the largest resHigh. */
  radius: Float64Array;
  resMin: Float64Array;
  resMax: Float64Array;
  /** |c|^2 per cluster. */
  centreNorms: Float64Array;
  /** The largest |b - mean|^2 (for the rounding margin). */
  maxNorm: number;
}

/** A batch of queries as the scan needs them. */
export interface QueryBatch {
  n: number;
  /** Queries [n, dim] (not centred). */
  q: Float32Array;
  /** Subspace coordinates [n, p] of the centred queries. */
  qp: Float32Array;
  /** |q - mean|^2 per query. */
  centredNorms: Float64Array;
  /** p_q . c for every query and cluster, [n, clusters]. */
  centreDots: Float32Array;
  /** Queries laid out as a grid this wide (patches of an image), so a neighbour's nearest row seeds the bound; 0: none. */
  gridWidth: number;
}

/** Relative error allowed for float32 projections and dot products (their real error is ~1e-6). */
const RELATIVE_ROUNDING = 1e-4;

/** Residual-norm interval from |x - mean|^2 (`norm`) and |p_x|^2 (`projectedNorm`): the difference cancels. */
export function residualInterval(norm: number, projectedNorm: number): [number, number] {
  const e = RELATIVE_ROUNDING * norm + 1e-9;
  return [Math.sqrt(Math.max(0, norm - projectedNorm - e)), Math.sqrt(Math.max(0, norm - projectedNorm + e))];
}

/** Exact squared distance of query `qi` to bank row `r`, or Infinity once it reaches `limit`. */
function exactSquared(q: Float32Array, qi: number, rows: Float32Array, r: number, dim: number, limit: number): number {
  const qo = qi * dim;
  const ro = r * dim;
  let s = 0;
  let d = 0;
  while (d < dim) {
    const end = Math.min(dim, d + 128);
    let s0 = 0, s1 = 0, s2 = 0, s3 = 0;
    for (; d + 4 <= end; d += 4) {
      const a = q[qo + d] - rows[ro + d];
      const b = q[qo + d + 1] - rows[ro + d + 1];
      const c = q[qo + d + 2] - rows[ro + d + 2];
      const e = q[qo + d + 3] - rows[ro + d + 3];
      s0 += a * a;
      s1 += b * b;
      s2 += c * c;
      s3 += e * e;
    }
    for (; d < end; d++) {
      const a = q[qo + d] - rows[ro + d];
      s0 += a * a;
    }
    s += s0 + s1 + s2 + s3;
    if (s >= limit) return Infinity; // partial sums of squares only grow
  }
  return s;
}

/** Squared subspace distance of query `qi` to position `j`, plus `start`, or Infinity once it reaches `limit`. */
function subspaceSquared(qp: Float32Array, qi: number, projected: Float32Array, j: number, p: number, start: number, limit: number): number {
  const qo = qi * p;
  const bo = j * p;
  let s = start;
  let d = 0;
  while (d < p) {
    const end = Math.min(p, d === 0 ? 8 : d + 16);
    let s0 = 0, s1 = 0;
    for (; d + 2 <= end; d += 2) {
      const a = qp[qo + d] - projected[bo + d];
      const b = qp[qo + d + 1] - projected[bo + d + 1];
      s0 += a * a;
      s1 += b * b;
    }
    if (d < end) {
      const a = qp[qo + d] - projected[bo + d];
      s0 += a * a;
      d++;
    }
    s += s0 + s1;
    if (s >= limit) return Infinity; // the leading coordinates carry most of the distance
  }
  return s;
}

export interface ScanResult {
  /** Squared distance to the nearest row in reach, per query (Infinity when no row is in reach). */
  d2: Float32Array;
  /** The nearest row (original index) per query, -1 when none. */
  nearest: Int32Array;
  /** Exact distances taken (for diagnostics and tests). */
  exact: number;
}

/** Nearest bank row of every query of the batch, exactly; rows with a non-zero `penalty` are never found. */
export function scanNearest(bank: ClusteredBank, batch: QueryBatch, penalty?: Float32Array): ScanResult {
  const { dim, p, rows, order, projected, rho, resLow, resHigh, starts, radius, resMin, resMax, centreNorms } = bank;
  const clusters = starts.length - 1;
  const { n, q, qp, centredNorms, centreDots, gridWidth } = batch;
  const d2 = new Float32Array(n);
  const nearest = new Int32Array(n).fill(-1);
  const dcLow = new Float64Array(clusters);
  const dcHigh = new Float64Array(clusters);
  const seeds = [-1, -1];
  let exact = 0;
  for (let i = 0; i < n; i++) {
    let qpNorm = 0;
    for (let d = 0; d < p; d++) qpNorm += qp[i * p + d] * qp[i * p + d];
    const rqE = RELATIVE_ROUNDING * centredNorms[i] + 1e-9;
    const rqLow = Math.sqrt(Math.max(0, centredNorms[i] - qpNorm - rqE));
    const rqHigh = Math.sqrt(Math.max(0, centredNorms[i] - qpNorm + rqE));
    const margin = RELATIVE_ROUNDING * (centredNorms[i] + bank.maxNorm) + 1e-6;
    let best = Infinity;
    let bestRow = -1;
    let limit = Infinity; // best + margin: a row whose lower bound reaches it cannot be nearer
    // Feature maps are smooth: the neighbours' nearest rows give a tight bound before any cluster is scanned.
    seeds[0] = i > 0 ? nearest[i - 1] : -1;
    seeds[1] = gridWidth > 0 && i >= gridWidth ? nearest[i - gridWidth] : -1;
    for (const r of seeds) {
      if (r < 0 || r === bestRow || (penalty && penalty[r] !== 0)) continue;
      exact++;
      const s = exactSquared(q, i, rows, r, dim, best);
      if (s < best) {
        best = s;
        bestRow = r;
        limit = best + margin;
      }
    }
    let first = 0;
    for (let k = 0; k < clusters; k++) {
      const dc2 = qpNorm + centreNorms[k] - 2 * centreDots[i * clusters + k];
      const e = RELATIVE_ROUNDING * (qpNorm + centreNorms[k]) + 1e-6;
      dcLow[k] = Math.sqrt(Math.max(0, dc2 - e));
      dcHigh[k] = Math.sqrt(Math.max(0, dc2 + e));
      if (dcLow[k] < dcLow[first]) first = k;
    }
    // The nearest centre's cluster first, then every cluster its bounds do not rule out.
    for (let step = 0; step < clusters; step++) {
      const k = step === 0 ? first : step <= first ? step - 1 : step;
      const gap = Math.max(0, dcLow[k] - radius[k]);
      const resGap = Math.max(0, rqLow - resMax[k], resMin[k] - rqHigh);
      if (gap * gap + resGap * resGap >= limit) continue;
      // rho ascends within a cluster: only rows with |dc - rho| below sqrt(limit) can be nearer (triangle bound).
      const reach = Math.sqrt(limit);
      const lowRho = dcLow[k] - reach;
      let lo = starts[k];
      let hi = starts[k + 1];
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (rho[mid] <= lowRho) lo = mid + 1;
        else hi = mid;
      }
      for (let j = lo; j < starts[k + 1]; j++) {
        const above = rho[j] - dcHigh[k];
        if (above > 0 && above * above >= limit) break;
        const below = dcLow[k] - rho[j];
        const rg = Math.max(0, rqLow - resHigh[j], resLow[j] - rqHigh);
        const g = Math.max(0, above, below);
        const start = rg * rg;
        if (g * g + start >= limit) continue;
        if (subspaceSquared(qp, i, projected, j, p, start, limit) >= limit) continue;
        const r = order[j];
        if (r === bestRow || (penalty && penalty[r] !== 0)) continue;
        exact++;
        const s = exactSquared(q, i, rows, r, dim, best);
        if (s < best) {
          best = s;
          bestRow = r;
          limit = best + margin;
        }
      }
    }
    d2[i] = best;
    nearest[i] = bestRow;
  }
  return { d2, nearest, exact };
}
