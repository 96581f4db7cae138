import { describe, expect, it } from 'vitest';
import type { ProfileMeta } from '../engine/profile/profile';
import { createProfile } from '../engine/profile/profile';
import { RESNET50_IMAGENET } from '../engine/backbones/spec';
import type { StoredBank } from '../engine/profile/stored-bank';
import { MemoryStore } from './kv';
import { StorageError, isQuotaError, quotaMessage } from './errors';
import { ProfileStore, STORAGE_SCHEMA_VERSION } from './profile-store';

function profile(name: string, size = 3, fill = 1): { meta: ProfileMeta; bank: StoredBank } {
  const data = new Float32Array(size * 1024).fill(fill);
  const { meta } = createProfile({
    name,
    spec: RESNET50_IMAGENET,
    weightsHash: 'abc',
    bank: { data, size, dim: 1024, imageCount: 2, patchCount: 1568, skipped: 0 },
    coreset: { ratio: 0.1, seed: 0 },
    calibrationScores: [1, 2],
    threshold: { value: 2, method: 'max' },
    appVersion: '0.1.0',
  });
  return { meta, bank: { dtype: 'float32', size, dim: 1024, bytes: data.buffer } };
}

const bankValue = (b: StoredBank) => new Float32Array(b.bytes)[0];
const quota = () => Object.assign(new Error('The quota has been exceeded.'), { name: 'QuotaExceededError' });

