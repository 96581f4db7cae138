/**
 * The verdict on a raw score, in one place for every host and view (CLI, worker, Inspect, Live, Demo): a part
 * scoring at or above the threshold fails. Scores are shown raw and normalised, where 0.5 is the threshold: the
 * lowest normal calibration score maps to 0, the threshold to 0.5, and a score as far above the threshold as the
 * threshold is above that lowest normal score maps to 1 (clipped to [0, 1]).
 */

export type Verdict = 'pass' | 'fail';

/** A score judged against a threshold; both null when the profile has no threshold. */
export interface Judgement {
  verdict: Verdict | null;
  normalized: number | null;
}

/**
 * The normalised scale of one threshold and its normal scores, set up once: maps a raw score (or an anomaly map
 * value) to [0, 1] with 0.5 at the threshold (see the module comment). Views colouring a whole map use this.
 */
export function scoreScale(threshold: number, normalScores: readonly number[]): (score: number) => number {
  let low = Infinity;
  for (const s of normalScores) low = Math.min(low, s);
  if (low === Infinity) low = 0;
  const span = threshold - low > 0 ? threshold - low : Math.abs(threshold) || 1;
  return (score) => Math.min(1, Math.max(0, 0.5 + (0.5 * (score - threshold)) / span));
}

/** Normalised score in [0, 1] with 0.5 at the threshold. */
export function normalizeScore(score: number, threshold: number, normalScores: readonly number[]): number {
  return scoreScale(threshold, normalScores)(score);
}

export function verdictFor(score: number, threshold: number): Verdict {
  return score >= threshold ? 'fail' : 'pass';
}

/** The verdict and normalised score of `score`; a profile without a threshold gives neither. */
export function judge(score: number, threshold: number | null, normalScores: readonly number[]): Judgement {
  if (threshold === null) return { verdict: null, normalized: null };
  return { verdict: verdictFor(score, threshold), normalized: normalizeScore(score, threshold, normalScores) };
}
