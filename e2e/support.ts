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

/** Chooses the backend on the Advanced page, then returns to the view the page was on. */
export async function chooseBackend(page: Page, backend: string): Promise<void> {
  const badge = page.getByTestId('backend-badge');
  await waitEngineReady(page);
  const hash = await page.evaluate(() => window.location.hash);
  await page.getByTestId('nav-advanced').click();
  if ((await page.getByTestId('backend-select').inputValue()) !== backend) await page.getByTestId('backend-select').selectOption(backend);
  await waitEngineReady(page, backend);
  await expect(badge).toHaveAttribute('data-backend', backend);
  await page.evaluate((h) => {
    window.location.hash = h || '#/';
  }, hash);
}

/** Opens the Inspect page (profiles, the new-profile form, inspection), whatever the page shows now. */
export async function openInspect(page: Page): Promise<void> {
  await page.getByTestId('nav-home').click();
  await expect(page.getByTestId('profiles-panel')).toBeVisible();
}

/** Opens the build form's advanced options (coreset ratio, backbone, float16). */
export async function openBuildOptions(page: Page): Promise<void> {
  const details = page.getByTestId('build-advanced');
  if ((await details.getAttribute('open')) === null) await details.locator('summary').click();
}

export function profileRow(page: Page, name: string) {
  return page.locator(profileRowSelector(name));
}

const profileRowSelector = (name: string) => `[data-testid="profile-item"][data-profile-name="${name}"]`;

/**
 * Waits until `selector` matches a rendered element, doing no more in the page than one querySelector a second.
 * For waits inside a long-task check: while an element is missing, each poll of `expect(locator).toBeVisible()`
 * takes an aria snapshot of the whole page on its thread (15-30 ms here, near 100 ms while SwiftShader keeps the
 * cores busy), which the check would count against the app.
 */
export async function waitQuietly(page: Page, selector: string, timeout: number): Promise<void> {
  await page.waitForFunction((sel) => document.querySelector(sel)?.checkVisibility() === true, selector, { polling: 1000, timeout });
}

export async function profileNames(page: Page): Promise<string[]> {
  await expect(page.getByTestId('profile-list').or(page.getByTestId('no-profiles'))).toBeVisible();
  return page.locator('[data-testid="profile-item"]').evaluateAll((els) => els.map((e) => `${e.getAttribute('data-profile-id')}:${e.getAttribute('data-profile-name')}`));
}

/** Builds a profile through the UI; returns the long tasks seen on the main thread meanwhile. */
export async function buildProfile(page: Page, name: string, files: string[]): Promise<{ longTasks: { start: number; duration: number }[]; sawProgress: boolean }> {
  const panel = page.getByTestId('profiles-panel');
  if (!(await panel.isVisible())) await openInspect(page);
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
  await waitQuietly(page, profileRowSelector(name), 280_000);
  await expect(profileRow(page, name)).toBeVisible();
  // The build runs until its result reaches the page; what follows (saving, other panels reacting
  // to the new profile) is not the build.
  const to = Number(await page.getByTestId('create-profile').getAttribute('data-build-result-at'));
  expect(to).toBeGreaterThan(from);
  const all = await longTasksBetween(page, from, await pageNow(page));
  if (all.length) console.log(`long tasks from the click to the profile listed (result at ${to.toFixed(0)}): ${JSON.stringify(all)}`);
  return { longTasks: all.filter((t) => t.start < to), sawProgress };
}

export async function selectProfile(page: Page, name: string): Promise<void> {
  if (!(await page.getByTestId('profiles-panel').isVisible())) await openInspect(page);
  await profileRow(page, name).getByRole('radio').check();
}

