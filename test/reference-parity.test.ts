import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/**
 * Accuracy against the peer implementation (patchcore-inspection, same ResNet50 weights) on real
 * data: ../shared/datasets/REFERENCE.md gives glass image AUROC 1.0000 and pixel AUROC 0.9017 at
 * coreset ratio 0.1. The issue asks for parity within 1.0 AUROC point. Needs ../shared/datasets.
 */
const datasets = resolve(__dirname, '..', '..', 'shared', 'datasets');
const glass = join(datasets, 'glass');
const run = promisify(execFile);

describe.skipIf(!existsSync(glass))(`reference parity on real data${existsSync(glass) ? '' : ` [skipped: ${glass} not found]`}`, () => {
  it('glass: image and pixel AUROC within 1 point of the peer', async () => {
    const { stdout } = await run('npx', ['tsx', 'src/cli/main.ts', 'eval', '--data', glass, '--quiet'], { cwd: resolve(__dirname, '..'), maxBuffer: 16 << 20 });
    const out = JSON.parse(stdout);
    expect(out.bank_size).toBe(1411);
    expect(Math.abs(out.image_auroc - 1.0)).toBeLessThanOrEqual(0.01);
    expect(Math.abs(out.pixel_auroc - 0.9017)).toBeLessThanOrEqual(0.01);
  }, 600_000);
});
