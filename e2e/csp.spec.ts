/**
 * The Content-Security-Policy of the production build (src/sw/csp.ts) is delivered three ways and breaks nothing:
 *  - as a header from `vite preview` (every response) and as a `<meta http-equiv>` in the built index.html (without
 *    frame-ancestors, which a meta element cannot carry);
 *  - from the service worker: a navigation it answers (offline, from its cache) carries the same header;
 *  - no screen violates it: Inspect/home (WASM threaded start, a WebGPU start, the benchmark with its chart, images
 *    inspected and one opened in the detail view), the demo to its first heatmap, Live on the fake camera to a
 *    verdict, Evaluate and Train opened, the app reloaded offline. Violations are collected from
 *    `securitypolicyviolation` events (an init script) and from console messages of the pages and their web workers
 *    that mention the Content Security Policy; a refusal inside tfjs' WASM pthread workers would also show as a
 *    WASM backend without threads, which is checked.
 * Finally the policy is shown to bite: an injected inline script does not run and is reported.
 * No shared data is needed (the demo profile ships with the build; the images are the WRN fixture's input).
 */
import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_PROFILE_ID } from '../src/engine/demo/recipe';
import { contentSecurityPolicy, cspDirectives } from '../src/sw/csp';
import { chooseBackend, recordCspViolations, waitControlled, waitEngineReady } from './support';

const INPUT = readFileSync(join(process.cwd(), 'test', 'fixtures', 'wrn', 'input.png'));
const images = (n: number, prefix: string) => Array.from({ length: n }, (_, i) => ({ name: `${prefix}-${i}.png`, mimeType: 'image/png', buffer: INPUT }));

