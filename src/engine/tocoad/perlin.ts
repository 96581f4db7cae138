import { deriveSeed } from './rng';

/**
 * 2-D gradient (Perlin) noise as DRAEM's `rand_perlin_2d`: unit gradients on a lattice of `resY` x `resX` cells over
 * the image, quintic fade, bilinear blend of the corner dot products, scaled by sqrt(2) (values roughly in [-1, 1]).
 * The lattice is hashed from `seed` rather than stored, so the noise can be evaluated at rotated coordinates.
 */
export interface PerlinOptions {
  width: number;
  height: number;
  /** Lattice cells across the height and the width (DRAEM draws 2^k, k in [0, 6)). */
  resY: number;
  resX: number;
  seed: number;
  /** Rotation of the noise about the image centre, radians. */
  angle?: number;
}

const fade = (t: number) => t * t * t * (t * (t * 6 - 15) + 10);

function gradientAngle(seed: number, i: number, j: number): number {
  return (deriveSeed(seed, i + 0x8000, j + 0x8000) / 4294967296) * 2 * Math.PI;
}

export function perlinNoise(o: PerlinOptions): Float32Array {
  const { width: w, height: h, resY, resX, seed } = o;
  const out = new Float32Array(w * h);
  const cos = Math.cos(o.angle ?? 0);
  const sin = Math.sin(o.angle ?? 0);
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  const gx = new Map<number, [number, number]>();
  const grad = (i: number, j: number): [number, number] => {
    const key = (i + 0x8000) * 0x10000 + (j + 0x8000);
    let g = gx.get(key);
    if (!g) {
      const a = gradientAngle(seed, i, j);
      g = [Math.cos(a), Math.sin(a)];
      gx.set(key, g);
    }
    return g;
  };
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const dx = x - cx;
      const dy = y - cy;
      const u = ((cos * dx - sin * dy + cx) * resX) / w;
      const v = ((sin * dx + cos * dy + cy) * resY) / h;
      const i = Math.floor(v);
      const j = Math.floor(u);
      const fy = v - i;
      const fx = u - j;
      const g00 = grad(i, j);
      const g01 = grad(i, j + 1);
      const g10 = grad(i + 1, j);
      const g11 = grad(i + 1, j + 1);
      const n00 = g00[0] * fy + g00[1] * fx;
      const n01 = g01[0] * fy + g01[1] * (fx - 1);
      const n10 = g10[0] * (fy - 1) + g10[1] * fx;
      const n11 = g11[0] * (fy - 1) + g11[1] * (fx - 1);
      const ty = fade(fy);
      const tx = fade(fx);
      const a = n00 + ty * (n10 - n00);
      const b = n01 + ty * (n11 - n01);
      out[y * w + x] = Math.SQRT2 * (a + tx * (b - a));
    }
  }
  return out;
}

/** Sum of octaves (each twice the frequency, half the amplitude), normalised to [0, 1]. */
export function fractalNoise(width: number, height: number, baseRes: number, octaves: number, seed: number, angle = 0): Float32Array {
  const out = new Float32Array(width * height);
  let amp = 1;
  for (let k = 0; k < octaves; k++) {
    const r = baseRes * 2 ** k;
    const n = perlinNoise({ width, height, resX: r, resY: r, seed: deriveSeed(seed, k), angle });
    for (let i = 0; i < out.length; i++) out[i] += amp * n[i];
    amp /= 2;
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of out) {
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  const span = hi - lo || 1;
  for (let i = 0; i < out.length; i++) out[i] = (out[i] - lo) / span;
  return out;
}

/** 1 where noise > threshold, else 0. */
export function thresholdMask(noise: Float32Array, threshold: number): Uint8Array {
  const out = new Uint8Array(noise.length);
  for (let i = 0; i < noise.length; i++) out[i] = noise[i] > threshold ? 1 : 0;
  return out;
}

export function coverage(mask: Uint8Array): number {
  let n = 0;
  for (const v of mask) n += v;
  return mask.length ? n / mask.length : 0;
}
