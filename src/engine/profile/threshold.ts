/**
 * Thresholds come from normal images alone: the maximum of held-out normal scores, or a chosen
 * percentile of them. The verdict and the normalised score
 * that follow from a threshold are in ./verdict.ts.
 */
export type CalibrationMethod = { method: 'max' } | { method: 'percentile'; percentile: number };

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

export function calibrateThreshold(normalScores: readonly number[], how: CalibrationMethod = { method: 'max' }): number {
  if (normalScores.length === 0) throw new Error('threshold calibration needs at least one held-out normal image');
  return how.method === 'max' ? Math.max(...normalScores) : percentile(normalScores, how.percentile);
}
