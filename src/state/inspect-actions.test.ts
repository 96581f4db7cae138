import { beforeEach, describe, expect, it } from 'vitest';
import { judge } from '../engine/profile/verdict';
import { refreshProfiles } from './actions';
import { useAppStore } from './app-store';
import { engineError, freshServices, scoreResult, testProfile, until } from './fake-engine';
import type { FakeEngine } from './fake-engine';
import { inspectFiles, saveThreshold, setDraftThreshold } from './inspect-actions';
import { useInspectStore } from './inspect-store';
import { profileStore } from './services';

let engine: FakeEngine;
const inspect = () => useInspectStore.getState();
const picked = (path: string, bytes = [1, 2, 3]) => ({ path, file: new File([new Uint8Array(bytes)], path.split('/').pop()!) });
const SCORES: Record<string, number> = { 'batch/good/a.png': 1.5, 'batch/scratch/b.png': 4, 'batch/good/c.png': 2 };

beforeEach(async () => {
  ({ engine } = freshServices());
  engine.on('load-profile', ({ key }) => ({ key }));
  const { meta, bank } = testProfile({ name: 'bottle', threshold: 2, calibration: [1, 2] });
  await profileStore().save(meta, bank);
  await refreshProfiles();
});

describe('inspecting a batch', () => {
  it('scores every file, labels it from its folder, and the profile threshold gives the verdicts', async () => {
    engine.on('score', ({ file }) => {
      if (file.name === 'batch/broken.png') throw engineError('the image could not be decoded');
      return scoreResult(file.name, SCORES[file.name]);
    });
    inspectFiles([picked('batch/good/a.png'), picked('batch/scratch/b.png'), picked('batch/good/c.png'), picked('batch/broken.png'), picked('batch/empty.png', [])]);
    await until(() => !inspect().running);

    const items = inspect().items;
    expect(items.map((i) => [i.name, i.status, i.label, i.score])).toEqual([
      ['batch/good/a.png', 'done', 'good', 1.5],
      ['batch/scratch/b.png', 'done', 'defective', 4],
      ['batch/good/c.png', 'done', 'good', 2],
      ['batch/broken.png', 'error', null, undefined],
      ['batch/empty.png', 'error', null, undefined],
    ]);
    const profile = useAppStore.getState().profiles[0];
    expect(inspect().profileId).toBe(profile.id);
    const verdicts = items.filter((i) => i.status === 'done').map((i) => judge(i.score!, profile.threshold.value, profile.calibrationScores).verdict);
    expect(verdicts).toEqual(['pass', 'fail', 'fail']);
    // Errors name the file; an empty file never reaches the engine.
    expect(items[3].error).toBe('batch/broken.png: the image could not be decoded');
    expect(items[4].error).toBe('batch/empty.png: the file is empty');
    expect(engine.payloads('score').map((p) => p.file.name)).not.toContain('batch/empty.png');
    expect(items[0]).toMatchObject({ mapSize: 2, width: 64, height: 48, backend: 'wasm' });
    // Two images are scored at a time; both wait for one load of the profile, not one each.
    expect(engine.payloads('load-profile')).toHaveLength(1);
    expect(useAppStore.getState().alerts.at(-1)?.text).toBe('2 files could not be inspected (see the messages above the results); the others were.');
  });

  it('asks for a profile first', () => {
    useAppStore.setState({ selectedId: null });
    inspectFiles([picked('a.png')]);
    expect(inspect().items).toEqual([]);
    expect(useAppStore.getState().alerts.at(-1)?.text).toBe('Select or build a profile before inspecting images.');
  });

  it('saves the slider threshold into the profile (method manual) and clears the draft', async () => {
    const id = useAppStore.getState().selectedId!;
    engine.on('score', ({ file }) => scoreResult(file.name, 3));
    inspectFiles([picked('x.png')]);
    await until(() => !inspect().running);
    setDraftThreshold(3.5);
    expect(await saveThreshold()).toBe(true);
    expect((await profileStore().record(id)).meta.threshold).toEqual({ value: 3.5, method: 'manual' });
    expect(useAppStore.getState().profiles[0].threshold.value).toBe(3.5);
    expect(inspect().draftThreshold).toBeNull();
  });
});
