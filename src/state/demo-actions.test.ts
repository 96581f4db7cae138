import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DEMO_FIT, DEMO_PROFILE_ID, DEMO_PROFILE_NAME, DEMO_PROFILE_PATH, DEMO_TEST } from '../engine/demo/recipe';
import type { ProfileMeta } from '../engine/profile/profile';
import { normalizeScore } from '../engine/profile/verdict';
import type { BackendInfo, DemoImageData, FrameScore, StoredBank } from '../worker-bridge/protocol';
import { refreshProfiles, selectProfile } from './actions';
import { startEngine } from './engine-actions';
import { useAppStore } from './app-store';
import { DEMO_START, demoProfileUrl, runDemo } from './demo-actions';
import type { DemoState } from './demo-actions';
import { engineError, freshServices, testProfile, until } from './fake-engine';
import type { FakeEngine } from './fake-engine';
import { profileStore } from './services';

let engine: FakeEngine;
let fetched: string[];
const app = () => useAppStore.getState();
const image = (name: string, defect: string): DemoImageData => ({ name, defect, label: defect === 'good' ? 0 : 1, width: 4, height: 4, rgba: new Uint8Array(64).fill(defect === 'good' ? 0 : 1).buffer });
const IMAGES = [image('test/good/0.png', 'good'), image('test/good/1.png', 'good'), image('test/scratch/0.png', 'scratch')];
const frame = (score: number): FrameScore => ({ score, map: new Float32Array(4).fill(score), size: 2, grid: 1, width: 4, height: 4, backend: 'wasm', ms: 3 });
/** The bytes the fake server ships as the demo profile file (the fake engine's 'import' reads them as `shipped`). */
const FILE_BYTES = [7, 7, 7];

/** The shipped demo profile, as the worker's 'import' answers for the file (the id is the one the fit gave it). */
function shippedProfile(createdAt = '2025-01-01T00:00:00.000Z'): { meta: ProfileMeta; bank: StoredBank } {
  const p = testProfile({ name: DEMO_PROFILE_NAME, threshold: 2, calibration: [1, 2], imageCount: DEMO_FIT.trainCount });
  return { meta: { ...p.meta, id: 'fitted-in-node', createdAt, updatedAt: createdAt }, bank: p.bank };
}

let shipped = shippedProfile();

/** Serves the demo profile file (or fails as offline does). */
function serve(how: 'ok' | 'offline' | 404 = 'ok'): void {
  vi.stubGlobal('fetch', async (url: string) => {
    fetched.push(url);
    if (how === 'offline') throw new TypeError('Failed to fetch');
    return new Response(new Uint8Array(FILE_BYTES), { status: how === 'ok' ? 200 : how });
  });
}

/** Runs the demo as the view does, keeping every state it goes through. */
async function run(openedAt?: number): Promise<DemoState[]> {
  const states: DemoState[] = [];
  let s = DEMO_START;
  await runDemo((change) => {
    s = change(s);
    states.push(s);
  }, openedAt);
  return states;
}

async function saveBottle(): Promise<ProfileMeta> {
  const { meta, bank } = testProfile({ name: 'bottle', threshold: 5, calibration: [1, 2] });
  await profileStore().save(meta, bank);
  return meta;
}

