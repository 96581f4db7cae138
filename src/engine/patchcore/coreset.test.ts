import * as tf from '../tf';
import { beforeAll, describe, expect, it } from 'vitest';
import { initNodeBackend } from '../../node/tf-backend';
import { coresetSize, lastFilteredIterations, selectCoresetDevice, selectCoresetHost, startIndices } from './coreset';
import { seededRandom } from './random';

/** The reference loop, literally: a full pass over every point per iteration. */
function naiveCoreset(x: Float32Array, dim: number, ratio: number, seed: number): Int32Array {
  const n = x.length / dim;
  const dist = (i: number, j: number) => {
    let s = 0;
    for (let d = 0; d < dim; d++) s += (x[i * dim + d] - x[j * dim + d]) ** 2;
    return Math.sqrt(s);
  };
  const starts = startIndices(n, 10, seed);
  const r = Float64Array.from({ length: n }, (_, i) => starts.reduce((s, j) => s + dist(i, j), 0) / starts.length);
  const k = coresetSize(n, ratio);
  const out = new Int32Array(k);
  for (let t = 0; t < k; t++) {
    let p = 0;
    for (let i = 1; i < n; i++) if (r[i] > r[p]) p = i;
    out[t] = p;
    for (let i = 0; i < n; i++) r[i] = Math.min(r[i], dist(i, p));
  }
  return out;
}

/** Clustered points, like patch features: a few dense blobs plus scattered outliers. */
function clustered(n: number, dim: number, seed: number): Float32Array {
  const random = seededRandom(seed);
  const centres = Array.from({ length: 8 }, () => Float32Array.from({ length: dim }, () => random() * 10));
  const x = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    const c = centres[i % centres.length];
    const spread = i % 50 === 0 ? 5 : 0.5;
    for (let d = 0; d < dim; d++) x[i * dim + d] = c[d] + (random() - 0.5) * spread;
  }
  return x;
}

describe('greedy coreset', () => {
  beforeAll(async () => {
    await initNodeBackend('cpu');
  });

  it.each(['auto', 'pruned', 'filtered'] as const)('host selection (%s) equals the full-pass reference', async (strategy) => {
    const x = clustered(4000, 16, 1);
    const got = await selectCoresetHost(x.slice(), 16, { ratio: 0.1, seed: 7, strategy });
    expect(got.length).toBe(400);
    expect([...got]).toEqual([...naiveCoreset(x, 16, 0.1, 7)]);
  });

  it('auto switches from filter passes to pruning part-way', async () => {
    const x = clustered(4000, 16, 1);
    const seen: number[] = [];
    const auto = await selectCoresetHost(x.slice(), 16, { ratio: 0.1, seed: 7, onProgress: (d) => seen.push(d) });
    expect(seen.at(-1)).toBe(400);
    expect(lastFilteredIterations()).toBeGreaterThan(0);
    expect(lastFilteredIterations()).toBeLessThan(400);
    expect([...auto]).toEqual([...naiveCoreset(x, 16, 0.1, 7)]);
  });

  it('device selection equals the host selection', async () => {
    const x = clustered(1500, 16, 2);
    const host = await selectCoresetHost(x.slice(), 16, { ratio: 0.05, seed: 3 });
    const t = tf.tensor2d(x, [1500, 16]);
    const device = await selectCoresetDevice(t, { ratio: 0.05, seed: 3 });
    t.dispose();
    expect([...device]).toEqual([...host]);
  });

  it('selects distinct points, is deterministic per seed and differs across seeds', async () => {
    const x = clustered(3000, 8, 4);
    const a = await selectCoresetHost(x.slice(), 8, { ratio: 0.1, seed: 0 });
    const b = await selectCoresetHost(x.slice(), 8, { ratio: 0.1, seed: 0 });
    const c = await selectCoresetHost(x.slice(), 8, { ratio: 0.1, seed: 1 });
    expect(new Set(a).size).toBe(a.length);
    expect([...a]).toEqual([...b]);
    expect([...a]).not.toEqual([...c]);
  });

  it('covers the data: every point is within the last selection radius of a centre', async () => {
    const dim = 8;
    const x = clustered(2000, dim, 5);
    const sel = await selectCoresetHost(x.slice(), dim, { ratio: 0.05, seed: 0 });
    const nearest = (i: number) => Math.min(...[...sel].map((j) => Math.hypot(...Array.from({ length: dim }, (_, d) => x[i * dim + d] - x[j * dim + d]))));
    const radii = Array.from({ length: 2000 }, (_, i) => nearest(i));
    // Greedy k-center is a 2-approximation: a random subset of the same size covers far worse.
    const random = seededRandom(9);
    const rand = Array.from({ length: sel.length }, () => Math.floor(random() * 2000));
    const randRadius = Math.max(...Array.from({ length: 2000 }, (_, i) => Math.min(...rand.map((j) => Math.hypot(...Array.from({ length: dim }, (_, d) => x[i * dim + d] - x[j * dim + d]))))));
    expect(Math.max(...radii)).toBeLessThan(randRadius);
  });

  it('reports progress and can be cancelled', async () => {
    const x = clustered(20000, 8, 6);
    const controller = new AbortController();
    const seen: number[] = [];
    await expect(
      selectCoresetHost(x.slice(), 8, {
        ratio: 0.2,
        seed: 0,
        signal: controller.signal,
        onProgress: (done) => {
          seen.push(done);
          if (done >= 512) controller.abort();
        },
      }),
    ).rejects.toThrow(/cancelled/);
    expect(seen[0]).toBe(256);
  });
});