test('every screen runs under the Content-Security-Policy without a violation; header, meta and service worker carry it', async ({ browser }) => {
  test.setTimeout(300_000);
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, acceptDownloads: true });
  const csp = await recordCspViolations(context);
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log(`[pageerror] ${e.message}`));
  const seen = (what: string) => expect(csp.reports, `CSP violations up to ${what}`).toEqual([]);
  try {
    // Header and meta.
    const response = await page.goto('/');
    expect(response!.headers()['content-security-policy']).toBe(contentSecurityPolicy());
    const meta = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute('content');
    expect(meta).toBe(contentSecurityPolicy({ meta: true }));
    expect(cspDirectives(meta!)['frame-ancestors']).toBeUndefined();
    expect(cspDirectives(response!.headers()['content-security-policy'])['frame-ancestors']).toBe("'none'");
    // The meta element precedes every script of the page.
    expect(await page.evaluate(() => [...document.head.children].findIndex((e) => e.matches('meta[http-equiv="Content-Security-Policy"]')) < [...document.head.children].findIndex((e) => e.tagName === 'SCRIPT'))).toBe(true);

    // Home: the WASM backend with threads (its pthread workers are blob: workers loading blob: script).
    await chooseBackend(page, 'wasm');
    await expect(page.getByTestId('backend-badge')).toHaveAttribute('data-wasm-threaded', 'true');
    // tfjs' pool is half the logical cores (one thread on a 2-core machine): the threaded build with its pool started.
    const cores = await page.evaluate(() => navigator.hardwareConcurrency);
    expect(Number(await page.getByTestId('backend-badge').getAttribute('data-wasm-threads'))).toBeGreaterThanOrEqual(Math.max(1, Math.min(8, Math.floor(cores / 2))));
    await waitControlled(page);
    seen('the WASM threaded start');

    // The benchmark, with its table and chart.
    await page.getByTestId('nav-advanced').click();
    await page.getByTestId('bench-files').setInputFiles(images(2, 'bench'));
    await page.getByTestId('bench-run').click();
    await expect(page.getByTestId('bench-row')).toHaveCount(1, { timeout: 120_000 });
    await expect(page.getByTestId('bench-chart').locator('.recharts-bar-rectangle').first()).toBeVisible();
    seen('the benchmark');

    // A WebGPU start (SwiftShader here), then back to WASM.
    await chooseBackend(page, 'webgpu');
    seen('the WebGPU start');
    await chooseBackend(page, 'wasm');

    // The demo to its first heatmap (it stores the demo profile).
    await page.goto('/#/demo');
    await expect(page.getByTestId('demo-heatmap').first()).toBeVisible({ timeout: 120_000 });
    await expect(page.getByTestId('demo-view')).toHaveAttribute('data-phase', 'done', { timeout: 120_000 });
    seen('the demo');

    // Live on the fake camera, judged with the demo profile.
    await page.getByTestId('nav-live').click();
    await page.getByTestId('live-profile').selectOption(DEMO_PROFILE_ID);
    await expect(page.getByTestId('live-verdict')).toHaveAttribute('data-verdict', /^(pass|fail)$/, { timeout: 60_000 });
    await expect.poll(async () => Number(await page.getByTestId('live-fps').getAttribute('data-fps')), { timeout: 30_000 }).toBeGreaterThan(0);
    const download = page.waitForEvent('download');
    await page.getByTestId('live-snapshot').click();
    await download;
    seen('Live');

    // Inspect two images against the demo profile; open one in the detail view.
    await page.getByTestId('nav-home').click();
    await page.locator(`[data-testid="profile-item"][data-profile-id="${DEMO_PROFILE_ID}"]`).getByRole('radio').check();
    await page.getByTestId('inspect-files').setInputFiles(images(2, 'part'));
    await expect(page.locator('[data-testid="result-card"][data-status="done"]')).toHaveCount(2, { timeout: 120_000 });
    await page.getByTestId('open-detail').first().click();
    await expect(page.getByTestId('overlay-canvas')).toBeVisible();
    await page.keyboard.press('Escape');
    await expect(page.getByTestId('detail-view')).toBeHidden();
    seen('Inspect');

    // Evaluate and Train, opened and given files.
    await page.getByTestId('nav-evaluate').click();
    await expect(page.getByTestId('evaluate-view')).toBeVisible();
    await page.getByTestId('nav-train').click();
    await expect(page.getByTestId('train-view')).toHaveAttribute('data-loaded', 'true');
    await page.getByTestId('train-files').setInputFiles(images(2, 'train'));
    await expect(page.getByTestId('train-file-count')).toHaveAttribute('data-count', '2');
    seen('Evaluate and Train');

    // The service worker's responses: offline, the page comes from its cache with the same policy.
    await context.setOffline(true);
    try {
      const cached = await page.reload();
      expect(cached!.fromServiceWorker()).toBe(true);
      expect(cached!.headers()['content-security-policy']).toBe(contentSecurityPolicy());
      expect(cached!.headers()['cross-origin-embedder-policy']).toBe('require-corp');
      await waitEngineReady(page);
      expect(await page.evaluate(() => self.crossOriginIsolated)).toBe(true);
      const worker = await page.evaluate(async () => {
        const entry = document.querySelector<HTMLScriptElement>('script[type="module"][src]')!.src;
        const name = (await (await fetch(entry)).text()).match(/engine\.worker-[\w-]+\.js/)?.[0];
        return name ? (await fetch(new URL(name, entry))).headers.get('content-security-policy') : null;
      });
      expect(worker, "the engine worker's script (its policy) from the service worker").toBe(contentSecurityPolicy());
    } finally {
      await context.setOffline(false);
    }
    seen('the offline reload');

    // The policy bites: an injected inline script does not run, and is reported.
    await page.evaluate(() => {
      const s = document.createElement('script');
      s.textContent = 'window.__injected = true';
      document.body.append(s);
    });
    await expect.poll(() => csp.reports.filter((r) => r.kind === 'event' && r.directive === 'script-src-elem').length).toBeGreaterThan(0);
    expect(await page.evaluate(() => (window as unknown as { __injected?: boolean }).__injected)).toBeUndefined();
  } finally {
    await context.close();
  }
});
