import { beforeEach, describe, expect, it } from 'vitest';
import type { FrameScore } from '../worker-bridge/protocol';
import { engineError, freshServices, testProfile, until } from './fake-engine';
import type { FakeEngine } from './fake-engine';
import { chooseLiveProfile, frameLostToReload, liveProfileOf, liveSession, useLiveStore } from './live-actions';
import { profileStore } from './services';
import { deleteProfile, refreshProfiles, selectProfile } from './actions';
import { useAppStore } from './app-store';
import { DEMO_PROFILE_ID } from '../engine/demo/recipe';
import { normalizeScore } from '../engine/profile/verdict';
import type { BackendInfo } from '../worker-bridge/protocol';
import { openSecondEngine } from './second-engine';

let engine: FakeEngine;
const frame = (score: number): FrameScore => ({ score, map: new Float32Array(4).fill(score), size: 2, grid: 1, width: 256, height: 256, backend: 'wasm', ms: 12 });
const bitmap = (n: number) => ({ n, width: 256, height: 256 }) as unknown as ImageBitmap;

/** Fresh services whose created engines (the helper) are set up by `setUp`; the page's engine answers loads. */
function freshServicesWithHelper(setUp: (e: FakeEngine) => void) {
  const services = freshServices(setUp);
  engine = services.engine;
  engine.on('load-profile', ({ key }) => ({ key }));
  return services;
}

beforeEach(() => {
  ({ engine } = freshServices());
  useLiveStore.setState(useLiveStore.getInitialState(), true);
  engine.on('load-profile', ({ key }) => ({ key }));
});

async function saved(threshold: number | null) {
  const p = testProfile({ threshold, calibration: [1, 2] });
  await profileStore().save(p.meta, p.bank);
  return p.meta;
}

describe('live scoring', () => {
  it('loads the profile once, then scores each grabbed frame and judges it against the threshold', async () => {
    const meta = await saved(2);
    const scores = [1.5, 3];
    engine.on('score-frame', () => frame(scores.shift()!));
    const session = liveSession(meta);
    const grabbed: number[] = [];
    const grab = (n: number) => async () => {
      grabbed.push(engine.payloads('load-profile').length);
      return bitmap(n);
    };

    const a = await session.score(grab(1));
    const b = await session.score(grab(2));
    expect([a.score, a.verdict, a.normalized]).toEqual([1.5, 'pass', normalizeScore(1.5, 2, [1, 2])]);
    expect([b.score, b.verdict, b.normalized]).toEqual([3, 'fail', normalizeScore(3, 2, [1, 2])]);
    expect(a.map).toHaveLength(4);
    // The frame is grabbed after the profile is loaded, and loaded only once.
    expect(grabbed).toEqual([1, 1]);
    const requests = engine.calls.filter((c) => c.type === 'score-frame');
    const key = engine.payloads('load-profile')[0].key;
    expect(requests.map((c) => c.payload)).toEqual([
      { key, frame: { kind: 'bitmap', bitmap: bitmap(1) } },
      { key, frame: { kind: 'bitmap', bitmap: bitmap(2) } },
    ]);
    expect(requests[0].options.transfer).toEqual([bitmap(1)]);
  });

  it('has no verdict without a threshold', async () => {
    const meta = await saved(null);
    engine.on('score-frame', () => frame(9));
    expect(await liveSession(meta).score(async () => bitmap(1))).toMatchObject({ score: 9, verdict: null, normalized: null });
  });

  it('loses the frame when the worker dropped the profile, loads it again, and scores the next one', async () => {
    const meta = await saved(2);
    let dropped = true;
    engine.on('score-frame', () => {
      if (dropped) {
        dropped = false;
        throw engineError('profile not loaded', 'not-loaded');
      }
      return frame(2);
    });
    const session = liveSession(meta);
    const lost = await session.score(async () => bitmap(1)).catch((e: unknown) => e);
    expect(frameLostToReload(lost)).toBe(true);
    expect(engine.payloads('load-profile')).toHaveLength(2);
    expect(await session.score(async () => bitmap(2))).toMatchObject({ verdict: 'fail', normalized: 0.5 });
    expect(engine.payloads('load-profile')).toHaveLength(2);
  });

  it('passes other engine errors on as they are', async () => {
    const meta = await saved(2);
    engine.on('score-frame', () => {
      throw engineError('the WebGPU device was lost');
    });
    const e = await liveSession(meta).score(async () => bitmap(1)).catch((err: unknown) => err);
    expect(frameLostToReload(e)).toBe(false);
    expect((e as Error).message).toBe('the WebGPU device was lost');
    expect(engine.payloads('load-profile')).toHaveLength(1);
  });
});

