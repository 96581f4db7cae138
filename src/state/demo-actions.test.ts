import { beforeEach, describe, expect, it } from 'vitest';
import { splitHoldout } from '../engine/profile/holdout';
import type { DemoImageData, FrameScore } from '../worker-bridge/protocol';
import { useAppStore } from './app-store';
import { DEMO_START, runDemo } from './demo-actions';
import type { DemoState } from './demo-actions';
import { DEMO_PROFILE_ID, DEMO_PROFILE_NAME, DEMO_SETTINGS, DEMO_TEST } from './demo-config';
import { engineError, freshServices, testProfile } from './fake-engine';
import type { FakeEngine } from './fake-engine';
import { profileStore } from './services';
import { normalizeScore } from '../engine/profile/verdict';

let engine: FakeEngine;
const FIT_COUNT = splitHoldout(Array.from({ length: DEMO_SETTINGS.trainCount }), DEMO_SETTINGS.holdout).fit.length;
const image = (name: string, defect: string): DemoImageData => ({ name, defect, label: defect === 'good' ? 0 : 1, width: 4, height: 4, rgba: new Uint8Array(64).fill(defect === 'good' ? 0 : 1).buffer });
const IMAGES = [image('test/good/0.png', 'good'), image('test/good/1.png', 'good'), image('test/scratch/0.png', 'scratch')];
const frame = (score: number): FrameScore => ({ score, map: new Float32Array(4).fill(score), size: 2, grid: 1, width: 4, height: 4, backend: 'wasm', ms: 3 });

function demoProfile() {
  const p = testProfile({ name: DEMO_PROFILE_NAME, threshold: 2, calibration: [1, 2], imageCount: FIT_COUNT, coresetRatio: DEMO_SETTINGS.coresetRatio });
  return { meta: { ...p.meta, id: 'built-in-worker' }, bank: p.bank };
}

/** Runs the demo as the view does, keeping every state it goes through. */
async function run(): Promise<DemoState[]> {
  const states: DemoState[] = [];
  let s = DEMO_START;
  await runDemo((change) => {
    s = change(s);
    states.push(s);
  });
  return states;
}

beforeEach(() => {
  ({ engine } = freshServices());
  engine.on('load-profile', ({ key }) => ({ key }));
  engine.on('demo-render', () => ({ images: IMAGES }));
  // The defective part (its pixels are 1s) scores above the threshold, the good ones (0s) below.
  engine.on('score-frame', ({ frame: f }) => frame(f.kind === 'rgba' && new Uint8Array(f.data)[0] === 1 ? 3 : 1.5));
});

describe('the demo', () => {
  it('builds and saves the demo profile on a first visit, then shows each test part with its verdict', async () => {
    engine.on('demo-build', (_, { onProgress }) => {
      onProgress?.({ stage: 'features', done: 3, total: 24, fraction: 0.125, etaSeconds: null });
      const { meta, bank } = demoProfile();
      return { meta, bank, skipped: [], seconds: { decode: 0, backbone: 1, coreset: 0, calibrate: 0, total: 1 }, backend: 'wasm', coresetOn: 'host' };
    });
    const states = await run();
    const last = states.at(-1)!;

    expect(engine.payloads('demo-build')).toEqual([{ options: { name: DEMO_PROFILE_NAME, ...DEMO_SETTINGS } }]);
    expect(states.some((s) => s.phase === 'building' && s.progress !== null)).toBe(true);
    expect((await profileStore().list()).map((m) => m.id)).toEqual([DEMO_PROFILE_ID]);
    expect(useAppStore.getState().selectedId).toBe(DEMO_PROFILE_ID);
    expect(engine.payloads('demo-render')).toEqual([{ ...DEMO_TEST, size: DEMO_SETTINGS.size, seed: DEMO_SETTINGS.seed + 1 }]);

    expect(last).toMatchObject({ phase: 'done', reused: false, progress: null, total: 3, threshold: 2, calibration: [1, 2], problem: null });
    // Defective first, then alternating with the good ones.
    expect(last.results.map((r) => [r.image.name, r.score.score, r.verdict, r.normalized])).toEqual([
      ['test/scratch/0.png', 3, 'fail', normalizeScore(3, 2, [1, 2])],
      ['test/good/0.png', 1.5, 'pass', normalizeScore(1.5, 2, [1, 2])],
      ['test/good/1.png', 1.5, 'pass', normalizeScore(1.5, 2, [1, 2])],
    ]);
    expect(last.firstHeatmapS).toBeGreaterThan(0);
  });

  it('reuses the saved demo profile on a second visit (no build)', async () => {
    const { meta, bank } = demoProfile();
    await profileStore().save({ ...meta, id: DEMO_PROFILE_ID }, bank);
    const last = (await run()).at(-1)!;
    expect(engine.payloads('demo-build')).toEqual([]);
    expect(last).toMatchObject({ phase: 'done', reused: true });
    expect(last.results.map((r) => r.verdict)).toEqual(['fail', 'pass', 'pass']);
  });

  it('ends in the error phase with the engine message, and an alert', async () => {
    const { meta, bank } = demoProfile();
    await profileStore().save({ ...meta, id: DEMO_PROFILE_ID }, bank);
    engine.on('demo-render', () => {
      throw engineError('out of memory');
    });
    const last = (await run()).at(-1)!;
    expect(last).toMatchObject({ phase: 'error', problem: 'out of memory', results: [] });
    expect(useAppStore.getState().alerts.at(-1)).toMatchObject({ kind: 'error', text: 'The demo failed: out of memory' });
  });
});
