import * as tf from '../tf';
import { beforeAll, describe, expect, it } from 'vitest';
import { initNodeBackend } from '../../node/tf-backend';
import { disposeBank, disposeExclusion, excludeRows, exclusionPenalty, nearestSquaredDistances, prepareBank } from './nearest';
import { SubspaceIndex } from './pruned-search';
import { FarthestPatchSearch } from './farthest-patch';
import { seededRandom } from './random';

/** Points near a low-dimensional structure plus noise in every direction, like patch features. */
function structured(n: number, dim: number, latent: number, seed: number, noise: number): Float32Array {
  const shared = seededRandom(99); // the same structure for bank and queries
  const mix = Float32Array.from({ length: latent * dim }, () => shared() - 0.5);
  const random = seededRandom(seed);
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const z = Array.from({ length: latent }, () => (random() - 0.5) * 6);
    for (let d = 0; d < dim; d++) {
      let v = (random() - 0.5) * noise;
      for (let l = 0; l < latent; l++) v += z[l] * mix[l * dim + d];
      out[i * dim + d] = v;
    }
  }
  return out;
}

describe('subspace-pruned exact search', () => {
  beforeAll(async () => {
    await initNodeBackend('wasm');
  });

  for (const [noise, label] of [[0.05, 'a tight bound (candidates suffice)'], [3, 'a loose bound (falls back to the full search)']] as const) {
    it(`equals the full search with ${label}`, async () => {
      const dim = 64, m = 5000, n = 300; // two blocks of bank columns
      const bank = structured(m, dim, 8, 1, noise);
      const queries = structured(n, dim, 8, 2, noise);
      const mem = prepareBank(tf.tensor2d(bank, [m, dim]));
      const index = await SubspaceIndex.build(bank, dim, 12);
      const q = tf.tensor2d(queries, [n, dim]);
      const got = await index.nearestSquared(q, mem);
      const fullT = nearestSquaredDistances(q, mem, 1);
      const full = await fullT.data();
      let maxRel = 0;
      for (let i = 0; i < n; i++) maxRel = Math.max(maxRel, Math.abs(got[i] - full[i]) / Math.max(full[i], 1e-6));
      expect(maxRel).toBeLessThan(1e-4);
      // A tight bound rules out almost every row without its exact distance; a loose one still gives exact results.
      if (noise < 1) expect(index.lastExact).toBeLessThan(n * m * 0.02);
      else expect(index.lastExact).toBeGreaterThan(n);
      tf.dispose([q, fullT]);
      index.dispose();
      disposeBank(mem);
    });
  }

  it('is exact for a bank smaller than the candidate count', async () => {
    const bank = structured(10, 16, 2, 3, 0.5);
    const mem = prepareBank(tf.tensor2d(bank, [10, 16]));
    const index = await SubspaceIndex.build(bank, 16, 4);
    const q = tf.tensor2d(bank.subarray(16 * 3, 16 * 5), [2, 16]);
    const got = await index.nearestSquared(q, mem);
    expect(got[0]).toBeLessThan(1e-9);
    expect(got[1]).toBeLessThan(1e-9);
    q.dispose();
    index.dispose();
    disposeBank(mem);
  });

  for (const [noise, label] of [[0.05, 'a tight bound'], [3, 'a loose bound']] as const) {
    it(`finds the largest nearest distance, and leaves excluded rows out, with ${label}`, async () => {
      const dim = 64, m = 5000, n = 300;
      const bank = structured(m, dim, 8, 1, noise);
      // Queries that are bank rows: in the bank they are at distance 0; with their own rows excluded they are not.
      const own = Array.from({ length: n }, (_, i) => i * 7);
      const queries = new Float32Array(n * dim);
      own.forEach((r, i) => queries.set(bank.subarray(r * dim, (r + 1) * dim), i * dim));
      const mem = prepareBank(tf.tensor2d(bank, [m, dim]));
      const index = await SubspaceIndex.build(bank, dim, 12);
      const q = tf.tensor2d(queries, [n, dim]);
      const far = FarthestPatchSearch.build(bank, dim);
      expect(await far.maxNearestSquared(q, mem)).toBeLessThan(1e-3);
      const penalty = exclusionPenalty(m, own);
      const excluded = excludeRows(mem, penalty);
      const got = await index.nearestSquared(q, excluded, penalty);
      const max = await far.maxNearestSquared(q, excluded, penalty);
      expect(far.lastSearched).toBeLessThan(n);
      // The reference: the full search over a bank that does not hold the excluded rows at all.
      const kept = Array.from({ length: m }, (_, r) => r).filter((r) => !own.includes(r));
      const rest = new Float32Array(kept.length * dim);
      kept.forEach((r, j) => rest.set(bank.subarray(r * dim, (r + 1) * dim), j * dim));
      const restMem = prepareBank(tf.tensor2d(rest, [kept.length, dim]));
      const fullT = nearestSquaredDistances(q, restMem, 1);
      const full = await fullT.data();
      for (let i = 0; i < n; i++) expect(Math.abs(got[i] - full[i]) / Math.max(full[i], 1e-6)).toBeLessThan(1e-4);
      const fullMax = Math.max(...full);
      expect(fullMax).toBeGreaterThan(0.01);
      expect(Math.abs(max - fullMax) / fullMax).toBeLessThan(1e-4);
      tf.dispose([q, fullT]);
      disposeExclusion(excluded);
      disposeBank(restMem);
      far.dispose();
      index.dispose();
      disposeBank(mem);
    });
  }
});