describe('live scoring on two engine workers', () => {
  const backendInfo = { name: 'wasm', reason: 'chosen', calibration: null } as unknown as BackendInfo;

  it('sends frames to whichever worker is free, each with the profile loaded once, and ends the helper on close', async () => {
    const gates: { resolve: () => void }[] = [];
    const slow = (score: number) => () => new Promise<FrameScore>((resolve) => gates.push({ resolve: () => resolve(frame(score)) }));
    const { created } = freshServicesWithHelper((e) => e.on('init', () => backendInfo).on('load-profile', ({ key }) => ({ key })).on('score-frame', slow(3)));
    const meta = await saved(2);
    engine.on('score-frame', slow(1));
    const helper = openSecondEngine('wasm');
    const session = liveSession(meta, helper);
    expect(session.lanes).toBe(2);
    const first = session.score(async () => bitmap(1));
    const second = session.score(async () => bitmap(2));
    await until(() => gates.length === 2);
    const [worker] = created;
    expect(worker.calls.map((c) => c.type)).toEqual(['init', 'load-profile', 'score-frame']);
    expect(worker.payloads('init')).toEqual([{ choice: 'wasm' }]);
    expect(engine.payloads('score-frame')).toHaveLength(1);
    gates.forEach((g) => g.resolve());
    expect([(await first).verdict, (await second).verdict].sort()).toEqual(['fail', 'pass']);
    // Both free again: the next frame goes to the page's engine, and no profile is loaded twice.
    engine.on('score-frame', () => frame(1));
    await session.score(async () => bitmap(3));
    expect(engine.payloads('load-profile')).toHaveLength(1);
    expect(worker.payloads('load-profile')).toHaveLength(1);
    helper.close();
    expect(worker.terminated).toBe(true);
  });

  it('drops a helper that cannot start: that frame says so, the page\'s engine scores the rest', async () => {
    freshServicesWithHelper((e) =>
      e.on('init', () => {
        throw engineError('out of memory');
      }),
    );
    const meta = await saved(2);
    const session = liveSession(meta, openSecondEngine('wasm'));
    const gate = engine;
    let release: (() => void) | undefined;
    gate.on('score-frame', () => new Promise<FrameScore>((r) => (release = () => r(frame(1)))));
    const onMain = session.score(async () => bitmap(1));
    const onHelper = await session.score(async () => bitmap(2)).catch((e: unknown) => e);
    expect((onHelper as Error).message).toMatch(/second engine worker could not load the profile \(out of memory\)/);
    expect(session.lanes).toBe(1);
    await until(() => release !== undefined);
    release!();
    expect((await onMain).verdict).toBe('pass');
    gate.on('score-frame', () => frame(3));
    expect((await session.score(async () => bitmap(3))).verdict).toBe('fail');
  });
});

describe("the Live view's profile", () => {
  const live = () => liveProfileOf(useAppStore.getState(), useLiveStore.getState().profileId)?.id ?? null;

  async function profiles(...names: string[]) {
    const metas = [];
    for (const name of names) {
      const p = testProfile({ name });
      const meta = name === 'demo' ? { ...p.meta, id: DEMO_PROFILE_ID } : p.meta;
      await profileStore().save(meta, p.bank);
      metas.push(meta);
    }
    await refreshProfiles();
    return metas;
  }

  it('defaults to the selected profile and follows it', async () => {
    const [bottle, glass] = await profiles('bottle', 'glass');
    selectProfile(bottle.id);
    expect(live()).toBe(bottle.id);
    selectProfile(glass.id);
    expect(live()).toBe(glass.id);
  });

  it('is never the demo profile unless chosen; choosing it leaves the selection as it is', async () => {
    const [demo] = await profiles('demo');
    expect(useAppStore.getState().selectedId).toBeNull();
    expect(live()).toBeNull();
    const [bottle] = await profiles('bottle');
    selectProfile(bottle.id);
    chooseLiveProfile(demo.id);
    expect(live()).toBe(DEMO_PROFILE_ID);
    expect(useAppStore.getState().selectedId).toBe(bottle.id);
    chooseLiveProfile('');
    expect(live()).toBe(bottle.id);
  });

  it('falls back to the selected profile when the chosen one is deleted', async () => {
    const [bottle, glass] = await profiles('bottle', 'glass');
    selectProfile(bottle.id);
    chooseLiveProfile(glass.id);
    expect(live()).toBe(glass.id);
    await deleteProfile(glass.id);
    expect(live()).toBe(bottle.id);
  });
});
