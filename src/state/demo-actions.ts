/**
 * The shareable demo (`/#/demo`). Its profile is not built here: it was fitted when the app was built
 * (scripts/build-demo-profile.ts, recipe in src/engine/demo/recipe.ts) and ships as a static file. The demo fetches
 * it, has the worker validate it as any imported profile file ('import'), and keeps it in storage under its reserved
 * id: the stored one is replaced when the shipped file is another fit (created at another time, by another app
 * version or on other backbone weights), else reused (so what was taught to it stays). Meanwhile the worker renders
 * the test parts; once the engine is ready they are scored one by one against the demo profile, by its id, and
 * judged by the general rule. The demo never changes the profile selected in the other views.
 *
 * The run reports every change to its caller (the view keeps the state, so a view that is gone simply stops
 * listening).
 */
import { DEMO_FIT, DEMO_PROFILE_ID, DEMO_PROFILE_PATH, DEMO_TEST } from '../engine/demo/recipe';
import type { ProfileMeta } from '../engine/profile/profile';
import { judge } from '../engine/profile/verdict';
import type { Judgement } from '../engine/profile/verdict';
import type { DemoImageData, FrameScore } from '../worker-bridge/protocol';
import { ensureLoaded, refreshProfiles } from './actions';
import { runDeferredCalibration } from './engine-actions';
import { pushAlert, useAppStore } from './app-store';
import { engine, profileStore } from './services';

export type DemoResult = { image: DemoImageData; score: FrameScore } & Judgement;

export interface DemoState {
  /** `waiting`: for the engine to start; `loading`: the demo profile; then scoring the test parts. */
  phase: 'waiting' | 'loading' | 'inspecting' | 'done' | 'error';
  results: DemoResult[];
  /** How many test parts will be scored (0 until they are rendered). */
  total: number;
  /** The demo profile's threshold and normal scores, which colour the heatmaps. */
  threshold: number | null;
  calibration: readonly number[];
  /** Seconds from opening the demo (see runDemo's `openedAt`) to the first heatmap. */
  firstHeatmapS: number | null;
  /** Whether the stored demo profile was kept (null until known): true when it is the shipped one. */
  reused: boolean | null;
  problem: string | null;
}

export const DEMO_START: DemoState = { phase: 'waiting', results: [], total: 0, threshold: null, calibration: [], firstHeatmapS: null, reused: null, problem: null };

/** Where the shipped demo profile is, under the app's base URL. */
export function demoProfileUrl(): string {
  return `${import.meta.env.BASE_URL}${DEMO_PROFILE_PATH}`;
}

/** The same fit: the stored profile came from this file (what was taught to it since does not count). */
export function sameFit(a: ProfileMeta, b: ProfileMeta): boolean {
  return a.createdAt === b.createdAt && a.appVersion === b.appVersion && a.backbone.weightsHash === b.backbone.weightsHash;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * The demo profile in storage, from the shipped file (validated by the worker). When the file cannot be had (offline
 * without the service worker's copy), a demo profile already stored is used as it is.
 */
async function demoProfile(): Promise<{ meta: ProfileMeta; reused: boolean }> {
  const store = profileStore();
  const stored = (await store.list()).find((p) => p.id === DEMO_PROFILE_ID) ?? null;
  let bytes: ArrayBuffer;
  try {
    const response = await fetch(demoProfileUrl());
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    bytes = await response.arrayBuffer();
  } catch (e) {
    if (stored) return { meta: stored, reused: true };
    throw new Error(`the demo profile could not be downloaded (${message(e)})`, { cause: e });
  }
  const name = DEMO_PROFILE_PATH.split('/').pop()!;
  const shipped = await engine().request('import', { file: { name, bytes } }, { transfer: [bytes] });
  if (stored && sameFit(stored, shipped.meta)) return { meta: stored, reused: true };
  const meta = { ...shipped.meta, id: DEMO_PROFILE_ID };
  await store.save(meta, shipped.bank);
  return { meta, reused: false };
}

/** Resolves when the engine is ready (at once if it is); rejects when it could not start. */
function engineReady(): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = (status: string): boolean => {
      if (status === 'ready') resolve();
      else if (status === 'error') reject(new Error(useAppStore.getState().engineError ?? 'the engine could not start'));
      else return false;
      return true;
    };
    if (check(useAppStore.getState().engineStatus)) return;
    const stop = useAppStore.subscribe((s) => {
      if (check(s.engineStatus)) stop();
    });
  });
}

/** Defective parts first, alternating with good ones, so the first cards show both verdicts. */
function interleave(images: readonly DemoImageData[]): DemoImageData[] {
  const good = images.filter((i) => i.label === 0);
  const bad = images.filter((i) => i.label === 1);
  const order: DemoImageData[] = [];
  for (let i = 0; i < Math.max(good.length, bad.length); i++) {
    if (bad[i]) order.push(bad[i]);
    if (good[i]) order.push(good[i]);
  }
  return order;
}

/**
 * Runs the demo from the start state; `update` gets each change as a function of the previous state (React's
 * state setter fits). `openedAt` is performance.now() when the demo was opened (the view mounted), which the
 * first-heatmap time counts from. The engine may still be starting: the profile and the test parts are prepared
 * meanwhile. A failure ends in phase 'error' with the reason, and an alert. When the engine was started without
 * its calibration (the demo's quick start), the calibration runs once the demo is over.
 */
export async function runDemo(update: (change: (s: DemoState) => DemoState) => void, openedAt = performance.now()): Promise<void> {
  const patch = (p: Partial<DemoState>) => update((s) => ({ ...s, ...p }));
  try {
    const ready = engineReady();
    ready.catch(() => undefined);
    // The test parts render in the worker while the profile is fetched and checked (both are answered at once,
    // beside the engine's start).
    const rendered = engine().request('demo-render', { ...DEMO_TEST, size: DEMO_FIT.size, seed: DEMO_FIT.seed });
    rendered.catch(() => undefined);
    patch({ phase: 'loading' });
    const { meta, reused } = await demoProfile();
    const t = meta.threshold.value;
    patch({ reused, threshold: t, calibration: meta.calibrationScores });
    // The profile lists show the demo profile too (chosen there only by hand: the selection stays as it is).
    await refreshProfiles();
    const order = interleave((await rendered).images);
    patch({ total: order.length });
    await ready;
    patch({ phase: 'inspecting' });
    const key = await ensureLoaded(DEMO_PROFILE_ID);
    for (const image of order) {
      const data = image.rgba.slice(0);
      const score = await engine().request('score-frame', { key, frame: { kind: 'rgba', width: image.width, height: image.height, data } }, { transfer: [data] });
      const at = (performance.now() - openedAt) / 1000;
      update((s) => ({ ...s, firstHeatmapS: s.firstHeatmapS ?? at, results: [...s.results, { image, score, ...judge(score.score, t, meta.calibrationScores) }] }));
    }
    patch({ phase: 'done' });
  } catch (e) {
    patch({ phase: 'error', problem: message(e) });
    pushAlert('error', `The demo failed: ${message(e)}`);
  }
  await runDeferredCalibration();
}
