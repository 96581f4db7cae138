/**
 * The Train panel end to end, in the production build:
 *  - WebGPU (SwiftShader here): a tiny ToCoAD run (2 bottle images, 64 px, batch 2, one epoch per stage) with no
 *    main-thread task over 100 ms while it trains, live loss curves and generated samples, the fine-tuned backbone
 *    stored and listed, then a profile built on it (on WASM: SwiftShader builds at ~35 s per image) that scores an
 *    image.
 *  - WASM: pause stops the progress and resume continues it; a reload mid-run offers Resume from the checkpoint in
 *    IndexedDB, which completes; cancel saves no backbone and leaves no stray backbone files.
 * Screenshots in docs/screenshots/train-*.png.
 */
import { expect, test } from '@playwright/test';
import type { BrowserContext, Page } from '@playwright/test';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { chooseBackend, HAVE_BOTTLE, openBuildOptions, openInspect, longTasksBetween, openSharedPage, pageNow, profileRow, scoreImage, selectProfile, SKIP_REASON, TEST_DEFECT, trainImages, waitEngineReady, waitQuietly, dismissAlerts } from './support';

test.describe.configure({ mode: 'serial' });
test.skip(!HAVE_BOTTLE, SKIP_REASON);

const SHOTS = 'docs/screenshots';
let shared: Awaited<ReturnType<typeof openSharedPage>>;
let context: BrowserContext;
let page: Page;
let work: string;

test.beforeAll(async ({ browser }) => {
  shared = await openSharedPage(browser, 'ai-train-');
  ({ context, page, work } = shared);
  page.on('console', (m) => {
    if (m.type() === 'error') console.log(`[page error] ${m.text()}`);
  });
});

test.afterAll(async () => {
  await shared?.close();
});

async function openTrain(p: Page): Promise<void> {
  await p.getByTestId('nav-train').click();
  await expect(p.getByTestId('train-view')).toHaveAttribute('data-loaded', 'true');
}

async function fill(p: Page, s: Record<string, string | number>): Promise<void> {
  for (const [k, v] of Object.entries(s)) await p.getByTestId(`train-${k}`).fill(String(v));
}

/** Keys of the app's IndexedDB store, and the backbone files its backbone records point to. */
async function storedKeys(p: Page): Promise<{ keys: string[]; referenced: string[] }> {
  return p.evaluate(
    () =>
      new Promise<{ keys: string[]; referenced: string[] }>((resolve, reject) => {
        const open = indexedDB.open('anomaly-inspector');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const store = db.transaction('kv', 'readonly').objectStore('kv');
          const keys = store.getAllKeys();
          keys.onsuccess = () => {
            const all = keys.result.map(String);
            const records = all.filter((k) => k.startsWith('backbone:'));
            const referenced: string[] = [];
            let left = records.length;
            if (!left) {
              db.close();
              resolve({ keys: all, referenced });
            }
            for (const k of records) {
              const r = store.get(k);
              r.onsuccess = () => {
                referenced.push(...Object.values((r.result as { files: Record<string, string> }).files));
                if (--left === 0) {
                  db.close();
                  resolve({ keys: all, referenced });
                }
              };
            }
          };
        };
      }),
  );
}

/** Records when the run's visible state changes (stage, checkpoint, samples, result), to place any long task. */
async function recordMilestones(p: Page): Promise<void> {
  await p.evaluate(() => {
    const w = window as unknown as { __milestones: [number, string][] };
    w.__milestones = [];
    let last = '';
    new MutationObserver(() => {
      const q = (sel: string, attr: string) => document.querySelector(sel)?.getAttribute(attr) ?? '';
      const now = [
        q('[data-testid="train-progress"] progress', 'data-stage'),
        q('[data-testid="train-checkpoint"]', 'data-checkpoint'),
        String(document.querySelectorAll('[data-testid="train-sample"]').length),
        document.querySelector('[data-testid="train-result"]') ? 'result' : '',
      ].join('|');
      if (now !== last) w.__milestones.push([Math.round(performance.now()), (last = now)]);
    }).observe(document.body, { subtree: true, childList: true, attributes: true });
  });
}

const milestones = (p: Page) => p.evaluate(() => (window as unknown as { __milestones: [number, string][] }).__milestones);

const progressDone = async (p: Page) => Number((await p.getByTestId('train-progress').locator('progress').getAttribute('value')) ?? 0) + (await p.getByTestId('train-progress').innerText());

