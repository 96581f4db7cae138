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
    expect(a.index_ms).toBeNull();
    expect(b.index_ms).toBeGreaterThan(0);
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

  it('eval --shots fits on the first N images and reports the verdict figures at the profile\'s threshold', async () => {
    const out = JSON.parse((await cli('eval', '--data', join(dir, 'data'), '--shots', '4', '--threads', '1', '--quiet')).stdout);
    expect(out.threshold).toBeGreaterThan(0);
    expect(out.calibration_scores).toHaveLength(4); // every training image, out of sample
    expect(out.threshold).toBeGreaterThan(Math.min(...out.calibration_scores));
    const good = out.images.filter((i: { label: number }) => i.label === 0);
    const bad = out.images.filter((i: { label: number }) => i.label === 1);
    expect(out.false_reject_rate).toBe(good.filter((i: { score: number }) => i.score >= out.threshold).length / good.length);
    expect(out.miss_rate).toBe(bad.filter((i: { score: number }) => i.score < out.threshold).length / bad.length);
    // Every failing image says where: at least one defect region, with its area; a passing one has none.
    for (const i of out.images as { score: number; regions: number; largest_region: { area: number; area_percent: number } | null }[]) {
      if (i.score >= out.threshold) {
        expect(i.regions).toBeGreaterThanOrEqual(1);
        expect(i.largest_region!.area).toBeGreaterThan(0);
        expect(i.largest_region!.area_percent).toBeCloseTo((100 * i.largest_region!.area) / (224 * 224), 10);
      } else expect(i.regions).toBe(0);
    }
  });

  it('update teaches good images: a new revision lists them, the original file is untouched; a bad image changes nothing', async () => {
    const profilePath = join(dir, 'teach.safetensors');
    const taughtPath = join(dir, 'taught.safetensors');
    await cli('fit', '--data', join(dir, 'data'), '--out', profilePath, '--shots', '3', '--quiet');
    const before = readFileSync(profilePath);
    const out = JSON.parse((await cli('update', '--profile', profilePath, '--add', join(dir, 'data/test/good'), '--out', taughtPath, '--quiet')).stdout);
    expect(out.taught.map((t: { name: string }) => t.name.split('/').pop())).toEqual(['000.png', '001.png', '002.png']);
    expect(out.bank_size_after).toBe(out.bank_size_before + out.taught.reduce((n: number, t: { rows_added: number }) => n + t.rows_added, 0));
    const taught = readProfile(new Uint8Array(readFileSync(taughtPath)), taughtPath);
    expect(taught.meta.taught).toHaveLength(3);
    expect(taught.meta.calibrationScores).toHaveLength(3 + 3);
    expect(taught.meta.threshold.value).toBe(out.threshold_after);
    expect(readFileSync(profilePath).equals(before)).toBe(true);

    const bad = join(dir, 'bad-teach');
    await run('mkdir', ['-p', bad]);
    writeFileSync(join(bad, 'a.png'), readFileSync(join(dir, 'data/test/good/000.png')));
    writeFileSync(join(bad, 'b.png'), 'not an image');
    expect(await cliFails('update', '--profile', profilePath, '--add', bad, '--quiet')).toMatch(/b\.png: /);
    expect(readFileSync(profilePath).equals(before)).toBe(true);
  });
});
