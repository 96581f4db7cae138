import { describe, expect, it } from 'vitest';
import { MemoryStore } from './kv';
import { StorageError } from './errors';
import { StoreBase } from './store-base';
import type { StoreLayout } from './store-base';

interface Thing {
  id: string;
  createdAt: string;
  parts: string[];
}

/** A store of things under `thing:<id>`, each with parts under `piece:` and `bit:`. */
class ThingStore extends StoreBase<Thing> {
  protected readonly layout: StoreLayout<Thing> = { isRecord: (k) => k.startsWith('thing:'), partPrefixes: ['piece:', 'bit:'], partsOf: (t) => t.parts };
  prepared = 0;
  failPrepare = false;

  protected override async prepare(): Promise<void> {
    this.prepared++;
    if (this.failPrepare) throw new Error('not now');
  }

  list(): Promise<Thing[]> {
    return this.change(() => this.records());
  }

  save(t: Thing, parts: [string, unknown][]): Promise<void> {
    return this.change(() => this.writeVersion(`thing ${t.id}`, 3, parts, () => this.kv.setMany([[`thing:${t.id}`, t]])));
  }
}

describe('StoreBase', () => {
  it('opens once, sweeps only the part families no record uses, and tries again after a failed open', async () => {
    const kv = new MemoryStore();
    await kv.setMany([
      ['thing:a', { id: 'a', createdAt: '', parts: ['piece:a:1', 'bit:a:1'] }],
      ['piece:a:1', 1],
      ['bit:a:1', 1],
      ['piece:a:0', 0],
      ['bit:gone', 0],
      ['other:x', 0],
    ]);
    const store = new ThingStore(kv);
    store.failPrepare = true;
    await expect(store.list()).rejects.toThrow('not now');
    expect((await kv.keys()).sort()).toContain('piece:a:0');
    store.failPrepare = false;
    expect((await store.list()).map((t) => t.id)).toEqual(['a']);
    expect((await kv.keys()).sort()).toEqual(['bit:a:1', 'other:x', 'piece:a:1', 'thing:a']);
    // Open: once. A later orphan waits for an explicit sweep (or the next page load).
    await kv.set('piece:late', 0);
    await store.list();
    expect(store.prepared).toBe(2);
    expect(await kv.get('piece:late')).toBe(0);
    expect(await store.sweep()).toBe(1);
    expect(await kv.get('piece:late')).toBeUndefined();
  });

  it('a failed version write deletes the parts it wrote and explains the failure', async () => {
    const kv = new MemoryStore();
    const store = new ThingStore(kv, async () => ({ usage: 1, quota: 2 }));
    await store.list();
    kv.failOn(3, Object.assign(new Error('full'), { name: 'QuotaExceededError' }));
    const err = await store.save({ id: 'b', createdAt: '', parts: ['piece:b:1', 'bit:b:1'] }, [['piece:b:1', 1], ['bit:b:1', 2]]).catch((e) => e);
    expect(err).toBeInstanceOf(StorageError);
    expect(err.kind).toBe('quota');
    expect(err.message).toContain('Not enough storage to save thing b');
    expect(await kv.keys()).toEqual([]);
  });

  it('a second tab opening while the first saves cannot sweep the parts of the version being written', async () => {
    // Two stores on one database, as two tabs; every operation takes a turn of the event loop, as IndexedDB does.
    const shared = new MemoryStore();
    const slow: MemoryStore = Object.assign(Object.create(shared), {
      setMany: async (entries: [string, unknown][]) => {
        await new Promise((r) => setTimeout(r, 5));
        return shared.setMany(entries);
      },
    });
    const first = new ThingStore(slow);
    const second = new ThingStore(shared);
    await first.list();
    const parts: [string, unknown][] = Array.from({ length: 5 }, (_, i) => [`piece:x:${i}`, i]);
    const saving = first.save({ id: 'x', createdAt: '', parts: parts.map(([k]) => k) }, parts);
    await new Promise((r) => setTimeout(r, 7)); // the first tab is between its parts
    await second.sweep();
    await saving;
    const record = shared.data.get('thing:x') as Thing;
    expect(record.parts.filter((k) => !shared.data.has(k))).toEqual([]);
    expect(await second.sweep()).toBe(0);
  });
});
