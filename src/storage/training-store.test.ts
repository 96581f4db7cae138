import { describe, expect, it } from 'vitest';
import type { EpochReport, StepReport } from '../engine/tocoad/trainer';
import type { TrainSettings } from '../engine/tocoad/settings';
import { MemoryStore } from './kv';
import { StorageError } from './errors';
import type { NewRun } from './training-store';
import { newRunId, TrainingStore } from './training-store';

const SETTINGS: TrainSettings = { stage1Epochs: 2, stage2Epochs: 1, stage1BatchSize: 2, batchSize: 2, microBatch: 1, lambda: 0.5, generator: 'perlin', imageSize: 64, seed: 0, stage1Lr: 1e-4, stage2Lr: 1e-3 };

function run(id = newRunId()): NewRun {
  return { id, backboneId: 'resnet50-imagenet', backboneLabel: 'ResNet50', dataset: 'bottle', settings: SETTINGS };
}

const images = (n: number, fill = 1) => Array.from({ length: n }, (_, i) => ({ name: `${String(i).padStart(3, '0')}.png`, data: new Uint8Array(10 + i).fill(fill + i).buffer }));
const parts = (fill: number, sizes = [8, 8, 3]) => sizes.map((n) => new Uint8Array(n).fill(fill).buffer);
const epoch = (stage: 1 | 2, e: number, loss: number): EpochReport => ({ stage, epoch: e, epochs: 2, steps: 1, lr: 1e-4, loss, seconds: 1 });
const step = (stage: 1 | 2, e: number, loss: number): StepReport => ({ stage, epoch: e, step: 1, steps: 1, loss, lr: 1e-4, seconds: 1 });
const bytesOf = (p: (Blob | ArrayBuffer)[] | null) => p!.flatMap((b) => [...new Uint8Array(b as ArrayBuffer)]);
const keysWith = async (kv: MemoryStore, prefix: string) => (await kv.keys()).filter((k) => k.startsWith(prefix)).sort();

