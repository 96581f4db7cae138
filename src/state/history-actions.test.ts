import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { InspectionLog } from '../storage/inspection-log';
import type { InspectionLogEntry } from '../storage/inspection-log';
import { MemoryStore } from '../storage/kv';
import { refreshProfiles } from './actions';
import { useAppStore } from './app-store';
import { freshServices, scoreResult, testProfile, until } from './fake-engine';
import type { FakeEngine } from './fake-engine';
import { clearHistory, exportHistory, filteredHistory, loadHistory, setHistoryFilter, setLogEnabled, setRetention } from './history-actions';
import { LiveLogSampler, LIVE_MIN_GAP_MS, LIVE_STEADY_MS } from './history-live';
import { filterEntries, historyCsv, localDay, useHistoryStore } from './history-store';
import { inspectedFile, inspectFiles, setLabel } from './inspect-actions';
import { useInspectStore } from './inspect-store';
import { FLUSH_AT, FLUSH_MS, logSettled, setInspectionLogForTest } from './inspection-logger';
import { liveSession } from './live-actions';
import { profileStore } from './services';
import { DEFAULT_LOG_SETTINGS, savedLogSettings } from './settings';
import { confirmTeach, dismissTeach, proposeTeach, undoTeach } from './teach-actions';

/** The log's own store, counting its transactions. */
class CountingStore extends MemoryStore {
  setManyCalls = 0;
  override async setMany(entries: [string, unknown][]) {
    this.setManyCalls++;
    return super.setMany(entries);
  }
}

let engine: FakeEngine;
let logKv: CountingStore;
let log: InspectionLog;
const picked = (path: string) => ({ path, file: new File([new Uint8Array([1, 2, 3])], path.split('/').pop()!) });
const SCORES: Record<string, number> = { 'b/good/a.png': 1.5, 'b/scratch/b.png': 4, 'b/good/c.png': 1 };
const entries = () => log.list();
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeEach(async () => {
  ({ engine } = freshServices());
  logKv = new CountingStore();
  log = new InspectionLog(logKv);
  setInspectionLogForTest(log);
  useHistoryStore.setState({ ...useHistoryStore.getInitialState(), settings: { ...DEFAULT_LOG_SETTINGS } }, true);
  engine.on('load-profile', ({ key }) => ({ key }));
  engine.on('score', ({ file }) => scoreResult(file.name, SCORES[file.name] ?? 1));
  const { meta, bank } = testProfile({ name: 'bottle', threshold: 2, calibration: [1, 2] });
  await profileStore().save(meta, bank);
  await refreshProfiles();
});

afterEach(async () => {
  await logSettled();
});

async function inspect(paths: string[]) {
  inspectFiles(paths.map(picked));
  await until(() => !useInspectStore.getState().running);
}

