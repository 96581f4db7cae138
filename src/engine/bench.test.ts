import { beforeAll, describe, expect, it } from 'vitest';
import type { Backbone } from './backbones/backbone';
import { loadBackboneArg } from '../node/backbones';
import { initNodeBackend } from '../node/tf-backend';
import { wovenTexture } from './patchcore/testing';
import { runBenchmark } from './bench';


describe('runBenchmark', () => {
  let backbone: Backbone;
  beforeAll(async () => {
    await initNodeBackend('wasm');
    backbone = await loadBackboneArg();
  });

  it('keeps every reported key and times the index build apart from the per-image search', async () => {
    const r = await runBenchmark(backbone, { count: 3, name: (i) => `${i}.png`, load: async (i) => wovenTexture(i + 1) }, { coresetRatio: 0.1 });
    expect(Object.keys(r).sort()).toEqual(['backend', 'bank_size', 'coreset_ms', 'coreset_on', 'fit_ms', 'images', 'index_ms', 'infer_ms_per_image', 'ms_per_image', 'patches'].sort());
    expect(Object.keys(r.ms_per_image).sort()).toEqual(['backbone', 'decode', 'embedding', 'map', 'preprocess', 'search'].sort());
    expect(r.images).toBe(3);
    expect(r.bank_size).toBe(Math.floor(r.patches * 0.1));
    expect(r.index_ms).toBeGreaterThan(0);
    expect(r.ms_per_image.search).toBeGreaterThan(0);
    const sum = Object.values(r.ms_per_image).reduce((a, b) => a + b, 0);
    expect(r.infer_ms_per_image).toBeCloseTo(sum, 6);
  });

  it('stops when cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(runBenchmark(backbone, { count: 2, name: (i) => `${i}.png`, load: async (i) => wovenTexture(i + 1) }, { signal: controller.signal })).rejects.toThrow();
  });
});
