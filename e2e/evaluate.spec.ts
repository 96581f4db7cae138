/**
 * The Evaluate view end to end on WASM: a profile built in the page from glass/train/good (18 images,
 * every image in the bank and calibrated out of sample, as `fit`), exported; the labelled glass folder (test + ground_truth,
 * 98 images) evaluated in the page; the four metrics read from the page equal `eval --profile` of the
 * CLI on the exported profile within 1e-4. A folder outside the layout gets its message. A second profile
 * evaluated on the same folder appears side by side with the first. Screenshots.
 */
import { expect, test } from '@playwright/test';
import type { Page } from '@playwright/test';
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildProfile, chooseBackend, cli, DATASETS, openSharedPage, profileRow, dismissAlerts } from './support';

const GLASS = join(DATASETS, 'glass');
const HAVE_GLASS = existsSync(join(GLASS, 'train', 'good')) && existsSync(join(GLASS, 'test'));
const PROFILE = 'glass-eval';
const SHOTS = 'docs/screenshots';
const METRICS = ['image_auroc', 'pixel_auroc', 'aupro', 'f1_max'] as const;

test.describe.configure({ mode: 'serial' });
test.skip(!HAVE_GLASS, `needs the glass dataset at ${GLASS} (../shared/datasets, or set DATASETS_DIR)`);

let shared: Awaited<ReturnType<typeof openSharedPage>>;
let page: Page;
let work: string;

test.beforeAll(async ({ browser }) => {
  shared = await openSharedPage(browser, 'ai-evaluate-');
  ({ page, work } = shared);
});

test.afterAll(async () => {
  await shared?.close();
});

test('glass evaluated in the page equals `eval` of the CLI on the exported profile', async () => {
  test.setTimeout(360_000);
  await page.goto('/#/inspect');
  await chooseBackend(page, 'wasm');
  const trainDir = join(GLASS, 'train', 'good');
  const train = readdirSync(trainDir).filter((f) => /\.(png|jpe?g|bmp)$/i.test(f)).sort().map((f) => join(trainDir, f));
  expect(train).toHaveLength(18);
  await buildProfile(page, PROFILE, train);
  const download = page.waitForEvent('download');
  await profileRow(page, PROFILE).getByTestId('export-button').click();
  const exported = join(work, (await download).suggestedFilename());
  await (await download).saveAs(exported);

  await page.getByTestId('nav-evaluate').click();
  await expect(page.getByTestId('evaluate-view')).toBeVisible();
  await expect(page.getByTestId('evaluate-profile')).toHaveValue(/.+/);

  // A folder without test/: a clear message, nothing to run.
  await page.getByTestId('evaluate-folder').setInputFiles(join(GLASS, 'train'));
  await expect(page.getByTestId('evaluate-error')).toContainText('No test images found');
  await expect(page.getByTestId('evaluate-run')).toBeDisabled();

  await page.getByTestId('evaluate-folder').setInputFiles(GLASS);
  const set = page.getByTestId('evaluate-set');
  await expect(set).toHaveAttribute('data-count', '98');
  const masks = Number(await set.getAttribute('data-masks'));
  expect(masks).toBeGreaterThan(0);
  await expect(page.getByTestId('evaluate-error')).toBeHidden();

  const t0 = Date.now();
  await page.getByTestId('evaluate-run').click();
  await expect(page.getByTestId('evaluate-progress-eta')).toContainText(/left|estimating/, { timeout: 60_000 });
  await expect(page.getByTestId('evaluate-results')).toBeVisible({ timeout: 240_000 });
  const pageSeconds = (Date.now() - t0) / 1000;
  const fromPage: Record<string, number> = {};
  for (const m of METRICS) fromPage[m] = Number(await page.getByTestId(`metric-${m}`).getAttribute('data-value'));
  await expect(page.getByTestId('evaluate-row')).toHaveCount(98);
  const bank = Number(await page.getByTestId('evaluate-bank').textContent());

  const json = join(work, 'eval.json');
  const t1 = Date.now();
  await cli(['eval', '--data', GLASS, '--profile', exported, '--json', json, '--quiet']);
  const cliSeconds = (Date.now() - t1) / 1000;
  const fromCli = JSON.parse(readFileSync(json, 'utf8')) as Record<string, number> & { images: { name: string; score: number }[]; bank_size: number };
  console.log(`page (${pageSeconds.toFixed(1)} s): ${JSON.stringify(fromPage)}`);
  console.log(`CLI  (${cliSeconds.toFixed(1)} s): ${JSON.stringify(Object.fromEntries(METRICS.map((m) => [m, fromCli[m]])))}`);
  for (const m of METRICS) expect(Math.abs(fromPage[m] - fromCli[m]), `${m}: page ${fromPage[m]} vs CLI ${fromCli[m]}`).toBeLessThanOrEqual(1e-4);
  expect(bank).toBe(fromCli.bank_size);
  // Per-image raw scores, page vs CLI (names: relative to the folder vs paths under it).
  const rows = await page.getByTestId('evaluate-row').evaluateAll((els) => els.map((e) => ({ name: e.getAttribute('data-name')!, score: Number(e.getAttribute('data-score')) })));
  const cliScores = new Map(fromCli.images.map((i) => [i.name.split('/').slice(-3).join('/'), i.score]));
  let worst = 0;
  for (const r of rows) worst = Math.max(worst, Math.abs(r.score - cliScores.get(r.name)!) / Math.max(1e-12, Math.abs(r.score)));
  console.log(`largest relative per-image score difference page vs CLI: ${worst.toExponential(2)}`);
  expect(worst).toBeLessThan(1e-3);

  // Cancel: the run stops, the last result stays.
  await page.getByTestId('evaluate-run').click();
  await expect(page.getByTestId('evaluate-progress')).toBeVisible();
  await page.getByTestId('evaluate-cancel').click();
  await expect(page.getByTestId('alerts')).toContainText('Evaluation cancelled');
  await expect(page.getByTestId('evaluate-run')).toBeEnabled();
  await expect(page.getByTestId('evaluate-progress')).toBeHidden();
  await expect(page.getByTestId('metric-image_auroc')).toHaveAttribute('data-value', String(fromPage.image_auroc));
  await dismissAlerts(page);

  mkdirSync(SHOTS, { recursive: true });
  for (const [w, h] of [
    [1280, 800],
    [768, 1024],
  ]) {
    await page.setViewportSize({ width: w, height: h });
    await page.mouse.move(0, 0);
    await page.getByTestId('evaluate-view').evaluate((e) => e.scrollIntoView({ block: 'start' }));
    await page.waitForTimeout(400);
    await page.screenshot({ path: `${SHOTS}/evaluate-${w}x${h}.png` });
  }
  await page.setViewportSize({ width: 1280, height: 800 });
});

