/**
 * What an inspection batch says, derived from the stored scores and the threshold in use (nothing is re-scored):
 * each image's defect regions (the engine's rule, src/engine/profile/regions.ts: connected patches at or above the
 * threshold, so a failing image always has one), the batch's three counts (passed, failed, could not be read), and
 * the CSV and JSON exports with one row per image: verdict, scores, region count and largest region.
 */
import type { Label } from '../engine/data/labels';
import { defectRegions } from '../engine/profile/regions';
import type { DefectRegion } from '../engine/profile/regions';
import { judge } from '../engine/profile/verdict';
import type { Verdict } from '../engine/profile/verdict';
import { csvText } from './download';
import type { InspectItem } from './inspect-store';

/** One inspected file as the exports need it. */
export interface ResultRow {
  name: string;
  /** Raw score, or null when the file could not be inspected (then `error` says why). */
  score: number | null;
  error?: string;
  label?: Label | null;
  /** Defect regions at the threshold and the largest one's area (% of the image); null when not known. */
  regions?: number | null;
  largestRegionPercent?: number | null;
}

/** The defect regions of a scored item at `threshold` (largest first); [] without patch scores or a threshold. */
export function itemRegions(item: Pick<InspectItem, 'patches' | 'grid' | 'mapSize'>, threshold: number | null, minArea = 0): DefectRegion[] {
  if (threshold === null || !item.patches || !item.grid || !item.mapSize) return [];
  return defectRegions(item.patches, item.grid, item.mapSize, threshold, minArea);
}

/** Export rows of the items scored or refused, in batch order, with their regions at `threshold`. */
export function resultRows(items: readonly InspectItem[], threshold: number | null, minArea = 0): ResultRow[] {
  return items
    .filter((i) => i.status === 'done' || i.status === 'error')
    .map((i) => {
      const known = i.status === 'done' && threshold !== null && Boolean(i.patches);
      const regions = known ? itemRegions(i, threshold, minArea) : [];
      return {
        name: i.name,
        score: i.score ?? null,
        error: i.error,
        label: i.label,
        regions: known ? regions.length : null,
        largestRegionPercent: known ? (regions[0]?.areaPercent ?? 0) : null,
      };
    });
}

export interface BatchCounts {
  total: number;
  /** Scored and below the threshold. */
  passed: number;
  /** Scored at or above the threshold. */
  failed: number;
  /** Scored, but there is no threshold to judge them by. */
  unjudged: number;
  /** Files that could not be read or scored (each has a message). */
  unreadable: number;
  /** Waiting or being scored. */
  queued: number;
}

/** The batch's counts under `threshold`: passed, failed, could not be read, still to go. */
export function batchCounts(items: readonly InspectItem[], threshold: number | null): BatchCounts {
  const c: BatchCounts = { total: items.length, passed: 0, failed: 0, unjudged: 0, unreadable: 0, queued: 0 };
  for (const i of items) {
    if (i.status === 'error') c.unreadable++;
    else if (i.status !== 'done' || i.score === undefined) c.queued++;
    else if (threshold === null) c.unjudged++;
    else if (i.score >= threshold) c.failed++;
    else c.passed++;
  }
  return c;
}

function judged(r: ResultRow, threshold: number | null, calibration: readonly number[]): { verdict: Verdict | 'error' | null; normalized: number | null } {
  return r.score === null ? { verdict: 'error', normalized: null } : judge(r.score, threshold, calibration);
}

const CSV_COLUMNS = ['name', 'verdict', 'normalized_score', 'raw_score', 'threshold', 'profile', 'label', 'error', 'regions', 'largest_region_percent'] as const;

const percent = (v: number | null | undefined) => (v === null || v === undefined ? null : Number(v.toFixed(4)));

/** One CSV row per image (RFC 4180, CRLF line ends), in the order given. */
export function buildCsv(rows: readonly ResultRow[], threshold: number | null, profile: string, calibration: readonly number[] = []): string {
  return csvText(
    CSV_COLUMNS,
    rows.map((r) => {
      const d = judged(r, threshold, calibration);
      return [r.name, d.verdict ?? '', d.normalized === null ? '' : d.normalized.toFixed(6), r.score, threshold, profile, r.label ?? '', r.error ?? '', r.regions ?? null, percent(r.largestRegionPercent)];
    }),
  );
}

/** The same rows as JSON, with the profile and threshold they were judged by. */
export function buildJson(rows: readonly ResultRow[], threshold: number | null, profile: { id: string; name: string }, calibration: readonly number[] = [], at = new Date()): string {
  const images = rows.map((r) => {
    const d = judged(r, threshold, calibration);
    return {
      name: r.name,
      verdict: d.verdict,
      normalizedScore: d.normalized,
      rawScore: r.score,
      label: r.label ?? null,
      regions: r.regions ?? null,
      largest_region_percent: percent(r.largestRegionPercent),
      ...(r.error ? { error: r.error } : {}),
    };
  });
  return JSON.stringify({ exportedAt: at.toISOString(), profile, threshold, images }, null, 2) + '\n';
}
