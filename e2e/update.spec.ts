/**
 * A new version of the app deployed while tabs of the previous one are open (service worker: public/sw.js,
 * src/sw/register.ts, the banner src/ui/shell/UpdateBanner.tsx), production build.
 *
 * Two builds: the one under test (E2E_OUT_DIR, else dist/) and a second one made from it here, as a new deployment
 * where every hashed file changed: each assets/<name>-<hash>.<ext> is renamed and every reference to it rewritten,
 * and dist/sw.js gets a new version (so a new cache and a new worker); models/ and demo/ are the same files. The
 * first build is served by a plain static server (COOP/COEP and the CSP, like a production host); then that server
 * stops and the second build is served at the same origin, and the first build's hashed files are gone from it.
 * Checked:
 *  - two tabs of the first version; the new worker installs and waits: both tabs show "A new version is ready",
 *    nothing reloads by itself;
 *  - Reload in one tab: it runs the new version (its entry script is the second build's);
 *  - the other tab, still the first version, keeps working: it trains (a tiny WASM run), which loads the training
 *    chunk (register_all_gradients-<hash>.js, never loaded before) and the layer4 weights; the first version's
 *    hashed files come from its cache (the server never saw a request for them) and its cache is kept meanwhile;
 *  - Reload there too: the new version; the first version's cache is deleted once no tab uses it;
 *  - no stored profile is lost across the update.
 * No shared data is needed (the images are the WRN fixture's input, the profile is generated).
 */
import { expect, test } from '@playwright/test';
import type { Page } from '@playwright/test';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { RESNET50_IMAGENET } from '../src/engine/backbones/spec';
import { createProfile, serializeProfile } from '../src/engine/profile/profile';
import { contentSecurityPolicy } from '../src/sw/csp';
import { profileNames, serveStatic, waitControlled, waitEngineReady } from './support';
import type { StaticServer } from './support';

const FIRST = resolve(process.env.E2E_OUT_DIR ?? 'dist');
const INPUT = readFileSync(join(process.cwd(), 'test', 'fixtures', 'wrn', 'input.png'));

/**
 * The second deployment, made from the first in `to`: hashed assets renamed (every reference rewritten), a new
 * worker version; the big folders linked, not copied. Returns the new entry script's name and both cache names.
 */
function secondBuild(from: string, to: string): { entry: string; renamed: Map<string, string>; versions: [string, string] } {
  mkdirSync(join(to, 'assets'), { recursive: true });
  for (const name of readdirSync(from)) if (name !== 'assets' && name !== 'index.html' && name !== 'sw.js') symlinkSync(join(from, name), join(to, name));
  const renamed = new Map<string, string>();
  for (const name of readdirSync(join(from, 'assets'))) {
    const m = /^(.*-)([A-Za-z0-9_-]{8,})(\.[a-z0-9]+)$/.exec(name);
    renamed.set(name, m ? `${m[1]}${m[2]}u2${m[3]}` : name);
  }
  const rewrite = (text: string) => {
    for (const [a, b] of renamed) text = text.split(a).join(b);
    return text;
  };
  for (const [a, b] of renamed) {
    if (/\.(js|css|html|json)$/.test(a)) writeFileSync(join(to, 'assets', b), rewrite(readFileSync(join(from, 'assets', a), 'utf8')));
    else cpSync(join(from, 'assets', a), join(to, 'assets', b));
  }
  writeFileSync(join(to, 'index.html'), rewrite(readFileSync(join(from, 'index.html'), 'utf8')));
  const sw = readFileSync(join(from, 'sw.js'), 'utf8');
  const version = /"version":"([^"]+)"/.exec(sw)![1];
  writeFileSync(join(to, 'sw.js'), rewrite(sw).replace(`"version":"${version}"`, `"version":"${version}u2"`));
  const entry = /src="\/assets\/([^"]+\.js)"/.exec(readFileSync(join(to, 'index.html'), 'utf8'))![1];
  return { entry, renamed, versions: [`anomaly-inspector-${version}`, `anomaly-inspector-${version}u2`] };
}

