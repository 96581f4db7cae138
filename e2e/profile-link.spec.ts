/**
 * A profile shared by link (`?profile=<URL>`), in the production build served by `vite preview`:
 * - the demo's shipped profile file on the same server: the confirmation shows its name, backbone, size and creation
 *   date before anything is stored; Save stores it with its address; `profile=` leaves the address bar; "Copy link"
 *   copies the app's link to the same file, and that link opens the same confirmation (Cancel: nothing stored);
 * - a profile exported by the app and put on the server, downloaded over a throttled network so the download's
 *   progress shows, then saved (a declared size, and Cancel during a download: e2e/static-host.spec.ts);
 * - refused, each with a message naming the address and the problem, nothing stored and the address bar cleaned: a
 *   file that is not a profile, a missing file (the preview server answers its index.html), a file on another origin
 *   that allows CORS (the app's Content-Security-Policy allows downloads from its own origin only), and a scheme other
 *   than http(s). A 404 and a declared size over the limit are in e2e/static-host.spec.ts (a plain server).
 * Service workers are blocked here (the network throttling applies to the page's own requests); e2e/static-host.spec.ts
 * opens links with the service worker in control.
 */
import { expect, test } from '@playwright/test';
import type { BrowserContext, Page } from '@playwright/test';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEMO_PROFILE_ID, DEMO_PROFILE_PATH } from '../src/engine/demo/recipe';
import { readProfile } from '../src/engine/profile/profile';
import { servePlain } from './plain-server';
import type { PlainServer } from './plain-server';
import { storedSnapshot, waitEngineReady } from './support';

test.describe.configure({ mode: 'serial' });

const BUILD = resolve(process.env.E2E_OUT_DIR ?? join(process.cwd(), 'dist'));
const DEMO_BYTES = readFileSync(join(BUILD, DEMO_PROFILE_PATH));
const DEMO_META = readProfile(new Uint8Array(DEMO_BYTES), DEMO_PROFILE_PATH).meta;
/** Where the test puts the exported profile, on the preview server. */
const SHARED = 'e2e-shared';

let context: BrowserContext;
let page: Page;
let other: PlainServer;

test.beforeAll(async ({ browser }) => {
  other = await servePlain(null, {
    '/shared/demo.profile.safetensors': (_req, res) => {
      res.writeHead(200, { 'Access-Control-Allow-Origin': '*', 'Content-Type': 'application/octet-stream', 'Content-Length': DEMO_BYTES.length });
      res.end(DEMO_BYTES);
    },
  });
  context = await browser.newContext({ acceptDownloads: true, viewport: { width: 1280, height: 800 }, serviceWorkers: 'block' });
  page = await context.newPage();
  page.on('pageerror', (e) => console.log(`[pageerror] ${e.message}`));
});

test.afterAll(async () => {
  await context?.close();
  await other?.close();
  rmSync(join(BUILD, SHARED), { recursive: true, force: true });
});

const dialog = () => page.getByTestId('profile-link-dialog');
const appLink = (baseURL: string, address: string) => `${baseURL}/?profile=${encodeURIComponent(address)}`;

/** Profile record ids in storage (read raw from IndexedDB). */
async function storedProfiles(): Promise<string[]> {
  return (await storedSnapshot(page, { settled: true })).keys.filter((k) => k.startsWith('profile:')).sort();
}

/** The confirmation shows the file's profile: name, backbone, size, creation date. */
async function expectConfirmation(bytes: number): Promise<void> {
  await expect(dialog()).toHaveAttribute('data-phase', 'confirm', { timeout: 60_000 });
  await expect(page.getByTestId('profile-link-name')).toHaveText(DEMO_META.name);
  await expect(page.getByTestId('profile-link-backbone')).toHaveAttribute('data-backbone-id', DEMO_META.backbone.id);
  await expect(page.getByTestId('profile-link-backbone')).toContainText(DEMO_META.backbone.label);
  await expect(page.getByTestId('profile-link-size')).toHaveAttribute('data-bytes', String(bytes));
  await expect(page.getByTestId('profile-link-size')).toContainText(`${(bytes / 1024 / 1024).toFixed(1)} MB`);
  await expect(page.getByTestId('profile-link-created')).toHaveAttribute('data-created-at', DEMO_META.createdAt);
  await expect(page.getByTestId('profile-link-created')).toHaveText(await page.evaluate((at) => new Date(at).toLocaleString(), DEMO_META.createdAt));
}