export async function scoreImage(page: Page, file: string): Promise<{ score: number; backend: string; verdict: string }> {
  const result = page.getByTestId('score-result');
  const hash = await page.evaluate(() => window.location.hash);
  await page.getByTestId('nav-advanced').click();
  await page.getByTestId('score-input').setInputFiles(file);
  await expect(page.getByTestId('score-running')).toBeHidden({ timeout: 180_000 });
  await expect(result).toBeVisible({ timeout: 180_000 });
  const scored = {
    score: Number(await result.getAttribute('data-raw-score')),
    backend: (await result.getAttribute('data-backend')) ?? '',
    verdict: (await result.getAttribute('data-verdict')) ?? '',
  };
  await page.evaluate((h) => {
    window.location.hash = h || '#/';
  }, hash);
  return scored;
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

/** A CSP violation as the page saw it (a `securitypolicyviolation` event) or as the console reported it. */
export interface CspReport {
  kind: 'event' | 'console';
  directive: string;
  blocked: string;
  source: string;
  sample: string;
  url: string;
}

/**
 * Records every Content-Security-Policy violation of the context's pages: `securitypolicyviolation` events (an init
 * script, so from the page's first script on, across navigations) and console messages of the pages and their web
 * workers that mention the Content Security Policy or a refusal. A refusal inside a worker fires no event on the page
 * and may reach the console only as what failed (tfjs' pthread workers: "importScripts ... failed to load"), so those
 * count too. Read `reports` at any time.
 */
export async function recordCspViolations(context: BrowserContext): Promise<{ reports: CspReport[]; watch(page: Page): void }> {
  const reports: CspReport[] = [];
  await context.exposeBinding('__cspViolation', ({ page }, v: Omit<CspReport, 'kind' | 'url'>) => {
    reports.push({ kind: 'event', ...v, url: page?.url() ?? '' });
  });
  await context.addInitScript(() => {
    const report = (window as unknown as { __cspViolation: (v: unknown) => void }).__cspViolation;
    document.addEventListener('securitypolicyviolation', (e) => {
      void report({ directive: e.effectiveDirective, blocked: e.blockedURI, source: `${e.sourceFile}:${e.lineNumber}:${e.columnNumber}`, sample: e.sample });
    });
  });
  const watch = (page: Page) => {
    page.on('console', (m) => {
      if (/content[ -]security[ -]policy|refused to (load|execute|connect|create|apply|evaluate|compile)|importScripts.*failed to load/i.test(m.text())) reports.push({ kind: 'console', directive: m.type(), blocked: '', source: m.worker()?.url() ?? m.location().url, sample: m.text(), url: page.url() });
    });
  };
  for (const p of context.pages()) watch(p);
  context.on('page', watch);
  return { reports, watch };
}

/** Waits until a service worker controls the page (the first version activates and claims it). */
export async function waitControlled(page: Page): Promise<void> {
  await page.evaluate(async () => {
    await navigator.serviceWorker.ready;
    if (!navigator.serviceWorker.controller) await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }));
  });
}

/** Keys of the app's IndexedDB store (`anomaly-inspector`/`kv`), read raw, and what each record points to. */
export interface StoredSnapshot {
  keys: string[];
  /** Record key -> the part keys it points to (profiles: the bank; backbones: their files; the training run: images and checkpoint parts). */
  parts: Record<string, string[]>;
}

/** One read-only transaction over the app's database: every key, and the part keys of every record. */
/**
 * The stored records and their parts, read raw from IndexedDB. `settled`: read under the app's storage lock (the one
 * every sweep and write takes), so a write in progress in any tab is seen complete or not at all.
 */
export async function storedSnapshot(page: Page, options: { settled?: boolean } = {}): Promise<StoredSnapshot> {
  return page.evaluate(
    (settled) => {
      const read = () =>
      new Promise<StoredSnapshot>((resolve, reject) => {
        const open = indexedDB.open('anomaly-inspector');
        open.onupgradeneeded = () => open.result.createObjectStore('kv');
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const db = open.result;
          const tx = db.transaction('kv', 'readonly');
          const store = tx.objectStore('kv');
          const keysReq = store.getAllKeys();
          const parts: Record<string, string[]> = {};
          keysReq.onsuccess = () => {
            const keys = keysReq.result.map(String);
            for (const k of keys) {
              if (!/^(profile:|backbone:|train:run$)/.test(k)) continue;
              const r = store.get(k);
              r.onsuccess = () => {
                const v = r.result as { bankKey?: string; files?: Record<string, string>; images?: { key: string }[]; textures?: { key: string }[]; checkpoint?: { keys: string[] } | null };
                if (k.startsWith('profile:')) parts[k] = [v.bankKey!];
                else if (k.startsWith('backbone:')) parts[k] = Object.values(v.files ?? {});
                else parts[k] = [...(v.images ?? []).map((i) => i.key), ...(v.textures ?? []).map((i) => i.key), ...(v.checkpoint?.keys ?? [])];
              };
            }
            tx.oncomplete = () => {
              db.close();
              resolve({ keys, parts });
            };
          };
          tx.onerror = () => reject(tx.error);
        };
      });
      return settled ? (navigator.locks.request('anomaly-inspector/kv', () => read()) as unknown as Promise<StoredSnapshot>) : read();
    },
    options.settled === true,
  );
}

