/**
 * Stores written by the current version still load: IndexedDB is seeded with raw `indexedDB` calls (not the app's
 * code) in today's on-disk shape (database `anomaly-inspector`, object store `kv`) before the app opens it: two
 * profiles (a float32 and a float16 bank), a converted backbone (the reduced-width WRN fixture, converted here in
 * Node exactly as the worker converts a dropped file) and a stopped training run with images, a texture and a
 * checkpoint, plus one orphan of every part family. The app must list them, export them bit for bit, score with a
 * seeded profile, offer the run, keep every part a record uses and sweep only the orphans.
 */
import { expect, test } from '@playwright/test';
import type { Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hashTensors } from '../src/engine/backbones/backbone';
import { RESNET50_IMAGENET } from '../src/engine/backbones/spec';
import { float32ToFloat16, memorySource, parseManifest, readWeights } from '../src/engine/backbones/weights-file';
import { convertCheckpoint, readSafetensors } from '../src/engine/convert';
import { createProfile, readProfile } from '../src/engine/profile/profile';
import { roundTo } from '../src/engine/profile/stored-bank';
import { folderSource } from '../src/node/file-source';
import { chooseBackend, profileNames, profileRow, scoreImage, selectProfile } from './support';

const FIXTURES = join(process.cwd(), 'test', 'fixtures', 'wrn');
const INPUT = join(FIXTURES, 'input.png');
const BUNDLED = join(process.cwd(), 'public', 'models', RESNET50_IMAGENET.id);

/** A binary value as it goes into the page: rebuilt there as the type the app stores. */
type Bytes = { $bytes: string; as: 'arraybuffer' | 'uint8array' | 'blob' | 'file'; name?: string };
const bytes = (b: Uint8Array, as: Bytes['as'], name?: string): Bytes => ({ $bytes: Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64'), as, name });

function random(n: number, seed: number): Float32Array {
  let s = seed;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = ((s = (s * 1103515245 + 12345) >>> 0) / 2 ** 32) * 2;
  return out;
}

/** Writes `entries` into the app's database in one transaction (creating it as idb-keyval does). */
async function seed(page: Page, entries: [string, unknown][]): Promise<void> {
  await page.evaluate(async (entries) => {
    const revive = (v: unknown): unknown => {
      if (Array.isArray(v)) return v.map(revive);
      if (!v || typeof v !== 'object') return v;
      const b = v as { $bytes?: string; as?: string; name?: string };
      if (typeof b.$bytes === 'string') {
        const bin = atob(b.$bytes);
        const u8 = new Uint8Array(bin.length);
        for (let i = 0; i < bin.length; i++) u8[i] = bin.charCodeAt(i);
        if (b.as === 'arraybuffer') return u8.buffer;
        if (b.as === 'blob') return new Blob([u8]);
        if (b.as === 'file') return new File([u8], b.name ?? 'file', { type: 'image/png' });
        return u8;
      }
      return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, revive(x)]));
    };
    const db = await new Promise<IDBDatabase>((resolve, reject) => {
      const open = indexedDB.open('anomaly-inspector');
      open.onupgradeneeded = () => open.result.createObjectStore('kv');
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    await new Promise<void>((resolve, reject) => {
      const tx = db.transaction('kv', 'readwrite');
      for (const [k, v] of entries) tx.objectStore('kv').put(revive(v), k);
      tx.oncomplete = () => resolve();
      tx.onerror = () => reject(tx.error);
    });
    db.close();
  }, entries);
}

async function storedKeys(page: Page): Promise<string[]> {
  return page.evaluate(
    () =>
      new Promise<string[]>((resolve, reject) => {
        const open = indexedDB.open('anomaly-inspector');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const req = open.result.transaction('kv', 'readonly').objectStore('kv').getAllKeys();
          req.onsuccess = () => {
            open.result.close();
            resolve(req.result.map(String).sort());
          };
          req.onerror = () => reject(req.error);
        };
      }),
  );
}

