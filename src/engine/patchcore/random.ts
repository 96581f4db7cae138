/** The mulberry32 PRNG from a raw 32-bit state: floats in [0, 1), the same in every host. */
export function mulberry32(state: number): () => number {
  let a = state >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Small seeded PRNG (mulberry32): the same seed gives the same numbers in every host. */
export function seededRandom(seed: number): () => number {
  return mulberry32((seed >>> 0) ^ 0x9e3779b9);
}

/** k distinct indices from [0, n), in drawing order (partial Fisher-Yates). */
export function sampleWithoutReplacement(n: number, k: number, random: () => number): number[] {
  const count = Math.min(n, k);
  const picked = new Map<number, number>();
  const out: number[] = [];
  for (let i = 0; i < count; i++) {
    const j = i + Math.floor(random() * (n - i));
    const vj = picked.get(j) ?? j;
    picked.set(j, picked.get(i) ?? i);
    out.push(vj);
  }
  return out;
}
