/**
 * Thresholds come from normal images alone: the maximum of held-out normal scores, or a chosen
 * percentile of them. Scores are shown raw and normalised, where 0.5 is the threshold: the lowest
 * normal calibration score maps to 0, the threshold to 0.5, and a score as far above the threshold
 * as the threshold is above that lowest normal score maps to 1 (clipped to [0, 1]).
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

/** Normalised score in [0, 1] with 0.5 at the threshold (see the module comment). */
export function normalizeScore(score: number, threshold: number, normalScores: readonly number[]): number {
  const low = normalScores.length ? Math.min(...normalScores) : 0;
  const span = threshold - low > 0 ? threshold - low : Math.abs(threshold) || 1;
  return Math.min(1, Math.max(0, 0.5 + (0.5 * (score - threshold)) / span));
}

export type Verdict = 'pass' | 'fail';

export function verdictFor(score: number, threshold: number): Verdict {
  return score >= threshold ? 'fail' : 'pass';
}
