import { beforeEach, describe, expect, it } from 'vitest';
import type { BuildResult } from '../worker-bridge/protocol';
import { buildProfile, importProfile, refreshProfiles, scoreImage } from './actions';
import { chooseBackend } from './engine-actions';
import { useAppStore } from './app-store';
import { engineError, freshServices, scoreResult, testProfile } from './fake-engine';
import type { FakeEngine } from './fake-engine';
import { profileStore } from './services';
import { normalizeScore } from '../engine/profile/verdict';

let engine: FakeEngine;
const app = () => useAppStore.getState();
const file = (name: string, bytes = [1, 2, 3]) => new File([new Uint8Array(bytes)], name);

function buildAnswer(name: string): BuildResult {
  const { meta, bank } = testProfile({ name, threshold: 2, calibration: [1, 2] });
  return { meta, bank, skipped: [], seconds: { decode: 0.1, backbone: 1, coreset: 0.2, calibrate: 0.2, total: 1.5 }, backend: 'wasm', coresetOn: 'host' };
}

/** A saved profile, read into the store and selected. */
async function seedProfile(threshold: number | null = 2, calibration = [1, 2]) {
  const { meta, bank } = testProfile({ threshold, calibration });
  await profileStore().save(meta, bank);
  await refreshProfiles();
  return meta;
}

beforeEach(() => {
  ({ engine } = freshServices());
  engine.on('load-profile', ({ key }) => ({ key }));
});

describe('building a profile', () => {
  it('refuses a name that a stored profile has, before any work', async () => {
    await seedProfile();
    engine.on('build', ({ options }) => buildAnswer(options.name));
    expect(await buildProfile([file('a.png')], { name: 'bottle', coresetRatio: 0.1, dtype: 'float32' })).toBeNull();
    expect(engine.payloads('build')).toHaveLength(0);
    expect(app().alerts.at(-1)).toMatchObject({ kind: 'error', text: 'A profile named "bottle" exists already; choose another name.' });
    expect((await profileStore().list()).map((m) => m.name)).toEqual(['bottle']);
  });

  it('says so when the profile it saved has no threshold', async () => {
    engine.on('build', ({ options }) => {
      const { meta, bank } = testProfile({ name: options.name, threshold: null, calibration: [], imageCount: 1 });
      return { ...buildAnswer(options.name), meta, bank };
    });
    await buildProfile([file('a.png'), file('b.pdf')], { name: 'one', coresetRatio: 0.1, dtype: 'float32' });
    expect(app().alerts.at(-1)).toMatchObject({ kind: 'error' });
    expect(app().alerts.at(-1)?.text).toMatch(/Profile "one" has no pass\/fail threshold: it learnt from 1 readable image, and the threshold needs at least 2/);
  });

  it('sends the images to the engine, saves the result and makes it the active profile', async () => {
    engine.on('build', ({ options }) => buildAnswer(options.name));
    const meta = await buildProfile([file('a.png'), file('b.png', [4, 5])], { name: 'bottle', coresetRatio: 0.1, dtype: 'float32' });

    expect(meta?.name).toBe('bottle');
    const [request] = engine.payloads('build');
    expect(request.options).toMatchObject({ name: 'bottle', coresetRatio: 0.1, dtype: 'float32', seed: 0, holdout: 0 });
    expect(request.files.map((f) => [f.name, f.bytes.byteLength])).toEqual([
      ['a.png', 3],
      ['b.png', 2],
    ]);
    const saved = await profileStore().list();
    expect(saved.map((m) => m.id)).toEqual([meta!.id]);
    expect(app().selectedId).toBe(meta!.id);
    expect(app().profiles.map((p) => p.name)).toEqual(['bottle']);
    expect(app().build).toMatchObject({ running: false, lastSeconds: 1.5, skipped: [] });
    expect(app().alerts.at(-1)?.text).toBe('Profile "bottle" built from 10 images on wasm in 1.5 s.');
  });

  it('gives a second build with the same id a fresh one and selects the newer profile', async () => {
    const answer = buildAnswer('bottle');
    engine.on('build', () => ({ ...answer, meta: { ...answer.meta, name: `bottle ${engine.payloads('build').length}` }, bank: { ...answer.bank, bytes: answer.bank.bytes.slice(0) } }));
    const first = await buildProfile([file('a.png')], { name: 'bottle', coresetRatio: 0.1, dtype: 'float32' });
    const second = await buildProfile([file('a.png')], { name: 'bottle', coresetRatio: 0.1, dtype: 'float32' });
    expect(first!.id).toBe(answer.meta.id);
    expect(second!.id).not.toBe(first!.id);
    expect((await profileStore().list()).map((m) => m.name).sort()).toEqual(['bottle 1', 'bottle 2']);
    expect(app().selectedId).toBe(second!.id);
  });

  it('reports an engine failure as an alert, saves nothing and ends the build', async () => {
    engine.on('build', () => {
      throw engineError('every image failed to decode');
    });
    expect(await buildProfile([file('a.png')], { name: 'bottle', coresetRatio: 0.1, dtype: 'float32' })).toBeNull();
    expect(app().alerts.map((a) => [a.kind, a.text])).toEqual([['error', 'Building the profile failed: every image failed to decode']]);
    expect(await profileStore().list()).toEqual([]);
    expect(app().build.running).toBe(false);
  });
});

