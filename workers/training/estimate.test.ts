import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Progress } from '../../src/engine/progress';
import { estimateTraining } from '../../src/engine/tocoad/estimate';
import { DEFAULT_TRAIN_SETTINGS } from '../../src/engine/tocoad/settings';
import { memorySource, tinyBackboneFiles } from '../../src/engine/tocoad/testing';
import { decodeImage } from '../../src/node/decode';
import { initNodeBackend } from '../../src/node/tf-backend';
import type { FileBytes, TrainSettings } from '../../src/worker-bridge/protocol';
import { MEASURING, runEstimate } from './estimate';

let files: FileBytes[];

const host = {
  baseSource: async () => ({ source: memorySource(tinyBackboneFiles()), where: 'tiny-wrn', bundled: false }),
  backend: () => 'wasm' as const,
  decode: (f: FileBytes) => decodeImage(new Uint8Array(f.bytes), f.name),
};

const SETTINGS: TrainSettings = { ...DEFAULT_TRAIN_SETTINGS, imageSize: 32, batchSize: 4, microBatch: 1, stage1Epochs: 3, stage2Epochs: 2 };

beforeAll(async () => {
  await initNodeBackend('wasm');
  files = await Promise.all(
    [0, 1, 2].map(async (k) => {
      const raw = Buffer.alloc(40 * 40 * 3);
      for (let i = 0; i < raw.length; i++) raw[i] = (i * (7 + k)) % 251;
      const png = await sharp(raw, { raw: { width: 40, height: 40, channels: 3 } }).png().toBuffer();
      return { name: `${k}.png`, bytes: png.buffer.slice(png.byteOffset, png.byteOffset + png.byteLength) as ArrayBuffer };
    }),
  );
});

describe("'train-estimate' on the real trainer (tiny backbone)", () => {
  it('measures every part of a run from the trainer\'s own hooks, with progress, and multiplies out', async () => {
    const seen: Progress[] = [];
    const r = await runEstimate({ settings: SETTINGS, backboneId: 'tiny-wrn', files: files.slice(0, 1) }, new AbortController().signal, (p) => seen.push(p), host);
    const c = r.calibration;
    expect(r.backend).toBe('wasm');
    for (const v of [c.load, c.preparePerImage, c.setup, c.save]) expect(Number.isFinite(v) && v >= 0).toBe(true);
    for (const t of [c.stage1!, c.stage2!]) {
      expect(t.firstMicroBatch).toBeGreaterThan(0);
      expect(t.microBatch).toBeGreaterThan(0);
      expect(t.optimizerStep).toBeGreaterThanOrEqual(0);
      expect(t.checkpoint).toBeGreaterThan(0);
    }
    expect(seen.every((p) => p.stage === MEASURING)).toBe(true);
    expect(seen.at(-1)).toMatchObject({ done: seen.at(-1)!.total, fraction: 1 });
    expect(seen.map((p) => p.done)).toEqual([...Array(seen.length).keys()]);
    const e = estimateTraining(c, { images: 10, stage1BatchSize: 4, batchSize: 4, microBatch: 1, stage1Epochs: 3, stage2Epochs: 2 });
    expect(e.stage1).toMatchObject({ epochs: 3, steps: 3, microBatchesPerEpoch: 10 });
    expect(e.total).toBeGreaterThan(r.seconds);
  });

  it('measures only the stages that train, and stops when cancelled', async () => {
    const r = await runEstimate({ settings: { ...SETTINGS, stage2Epochs: 0 }, backboneId: 'tiny-wrn', files }, new AbortController().signal, () => undefined, host);
    expect(r.calibration.stage1).not.toBeNull();
    expect(r.calibration.stage2).toBeNull();
    const controller = new AbortController();
    const running = runEstimate({ settings: SETTINGS, backboneId: 'tiny-wrn', files }, controller.signal, (p) => p.done === 3 && controller.abort(), host);
    await expect(running).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('names a file that is not an image', async () => {
    const bad = { name: 'notes.pdf', bytes: new TextEncoder().encode('%PDF-1.4').buffer as ArrayBuffer };
    await expect(runEstimate({ settings: SETTINGS, backboneId: 'tiny-wrn', files: [bad] }, new AbortController().signal, () => undefined, host)).rejects.toThrow(/notes\.pdf: /);
  });
});
