import { describe, expect, it } from 'vitest';
import { InspectionLog, keyTime, keysToPrune, logKey } from './inspection-log';
import type { NewLogEntry } from './inspection-log';
import { MemoryStore } from './kv';
import { StorageError } from './errors';

const DAY = 86_400_000;

/** A MemoryStore that counts its transactions. */
class CountingStore extends MemoryStore {
  setManyCalls = 0;
  override async setMany(entries: [string, unknown][]) {
    this.setManyCalls++;
    return super.setMany(entries);
  }
}

function entry(at: Date, over: Partial<NewLogEntry> = {}): NewLogEntry {
  return {
    key: logKey(at),
    at: at.toISOString(),
    source: 'inspect',
    fileName: 'good/000.png',
    profile: { id: 'p1', name: 'bottle', revision: '2026-01-01T00:00:00.000Z' },
    verdict: 'pass',
    threshold: 2,
    score: { raw: 1.5, normalized: 0.4 },
    regions: { count: 0, largestArea: 0, largestPercent: 0, list: [] },
    correction: null,
    thumbnail: new Blob([new Uint8Array(100)], { type: 'image/jpeg' }),
    ...over,
  };
}

const KEEP_ALL = { maxEntries: 1000, maxDays: 3650 };

describe('InspectionLog', () => {
  it('keys sort by time, then by sequence', () => {
    const t = new Date('2026-03-01T10:00:00Z');
    const a = logKey(t);
    const b = logKey(t);
    const c = logKey(new Date(t.getTime() + 1));
    expect([c, b, a].sort()).toEqual([a, b, c]);
    expect(keyTime(a)).toBe(t.getTime());
  });

  it('writes a batch of entries with their thumbnails in one transaction and lists them newest first', async () => {
    const kv = new CountingStore();
    const log = new InspectionLog(kv);
    await log.open();
    const t0 = Date.now();
    const batch = [0, 1, 2, 3, 4].map((i) => entry(new Date(t0 + i * 1000), { fileName: `img${i}.png`, thumbnail: i === 2 ? null : new Blob([new Uint8Array(50 + i)]) }));
    await log.append(batch, KEEP_ALL);
    expect(kv.setManyCalls).toBe(1);
    const listed = await log.list();
    expect(listed.map((e) => e.fileName)).toEqual(['img4.png', 'img3.png', 'img2.png', 'img1.png', 'img0.png']);
    expect(listed[2].thumbKey).toBeNull();
    const thumbs = await log.thumbnails(listed);
    expect(thumbs.map((b) => b?.size)).toEqual([54, 53, undefined, 51, 50]);
    // The byte count covers the record and its thumbnail.
    expect(listed[0].bytes).toBeGreaterThan(54 + 200);
    expect('thumbnail' in listed[0]).toBe(false);
  });

  it('prunes by count after a write, entries with their thumbnails', async () => {
    const kv = new MemoryStore();
    const log = new InspectionLog(kv);
    const t0 = Date.now();
    await log.append([0, 1, 2].map((i) => entry(new Date(t0 + i))), KEEP_ALL);
    const pruned = await log.append([3, 4].map((i) => entry(new Date(t0 + i), { fileName: `new${i}` })), { maxEntries: 3, maxDays: 3650 });
    expect(pruned).toBe(2);
    const left = await log.list();
    expect(left.length).toBe(3);
    expect(left.map((e) => keyTime(e.key) - t0)).toEqual([4, 3, 2]);
    expect([...kv.data.keys()].filter((k) => k.startsWith('t:')).length).toBe(3);
  });

  it('lists the keys to prune only when its own count says so, or a minute after the last count (other tabs)', async () => {
    const kv = new CountingStore();
    let keyLists = 0;
    const keys = kv.keys.bind(kv);
    kv.keys = async () => (keyLists++, keys());
    let now = Date.now();
    const log = new InspectionLog(kv, undefined, () => new Date(now));
    const other = new InspectionLog(kv, undefined, () => new Date(now));
    const retention = { maxEntries: 4, maxDays: 3650 };
    await log.open();
    await other.open();
    keyLists = 0;
    await log.append([0, 1, 2].map((i) => entry(new Date(now - 10 + i))), retention);
    expect(keyLists).toBe(1);
    await other.append([entry(new Date(now - 5))], retention); // another tab: 4 entries, it counted them itself
    keyLists = 0;
    await log.append([entry(new Date(now - 4))], retention); // this store still counts 4: nothing is listed
    expect(keyLists).toBe(0);
    expect((await log.list()).length).toBe(5);
    now += 61_000;
    keyLists = 0;
    expect(await log.append([entry(new Date(now))], retention)).toBe(2);
    expect(keyLists).toBe(1);
    expect((await log.list()).length).toBe(4);
  });

  it('prunes by age against its clock', async () => {
    const now = new Date('2026-06-30T12:00:00Z');
    const kv = new MemoryStore();
    const log = new InspectionLog(kv, undefined, () => now);
    const old = [100, 40, 31].map((d) => entry(new Date(now.getTime() - d * DAY), { fileName: `${d}d` }));
    const recent = [29, 1].map((d) => entry(new Date(now.getTime() - d * DAY), { fileName: `${d}d` }));
    await log.append([...old, ...recent], KEEP_ALL);
    expect(await log.prune({ maxEntries: 1000, maxDays: 30 })).toBe(3);
    expect((await log.list()).map((e) => e.fileName)).toEqual(['1d', '29d']);
    expect(kv.data.size).toBe(4);
    expect(keysToPrune([], { maxEntries: 1, maxDays: 1 }, now.getTime())).toEqual([]);
  });

  it('a failed write (quota) changes nothing and says why', async () => {
    const kv = new MemoryStore();
    const log = new InspectionLog(kv, async () => ({ usage: 9e8, quota: 1e9 }));
    await log.append([entry(new Date())], KEEP_ALL);
    const before = new Map(kv.data);
    kv.failOn(1, Object.assign(new Error('full'), { name: 'QuotaExceededError' }));
    const failed = await log.append([entry(new Date()), entry(new Date())], KEEP_ALL).catch((e) => e);
    expect(failed).toBeInstanceOf(StorageError);
    expect(failed.kind).toBe('quota');
    expect(failed.message).toMatch(/Not enough storage to save 2 inspection log entries/);
    expect(kv.data).toEqual(before);
    expect((await log.list()).length).toBe(1);
  });

  it('records corrections on stored entries, merged, and skips entries gone', async () => {
    const at = new Date('2026-05-01T08:00:00Z');
    const log = new InspectionLog(new MemoryStore(), undefined, () => at);
    const a = entry(new Date(at.getTime() - 5000));
    await log.append([a], KEEP_ALL);
    expect(await log.correct([a.key, 'e:missing'], { label: 'defective' })).toBe(1);
    expect(await log.correct([a.key], { taughtGood: true })).toBe(1);
    const [stored] = await log.list();
    expect(stored.correction).toEqual({ label: 'defective', taughtGood: true, at: at.toISOString() });
  });

  it('clears everything, and sweeps thumbnails no entry points to on open', async () => {
    const kv = new MemoryStore();
    await new InspectionLog(kv).append([entry(new Date()), entry(new Date())], KEEP_ALL);
    await kv.set('t:orphan', new Blob(['x']));
    const log = new InspectionLog(kv);
    expect((await log.list()).length).toBe(2);
    expect(kv.data.has('t:orphan')).toBe(false);
    expect(await log.clear()).toBe(2);
    expect(kv.data.size).toBe(0);
  });
});
