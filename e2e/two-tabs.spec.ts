/**
 * Two tabs of the app in one browser (one context: one IndexedDB, one set of Web Locks), production build.
 *
 * Every save writes a new version's parts (a bank, backbone files, checkpoint parts) under fresh keys, then switches
 * the record to them: between the two steps the new parts belong to no record, and a sweep of orphan parts run by a
 * second tab at that moment would delete them. Here the first tab (A) is slowed on purpose at exactly that point: an
 * init script holds back the completion of every IndexedDB transaction that wrote a part of the chosen family, so
 * the part is stored but the app does not go on to commit the record for a few seconds (the "window"). The second
 * tab (B) is opened or reloaded inside the window: its stores open and sweep. Checked each time:
 *  - the window is real: the new part is stored and no record points to it yet (an unlocked sweep would delete it);
 *  - B's sweep waits: the database's Web Lock (`anomaly-inspector/kv`) is held by A and requested by B;
 *  - afterwards every record's parts exist, nothing is orphaned, and B lists what A saved;
 *  - for a profile saved again (the demo profile, re-imported when the stored one is stale), the previous version is
 *    intact until the record switches: during the window the record still points to the old bank, which is stored.
 * Saving a profile (a build from a few images), converting a backbone (the reduced WRN fixture) and storing a
 * training checkpoint (a tiny WASM run) are each checked; while that run trains, B's Start is refused with the
 * training-lock message and A's run finishes untouched.
 * IndexedDB is read raw (database `anomaly-inspector`, store `kv`), not through the app's code.
 */
import { expect, test } from '@playwright/test';
import type { BrowserContext, Page, Worker } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_PROFILE_ID } from '../src/engine/demo/recipe';
import { chooseBackend, HAVE_BOTTLE, missingParts, orphanParts, profileRow, storedSnapshot, trainImages, waitEngineReady } from './support';
import type { StoredSnapshot } from './support';

test.describe.configure({ mode: 'serial' });

const LOCK = 'anomaly-inspector/kv';
const WRN = join(process.cwd(), 'test', 'fixtures', 'wrn', 'wrn.pth');
const INPUT = readFileSync(join(process.cwd(), 'test', 'fixtures', 'wrn', 'input.png'));
/** How long A holds a written part back from the app: long enough for B to load and reach its stores on a busy machine. */
const WINDOW_MS = 8000;

/**
 * Installed in A's page (an init script) and in A's engine worker (which stores converted backbones): while `config()`
 * names a key pattern, a transaction that put such a key completes for the app only `ms` later (it is committed at
 * once). `__window` counts the transactions held back now, `__held` all of them.
 */
function slowPartsIn(config: () => { pattern: string; ms: number } | null): void {
  const g = self as unknown as { __window: number; __held: number; __slowInstalled?: boolean };
  if (g.__slowInstalled) return;
  g.__slowInstalled = true;
  g.__window = 0;
  g.__held = 0;
  type Slow = IDBTransaction & { __slow?: boolean };
  const put = IDBObjectStore.prototype.put;
  IDBObjectStore.prototype.put = function (this: IDBObjectStore, value: unknown, key?: IDBValidKey) {
    const c = config();
    if (c && typeof key === 'string' && new RegExp(c.pattern).test(key)) (this.transaction as Slow).__slow = true;
    return put.call(this, value, key);
  };
  const desc = Object.getOwnPropertyDescriptor(IDBTransaction.prototype, 'oncomplete')!;
  Object.defineProperty(IDBTransaction.prototype, 'oncomplete', {
    configurable: true,
    get: desc.get,
    set(this: Slow, fn: unknown) {
      if (typeof fn !== 'function') return desc.set!.call(this, fn);
      desc.set!.call(this, (ev: Event) => {
        if (!this.__slow) return fn.call(this, ev);
        g.__window++;
        g.__held++;
        setTimeout(() => {
          g.__window--;
          fn.call(this, ev);
        }, config()?.ms ?? 0);
      });
    },
  });
}