describe('ProfileStore', () => {
  it('saves, lists, loads, renames, duplicates and deletes', async () => {
    const kv = new MemoryStore();
    const store = new ProfileStore(kv);
    const a = profile('alpha');
    await store.save(a.meta, a.bank);
    await store.save(profile('beta', 2).meta, profile('beta', 2).bank);
    expect((await store.list()).map((m) => m.name)).toEqual(['alpha', 'beta']);
    expect(await kv.get('schema')).toEqual({ version: STORAGE_SCHEMA_VERSION });

    const loaded = await store.load(a.meta.id);
    expect(loaded.record.meta).toEqual(a.meta);
    expect(loaded.bank.size).toBe(3);
    expect(bankValue(loaded.bank)).toBe(1);

    const renamed = await store.rename(a.meta.id, '  alpha 2 ');
    expect(renamed.name).toBe('alpha 2');
    expect(renamed.createdAt).toBe(a.meta.createdAt);
    await expect(store.rename(a.meta.id, '  ')).rejects.toThrow('needs a name');

    const copy = await store.duplicate(a.meta.id);
    expect(copy.name).toBe('alpha 2 (copy)');
    expect(copy.id).not.toBe(a.meta.id);
    expect(bankValue((await store.load(copy.id)).bank)).toBe(1);

    await store.remove(a.meta.id);
    expect((await store.list()).map((m) => m.name)).toEqual(['beta', 'alpha 2 (copy)']);
    // The deleted profile's bank went with it: 2 profiles, 2 banks, the schema key.
    expect((await kv.keys()).filter((k) => k.startsWith('bank:'))).toHaveLength(2);
    await expect(store.load(a.meta.id)).rejects.toBeInstanceOf(StorageError);
  });

  it('replacing a profile writes the new bank first and drops the old one after', async () => {
    const kv = new MemoryStore();
    const store = new ProfileStore(kv);
    const a = profile('alpha', 3, 1);
    const first = await store.save(a.meta, a.bank);
    const second = await store.save({ ...a.meta, name: 'alpha v2' }, profile('x', 4, 7).bank);
    expect(second.bankKey).not.toBe(first.bankKey);
    expect(await kv.get(first.bankKey)).toBeUndefined();
    const { record, bank } = await store.load(a.meta.id);
    expect(record.meta.name).toBe('alpha v2');
    expect(bank.size).toBe(4);
    expect(bankValue(bank)).toBe(7);
  });

  it('a crash after the new bank is written leaves the previous version, and the orphan is swept on open', async () => {
    const kv = new MemoryStore();
    const a = profile('alpha', 3, 1);
    await new ProfileStore(kv).save(a.meta, a.bank);
    // The record switch (second write of the save) never happens: the tab closed.
    kv.failOn(2, new Error('the page was closed'));
    await expect(new ProfileStore(kv).save({ ...a.meta, name: 'alpha v2' }, profile('x', 5, 9).bank)).rejects.toThrow();
    // Simulate the orphan a real crash leaves behind (the failed save cleaned up after itself here).
    await kv.set(`bank:${a.meta.id}:orphan`, profile('x', 5, 9).bank);
    const reopened = new ProfileStore(kv);
    const { record, bank } = await reopened.load(a.meta.id);
    expect(record.meta.name).toBe('alpha');
    expect(bankValue(bank)).toBe(1);
    expect(await kv.get(`bank:${a.meta.id}:orphan`)).toBeUndefined();
    expect((await kv.keys()).filter((k) => k.startsWith('bank:'))).toEqual([record.bankKey]);
  });

  it('explains quota errors and changes nothing', async () => {
    const kv = new MemoryStore();
    const store = new ProfileStore(kv, async () => ({ usage: 40 * 1024 * 1024, quota: 50 * 1024 * 1024 }));
    const a = profile('alpha');
    await store.save(a.meta, a.bank);
    const keysBefore = (await kv.keys()).sort();
    kv.failOn(1, quota());
    const b = profile('big', 8);
    const err = await store.save(b.meta, b.bank).catch((e) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect(err.kind).toBe('quota');
    expect(err.message).toContain('Not enough storage to save profile "big"');
    expect(err.message).toContain('40 MB of the 50 MB');
    expect(err.message).toContain('Nothing was changed');
    expect((await kv.keys()).sort()).toEqual(keysBefore);
    // A quota error on the record switch removes the bank it had just written.
    kv.failOn(2, quota());
    await expect(store.save(b.meta, b.bank)).rejects.toMatchObject({ kind: 'quota' });
    expect((await kv.keys()).sort()).toEqual(keysBefore);
  });

  it('recognises quota errors as browsers raise them', () => {
    expect(isQuotaError(quota())).toBe(true);
    expect(isQuotaError({ name: 'AbortError', inner: { name: 'QuotaExceededError' } })).toBe(true);
    expect(isQuotaError(new Error('other'))).toBe(false);
    expect(quotaMessage('x', 3 * 1024 * 1024)).toContain('about 3.0 MB');
  });

  it('refuses storage written by a newer schema and touches nothing', async () => {
    const kv = new MemoryStore();
    await kv.set('schema', { version: STORAGE_SCHEMA_VERSION + 1 });
    const store = new ProfileStore(kv);
    await expect(store.list()).rejects.toThrow(/newer version of the app/);
    expect(await kv.keys()).toEqual(['schema']);
  });

  it('gives an imported profile a fresh id when its id is taken', async () => {
    const store = new ProfileStore(new MemoryStore());
    const a = profile('alpha');
    expect(await store.freeId(a.meta.id)).toBe(a.meta.id);
    await store.save(a.meta, a.bank);
    const id = await store.freeId(a.meta.id);
    expect(id).not.toBe(a.meta.id);
    expect(id).toMatch(/^[0-9a-f]{16}$/);
  });

  it('lists and loads a profile saved by version 1 of the schema in the current schema', async () => {
    const kv = new MemoryStore();
    const { meta, bank } = profile('old');
    const v1 = { ...meta, schemaVersion: 1 } as Record<string, unknown>;
    delete v1.calibration;
    delete v1.taught;
    await kv.setMany([
      ['schema', { version: STORAGE_SCHEMA_VERSION }],
      [`profile:${meta.id}`, { meta: v1, bankKey: `bank:${meta.id}:r1` }],
      [`bank:${meta.id}:r1`, bank],
    ]);
    const store = new ProfileStore(kv);
    const [listed] = await store.list();
    expect(listed.schemaVersion).toBe(2);
    expect(listed.calibration).toEqual({ method: 'holdout', images: [] });
    expect(listed.taught).toEqual([]);
    expect((await store.load(meta.id)).record.meta.taught).toEqual([]);
  });
});
