import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readProfile } from '../src/engine/profile/profile';
import { writeSyntheticDataset } from './synthetic-dataset';

const run = promisify(execFile);
const cli = (...args: string[]) => run('npx', ['tsx', 'src/cli/main.ts', ...args], { cwd: join(__dirname, '..'), maxBuffer: 64 * 1024 * 1024 });

async function cliFails(...args: string[]): Promise<string> {
  try {
    await cli(...args);
  } catch (e) {
    const err = e as { code: number; stderr: string };
    expect(err.code).not.toBe(0);
    return err.stderr;
  }
  throw new Error(`expected \`${args.join(' ')}\` to fail`);
}

describe('CLI end to end on a synthetic dataset', () => {
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ai-cli-'));
    await writeSyntheticDataset(join(dir, 'data'));
    // A file that is not an image: reported by name and skipped, the run goes on.
    writeFileSync(join(dir, 'data/train/good/999.png'), 'not an image');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('fit writes a profile; eval with it reports every metric key', async () => {
    const profilePath = join(dir, 'p.safetensors');
    const fit = await cli('fit', '--data', join(dir, 'data'), '--out', profilePath, '--holdout', '0.3', '--quiet');
    const fitOut = JSON.parse(fit.stdout);
    expect(fitOut.skipped.map((s: { name: string }) => s.name).join()).toContain('999.png');
    expect(fit.stderr).toMatch(/999\.png: /);
    const profile = readProfile(new Uint8Array(readFileSync(profilePath)), profilePath);
    expect(profile.meta.backbone.id).toBe('resnet50-imagenet');
    expect(profile.meta.bank.size).toBe(fitOut.bank_size);
    expect(profile.meta.calibrationScores.length).toBe(fitOut.holdout_images);
    expect(profile.meta.threshold.value).toBeGreaterThan(0);

    const jsonPath = join(dir, 'eval.json');
    const ev = await cli('eval', '--data', join(dir, 'data'), '--profile', profilePath, '--json', jsonPath, '--quiet');
    const out = JSON.parse(readFileSync(jsonPath, 'utf8'));
    expect(JSON.parse(ev.stdout)).toEqual(out);
    for (const key of ['image_auroc', 'pixel_auroc', 'aupro', 'f1_max', 'bank_size', 'fit_seconds', 'infer_ms_per_image', 'peak_rss_mb']) expect(out).toHaveProperty(key);
    expect(out.test_images).toBe(6);
    // Dark scratches on a regular weave are easy: the defects must rank above the good parts.
    expect(out.image_auroc).toBe(1);
    expect(out.pixel_auroc).toBeGreaterThan(0.9);
    expect(out.fit_seconds).toBeNull();
  });

  it('eval without a profile (2 threads) gives the same scores as fit --holdout 0 + eval --profile (1 thread)', async () => {
    const profilePath = join(dir, 'all.safetensors');
    await cli('fit', '--data', join(dir, 'data'), '--out', profilePath, '--holdout', '0', '--quiet');
    const a = JSON.parse((await cli('eval', '--data', join(dir, 'data'), '--profile', profilePath, '--threads', '1', '--quiet')).stdout);
    const b = JSON.parse((await cli('eval', '--data', join(dir, 'data'), '--threads', '2', '--quiet')).stdout);
    expect(b.fit_seconds).toBeGreaterThan(0);
    expect(b.bank_size).toBe(a.bank_size);
    expect(b.image_auroc).toBeCloseTo(a.image_auroc, 10);
    expect(b.pixel_auroc).toBeCloseTo(a.pixel_auroc, 6);
  });

  it('bench reports every stage', async () => {
    const out = JSON.parse((await cli('bench', '--data', join(dir, 'data'), '--images', '3', '--quiet')).stdout);
    for (const stage of ['decode', 'preprocess', 'backbone', 'embedding', 'search', 'map']) expect(out.ms_per_image[stage]).toBeGreaterThan(0);
    expect(out.coreset_ms).toBeGreaterThan(0);
    expect(out.peak_rss_mb).toBeGreaterThan(0);
  });

  it('explains bad arguments and bad data folders', async () => {
    expect(await cliFails('fit', '--data', join(dir, 'data'), '--out', join(dir, 'x'), '--coreset-ratio', '2')).toMatch(/--coreset-ratio must be a number in \(0, 1\]/);
    expect(await cliFails('eval', '--data', join(dir, 'missing'))).toMatch(/missing/);
    expect(await cliFails('eval', '--data', join(dir, 'data'), '--backbone', 'no-such-model')).toMatch(/--backbone no-such-model/);
    expect(await cliFails('eval', '--data', join(dir, 'data'), '--profile', join(dir, 'data/train/good/000.png'))).toMatch(/not a readable profile/);
    expect(await cliFails('fit', '--data', join(dir, 'data'))).toMatch(/--out/);
  });
});
