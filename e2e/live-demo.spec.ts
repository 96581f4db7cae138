/**
 * The demo URL, live camera mode and offline use, in one browser context (IndexedDB and the service
 * worker persist between the steps):
 * 1. `/#/demo` reaches heatmaps and verdicts with no interaction (first visit: builds the demo profile);
 * 2. live mode on Chromium's fake camera, scoring with the demo profile: a changing FPS figure and a verdict,
 *    a PNG snapshot, the camera's tracks stopped when the view is left;
 * 3. offline: after the first load, `setOffline(true)` and a reload still show the app, cross-origin
 *    isolated, and the demo (saved profile) runs again from the cache.
 * No shared data is needed: the demo profile is built from generated images.
 */
import { expect, test } from '@playwright/test';
import type { BrowserContext, Page } from '@playwright/test';
import { waitEngineReady } from './support';

test.describe.configure({ mode: 'serial' });

/** First visit to the first heatmap, measured on the 2-core development machine (WASM) with margin. */
const DEMO_FIRST_HEATMAP_LIMIT_MS = 120_000;

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
  await expect(page.getByTestId('demo-heatmap').first()).toBeVisible({ timeout: DEMO_FIRST_HEATMAP_LIMIT_MS });
  const wallMs = Date.now() - t0;
  const firstResult = page.getByTestId('demo-result').first();
  await expect(firstResult).toHaveAttribute('data-verdict', /^(pass|fail)$/);
  const pageSeconds = Number(await view.getAttribute('data-first-heatmap-s'));
  console.log(`demo: first heatmap ${pageSeconds.toFixed(1)} s after navigation start (test wall clock ${(wallMs / 1000).toFixed(1)} s)`);
  await expect(view).toHaveAttribute('data-phase', 'done', { timeout: 120_000 });
  const results = await page.getByTestId('demo-result').evaluateAll((els) => els.map((e) => ({ defect: e.getAttribute('data-defect'), verdict: e.getAttribute('data-verdict') })));
  expect(results.length).toBe(7);
  console.log(`demo verdicts: ${results.map((r) => `${r.defect}=${r.verdict}`).join(', ')}`);
  // The heatmap canvas holds real pixels (not blank).
  const lit = await page.getByTestId('demo-heatmap').first().evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] + d[i + 1] + d[i + 2] > 30) n++;
    return n / (d.length / 4);
  });
  expect(lit).toBeGreaterThan(0.5);
  await page.screenshot({ path: 'docs/screenshots/demo-1280x800.png' });
  await page.setViewportSize({ width: 768, height: 1024 });
  await page.screenshot({ path: 'docs/screenshots/demo-768x1024.png' });
  await page.setViewportSize({ width: 1280, height: 800 });
});

test('live mode scores the fake camera: changing FPS, a verdict, a snapshot, camera stopped on leaving', async () => {
  await page.getByTestId('nav-live').click();
  await expect(page.getByTestId('live-view')).toBeVisible();
  await expect(page.getByTestId('live-profile')).toHaveValue('demo-flanges');
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
    await waitEngineReady(page);
    await expect(page.getByTestId('demo-status')).toContainText('reused', { timeout: 60_000 });
    await expect(page.getByTestId('demo-heatmap').first()).toBeVisible({ timeout: 60_000 });
    console.log(`offline second visit: first heatmap after ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-wasm-threaded', /true|^$/);
  } finally {
    await context.setOffline(false);
  }
});
