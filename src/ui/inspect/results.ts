/**
 * Pure helpers of the inspection results: verdicts derived from stored raw scores and a threshold
 * (moving the threshold never re-scores), the order by severity, CSV and JSON exports, score histograms.
 * Labels from folder names are a dataset rule: src/engine/data/labels.ts.
 */
import type { Label } from '../../engine/data/labels';
import { judge } from '../../engine/profile/verdict';
import type { Verdict } from '../../engine/profile/verdict';
import type { InspectItem } from '../../state/inspect-store';

/** One inspected file as the exports and the grid need it. */
interface ResultRow {
  name: string;
  /** Raw score, or null when the file could not be inspected (then `error` says why). */
  score: number | null;
  error?: string;
  label?: Label | null;
}

interface Derived {
  verdict: Verdict | 'error' | null;
  normalized: number | null;
}

/** Verdict and normalised score (0.5 at the threshold) of a raw score under a threshold. */
export function derive(score: number | null, threshold: number | null, calibration: readonly number[]): Derived {
  if (score === null) return { verdict: 'error', normalized: null };
  return judge(score, threshold, calibration);
}

/**
 * By severity: the normalised score under the threshold in use, highest first (the raw score breaks ties, and orders
 * them without a threshold); images not scored yet or that failed come last, in batch order.
 */
export function bySeverity(items: readonly InspectItem[], threshold: number | null, calibration: readonly number[]): InspectItem[] {
  const key = (i: InspectItem) => (i.status === 'done' && i.score !== undefined ? (derive(i.score, threshold, calibration).normalized ?? 0) : -Infinity);
  return items
    .map((item, index) => ({ item, index, k: key(item) }))
    .sort((a, b) => b.k - a.k || (b.item.score ?? -Infinity) - (a.item.score ?? -Infinity) || a.index - b.index)
    .map((e) => e.item);
}

function csvCell(v: string | number | null | undefined): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'number' ? String(v) : v;
  // Quote when needed; a leading = + - @ would be a formula in a spreadsheet: prefix it with '.
  const safe = /^[=+\-@\t\r]/.test(s) && typeof v !== 'number' ? `'${s}` : s;
  return /[",\n\r]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

const CSV_COLUMNS = ['name', 'verdict', 'normalized_score', 'raw_score', 'threshold', 'profile', 'label', 'error'] as const;

/** One CSV row per image (RFC 4180, CRLF line ends), in the order given. */
export function buildCsv(rows: readonly ResultRow[], threshold: number | null, profile: string, calibration: readonly number[] = []): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const r of rows) {
    const d = derive(r.score, threshold, calibration);
    lines.push(
      [r.name, d.verdict ?? '', d.normalized === null ? '' : d.normalized.toFixed(6), r.score, threshold, profile, r.label ?? '', r.error ?? '']
        .map(csvCell)
        .join(','),
    );
  }
  return lines.join('\r\n') + '\r\n';
}

/** The same rows as JSON, with the profile and threshold they were judged by. */
export function buildJson(rows: readonly ResultRow[], threshold: number | null, profile: { id: string; name: string }, calibration: readonly number[] = [], at = new Date()): string {
  return (
    JSON.stringify(
      {
        exportedAt: at.toISOString(),
        profile,
        threshold,
        images: rows.map((r) => {
          const d = derive(r.score, threshold, calibration);
          return { name: r.name, verdict: d.verdict, normalizedScore: d.normalized, rawScore: r.score, label: r.label ?? null, ...(r.error ? { error: r.error } : {}) };
        }),
      },
      null,
      2,
    ) + '\n'
  );
}

/** Histogram bins over [lo, hi] of two score series (batch and calibration). */
export function histogram(batch: readonly number[], calibration: readonly number[], bins: number, lo: number, hi: number): { x: number; x0: number; x1: number; batch: number; calibration: number }[] {
  const w = (hi - lo) / bins || 1;
  const out = Array.from({ length: bins }, (_, i) => ({ x: lo + (i + 0.5) * w, x0: lo + i * w, x1: lo + (i + 1) * w, batch: 0, calibration: 0 }));
  const put = (v: number, key: 'batch' | 'calibration') => {
    const i = Math.min(bins - 1, Math.max(0, Math.floor((v - lo) / w)));
    out[i][key]++;
  };
  batch.forEach((v) => put(v, 'batch'));
  calibration.forEach((v) => put(v, 'calibration'));
  return out;
}
