/**
 * The demo URL, live camera mode and offline use, in one browser context (IndexedDB and the service
 * worker persist between the steps):
 * 1. `/#/demo` reaches heatmaps and verdicts with no interaction (first visit: the shipped demo profile,
 *    public/demo/, is loaded and stored; nothing is built), every part judged right, the first heatmap in seconds;
 * 2. live mode on Chromium's fake camera: the demo profile is not taken silently (nothing is selected), the
 *    person chooses it; then a changing FPS figure and a verdict, full screen with the screen kept on, a PNG snapshot, the camera's tracks stopped
 *    when the view is left;
 * 3. offline: after the first load, `setOffline(true)` and a reload still show the app, cross-origin
 *    isolated, and the demo runs again from the cache (the demo profile file is precached).
 * No shared data is needed: the demo profile ships with the build, its test parts are generated.
 */
import { expect, test } from '@playwright/test';
import type { BrowserContext, Page } from '@playwright/test';
import { DEMO_PROFILE_ID, DEMO_PROFILE_NAME, DEMO_PROFILE_PATH } from '../src/engine/demo/recipe';
import { waitEngineReady } from './support';

test.describe.configure({ mode: 'serial' });

/**
 * Opening the demo to its first heatmap, first visit: the target is 5 s (about 3 s measured on the quiet 2-core
 * development machine, WASM started at once); the bound leaves room for a machine loaded by other work.
 */
const DEMO_FIRST_HEATMAP_LIMIT_S = 15;

let context: BrowserContext;
let page: Page;

test.beforeAll(async ({ browser }) => {
  context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 800 } });
  page = await context.newPage();
});

test.afterAll(async () => {
  await context?.close();
});

test('the demo URL reaches heatmaps and verdicts with no interaction', async () => {
  const t0 = Date.now();
  await page.goto('/#/demo');
  const view = page.getByTestId('demo-view');
  await expect(view).toBeVisible();
  await expect(page.getByTestId('demo-heatmap').first()).toBeVisible({ timeout: 120_000 });
  const wallS = (Date.now() - t0) / 1000;
  const firstResult = page.getByTestId('demo-result').first();
  await expect(firstResult).toHaveAttribute('data-verdict', /^(pass|fail)$/);
  const openedS = Number(await view.getAttribute('data-first-heatmap-s'));
  console.log(`demo: first heatmap ${openedS.toFixed(2)} s after opening the demo (test wall clock from page.goto ${wallS.toFixed(2)} s)`);
  expect(wallS, 'first heatmap within the bound from opening the demo URL').toBeLessThan(DEMO_FIRST_HEATMAP_LIMIT_S);
  expect(openedS).toBeGreaterThan(0);
  expect(openedS).toBeLessThanOrEqual(wallS);
  await expect(view).toHaveAttribute('data-phase', 'done', { timeout: 120_000 });
  const results = await page.getByTestId('demo-result').evaluateAll((els) => els.map((e) => ({ defect: e.getAttribute('data-defect'), verdict: e.getAttribute('data-verdict') })));
  console.log(`demo verdicts: ${results.map((r) => `${r.defect}=${r.verdict}`).join(', ')}`);
  // Every part judged right by the general rule: good parts pass, each defect type fails.
  expect(results.map((r) => r.defect).sort()).toEqual(['crack', 'dent', 'good', 'good', 'missing', 'scratch', 'stain']);
  for (const r of results) expect(r.verdict, r.defect!).toBe(r.defect === 'good' ? 'pass' : 'fail');
  await expect(page.getByTestId('demo-status')).toContainText('7 of 7 parts judged correctly');
  // The heatmap canvas holds real pixels (not blank).
  const lit = await page.getByTestId('demo-heatmap').first().evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] + d[i + 1] + d[i + 2] > 30) n++;
    return n / (d.length / 4);
  });
  expect(lit).toBeGreaterThan(0.5);
  // The backend calibration the quick start skipped runs now; the screenshots show the engine settled.
  await waitEngineReady(page);
  await page.screenshot({ path: 'docs/screenshots/demo-1280x800.png' });
  await page.setViewportSize({ width: 768, height: 1024 });
  await page.screenshot({ path: 'docs/screenshots/demo-768x1024.png' });
  await page.setViewportSize({ width: 1280, height: 800 });
});

