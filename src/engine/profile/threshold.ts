/**
 * Thresholds come from normal images alone, out of sample (see ./fit.ts). The default rule, `tail`, models the
 * upper tail of the normal scores as exponential above their median: its scale is the mean excess of the scores
 * above the median, and the threshold is the score a new normal part exceeds with probability `rate` under that
 * model, median + scale * ln(0.5 / rate). Unlike the maximum, it does not drift with the number of images (the
 * maximum of 20 scores fails about 1 good part in 21, of 200 about 1 in 201), and it uses every score above the
 * median, not the single largest. The maximum and a percentile remain as choices. The verdict and the normalised
 * score that follow from a threshold are in ./verdict.ts.
 */
export type CalibrationMethod = { method: 'max' } | { method: 'percentile'; percentile: number } | { method: 'tail'; rate: number };

/** The rule a fit sets its threshold by (see the README's "Threshold" section for how it was measured). */
export const DEFAULT_THRESHOLD_RULE: CalibrationMethod = { method: 'tail', rate: 0.005 };

/** Linear-interpolated percentile (numpy's default) of the scores. */
export function percentile(scores: readonly number[], p: number): number {
  if (scores.length === 0) throw new Error('no scores to take a percentile of');
  if (!(p >= 0 && p <= 100)) throw new Error(`percentile must be in [0, 100], got ${p}`);
  const s = [...scores].sort((a, b) => a - b);
  const pos = (p / 100) * (s.length - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(lo + 1, s.length - 1);
  return s[lo] + (s[hi] - s[lo]) * (pos - lo);
}

/** The `tail` rule (see the module comment); with fewer than two scores above the median, their maximum. */
export function tailThreshold(scores: readonly number[], rate: number): number {
  if (!(rate > 0 && rate < 0.5)) throw new Error(`the tail rate must be in (0, 0.5), got ${rate}`);
  const median = percentile(scores, 50);
  const excess = scores.filter((s) => s > median).map((s) => s - median);
  if (excess.length < 2) return Math.max(...scores);
  const scale = excess.reduce((a, b) => a + b, 0) / excess.length;
  return median + scale * Math.log(0.5 / rate);
}

export function calibrateThreshold(normalScores: readonly number[], how: CalibrationMethod = { method: 'max' }): number {
  if (normalScores.length === 0) throw new Error('threshold calibration needs at least one normal score');
  if (how.method === 'max') return Math.max(...normalScores);
  if (how.method === 'tail') return tailThreshold(normalScores, how.rate);
  return percentile(normalScores, how.percentile);
}

export interface ThresholdRecord {
  value: number | null;
  method: 'max' | 'percentile' | 'tail' | 'none';
  percentile?: number;
  rate?: number;
}

/** The threshold record for calibration scores under a rule (default DEFAULT_THRESHOLD_RULE); none without scores. */
export function thresholdRecord(scores: readonly number[], how: CalibrationMethod = DEFAULT_THRESHOLD_RULE): ThresholdRecord {
  if (scores.length === 0) return { value: null, method: 'none' };
  const value = calibrateThreshold(scores, how);
  if (how.method === 'percentile') return { value, method: 'percentile', percentile: how.percentile };
  if (how.method === 'tail') return { value, method: 'tail', rate: how.rate };
  return { value, method: 'max' };
}

/** The rule a threshold record was set by, to set it again (after teaching); null for a manual or no threshold. */
export function ruleOf(record: ThresholdRecord | { method: string; percentile?: number; rate?: number }): CalibrationMethod | null {
  if (record.method === 'max') return { method: 'max' };
  if (record.method === 'percentile' && record.percentile !== undefined) return { method: 'percentile', percentile: record.percentile };
  if (record.method === 'tail' && record.rate !== undefined) return { method: 'tail', rate: record.rate };
  return null;
}
