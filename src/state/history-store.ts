/**
 * The History view's state (zustand): the inspection log's entries as last read (newest first), the filters, the
 * log's settings (kept in localStorage, see settings.ts), storage use, and the thumbnails' object URLs of the rows
 * shown. `written` counts the log's writes, so an open view reads the log again after new entries land. The filters
 * and the exports are pure functions over the entries (tested here, without a browser).
 */
import { create } from 'zustand';
import type { InspectionLogEntry } from '../storage/inspection-log';
import { csvText } from './download';
import { savedLogSettings } from './settings';
import type { InspectionLogSettings } from './settings';

export type HistoryVerdict = 'all' | 'pass' | 'fail';

export interface HistoryFilter {
  /** A local day, YYYY-MM-DD (the date input's value); '' for every day. */
  day: string;
  verdict: HistoryVerdict;
  /** '' for every profile. */
  profileId: string;
}

export interface StorageUse {
  /** Bytes the log's entries and thumbnails take (about). */
  logBytes: number;
  /** What the browser says this site uses of what it may use (navigator.storage.estimate()); null when unknown. */
  usage: number | null;
  quota: number | null;
}

interface HistoryState {
  entries: InspectionLogEntry[];
  status: 'idle' | 'loading' | 'ready' | 'error';
  error: string | null;
  filter: HistoryFilter;
  settings: InspectionLogSettings;
  storage: StorageUse;
  /** How many of the filtered rows are shown (more on request). */
  shown: number;
  /** Entry key -> object URL of its thumbnail. */
  thumbs: Record<string, string>;
  /** Writes to the log so far in this page (an open view reads the log again when it grows). */
  written: number;
}

export const PAGE_ROWS = 100;

export const useHistoryStore = create<HistoryState>()(() => ({
  entries: [],
  status: 'idle',
  error: null,
  filter: { day: '', verdict: 'all', profileId: '' },
  settings: savedLogSettings(),
  storage: { logBytes: 0, usage: null, quota: null },
  shown: PAGE_ROWS,
  thumbs: {},
  written: 0,
}));

/** The local day (YYYY-MM-DD) of an ISO time, as a date input shows days. */
export function localDay(iso: string): string {
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}`;
}

/** The entries the filter keeps, in the order given. */
export function filterEntries(entries: readonly InspectionLogEntry[], f: HistoryFilter): InspectionLogEntry[] {
  return entries.filter((e) => (!f.day || localDay(e.at) === f.day) && (f.verdict === 'all' || e.verdict === f.verdict) && (!f.profileId || e.profile.id === f.profileId));
}

/** The profiles seen in the log (id -> the newest name it was logged under), by name. */
export function logProfiles(entries: readonly InspectionLogEntry[]): { id: string; name: string }[] {
  const names = new Map<string, string>();
  for (const e of entries) if (!names.has(e.profile.id)) names.set(e.profile.id, e.profile.name);
  return [...names].map(([id, name]) => ({ id, name })).sort((a, b) => a.name.localeCompare(b.name));
}

/** What the operator corrected, in words ('' when nothing). */
export function correctionText(e: InspectionLogEntry): string {
  const c = e.correction;
  if (!c) return '';
  const parts: string[] = [];
  if (c.label) parts.push(`labelled ${c.label}`);
  if (c.taughtGood) parts.push('taught as good');
  return parts.join(', ');
}

const round = (v: number | null | undefined, digits: number) => (v === null || v === undefined ? null : Number(v.toFixed(digits)));

/** The regions list, compact: each region's box (input pixels), area and peak. */
function regionList(e: InspectionLogEntry) {
  return e.regions?.list.map((r) => ({ box: r.box, area: r.area, areaPercent: round(r.areaPercent, 4), peak: round(r.peak, 6) })) ?? null;
}

const CSV_COLUMNS = [
  'time', 'source', 'file', 'profile_id', 'profile', 'profile_revision', 'verdict', 'normalized_score', 'raw_score', 'threshold',
  'regions', 'largest_region_px', 'largest_region_percent', 'region_list', 'label', 'taught_good', 'corrected_at',
] as const;

/** One CSV row per entry (RFC 4180); `region_list` holds the regions as JSON. */
export function historyCsv(entries: readonly InspectionLogEntry[]): string {
  return csvText(
    CSV_COLUMNS,
    entries.map((e) => [
      e.at, e.source, e.fileName, e.profile.id, e.profile.name, e.profile.revision, e.verdict ?? '',
      e.score.normalized === null ? '' : e.score.normalized.toFixed(6), e.score.raw, e.threshold,
      e.regions?.count ?? null, e.regions?.largestArea ?? null, round(e.regions?.largestPercent, 4),
      e.regions ? JSON.stringify(regionList(e)) : '',
      e.correction?.label ?? '', e.correction?.taughtGood ? 'yes' : '', e.correction?.at ?? '',
    ]),
  );
}

/** The same entries as JSON. */
export function historyJson(entries: readonly InspectionLogEntry[], filter: HistoryFilter, at = new Date()): string {
  const rows = entries.map((e) => ({
    time: e.at,
    source: e.source,
    file: e.fileName,
    profile: e.profile,
    verdict: e.verdict,
    normalizedScore: e.score.normalized,
    rawScore: e.score.raw,
    threshold: e.threshold,
    regions: e.regions ? { count: e.regions.count, largestArea: e.regions.largestArea, largestPercent: round(e.regions.largestPercent, 4), list: regionList(e) } : null,
    correction: e.correction,
  }));
  return JSON.stringify({ exportedAt: at.toISOString(), filter, entries: rows }, null, 2) + '\n';
}