describe('TrainingStore', () => {
  it('keeps one run: images first, then the record; a reload finds it with its images in order', async () => {
    const kv = new MemoryStore();
    const store = new TrainingStore(kv);
    expect(await store.current()).toBeNull();
    const r = run();
    const rec = await store.begin(r, images(3));
    expect(rec.status).toBe('running');
    expect(rec.checkpoint).toBeNull();
    expect(rec.images.map((i) => [i.name, i.bytes])).toEqual([['000.png', 10], ['001.png', 11], ['002.png', 12]]);

    const reloaded = new TrainingStore(kv);
    const found = await reloaded.current();
    expect(found?.id).toBe(r.id);
    const back = await reloaded.images(found!);
    expect(back.map((i) => i.name)).toEqual(['000.png', '001.png', '002.png']);
    expect([...new Uint8Array(back[2].data as ArrayBuffer)]).toEqual(new Array(12).fill(3));
  });

  it('a run stored before stage I had its own batch size reads back with stage I on the stored batch size', async () => {
    const kv = new MemoryStore();
    await new TrainingStore(kv).begin({ ...run(), settings: { ...SETTINGS, stage1BatchSize: 2, batchSize: 4 } }, images(1));
    const key = (await kv.keys()).find((k) => k === 'train:run')!;
    const stored = (await kv.get<{ settings: Record<string, unknown> }>(key))!;
    delete stored.settings.stage1BatchSize;
    await kv.set(key, stored);
    expect((await new TrainingStore(kv).current())!.settings).toMatchObject({ stage1BatchSize: 4, batchSize: 4 });
  });

  it('a checkpoint switches the record in one step and drops the previous parts; resume reads the last one', async () => {
    const kv = new MemoryStore();
    const store = new TrainingStore(kv);
    const r = run();
    await store.begin(r, images(2));
    await store.saveCheckpoint(r.id, parts(1), { stage: 1, epochsDone: 1 }, { history: [epoch(1, 1, 0.9)], steps: [step(1, 1, 0.9)] });
    const first = await keysWith(kv, 'trainckpt:');
    expect(first).toHaveLength(3);
    await store.saveCheckpoint(r.id, parts(2, [8, 4]), { stage: 2, epochsDone: 0 }, { history: [epoch(1, 1, 0.9), epoch(1, 2, 0.7)], steps: [step(1, 1, 0.9), step(1, 2, 0.7)] });
    const second = await keysWith(kv, 'trainckpt:');
    expect(second).toHaveLength(2);
    expect(second.some((k) => first.includes(k))).toBe(false);

    // After a reload: the resume record says where to continue, with the losses up to there and the bytes.
    const reloaded = new TrainingStore(kv);
    const rec = (await reloaded.current())!;
    expect(rec.status).toBe('running');
    expect(rec.checkpoint).toMatchObject({ stage: 2, epochsDone: 0, bytes: 12 });
    expect(rec.history.map((e) => e.loss)).toEqual([0.9, 0.7]);
    expect(rec.steps).toHaveLength(2);
    expect(bytesOf(await reloaded.checkpointParts(rec))).toEqual(new Array(12).fill(2));
  });

  it('a checkpoint whose record switch fails keeps the previous checkpoint and leaves no parts behind', async () => {
    const kv = new MemoryStore();
    const store = new TrainingStore(kv);
    const r = run();
    await store.begin(r, images(1));
    await store.saveCheckpoint(r.id, parts(1), { stage: 1, epochsDone: 1 }, { history: [epoch(1, 1, 0.9)], steps: [] });
    const before = await keysWith(kv, 'trainckpt:');
    // Writes: 3 parts, then the record switch, which fails.
    kv.failOn(4, new Error('disk error'));
    await expect(store.saveCheckpoint(r.id, parts(2), { stage: 1, epochsDone: 2 }, { history: [epoch(1, 1, 0.9), epoch(1, 2, 0.8)], steps: [] })).rejects.toThrow(
      /Could not save the training checkpoint: disk error\. Nothing was changed\./,
    );
    expect(await keysWith(kv, 'trainckpt:')).toEqual(before);
    const rec = (await store.current())!;
    expect(rec.checkpoint).toMatchObject({ stage: 1, epochsDone: 1 });
    expect(rec.history).toHaveLength(1);
    expect(bytesOf(await store.checkpointParts(rec))).toEqual(new Array(19).fill(1));
  });

  it('a crash between the parts and the switch: the old checkpoint stays valid and the orphans are swept on open', async () => {
    const kv = new MemoryStore();
    const store = new TrainingStore(kv);
    const r = run();
    await store.begin(r, images(1));
    await store.saveCheckpoint(r.id, parts(1), { stage: 1, epochsDone: 1 }, { history: [], steps: [] });
    const before = await keysWith(kv, 'trainckpt:');
    // The record switch fails and so does the clean-up (the page went away): the new parts stay behind.
    kv.failOn(4, new Error('page closed'));
    kv.failOn(5, new Error('page closed'));
    await expect(store.saveCheckpoint(r.id, parts(2), { stage: 1, epochsDone: 2 }, { history: [], steps: [] })).rejects.toBeInstanceOf(StorageError);
    expect(await keysWith(kv, 'trainckpt:')).toHaveLength(6);

    const reloaded = new TrainingStore(kv);
    const rec = (await reloaded.current())!;
    expect(await keysWith(kv, 'trainckpt:')).toEqual(before);
    expect(rec.checkpoint?.epochsDone).toBe(1);
    expect(bytesOf(await reloaded.checkpointParts(rec))).toEqual(new Array(19).fill(1));
  });

  it('quota: the message says how much was needed; nothing is kept', async () => {
    const kv = new MemoryStore();
    const store = new TrainingStore(kv, async () => ({ usage: 50 * 1024 * 1024, quota: 60 * 1024 * 1024 }));
    const r = run();
    await store.begin(r, images(1));
    kv.failOn(2, Object.assign(new Error('quota'), { name: 'QuotaExceededError' }));
    const err = await store.saveCheckpoint(r.id, [new ArrayBuffer(3 * 1024 * 1024), new ArrayBuffer(1024)], { stage: 1, epochsDone: 1 }, { history: [], steps: [] }).catch((e) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect(err.kind).toBe('quota');
    expect(err.message).toMatch(/Not enough storage to save the training checkpoint \(about 3\.0 MB\)\. This site already uses 50 MB of the 60 MB/);
    expect(await keysWith(kv, 'trainckpt:')).toEqual([]);
    expect((await store.current())!.checkpoint).toBeNull();
  });

  it('finish keeps the images and the result, drops the checkpoint; a new run replaces the old one; discard removes all', async () => {
    const kv = new MemoryStore();
    const store = new TrainingStore(kv);
    const a = run();
    await store.begin(a, images(2));
    await store.saveCheckpoint(a.id, parts(1), { stage: 2, epochsDone: 1 }, { history: [], steps: [] });
    const info = { id: 'resnet50-imagenet-tocoad-bottle', label: 'x', architecture: 'resnet50', weightsHash: 'h', byteSize: 1, sourceFile: 's', createdAt: 'now', warnings: [], tapChannels: [512, 1024] };
    const done = await store.finish(a.id, { backbone: info, seconds: 12, backend: 'wasm' }, { history: [epoch(2, 1, 0.3)], steps: [] });
    expect(done.status).toBe('done');
    expect(done.checkpoint).toBeNull();
    expect(await keysWith(kv, 'trainckpt:')).toEqual([]);
    expect(await keysWith(kv, 'trainimg:')).toHaveLength(2);
    expect((await new TrainingStore(kv).current())!.result!.backbone.id).toBe('resnet50-imagenet-tocoad-bottle');

    const b = run();
    await store.begin(b, images(1, 9));
    expect((await store.current())!.id).toBe(b.id);
    expect(await keysWith(kv, 'trainimg:')).toEqual([`trainimg:${b.id}:0`]);
    // A late checkpoint of the replaced run is refused and leaves nothing.
    await expect(store.saveCheckpoint(a.id, parts(3), { stage: 1, epochsDone: 1 }, { history: [], steps: [] })).rejects.toThrow(/discarded or replaced/);
    expect(await keysWith(kv, 'trainckpt:')).toEqual([]);

    await store.setStatus(b.id, 'stopped');
    expect((await store.current())!.status).toBe('stopped');
    await store.discard();
    expect(await store.current()).toBeNull();
    expect((await kv.keys()).filter((k) => k.startsWith('train'))).toEqual([]);
  });

  it('texture images are stored with the run, read back in order, kept by the sweep and removed with the run', async () => {
    const kv = new MemoryStore();
    const store = new TrainingStore(kv);
    const a = run();
    const rec = await store.begin(a, images(2), images(3, 50).map((t) => ({ ...t, name: `tex-${t.name}` })));
    expect(rec.textures!.map((t) => t.name)).toEqual(['tex-000.png', 'tex-001.png', 'tex-002.png']);
    const reloaded = new TrainingStore(kv);
    expect(await reloaded.sweep()).toBe(0);
    const found = (await reloaded.current())!;
    const textures = await reloaded.textures(found);
    expect(textures.map((t) => t.name)).toEqual(['tex-000.png', 'tex-001.png', 'tex-002.png']);
    expect([...new Uint8Array(textures[1].data as ArrayBuffer)]).toEqual(new Array(11).fill(51));
    expect((await reloaded.images(found)).map((i) => i.name)).toEqual(['000.png', '001.png']);
    expect(await keysWith(kv, 'trainimg:')).toHaveLength(5);
    // A run without textures reads none; replacing the run removes the old textures.
    const b = run();
    const plain = await store.begin(b, images(1));
    expect(plain.textures).toBeUndefined();
    expect(await store.textures(plain)).toEqual([]);
    expect(await keysWith(kv, 'trainimg:')).toEqual([`trainimg:${b.id}:0`]);
  });
});
