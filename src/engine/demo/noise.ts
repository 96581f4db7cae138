// Small deterministic noise helpers for the demo part renderer: integer hashing, a seeded PRNG and
// value noise (1D and 2D, optionally periodic). Pure arithmetic on 32-bit integers and doubles, so the
// same seed gives the same numbers in the browser worker and in Node.
import { mulberry32 as mulberry32State } from '../patchcore/random';

/** The demo's seeded PRNG (mulberry32, shared with the engine, with the demo's own seed mixing). */
export function mulberry32(seed: number): () => number {
  return mulberry32State((seed >>> 0) ^ 0x6d2b79f5);
}

/** A well-mixed 32-bit unsigned hash of up to three integers. */
export function hash3(x: number, y: number, z: number): number {
  let h = Math.imul(x | 0, 0x27d4eb2d) ^ Math.imul(y | 0, 0x165667b1) ^ Math.imul(z | 0, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 15), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** `hash3` mapped to [0, 1). */
export function hashUnit(x: number, y: number, z: number): number {
  return hash3(x, y, z) / 4294967296;
}

/** Derives an independent seed from a seed and a stream number. */
export function mixSeed(seed: number, stream: number): number {
  return hash3(seed, stream, 0x5eed);
}

const smooth = (t: number) => t * t * (3 - 2 * t);

/** 1D value noise in [-1, 1] with unit lattice spacing. */
export function valueNoise1(x: number, seed: number): number {
  const xi = Math.floor(x);
  const u = smooth(x - xi);
  const a = hashUnit(xi, 0, seed);
  const b = hashUnit(xi + 1, 0, seed);
  return 2 * (a + (b - a) * u) - 1;
}

/**
 * 2D value noise in [-1, 1] with unit lattice spacing. With `periodY` > 0 the noise repeats every `periodY`
 * units in y (an integer number of cells), so it can wrap around an angle without a seam.
 */
export function valueNoise2(x: number, y: number, seed: number, periodY = 0): number {
  const xi = Math.floor(x);
  const yi = Math.floor(y);
  const u = smooth(x - xi);
  const v = smooth(y - yi);
  let y0 = yi;
  let y1 = yi + 1;
  if (periodY > 0) {
    y0 = ((y0 % periodY) + periodY) % periodY;
    y1 = ((y1 % periodY) + periodY) % periodY;
  }
  const a = hashUnit(xi, y0, seed);
  const b = hashUnit(xi + 1, y0, seed);
  const c = hashUnit(xi, y1, seed);
  const d = hashUnit(xi + 1, y1, seed);
  const top = a + (b - a) * u;
  const bottom = c + (d - c) * u;
  return 2 * (top + (bottom - top) * v) - 1;
}

/** Periodic 1D value noise in [-1, 1]: repeats every `period` (integer) units. */
export function periodicNoise1(x: number, period: number, seed: number): number {
  const xi = Math.floor(x);
  const u = smooth(x - xi);
  const i0 = ((xi % period) + period) % period;
  const i1 = (i0 + 1) % period;
  const a = hashUnit(i0, 1, seed);
  const b = hashUnit(i1, 1, seed);
  return 2 * (a + (b - a) * u) - 1;
}

/** An approximately normal deviate (mean 0, sd 1) from a hashed position: sum of three uniforms, rescaled. */
export function hashGauss(x: number, y: number, seed: number): number {
  const h1 = hash3(x, y, seed);
  const h2 = hash3(h1, seed, 0x51ed);
  // Three 10/11-bit uniforms out of two hashes: cheap and good enough for sensor noise.
  const u1 = (h1 & 0x7ff) / 2048;
  const u2 = ((h1 >>> 11) & 0x7ff) / 2048;
  const u3 = (h2 & 0x7ff) / 2048;
  return (u1 + u2 + u3 - 1.5) * 2;
}