const PAGE_CONFIG = () => {
  const pattern = sessionStorage.getItem('__slowParts');
  return pattern ? { pattern, ms: Number(sessionStorage.getItem('__slowMs')) } : null;
};
const WORKER_CONFIG = () => (self as unknown as { __slowConfig?: { pattern: string; ms: number } | null }).__slowConfig ?? null;

let context: BrowserContext;
let a: Page;
let b: Page;

function engineWorker(p: Page): Worker | undefined {
  return p.workers().find((x) => /engine\.worker-[^/]*\.js/.test(x.url()));
}

/** Holds back A's writes of parts matching `pattern` (null: none), in its page and its engine worker. */
async function slowParts(p: Page, pattern: string | null, ms = WINDOW_MS): Promise<void> {
  const config = pattern ? { pattern, ms } : null;
  await p.evaluate((c) => {
    if (c) {
      sessionStorage.setItem('__slowParts', c.pattern);
      sessionStorage.setItem('__slowMs', String(c.ms));
    } else sessionStorage.removeItem('__slowParts');
  }, config);
  await expect.poll(() => Boolean(engineWorker(p)), { message: 'the engine worker runs' }).toBe(true);
  const worker = engineWorker(p)!;
  await worker.evaluate(`(${slowPartsIn.toString()})(${WORKER_CONFIG.toString()})`);
  await worker.evaluate((c) => {
    (self as unknown as { __slowConfig: unknown }).__slowConfig = c;
  }, config);
}

/** Writes A holds back now (page and engine worker). */
async function heldNow(p: Page): Promise<number> {
  const inPage = await p.evaluate(() => (window as unknown as { __window: number }).__window);
  const inWorker = (await engineWorker(p)?.evaluate(() => (self as unknown as { __window?: number }).__window ?? 0)) ?? 0;
  return inPage + inWorker;
}

/** Resolves once A holds back a written part (the window is open). */
async function windowOpens(p: Page, timeout = 240_000): Promise<void> {
  await expect.poll(() => heldNow(p), { timeout, intervals: [100] }).toBeGreaterThan(0);
}

async function windowOpen(p: Page): Promise<boolean> {
  return (await heldNow(p)) > 0;
}

/**
 * Loads the app afresh at `path`: by way of about:blank, since going to a URL that differs from the current one only
 * in its #fragment would not load the page again.
 */
async function reopen(p: Page, path: string): Promise<void> {
  await p.goto('about:blank');
  await p.goto(path);
}

/** B's stores wait for A's save: the database lock is held by one client and requested by another. */
async function sweepWaits(p: Page): Promise<void> {
  await expect
    .poll(
      () =>
        p.evaluate(async (name) => {
          const q = await navigator.locks.query();
          const held = q.held?.find((l) => l.name === name);
          return Boolean(held && q.pending?.some((l) => l.name === name && l.clientId !== held.clientId));
        }, LOCK),
      { timeout: WINDOW_MS - 1000, intervals: [100] },
    )
    .toBe(true);
}

function whole(s: StoredSnapshot, what: string): void {
  expect(missingParts(s), `parts a record points to but missing (${what})`).toEqual([]);
  expect(orphanParts(s), `parts no record points to (${what})`).toEqual([]);
}

test.beforeAll(async ({ browser }) => {
  context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  a = await context.newPage();
  await a.addInitScript(`(${slowPartsIn.toString()})(${PAGE_CONFIG.toString()})`);
  b = await context.newPage();
  for (const [name, p] of [
    ['A', a],
    ['B', b],
  ] as const) {
    p.on('pageerror', (e) => console.log(`[${name} pageerror] ${e.message}`));
    p.on('console', (m) => {
      if (m.type() === 'error') console.log(`[${name} console] ${m.text()}`);
    });
  }
});

test.afterAll(async () => {
  await context?.close();
});

