/**
 * The production build on the plainest static host (e2e/plain-server.ts: node:http with a Content-Type and nothing
 * else: no COOP/COEP/CORP, no CSP header). The first load cannot be cross-origin isolated; the service worker adds
 * COOP/COEP to what it serves, and once it controls the page the page reloads once (src/sw/register.ts) and is
 * isolated from then on: threaded WASM with a pool of more than one thread (the engine's worker is told of 4 logical
 * cores through the DevTools protocol, as tfjs' pool is half the cores and this machine may have only 2). A second
 * visit is isolated from its first response, with no further reload.
 * Profile links on this host: the first visit opens a link to a missing file (HTTP 404, refused with the message);
 * while that message shows, the isolation reload waits, and happens once it is closed. Later, through the worker, a
 * link to a file that declares 2 GiB is refused from its Content-Length, the download stopped at once; a download with
 * its size declared shows its progress against that size, and Cancel stops it with nothing stored.
 */
import { expect, test } from '@playwright/test';
import type { Page } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEMO_PROFILE_ID, DEMO_PROFILE_PATH } from '../src/engine/demo/recipe';
import { servePlain } from './plain-server';
import type { PlainServer } from './plain-server';
import { storedSnapshot, waitEngineReady } from './support';

const BUILD = resolve(process.env.E2E_OUT_DIR ?? join(process.cwd(), 'dist'));
const CORES = 4;

let server: PlainServer;
/** Bytes the 2 GiB file sent before the page stopped reading, and whether its connection was closed. */
let hugeSent = 0;
let hugeClosed = false;

const DEMO_BYTES = readFileSync(join(BUILD, DEMO_PROFILE_PATH));

test.beforeAll(async () => {
  server = await servePlain(BUILD, {
    // A profile file with its size declared, sent in 64 KB pieces 20 ms apart (about 1.5 s).
    '/shared/slow.profile.safetensors': (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': DEMO_BYTES.length });
      let at = 0;
      const next = () => {
        if (res.destroyed) return;
        if (at >= DEMO_BYTES.length) return void res.end();
        res.write(DEMO_BYTES.subarray(at, at + 65536));
        at += 65536;
        setTimeout(next, 20);
      };
      next();
    },
    // Declares 2 GiB, then trickles: a page that checks the declared size never reads the rest.
    '/shared/huge.profile.safetensors': (_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': 2 * 1024 * 1024 * 1024 });
      const chunk = Buffer.alloc(65536, 1);
      const timer = setInterval(() => {
        if (res.destroyed || hugeSent > 256 * 1024 * 1024) return clearInterval(timer);
        res.write(chunk);
        hugeSent += chunk.length;
      }, 10);
      res.on('close', () => {
        hugeClosed = true;
        clearInterval(timer);
      });
    },
  });
});

test.afterAll(async () => {
  await server?.close();
});

/** crossOriginIsolated of the page now; false while it is between documents. */
async function isolatedNow(page: Page): Promise<boolean> {
  return page.evaluate(() => self.crossOriginIsolated).catch(() => false);
}

/**
 * Logical cores as the page and its dedicated workers see them (the engine's worker sizes tfjs' pool from it): the
 * override is set on the page and on each worker as it starts (held at its first line until then).
 */
async function emulateCores(page: Page, cores: number): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Emulation.setHardwareConcurrencyOverride', { hardwareConcurrency: cores });
  let id = 0;
  cdp.on('Target.attachedToTarget', (e: { sessionId: string; targetInfo: { type: string } }) => {
    const send = (method: string, params: object = {}) => cdp.send('Target.sendMessageToTarget', { sessionId: e.sessionId, message: JSON.stringify({ id: ++id, method, params }) }).catch(() => undefined);
    void (async () => {
      if (e.targetInfo.type === 'worker') await send('Emulation.setHardwareConcurrencyOverride', { hardwareConcurrency: cores });
      await send('Runtime.runIfWaitingForDebugger');
    })();
  });
  await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: true, flatten: false });
}

