import { isPositive, splitSorted, walkDescending } from './auroc';

/** Best F1 over all thresholds, with the threshold and the precision/recall there. */
export interface F1Max {
  f1: number;
  threshold: number;
  precision: number;
  recall: number;
}

/**
 * Maximum F1 over every threshold of `sklearn.metrics.precision_recall_curve` (predict positive
 * when score >= threshold). F1 values are compared exactly, as fractions of counts; ties go to the
 * lowest threshold, as `np.argmax` over sklearn's ascending thresholds would pick.
 * Throws when there is no positive sample.
 */
export function f1Max(scores: ArrayLike<number>, labels: ArrayLike<number | boolean>): F1Max {
  const { pos, neg } = splitSorted(scores, labels, 'f1Max', false);
  const nPos = pos.length;
  if (nPos === 0) throw new Error('f1Max: needs at least one positive sample');
  // F1 = 2tp / (tp + fp + nPos); keep the numerator and denominator to compare exactly.
  let bestTp = 0;
  let bestDen = 1;
  let best: F1Max = { f1: 0, threshold: Infinity, precision: 1, recall: 0 };
  walkDescending(pos, neg, (t, tp, fp) => {
    const den = tp + fp + nPos;
    if (tp > 0 && tp * bestDen >= bestTp * den) {
      bestTp = tp;
      bestDen = den;
      best = { f1: (2 * tp) / den, threshold: t, precision: tp / (tp + fp), recall: tp / nPos };
    }
  });
  return best;
}

/** Confusion-matrix counts when predicting positive for score >= threshold. */
export interface Confusion {
  tp: number;
  fp: number;
  tn: number;
  fn: number;
}

/** Counts true/false positives/negatives at `threshold` (positive when score >= threshold). */
export function confusionAt(
  scores: ArrayLike<number>,
  labels: ArrayLike<number | boolean>,
  threshold: number,
): Confusion {
  if (labels.length !== scores.length) {
    throw new Error(`confusionAt: ${scores.length} scores but ${labels.length} labels`);
  }
  const c: Confusion = { tp: 0, fp: 0, tn: 0, fn: 0 };
  for (let i = 0; i < scores.length; i++) {
    const predicted = scores[i] >= threshold;
    if (isPositive(labels[i])) {
      if (predicted) c.tp++;
      else c.fn++;
    } else if (predicted) c.fp++;
    else c.tn++;
  }
  return c;
}