test('WebGPU: a tiny run trains in the worker without long main-thread tasks, shows losses and samples, and its backbone builds a profile that scores', async () => {
  test.setTimeout(600_000);
  const t0 = Date.now();
  await page.goto('/');
  await chooseBackend(page, 'webgpu');
  await openTrain(page);
  const files = trainImages(2);
  await page.getByTestId('train-files').setInputFiles(files);
  await expect(page.getByTestId('train-file-count')).toHaveAttribute('data-count', '2');
  await fill(page, { 'image-size': 64, batch: 2, 'micro-batch': 2, 'stage1-epochs': 1, 'stage2-epochs': 1 });
  await expect(page.getByTestId('train-backbone')).toHaveValue('resnet50-imagenet');

  await recordMilestones(page);
  const from = await pageNow(page);
  const started = Date.now();
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('train-progress')).toBeVisible();
  await expect(page.getByTestId('train-samples-stage1').getByTestId('train-sample')).toHaveCount(2, { timeout: 240_000 });
  await expect(page.getByTestId('train-progress-eta')).toContainText(/left|estimating/);
  const result = page.getByTestId('train-result');
  await waitQuietly(page, '[data-testid="train-result"]', 540_000);
  await expect(result).toBeVisible();
  const trainedMs = Date.now() - started;
  const longTasks = await longTasksBetween(page, from, await pageNow(page));
  if (longTasks.length) console.log(`long tasks during training: ${JSON.stringify(longTasks)}; milestones: ${JSON.stringify(await milestones(page))}`);
  expect(longTasks.filter((t) => t.duration > 100), 'main-thread tasks over 100 ms during training').toEqual([]);

  // Loss curves of both stages, one point per step; samples of both stages, image and mask.
  await expect(page.getByTestId('train-loss-stage1')).toHaveAttribute('data-points', '1');
  await expect(page.getByTestId('train-loss-stage2')).toHaveAttribute('data-points', '1');
  await expect(page.getByTestId('train-loss-stage1').locator('[data-series="L_dis"] circle')).toBeVisible();
  for (const series of ['L', 'L_sym', 'L_neg']) await expect(page.getByTestId('train-loss-stage2').locator(`[data-series="${series}"]`)).toHaveAttribute('data-points', '1');
  for (const stage of [1, 2]) {
    const loss = Number(await page.getByTestId(`train-epoch-stage${stage}`).getAttribute('data-loss'));
    expect(Number.isFinite(loss), `stage ${stage} loss ${loss}`).toBe(true);
  }
  await expect(page.getByTestId('train-samples-stage2').getByTestId('train-sample')).toHaveCount(2);
  await expect(page.getByTestId('train-samples').locator('canvas')).toHaveCount(8);
  const id = await result.getAttribute('data-backbone-id');
  expect(id).toBe('resnet50-imagenet-tocoad-images');
  await expect(result).toContainText('on webgpu');

  // Listed with the other backbones and offered in the build form.
  await page.getByTestId('nav-advanced').click();
  await expect(page.locator(`[data-testid="backbone-item"][data-backbone-id="${id}"]`)).toBeVisible();
  await openInspect(page);
  await openBuildOptions(page);
  await expect(page.getByTestId('build-backbone').locator(`option[value="${id}"]`)).toBeEnabled();

  // A profile on it from the same images (built on WASM: a SwiftShader build takes minutes), scoring an image.
  await chooseBackend(page, 'wasm');
  await openTrain(page);
  await page.getByTestId('train-build-profile').click();
  const built = page.getByTestId('train-profile');
  await expect(built).toBeVisible({ timeout: 240_000 });
  const name = `images (${id})`;
  await expect(built).toContainText(name);
  await page.getByTestId('nav-home').click();
  await expect(profileRow(page, name)).toContainText(id!);
  await selectProfile(page, name);
  const scored = await scoreImage(page, TEST_DEFECT());
  expect(Number.isFinite(scored.score) && scored.score > 0, `score ${scored.score}`).toBe(true);
  console.log(`WebGPU tiny run: trained and stored in ${(trainedMs / 1000).toFixed(1)} s; whole test ${((Date.now() - t0) / 1000).toFixed(1)} s; score ${scored.score}`);

  await openTrain(page);
  await dismissAlerts(page);
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}/train-1280x800.png`, fullPage: true });
  await page.setViewportSize({ width: 768, height: 1024 });
  await page.screenshot({ path: `${SHOTS}/train-768x1024.png`, fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });
});

test('WASM: pause stops progress and resume continues; a reload mid-run resumes from the IndexedDB checkpoint and completes', async () => {
  test.setTimeout(480_000);
  await page.goto('/');
  await chooseBackend(page, 'wasm');
  await openTrain(page);
  // Whatever an earlier test left (a finished or stopped run) is cleared first.
  const leftover = page.getByTestId('train-run-discard').or(page.getByTestId('train-clear'));
  if (await leftover.count()) await leftover.click();
  await expect(leftover).toHaveCount(0);
  // A folder in MVTec AD layout: only train/good is used; a stray file in it is refused by name.
  const ds = join(work, 'bottle-mini');
  mkdirSync(join(ds, 'train', 'good'), { recursive: true });
  mkdirSync(join(ds, 'test', 'good'), { recursive: true });
  for (const f of trainImages(4)) copyFileSync(f, join(ds, 'train', 'good', basename(f)));
  copyFileSync(TEST_DEFECT(), join(ds, 'test', 'good', '000.png'));
  writeFileSync(join(ds, 'train', 'good', 'notes.pdf'), '%PDF-1.4 not an image');
  await page.getByTestId('train-folder').setInputFiles(ds);
  await expect(page.getByTestId('train-file-count')).toHaveAttribute('data-count', '5');
  await expect(page.getByTestId('train-file-count')).toContainText('from "bottle-mini"');
  await fill(page, { 'image-size': 64, 'stage1-batch': 2, batch: 2, 'micro-batch': 1, 'stage1-epochs': 4, 'stage2-epochs': 2 });
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('train-error')).toContainText('notes.pdf: not a supported image');
  await expect(page.getByTestId('train-result')).toBeHidden();

  // Without the stray file.
  rmSync(join(ds, 'train', 'good', 'notes.pdf'));
  await page.getByTestId('train-folder').setInputFiles(ds);
  await expect(page.getByTestId('train-file-count')).toHaveAttribute('data-count', '4');
  // One anomaly source image, stored with the run: after the reload the resumed run still trains with it.
  await page.getByTestId('train-texture-files').setInputFiles(TEST_DEFECT());
  await expect(page.getByTestId('train-texture-count')).toHaveAttribute('data-count', '1');
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('train-error')).toBeHidden();
  const progress = page.getByTestId('train-progress').locator('progress');
  await expect(progress).toHaveAttribute('data-stage', 'stage I', { timeout: 120_000 });

  // Pause: the trainer stops at the next micro-batch; nothing moves while paused.
  await page.getByTestId('train-pause').click();
  await expect(page.getByTestId('train-state')).toHaveAttribute('data-state', 'paused', { timeout: 60_000 });
  const held = await progressDone(page);
  await page.waitForTimeout(4000);
  expect(await progressDone(page), 'progress while paused').toBe(held);
  await page.getByTestId('train-resume').click();
  await expect(page.getByTestId('train-state')).toHaveAttribute('data-state', 'running');
  await expect.poll(() => progressDone(page), { timeout: 60_000 }).not.toBe(held);

  // A checkpoint reaches IndexedDB after the first epoch; the page goes away mid-run.
  await expect(page.getByTestId('train-checkpoint')).not.toHaveAttribute('data-checkpoint', '', { timeout: 120_000 });
  await page.reload();
  await waitEngineReady(page, 'wasm');
  await openTrain(page);
  const offer = page.getByTestId('train-stored-run');
  await expect(offer).toBeVisible();
  await expect(offer).toHaveAttribute('data-status', 'running');
  const at = (await offer.getAttribute('data-checkpoint'))!;
  expect(at).toMatch(/^[12]:\d+$/);
  await expect(page.getByTestId('train-loss-stage1')).not.toHaveAttribute('data-points', '0');
  mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: `${SHOTS}/train-resume-1280x800.png`, fullPage: true });
  const resumedFrom = Date.now();
  await offer.getByTestId('train-run-resume').click();
  await expect(page.getByTestId('train-state')).toContainText('resumed from');
  const result = page.getByTestId('train-result');
  await expect(result).toBeVisible({ timeout: 300_000 });
  console.log(`resumed from checkpoint ${at}, finished in ${((Date.now() - resumedFrom) / 1000).toFixed(1)} s`);
  const id = (await result.getAttribute('data-backbone-id'))!;
  expect(id).toMatch(/^resnet50-imagenet-tocoad-bottle-mini/);
  await expect(result).toContainText('Trained on 4 images from "bottle-mini" with 1 texture image');
  // The whole history is there: stage I's 4 epochs (those before the reload included) and stage II's 2.
  await expect(page.getByTestId('train-epoch-stage1')).toHaveAttribute('data-epoch', '4');
  await expect(page.getByTestId('train-epoch-stage2')).toHaveAttribute('data-epoch', '2');
  await expect(page.getByTestId('train-loss-stage1')).toHaveAttribute('data-points', '8');
  await expect(page.getByTestId('train-loss-stage2')).toHaveAttribute('data-points', '4');
  const { keys } = await storedKeys(page);
  expect(keys.filter((k) => k.startsWith('trainckpt:')), 'checkpoint parts after a finished run').toEqual([]);

  // Export reuses the backbone export.
  const [download] = await Promise.all([page.waitForEvent('download', { timeout: 120_000 }), page.getByTestId('train-export').click()]);
  expect(download.suggestedFilename()).toBe(`${id}.safetensors`);
});

test('WASM: cancel stops the run and saves no backbone (no stray backbone files either)', async () => {
  test.setTimeout(300_000);
  await openTrain(page);
  await page.getByTestId('nav-advanced').click();
  const before = await page.getByTestId('backbone-item').count();
  const keysBefore = await storedKeys(page);
  await openTrain(page);
  await page.getByTestId('train-files').setInputFiles(trainImages(2));
  await fill(page, { 'image-size': 64, batch: 2, 'micro-batch': 1, 'stage1-epochs': 1, 'stage2-epochs': 2 });
  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('train-progress').locator('progress')).toHaveAttribute('data-stage', 'stage II', { timeout: 120_000 });
  await page.getByTestId('train-cancel').click();
  await expect(page.getByTestId('alerts')).toContainText('Training cancelled; no backbone was saved.');
  await expect(page.getByTestId('train-stored-run')).toHaveAttribute('data-status', 'stopped');
  // The worker finishes its micro-batch and stops; give it that time, then look at what is stored.
  await page.waitForTimeout(5000);
  await page.getByTestId('nav-advanced').click();
  await expect(page.getByTestId('backbone-item')).toHaveCount(before);
  const after = await storedKeys(page);
  expect(after.keys.filter((k) => k.startsWith('backbone:')).sort()).toEqual(keysBefore.keys.filter((k) => k.startsWith('backbone:')).sort());
  expect(after.keys.filter((k) => k.startsWith('bbfile:') && !after.referenced.includes(k)), 'backbone files no record points to').toEqual([]);
  await openTrain(page);
  await page.getByTestId('train-run-discard').click();
  await expect(page.getByTestId('train-stored-run')).toBeHidden();
  expect((await storedKeys(page)).keys.filter((k) => k.startsWith('train')), 'training keys after Discard').toEqual([]);
});

test('a missing layer4 weight file of the bundled model is named, with what to do', async () => {
  await context.route('**/models/resnet50-imagenet/extra-weights-01-*', (r) => r.fulfill({ status: 404, body: 'not here' }));
  try {
    await page.goto('/');
    await waitEngineReady(page);
    await openTrain(page);
    const leftover = page.getByTestId('train-run-discard').or(page.getByTestId('train-clear'));
    if (await leftover.count()) await leftover.click();
    await page.getByTestId('train-files').setInputFiles(trainImages(2));
    await fill(page, { 'image-size': 64, batch: 2, 'micro-batch': 1, 'stage1-epochs': 1, 'stage2-epochs': 1 });
    await page.getByTestId('train-start').click();
    const error = page.getByTestId('train-error');
    await expect(error).toContainText('the layer4 weights of the bundled ResNet50 (extra-weights-*.bin, needed by stage II) could not be read');
    await expect(error).toContainText(/extra-weights-01-of-\d+\.bin: HTTP 404/);
    await expect(error).toContainText('npm run prepare-models');
    await expect(page.getByTestId('train-stored-run')).toHaveAttribute('data-status', 'failed');
    await page.getByTestId('train-run-discard').click();
  } finally {
    await context.unroute('**/models/resnet50-imagenet/extra-weights-01-*');
  }
});
