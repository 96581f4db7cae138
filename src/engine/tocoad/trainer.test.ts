import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../tf';
import { loadBackbone } from '../backbones/backbone';
import type { NamedTensors } from '../backbones/named-tensors';
import type { TrainableSource } from '../backbones/trainable';
import type { RgbImage } from '../image/types';
import { initNodeBackend } from '../../node/tf-backend';
import { decodeCheckpoint, encodeCheckpoint } from './checkpoint';
import { packFineTuned } from './export';
import { Rng } from './rng';
import { memorySource, tinyBackbone } from './testing';
import type { SyntheticSample } from './generator';
import type { EpochReport, ToCoADOptions } from './trainer';
import { PauseGate, trainToCoAD } from './trainer';

let base: TrainableSource;

beforeAll(async () => {
  await initNodeBackend('wasm');
  base = await tinyBackbone();
});

function images(count: number, size = 40): { count: number; name: (i: number) => string; load: (i: number) => Promise<RgbImage> } {
  const list = Array.from({ length: count }, (_, k) => {
    const rng = new Rng(100 + k);
    const data = new Uint8Array(size * size * 3);
    for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) for (let c = 0; c < 3; c++) data[(y * size + x) * 3 + c] = (x * 5 + y * 3 + c * 60 + rng.int(0, 30)) % 256;
    return { width: size, height: size, data };
  });
  return { count, name: (i) => `img${i}.png`, load: async (i) => list[i] };
}

const SMALL: Partial<ToCoADOptions> = {
  imageSize: 32,
  stage1BatchSize: 2,
  batchSize: 2,
  microBatch: 1,
  stage1Epochs: 2,
  stage2Epochs: 2,
  stage1Lr: 1e-3,
  stage2Lr: 1e-2,
  decoderWidth: 16,
  projectorDim: 16,
  predictorDim: 8,
  seed: 3,
};

function maxDiff(a: NamedTensors, b: NamedTensors): number {
  let d = 0;
  for (const [name, t] of a) {
    const u = b.get(name)!.data;
    for (let i = 0; i < t.data.length; i++) d = Math.max(d, Math.abs(t.data[i] - u[i]));
  }
  return d;
}

