import type { FloatImage } from './float-image';
import { clamp255, rotateImage, sampleBilinear } from './float-image';
import { coverage, perlinNoise, thresholdMask } from './perlin';
import type { Rng } from './rng';
import type { TextureBank } from './textures';

/**
 * The anomaly generator G (paper §3.1, Fig. 3). The normal image is rotated (a random multiple of 90 degrees and a
 * slight random angle) to I_R; then either
 *  - `perlin`: Perlin noise at random lattice scales (2^a x 2^b cells, a, b in [minScale, maxScale)), randomly
 *    rotated and thresholded, shapes a region that is filled with an augmented texture A blended into I_R:
 *    I_G = I_R (1 - P) + P (beta I_R + (1 - beta) A), beta ~ U(betaRange) (DRAEM's blending), or
 *  - `cutpaste`: a rectangle (area 2-15 %, aspect 0.3-3.3) or a thin rotated "scar" cut from I_R, colour-jittered and
 *    pasted elsewhere (Li et al., CutPaste).
 * With probability `normalProbability` no anomaly is added (mask all zero), as DRAEM does, so D also sees I_R intact.
 * Everything is drawn from the given Rng: the same seed gives the same sample.
 */
export type GeneratorKind = 'perlin' | 'cutpaste';

export interface GeneratorOptions {
  kind: GeneratorKind;
  normalProbability: number;
  /** Largest slight rotation of the base image, degrees (uniform in [-max, max]). */
  maxAngleDeg: number;
  /** Also rotate by a random multiple of 90 degrees. */
  quarterTurns: boolean;
  /** Lattice scale exponents: cells = 2^k, k uniform integer in [minScale, maxScale). */
  minScale: number;
  maxScale: number;
  threshold: number;
  betaRange: [number, number];
  /** Perlin masks covering less than this fraction are redrawn (up to 10 tries). */
  minCoverage: number;
}

export const DEFAULT_GENERATOR: GeneratorOptions = {
  kind: 'perlin',
  normalProbability: 0.25,
  maxAngleDeg: 10,
  quarterTurns: true,
  minScale: 0,
  maxScale: 6,
  threshold: 0.5,
  betaRange: [0, 0.8],
  minCoverage: 0.005,
};

export interface SyntheticSample {
  image: FloatImage;
  /** 1 = synthetic anomaly, row-major width x height. */
  mask: Uint8Array;
  anomalous: boolean;
}

/** I_R (1 - m) + m (beta I_R + (1 - beta) A), in place on a copy of `base`. */
export function blendTexture(base: FloatImage, texture: FloatImage, mask: Uint8Array, beta: number): FloatImage {
  const out = base.data.slice();
  const t = texture.data;
  for (let p = 0; p < mask.length; p++) {
    if (!mask[p]) continue;
    for (let k = 0; k < 3; k++) out[p * 3 + k] = beta * out[p * 3 + k] + (1 - beta) * t[p * 3 + k];
  }
  return clamp255({ width: base.width, height: base.height, data: out });
}

export function perlinMask(width: number, height: number, rng: Rng, o: Pick<GeneratorOptions, 'minScale' | 'maxScale' | 'threshold' | 'minCoverage'>): Uint8Array {
  let mask: Uint8Array = new Uint8Array(width * height);
  for (let attempt = 0; attempt < 10; attempt++) {
    const noise = perlinNoise({
      width,
      height,
      resX: 2 ** rng.int(o.minScale, o.maxScale),
      resY: 2 ** rng.int(o.minScale, o.maxScale),
      seed: rng.int(0, 2 ** 31),
      angle: rng.uniform(-Math.PI / 2, Math.PI / 2),
    });
    mask = thresholdMask(noise, o.threshold);
    if (coverage(mask) >= o.minCoverage) break;
  }
  return mask;
}