test('live mode scores the fake camera: changing FPS, a verdict, a snapshot, camera stopped on leaving', async () => {
  await page.getByTestId('nav-live').click();
  await expect(page.getByTestId('live-view')).toBeVisible();
  // The demo did not choose its profile for the person: Live asks, and judges with the one chosen.
  const choice = page.getByTestId('live-profile');
  await expect(choice).toHaveValue('');
  await expect(page.getByTestId('live-no-profile')).toBeVisible();
  await choice.selectOption(DEMO_PROFILE_ID);
  await expect(choice).toHaveAttribute('data-profile-name', DEMO_PROFILE_NAME);
  const verdict = page.getByTestId('live-verdict');
  await expect(verdict).toHaveAttribute('data-verdict', /^(pass|fail)$/, { timeout: 60_000 });
  const fps = page.getByTestId('live-fps');
  await expect.poll(async () => Number(await fps.getAttribute('data-fps')), { timeout: 30_000 }).toBeGreaterThan(0);
  const first = await fps.getAttribute('data-fps');
  await expect.poll(async () => fps.getAttribute('data-fps'), { timeout: 30_000 }).not.toBe(first);
  const frames = Number(await page.getByTestId('live-frames').textContent());
  await expect.poll(async () => Number(await page.getByTestId('live-frames').textContent()), { timeout: 30_000 }).toBeGreaterThan(frames);
  console.log(`live: ${await fps.getAttribute('data-fps')} FPS, latency ${await page.getByTestId('live-latency').textContent()}`);
  await page.screenshot({ path: 'docs/screenshots/live-1280x800.png' });
  await page.setViewportSize({ width: 768, height: 1024 });
  await page.waitForTimeout(1500);
  await page.screenshot({ path: 'docs/screenshots/live-768x1024.png' });
  await page.setViewportSize({ width: 1280, height: 800 });

  // Full screen: the verdict banner and the video fill the screen, the verdict in letters a fifth of its height
  // (readable from 2 m); the screen is kept on while the camera runs.
  await expect(page.getByTestId('live-wake-lock')).toHaveAttribute('data-state', /^(held|unsupported|refused)$/);
  console.log(`live: wake lock ${await page.getByTestId('live-wake-lock').getAttribute('data-state')}`);
  await page.getByTestId('live-fullscreen').click();
  await expect.poll(() => page.evaluate(() => document.fullscreenElement?.getAttribute('data-testid') ?? null)).toBe('live-main');
  await expect(page.getByTestId('live-exit-fullscreen')).toBeVisible();
  const wordPx = await verdict.locator('.verdict-word').evaluate((e) => parseFloat(getComputedStyle(e).fontSize));
  const screenPx = await page.evaluate(() => window.innerHeight);
  expect(wordPx / screenPx, 'verdict letters at least a sixth of the screen height').toBeGreaterThan(1 / 6);
  await page.screenshot({ path: 'docs/screenshots/live-fullscreen-1280x800.png' });
  await page.getByTestId('live-exit-fullscreen').click();
  await expect.poll(() => page.evaluate(() => document.fullscreenElement === null)).toBe(true);

  const download = page.waitForEvent('download');
  await page.getByTestId('live-snapshot').click();
  expect((await download).suggestedFilename()).toMatch(/^inspection-.*\.png$/);

  await page.getByTestId('live-freeze').click();
  const frozenAt = await page.getByTestId('live-frames').textContent();
  await page.waitForTimeout(2000);
  expect(await page.getByTestId('live-frames').textContent()).toBe(frozenAt);
  await page.getByTestId('live-freeze').click();

  await page.evaluate(() => {
    const v = document.querySelector('[data-testid="live-video"]') as HTMLVideoElement;
    (window as unknown as { __liveTracks: MediaStreamTrack[] }).__liveTracks = (v.srcObject as MediaStream).getTracks();
  });
  await page.getByTestId('nav-home').click();
  await expect(page.getByTestId('live-view')).toBeHidden();
  const states = await page.evaluate(() => (window as unknown as { __liveTracks: MediaStreamTrack[] }).__liveTracks.map((t) => t.readyState));
  expect(states.length).toBeGreaterThan(0);
  expect(states.every((s) => s === 'ended')).toBe(true);
});

test('offline after the first load: the app, isolated, and the saved demo from the cache', async () => {
  await page.evaluate(async () => {
    const reg = await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }));
    return reg.active?.state;
  });
  await context.setOffline(true);
  try {
    const t0 = Date.now();
    await page.goto('/#/demo');
    await expect(page.getByRole('heading', { name: 'Anomaly Inspector' })).toBeVisible();
    expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
    // The shipped demo profile comes from the service worker's cache.
    expect(await page.evaluate(async (path) => (await fetch(path)).status, DEMO_PROFILE_PATH)).toBe(200);
    await waitEngineReady(page);
    await expect(page.getByTestId('demo-heatmap').first()).toBeVisible({ timeout: 60_000 });
    console.log(`offline second visit: first heatmap after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    await expect(page.getByTestId('demo-view')).toHaveAttribute('data-phase', 'done', { timeout: 60_000 });
    await expect(page.getByTestId('demo-status')).toContainText('7 of 7 parts judged correctly; the saved demo profile was reused');
    await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-wasm-threaded', /true|^$/);
  } finally {
    await context.setOffline(false);
  }
});
