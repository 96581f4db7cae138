import { beforeEach, describe, expect, it } from 'vitest';
import type { ProfileMeta } from '../engine/profile/profile';
import type { StoredBank, TeachResult } from '../worker-bridge/protocol';
import { refreshProfiles } from './actions';
import { useAppStore } from './app-store';
import { engineError, freshServices, testProfile } from './fake-engine';
import type { FakeEngine } from './fake-engine';
import type { MemoryStore } from '../storage/kv';
import { setDraftThreshold } from './inspect-actions';
import { useInspectStore } from './inspect-store';
import { profileStore } from './services';
import { cancelTeach, confirmTeach, dismissTeach, proposeTeach, undoTeach } from './teach-actions';
import { useTeachStore } from './teach-store';

let engine: FakeEngine;
let kv: MemoryStore;
let seeded: { meta: ProfileMeta; bank: StoredBank };
const teach = () => useTeachStore.getState();
const file = (name: string) => new File([new Uint8Array([1, 2, 3])], name);
const bytesOf = (bank: StoredBank) => [...new Uint8Array(bank.bytes)];

/** The engine's answer: one row added, the image's score joins the calibration, the threshold moves to 2.5. */
function taughtAnswer({ meta, bank }: { meta: ProfileMeta; bank: StoredBank }, names: string[]): TeachResult {
  const grown = new Float32Array(bank.size * bank.dim + bank.dim);
  grown.set(new Float32Array(bank.bytes));
  grown.fill(7, bank.size * bank.dim);
  const next: ProfileMeta = {
    ...meta,
    updatedAt: '2030-01-01T00:00:00.000Z',
    bank: { ...meta.bank, size: bank.size + 1 },
    calibrationScores: [...meta.calibrationScores, 2.5],
    threshold: { ...meta.threshold, value: 2.5 },
    taught: names.map((name) => ({ name, at: '2030-01-01T00:00:00.000Z', scoreBefore: 2.5, rows: 1 })),
  };
  return { meta: next, bank: { ...bank, size: bank.size + 1, bytes: grown.buffer }, taught: names.map((name) => ({ name, scoreBefore: 2.5, rowsAdded: 1 })), thresholdBefore: meta.threshold.value, thresholdAfter: 2.5 };
}

async function stored(id: string) {
  const { record, bank } = await profileStore().load(id);
  return { record, bytes: bytesOf(bank) };
}

beforeEach(async () => {
  ({ engine, kv } = freshServices());
  useTeachStore.setState(useTeachStore.getInitialState(), true);
  dismissTeach();
  engine.on('load-profile', ({ key }) => ({ key }));
  const p = testProfile({ name: 'bottle', threshold: 2, calibration: [1, 2] });
  // Bank values whose bytes tell any rounding or copy apart.
  seeded = { meta: p.meta, bank: { ...p.bank, bytes: Float32Array.from([1 / 3, -0, 1e-30, 3.4e38, Math.PI, -2.5, 1e-7, 42]).buffer } };
  await profileStore().save(seeded.meta, seeded.bank);
  await refreshProfiles();
  engine.on('teach', ({ files }) => taughtAnswer(seeded, files.map((f) => f.name)));
});