beforeEach(() => {
  ({ engine } = freshServices());
  fetched = [];
  shipped = shippedProfile();
  serve();
  useAppStore.setState({ engineStatus: 'ready' });
  engine.on('import', ({ file }) => {
    expect([...new Uint8Array(file.bytes)]).toEqual(FILE_BYTES);
    return { meta: shipped.meta, bank: { ...shipped.bank, bytes: shipped.bank.bytes.slice(0) } };
  });
  engine.on('load-profile', ({ key }) => ({ key }));
  engine.on('demo-render', () => ({ images: IMAGES }));
  // The defective part (its pixels are 1s) scores above the threshold, the good ones (0s) below.
  engine.on('score-frame', ({ frame: f }) => frame(f.kind === 'rgba' && new Uint8Array(f.data)[0] === 1 ? 3 : 1.5));
});

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('the demo', () => {
  it('loads the shipped profile through the worker, stores it under its id, then shows each test part with its verdict', async () => {
    const states = await run();
    const last = states.at(-1)!;

    expect(fetched).toEqual([demoProfileUrl()]);
    expect(demoProfileUrl()).toBe(`/${DEMO_PROFILE_PATH}`);
    expect(engine.payloads('import').map((p) => p.file.name)).toEqual(['demo-flanges.profile.safetensors']);
    const stored = await profileStore().list();
    expect(stored.map((m) => [m.id, m.name, m.createdAt])).toEqual([[DEMO_PROFILE_ID, DEMO_PROFILE_NAME, shipped.meta.createdAt]]);
    // The test parts of the demo dataset the profile was fitted on (separate streams: no training part repeats).
    expect(engine.payloads('demo-render')).toEqual([{ ...DEMO_TEST, size: DEMO_FIT.size, seed: DEMO_FIT.seed }]);
    expect(engine.payloads('load-profile').map((p) => p.meta.id)).toEqual([DEMO_PROFILE_ID]);

    expect(last).toMatchObject({ phase: 'done', reused: false, total: 3, threshold: 2, calibration: [1, 2], problem: null });
    // Defective first, then alternating with the good ones.
    expect(last.results.map((r) => [r.image.name, r.score.score, r.verdict, r.normalized])).toEqual([
      ['test/scratch/0.png', 3, 'fail', normalizeScore(3, 2, [1, 2])],
      ['test/good/0.png', 1.5, 'pass', normalizeScore(1.5, 2, [1, 2])],
      ['test/good/1.png', 1.5, 'pass', normalizeScore(1.5, 2, [1, 2])],
    ]);
    expect(states.map((s) => s.phase).filter((p, i, all) => p !== all[i - 1])).toEqual(['loading', 'inspecting', 'done']);
    // The profile lists show it; nothing is selected for the person.
    expect(app().profiles.map((p) => p.id)).toEqual([DEMO_PROFILE_ID]);
    expect(app().selectedId).toBeNull();
  });

  it('never changes the selected profile', async () => {
    const bottle = await saveBottle();
    await refreshProfiles();
    selectProfile(bottle.id);
    expect(app().selectedId).toBe(bottle.id);

    expect((await run()).at(-1)).toMatchObject({ phase: 'done' });
    expect(app().selectedId).toBe(bottle.id);
    expect(app().profiles.map((p) => p.id).sort()).toEqual([DEMO_PROFILE_ID, bottle.id].sort());
    // Scored with its own profile, by id, and judged against its own threshold (5 would pass every part).
    expect(engine.payloads('load-profile').map((p) => p.meta.id)).toEqual([DEMO_PROFILE_ID]);
    expect((await run()).at(-1)!.results.map((r) => r.verdict)).toEqual(['fail', 'pass', 'pass']);
    expect(app().selectedId).toBe(bottle.id);
  });

  it('leaves the selection to the person when none was made: the newest other profile, never the demo one', async () => {
    const bottle = await saveBottle();
    await run();
    expect(app().selectedId).toBe(bottle.id);
    // Even when the demo profile is the newest one.
    shipped = shippedProfile('2099-01-01T00:00:00.000Z');
    useAppStore.setState({ selectedId: null });
    await run();
    expect((await profileStore().list()).at(-1)!.id).toBe(DEMO_PROFILE_ID);
    expect(app().selectedId).toBe(bottle.id);
  });

  it('reuses the stored demo profile when the shipped file is the same fit (what was taught to it stays)', async () => {
    await run();
    const taught = await profileStore().updateMeta(DEMO_PROFILE_ID, (m) => ({ ...m, threshold: { ...m.threshold, value: 1.4 } }));
    const last = (await run()).at(-1)!;
    expect(last).toMatchObject({ phase: 'done', reused: true, threshold: 1.4 });
    expect(last.results.map((r) => r.verdict)).toEqual(['fail', 'fail', 'fail']);
    expect((await profileStore().list()).map((m) => m.updatedAt)).toEqual([taught.updatedAt]);
  });

  it('replaces the stored demo profile when the shipped file is another fit', async () => {
    await run();
    await profileStore().updateMeta(DEMO_PROFILE_ID, (m) => ({ ...m, threshold: { ...m.threshold, value: 1.6 } }));
    shipped = shippedProfile('2026-02-02T00:00:00.000Z');
    const last = (await run()).at(-1)!;
    expect(last).toMatchObject({ phase: 'done', reused: false, threshold: 2 });
    expect((await profileStore().list()).map((m) => [m.id, m.createdAt])).toEqual([[DEMO_PROFILE_ID, '2026-02-02T00:00:00.000Z']]);
    // The engine gets the new revision.
    const keys = engine.payloads('load-profile').map((p) => p.key);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('offline without the file: uses the stored demo profile; with none stored, fails saying why', async () => {
    await run();
    serve('offline');
    expect((await run()).at(-1)).toMatchObject({ phase: 'done', reused: true });

    ({ engine } = freshServices());
    useAppStore.setState({ engineStatus: 'ready' });
    serve(404);
    const last = (await run()).at(-1)!;
    expect(last).toMatchObject({ phase: 'error', problem: 'the demo profile could not be downloaded (HTTP 404)', results: [] });
    expect(app().alerts.at(-1)).toMatchObject({ kind: 'error', text: 'The demo failed: the demo profile could not be downloaded (HTTP 404)' });
  });

  it('refuses a shipped file the worker does not accept, storing nothing', async () => {
    engine.on('import', () => {
      throw engineError('demo-flanges.profile.safetensors: not a profile file', 'profile');
    });
    const last = (await run()).at(-1)!;
    expect(last).toMatchObject({ phase: 'error', problem: 'demo-flanges.profile.safetensors: not a profile file' });
    expect(await profileStore().list()).toEqual([]);
  });

  it('prepares the profile and the test parts while the engine starts, and scores once it is ready', async () => {
    useAppStore.setState({ engineStatus: 'starting' });
    const states: DemoState[] = [];
    let s = DEMO_START;
    const done = runDemo((change) => {
      s = change(s);
      states.push(s);
    });
    await until(() => s.total === 3);
    expect(engine.calls.map((c) => c.type)).toEqual(['demo-render', 'import']);
    expect(s.phase).toBe('loading');
    useAppStore.setState({ engineStatus: 'ready' });
    await done;
    expect(s).toMatchObject({ phase: 'done' });
    expect(s.results).toHaveLength(3);
  });

  it('counts the first heatmap from when the demo was opened, not from the page load', async () => {
    const openedAt = performance.now() - 2500;
    const last = (await run(openedAt)).at(-1)!;
    expect(last.firstHeatmapS).toBeGreaterThanOrEqual(2.5);
    expect(last.firstHeatmapS).toBeLessThan(2.5 + 5);
    const now = (await run()).at(-1)!;
    expect(now.firstHeatmapS).toBeGreaterThanOrEqual(0);
    expect(now.firstHeatmapS).toBeLessThan(performance.now() / 1000);
    expect(now.firstHeatmapS).toBeLessThan(5);
  });

  it('ends in the error phase with the engine message, and an alert', async () => {
    engine.on('demo-render', () => {
      throw engineError('out of memory');
    });
    const last = (await run()).at(-1)!;
    expect(last).toMatchObject({ phase: 'error', problem: 'out of memory', results: [] });
    expect(app().alerts.at(-1)).toMatchObject({ kind: 'error', text: 'The demo failed: out of memory' });
  });

  it('fails when the engine could not start', async () => {
    useAppStore.setState({ engineStatus: 'error', engineError: 'no backend' });
    expect((await run()).at(-1)).toMatchObject({ phase: 'error', problem: 'no backend' });
    expect(engine.payloads('load-profile')).toEqual([]);
  });

  it("starts the engine on WASM at once when 'auto' has no calibration yet, and calibrates once the demo is over", async () => {
    useAppStore.setState({ engineStatus: 'starting' });
    const info = (how: BackendInfo['how'], reason: string): BackendInfo => ({ name: 'wasm', how, reason, available: ['wasm'], calibration: null });
    engine.on('init', () => info('override', 'WASM was chosen in the backend setting. WASM threaded SIMD build, 1 compute thread.'));
    engine.on('set-backend', () => info('calibration', 'WASM was fastest in the calibration run.'));
    const started = startEngine({ quick: true });
    const done = run();
    await started;
    expect(engine.payloads('init')).toEqual([{ choice: 'wasm', calibration: null }]);
    expect(app().backend?.reason).toBe('Started on WASM at once for the demo; the backend calibration runs after it. WASM threaded SIMD build, 1 compute thread.');
    expect(app().backendChoice).toBe('auto');
    const states = await done;
    expect(states.at(-1)).toMatchObject({ phase: 'done' });
    // The calibration ran after the last part was scored.
    const types = engine.calls.map((c) => c.type);
    expect(types.lastIndexOf('score-frame')).toBeLessThan(types.indexOf('set-backend'));
    expect(engine.payloads('set-backend')).toEqual([{ choice: 'auto' }]);
    expect(app()).toMatchObject({ engineStatus: 'ready', backendChoice: 'auto', backend: { how: 'calibration' } });
    await run();
    expect(engine.payloads('set-backend')).toHaveLength(1);
  });
});
