/**
 * The shareable demo (`/#/demo`): the demo profile is reused from storage when this version built it with the
 * demo's settings, else built in the worker from generated flanges and saved under its reserved id; then test
 * parts are rendered in the worker and scored one by one, each judged against the profile's threshold. The run
 * reports every change to its caller (the view keeps the state, so a view that is gone simply stops listening).
 */
import type { Progress } from '../engine/progress';
import { splitHoldout } from '../engine/profile/holdout';
import { judge } from '../engine/profile/verdict';
import type { Judgement } from '../engine/profile/verdict';
import type { DemoImageData, FrameScore } from '../worker-bridge/protocol';
import { ensureLoaded, refreshProfiles, selectProfile } from './actions';
import { pushAlert, useAppStore } from './app-store';
import { DEMO_PROFILE_ID, DEMO_PROFILE_NAME, DEMO_SETTINGS, DEMO_TEST } from './demo-config';
import { engine, profileStore } from './services';

export type DemoResult = { image: DemoImageData; score: FrameScore } & Judgement;

export interface DemoState {
  phase: 'waiting' | 'building' | 'inspecting' | 'done' | 'error';
  /** The build's progress (first visit only). */
  progress: Progress | null;
  results: DemoResult[];
  /** How many test parts will be scored (0 until they are rendered). */
  total: number;
  /** The demo profile's threshold and normal scores, which colour the heatmaps. */
  threshold: number | null;
  calibration: readonly number[];
  /** performance.now() in seconds when the first heatmap arrived. */
  firstHeatmapS: number | null;
  /** Whether the saved demo profile was reused (null until known). */
  reused: boolean | null;
  problem: string | null;
}

export const DEMO_START: DemoState = { phase: 'waiting', progress: null, results: [], total: 0, threshold: null, calibration: [], firstHeatmapS: null, reused: null, problem: null };

/** The demo profile: reused from storage when this version built it, built in the worker otherwise. */
async function demoProfile(onProgress: (p: Progress) => void, onBuilding: () => void): Promise<{ reused: boolean }> {
  const store = profileStore();
  const existing = (await store.list()).find((p) => p.id === DEMO_PROFILE_ID);
  const fitCount = splitHoldout(Array.from({ length: DEMO_SETTINGS.trainCount }), DEMO_SETTINGS.holdout).fit.length;
  if (existing && existing.coreset.ratio === DEMO_SETTINGS.coresetRatio && existing.training.imageCount === fitCount && existing.appVersion.length > 0) {
    return { reused: true };
  }
  onBuilding();
  const result = await engine().request('demo-build', { options: { name: DEMO_PROFILE_NAME, ...DEMO_SETTINGS } }, { onProgress });
  await store.save({ ...result.meta, id: DEMO_PROFILE_ID }, result.bank);
  return { reused: false };
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
 * state setter fits). A failure ends in phase 'error' with the reason, and an alert.
 */
export async function runDemo(update: (change: (s: DemoState) => DemoState) => void): Promise<void> {
  const patch = (p: Partial<DemoState>) => update((s) => ({ ...s, ...p }));
  try {
    const { reused } = await demoProfile(
      (progress) => patch({ progress }),
      () => patch({ phase: 'building' }),
    );
    patch({ reused, progress: null });
    await refreshProfiles();
    selectProfile(DEMO_PROFILE_ID);
    const meta = useAppStore.getState().profiles.find((p) => p.id === DEMO_PROFILE_ID);
    if (!meta) throw new Error('the demo profile was not saved');
    const t = meta.threshold.value;
    patch({ threshold: t, calibration: meta.calibrationScores, phase: 'inspecting' });
    const key = await ensureLoaded(DEMO_PROFILE_ID);
    const { images } = await engine().request('demo-render', { ...DEMO_TEST, size: DEMO_SETTINGS.size, seed: DEMO_SETTINGS.seed + 1 });
    const order = interleave(images);
    patch({ total: order.length });
    for (const image of order) {
      const data = image.rgba.slice(0);
      const score = await engine().request('score-frame', { key, frame: { kind: 'rgba', width: image.width, height: image.height, data } }, { transfer: [data] });
      update((s) => ({ ...s, firstHeatmapS: s.firstHeatmapS ?? performance.now() / 1000, results: [...s.results, { image, score, ...judge(score.score, t, meta.calibrationScores) }] }));
    }
    patch({ phase: 'done' });
  } catch (e) {
    patch({ phase: 'error', problem: (e as Error).message ?? String(e) });
    pushAlert('error', `The demo failed: ${(e as Error).message}`);
  }
}