describe('trainToCoAD on a tiny backbone', () => {
  it('trains both stages, reports finite losses per epoch, changes only the trained stages, and exports a loadable model', async () => {
    const epochs: EpochReport[] = [];
    const stages = new Set<string>();
    const before = tf.memory().numTensors;
    const res = await trainToCoAD(base, images(4), SMALL, { onEpoch: (e) => epochs.push(e), onProgress: (p) => stages.add(p.stage) });
    expect(tf.memory().numTensors).toBe(before);
    expect(epochs.map((e) => `${e.stage}:${e.epoch}`)).toEqual(['1:1', '1:2', '2:1', '2:2']);
    for (const e of epochs) expect(Number.isFinite(e.loss)).toBe(true);
    for (const e of epochs.filter((x) => x.stage === 2)) {
      expect(e.loss).toBeCloseTo(0.5 * e.lossSym! + 0.5 * e.lossNeg!, 5);
      expect(e.lossSym!).toBeGreaterThanOrEqual(-1);
    }
    expect([...stages]).toEqual(['prepare', 'stage I', 'stage II']);
    const src = new Map([...base.main, ...base.extra]);
    const changed = (name: string) => res.tensors.get(name)!.data.some((v, i) => v !== src.get(name)!.data[i]);
    expect(changed('conv1.weight')).toBe(false);
    expect(changed('layer1.0.conv1.weight')).toBe(false);
    expect(changed('layer2.0.conv2.weight')).toBe(true);
    expect(changed('layer4.1.bn3.weight')).toBe(true);
    expect(changed('layer3.0.bn1.running_var')).toBe(false);

    const { manifest, files } = packFineTuned(base, res.tensors, { id: 'tiny-tocoad', label: 'tiny + ToCoAD', fineTuned: { from: base.spec.id } });
    expect(manifest.spec!.id).toBe('tiny-tocoad');
    const loaded = await loadBackbone(memorySource(files), 'out');
    const original = await loadBackbone(memorySource((await import('./testing')).tinyBackboneFiles()), 'in');
    expect(loaded.weightsHash).not.toBe(original.weightsHash);
    const x = tf.randomUniform([1, 32, 32, 3], 0, 255) as tf.Tensor4D;
    const a = loaded.features(x).layer3!;
    const b = original.features(x).layer3!;
    expect(a.shape).toEqual(b.shape);
    expect(tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]).toBeGreaterThan(0);
    tf.dispose([x, a, b]);
    loaded.dispose();
    original.dispose();
  });

  it('is deterministic for a seed, and a resumed run equals an uninterrupted one', async () => {
    const checkpoints: { bytes: Uint8Array; stage: number; epochsDone: number }[] = [];
    const full = await trainToCoAD(base, images(3), SMALL, { onCheckpoint: (bytes, at) => void checkpoints.push({ bytes, ...at }) });
    const again = await trainToCoAD(base, images(3), SMALL);
    expect(maxDiff(full.tensors, again.tensors)).toBe(0);
    expect(checkpoints.map((c) => `${c.stage}:${c.epochsDone}`)).toEqual(['1:1', '2:0', '2:1', '2:2']);
    // Resume from the middle of stage I and from the middle of stage II.
    for (const at of [checkpoints[0], checkpoints[2]]) {
      const meta = decodeCheckpoint(at.bytes).meta;
      expect(meta.baseWeightsHash).toBe(base.weightsHash);
      const resumed = await trainToCoAD(base, images(3), {}, {}, { resume: at.bytes });
      expect(maxDiff(full.tensors, resumed.tensors)).toBe(0);
      expect(resumed.history.map((e) => e.loss)).toEqual(full.history.map((e) => e.loss));
    }
    const other = await trainToCoAD(base, images(3), { ...SMALL, seed: 4 });
    expect(maxDiff(full.tensors, other.tensors)).toBeGreaterThan(0);
  });

  it('reruns stage II with other settings from the end-of-stage-I checkpoint, and refuses other changes', async () => {
    const cps = new Map<string, Uint8Array>();
    const opts = { ...SMALL, stage1Epochs: 1, stage2Epochs: 1 };
    const full = await trainToCoAD(base, images(2), opts, { onCheckpoint: (b, at) => void cps.set(`${at.stage}:${at.epochsDone}`, b) });
    const same = await trainToCoAD(base, images(2), {}, {}, { resume: cps.get('2:0'), override: { stage2Lr: opts.stage2Lr } });
    expect(maxDiff(full.tensors, same.tensors)).toBe(0);
    const faster = await trainToCoAD(base, images(2), {}, {}, { resume: cps.get('2:0'), override: { stage2Lr: 0.1, extractor: { trainFrom: 'layer3', bnAffine: false } } });
    expect(faster.options.stage2Lr).toBe(0.1);
    expect(maxDiff(full.tensors, faster.tensors)).toBeGreaterThan(0);
    expect(faster.tensors.get('layer2.0.conv1.weight')!.data).toEqual(base.main.get('layer2.0.conv1.weight')!.data);
    await expect(trainToCoAD(base, images(2), {}, {}, { resume: cps.get('2:0'), override: { stage1Lr: 0.5 } })).rejects.toThrow(/cannot be changed/);
    await expect(trainToCoAD(base, images(2), {}, {}, { resume: cps.get('2:1'), override: { stage2Lr: 0.5 } })).rejects.toThrow(/end of stage I/);
  });

  it('steps each stage with its own batch size; a checkpoint from before stage I had one resumes on the stage II batch', async () => {
    const steps: string[] = [];
    await trainToCoAD(base, images(3), { ...SMALL, stage1BatchSize: 1, batchSize: 2, stage1Epochs: 1, stage2Epochs: 1 }, { onStep: (r) => steps.push(`${r.stage}:${r.step}/${r.steps}`) });
    expect(steps).toEqual(['1:1/3', '1:2/3', '1:3/3', '2:1/2', '2:2/2']);

    const cps = new Map<string, Uint8Array>();
    const full = await trainToCoAD(base, images(3), SMALL, { onCheckpoint: (b, at) => void cps.set(`${at.stage}:${at.epochsDone}`, b) });
    const { meta, tensors } = decodeCheckpoint(cps.get('1:1')!);
    delete (meta.state.options as Partial<ToCoADOptions>).stage1BatchSize;
    const resumed = await trainToCoAD(base, images(3), {}, {}, { resume: encodeCheckpoint(meta, tensors) });
    expect(resumed.options.stage1BatchSize).toBe(SMALL.batchSize);
    expect(maxDiff(full.tensors, resumed.tensors)).toBe(0);
  });

  it('accumulating micro-batches gives the full-batch gradient', async () => {
    const a = await trainToCoAD(base, images(4), { ...SMALL, microBatch: 1, stage1Epochs: 1, stage2Epochs: 1 });
    const b = await trainToCoAD(base, images(4), { ...SMALL, microBatch: 2, stage1Epochs: 1, stage2Epochs: 1 });
    expect(maxDiff(a.tensors, b.tensors)).toBeLessThan(1e-5);
  });

  it('stops on abort and waits while paused', async () => {
    const controller = new AbortController();
    let steps = 0;
    await expect(
      trainToCoAD(base, images(4), SMALL, {
        signal: controller.signal,
        onStep: () => {
          if (++steps === 2) controller.abort();
        },
      }),
    ).rejects.toThrow(/cancelled/);
    expect(steps).toBe(2);

    const gate = new PauseGate();
    gate.pause();
    let ran = 0;
    const run = trainToCoAD(base, images(2), { ...SMALL, stage2Epochs: 0, stage1Epochs: 1 }, { gate, onStep: () => ran++ });
    await new Promise((r) => setTimeout(r, 300));
    expect(ran).toBe(0);
    gate.resume();
    await run;
    expect(ran).toBe(1);
    // The time spent paused is counted, so the ETA's clock can leave it out.
    expect(gate.waited).toBeGreaterThanOrEqual(250);
  });

  it('shows the synthetic anomalies of each stage\'s first images, as the trainer draws them', async () => {
    const shown: { stage: number; epoch: number; names: string[]; masks: number[] }[] = [];
    const first: Record<number, SyntheticSample[]> = {};
    await trainToCoAD(base, images(4), { ...SMALL, stage1Epochs: 1, stage2Epochs: 1 }, {
      sampleCount: 3,
      onSamples: (s) => {
        shown.push({ stage: s.stage, epoch: s.epoch, names: s.samples.map((x) => x.name), masks: s.samples.map((x) => x.sample.mask.reduce((a, v) => a + v, 0)) });
        first[s.stage] = s.samples.map((x) => x.sample);
      },
    });
    expect(shown.map((s) => `${s.stage}:${s.epoch}:${s.names.length}`)).toEqual(['1:1:3', '2:1:3']);
    // At the training size (the 40 px images are resized and cropped to 32 px first).
    expect(first[1][0].image.width).toBe(32);
    expect(first[1][0].mask.length).toBe(32 * 32);
    for (const s of shown) for (const name of s.names) expect(name).toMatch(/^img[0-3]\.png$/);
    // Resuming from the end of stage I shows the stage II samples again, identical.
    const cps = new Map<string, Uint8Array>();
    await trainToCoAD(base, images(4), { ...SMALL, stage1Epochs: 1, stage2Epochs: 1 }, { onCheckpoint: (b, at) => void cps.set(`${at.stage}:${at.epochsDone}`, b) });
    let again: SyntheticSample[] = [];
    await trainToCoAD(base, images(4), {}, { sampleCount: 3, onSamples: (s) => (again = s.samples.map((x) => x.sample)) }, { resume: cps.get('2:0') });
    expect(again.map((x) => [...x.mask])).toEqual(first[2].map((x) => [...x.mask]));
    expect(again.map((x) => [...x.image.data])).toEqual(first[2].map((x) => [...x.image.data]));
  });

  it('refuses stage II without layer4 and a checkpoint from other weights', async () => {
    const noLayer4: TrainableSource = { ...base, stageCount: 3 };
    await expect(trainToCoAD(noLayer4, images(2), SMALL)).rejects.toThrow(/layer4/);
    let bytes: Uint8Array | null = null;
    await trainToCoAD(base, images(2), { ...SMALL, stage1Epochs: 1, stage2Epochs: 0 }, { onCheckpoint: (b) => void (bytes = b) });
    await expect(trainToCoAD({ ...base, weightsHash: 'f'.repeat(64) }, images(2), {}, {}, { resume: bytes! })).rejects.toThrow(/checkpoint was made from/);
  });
});