describe('teaching a profile from the views', () => {
  it('proposes without saving: the threshold change and the rows added are shown, the stored profile is as it was', async () => {
    const before = await stored(seeded.meta.id);
    expect(await proposeTeach(seeded.meta.id, [file('000.png')], { names: ['good/000.png'] })).toBe(true);

    const [request] = engine.payloads('teach');
    expect(request.files.map((f) => [f.name, f.bytes.byteLength])).toEqual([['good/000.png', 3]]);
    expect(request.key).toBe(engine.payloads('load-profile')[0].key);
    expect(teach()).toMatchObject({ status: 'proposed', source: 'inspect', error: null });
    expect(teach().proposal).toMatchObject({ profileName: 'bottle', thresholdBefore: 2, thresholdAfter: 2.5, bankBefore: 2, bankAfter: 3, taught: [{ name: 'good/000.png', rowsAdded: 1 }] });
    expect(await stored(seeded.meta.id)).toEqual(before);

    cancelTeach();
    expect(teach()).toMatchObject({ status: 'idle', proposal: null });
    expect(await confirmTeach()).toBe(false);
    expect(await stored(seeded.meta.id)).toEqual(before);
  });

  it('saves a new revision with the new threshold, loads it into the engine and re-judges what is on screen', async () => {
    const before = await stored(seeded.meta.id);
    setDraftThreshold(1.5);
    useAppStore.setState({ scoring: { ...useAppStore.getState().scoring, result: { profileId: seeded.meta.id, fileName: 'x.png', score: 2.2, normalized: 0.6, verdict: 'fail', threshold: 2, backend: 'wasm', ms: 3 } } });
    await proposeTeach(seeded.meta.id, [file('000.png')]);
    expect(await confirmTeach()).toBe(true);

    const after = await stored(seeded.meta.id);
    expect(after.record.bankKey).not.toBe(before.record.bankKey);
    expect(after.record.meta.threshold.value).toBe(2.5);
    expect(after.record.meta.bank.size).toBe(3);
    expect(after.record.meta.taught.map((t) => t.name)).toEqual(['000.png']);
    expect(after.bytes.slice(0, before.bytes.length)).toEqual(before.bytes);
    expect(useAppStore.getState().profiles[0].threshold.value).toBe(2.5);
    // Loaded again under the new revision's key.
    expect(engine.payloads('load-profile').at(-1)!.key).toBe(`${after.record.bankKey}|${after.record.meta.updatedAt}`);
    // The slider's try gives way, and the scored image is judged on the new threshold.
    expect(useInspectStore.getState().draftThreshold).toBeNull();
    expect(useAppStore.getState().scoring.result).toMatchObject({ verdict: 'pass', threshold: 2.5 });
    expect(teach()).toMatchObject({ status: 'saved', error: null });
  });

  it('undoes a save: the previous meta and the very same bank bytes, as a new revision', async () => {
    const before = await stored(seeded.meta.id);
    await proposeTeach(seeded.meta.id, [file('000.png')]);
    await confirmTeach();
    const taught = await stored(seeded.meta.id);
    expect(await undoTeach()).toBe(true);

    const undone = await stored(seeded.meta.id);
    expect(undone.bytes).toEqual(before.bytes);
    expect(undone.record.bankKey).not.toBe(taught.record.bankKey);
    expect({ ...undone.record.meta, updatedAt: '' }).toEqual({ ...before.record.meta, updatedAt: '' });
    expect(useAppStore.getState().profiles[0]).toMatchObject({ threshold: { value: 2 }, bank: { size: 2 }, taught: [] });
    expect(engine.payloads('load-profile').at(-1)!.key).toBe(`${undone.record.bankKey}|${undone.record.meta.updatedAt}`);
    expect(teach()).toMatchObject({ status: 'undone', notice: 'Undone: "bottle" is back to 2 bank rows, threshold 2.000.' });
    expect(await undoTeach()).toBe(false); // once
  });

  it('leaves the stored profile unchanged when the save runs out of space, with the quota message', async () => {
    const before = await stored(seeded.meta.id);
    await proposeTeach(seeded.meta.id, [file('000.png')]);
    kv.failOn(1, Object.assign(new Error('full'), { name: 'QuotaExceededError' }));
    expect(await confirmTeach()).toBe(false);

    expect(teach().error).toMatch(/^Saving the taught profile failed: Not enough storage to save profile "bottle" .*Nothing was changed\./);
    expect(await stored(seeded.meta.id)).toEqual(before);
    expect(useAppStore.getState().profiles[0].threshold.value).toBe(2);
    // The proposal is still there: Save can be tried again once there is space.
    expect(teach().status).toBe('proposed');
    expect(await confirmTeach()).toBe(true);
    expect((await stored(seeded.meta.id)).record.meta.threshold.value).toBe(2.5);
  });

  it('names an image the engine cannot decode, and a backbone it cannot load, changing nothing', async () => {
    const before = await stored(seeded.meta.id);
    engine.on('teach', () => {
      throw engineError('broken.png: corrupt or unsupported PNG data (the browser could not decode it)');
    });
    expect(await proposeTeach(seeded.meta.id, [file('broken.png')])).toBe(false);
    expect(teach()).toMatchObject({ status: 'idle', proposal: null, error: 'Teaching "bottle" failed: broken.png: corrupt or unsupported PNG data (the browser could not decode it). The profile was not changed.' });

    engine.on('teach', () => {
      throw engineError('backbone resnet18-x is not stored in this browser: convert it again');
    });
    await proposeTeach(seeded.meta.id, [file('000.png')]);
    expect(teach().error).toContain('backbone resnet18-x is not stored in this browser: convert it again');
    expect(await stored(seeded.meta.id)).toEqual(before);
  });

  it('sends the profile again when the engine no longer holds it', async () => {
    let first = true;
    engine.on('teach', ({ files }) => {
      if (first) {
        first = false;
        throw engineError('profile k is not loaded in the engine', 'not-loaded');
      }
      return taughtAnswer(seeded, files.map((f) => f.name));
    });
    expect(await proposeTeach(seeded.meta.id, [file('000.png')])).toBe(true);
    expect(engine.payloads('teach')).toHaveLength(2);
    expect(engine.payloads('load-profile')).toHaveLength(2);
  });

  it('refuses to save a proposal when the profile was saved again meanwhile', async () => {
    await proposeTeach(seeded.meta.id, [file('000.png')]);
    await profileStore().rename(seeded.meta.id, 'bottle line 2');
    const before = await stored(seeded.meta.id);
    expect(await confirmTeach()).toBe(false);
    expect(teach().error).toContain('"bottle line 2" was changed since');
    expect(await stored(seeded.meta.id)).toEqual(before);
  });

  it('refuses to undo once the profile was saved again after the teaching', async () => {
    await proposeTeach(seeded.meta.id, [file('000.png')]);
    await confirmTeach();
    await profileStore().rename(seeded.meta.id, 'bottle line 2');
    const before = await stored(seeded.meta.id);
    expect(await undoTeach()).toBe(false);
    expect(teach()).toMatchObject({ status: 'saved' });
    expect(teach().error).toContain('Undo failed: "bottle line 2" was changed since');
    expect(await stored(seeded.meta.id)).toEqual(before);
  });
});
