/**
 * Which normal images calibrate the threshold: every n-th image (n = round(1 / fraction), at least 2),
 * in the order given (the CLI sorts by name; the app keeps the user's order, sorted by name too).
 * Deterministic and spread out. When that rule holds out nothing but there are at least two images,
 * the last one is held out, so a small set still gets a threshold.
 */
export function splitHoldout<T>(items: readonly T[], fraction: number): { fit: T[]; holdout: T[] } {
  if (!(fraction >= 0 && fraction < 1)) throw new Error(`holdout fraction must be in [0, 1), got ${fraction}`);
  if (fraction === 0 || items.length < 2) return { fit: [...items], holdout: [] };
  const every = Math.max(2, Math.round(1 / fraction));
  const held = (i: number) => i % every === every - 1 || (items.length < every && i === items.length - 1);
  return { fit: items.filter((_, i) => !held(i)), holdout: items.filter((_, i) => held(i)) };
}