const entryOf = (p: Page) => p.evaluate(() => document.querySelector<HTMLScriptElement>('script[type="module"][src]')!.src.split('/').pop()!);
const versionCaches = (p: Page) => p.evaluate(async () => (await caches.keys()).filter((k) => /^anomaly-inspector-/.test(k)).sort());

test('a new version waits for Reload; an open tab of the previous one keeps its files and works; nothing stored is lost', async ({ browser }) => {
  test.setTimeout(300_000);
  test.skip(!existsSync(join(FIRST, 'sw.js')), `needs a production build in ${FIRST} (npx vite build)`);
  const work = mkdtempSync(join(tmpdir(), 'ai-update-'));
  const headers = { 'Content-Security-Policy': contentSecurityPolicy() };
  const second = secondBuild(FIRST, join(work, 'second'));
  const firstEntry = /src="\/assets\/([^"]+\.js)"/.exec(readFileSync(join(FIRST, 'index.html'), 'utf8'))![1];
  const trainingChunk = [...second.renamed.keys()].find((n) => n.startsWith('register_all_gradients-'))!;
  expect(trainingChunk, 'the lazily loaded training chunk of the first build').toBeTruthy();
  let server: StaticServer = await serveStatic(FIRST, 0, headers);
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  // Every request of the pages and their workers (service worker included), "<name> <source>".
  const requests: string[] = [];
  context.on('requestfinished', async (r) => {
    const res = await r.response();
    requests.push(`${new URL(r.url()).pathname.split('/').pop()} ${res?.fromServiceWorker() ? 'from the service worker' : r.serviceWorker() ? 'by the service worker' : 'from the network'} ${res?.status()}`);
  });
  try {
    // Two tabs of the first version, controlled by its service worker; a stored profile.
    const one = await context.newPage();
    const two = await context.newPage();
    for (const [name, p] of [
      ['one', one],
      ['two', two],
    ] as const) {
      p.on('pageerror', (e) => console.log(`[${name} pageerror] ${e.message}`));
      p.on('console', (m) => {
        if (m.type() === 'error') console.log(`[${name} console] ${m.text()}`);
      });
    }
    await one.goto(`${server.url}/#/inspect`);
    await waitEngineReady(one);
    await waitControlled(one);
    const bank = new Float32Array(4 * 1024).fill(0.25);
    const { meta } = createProfile({
      name: 'kept across the update',
      spec: RESNET50_IMAGENET,
      weightsHash: 'e'.repeat(64),
      bank: { data: bank, size: 4, dim: 1024, imageCount: 2, patchCount: 1568, skipped: 0 },
      coreset: { ratio: 0.1, seed: 0 },
      calibrationScores: [1, 2],
      threshold: { value: 2, method: 'max' },
      appVersion: '0.1.0',
    });
    await one.getByTestId('import-input').setInputFiles({ name: 'kept.profile.safetensors', mimeType: 'application/octet-stream', buffer: Buffer.from(serializeProfile({ meta, bank })) });
    await expect(one.locator('[data-testid="profile-item"][data-profile-name="kept across the update"]')).toBeVisible();
    const profilesBefore = await profileNames(one);
    await two.goto(`${server.url}/`);
    await waitEngineReady(two);
    await waitControlled(two);
    expect(await entryOf(one)).toBe(firstEntry);
    expect(await versionCaches(one)).toEqual([second.versions[0]]);
    await expect(one.getByTestId('update-banner')).toHaveCount(0);

    // The second version is deployed at the same origin; the first one's hashed files are gone from the server.
    await server.close();
    server = await serveStatic(join(work, 'second'), server.port, headers);
    const updatedAt = requests.length;
    expect(requests.filter((r) => r.startsWith(trainingChunk) && !r.includes('by the service worker')), 'the training chunk, not loaded by a page before').toEqual([]);
    // What the app does hourly and when a tab becomes visible again.
    await one.evaluate(async () => (await navigator.serviceWorker.getRegistration())!.update());
    for (const p of [one, two]) {
      await expect(p.getByTestId('update-banner')).toBeVisible({ timeout: 120_000 });
      await expect(p.getByTestId('update-banner')).toContainText('A new version is ready');
      await expect(p.getByTestId('update-banner')).toHaveAttribute('data-update', 'waiting');
    }
    expect(await entryOf(one), 'nothing reloaded by itself').toBe(firstEntry);
    expect(await entryOf(two)).toBe(firstEntry);

    // Reload in tab two: the new version.
    await Promise.all([two.waitForEvent('load'), two.getByTestId('update-reload').click()]);
    await waitEngineReady(two);
    expect(await entryOf(two)).toBe(second.entry);
    await expect(two.getByTestId('update-banner')).toHaveCount(0);

    // Tab one, still the first version, now served by the new worker: it trains, loading the training chunk and the
    // layer4 weights for the first time.
    await expect(one.getByTestId('update-banner')).toHaveAttribute('data-update', 'active');
    expect(await entryOf(one)).toBe(firstEntry);
    expect(await versionCaches(one), "the first version's cache, kept while tab one uses it").toEqual(second.versions);
    await one.getByTestId('nav-train').click();
    await expect(one.getByTestId('train-view')).toHaveAttribute('data-loaded', 'true');
    await one.getByTestId('train-files').setInputFiles([1, 2].map((i) => ({ name: `part-${i}.png`, mimeType: 'image/png', buffer: INPUT })));
    for (const [k, v] of Object.entries({ 'image-size': 64, batch: 2, 'micro-batch': 2, 'stage1-epochs': 1, 'stage2-epochs': 1 })) await one.getByTestId(`train-${k}`).fill(String(v));
    await one.getByTestId('train-start').click();
    await expect(one.getByTestId('train-result')).toBeVisible({ timeout: 180_000 });
    const late = requests.slice(updatedAt).filter((r) => r.includes('from the service worker') && /register_all_gradients|extra-weights/.test(r));
    console.log(`tab one (first version), after the update: ${late.filter((r) => !r.startsWith('extra-weights')).join(', ')} and ${late.filter((r) => r.startsWith('extra-weights')).length} layer4 weight files`);
    expect(late.filter((r) => r.startsWith(`${trainingChunk} `)), 'the training chunk of the first version, loaded after the update').toEqual([`${trainingChunk} from the service worker 200`]);
    expect(server.notFound.filter((u) => second.renamed.has(u.split('/').pop()!)), "the first version's files asked of the new deployment").toEqual([]);
    expect(server.notFound, 'requests the new deployment could not answer').toEqual([]);

    // Reload in tab one: the new version; the first version's cache goes once no tab uses it.
    await Promise.all([one.waitForEvent('load'), one.getByTestId('update-reload').click()]);
    await waitEngineReady(one);
    expect(await entryOf(one)).toBe(second.entry);
    await expect(one.getByTestId('update-banner')).toHaveCount(0);
    await expect.poll(() => versionCaches(one), { timeout: 30_000 }).toEqual([second.versions[1]]);

    // Nothing stored was lost.
    await one.getByTestId('nav-home').click();
    expect(await profileNames(one)).toEqual(profilesBefore);
    await one.getByTestId('nav-advanced').click();
    await expect(one.locator('[data-testid="backbone-item"][data-backbone-id^="resnet50-imagenet-tocoad-"]')).toHaveCount(1);
  } finally {
    await context.close();
    await server.close();
    rmSync(work, { recursive: true, force: true });
  }
});

// The second build is a full redeployment: no file of it refers to a first-build asset (no browser needed).
test('the second build has no reference to a first-build asset', () => {
  test.skip(!existsSync(join(FIRST, 'sw.js')), `needs a production build in ${FIRST}`);
  const work = mkdtempSync(join(tmpdir(), 'ai-update-'));
  try {
    const dir = join(work, 'second');
    const second = secondBuild(FIRST, dir);
    const texts = ['index.html', 'sw.js', ...readdirSync(join(dir, 'assets')).filter((n) => /\.(js|css)$/.test(n)).map((n) => `assets/${n}`)];
    for (const file of texts) {
      const text = readFileSync(join(dir, file), 'utf8');
      for (const old of second.renamed.keys()) expect(text.includes(old), `${old} in ${file}`).toBe(false);
    }
    expect(readdirSync(join(dir, 'assets')).sort()).toEqual([...second.renamed.values()].sort());
    expect(second.versions[0]).not.toBe(second.versions[1]);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
