/**
 * The first screen of an empty browser, as a newcomer meets it (production build, 1280x800 and 768x1024):
 * three ways in (demo, teach it your part, open a profile), no engine vocabulary anywhere on the screen (those words
 * live on the Advanced page), every control at least 44 px; a bad link is refused beside its field; then the
 * part is taught from good photos and the app lands on Inspect, which is what `#/` shows from then on.
 */
import { expect, test } from '@playwright/test';
import type { Page } from '@playwright/test';
import { HAVE_BOTTLE, openSharedPage, SKIP_REASON, trainImages, waitEngineReady } from './support';

/** Words that belong on the Advanced page, not the first screen. */
const ADVANCED_WORDS = /coreset|backbone|float16|float32|wasm|webgpu|webgl|calibrat|tfjs|simd/i;

async function visibleText(page: Page): Promise<string> {
  return page.evaluate(() => document.body.innerText);
}

/**
 * Visible controls smaller than 44 px in either direction (native file inputs are hidden behind their buttons; a
 * checkbox or radio button counts with its label, which takes the tap).
 */
async function smallTargets(page: Page): Promise<string[]> {
  return page.evaluate(() =>
    [...document.querySelectorAll<HTMLElement>('button, a[href], input:not([type="file"]), select, summary, label.button-like')]
      .filter((e) => e.offsetParent !== null)
      .map((e) => ({ e, r: ((e.matches('[type="checkbox"], [type="radio"]') && e.closest('label')) || e).getBoundingClientRect() }))
      .filter(({ r }) => r.width > 0 && (r.width < 44 || r.height < 44))
      .map(({ e, r }) => `${e.tagName.toLowerCase()} "${(e.textContent || e.getAttribute('aria-label') || e.getAttribute('data-testid') || '').trim().slice(0, 30)}" ${r.width.toFixed(0)}x${r.height.toFixed(0)}`),
  );
}

test('an empty browser: three ways in, plain words, 44 px targets; teaching a part lands on Inspect', async ({ browser }) => {
  test.setTimeout(300_000);
  const { page, close } = await openSharedPage(browser, 'start-');
  try {
    await page.goto('/');
    await waitEngineReady(page);
    const start = page.getByTestId('start-view');
    await expect(start).toBeVisible();
    for (const way of ['start-demo', 'start-teach', 'start-open']) await expect(page.getByTestId(way)).toBeVisible();
    await expect(page.getByTestId('nav-start')).toHaveAttribute('aria-current', 'page');
    for (const size of [
      { width: 1280, height: 800 },
      { width: 768, height: 1024 },
    ]) {
      await page.setViewportSize(size);
      const text = await visibleText(page);
      expect(text.match(ADVANCED_WORDS), `advanced words on the first screen at ${size.width}x${size.height}`).toBeNull();
      expect(await smallTargets(page), `controls under 44 px at ${size.width}x${size.height}`).toEqual([]);
      await page.screenshot({ path: `docs/screenshots/start-${size.width}x${size.height}.png`, fullPage: true });
    }
    await page.setViewportSize({ width: 1280, height: 800 });

    // The words live on the Advanced page, with the backend choice.
    await page.getByTestId('nav-advanced').click();
    await expect(page.getByTestId('backend-select')).toBeVisible();
    expect(await visibleText(page)).toMatch(/WebAssembly|WASM/);
    await page.screenshot({ path: 'docs/screenshots/advanced-1280x800.png', fullPage: true });
    await page.setViewportSize({ width: 768, height: 1024 });
    await page.screenshot({ path: 'docs/screenshots/advanced-768x1024.png', fullPage: true });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByTestId('nav-start').click();

    // A link that is not http(s) is refused beside its field.
    await page.getByTestId('start-open-link').fill('ftp://example.com/part.safetensors');
    await page.getByTestId('start-open-link-button').click();
    await expect(page.getByTestId('start-open-link-problem')).toContainText('Only http and https links');
    await expect(page).toHaveURL(/\/(#\/start)?$/);

    if (!HAVE_BOTTLE) {
      console.log(`teaching step skipped: ${SKIP_REASON}`);
      return;
    }
    // Teach it a part: photos of good parts and a name; then Inspect, with the new profile chosen.
    await page.getByTestId('start-teach-files').setInputFiles(trainImages(10));
    await expect(page.getByTestId('start-teach-file-count')).toContainText('10 images');
    await expect(page.getByTestId('start-teach-advice')).toHaveCount(0);
    await page.getByTestId('start-teach-name').fill('bottle from the start screen');
    await page.getByTestId('start-teach-button').click();
    await expect(page.getByTestId('start-teach-progress')).toBeVisible();
    expect((await visibleText(page)).match(ADVANCED_WORDS), 'advanced words while learning').toBeNull();
    await expect(page.getByTestId('inspect-panel')).toBeVisible({ timeout: 240_000 });
    await expect(page.locator('[data-testid="profile-item"][data-profile-name="bottle from the start screen"]').getByRole('radio')).toBeChecked();
    // From now on the home is Inspect; its controls are touch-sized too.
    await page.goto('/');
    await expect(page.getByTestId('inspect-panel')).toBeVisible();
    await expect(page.getByTestId('nav-home')).toHaveAttribute('aria-current', 'page');
    for (const size of [
      { width: 1280, height: 800 },
      { width: 768, height: 1024 },
    ]) {
      await page.setViewportSize(size);
      expect(await smallTargets(page), `Inspect: controls under 44 px at ${size.width}x${size.height}`).toEqual([]);
    }
  } finally {
    await close();
  }
});
