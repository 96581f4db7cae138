/**
 * The in-browser engine end to end, in one browser context so IndexedDB persists between the steps:
 * WASM and WebGPU builds (no main-thread long task), reload persistence, backend agreement, the CLI
 * reading the browser's export and the browser reading the CLI's profile, refused imports, the
 * benchmark view, device loss, and screenshots.
 *
 * WebGPU here is SwiftShader (a CPU emulation of a GPU) on a 2-core machine, so its steps use few images.
 */
import { expect, test } from '@playwright/test';
import type { BrowserContext, Page } from '@playwright/test';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, openSync, closeSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { readSafetensors, writeSafetensors } from '../src/engine/convert/safetensors';
import { readProfile } from '../src/engine/profile/profile';
import {
  buildProfile,
  chooseBackend,
  cli,
  HAVE_BOTTLE,
  LONG_TASK_OBSERVER,
  profileNames,
  profileRow,
  relDiff,
  scoreImage,
  selectProfile,
  SKIP_REASON,
  TEST_DEFECT,
  TEST_GOOD,
  openInspect,
  trainImages,
  waitEngineReady,
  dismissAlerts,
} from './support';

test.describe.configure({ mode: 'serial' });
test.skip(!HAVE_BOTTLE, SKIP_REASON);

let context: BrowserContext;
let page: Page;
let work: string;
const scores: Record<string, number> = {};
let exported = '';
const BENCH_IMAGES = 3;

async function runBench(p: Page, backend: string, count: number): Promise<void> {
  await chooseBackend(p, backend);
  await p.getByTestId('nav-advanced').click();
  await p.getByTestId('bench-files').setInputFiles(trainImages(count));
  await p.getByTestId('bench-run').click();
  await expect(p.locator(`[data-testid="bench-row"][data-backend="${backend}"]`)).toBeVisible({ timeout: 300_000 });
}

test.beforeAll(async ({ browser }) => {
  context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 800 } });
  await context.addInitScript(LONG_TASK_OBSERVER);
  page = await context.newPage();
  work = mkdtempSync(join(tmpdir(), 'ai-e2e-'));
});

