/**
 * The verdict on a raw score, in one place for every host and view (CLI, worker, Inspect, Live, Demo): a part
 * scoring at or above the threshold fails. Scores are shown raw and normalised. The normalised score is a monotone
 * map of the raw one onto (0, 1) with 0.5 at the threshold and a spread taken from the normal scores: on the log
 * scale, x = ln(score / threshold) / w, where w = ln(threshold / median normal score), and the normalised score is
 * 0.5 + 0.5 x / (1 + |x|). The median normal part reads 0.25; a part as far above the threshold (in ratio) as the
 * median normal part is below it reads 0.75; and it nears 1 only slowly (10 w above reads 0.95), so two different
 * defects rarely read the same, and the scale ranks them.
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
  const w = logSpread(threshold, normalScores);
  if (!(threshold > 0)) return (score) => (score >= threshold ? 1 : 0); // no log scale below a zero threshold
  return (score) => {
    if (!(score > 0)) return 0;
    const x = Math.log(score / threshold) / w;
    return 0.5 + (0.5 * x) / (1 + Math.abs(x));
  };
}

/**
 * The narrowest spread used: normal parts within 25 % of the threshold (real profiles measure 0.5-0.8, a median
 * normal part at half the threshold or less). Without normal scores, a factor of 2 is assumed.
 */
const MIN_LOG_SPREAD = Math.log(1.25);
const DEFAULT_LOG_SPREAD = Math.log(2);

/** w of the module comment: how far the median normal score lies below the threshold, on the log scale. */
function logSpread(threshold: number, normalScores: readonly number[]): number {
  const positive = normalScores.filter((s) => s > 0).sort((a, b) => a - b);
  if (!(threshold > 0) || positive.length === 0) return DEFAULT_LOG_SPREAD;
  const mid = positive.length / 2;
  const median = positive.length % 2 ? positive[Math.floor(mid)] : (positive[mid - 1] + positive[mid]) / 2;
  return Math.max(MIN_LOG_SPREAD, Math.log(threshold / median));
}

/** The raw score a normalised score stands for under a scale (the inverse of scoreScale; for labels and tests). */
export function rawForNormalized(normalized: number, threshold: number, normalScores: readonly number[]): number {
  const y = 2 * normalized - 1;
  return threshold * Math.exp((y / (1 - Math.abs(y))) * logSpread(threshold, normalScores));
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

/** How a threshold does on labelled images (label 1 = defective); a rate is null when no image has that label. */
export interface VerdictRates {
  /** Good parts failed, over good parts. */
  falseRejectRate: number | null;
  /** Defective parts passed, over defective parts. */
  missRate: number | null;
}

export function verdictRates(images: readonly { label: 0 | 1; score: number }[], threshold: number | null): VerdictRates {
  if (threshold === null) return { falseRejectRate: null, missRate: null };
  const good = images.filter((i) => i.label === 0);
  const bad = images.filter((i) => i.label === 1);
  const rate = (set: typeof images, wrong: Verdict) => (set.length ? set.filter((i) => verdictFor(i.score, threshold) === wrong).length / set.length : null);
  return { falseRejectRate: rate(good, 'fail'), missRate: rate(bad, 'pass') };
}
