/** Scores of the positive and the negative samples, each sorted ascending. */
export interface SortedClasses {
  pos: Float32Array | Float64Array;
  neg: Float32Array | Float64Array;
}

/** A label counts as positive when it is `true` or a non-zero number. */
export function isPositive(label: number | boolean): boolean {
  return label === true || (label !== false && label !== 0 && !Number.isNaN(label));
}

/**
 * Splits scores by label into two typed arrays (Float32Array when the scores already are float32,
 * so nothing is lost, else Float64Array) and sorts each with the native numeric typed-array sort.
 * Throws on length mismatch, on NaN scores, and when `requireBoth` and a class is missing.
 */
export function splitSorted(
  scores: ArrayLike<number>,
  labels: ArrayLike<number | boolean>,
  fn: string,
  requireBoth = true,
): SortedClasses {
  const n = scores.length;
  if (labels.length !== n) throw new Error(`${fn}: ${n} scores but ${labels.length} labels`);
  let nPos = 0;
  for (let i = 0; i < n; i++) if (isPositive(labels[i])) nPos++;
  const nNeg = n - nPos;
  if (requireBoth && (nPos === 0 || nNeg === 0)) {
    throw new Error(`${fn}: needs both classes, got ${nPos} positive and ${nNeg} negative samples`);
  }
  const Ctor = scores instanceof Float32Array ? Float32Array : Float64Array;
  const pos = new Ctor(nPos);
  const neg = new Ctor(nNeg);
  let p = 0;
  let q = 0;
  for (let i = 0; i < n; i++) {
    const s = scores[i];
    if (Number.isNaN(s)) throw new Error(`${fn}: score ${i} is NaN`);
    if (isPositive(labels[i])) pos[p++] = s;
    else neg[q++] = s;
  }
  pos.sort();
  neg.sort();
  return { pos, neg };
}

/**
 * Exact area under the ROC curve, equal to `sklearn.metrics.roc_auc_score` (a tied
 * positive/negative pair counts 1/2). Positive = `true` or non-zero label. O(n log n) time,
 * one typed-array copy of the scores; throws when only one class is present.
 */
export function auroc(scores: ArrayLike<number>, labels: ArrayLike<number | boolean>): number {
  const { pos, neg } = splitSorted(scores, labels, 'auroc');
  // Twice the Mann-Whitney U statistic: an integer below 2^53 for any realistic size.
  let twiceU = 0;
  let j = 0; // negatives below the current positive value
  for (let i = 0; i < pos.length; ) {
    const v = pos[i];
    let k = i;
    while (k < pos.length && pos[k] === v) k++;
    while (j < neg.length && neg[j] < v) j++;
    let e = j;
    while (e < neg.length && neg[e] === v) e++;
    twiceU += (k - i) * (2 * j + (e - j));
    i = k;
  }
  return twiceU / (2 * pos.length * neg.length);
}

/** ROC curve points, starting at (0, 0) with threshold +Infinity and ending at (1, 1). */
export interface RocCurve {
  fpr: number[];
  tpr: number[];
  thresholds: number[];
}

/**
 * ROC curve like `sklearn.metrics.roc_curve(..., drop_intermediate=False)`: one point per distinct
 * score (predict positive when score >= threshold), descending thresholds, the first being
 * +Infinity. Evenly downsampled to at most `maxPoints` points, always keeping the first and last.
 */
export function rocCurve(
  scores: ArrayLike<number>,
  labels: ArrayLike<number | boolean>,
  maxPoints = 512,
): RocCurve {
  const { pos, neg } = splitSorted(scores, labels, 'rocCurve');
  // Pass 1 counts the points, pass 2 emits the chosen ones.
  let total = 1;
  walkDescending(pos, neg, () => total++);
  const keep = Math.max(2, Math.min(total, Math.floor(maxPoints)));
  const out: RocCurve = { fpr: [0], tpr: [0], thresholds: [Infinity] };
  let index = 0;
  let next = 1;
  const target = (k: number) => Math.round((k * (total - 1)) / (keep - 1));
  walkDescending(pos, neg, (t, tp, fp) => {
    index++;
    if (index !== target(next)) return;
    out.thresholds.push(t);
    out.tpr.push(tp / pos.length);
    out.fpr.push(fp / neg.length);
    next++;
  });
  return out;
}

/**
 * Visits each distinct score in descending order with the cumulative true/false positive counts
 * at that threshold (positive when score >= threshold). `pos` and `neg` must be sorted ascending.
 */
export function walkDescending(
  pos: ArrayLike<number>,
  neg: ArrayLike<number>,
  visit: (threshold: number, tp: number, fp: number) => void,
): void {
  let i = pos.length - 1;
  let j = neg.length - 1;
  while (i >= 0 || j >= 0) {
    const t = j < 0 || (i >= 0 && pos[i] >= neg[j]) ? pos[i] : neg[j];
    while (i >= 0 && pos[i] === t) i--;
    while (j >= 0 && neg[j] === t) j--;
    visit(t, pos.length - 1 - i, neg.length - 1 - j);
  }
}
