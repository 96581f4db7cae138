/**
 * A new user's path through Inspect and Evaluate, end to end on WASM (production build), on glass images: file
 * pickers are styled buttons (no "No file chosen" beside the panels' own summaries) and results show their paths; the
 * batch's three counts (passed, failed, could not be read); a failing image's defect regions in the detail view; at
 * tablet size (768x1024) the detail view's Previous/Next stay in view, swiping moves between images, the Fit button
 * has its own name, and the threshold slider sits above the grid, both in view; a double click on Export CSV saves
 * one file; Evaluate leaves an empty file out by name, opens a row's image with its heatmap and mask, exports once
 * per double click; and the page asks before unloading while results are not exported.
 */
import { expect, test } from '@playwright/test';
import type { Download, Page } from '@playwright/test';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildProfile, chooseBackend, DATASETS, openSharedPage, selectProfile, dismissAlerts } from './support';

const GLASS = join(DATASETS, 'glass');
const HAVE_GLASS = existsSync(join(GLASS, 'train', 'good')) && existsSync(join(GLASS, 'ground_truth'));
const PROFILE = 'glass-new-user';

test.describe.configure({ mode: 'serial' });
test.skip(!HAVE_GLASS, `needs the glass dataset at ${GLASS} (../shared/datasets, or set DATASETS_DIR)`);

let shared: Awaited<ReturnType<typeof openSharedPage>>;
let page: Page;
let work: string;
let batch: string;
let evalSet: string;
const downloads: Download[] = [];

function copy(from: string, to: string) {
  mkdirSync(join(to, '..'), { recursive: true });
  copyFileSync(from, to);
}

/** Downloads started by `act` within `settle` ms (a double click must give one). */
async function downloadsOf(act: () => Promise<void>, settle = 2500): Promise<Download[]> {
  const from = downloads.length;
  await act();
  await expect.poll(() => downloads.length, { timeout: 30_000 }).toBeGreaterThan(from);
  await page.waitForTimeout(settle);
  return downloads.slice(from);
}

/** Whether the page would ask before unloading now (the app's beforeunload listener cancels the event). */
const asksBeforeUnload = () => page.evaluate(() => !window.dispatchEvent(new Event('beforeunload', { cancelable: true })));

test.beforeAll(async ({ browser }) => {
  shared = await openSharedPage(browser, 'ai-new-user-');
  ({ page, work } = shared);
  page.on('download', (d) => downloads.push(d));
  // An inspection folder: 3 good, 3 defective, and an empty file among the good ones.
  batch = join(work, 'glass-batch');
  for (const g of ['000', '001', '002']) copy(join(GLASS, 'test', 'good', `${g}.png`), join(batch, 'good', `${g}.png`));
  for (const [d, f] of [['angle', '000'], ['angle', '001'], ['edge', '000']]) copy(join(GLASS, 'test', d, `${f}.png`), join(batch, d, `${f}.png`));
  writeFileSync(join(batch, 'good', 'empty.png'), Buffer.alloc(0));
  // A small labelled folder in MVTec layout, with masks, and an empty file in test/good.
  evalSet = join(work, 'glass-small');
  for (const g of ['003', '004', '005']) copy(join(GLASS, 'test', 'good', `${g}.png`), join(evalSet, 'test', 'good', `${g}.png`));
  for (const [d, f] of [['angle', '002'], ['angle', '003'], ['edge', '001'], ['edge', '002']]) {
    copy(join(GLASS, 'test', d, `${f}.png`), join(evalSet, 'test', d, `${f}.png`));
    const mask = join(GLASS, 'ground_truth', d, `${f}_mask.png`);
    if (existsSync(mask)) copy(mask, join(evalSet, 'ground_truth', d, `${f}_mask.png`));
  }
  writeFileSync(join(evalSet, 'test', 'good', 'empty.png'), Buffer.alloc(0));
});

test.afterAll(async () => {
  await shared?.close();
});

