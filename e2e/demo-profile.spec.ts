/**
 * The demo beside the person's own profiles (issue #15), in the production build:
 * - opening the demo never changes the selected profile: with a bottle profile built and selected, the demo runs
 *   on its own profile; back in the profiles view the bottle profile is still selected and a good bottle still
 *   passes; Live judges with the bottle profile too, not the demo's;
 * - the demo's "first heatmap after X s" counts from opening the demo, not from the page load.
 * Needs the MVTec bottle images (../shared/datasets, or DATASETS_DIR).
 */
import { expect, test } from '@playwright/test';
import type { Page } from '@playwright/test';
import { DEMO_PROFILE_ID } from '../src/engine/demo/recipe';
import { buildProfile, HAVE_BOTTLE, openSharedPage, pageNow, profileRow, scoreImage, selectProfile, SKIP_REASON, TEST_GOOD, trainImages, waitEngineReady } from './support';

test.skip(!HAVE_BOTTLE, SKIP_REASON);
test.describe.configure({ mode: 'serial' });

const PROFILE = 'bottle-own';
let page: Page;
let close: () => Promise<void>;

test.beforeAll(async ({ browser }) => {
  ({ page, close } = await openSharedPage(browser, 'demo-profile-'));
});

test.afterAll(async () => {
  await close?.();
});

test('the demo leaves the selected profile alone, and times its first heatmap from its opening', async () => {
  await page.goto('/#/inspect');
  await waitEngineReady(page);
  await buildProfile(page, PROFILE, trainImages(10));
  await selectProfile(page, PROFILE);
  const bottleId = await profileRow(page, PROFILE).getAttribute('data-profile-id');
  expect(bottleId).toBeTruthy();
  expect(bottleId).not.toBe(DEMO_PROFILE_ID);

  // The demo, opened from the nav long after the page loaded (the build took a while).
  const openedAt = await pageNow(page);
  await page.getByTestId('nav-demo').click();
  const view = page.getByTestId('demo-view');
  await expect(page.getByTestId('demo-heatmap').first()).toBeVisible({ timeout: 120_000 });
  const seenAt = await pageNow(page);
  await expect(view).toHaveAttribute('data-phase', 'done', { timeout: 120_000 });
  const firstS = Number(await view.getAttribute('data-first-heatmap-s'));
  console.log(`demo opened ${(openedAt / 1000).toFixed(1)} s after the page load; first heatmap ${firstS.toFixed(2)} s after opening it`);
  expect(firstS).toBeGreaterThan(0);
  expect(firstS, 'counted from opening the demo').toBeLessThanOrEqual((seenAt - openedAt) / 1000 + 0.05);
  expect(firstS, 'not from the page load').toBeLessThan(openedAt / 1000);
  await expect(page.getByTestId('demo-status')).toContainText('7 of 7 parts judged correctly');

  // Back to the profiles: the same profile is selected, and a good bottle still passes against it.
  await page.getByTestId('nav-home').click();
  await expect(profileRow(page, PROFILE).getByRole('radio')).toBeChecked();
  await expect(page.locator(`[data-testid="profile-item"][data-profile-id="${DEMO_PROFILE_ID}"]`).getByRole('radio')).not.toBeChecked();
  const good = await scoreImage(page, TEST_GOOD());
  console.log(`good bottle after the demo: score ${good.score.toFixed(2)}, ${good.verdict}`);
  expect(good.verdict).toBe('pass');

  // Live judges with the selected profile, not the demo's.
  await page.getByTestId('nav-live').click();
  await expect(page.getByTestId('live-profile')).toHaveValue(bottleId!);
  await expect(page.getByTestId('live-profile')).toHaveAttribute('data-profile-name', PROFILE);
  await page.getByTestId('nav-home').click();
});
