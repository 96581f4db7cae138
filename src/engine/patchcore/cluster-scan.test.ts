import * as tf from '../tf';
import { beforeAll, describe, expect, it } from 'vitest';
import { initNodeBackend } from '../../node/tf-backend';
import type { Backbone } from '../backbones/backbone';
import { SubspaceIndex } from './pruned-search';
import { PatchCoreScorer } from './scorer';
import { exclusionPenalty } from './nearest';
import { seededRandom } from './random';

/** The nearest squared distance of every query by brute force, in float64 (the reference). */
function bruteForce(q: Float32Array, bank: Float32Array, dim: number, penalty?: Float32Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < q.length / dim; i++) {
    let best = Infinity;
    for (let r = 0; r < bank.length / dim; r++) {
      if (penalty && penalty[r] !== 0) continue;
      let s = 0;
      for (let d = 0; d < dim; d++) s += (q[i * dim + d] - bank[r * dim + d]) ** 2;
      best = Math.min(best, s);
    }
    out.push(best);
  }
  return out;
}

/** Rows on a smooth low-dimensional path plus noise (like patch features of neighbouring patches), or uniform. */
function rows(n: number, dim: number, seed: number, kind: 'uniform' | 'smooth'): Float32Array {
  const random = seededRandom(seed);
  const out = new Float32Array(n * dim);
  const phase = Float32Array.from({ length: dim }, (_, d) => d * 0.37);
  for (let i = 0; i < n; i++) {
    const t = random() * 10;
    for (let d = 0; d < dim; d++) out[i * dim + d] = kind === 'uniform' ? random() * 2 - 1 : Math.sin(t + phase[d]) * (1 + (d % 5)) + (random() - 0.5) * 0.3;
  }
  return out;
}

async function search(bank: Float32Array, queries: Float32Array, dim: number, subspaceDim: number, penalty?: Float32Array, gridWidth?: number) {
  const index = await SubspaceIndex.build(bank, dim, subspaceDim);
  const q = tf.tensor2d(queries, [queries.length / dim, dim]);
  try {
    return { got: await index.nearestSquared(q, undefined, penalty, gridWidth), exact: index.lastExact, clusters: index.clusters };
  } finally {
    q.dispose();
    index.dispose();
  }
}

function expectEqual(got: Float32Array, want: number[]): void {
  expect(got.length).toBe(want.length);
  // Float32 rounding of the result only: the search itself never misses a nearer row.
  want.forEach((w, i) => expect(Math.abs(got[i] - w)).toBeLessThanOrEqual(1e-6 * Math.max(w, 1e-3)));
}

describe('clustered subspace search (exact)', () => {
  beforeAll(async () => {
    await initNodeBackend('wasm');
  });

  for (const kind of ['uniform', 'smooth'] as const) {
    it(`equals brute force on a ${kind} bank`, async () => {
      const dim = 48, m = 3000;
      const bank = rows(m, dim, 1, kind);
      const queries = rows(400, dim, 2, kind); // a 20 x 20 grid
      queries.set(bank.subarray(17 * dim, 18 * dim), 5 * dim); // a bank row: distance 0
      const { got, exact, clusters } = await search(bank, queries, dim, 16);
      expectEqual(got, bruteForce(queries, bank, dim));
      expect(got[5]).toBe(0);
      expect(clusters).toBeGreaterThan(1);
      // The bounds do their job on structured rows: far fewer exact distances than the brute force's.
      if (kind === 'smooth') expect(exact).toBeLessThan(400 * m * 0.1);
    });
  }

  for (const [dim, subspaceDim] of [[3, 3], [6, 2]] as const) {
    it(`equals brute force in ${dim} dimensions with a ${subspaceDim}-d subspace, where every bound is nearly tight`, async () => {
      const bank = rows(4000, dim, 11, 'uniform');
      const queries = rows(1500, dim, 12, 'uniform');
      expectEqual((await search(bank, queries, dim, subspaceDim, undefined, 0)).got, bruteForce(queries, bank, dim));
    });
  }

  it('handles a one-row bank, a dimension that is not a multiple of 16 and a subspace wider than the rows', async () => {
    const dim = 37;
    const bank = rows(1, dim, 3, 'uniform');
    const queries = rows(5, dim, 4, 'uniform');
    expectEqual((await search(bank, queries, dim, 64)).got, bruteForce(queries, bank, dim));
    const bank2 = rows(700, dim, 5, 'smooth');
    expectEqual((await search(bank2, queries, dim, 5)).got, bruteForce(queries, bank2, dim));
  });

  it('never finds excluded rows, and returns Infinity when no row is in reach', async () => {
    const dim = 20, m = 500;
    const bank = rows(m, dim, 6, 'smooth');
    // Queries that are bank rows, their own rows excluded: the nearest must be another row.
    const own = [3, 50, 51, 52, 499];
    const queries = new Float32Array(own.length * dim);
    own.forEach((r, i) => queries.set(bank.subarray(r * dim, (r + 1) * dim), i * dim));
    const penalty = exclusionPenalty(m, own);
    const { got } = await search(bank, queries, dim, 8, penalty, 0);
    expectEqual(got, bruteForce(queries, bank, dim, penalty));
    expect(Math.min(...got)).toBeGreaterThan(0);
    const all = exclusionPenalty(m, Array.from({ length: m }, (_, r) => r));
    expect([...(await search(bank, queries, dim, 8, all, 0)).got]).toEqual(own.map(() => Infinity));
  });

  it('keeps ties: duplicate rows give the same nearest distance', async () => {
    const dim = 16;
    const base = rows(200, dim, 7, 'smooth');
    const bank = new Float32Array(400 * dim);
    bank.set(base, 0);
    bank.set(base, 200 * dim);
    const queries = rows(30, dim, 8, 'smooth');
    expectEqual((await search(bank, queries, dim, 6)).got, bruteForce(queries, bank, dim));
  });

  for (const metric of ['squared', 'euclidean'] as const) {
    it(`gives the scorer's ${metric} patch scores equal to brute force`, async () => {
      const dim = 40, m = 2500;
      const bank = rows(m, dim, 9, 'smooth');
      const features = rows(28 * 28, dim, 10, 'smooth');
      // patchScoresOf never runs the backbone: it scores features already embedded.
      const scorer = new PatchCoreScorer(null as unknown as Backbone, bank, dim, { metric });
      try {
        const got = await scorer.patchScoresOf(features);
        const want = bruteForce(features, bank, dim).map((d) => (metric === 'euclidean' ? Math.sqrt(d) : d));
        expectEqual(got, want);
      } finally {
        scorer.dispose();
      }
    });
  }
});