test('a profile: B opens while A saves one it built, and while A saves the demo profile again; the previous version stays until replaced', async () => {
  test.setTimeout(300_000);
  await reopen(a, '/#/inspect');
  await chooseBackend(a, 'wasm');

  // A builds a profile; its bank is held back before the record is written.
  const files = HAVE_BOTTLE ? trainImages(3) : [1, 2, 3].map((i) => ({ name: `part-${i}.png`, mimeType: 'image/png', buffer: INPUT }));
  console.log(`building from ${HAVE_BOTTLE ? 'three MVTec bottle images' : 'three copies of the WRN fixture image (no MVTec bottle here)'}`);
  await slowParts(a, '^bank:');
  await a.getByTestId('build-files').setInputFiles(files);
  await a.getByTestId('profiles-panel').getByLabel('Profile name').fill('two tabs');
  await a.getByTestId('build-button').click();
  await windowOpens(a);
  const during = await storedSnapshot(a);
  expect(orphanParts(during), 'the new bank, stored and not yet used by a record').toHaveLength(1);
  await reopen(b, '/#/inspect');
  await sweepWaits(b);
  expect(await windowOpen(a), 'B reached its stores while A held its bank back').toBe(true);
  await slowParts(a, null);
  await expect(profileRow(a, 'two tabs')).toBeVisible({ timeout: 60_000 });
  // B's listing came after A's save (it waited for the lock), so it shows the new profile.
  await expect(profileRow(b, 'two tabs')).toBeVisible();
  whole(await storedSnapshot(b, { settled: true }), 'after the build');

  // The demo profile, stored by a first visit, then made stale: the next visit saves it again.
  await slowParts(a, null);
  await a.goto('/#/demo');
  await expect(a.getByTestId('demo-view')).toHaveAttribute('data-phase', 'done', { timeout: 120_000 });
  await a.evaluate(
    (key) =>
      new Promise<void>((resolve, reject) => {
        const open = indexedDB.open('anomaly-inspector');
        open.onsuccess = () => {
          const tx = open.result.transaction('kv', 'readwrite');
          const store = tx.objectStore('kv');
          const r = store.get(key);
          r.onsuccess = () => store.put({ ...r.result, meta: { ...r.result.meta, createdAt: '2000-01-01T00:00:00.000Z' } }, key);
          tx.oncomplete = () => {
            open.result.close();
            resolve();
          };
          tx.onerror = () => reject(tx.error);
        };
        open.onerror = () => reject(open.error);
      }),
    `profile:${DEMO_PROFILE_ID}`,
  );
  const before = await storedSnapshot(b);
  const oldBank = before.parts[`profile:${DEMO_PROFILE_ID}`][0];
  await slowParts(a, '^bank:');
  await a.reload();
  await windowOpens(a, 120_000);
  // Inside the window: the record still points to the previous bank, which is stored; the new one waits beside it.
  const mid = await storedSnapshot(a);
  expect(mid.parts[`profile:${DEMO_PROFILE_ID}`]).toEqual([oldBank]);
  expect(mid.keys).toContain(oldBank);
  expect(missingParts(mid), 'every record whole while the new version is written').toEqual([]);
  expect(orphanParts(mid)).toHaveLength(1);
  await reopen(b, '/#/inspect');
  await sweepWaits(b);
  await slowParts(a, null);
  await expect(a.getByTestId('demo-view')).toHaveAttribute('data-phase', 'done', { timeout: 120_000 });
  await expect(a.getByTestId('demo-status')).toContainText('7 of 7 parts judged correctly');
  const after = await storedSnapshot(b);
  const newBank = after.parts[`profile:${DEMO_PROFILE_ID}`][0];
  expect(newBank).not.toBe(oldBank);
  expect(after.keys).not.toContain(oldBank);
  whole(after, 'after the demo profile was saved again');
  await waitEngineReady(b);
  await expect(profileRow(b, 'two tabs')).toBeVisible();
});