test('styled pickers: no "No file chosen" anywhere; a profile from glass; the batch shows paths and three plain counts', async () => {
  test.setTimeout(240_000);
  await page.goto('/#/inspect');
  await chooseBackend(page, 'wasm');
  // Every native file input is hidden behind its button (a 1 px box at most); the native text never shows.
  const boxes = await page.locator('input[type="file"]').evaluateAll((els) => els.map((e) => e.getBoundingClientRect()).map((r) => Math.max(r.width, r.height)));
  expect(boxes.length).toBeGreaterThan(2);
  for (const b of boxes) expect(b).toBeLessThanOrEqual(1);
  await expect(page.getByText('No file chosen')).toHaveCount(0);
  await expect(page.getByTestId('profiles-panel').getByText('Choose files').first()).toBeVisible();

  const trainDir = join(GLASS, 'train', 'good');
  const train = readdirSync(trainDir).filter((f) => /\.(png|jpe?g|bmp)$/i.test(f)).sort().slice(0, 10).map((f) => join(trainDir, f));
  await buildProfile(page, PROFILE, train);
  await selectProfile(page, PROFILE);
  await dismissAlerts(page);

  await page.getByTestId('inspect-folder').setInputFiles(batch);
  await expect(page.getByTestId('result-card')).toHaveCount(7);
  await expect(page.locator('[data-testid="result-card"][data-status="done"]')).toHaveCount(6, { timeout: 120_000 });
  // Paths, not bare names: two different 000.png read differently.
  const names = await page.getByTestId('result-card').evaluateAll((els) => els.map((e) => e.getAttribute('data-name')));
  expect(names).toContain('glass-batch/good/000.png');
  expect(names).toContain('glass-batch/angle/000.png');
  await expect(page.getByTestId('result-card').filter({ hasText: 'glass-batch/angle/000.png' })).toBeVisible();

  const verdicts = await page.getByTestId('result-card').evaluateAll((els) => els.map((e) => e.getAttribute('data-verdict')));
  const passed = verdicts.filter((v) => v === 'pass').length;
  const failed = verdicts.filter((v) => v === 'fail').length;
  expect(failed, 'some defective glass fails').toBeGreaterThan(0);
  await expect(page.getByTestId('inspect-counts')).toHaveText(`${passed} passed, ${failed} failed, 1 could not be read`);
  await expect(page.getByTestId('file-error')).toContainText('glass-batch/good/empty.png: the file is empty');
  await expect(page.getByTestId('inspect-keep-note')).toContainText('live only in this tab');
  expect(await asksBeforeUnload(), 'results not exported: the page asks before unloading').toBe(true);
});

test('a failing image shows its defect regions; at 768x1024 Previous/Next stay in view, swipe moves, Fit has its own name', async () => {
  await page.locator('[data-testid="result-card"][data-verdict="fail"]').first().getByTestId('open-detail').click();
  const detail = page.getByTestId('detail-view');
  await expect(detail).toHaveAttribute('data-verdict', 'fail');
  const regions = detail.getByTestId('detail-regions');
  expect(Number(await regions.getAttribute('data-count')), 'a failing image has at least one region').toBeGreaterThanOrEqual(1);
  await expect(detail.getByTestId('detail-largest-region')).toContainText('% of the image');
  expect(Number(await page.getByTestId('overlay-canvas').getAttribute('data-regions'))).toBeGreaterThanOrEqual(1);

  await page.setViewportSize({ width: 768, height: 1024 });
  await expect(page.getByTestId('detail-prev')).toBeInViewport({ ratio: 1 });
  await expect(page.getByTestId('detail-next')).toBeInViewport({ ratio: 1 });
  await expect(page.getByTestId('export-png')).toBeInViewport({ ratio: 1 });
  await expect(page.getByRole('button', { name: 'Fit image (0)' })).toBeVisible();
  await expect(page.getByRole('button', { name: 'Reset zoom (0)' })).toHaveCount(0);

  // Swipe left on the image: the next one.
  const name = await detail.getAttribute('data-name');
  const box = (await page.getByTestId('detail-stage').boundingBox())!;
  await page.mouse.move(box.x + box.width * 0.75, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width * 0.45, box.y + box.height / 2, { steps: 5 });
  await page.mouse.move(box.x + box.width * 0.2, box.y + box.height / 2, { steps: 5 });
  await page.mouse.up();
  await expect(detail).not.toHaveAttribute('data-name', name!);
  await page.getByTestId('detail-prev').click();
  await expect(detail).toHaveAttribute('data-name', name!);
  await page.keyboard.press('Escape');
  await expect(detail).toBeHidden();
});

