/**
 * Pure helpers of the inspection results: verdicts derived from stored raw scores and a threshold
 * (moving the threshold never re-scores), the order by severity, the batch's counts in words, score histograms.
 * The exports and regions are state's (src/state/inspect-results.ts, re-exported here for the views and tests).
 * Labels from folder names are a dataset rule: src/engine/data/labels.ts.
 */
import { judge } from '../../engine/profile/verdict';
import type { Verdict } from '../../engine/profile/verdict';
import type { InspectItem } from '../../state/inspect-store';
import type { BatchCounts } from '../../state/inspect-results';

export { batchCounts, buildCsv, buildJson, itemRegions } from '../../state/inspect-results';

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

/** The batch's counts in plain words: "8 passed, 2 failed, 1 could not be read, 3 to go". */
export function countsText(c: BatchCounts): string {
  const parts = c.unjudged ? [`${c.unjudged} scored (no threshold)`] : [];
  if (c.passed || c.failed || !c.unjudged) parts.push(`${c.passed} passed`, `${c.failed} failed`);
  parts.push(`${c.unreadable} could not be read`);
  if (c.queued) parts.push(`${c.queued} to go`);
  return parts.join(', ');
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