test('a link to a profile on the app server: confirmed before it is stored, Save stores it, Copy link shares it', async ({ baseURL }) => {
  test.setTimeout(300_000);
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: baseURL });
  const address = `${baseURL}/${DEMO_PROFILE_PATH}`;
  // Relative, as a link written by hand may be: resolved against the app.
  await page.goto(`/?profile=${encodeURIComponent(`/${DEMO_PROFILE_PATH}`)}`);
  await expect(dialog()).toHaveAttribute('data-url', address);
  await expectConfirmation(DEMO_BYTES.length);
  const before = await storedProfiles();
  expect(before.filter((k) => k !== `profile:${DEMO_PROFILE_ID}`), 'nothing stored before Save').toEqual([]);

  await page.getByTestId('profile-link-save').click();
  await expect(dialog()).toBeHidden();
  expect(new URL(page.url()).searchParams.has('profile'), 'profile= left the address bar').toBe(false);
  const added = (await storedProfiles()).filter((k) => !before.includes(k));
  expect(added).toHaveLength(1);
  const id = added[0].slice('profile:'.length);
  expect(id, 'not under the demo profile id').not.toBe(DEMO_PROFILE_ID);
  const row = page.locator(`[data-testid="profile-item"][data-profile-id="${id}"]`);
  await expect(row).toHaveAttribute('data-profile-name', DEMO_META.name);

  // Copy link: the app's link to the same file.
  await row.getByTestId('copy-link').click();
  await expect(row.getByTestId('copy-link')).toHaveText('Link copied');
  const copied = await page.evaluate(() => navigator.clipboard.readText());
  expect(copied).toBe(appLink(baseURL!, address));

  // A reload does not ask again; the copied link does (and Cancel stores nothing).
  await page.reload();
  await waitEngineReady(page);
  await expect(row).toBeVisible();
  await expect(dialog()).toBeHidden();
  const saved = await storedProfiles();
  await page.goto(copied);
  await expectConfirmation(DEMO_BYTES.length);
  await page.getByTestId('profile-link-cancel').click();
  await expect(dialog()).toBeHidden();
  expect(new URL(page.url()).searchParams.has('profile')).toBe(false);
  expect(await storedProfiles()).toEqual(saved);

  // Exported by the app and put on the server; downloaded over a 2 MB/s network, its progress shows.
  const download = page.waitForEvent('download');
  await row.getByTestId('export-button').click();
  const exported = readFileSync((await (await download).path())!);
  expect(readProfile(new Uint8Array(exported), 'exported').meta.createdAt).toBe(DEMO_META.createdAt);
  mkdirSync(join(BUILD, SHARED), { recursive: true });
  writeFileSync(join(BUILD, SHARED, 'exported.profile.safetensors'), exported);
  const remote = `${baseURL}/${SHARED}/exported.profile.safetensors`;
  await page.goto('/');
  await waitEngineReady(page);
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 20, downloadThroughput: 2 * 1024 * 1024, uploadThroughput: -1 });
  await page.evaluate((link) => window.location.assign(link), appLink(baseURL!, remote));
  const progress = page.getByTestId('profile-link-progress');
  // vite preview compresses the file (no Content-Length): the bytes received show, without a total.
  await expect(progress).toHaveAttribute('data-phase', 'downloading');
  await expect.poll(async () => Number((await progress.getAttribute('data-received').catch(() => null)) ?? 0), { intervals: [50] }).toBeGreaterThan(0);
  const midway = Number((await progress.getAttribute('data-received').catch(() => null)) ?? exported.length);
  console.log(`progress seen at ${midway} of ${exported.length} bytes (declared total: "${await progress.getAttribute('data-total').catch(() => '?')}")`);
  expect(midway).toBeLessThan(exported.length);
  await expect(progress).toContainText('Downloading:');
  await expectConfirmation(exported.length);
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  await page.getByTestId('profile-link-save').click();
  await expect(dialog()).toBeHidden();
  const second = (await storedProfiles()).filter((k) => !saved.includes(k));
  expect(second).toHaveLength(1);
  const secondRow = page.locator(`[data-testid="profile-item"][data-profile-id="${second[0].slice('profile:'.length)}"]`);
  await expect(secondRow.getByTestId('copy-link')).toHaveAttribute('data-link', appLink(baseURL!, remote));
  // A profile not opened from a link has no Copy link (the demo's own, stored by the app).
  const demoRow = page.locator(`[data-testid="profile-item"][data-profile-id="${DEMO_PROFILE_ID}"]`);
  if (await demoRow.count()) await expect(demoRow.getByTestId('copy-link')).toHaveCount(0);
});

test('refused links: each names the address and the problem, and nothing is stored', async ({ baseURL }) => {
  test.setTimeout(300_000);
  await page.goto('/');
  await waitEngineReady(page);
  const stored = await storedProfiles();
  const cases: [string, RegExp][] = [
    [`${baseURL}/models/resnet50-imagenet/model.json`, /: not a readable profile file/],
    [`${baseURL}/no-such-profile.safetensors`, /: not a readable profile file/],
    [`${other.url}/shared/demo.profile.safetensors`, /: this app downloads only from its own server \(http:\/\/127\.0\.0\.1:\d+\): its Content-Security-Policy blocked http:\/\/127\.0\.0\.1:\d+\./],
    ['ftp://files.example/part.safetensors', /: only http and https addresses can be opened, not ftp/],
  ];
  for (const [address, problem] of cases) {
    await page.goto(appLink(baseURL!, address));
    await expect(dialog()).toHaveAttribute('data-phase', 'error', { timeout: 60_000 });
    const text = await page.getByTestId('profile-link-problem').textContent();
    console.log(`refused: ${text}`);
    expect(text).toContain(address);
    expect(text).toMatch(problem);
    expect(text).toMatch(/Nothing was saved\.$/);
    expect(new URL(page.url()).searchParams.has('profile'), 'profile= left the address bar').toBe(false);
    await page.getByTestId('profile-link-close').click();
    await expect(dialog()).toBeHidden();
    expect(await storedProfiles()).toEqual(stored);
  }
  expect(other.requests, 'the other origin was never asked (blocked before the request)').toEqual([]);
});
