import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '../engine/tf';
import type { Backbone } from '../engine/backbones/backbone';
import { PatchCoreScorer } from '../engine/patchcore/scorer';
import { SubspaceIndex } from '../engine/patchcore/pruned-search';
import { TARGET_DIM } from '../engine/patchcore/embed';
import { writeSyntheticDataset } from '../../test/synthetic-dataset';
import { DEFAULT_BACKBONE, loadBackboneArg } from './backbones';
import { decodeImageFile } from './decode';
import { EnginePool } from './engine-pool';
import { initNodeBackend } from './tf-backend';

/** The pool's threads score exactly as one engine in this thread, with the search index built once and shared. */
describe('EnginePool', () => {
  let dir: string;
  let backbone: Backbone;
  let pool: EnginePool;
  let bank: Float32Array;
  let dim: number;
  let tests: string[];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'engine-pool-'));
    await writeSyntheticDataset(dir, { train: 3, good: 2, defect: 2 }, 96);
    tests = ['good', 'scratch'].flatMap((d) => readdirSync(join(dir, 'test', d)).map((f) => join(dir, 'test', d, f)));
    await initNodeBackend('wasm');
    backbone = await loadBackboneArg();
    pool = await EnginePool.start({ backend: 'wasm', backbone: DEFAULT_BACKBONE, seed: 0, size: 2 });
    // The bank: every patch of the training images, embedded by the pool's threads.
    const train = readdirSync(join(dir, 'train/good')).map((f) => join(dir, 'train/good', f));
    const parts = await Promise.all(train.map((f) => pool.embed(f)));
    const total = parts.reduce((n, p) => n + p.features.length, 0);
    bank = new Float32Array(total);
    let at = 0;
    for (const p of parts) {
      bank.set(p.features, at);
      at += p.features.length;
    }
    dim = TARGET_DIM;
  });

  afterAll(async () => {
    await pool?.close();
    backbone?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  for (const metric of ['squared', 'euclidean'] as const) {
    it(`scores bit-identically to a single-threaded scorer (${metric}), building the index once`, async () => {
      await pool.setBank(bank, dim, { metric });
      expect(pool.indexMs).toBeGreaterThan(0);
      const score = pool.scorer(tests);
      // All at once: both threads score, each with the index the first thread built.
      const pooled = await Promise.all(tests.map((name, i) => score({ name, label: 0, defect: 'good', load: () => decodeImageFile(name) }, i)));
      const local = new PatchCoreScorer(backbone, bank, dim, { metric });
      try {
        for (let i = 0; i < tests.length; i++) {
          const r = await local.score(await decodeImageFile(tests[i]));
          expect(pooled[i].score).toBe(r.score);
          expect(Buffer.from(pooled[i].patches!.buffer).equals(Buffer.from(r.patches.buffer))).toBe(true);
          expect(Buffer.from(pooled[i].map.buffer).equals(Buffer.from(r.map.buffer))).toBe(true);
        }
      } finally {
        local.dispose();
      }
    });
  }

  it('builds no index for k > 1', async () => {
    await pool.setBank(bank, dim, { k: 3 });
    expect(pool.indexMs).toBe(0);
    const r = await pool.scorer(tests)({ name: tests[0], label: 0, defect: 'good', load: () => decodeImageFile(tests[0]) }, 0);
    expect(r.score).toBeGreaterThan(0);
  });

  it('shares an index without copying its arrays, and the view searches exactly as the original', async () => {
    const index = await SubspaceIndex.build(bank, dim);
    const data = index.share();
    for (const a of [data.bank.rows, data.bank.projected, data.bank.order, data.bank.rho, data.mean, data.basis, data.centres]) expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
    const view = SubspaceIndex.fromData(data);
    expect(view.clusters).toBe(index.clusters);
    const queries = tf.tensor2d(bank.subarray(0, 200 * dim).map((v, i) => v + ((i % 7) - 3) * 0.01), [200, dim]);
    try {
      const a = await index.nearestSquared(queries);
      const b = await view.nearestSquared(queries);
      expect(Buffer.from(b.buffer).equals(Buffer.from(a.buffer))).toBe(true);
    } finally {
      queries.dispose();
      index.dispose();
      view.dispose();
    }
    const broken = { ...data, bank: { ...data.bank, projected: data.bank.projected.subarray(1) } };
    expect(() => SubspaceIndex.fromData(broken)).toThrow(/projected holds/);
  });
});