/** The part keys records point to that are not stored ([] when every record is whole). */
export function missingParts(s: StoredSnapshot): string[] {
  const have = new Set(s.keys);
  return Object.entries(s.parts).flatMap(([record, parts]) => parts.filter((p) => !have.has(p)).map((p) => `${record} -> ${p}`));
}

/** Stored keys of the part families that no record points to. */
export function orphanParts(s: StoredSnapshot): string[] {
  const used = new Set(Object.values(s.parts).flat());
  return s.keys.filter((k) => /^(bank:|bbfile:|trainimg:|trainckpt:)/.test(k) && !used.has(k));
}

/** A running static server (see serveStatic); `notFound` lists the paths it answered 404; `close` stops it. */
export interface StaticServer {
  url: string;
  port: number;
  notFound: string[];
  close(): Promise<void>;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.bin': 'application/octet-stream',
  '.safetensors': 'application/octet-stream',
};

/**
 * A plain static server for a built folder (what a production host does): GET/HEAD of files under `dir`, `/` as
 * index.html, 404 otherwise, every response with COOP/COEP/CORP and `headers` (e.g. a Content-Security-Policy), no
 * caching headers. Port 0: any free port (see `port`). For specs that need their own server beside Playwright's fixed
 * webServer (two builds at one origin).
 */
export async function serveStatic(dir: string, port: number, headers: Record<string, string> = {}): Promise<StaticServer> {
  const http = await import('node:http');
  const { readFile, stat } = await import('node:fs/promises');
  const { extname, normalize } = await import('node:path');
  const root = resolve(dir);
  const notFound: string[] = [];
  const server = http.createServer(async (req, res) => {
    const common = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp', 'Cross-Origin-Resource-Policy': 'same-origin', 'Cache-Control': 'no-cache', ...headers };
    try {
      const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
      const file = normalize(join(root, path === '/' ? 'index.html' : path));
      if (!file.startsWith(root + '/') || !(req.method === 'GET' || req.method === 'HEAD') || !(await stat(file)).isFile()) throw new Error('not found');
      const body = await readFile(file);
      res.writeHead(200, { ...common, 'Content-Type': MIME[extname(file)] ?? 'application/octet-stream', 'Content-Length': body.length });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      notFound.push(req.url ?? '');
      res.writeHead(404, { ...common, 'Content-Type': 'text/plain' });
      res.end('not found');
    }
  });
  await new Promise<void>((ok, fail) => server.once('error', fail).listen(port, '127.0.0.1', () => ok()));
  const bound = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${bound}`,
    port: bound,
    notFound,
    close: () =>
      new Promise<void>((ok) => {
        server.close(() => ok());
        server.closeAllConnections();
      }),
  };
}

/**
 * Closes every alert. An info alert closes itself after a few seconds, possibly between counting the Dismiss
 * buttons and clicking one: such a click gives up after 2 s and the buttons are counted again.
 */
export async function dismissAlerts(page: Page): Promise<void> {
  const dismiss = page.getByTestId('alerts').getByRole('button', { name: 'Dismiss' });
  for (let i = 0; i < 50 && (await dismiss.count()) > 0; i++) await dismiss.first().click({ timeout: 2_000 }).catch(() => undefined);
  await expect(dismiss).toHaveCount(0);
}