test('a backbone: B opens while A stores a converted .pth', async () => {
  test.setTimeout(180_000);
  await reopen(a, '/#/advanced');
  await waitEngineReady(a);
  await slowParts(a, '^bbfile:');
  await a.getByTestId('backbone-file').setInputFiles({ name: 'wrn.pth', mimeType: 'application/octet-stream', buffer: readFileSync(WRN) });
  await windowOpens(a, 120_000);
  expect(orphanParts(await storedSnapshot(a)).length, 'a backbone file stored, no record yet').toBeGreaterThan(0);
  await reopen(b, '/#/advanced');
  await sweepWaits(b);
  await slowParts(a, null);
  const row = (p: Page) => p.locator('[data-testid="backbone-item"][data-backbone-id="wide_resnet50_2-wrn"]');
  await expect(row(a)).toBeVisible({ timeout: 120_000 });
  await expect(row(b)).toBeVisible({ timeout: 60_000 });
  whole(await storedSnapshot(b, { settled: true }), 'after the backbone was stored');
});

test('a training run: B opens while A stores a checkpoint, and B is refused when it presses Start', async () => {
  test.setTimeout(300_000);
  const openTrain = async (p: Page) => {
    await p.getByTestId('nav-train').click();
    await expect(p.getByTestId('train-view')).toHaveAttribute('data-loaded', 'true');
  };
  const images = [1, 2].map((i) => ({ name: `part-${i}.png`, mimeType: 'image/png', buffer: INPUT }));
  await reopen(a, '/#/inspect');
  await chooseBackend(a, 'wasm');
  await openTrain(a);
  await a.getByTestId('train-files').setInputFiles(images);
  // Long enough (about a minute here) for B to act while it runs.
  for (const [k, v] of Object.entries({ 'image-size': 64, batch: 2, 'micro-batch': 2, 'stage1-epochs': 8, 'stage2-epochs': 2 })) await a.getByTestId(`train-${k}`).fill(String(v));
  await slowParts(a, '^trainckpt:');
  await a.getByTestId('train-start').click();
  await expect(a.getByTestId('train-progress')).toBeVisible();
  await windowOpens(a, 240_000);
  expect(orphanParts(await storedSnapshot(a)).length, 'checkpoint parts stored, not yet in the run record').toBeGreaterThan(0);
  await reopen(b, '/#/inspect');
  await sweepWaits(b);
  await slowParts(a, null);
  // A pauses (its run, paused, still holds the training lock) while B tries to train.
  await a.getByTestId('train-pause').click();
  await expect(a.getByTestId('train-state')).toHaveAttribute('data-state', 'paused', { timeout: 60_000 });
  await expect(a.getByTestId('train-checkpoint')).not.toHaveAttribute('data-checkpoint', '', { timeout: 60_000 });
  whole(await storedSnapshot(b, { settled: true }), 'after the first checkpoint');

  // B's Start is refused with the message (after confirming the discard B is offered, A's run having a checkpoint),
  // and A's run is not touched.
  await waitEngineReady(b);
  await openTrain(b);
  await b.getByTestId('train-files').setInputFiles(images);
  await b.getByTestId('train-start').click();
  const confirm = b.getByTestId('train-discard-and-start');
  const error = b.getByTestId('train-error');
  await expect(confirm.or(error)).toBeVisible();
  const offered = await confirm.isVisible();
  if (offered) await confirm.click();
  console.log(`B's Start: ${offered ? 'the discard of the stored run was offered first, then refused' : 'refused at once'}`);
  await expect(error).toContainText('Another tab of this app is training now');
  await expect(b.getByTestId('train-progress')).toHaveCount(0);
  await a.getByTestId('train-resume').click();
  await expect(a.getByTestId('train-state')).toHaveAttribute('data-state', 'running');

  await expect(a.getByTestId('train-result')).toBeVisible({ timeout: 240_000 });
  const held = await a.evaluate(() => (window as unknown as { __held: number }).__held);
  console.log(`training: ${held} checkpoint part write(s) held back by ${WINDOW_MS} ms`);
  const done = await storedSnapshot(b, { settled: true });
  whole(done, 'after the run finished');
  expect(done.keys.filter((k) => k.startsWith('trainckpt:')), 'no checkpoint parts after a finished run').toEqual([]);
  expect(done.keys.filter((k) => k.startsWith('trainimg:')), "the run's two images").toHaveLength(2);
});