test('a second profile evaluated on the same folder is shown side by side with the first', async () => {
  test.setTimeout(300_000);
  const first: Record<string, string> = {};
  for (const m of METRICS) first[m] = (await page.getByTestId(`metric-${m}`).getAttribute('data-value')) ?? '';
  expect(first.image_auroc).not.toBe('');

  // A weaker profile: 4 of the 18 training images.
  await page.getByTestId('nav-home').click();
  const trainDir = join(GLASS, 'train', 'good');
  const few = readdirSync(trainDir).filter((f) => /\.(png|jpe?g|bmp)$/i.test(f)).sort().slice(0, 4).map((f) => join(trainDir, f));
  await buildProfile(page, 'glass-4-images', few);

  await page.getByTestId('nav-evaluate').click();
  const select = page.getByTestId('evaluate-profile');
  const value = await select.locator('option', { hasText: 'glass-4-images' }).getAttribute('value');
  await select.selectOption(value!);
  await expect(page.getByTestId('evaluate-set')).toHaveAttribute('data-count', '98');
  await page.getByTestId('evaluate-run').click();
  const table = page.getByTestId('evaluate-compare');
  await expect(table).toBeVisible({ timeout: 240_000 });

  await expect(table.getByTestId('compare-profile')).toHaveCount(2);
  expect(await table.getByTestId('compare-profile').evaluateAll((els) => els.map((e) => e.getAttribute('data-profile')))).toEqual([PROFILE, 'glass-4-images']);
  for (const m of METRICS) {
    const cells = await table.getByTestId(`compare-${m}`).evaluateAll((els) => els.map((e) => e.getAttribute('data-value')));
    // First column: the first profile's run as it was; second: the run just made (the metric cards show it).
    expect(cells[0], m).toBe(first[m]);
    expect(cells[1], m).toBe(await page.getByTestId(`metric-${m}`).getAttribute('data-value'));
  }
  console.log(`side by side: ${JSON.stringify(Object.fromEntries(await Promise.all(METRICS.map(async (m) => [m, await table.getByTestId(`compare-${m}`).evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-value')).toFixed(4)))]))))}`);

  await page.mouse.move(0, 0);
  await page.getByTestId('evaluate-results').evaluate((e) => e.scrollIntoView({ block: 'start' }));
  await page.waitForTimeout(300);
  await page.screenshot({ path: `${SHOTS}/evaluate-compare-1280x800.png` });
});