test('profiles, a backbone and a training run stored by the current version load, export, score and are swept right', async ({ page }) => {
  test.setTimeout(120_000);
  page.on('pageerror', (e) => console.log(`[pageerror] ${e.message}`));

  // The bundled ResNet50's weights hash, as the worker computes it and records it in the profiles it builds.
  const bundled = parseManifest(readFileSync(join(BUNDLED, 'model.json'), 'utf8'), BUNDLED);
  const bundledHash = await hashTensors(await readWeights(bundled, folderSource(BUNDLED), BUNDLED));

  // Two profiles on the bundled backbone, stored as ProfileStore stores them: profile:<id> -> { meta, bankKey }, bank:<id>:<revision> -> StoredBank.
  const profile = (name: string, size: number, dtype: 'float32' | 'float16', at: string, seedValue: number) => {
    const data = random(size * 1024, seedValue);
    const { meta } = createProfile({
      name,
      spec: RESNET50_IMAGENET,
      weightsHash: bundledHash,
      bank: { data, size, dim: 1024, imageCount: 5, patchCount: 5 * 784, skipped: 0 },
      coreset: { ratio: 0.1, seed: 0 },
      calibrationScores: [1, 2, 3],
      threshold: { value: 2.5, method: 'max' },
      dtype,
      appVersion: '0.1.0',
      now: new Date(at),
    });
    const stored = dtype === 'float16' ? float32ToFloat16(data) : data;
    const bankKey = `bank:${meta.id}:m3x0k2a71q9z`;
    const entries: [string, unknown][] = [
      [`profile:${meta.id}`, { meta, bankKey }],
      [bankKey, { dtype, size, dim: 1024, bytes: bytes(new Uint8Array(stored.buffer), 'arraybuffer') }],
    ];
    return { meta, data, entries };
  };
  const p32 = profile('seeded float32', 12, 'float32', '2026-01-01T00:00:00.000Z', 1);
  const p16 = profile('seeded float16', 7, 'float16', '2026-01-02T00:00:00.000Z', 2);

  // A converted backbone, stored as BackboneStore stores it: backbone:<id> -> { info, files }, bbfile:<id>:<revision>:<path> -> Uint8Array.
  const converted = convertCheckpoint(new Uint8Array(readFileSync(join(FIXTURES, 'wrn.pth'))), 'seeded.pth', { id: 'wide_resnet50_2-seeded', label: 'Seeded WRN' });
  const spec = converted.manifest.spec!;
  const bbHash = await hashTensors(await readWeights(converted.manifest, memorySource(converted.files), 'seeded.pth'));
  const bbRev = 'm3x0k3b82r0a';
  const bbFiles = Object.fromEntries(converted.files.map((f) => [f.path, `bbfile:${spec.id}:${bbRev}:${f.path}`]));
  const bbInfo = {
    id: spec.id,
    label: spec.label,
    architecture: converted.manifest.architecture,
    weightsHash: bbHash,
    byteSize: converted.files.reduce((n, f) => n + f.bytes.byteLength, 0),
    sourceFile: 'seeded.pth',
    createdAt: '2026-01-03T00:00:00.000Z',
    warnings: ['its layer2/layer3 have 32 + 64 channels; PatchCore needs 512 + 1024'],
    tapChannels: spec.taps.map((t) => t.channels),
  };

  // A stopped training run, stored as TrainingStore stores it: train:run -> record, trainimg:<run>:<i> and
  // trainimg:<run>:texture:<i> -> the image File, trainckpt:<run>:<revision>:<k> -> a checkpoint part Blob.
  const png = new Uint8Array(readFileSync(INPUT));
  const runId = 'run-m3x0k4c93s1b';
  const ckptKeys = [0, 1].map((k) => `trainckpt:${runId}:m3x0k5d04t2c:${k}`);
  const run = {
    version: 1,
    id: runId,
    createdAt: '2026-01-04T00:00:00.000Z',
    updatedAt: '2026-01-04T00:05:00.000Z',
    backboneId: RESNET50_IMAGENET.id,
    backboneLabel: RESNET50_IMAGENET.label,
    dataset: 'seeded-bottle',
    settings: { stage1Epochs: 2, stage2Epochs: 1, batchSize: 2, microBatch: 1, lambda: 0.5, generator: 'perlin', imageSize: 64, seed: 0, stage1Lr: 1e-3, stage2Lr: 1e-2 },
    images: [0, 1].map((i) => ({ name: `00${i}.png`, key: `trainimg:${runId}:${i}`, bytes: png.byteLength })),
    textures: [{ name: 'texture.png', key: `trainimg:${runId}:texture:0`, bytes: png.byteLength }],
    history: [{ stage: 1, epoch: 1, epochs: 2, steps: 1, lr: 1e-3, loss: 0.8, seconds: 3 }],
    steps: [{ stage: 1, epoch: 1, step: 1, steps: 1, loss: 0.8, lr: 1e-3, seconds: 3 }],
    checkpoint: { keys: ckptKeys, bytes: 24, stage: 1, epochsDone: 1, at: '2026-01-04T00:05:00.000Z' },
    status: 'stopped',
  };

  const orphans = [`bank:${p32.meta.id}:orphan`, `bbfile:${spec.id}:orphan:model.json`, 'trainimg:run-gone:0', `trainckpt:${runId}:orphan:0`];
  const entries: [string, unknown][] = [
    ['schema', { version: 1 }],
    ...p32.entries,
    ...p16.entries,
    [`backbone:${spec.id}`, { info: bbInfo, files: bbFiles }],
    ...converted.files.map((f): [string, unknown] => [bbFiles[f.path], bytes(f.bytes, 'uint8array')]),
    ['train:run', run],
    ...run.images.map((im): [string, unknown] => [im.key, bytes(png, 'file', im.name)]),
    [run.textures[0].key, bytes(png, 'file', 'texture.png')],
    ...ckptKeys.map((k, i): [string, unknown] => [k, bytes(new Uint8Array(12).fill(i + 1), 'blob')]),
    ...orphans.map((k): [string, unknown] => [k, bytes(new Uint8Array([1, 2, 3]), k.startsWith('bbfile:') ? 'uint8array' : 'blob')]),
  ];
  const kept = entries.map(([k]) => k).filter((k) => !orphans.includes(k));

  // Seeded from a page of the app's origin that does not run the app, so no store is open meanwhile.
  await page.goto('/models/resnet50-imagenet/model.json');
  await seed(page, entries);
  expect(await storedKeys(page)).toEqual(entries.map(([k]) => k).sort());

  await page.goto('/#/inspect');
  await chooseBackend(page, 'wasm');

  // Listed, oldest first; the backbone too, with its facts.
  expect(await profileNames(page)).toEqual([`${p32.meta.id}:seeded float32`, `${p16.meta.id}:seeded float16`]);
  await page.getByTestId('nav-advanced').click();
  const bbRow = page.locator(`[data-testid="backbone-item"][data-backbone-id="${spec.id}"]`);
  await expect(bbRow).toBeVisible();
  await expect(bbRow.getByTestId('backbone-label')).toHaveText('Seeded WRN');
  await expect(bbRow).toContainText(`weights ${bbHash.slice(0, 12)}`);
  await expect(bbRow).toContainText('from seeded.pth');
  await page.getByTestId('nav-home').click();

  // Each profile exports as it was stored: the same meta and the same bank values.
  for (const p of [p32, p16]) {
    const [download] = await Promise.all([page.waitForEvent('download'), profileRow(page, p.meta.name).getByTestId('export-button').click()]);
    const back = readProfile(new Uint8Array(readFileSync((await download.path())!)), download.suggestedFilename());
    expect(back.meta).toEqual(p.meta);
    const want = roundTo(p.data, p.meta.bank.dtype);
    expect(back.bank.length).toBe(want.length);
    expect(Buffer.from(back.bank.buffer, back.bank.byteOffset, back.bank.byteLength).equals(Buffer.from(want.buffer)), `bank of ${p.meta.name}`).toBe(true);
  }

  // The backbone's files are read back: its export carries the seeded weights hash (recomputed from the files).
  await page.getByTestId('nav-advanced').click();
  const [bbDownload] = await Promise.all([page.waitForEvent('download'), bbRow.getByTestId('backbone-export').click()]);
  expect(bbDownload.suggestedFilename()).toBe(`${spec.id}.safetensors`);
  const exported = readSafetensors(new Uint8Array(readFileSync((await bbDownload.path())!)), 'export');
  expect(exported.metadata.weightsHash).toBe(bbHash);
  expect(exported.metadata.sourceWeightsHash).toBeUndefined();

  // A seeded profile scores an image.
  await selectProfile(page, 'seeded float32');
  const scored = await scoreImage(page, INPUT);
  expect(scored.backend).toBe('wasm');
  expect(Number.isFinite(scored.score) && scored.score > 0, `score ${scored.score}`).toBe(true);

  // The run is offered with its checkpoint.
  await page.getByTestId('nav-train').click();
  await expect(page.getByTestId('train-view')).toHaveAttribute('data-loaded', 'true');
  const stored = page.getByTestId('train-stored-run');
  await expect(stored).toHaveAttribute('data-status', 'stopped');
  await expect(stored).toHaveAttribute('data-checkpoint', '1:1');
  await expect(stored).toContainText('2 images from "seeded-bottle"');

  // Opening swept the orphans of every family and kept every part a record uses.
  expect(await storedKeys(page)).toEqual(kept.sort());

  // Discarding the run removes its record and parts, nothing else.
  await page.getByTestId('train-run-discard').click();
  await expect(stored).toHaveCount(0);
  await expect.poll(() => storedKeys(page)).toEqual(kept.filter((k) => !k.startsWith('train')).sort());
});