test('no COOP/COEP from the host: the service worker makes the page cross-origin isolated after one reload, with threaded WASM', async ({ browser }) => {
  test.setTimeout(300_000);
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.on('pageerror', (e) => console.log(`[pageerror] ${e.message}`));
  await emulateCores(page, CORES);
  const documents: string[] = [];
  page.on('response', (r) => {
    if (r.request().isNavigationRequest() && r.frame() === page.mainFrame()) documents.push(`${r.fromServiceWorker() ? 'sw' : 'network'} coep=${r.headers()['cross-origin-embedder-policy'] ?? 'none'}`);
  });
  try {
    // A first visit, by a link to a file the host does not have.
    const missing = `${server.url}/shared/missing.profile.safetensors`;
    const first = await page.goto(`${server.url}/?profile=${encodeURIComponent(missing)}`);
    expect(first!.headers()['cross-origin-embedder-policy'], 'the host sends no COEP').toBeUndefined();
    expect(first!.headers()['cross-origin-opener-policy'], 'the host sends no COOP').toBeUndefined();
    expect(await page.evaluate(() => navigator.serviceWorker.controller === null), 'a first visit: no service worker yet').toBe(true);
    const dialog = page.getByTestId('profile-link-dialog');
    await expect(dialog).toHaveAttribute('data-phase', 'error');
    await expect(page.getByTestId('profile-link-problem')).toHaveText(`${missing}: the server answered HTTP 404 Not Found. Nothing was saved.`);
    expect(new URL(page.url()).searchParams.has('profile')).toBe(false);

    // The worker installs and takes control; while the message shows, the page does not reload.
    await page.evaluate(async () => {
      await navigator.serviceWorker.ready;
      if (!navigator.serviceWorker.controller) await new Promise((r) => navigator.serviceWorker.addEventListener('controllerchange', r, { once: true }));
    });
    await page.waitForTimeout(1500);
    expect(documents, 'no reload while the message shows').toEqual(['network coep=none']);
    await expect(dialog).toBeVisible();
    expect(await isolatedNow(page)).toBe(false);

    // Closed: the page reloads once, through the worker.
    await page.getByTestId('profile-link-close').click();
    await expect.poll(() => isolatedNow(page), { timeout: 180_000, intervals: [500] }).toBe(true);
    expect(await page.evaluate(() => navigator.serviceWorker.controller !== null)).toBe(true);
    expect(documents, 'one reload, served by the worker with COEP').toEqual(['network coep=none', 'sw coep=require-corp']);

    await waitEngineReady(page);
    const badge = page.getByTestId('backend-badge');
    expect(await page.evaluate(() => navigator.hardwareConcurrency)).toBe(CORES);
    await expect(badge).toHaveAttribute('data-wasm-threaded', 'true');
    const threads = Number(await badge.getAttribute('data-wasm-threads'));
    console.log(`static host: isolated after ${documents.length - 1} reload, WASM threads ${threads} (of ${CORES} logical cores)`);
    expect(threads).toBeGreaterThan(1);

    // Stays so: a later visit is isolated from its first response, without another reload.
    documents.length = 0;
    await page.goto(`${server.url}/`);
    await waitEngineReady(page);
    expect(await isolatedNow(page)).toBe(true);
    await page.waitForTimeout(2000);
    expect(documents).toEqual(['sw coep=require-corp']);
    await expect(badge).toHaveAttribute('data-wasm-threaded', 'true');
    await expect(dialog).toBeHidden();

    // Through the worker: a file declaring 2 GiB is refused from its Content-Length, its download stopped at once.
    const huge = `${server.url}/shared/huge.profile.safetensors`;
    await page.goto(`${server.url}/?profile=${encodeURIComponent(huge)}`);
    await expect(page.getByTestId('profile-link-problem')).toHaveText(`${huge}: the file is 2048 MB, over the 1024 MB limit for a profile. Nothing was saved.`);
    await expect.poll(() => hugeClosed, { timeout: 15_000 }).toBe(true);
    console.log(`2 GiB file: ${hugeSent} bytes sent before the download was stopped`);
    expect(hugeSent).toBeLessThan(32 * 1024 * 1024);
    await page.getByTestId('profile-link-close').click();

    // A download with its size declared shows how far it is; Cancel stops it and stores nothing.
    const slow = `${server.url}/shared/slow.profile.safetensors`;
    await page.goto(`${server.url}/?profile=${encodeURIComponent(slow)}`);
    const progress = page.getByTestId('profile-link-progress');
    await expect(progress).toHaveAttribute('data-total', String(DEMO_BYTES.length));
    await expect.poll(async () => Number((await progress.getAttribute('data-received').catch(() => null)) ?? 0), { intervals: [50] }).toBeGreaterThan(0);
    await expect(progress).toContainText(`of ${(DEMO_BYTES.length / 1024 / 1024).toFixed(1)} MB`);
    await page.getByTestId('profile-link-cancel').click();
    await expect(dialog).toBeHidden();
    expect(new URL(page.url()).searchParams.has('profile')).toBe(false);
    await page.waitForTimeout(2500);
    await expect(dialog).toBeHidden();
    expect((await storedSnapshot(page, { settled: true })).keys.filter((k) => k.startsWith('profile:')).filter((k) => k !== `profile:${DEMO_PROFILE_ID}`)).toEqual([]);
  } finally {
    await context.close();
  }
});
