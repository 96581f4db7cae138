/** Helpers for the engine e2e tests: dataset files, the app's controls, the CLI. */
import { expect } from '@playwright/test';
import type { Browser, BrowserContext, Page } from '@playwright/test';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

export const DATASETS = resolve(process.env.DATASETS_DIR ?? join(process.cwd(), '..', 'shared', 'datasets'));
export const BOTTLE = join(DATASETS, 'mvtec-bottle');
export const HAVE_BOTTLE = existsSync(join(BOTTLE, 'train', 'good'));
export const SKIP_REASON = `needs the MVTec bottle images at ${BOTTLE} (../shared/datasets, or set DATASETS_DIR)`;

export function trainImages(count: number): string[] {
  const dir = join(BOTTLE, 'train', 'good');
  return readdirSync(dir)
    .filter((f) => /\.(png|jpe?g|bmp)$/i.test(f))
    .sort()
    .slice(0, count)
    .map((f) => join(dir, f));
}

export const TEST_DEFECT = () => join(BOTTLE, 'test', 'broken_large', '000.png');
export const TEST_GOOD = () => join(BOTTLE, 'test', 'good', '000.png');

/** Collects main-thread long tasks from page start; read them with longTasksSince. */
export const LONG_TASK_OBSERVER = `
  window.__longTasks = [];
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  } catch (e) { window.__longTasks = null; }
`;

export async function pageNow(page: Page): Promise<number> {
  return page.evaluate(() => performance.now());
}

export async function longTasksBetween(page: Page, from: number, to: number): Promise<{ start: number; duration: number }[]> {
  const all = await page.evaluate(() => (window as unknown as { __longTasks: { start: number; duration: number }[] | null }).__longTasks);
  expect(all, 'PerformanceObserver longtask is supported').not.toBeNull();
  return all!.filter((t) => t.start >= from && t.start <= to);
}

export async function waitEngineReady(page: Page, backend?: string): Promise<void> {
  const badge = page.getByTestId('backend-badge');
  await expect(badge).toHaveAttribute('data-status', 'ready', { timeout: 180_000 });
  if (backend) await expect(badge).toHaveAttribute('data-backend', backend);
}

export async function chooseBackend(page: Page, backend: string): Promise<void> {
  const badge = page.getByTestId('backend-badge');
  await waitEngineReady(page);
  if ((await page.getByTestId('backend-select').inputValue()) !== backend) await page.getByTestId('backend-select').selectOption(backend);
  await waitEngineReady(page, backend);
  await expect(badge).toHaveAttribute('data-backend', backend);
}

export function profileRow(page: Page, name: string) {
  return page.locator(`[data-testid="profile-item"][data-profile-name="${name}"]`);
}

export async function profileNames(page: Page): Promise<string[]> {
  await expect(page.getByTestId('profile-list').or(page.getByTestId('no-profiles'))).toBeVisible();
  return page.locator('[data-testid="profile-item"]').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-profile-id')}:${e.getAttribute('data-profile-name')}`));
}

/** Builds a profile through the UI; returns the long tasks seen on the main thread meanwhile. */
export async function buildProfile(page: Page, name: string, files: string[]): Promise<{ longTasks: { start: number; duration: number }[]; sawProgress: boolean }> {
  const panel = page.getByTestId('profiles-panel');
  await page.getByTestId('build-files').setInputFiles(files);
  await expect(page.getByTestId('build-file-count')).toContainText(`${files.length} images`);
  await panel.getByLabel('Profile name').fill(name);
  const from = await pageNow(page);
  await page.getByTestId('build-button').click();
  let sawProgress: boolean;
  const progress = page.getByTestId('build-progress');
  try {
    await expect(progress).toBeVisible({ timeout: 10_000 });
    await expect(page.getByTestId('build-progress-eta')).toContainText(/left|estimating/, { timeout: 60_000 });
    sawProgress = true;
  } catch {
    sawProgress = false;
  }
  await expect(profileRow(page, name)).toBeVisible({ timeout: 280_000 });
  // The build runs until its result reaches the page; what follows (saving, other panels reacting
  // to the new profile) is not the build.
  const to = Number(await page.getByTestId('create-profile').getAttribute('data-build-result-at'));
  expect(to).toBeGreaterThan(from);
  const all = await longTasksBetween(page, from, await pageNow(page));
  if (all.length) console.log(`long tasks from the click to the profile listed (result at ${to.toFixed(0)}): ${JSON.stringify(all)}`);
  return { longTasks: all.filter((t) => t.start < to), sawProgress };
}

export async function selectProfile(page: Page, name: string): Promise<void> {
  await profileRow(page, name).getByRole('radio').check();
}

export async function scoreImage(page: Page, file: string): Promise<{ score: number; backend: string; verdict: string }> {
  const result = page.getByTestId('score-result');
  await page.getByTestId('score-input').setInputFiles(file);
  await expect(page.getByTestId('score-running')).toBeHidden({ timeout: 180_000 });
  await expect(result).toBeVisible({ timeout: 180_000 });
  return {
    score: Number(await result.getAttribute('data-raw-score')),
    backend: (await result.getAttribute('data-backend')) ?? '',
    verdict: (await result.getAttribute('data-verdict')) ?? '',
  };
}

export function relDiff(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b), 1e-12);
}

const run = promisify(execFile);

/** `npm run cli -- <args>`; returns stdout (the command's JSON). */
export async function cli(args: string[]): Promise<string> {
  const { stdout } = await run('npx', ['tsx', 'src/cli/main.ts', ...args], { cwd: process.cwd(), maxBuffer: 64 * 1024 * 1024, timeout: 240_000 });
  return stdout;
}

/**
 * One browser context and page shared by a serial spec (downloads on, the long-task observer installed, page errors
 * logged), with a temporary working folder; `close` ends both.
 */
export async function openSharedPage(browser: Browser, prefix: string): Promise<{ context: BrowserContext; page: Page; work: string; close(): Promise<void> }> {
  const context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 800 } });
  await context.addInitScript(LONG_TASK_OBSERVER);
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log(`[pageerror] ${e.message}`));
  const work = mkdtempSync(join(tmpdir(), prefix));
  return {
    context,
    page,
    work,
    close: async () => {
      await context.close();
      rmSync(work, { recursive: true, force: true });
    },
  };
}
