/**
 * The Train view's cost before Start and its proof after the end, in the production build on WASM:
 *  - the expected duration of a tiny run (2 bottle images, 64 px, batch 2, one epoch per stage), measured by a short
 *    calibration before Start, is within a factor of 2 of the time the run then takes (both ways); the total ETA is
 *    shown while it runs; a run over 30 min is warned about with what to change;
 *  - after the run, "Evaluate before and after" on a labelled folder builds a profile on each backbone and says
 *    whether the fine-tuned one is better, with the figures.
 */
import { expect, test } from '@playwright/test';
import { copyFileSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { BOTTLE, chooseBackend, HAVE_BOTTLE, openSharedPage, SKIP_REASON, trainImages } from './support';

test.skip(!HAVE_BOTTLE, SKIP_REASON);

test('WASM: the estimate shown before Start is within a factor of 2 of the tiny run, and the run ends with a before/after verdict', async ({ browser }) => {
  test.setTimeout(240_000);
  const shared = await openSharedPage(browser, 'ai-train-estimate-');
  const { page, work } = shared;
  try {
    await page.goto('/');
    await chooseBackend(page, 'wasm');
    await page.getByTestId('nav-train').click();
    await expect(page.getByTestId('train-view')).toHaveAttribute('data-loaded', 'true');
    for (const [k, v] of Object.entries({ 'image-size': 64, batch: 2, 'micro-batch': 2, 'stage1-epochs': 1, 'stage2-epochs': 1 })) await page.getByTestId(`train-${k}`).fill(String(v));
    await page.getByTestId('train-files').setInputFiles(trainImages(2));

    // Measured before Start.
    const estimate = page.getByTestId('train-estimate');
    await expect(estimate).toHaveAttribute('data-status', 'ready', { timeout: 90_000 });
    const expected = Number(await estimate.getAttribute('data-seconds'));
    await expect(estimate).toContainText('Measured on WASM at 64 px, micro-batch 2');
    await expect(page.getByTestId('train-estimate-long')).toHaveCount(0);

    // A long run is warned about, with numbers (the arithmetic only: nothing is measured again).
    await page.getByTestId('train-stage1-epochs').fill('20000');
    await expect(page.getByTestId('train-estimate-long')).toContainText('over 30 minutes');
    await expect(page.getByTestId('train-estimate-shorter-epochs')).toContainText(/^\d+ \+ 1 epochs instead of 20000 \+ 1: about \d+ min$/);
    await expect(page.getByTestId('train-estimate-shorter-imageSize')).toHaveCount(0);
    await page.getByTestId('train-stage1-epochs').fill('1');
    await expect(estimate).toHaveAttribute('data-seconds', String(expected.toFixed(1)));

    const started = Date.now();
    await page.getByTestId('train-start').click();
    await expect(page.getByTestId('train-total-eta')).toContainText(/left in all/, { timeout: 60_000 });
    const result = page.getByTestId('train-result');
    await expect(result).toBeVisible({ timeout: 120_000 });
    const measured = (Date.now() - started) / 1000;
    const reported = Number((await result.innerText()).match(/ in (\d+) s on wasm/)![1]);
    console.log(`tiny WASM run: estimated ${expected.toFixed(1)} s before Start; took ${measured.toFixed(1)} s from Start to the stored backbone (the worker reports ${reported} s)`);
    expect(expected / measured, `estimated ${expected} s, measured ${measured} s`).toBeGreaterThan(0.5);
    expect(expected / measured, `estimated ${expected} s, measured ${measured} s`).toBeLessThan(2);

    // Before and after on a labelled folder (MVTec AD layout, no masks: image AUROC decides).
    const ds = join(work, 'bottle-eval');
    for (const [defect, n] of [['good', 2], ['broken_large', 2]] as const) {
      mkdirSync(join(ds, 'test', defect), { recursive: true });
      for (const f of readdirSync(join(BOTTLE, 'test', defect)).sort().slice(0, n)) copyFileSync(join(BOTTLE, 'test', defect, f), join(ds, 'test', defect, f));
    }
    await page.getByTestId('train-proof-folder').setInputFiles(ds);
    await expect(page.getByTestId('train-proof-folder-summary')).toContainText('"bottle-eval": 4 test images (2 good ones, 1 defect type), 0 masks');
    const t = Date.now();
    await page.getByTestId('train-proof-run').click();
    const verdict = page.getByTestId('train-proof-verdict');
    await expect(verdict).toBeVisible({ timeout: 150_000 });
    await expect(verdict).toHaveAttribute('data-basis', 'image');
    await expect(verdict).toContainText(/The fine-tuned backbone is (better|no better) on "bottle-eval": image AUROC \d\.\d{4} → \d\.\d{4}/);
    const better = await verdict.getAttribute('data-better');
    expect((await verdict.innerText()).startsWith(better === 'true' ? 'Better.' : 'No better.')).toBe(true);
    console.log(`before/after: ${((Date.now() - t) / 1000).toFixed(1)} s; ${await verdict.innerText()}`);
    await expect(page.getByTestId('train-profile')).toContainText('images (resnet50-imagenet-tocoad-images)');
  } finally {
    await shared.close();
  }
});