describe('the inspection log of Inspect batches', () => {
  it('queues the results and writes them in one transaction after FLUSH_MS, with verdict, scores and regions', async () => {
    await log.open();
    await inspect(['b/good/a.png', 'b/scratch/b.png', 'b/good/c.png']);
    expect(logKv.setManyCalls).toBe(0);
    await sleep(FLUSH_MS + 100);
    expect(logKv.setManyCalls).toBe(1);
    const logged = await entries();
    const profile = useAppStore.getState().profiles[0];
    expect(logged.map((e) => [e.fileName, e.verdict, e.score.raw, e.regions?.count])).toEqual([
      ['b/good/c.png', 'pass', 1, 0],
      ['b/scratch/b.png', 'fail', 4, 1],
      ['b/good/a.png', 'pass', 1.5, 0],
    ]);
    const fail = logged[1];
    expect(fail.profile).toEqual({ id: profile.id, name: 'bottle', revision: profile.updatedAt });
    expect(fail.score.normalized).toBeGreaterThan(0.5);
    expect(fail.regions).toMatchObject({ count: 1, largestArea: 4, largestPercent: 100 });
    expect(fail.regions!.list[0].box).toEqual({ x: 0, y: 0, width: 2, height: 2 });
    expect(fail.source).toBe('inspect');
    expect(fail.threshold).toBe(2);
  });

  it('writes FLUSH_AT queued results at once, in one transaction', async () => {
    await log.open();
    const paths = Array.from({ length: FLUSH_AT }, (_, i) => `b/x${i}.png`);
    await inspect(paths);
    await until(() => logKv.setManyCalls > 0);
    expect(logKv.setManyCalls).toBe(1);
    expect((await entries()).length).toBe(FLUSH_AT);
  });

  it('records corrections: a label set in Inspect, an image taught as good, and that undone', async () => {
    await inspect(['b/good/a.png', 'b/scratch/b.png']);
    const [a, b] = useInspectStore.getState().items;
    setLabel(b.id, 'good'); // still queued: the entry is written with it
    await logSettled();
    setLabel(a.id, 'defective'); // already stored
    await logSettled();
    let byName = Object.fromEntries((await entries()).map((e) => [e.fileName, e]));
    expect(byName['b/scratch/b.png'].correction).toMatchObject({ label: 'good' });
    expect(byName['b/good/a.png'].correction).toMatchObject({ label: 'defective' });

    dismissTeach();
    const profileId = useAppStore.getState().profiles[0].id;
    engine.on('teach', ({ files }) => {
      const p = testProfile({ name: 'bottle', threshold: 2.5 });
      return { meta: { ...p.meta, id: profileId, updatedAt: '2030-01-01T00:00:00.000Z' }, bank: p.bank, taught: files.map((f) => ({ name: f.name, scoreBefore: 4, rowsAdded: 0 })), thresholdBefore: 2, thresholdAfter: 2.5 };
    });
    expect(await proposeTeach(profileId, [inspectedFile(b.id)!], { names: [b.name] })).toBe(true);
    expect(await confirmTeach()).toBe(true);
    await logSettled();
    byName = Object.fromEntries((await entries()).map((e) => [e.fileName, e]));
    expect(byName['b/scratch/b.png'].correction).toMatchObject({ label: 'good', taughtGood: true });
    expect(byName['b/good/a.png'].correction?.taughtGood).toBeUndefined();
    expect(await undoTeach()).toBe(true);
    await logSettled();
    expect((await entries()).find((e) => e.fileName === 'b/scratch/b.png')!.correction).toMatchObject({ taughtGood: false });
  });

  it('writes nothing when the log is turned off', async () => {
    setLogEnabled(false);
    await inspect(['b/good/a.png', 'b/scratch/b.png']);
    setLabel(useInspectStore.getState().items[0].id, 'good');
    await sleep(FLUSH_MS + 100);
    await logSettled();
    expect(logKv.data.size).toBe(0);
    expect(logKv.setManyCalls).toBe(0);
  });

  it('a failed write shows one alert, keeps the log as it was, and logging goes on', async () => {
    await inspect(['b/good/a.png']);
    await logSettled();
    const before = new Map(logKv.data);
    const quota = () => Object.assign(new Error('full'), { name: 'QuotaExceededError' });
    logKv.failOn(1, quota());
    logKv.failOn(2, quota());
    await inspect(['b/good/c.png']);
    await logSettled();
    await inspect(['b/scratch/b.png']);
    await logSettled();
    const alerts = useAppStore.getState().alerts.filter((x) => x.text.startsWith('The inspection log could not save'));
    expect(alerts.length).toBe(1);
    expect(alerts[0].text).toMatch(/Not enough storage/);
    expect(logKv.data).toEqual(before);
    await inspect(['b/good/a.png']);
    await logSettled();
    expect((await entries()).length).toBe(2);
  });
});

describe('the History view actions', () => {
  it('loads the log with storage use, filters it and exports the filtered rows', async () => {
    await inspect(['b/good/a.png', 'b/scratch/b.png', 'b/good/c.png']);
    await loadHistory();
    const s = useHistoryStore.getState();
    expect(s.status).toBe('ready');
    expect(s.entries.length).toBe(3);
    expect(s.storage.logBytes).toBe(s.entries.reduce((n, e) => n + e.bytes, 0));
    setHistoryFilter({ verdict: 'fail' });
    expect(filteredHistory().map((e) => e.fileName)).toEqual(['b/scratch/b.png']);
    setHistoryFilter({ verdict: 'all', profileId: 'other' });
    expect(filteredHistory()).toEqual([]);
    expect(exportHistory('csv')).toBe(false);
  });

  it('the CSV has one row per entry with the regions', () => {
    const e: InspectionLogEntry = {
      key: 'e:1', at: '2026-04-02T10:00:00.000Z', source: 'inspect', fileName: 'a,b.png', profile: { id: 'p', name: 'bottle', revision: 'r1' },
      verdict: 'fail', threshold: 2, score: { raw: 4, normalized: 0.9 },
      regions: { count: 1, largestArea: 64, largestPercent: 0.1276, list: [{ area: 64, areaPercent: 0.1276, box: { x: 8, y: 8, width: 8, height: 8 }, peak: 4 }] },
      thumbKey: null, bytes: 10, correction: { label: 'good', at: '2026-04-02T10:01:00.000Z' },
    };
    const lines = historyCsv([e]).trimEnd().split('\r\n');
    expect(lines[0]).toBe('time,source,file,profile_id,profile,profile_revision,verdict,normalized_score,raw_score,threshold,regions,largest_region_px,largest_region_percent,region_list,label,taught_good,corrected_at');
    expect(lines[1]).toContain('"a,b.png",p,bottle,r1,fail,0.900000,4,2,1,64,0.1276,');
    expect(lines[1]).toContain('""box"":{""x"":8');
    expect(filterEntries([e], { day: '', verdict: 'pass', profileId: '' })).toEqual([]);
    expect(filterEntries([e], { day: localDay(e.at), verdict: 'fail', profileId: 'p' })).toEqual([e]);
    expect(filterEntries([e], { day: localDay('2026-04-04T10:00:00.000Z'), verdict: 'all', profileId: '' })).toEqual([]);
  });

  it('retention set from the view prunes at once; clearing empties the log', async () => {
    await inspect(['b/good/a.png', 'b/scratch/b.png', 'b/good/c.png']);
    expect(await setRetention({ maxEntries: 0 })).toMatch(/Entries to keep must be a whole number/);
    expect(await setRetention({ maxEntries: 2 })).toBeNull();
    expect(useHistoryStore.getState().settings.maxEntries).toBe(2);
    expect(useHistoryStore.getState().entries.map((e) => e.fileName)).toEqual(['b/good/c.png', 'b/scratch/b.png']);
    expect(await clearHistory()).toBe(true);
    expect(logKv.data.size).toBe(0);
    expect(useHistoryStore.getState().entries).toEqual([]);
  });
});

