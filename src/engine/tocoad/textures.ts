import type { RgbImage } from '../image/types';
import type { FloatImage } from './float-image';
import { resizeFloat, toFloat } from './float-image';
import { fractalNoise } from './perlin';
import { deriveSeed, Rng } from './rng';

/**
 * Anomaly source textures (the role DTD plays in DRAEM and ToCoAD): procedural textures made here, so nothing has to
 * be downloaded, plus any images the user supplies. Each draw is colour-augmented (DRAEM applies three random
 * augmenters to its source image); the result fills a Perlin-shaped region of the training image.
 */
export const PROCEDURAL_TEXTURES = ['fractal', 'stripes', 'checker', 'cells', 'speckle', 'scratches'] as const;
export type ProceduralTexture = (typeof PROCEDURAL_TEXTURES)[number];

function randomColour(rng: Rng): [number, number, number] {
  return [rng.uniform(0, 255), rng.uniform(0, 255), rng.uniform(0, 255)];
}

function paint(size: number, value: (x: number, y: number) => number, c0: number[], c1: number[]): FloatImage {
  const data = new Float32Array(size * size * 3);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const t = value(x, y);
      const o = (y * size + x) * 3;
      for (let k = 0; k < 3; k++) data[o + k] = c0[k] + t * (c1[k] - c0[k]);
    }
  }
  return { width: size, height: size, data };
}

/** One procedural texture, size x size, deterministic in `seed`. */
export function proceduralTexture(kind: ProceduralTexture, size: number, seed: number): FloatImage {
  const rng = new Rng(seed);
  const c0 = randomColour(rng);
  const c1 = randomColour(rng);
  switch (kind) {
    case 'fractal': {
      const n = fractalNoise(size, size, 2 ** rng.int(1, 4), rng.int(2, 5), deriveSeed(seed, 1), rng.uniform(0, Math.PI));
      const c2 = randomColour(rng);
      // A three-colour ramp.
      const data = new Float32Array(size * size * 3);
      for (let i = 0; i < n.length; i++) {
        const t = n[i];
        const [a, b, u] = t < 0.5 ? [c0, c1, t * 2] : [c1, c2, t * 2 - 1];
        for (let k = 0; k < 3; k++) data[i * 3 + k] = a[k] + u * (b[k] - a[k]);
      }
      return { width: size, height: size, data };
    }
    case 'stripes': {
      const period = rng.uniform(4, size / 3);
      const theta = rng.uniform(0, Math.PI);
      const sharp = rng.bool();
      const [ct, st] = [Math.cos(theta), Math.sin(theta)];
      return paint(size, (x, y) => {
        const s = 0.5 + 0.5 * Math.sin((2 * Math.PI * (x * ct + y * st)) / period);
        return sharp ? (s > 0.5 ? 1 : 0) : s;
      }, c0, c1);
    }
    case 'checker': {
      const cell = rng.uniform(4, size / 4);
      const theta = rng.uniform(0, Math.PI / 2);
      const [ct, st] = [Math.cos(theta), Math.sin(theta)];
      return paint(size, (x, y) => (Math.floor((x * ct + y * st) / cell) + Math.floor((-x * st + y * ct) / cell)) & 1, c0, c1);
    }
    case 'cells': {
      const count = rng.int(8, 64);
      const pts = Array.from({ length: count }, () => [rng.uniform(0, size), rng.uniform(0, size), rng.next()]);
      return paint(size, (x, y) => {
        let best = Infinity;
        let second = Infinity;
        let t = 0;
        for (const [px, py, v] of pts) {
          const d = (px - x) ** 2 + (py - y) ** 2;
          if (d < best) {
            second = best;
            best = d;
            t = v;
          } else if (d < second) second = d;
        }
        // Dark seams where two cells meet.
        return Math.sqrt(second) - Math.sqrt(best) < 1.5 ? 0 : t;
      }, c0, c1);
    }
    case 'speckle': {
      const density = rng.uniform(0.05, 0.5);
      const noise = new Rng(deriveSeed(seed, 2));
      return paint(size, () => (noise.next() < density ? noise.next() : 0), c0, c1);
    }
    case 'scratches': {
      const img = paint(size, () => 0, c0, c1);
      const lines = rng.int(3, 20);
      for (let l = 0; l < lines; l++) {
        let x = rng.uniform(0, size);
        let y = rng.uniform(0, size);
        let dir = rng.uniform(0, 2 * Math.PI);
        const len = rng.uniform(size / 8, size);
        const width = rng.uniform(0.5, 3);
        for (let s = 0; s < len; s++) {
          dir += rng.uniform(-0.1, 0.1);
          x += Math.cos(dir);
          y += Math.sin(dir);
          for (let dy = -Math.ceil(width); dy <= Math.ceil(width); dy++) {
            for (let dx = -Math.ceil(width); dx <= Math.ceil(width); dx++) {
              const px = Math.round(x + dx);
              const py = Math.round(y + dy);
              if (px < 0 || py < 0 || px >= size || py >= size || dx * dx + dy * dy > width * width) continue;
              img.data.set(c1, (py * size + px) * 3);
            }
          }
        }
      }
      return img;
    }
  }
}

