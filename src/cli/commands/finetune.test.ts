// End-to-end within the CI budget: `finetune` trains both ToCoAD stages on a few small images made here (bundled
// ResNet50, 64 px, one epoch per stage) and writes a backbone folder that `eval --backbone` loads and scores with.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const tsx = join(root, 'node_modules', '.bin', 'tsx');
const tmp = mkdtempSync(join(tmpdir(), 'finetune-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A 96x96 "part": a smooth gradient with fine noise; `defect` paints a dark blob and returns its mask. */
async function writeImage(path: string, seed: number, defect = false, maskPath?: string): Promise<void> {
  const size = 96;
  const rgb = Buffer.alloc(size * size * 3);
  const mask = Buffer.alloc(size * size);
  let s = seed;
  const rand = () => ((s = (Math.imul(s, 1103515245) + 12345) >>> 0) >>> 24) / 255;
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) {
      const inBlob = defect && (x - 60) ** 2 + (y - 40) ** 2 < 100;
      for (let c = 0; c < 3; c++) rgb[(y * size + x) * 3 + c] = inBlob ? 20 : 90 + x + c * 10 + Math.round(rand() * 12);
      if (inBlob) mask[y * size + x] = 255;
    }
  mkdirSync(dirname(path), { recursive: true });
  await sharp(rgb, { raw: { width: size, height: size, channels: 3 } }).png().toFile(path);
  if (maskPath) {
    mkdirSync(dirname(maskPath), { recursive: true });
    await sharp(mask, { raw: { width: size, height: size, channels: 1 } }).png().toFile(maskPath);
  }
}

describe('npm run cli -- finetune', () => {
  it('trains both stages end to end and writes a model that eval loads', async () => {
    const data = join(tmp, 'parts');
    for (let i = 0; i < 4; i++) await writeImage(join(data, 'train', 'good', `${i}.png`), 10 + i);
    for (let i = 0; i < 2; i++) await writeImage(join(data, 'test', 'good', `${i}.png`), 20 + i);
    for (let i = 0; i < 2; i++) await writeImage(join(data, 'test', 'blob', `${i}.png`), 30 + i, true, join(data, 'ground_truth', 'blob', `${i}_mask.png`));
    const out = join(tmp, 'model');
    const ft = await run(
      tsx,
      ['src/cli/main.ts', 'finetune', '--data', data, '--out', out, '--image-size', '64', '--stage1-epochs', '1', '--stage2-epochs', '1', '--batch', '2', '--micro-batch', '2', '--seed', '1', '--no-compare', '--quiet'],
      { cwd: root, maxBuffer: 64 * 1024 * 1024 },
    );
    const events = ft.stdout.trim().split('\n').map((l) => JSON.parse(l));
    const epochs = events.filter((e) => e.event === 'epoch');
    expect(epochs.map((e) => e.stage)).toEqual([1, 2]);
    for (const e of epochs) expect(Number.isFinite(e.loss)).toBe(true);
    expect(Number.isFinite(epochs[1].lossSym) && Number.isFinite(epochs[1].lossNeg)).toBe(true);
    expect(events.filter((e) => e.event === 'step').length).toBe(4);
    const saved = events.find((e) => e.event === 'saved');
    expect(saved.weightsHash).not.toBe(saved.baseWeightsHash);

    const manifest = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
    expect(manifest.weightNaming).toBe('keras');
    expect(manifest.spec.id).toBe('resnet50-imagenet-tocoad-parts');
    expect(manifest.fineTuned.from.id).toBe('resnet50-imagenet');
    expect(manifest.fineTuned.options.imageSize).toBe(64);
    expect(manifest.fineTuned.finalLosses.stage2.lossNeg).toBeCloseTo(epochs[1].lossNeg, 6);
    expect(existsSync(join(out, 'extra-weights-01-of-15.bin'))).toBe(true);

    const ev = await run(tsx, ['src/cli/main.ts', 'eval', '--data', data, '--backbone', out, '--json', join(tmp, 'eval.json'), '--quiet', '--threads', '1'], { cwd: root, maxBuffer: 64 * 1024 * 1024 });
    const result = JSON.parse(readFileSync(join(tmp, 'eval.json'), 'utf8'));
    expect(ev.stderr).toMatch(/image AUROC/);
    expect(result.backbone).toBe('resnet50-imagenet-tocoad-parts');
    expect(result.test_images).toBe(4);
    expect(result.image_auroc).toBeGreaterThanOrEqual(0);
    expect(result.pixel_auroc).toBeGreaterThan(0.5);
  });
});
