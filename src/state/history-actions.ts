/**
 * The History view's actions: reading the inspection log (entries newest first, storage use), the filters, thumbnails
 * of the rows shown (object URLs, released when the view closes or the log is read again), exports of the filtered
 * rows (CSV, JSON), clearing the log, and the log's settings (kept on, retention by count and by age, pruned at once
 * when tightened). The entries themselves are written by inspection-logger.ts as images are judged.
 */
import { storageEstimate } from '../storage/profile-store';
import { pushAlert } from './app-store';
import { downloadOnce, exportFileName } from './download';
import { filterEntries, historyCsv, historyJson, PAGE_ROWS, useHistoryStore } from './history-store';
import type { HistoryFilter } from './history-store';
import { logSettled, logStore } from './inspection-logger';
import { saveLogSettings } from './settings';
import type { InspectionLogSettings } from './settings';

const set = useHistoryStore.setState;
const get = useHistoryStore.getState;

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

let reading = 0;

/** Reads the log (after what is queued is written) and the storage figures. */
export async function loadHistory(): Promise<void> {
  const id = ++reading;
  set({ status: get().status === 'ready' ? 'ready' : 'loading', error: null });
  try {
    await logSettled();
    const [entries, estimate] = await Promise.all([logStore().list(), storageEstimate()]);
    if (id !== reading) return;
    const logBytes = entries.reduce((n, e) => n + e.bytes, 0);
    const kept = new Set(entries.map((e) => e.key));
    const thumbs: Record<string, string> = {};
    for (const [k, url] of Object.entries(get().thumbs)) {
      if (kept.has(k)) thumbs[k] = url;
      else URL.revokeObjectURL(url);
    }
    set({ entries, status: 'ready', thumbs, storage: { logBytes, usage: estimate?.usage ?? null, quota: estimate?.quota ?? null } });
  } catch (e) {
    if (id === reading) set({ status: 'error', error: `The inspection log could not be read: ${message(e)}` });
  }
}

/** The rows the filter keeps (all of them; the view shows the first `shown`). */
export function filteredHistory() {
  const { entries, filter } = get();
  return filterEntries(entries, filter);
}

export function setHistoryFilter(patch: Partial<HistoryFilter>): void {
  set((s) => ({ filter: { ...s.filter, ...patch }, shown: PAGE_ROWS }));
}

export function showMoreHistory(): void {
  set((s) => ({ shown: s.shown + PAGE_ROWS }));
}

let loadingThumbs = false;

/** Loads the thumbnails of the rows shown that have none loaded yet (one read for all of them). */
export async function loadThumbnails(keys: readonly string[]): Promise<void> {
  if (loadingThumbs) return;
  const { entries, thumbs } = get();
  const byKey = new Map(entries.map((e) => [e.key, e]));
  const missing = keys.map((k) => byKey.get(k)).filter((e) => e && e.thumbKey && !thumbs[e.key]) as NonNullable<ReturnType<typeof byKey.get>>[];
  if (missing.length === 0 || typeof URL.createObjectURL !== 'function') return;
  loadingThumbs = true;
  try {
    const blobs = await logStore().thumbnails(missing);
    const added: Record<string, string> = {};
    missing.forEach((e, i) => {
      const b = blobs[i];
      if (b) added[e.key] = URL.createObjectURL(b);
    });
    set((s) => ({ thumbs: { ...s.thumbs, ...added } }));
  } catch {
    // a thumbnail is a nicety: the row shows without one
  } finally {
    loadingThumbs = false;
  }
}

/** Frees the thumbnails' object URLs (the view closed). */
export function releaseThumbnails(): void {
  for (const url of Object.values(get().thumbs)) URL.revokeObjectURL(url);
  set({ thumbs: {} });
}

/**
 * Downloads the filtered rows as CSV or JSON (a double click saves one file); returns whether a file was saved.
 * `at`: the click's event.timeStamp.
 */
export function exportHistory(format: 'csv' | 'json', at?: number): boolean {
  const { entries, filter } = get();
  const rows = filterEntries(entries, filter);
  if (rows.length === 0) return false;
  return downloadOnce(`history-${format}`, [entries, filter], () => {
    const name = filter.day || 'all';
    return format === 'csv'
      ? { blob: new Blob([historyCsv(rows)], { type: 'text/csv' }), fileName: exportFileName('inspection-log', name, 'csv') }
      : { blob: new Blob([historyJson(rows, filter)], { type: 'application/json' }), fileName: exportFileName('inspection-log', name, 'json') };
  }, at);
}

/** Deletes every entry of the log (the view asks first). */
export async function clearHistory(): Promise<boolean> {
  try {
    await logSettled();
    const n = await logStore().clear();
    releaseThumbnails();
    pushAlert('info', `Inspection log cleared (${n} entr${n === 1 ? 'y' : 'ies'} deleted).`);
    await loadHistory();
    return true;
  } catch (e) {
    pushAlert('error', `Clearing the inspection log failed: ${message(e)}. Nothing was deleted.`);
    return false;
  }
}

/** Turns the log on or off (off: nothing more is written; what is kept stays until cleared). */
export function setLogEnabled(enabled: boolean): void {
  const settings = { ...get().settings, enabled };
  set({ settings });
  saveLogSettings(settings);
}

/** The smallest and largest retention accepted. */
export const RETENTION_LIMITS = { maxEntries: [1, 1_000_000], maxDays: [1, 3650] } as const;

/** Sets the retention (whole numbers in RETENTION_LIMITS) and prunes at once; returns a problem in words, or null. */
export async function setRetention(patch: Partial<Pick<InspectionLogSettings, 'maxEntries' | 'maxDays'>>): Promise<string | null> {
  for (const [k, v] of Object.entries(patch) as ['maxEntries' | 'maxDays', number][]) {
    const [lo, hi] = RETENTION_LIMITS[k];
    if (!Number.isInteger(v) || v < lo || v > hi) return `${k === 'maxEntries' ? 'Entries to keep' : 'Days to keep'} must be a whole number from ${lo} to ${hi.toLocaleString('en-US')}.`;
  }
  const settings = { ...get().settings, ...patch };
  set({ settings });
  saveLogSettings(settings);
  try {
    await logSettled();
    const pruned = await logStore().prune(settings);
    if (pruned) pushAlert('info', `${pruned} older inspection log entr${pruned === 1 ? 'y' : 'ies'} deleted under the new retention.`);
    await loadHistory();
    return null;
  } catch (e) {
    return `The retention was saved, but pruning the log failed: ${message(e)}`;
  }
}