/** DRAEM-style colour augmentation of a source texture: up to three of invert, solarize, posterize, gamma, contrast, channel shuffle. */
export function augmentTexture(img: FloatImage, rng: Rng): FloatImage {
  const d = img.data;
  const ops = rng.shuffle([0, 1, 2, 3, 4, 5]).slice(0, rng.int(0, 4));
  for (const op of ops) {
    switch (op) {
      case 0:
        for (let i = 0; i < d.length; i++) d[i] = 255 - d[i];
        break;
      case 1: {
        const t = rng.uniform(32, 224);
        for (let i = 0; i < d.length; i++) if (d[i] >= t) d[i] = 255 - d[i];
        break;
      }
      case 2: {
        const levels = 2 ** rng.int(1, 5);
        const step = 256 / levels;
        for (let i = 0; i < d.length; i++) d[i] = Math.floor(Math.max(0, Math.min(255, d[i])) / step) * step;
        break;
      }
      case 3: {
        const g = rng.uniform(0.5, 2);
        for (let i = 0; i < d.length; i++) d[i] = 255 * Math.pow(Math.max(0, Math.min(255, d[i])) / 255, g);
        break;
      }
      case 4: {
        const c = rng.uniform(0.5, 1.5);
        const b = rng.uniform(-50, 50);
        for (let i = 0; i < d.length; i++) d[i] = (d[i] - 128) * c + 128 + b;
        break;
      }
      case 5: {
        const perm = rng.shuffle([0, 1, 2]);
        for (let i = 0; i < d.length; i += 3) {
          const px = [d[i], d[i + 1], d[i + 2]];
          d[i] = px[perm[0]];
          d[i + 1] = px[perm[1]];
          d[i + 2] = px[perm[2]];
        }
        break;
      }
    }
  }
  return img;
}

/** Where anomaly textures come from: the procedural kinds and any user images (resized once to the training size). */
export class TextureBank {
  private readonly user: FloatImage[];

  constructor(
    readonly size: number,
    userImages: RgbImage[] = [],
    readonly kinds: readonly ProceduralTexture[] = PROCEDURAL_TEXTURES,
    /** Chance of drawing a user image when there are any. */
    readonly userProbability = 0.5,
  ) {
    this.user = userImages.map((im) => resizeFloat(toFloat(im), size, size));
  }

  get userCount(): number {
    return this.user.length;
  }

  /** A fresh, augmented texture. */
  draw(rng: Rng): FloatImage {
    let img: FloatImage;
    if (this.user.length && (this.kinds.length === 0 || rng.bool(this.userProbability))) {
      const src = rng.pick(this.user);
      img = { ...src, data: src.data.slice() };
    } else {
      img = proceduralTexture(rng.pick(this.kinds), this.size, rng.int(0, 2 ** 31));
    }
    return augmentTexture(img, rng);
  }
}