describe('live frames in the log', () => {
  it('a live session logs its first frame and the next change of verdict, not every frame', async () => {
    await log.open();
    const meta = useAppStore.getState().profiles[0];
    const scores = [1, 1.2, 3, 3, 1];
    engine.on('score-frame', () => ({ score: scores.shift()!, map: new Float32Array(4), size: 2, grid: 1, width: 256, height: 256, backend: 'wasm', ms: 3 }));
    const session = liveSession(meta);
    const frame = async () => ({ width: 256, height: 256 }) as unknown as ImageBitmap;
    for (let i = 0; i < 3; i++) await session.score(frame);
    await logSettled();
    let logged = await entries();
    expect(logged.map((e) => [e.source, e.verdict, e.score.raw, e.regions])).toEqual([['live', 'pass', 1, null]]);
    expect(logged[0].profile.revision).toBe(meta.updatedAt);
    await sleep(LIVE_MIN_GAP_MS + 50);
    await session.score(frame); // fail again, the first frame judged after the gap: a change from the logged pass
    await session.score(frame);
    await logSettled();
    logged = await entries();
    expect(logged.map((e) => [e.verdict, e.score.raw])).toEqual([['fail', 3], ['pass', 1]]);
  });

  it('logs on a change of verdict, else every LIVE_STEADY_MS, never twice within LIVE_MIN_GAP_MS', () => {
    const s = new LiveLogSampler();
    const taken = [
      [0, 'pass'], [250, 'pass'], [500, 'fail'], [LIVE_MIN_GAP_MS, 'fail'], [LIVE_MIN_GAP_MS + 10, 'pass'], [LIVE_MIN_GAP_MS * 2 + 10, 'pass'],
      [LIVE_MIN_GAP_MS + 10 + LIVE_STEADY_MS, 'pass'], [LIVE_MIN_GAP_MS * 2 + 10 + LIVE_STEADY_MS, 'pass'],
    ].filter(([t, v]) => s.take(t as number, v as 'pass' | 'fail')).map(([t]) => t);
    expect(taken).toEqual([0, LIVE_MIN_GAP_MS, LIVE_MIN_GAP_MS * 2 + 10, LIVE_MIN_GAP_MS * 2 + 10 + LIVE_STEADY_MS]);
  });
});

describe('the log settings', () => {
  it('persist (on, retention) and fall back to the defaults on bad values', () => {
    const data = new Map<string, string>();
    vi.stubGlobal('localStorage', { getItem: (k: string) => data.get(k) ?? null, setItem: (k: string, v: string) => data.set(k, v), removeItem: (k: string) => data.delete(k) });
    try {
      expect(savedLogSettings()).toEqual({ enabled: true, maxEntries: 10_000, maxDays: 90 });
      setLogEnabled(false);
      expect(savedLogSettings()).toEqual({ enabled: false, maxEntries: 10_000, maxDays: 90 });
      data.set('anomaly-inspector:inspection-log', JSON.stringify({ enabled: 'no', maxEntries: -3, maxDays: 7 }));
      expect(savedLogSettings()).toEqual({ enabled: true, maxEntries: 10_000, maxDays: 7 });
      data.set('anomaly-inspector:inspection-log', '{not json');
      expect(savedLogSettings()).toEqual(DEFAULT_LOG_SETTINGS);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});
