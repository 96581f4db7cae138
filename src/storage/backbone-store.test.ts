import { describe, expect, it } from 'vitest';
import { MemoryStore } from './kv';
import type { BackboneInfo } from './backbone-store';
import { BackboneStore } from './backbone-store';
import { StorageError } from './errors';

function info(id: string, createdAt = '2026-01-01T00:00:00.000Z'): BackboneInfo {
  return { id, label: `${id} label`, architecture: 'wide_resnet50_2', weightsHash: 'h', byteSize: 7, sourceFile: `${id}.pth`, createdAt, warnings: [], tapChannels: [512, 1024] };
}
const files = (fill: number) => [
  { path: 'model.json', bytes: new TextEncoder().encode('{"x":1}') },
  { path: 'group1-shard1of1.bin', bytes: new Uint8Array([fill, fill, fill]) },
];

describe('BackboneStore', () => {
  it('saves, lists, reads through a FileSource and deletes', async () => {
    const kv = new MemoryStore();
    const store = new BackboneStore(kv);
    await store.save(info('b', '2026-01-02T00:00:00.000Z'), files(2));
    await store.save(info('a'), files(1));
    expect((await store.list()).map((b) => b.id)).toEqual(['a', 'b']);
    const src = await store.source('b');
    expect(await src.readText('model.json')).toBe('{"x":1}');
    expect([...(await src.readBytes('group1-shard1of1.bin'))]).toEqual([2, 2, 2]);
    await expect(src.readBytes('nope.bin')).rejects.toBeInstanceOf(StorageError);
    expect(await store.freeId('a')).toBe('a-2');
    expect(await store.freeId('c')).toBe('c');
    await store.remove('a');
    expect((await store.list()).map((b) => b.id)).toEqual(['b']);
    expect((await kv.keys()).filter((k) => k.startsWith('bbfile:'))).toHaveLength(2);
    await expect(store.source('a')).rejects.toThrow(/not stored in this browser/);
  });

  it('stores each shard as its own bytes, not the buffer it is a view into', async () => {
    const kv = new MemoryStore();
    const all = new Uint8Array(1000).fill(3);
    await new BackboneStore(kv).save(info('a'), [{ path: 'group1-shard1of1.bin', bytes: all.subarray(10, 14) }]);
    const key = (await kv.keys()).find((k) => k.startsWith('bbfile:'))!;
    const stored = kv.data.get(key) as Uint8Array;
    expect(stored.byteLength).toBe(4);
    expect(stored.buffer.byteLength).toBe(4);
  });

  it('replacing writes new files first and drops the old ones after', async () => {
    const kv = new MemoryStore();
    const store = new BackboneStore(kv);
    await store.save(info('a'), files(1));
    await store.save(info('a'), files(9));
    expect((await kv.keys()).filter((k) => k.startsWith('bbfile:'))).toHaveLength(2);
    expect([...(await (await store.source('a')).readBytes('group1-shard1of1.bin'))]).toEqual([9, 9, 9]);
  });

  it('a failed record write leaves the previous version; orphans are swept on open', async () => {
    const kv = new MemoryStore();
    await new BackboneStore(kv).save(info('a'), files(1));
    // Two file writes succeed, the record switch (third write) fails.
    kv.failOn(3, new Error('the page was closed'));
    await expect(new BackboneStore(kv).save(info('a'), files(5))).rejects.toThrow(/Nothing was changed/);
    await kv.set('bbfile:a:orphan:model.json', new Uint8Array([1]));
    const reopened = new BackboneStore(kv);
    expect(await reopened.list()).toHaveLength(1);
    expect([...(await (await reopened.source('a')).readBytes('group1-shard1of1.bin'))]).toEqual([1, 1, 1]);
    expect(await kv.get('bbfile:a:orphan:model.json')).toBeUndefined();
    expect((await kv.keys()).filter((k) => k.startsWith('bbfile:'))).toHaveLength(2);
  });

  it('explains quota errors', async () => {
    const kv = new MemoryStore();
    const store = new BackboneStore(kv, async () => ({ usage: 1, quota: 2 }));
    kv.failOn(1, Object.assign(new Error('full'), { name: 'QuotaExceededError' }));
    await expect(store.save(info('a'), files(1))).rejects.toMatchObject({ kind: 'quota' });
    expect(await kv.keys()).toEqual([]);
  });
});
