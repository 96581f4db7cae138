import { expect, test } from '@playwright/test';

test('the production build loads, cross-origin isolated for threaded WASM', async ({ page }) => {
  await page.goto('/');
  await expect(page.getByRole('heading', { name: 'Anomaly Inspector' })).toBeVisible();
  expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
});