test.afterAll(async () => {
  await context?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

test('WASM: a profile from 10 images is built in the worker, survives a reload and scores the same', async () => {
  await page.goto('/#/inspect');
  await chooseBackend(page, 'wasm');
  const badge = page.getByTestId('backend-badge');
  // The threaded SIMD binary really runs (its pthread pool started) in the production build.
  await expect(badge).toHaveAttribute('data-wasm-threaded', 'true');
  await page.getByTestId('nav-advanced').click();
  await expect(page.getByTestId('backend-reason')).toContainText('threaded SIMD build');
  await openInspect(page);
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  await expect(badge).toHaveAttribute('data-wasm-threads', String(Math.max(1, Math.min(8, Math.floor(cores / 2)))));

  const { longTasks, sawProgress } = await buildProfile(page, 'bottle-wasm', trainImages(10));
  expect(sawProgress, 'progress with an ETA was shown').toBe(true);
  expect(longTasks.filter((t) => t.duration > 100), 'main-thread tasks over 100 ms during the build').toEqual([]);
  // Every photo feeds the bank (each is also scored out of sample for the threshold): 10 images, none held out.
  await expect(profileRow(page, 'bottle-wasm')).toContainText('10 images');

  await selectProfile(page, 'bottle-wasm');
  const before = await scoreImage(page, TEST_DEFECT());
  expect(before.backend).toBe('wasm');
  expect(before.verdict).toBe('fail');
  scores.wasm = before.score;
  scores.wasmGood = (await scoreImage(page, TEST_GOOD())).score;
  expect(scores.wasmGood).toBeLessThan(scores.wasm);

  await page.reload();
  await waitEngineReady(page, 'wasm');
  await expect(profileRow(page, 'bottle-wasm')).toBeVisible();
  await selectProfile(page, 'bottle-wasm');
  const after = await scoreImage(page, TEST_DEFECT());
  expect(relDiff(after.score, before.score)).toBeLessThan(1e-4);
});

test('CLI: `eval --profile` on the browser export gives the browser scores; a CLI profile imports and scores the same', async () => {
  test.setTimeout(420_000);
  const download = page.waitForEvent('download');
  await profileRow(page, 'bottle-wasm').getByTestId('export-button').click();
  exported = join(work, (await download).suggestedFilename());
  await (await download).saveAs(exported);
  const fromBrowser = readProfile(new Uint8Array(readFileSync(exported)), exported);
  expect(fromBrowser.meta.name).toBe('bottle-wasm');

  // A small dataset in MVTec layout: the same 10 training images and the two test images.
  const ds = join(work, 'bottle-mini');
  for (const d of ['train/good', 'test/good', 'test/broken_large']) mkdirSync(join(ds, d), { recursive: true });
  for (const f of trainImages(10)) copyFileSync(f, join(ds, 'train/good', basename(f)));
  copyFileSync(TEST_GOOD(), join(ds, 'test/good/000.png'));
  copyFileSync(TEST_DEFECT(), join(ds, 'test/broken_large/000.png'));

  const evalOut = JSON.parse(await cli(['eval', '--profile', exported, '--data', ds, '--quiet']));
  const cliScore = (defect: string, out = evalOut) => out.images.find((i: { defect: string; score: number }) => i.defect === defect).score as number;
  expect(relDiff(cliScore('broken_large'), scores.wasm)).toBeLessThan(1e-4);
  expect(relDiff(cliScore('good'), scores.wasmGood)).toBeLessThan(1e-4);

  // The CLI fitting the same images with the same seed gives the browser's profile.
  const cliProfile = join(work, 'bottle-cli.profile.safetensors');
  await cli(['fit', '--data', ds, '--out', cliProfile, '--name', 'bottle-cli', '--quiet']);
  const fromCli = readProfile(new Uint8Array(readFileSync(cliProfile)), cliProfile);
  expect(fromCli.meta.bank.size).toBe(fromBrowser.meta.bank.size);
  expect(fromCli.meta.calibrationScores.length).toBe(fromBrowser.meta.calibrationScores.length);
  fromCli.meta.calibrationScores.forEach((s, i) => expect(relDiff(s, fromBrowser.meta.calibrationScores[i])).toBeLessThan(1e-4));
  expect(relDiff(fromCli.meta.threshold.value!, fromBrowser.meta.threshold.value!)).toBeLessThan(1e-4);
  let maxDiff = 0;
  for (let i = 0; i < fromCli.bank.length; i++) maxDiff = Math.max(maxDiff, Math.abs(fromCli.bank[i] - fromBrowser.bank[i]));
  expect(maxDiff, 'largest difference between the CLI and browser banks').toBeLessThan(1e-3);

  // ...and that file opens in the browser and scores as the CLI scores it.
  await page.getByTestId('import-input').setInputFiles(cliProfile);
  await expect(profileRow(page, 'bottle-cli')).toBeVisible();
  await selectProfile(page, 'bottle-cli');
  const inBrowser = await scoreImage(page, TEST_DEFECT());
  const cliEvalOfCli = JSON.parse(await cli(['eval', '--profile', cliProfile, '--data', ds, '--quiet']));
  expect(relDiff(inBrowser.score, cliScore('broken_large', cliEvalOfCli))).toBeLessThan(1e-4);
});

test('WebGPU: a profile from 3 images, built without long tasks, survives a reload', async () => {
  test.setTimeout(480_000);
  await chooseBackend(page, 'webgpu');
  const { longTasks } = await buildProfile(page, 'bottle-webgpu', trainImages(3));
  expect(longTasks.filter((t) => t.duration > 100), 'main-thread tasks over 100 ms during the build').toEqual([]);
  await selectProfile(page, 'bottle-webgpu');
  const before = await scoreImage(page, TEST_DEFECT());
  expect(before.backend).toBe('webgpu');
  scores.webgpu = before.score;

  await page.reload();
  await waitEngineReady(page, 'webgpu');
  await expect(profileRow(page, 'bottle-webgpu')).toBeVisible();
  await selectProfile(page, 'bottle-webgpu');
  const after = await scoreImage(page, TEST_DEFECT());
  expect(relDiff(after.score, before.score)).toBeLessThan(1e-4);
});

test('WebGPU device lost: falls back to WASM, says so, re-runs the interrupted scoring; WASM agrees with WebGPU', async () => {
  test.setTimeout(240_000);
  await waitEngineReady(page, 'webgpu');
  await selectProfile(page, 'bottle-webgpu');
  await page.getByTestId('nav-advanced').click();
  await page.getByTestId('score-input').setInputFiles(TEST_DEFECT());
  await page.evaluate(() => (window as unknown as { __engineDebug: { loseDevice(): Promise<unknown> } }).__engineDebug.loseDevice());
  await expect(page.getByTestId('alerts')).toContainText('WebGPU device was lost', { timeout: 120_000 });
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-backend', 'wasm');
  await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-how', 'device-lost');
  const result = page.getByTestId('score-result');
  await expect(result).toBeVisible({ timeout: 120_000 });
  // The scoring was interrupted on WebGPU and ran again on WASM.
  expect(await result.getAttribute('data-backend')).toBe('wasm');
  expect(relDiff(Number(await result.getAttribute('data-raw-score')), scores.webgpu)).toBeLessThan(1e-3);
  // One profile scored on both backends: WebGPU and WASM agree.
  const onWasm = await scoreImage(page, TEST_DEFECT());
  expect(onWasm.backend).toBe('wasm');
  expect(relDiff(onWasm.score, scores.webgpu), 'WASM vs WebGPU score of one profile').toBeLessThan(1e-3);
});

test('Import: truncated, oversized, wrong-version and NaN files are refused with the reason; nothing changes', async () => {
  const good = new Uint8Array(readFileSync(exported));
  const file = readSafetensors(good, 'good');
  const tensor = file.tensors[0];
  const meta = JSON.parse(file.metadata.profile);
  const write = (name: string, bytes: Uint8Array) => {
    const p = join(work, name);
    writeFileSync(p, bytes);
    return p;
  };
  const bank = new Float32Array(tensor.data.slice().buffer);
  const nanBank = bank.slice();
  nanBank[5 * 1024 + 7] = NaN;
  const cases: [string, string, RegExp][] = [
    ['truncated', write('truncated.profile.safetensors', good.subarray(0, Math.floor(good.length * 0.6))), /truncated|outside the .*data section/],
    ['trailing bytes', write('padded.profile.safetensors', new Uint8Array([...good, ...new Uint8Array(4096)])), /longer than its header describes/],
    ['wrong version', write('v3.profile.safetensors', writeSafetensors([{ ...tensor, data: bank }], { ...file.metadata, profile: JSON.stringify({ ...meta, schemaVersion: 3 }) })), /schema version 3 is newer/],
    ['NaN', write('nan.profile.safetensors', writeSafetensors([{ ...tensor, data: nanBank }], file.metadata)), /non-finite value \(NaN\) at row 5/],
  ];
  // Oversized: a sparse 1.1 GiB file (no disk used); refused from its size, before it is read.
  const huge = join(work, 'huge.profile.safetensors');
  const fd = openSync(huge, 'w');
  ftruncateSync(fd, 1100 * 1024 * 1024);
  closeSync(fd);
  cases.push(['oversized', huge, /over the 1024 MB limit/]);

  await openInspect(page);
  const before = await profileNames(page);
  for (const [what, path, reason] of cases) {
    await page.getByTestId('import-input').setInputFiles(path);
    const alert = page.getByTestId('alert-error').last();
    await expect(alert, what).toContainText('Import refused, nothing was changed.');
    await expect(alert, what).toContainText(basename(path));
    await expect(alert, what).toContainText(reason);
    await alert.getByRole('button', { name: 'Dismiss' }).click();
    expect(await profileNames(page), `profiles after the ${what} file`).toEqual(before);
  }
  rmSync(huge);
});

test('Cancel: a build stops when cancelled and saves nothing', async () => {
  await chooseBackend(page, 'wasm');
  const before = await profileNames(page);
  await page.getByTestId('build-files').setInputFiles(trainImages(10));
  await page.getByTestId('profiles-panel').getByLabel('Profile name').fill('cancelled build');
  await page.getByTestId('build-button').click();
  await expect(page.getByTestId('build-progress')).toBeVisible();
  await page.getByTestId('build-cancel').click();
  await expect(page.getByTestId('alerts')).toContainText('Building the profile: cancelled.');
  await expect(page.getByTestId('build-progress')).toBeHidden();
  expect(await profileNames(page)).toEqual(before);
});

// The figures for the README come from scripts/bench-browser.mjs (a program, not a timed test);
// this checks the view itself, on WASM with a few images.
test('Benchmark view: a run in the table and the chart, JSON to download; screenshots', async () => {
  test.setTimeout(300_000);
  await runBench(page, 'wasm', BENCH_IMAGES);
  await expect(page.getByTestId('bench-chart').locator('.recharts-bar-rectangle').first()).toBeVisible();
  const download = page.waitForEvent('download');
  await page.getByTestId('bench-download').click();
  const path = join(work, 'bench.json');
  await (await download).saveAs(path);
  const reports = JSON.parse(readFileSync(path, 'utf8')) as { backend: string; images: number; ms_per_image: Record<string, number>; bank_size: number }[];
  expect(reports.map((r) => [r.backend, r.images])).toEqual([['wasm', BENCH_IMAGES]]);
  expect(reports[0].bank_size).toBe(Math.floor((BENCH_IMAGES * 784) / 10));
  expect(reports[0].ms_per_image.backbone).toBeGreaterThan(0);
  await expect(page.getByTestId('bench-table')).toContainText('wasm');

  await selectProfile(page, 'bottle-wasm');
  await scoreImage(page, TEST_DEFECT());
  await dismissAlerts(page);
  mkdirSync('docs/screenshots', { recursive: true });
  await page.screenshot({ path: 'docs/screenshots/app-1280x800.png' });
  await page.setViewportSize({ width: 768, height: 1024 });
  await page.screenshot({ path: 'docs/screenshots/app-768x1024.png' });
  await page.setViewportSize({ width: 1280, height: 800 });
});