function jitterPatch(rng: Rng): (v: number, k: number) => number {
  const gain = [0, 1, 2].map(() => rng.uniform(0.9, 1.1));
  const shift = rng.uniform(-0.1, 0.1) * 255;
  const contrast = rng.uniform(0.9, 1.1);
  return (v, k) => (v * gain[k] - 128) * contrast + 128 + shift;
}

/** CutPaste / CutPaste-scar on a copy of `base`. */
export function cutPaste(base: FloatImage, rng: Rng): { image: FloatImage; mask: Uint8Array } {
  const { width: w, height: h } = base;
  const out = base.data.slice();
  const mask = new Uint8Array(w * h);
  const jitter = jitterPatch(rng);
  const px = new Float32Array(3);
  const scar = rng.bool();
  let pw: number;
  let ph: number;
  let angle = 0;
  if (scar) {
    const s = Math.min(w, h) / 256;
    pw = Math.max(2, Math.round(rng.uniform(2, 16) * s));
    ph = Math.max(4, Math.round(rng.uniform(10, 25) * s));
    angle = rng.uniform(-Math.PI / 4, Math.PI / 4);
  } else {
    const area = rng.uniform(0.02, 0.15) * w * h;
    const aspect = Math.exp(rng.uniform(Math.log(0.3), Math.log(3.3)));
    pw = Math.max(2, Math.min(w - 1, Math.round(Math.sqrt(area * aspect))));
    ph = Math.max(2, Math.min(h - 1, Math.round(Math.sqrt(area / aspect))));
  }
  // Bounding half-extent of the (possibly rotated) patch.
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const ex = Math.ceil((Math.abs(cos) * pw + Math.abs(sin) * ph) / 2);
  const ey = Math.ceil((Math.abs(sin) * pw + Math.abs(cos) * ph) / 2);
  const sx = rng.uniform(ex, Math.max(ex, w - 1 - ex));
  const sy = rng.uniform(ey, Math.max(ey, h - 1 - ey));
  const dx = rng.uniform(ex, Math.max(ex, w - 1 - ex));
  const dy = rng.uniform(ey, Math.max(ey, h - 1 - ey));
  for (let y = Math.max(0, Math.floor(dy - ey)); y <= Math.min(h - 1, Math.ceil(dy + ey)); y++) {
    for (let x = Math.max(0, Math.floor(dx - ex)); x <= Math.min(w - 1, Math.ceil(dx + ex)); x++) {
      const u = cos * (x - dx) + sin * (y - dy);
      const v = -sin * (x - dx) + cos * (y - dy);
      if (Math.abs(u) > pw / 2 || Math.abs(v) > ph / 2) continue;
      sampleBilinear(base, sx + (x - dx), sy + (y - dy), px, 0, 'clamp');
      const p = y * w + x;
      for (let k = 0; k < 3; k++) out[p * 3 + k] = jitter(px[k], k);
      mask[p] = 1;
    }
  }
  return { image: clamp255({ width: w, height: h, data: out }), mask };
}

/** One synthetic sample I_G with its mask y_G from a normal image. */
export function generateAnomaly(base: FloatImage, rng: Rng, textures: TextureBank, o: GeneratorOptions = DEFAULT_GENERATOR): SyntheticSample {
  const turns = o.quarterTurns ? rng.int(0, 4) : 0;
  const angle = (rng.uniform(-o.maxAngleDeg, o.maxAngleDeg) * Math.PI) / 180;
  const rotated = rotateImage(base, turns, angle);
  const { width: w, height: h } = rotated;
  if (rng.bool(o.normalProbability)) return { image: rotated, mask: new Uint8Array(w * h), anomalous: false };
  if (o.kind === 'cutpaste') {
    const { image, mask } = cutPaste(rotated, rng);
    return { image, mask, anomalous: true };
  }
  const mask = perlinMask(w, h, rng, o);
  const texture = textures.draw(rng);
  const beta = rng.uniform(o.betaRange[0], o.betaRange[1]);
  return { image: blendTexture(rotated, texture, mask, beta), mask, anomalous: coverage(mask) > 0 };
}
