import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const cli = (...args: string[]) => run('npx', ['tsx', 'src/cli/main.ts', ...args], { cwd: join(__dirname, '..'), maxBuffer: 64 * 1024 * 1024 });
const DEFECTS = ['crack', 'dent', 'missing', 'scratch', 'stain'];

describe('CLI demo-data', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ai-demo-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes the demo set in MVTec AD layout, and PatchCore (ResNet50) separates its defects', async () => {
    const data = join(dir, 'demo');
    const gen = JSON.parse((await cli('demo-data', '--out', data, '--train', '8', '--test-good', '4', '--per-defect', '1')).stdout);
    expect(gen.train).toBe(8);
    expect(gen.test).toEqual({ good: 4, scratch: 1, crack: 1, stain: 1, missing: 1, dent: 1 });

    expect(readdirSync(join(data, 'train/good')).sort()).toEqual(['000.png', '001.png', '002.png', '003.png', '004.png', '005.png', '006.png', '007.png']);
    expect(readdirSync(join(data, 'test')).sort()).toEqual([...DEFECTS, 'good'].sort());
    expect(readdirSync(join(data, 'ground_truth')).sort()).toEqual(DEFECTS);
    for (const d of DEFECTS) {
      expect(readdirSync(join(data, 'test', d))).toEqual(['000.png']);
      const file = join(data, 'ground_truth', d, '000_mask.png');
      const meta = await sharp(file).metadata();
      expect([meta.width, meta.height, meta.channels]).toEqual([256, 256, 1]);
      const values = new Set(await sharp(file).extractChannel(0).raw().toBuffer());
      expect([...values].sort((a, b) => a - b)).toEqual([0, 255]);
    }
    expect(existsSync(join(data, 'ground_truth/good'))).toBe(false);
    const img = await sharp(join(data, 'test/good/000.png')).metadata();
    expect([img.width, img.height, img.channels]).toEqual([256, 256, 3]);

    const ev = JSON.parse((await cli('eval', '--data', data, '--quiet')).stdout);
    expect(ev.test_images).toBe(9);
    expect(ev.image_auroc).toBeGreaterThanOrEqual(0.9);
    expect(ev.pixel_auroc).toBeGreaterThanOrEqual(0.85);
  }, 120_000);

  it('explains bad arguments', async () => {
    try {
      await cli('demo-data', '--out', join(dir, 'x'), '--train', '0');
      throw new Error('expected demo-data --train 0 to fail');
    } catch (e) {
      expect((e as { stderr: string }).stderr).toMatch(/--train must be an integer in \[1, /);
    }
  });
});