describe('scoring an image', () => {
  it('judges raw scores against the profile threshold (0.5 = the threshold on the normalised scale)', async () => {
    const meta = await seedProfile(2, [1, 2]);
    engine.on('score', ({ file: f }) => scoreResult(f.name, f.name === 'bad.png' ? 3 : 1.5));

    await scoreImage(file('ok.png'));
    expect(app().scoring.result).toMatchObject({ profileId: meta.id, fileName: 'ok.png', score: 1.5, verdict: 'pass', normalized: normalizeScore(1.5, 2, [1, 2]), threshold: 2, backend: 'wasm' });
    await scoreImage(file('bad.png'));
    expect(app().scoring.result).toMatchObject({ fileName: 'bad.png', score: 3, verdict: 'fail', normalized: normalizeScore(3, 2, [1, 2]) });
    // Loaded in the worker once; both scores used that key.
    const [load] = engine.payloads('load-profile');
    expect(engine.payloads('load-profile')).toHaveLength(1);
    expect(engine.payloads('score').map((p) => p.key)).toEqual([load.key, load.key]);
  });

  it('gives no verdict when the profile has no threshold', async () => {
    await seedProfile(null);
    engine.on('score', ({ file: f }) => scoreResult(f.name, 7));
    await scoreImage(file('x.png'));
    expect(app().scoring.result).toMatchObject({ score: 7, verdict: null, normalized: null, threshold: null });
  });

  it('loads the profile again and retries when the worker no longer holds it', async () => {
    await seedProfile();
    let first = true;
    engine.on('score', ({ file: f }) => {
      if (first) {
        first = false;
        throw engineError('profile not loaded', 'not-loaded');
      }
      return scoreResult(f.name, 2);
    });
    await scoreImage(file('x.png'));
    expect(engine.payloads('load-profile')).toHaveLength(2);
    expect(app().scoring.result).toMatchObject({ score: 2, verdict: 'fail', normalized: 0.5 });
    expect(app().alerts).toEqual([]);
  });

  it('puts an engine error in the store as an alert naming the file', async () => {
    await seedProfile();
    engine.on('score', () => {
      throw engineError('the image could not be decoded');
    });
    await scoreImage(file('broken.png'));
    expect(app().scoring).toMatchObject({ running: false, result: null });
    expect(app().alerts.map((a) => [a.kind, a.text])).toEqual([['error', 'Scoring broken.png failed: the image could not be decoded']]);
  });

  it('asks for a profile first', async () => {
    await scoreImage(file('x.png'));
    expect(engine.calls).toEqual([]);
    expect(app().alerts.at(-1)?.text).toBe('Select a profile before scoring an image.');
  });
});

describe('engine errors in the store', () => {
  it('a failed backend switch sets the engine status and its message', async () => {
    engine.on('set-backend', () => {
      throw engineError('WebGPU is not available here');
    });
    await chooseBackend('webgpu');
    expect(app()).toMatchObject({ engineStatus: 'error', engineError: 'WebGPU is not available here', backendChoice: 'webgpu' });
    expect(app().alerts.at(-1)?.text).toBe('Switching the backend failed: WebGPU is not available here');
  });

  it('a refused import changes nothing and says why', async () => {
    engine.on('import', () => {
      throw engineError('p.safetensors: not an Anomaly Inspector profile', 'profile');
    });
    expect(await importProfile(file('p.safetensors'))).toBeNull();
    expect(await profileStore().list()).toEqual([]);
    expect(app().alerts.at(-1)).toMatchObject({ kind: 'error', text: 'Import refused, nothing was changed. p.safetensors: not an Anomaly Inspector profile' });
  });
});