test('at 768x1024 the threshold slider sits above the grid, both in view; verdicts change while it moves', async () => {
  await page.setViewportSize({ width: 768, height: 1024 });
  // Scrolled to the results, as a person on a tablet would: the compact threshold bar heads the grid.
  await page.getByTestId('inspect-keep-note').evaluate((e) => e.scrollIntoView({ block: 'start' }));
  const slider = page.getByTestId('inspect-threshold-slider');
  await expect(slider).toBeInViewport();
  const first = page.getByTestId('result-card').first();
  await expect(first).toBeInViewport();
  const s = (await slider.boundingBox())!;
  const g = (await first.boundingBox())!;
  expect(s.y + s.height, 'the slider is above the first result').toBeLessThanOrEqual(g.y);
  await slider.fill(await slider.getAttribute('max') as string);
  await expect(page.getByTestId('inspect-threshold-fails')).toHaveText('0 of 6 fail');
  await expect(page.locator('[data-testid="result-card"][data-verdict="fail"]')).toHaveCount(0);
  await expect(slider).toBeInViewport();
  await page.getByTestId('threshold-reset').click();
  await page.setViewportSize({ width: 1280, height: 800 });
  await expect(slider, 'at full width the Threshold panel beside the grid has it').toBeHidden();
  await expect(page.locator('[data-testid="result-card"][data-verdict="fail"]').first()).toBeVisible();
});

test('a double click on Export CSV downloads one file, with the regions columns', async () => {
  const got = await downloadsOf(() => page.getByTestId('export-csv').dblclick());
  expect(got).toHaveLength(1);
  const csv = join(work, 'inspect.csv');
  await got[0].saveAs(csv);
  const lines = readFileSync(csv, 'utf8').trim().split(/\r\n/);
  expect(lines[0]).toBe('name,verdict,normalized_score,raw_score,threshold,profile,label,error,regions,largest_region_percent');
  const rows = lines.slice(1).map((l) => l.split(','));
  const failed = rows.filter((x) => x[1] === 'fail');
  expect(failed.some((r) => r[0].includes('/angle/') || r[0].includes('/edge/')), 'a known glass defect among the failures').toBe(true);
  for (const r of failed) {
    expect(Number(r[8]), `${r[0]} fails: at least one region`).toBeGreaterThanOrEqual(1);
    expect(Number(r[9]), `${r[0]}: the largest region's area`).toBeGreaterThan(0);
  }
  expect(await asksBeforeUnload(), 'exported: the page lets go').toBe(false);
});

test('Evaluate: an empty file is left out by name; a row opens with its heatmap and mask; CSV once per double click', async () => {
  test.setTimeout(180_000);
  await page.getByTestId('nav-evaluate').click();
  await page.getByTestId('evaluate-folder').setInputFiles(evalSet);
  const set = page.getByTestId('evaluate-set');
  await expect(set).toHaveAttribute('data-count', '7');
  await expect(set).toContainText('3 good');
  await expect(page.getByTestId('evaluate-ignored-file')).toHaveText('glass-small/test/good/empty.png: not a usable image: the file is empty');
  await page.getByTestId('evaluate-run').click();
  await expect(page.getByTestId('evaluate-results')).toBeVisible({ timeout: 120_000 });
  await expect(page.getByTestId('evaluate-row')).toHaveCount(7);
  await expect(page.getByTestId('evaluate-keep-note')).toContainText('live only in this tab');
  expect(await asksBeforeUnload()).toBe(true);

  const row = page.locator('[data-testid="evaluate-row"][data-name="test/angle/002.png"]');
  await row.getByTestId('evaluate-open').click();
  const detail = page.getByTestId('evaluate-detail');
  await expect(detail).toHaveAttribute('data-status', 'done', { timeout: 60_000 });
  await expect(detail).toHaveAttribute('data-name', 'test/angle/002.png');
  const canvas = page.getByTestId('evaluate-detail-canvas');
  await expect(canvas).toBeVisible();
  if (existsSync(join(evalSet, 'ground_truth', 'angle', '002_mask.png'))) await expect(canvas).toHaveAttribute('data-mask', 'shown');
  expect(await canvas.evaluate((c: HTMLCanvasElement) => c.width)).toBeGreaterThan(224);
  await page.keyboard.press('Escape');
  await expect(detail).toBeHidden();

  const got = await downloadsOf(() => page.getByTestId('evaluate-export-csv').dblclick());
  expect(got).toHaveLength(1);
  const csv = join(work, 'evaluate.csv');
  await got[0].saveAs(csv);
  const lines = readFileSync(csv, 'utf8').trim().split(/\r\n/);
  expect(lines[0]).toBe('name,label,defect,score,verdict,regions');
  expect(lines).toHaveLength(8);
  expect(lines.some((l) => l.includes('empty.png'))).toBe(false);
  expect(await asksBeforeUnload()).toBe(false);
});
