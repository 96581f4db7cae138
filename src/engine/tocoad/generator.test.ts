import { describe, expect, it } from 'vitest';
import { DEFAULT_VIEWS, randomCropBox, randomView } from './augment';
import type { FloatImage } from './float-image';
import { rotate90, rotateImage } from './float-image';
import { blendTexture, cutPaste, DEFAULT_GENERATOR, generateAnomaly, perlinMask } from './generator';
import { coverage, fractalNoise, perlinNoise, thresholdMask } from './perlin';
import { deriveSeed, Rng } from './rng';
import { PROCEDURAL_TEXTURES, proceduralTexture, TextureBank } from './textures';

function testImage(size: number, seed = 1): FloatImage {
  const rng = new Rng(seed);
  const data = new Float32Array(size * size * 3);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++) for (let k = 0; k < 3; k++) data[(y * size + x) * 3 + k] = Math.floor(x * 3 + y * 2 + k * 40 + rng.uniform(0, 20)) % 256;
  return { width: size, height: size, data };
}

const same = (a: ArrayLike<number>, b: ArrayLike<number>) => a.length === b.length && Array.prototype.every.call(a, (v: number, i: number) => v === b[i]);

describe('Perlin noise and masks', () => {
  it('is deterministic per seed and differs between seeds', () => {
    const a = perlinNoise({ width: 32, height: 24, resX: 4, resY: 2, seed: 7 });
    const b = perlinNoise({ width: 32, height: 24, resX: 4, resY: 2, seed: 7 });
    const c = perlinNoise({ width: 32, height: 24, resX: 4, resY: 2, seed: 8 });
    expect(same(a, b)).toBe(true);
    expect(same(a, c)).toBe(false);
    const max = Math.max(...a.map(Math.abs));
    expect(max).toBeGreaterThan(0.1);
    expect(max).toBeLessThanOrEqual(Math.SQRT2 + 1e-6);
  });

  it('is zero on the lattice points (gradient noise) when not rotated', () => {
    const n = perlinNoise({ width: 32, height: 32, resX: 4, resY: 4, seed: 3 });
    for (const y of [0, 8, 16, 24]) for (const x of [0, 8, 16, 24]) expect(Math.abs(n[y * 32 + x])).toBeLessThan(1e-6);
  });

  it('thresholded coverage is exactly the share of values above the threshold, and falls as the threshold rises', () => {
    const n = perlinNoise({ width: 64, height: 64, resX: 8, resY: 8, seed: 11 });
    let prev = 1;
    for (const t of [-0.5, 0, 0.25, 0.5, 0.75]) {
      const m = thresholdMask(n, t);
      expect(coverage(m)).toBeCloseTo(n.filter((v) => v > t).length / n.length, 12);
      expect(coverage(m)).toBeLessThanOrEqual(prev);
      prev = coverage(m);
    }
  });

  it('generator masks are binary, non-empty and cover a plausible share of the image', () => {
    const covers: number[] = [];
    for (let s = 0; s < 60; s++) {
      const m = perlinMask(64, 64, new Rng(deriveSeed(5, s)), DEFAULT_GENERATOR);
      expect(m.every((v) => v === 0 || v === 1)).toBe(true);
      covers.push(coverage(m));
    }
    // DRAEM's recipe (threshold 0.5 on noise of 1..32 cells): blobs from a few pixels to a good part of the image.
    expect(covers.filter((c) => c >= DEFAULT_GENERATOR.minCoverage).length).toBeGreaterThanOrEqual(57);
    const mean = covers.reduce((a, b) => a + b, 0) / covers.length;
    expect(mean).toBeGreaterThan(0.03);
    expect(mean).toBeLessThan(0.35);
    expect(Math.max(...covers)).toBeLessThan(0.8);
  });

  it('fractal noise is normalised to [0, 1]', () => {
    const n = fractalNoise(32, 32, 2, 3, 9);
    expect(Math.min(...n)).toBe(0);
    expect(Math.max(...n)).toBe(1);
  });
});

describe('blending and the generator', () => {
  it('blendTexture keeps pixels outside the mask and mixes beta * I + (1 - beta) * A inside', () => {
    const base = testImage(16);
    const tex = testImage(16, 2);
    for (let i = 0; i < tex.data.length; i++) tex.data[i] = 255 - tex.data[i];
    const mask = Uint8Array.from({ length: 256 }, (_, i) => (i % 7 < 3 ? 1 : 0));
    for (const beta of [0, 0.3, 1]) {
      const out = blendTexture(base, tex, mask, beta);
      for (let p = 0; p < 256; p++)
        for (let k = 0; k < 3; k++) {
          const i = p * 3 + k;
          const want = mask[p] ? beta * base.data[i] + (1 - beta) * tex.data[i] : base.data[i];
          expect(out.data[i]).toBeCloseTo(want, 4);
        }
    }
  });

  it('is deterministic for a seed, and pixels outside the mask equal the (unrotated) base', () => {
    const base = testImage(48);
    const bank = new TextureBank(48);
    const o = { ...DEFAULT_GENERATOR, normalProbability: 0, quarterTurns: false, maxAngleDeg: 0 };
    const a = generateAnomaly(base, new Rng(42), bank, o);
    const b = generateAnomaly(base, new Rng(42), bank, o);
    const c = generateAnomaly(base, new Rng(43), bank, o);
    expect(same(a.image.data, b.image.data) && same(a.mask, b.mask)).toBe(true);
    expect(same(a.mask, c.mask)).toBe(false);
    expect(a.anomalous).toBe(true);
    let changedInside = 0;
    for (let p = 0; p < a.mask.length; p++) {
      const px = [0, 1, 2].map((k) => a.image.data[p * 3 + k]);
      const orig = [0, 1, 2].map((k) => base.data[p * 3 + k]);
      if (!a.mask[p]) expect(px).toEqual(orig);
      else if (px.some((v, k) => Math.abs(v - orig[k]) > 1)) changedInside++;
    }
    expect(changedInside).toBeGreaterThan(0);
  });

  it('with normalProbability 1 returns the rotated base and an empty mask', () => {
    const base = testImage(32);
    const s = generateAnomaly(base, new Rng(1), new TextureBank(32), { ...DEFAULT_GENERATOR, normalProbability: 1 });
    expect(s.anomalous).toBe(false);
    expect(coverage(s.mask)).toBe(0);
    expect(s.image.width).toBe(32);
  });

  it('CutPaste marks exactly the pasted pixels and leaves the rest', () => {
    const base = testImage(64);
    for (let seed = 0; seed < 10; seed++) {
      const { image, mask } = cutPaste(base, new Rng(seed));
      const c = coverage(mask);
      expect(c).toBeGreaterThan(0);
      expect(c).toBeLessThan(0.17);
      for (let p = 0; p < mask.length; p++) if (!mask[p]) for (let k = 0; k < 3; k++) expect(image.data[p * 3 + k]).toBe(base.data[p * 3 + k]);
    }
    const g = generateAnomaly(base, new Rng(3), new TextureBank(64), { ...DEFAULT_GENERATOR, kind: 'cutpaste', normalProbability: 0 });
    expect(coverage(g.mask)).toBeGreaterThan(0);
  });

  it('rotations: four quarter turns are the identity; one turn maps (x, y) to (h-1-y, x)', () => {
    const img: FloatImage = { width: 5, height: 3, data: Float32Array.from({ length: 45 }, (_, i) => i) };
    let r = img;
    for (let i = 0; i < 4; i++) r = rotate90(r);
    expect(same(r.data, img.data)).toBe(true);
    const one = rotateImage(img, 1, 0);
    expect([one.width, one.height]).toEqual([3, 5]);
    expect(one.data[(0 * 3 + 2) * 3]).toBe(img.data[0]); // (0,0) -> (x=2, y=0)
  });
});

describe('textures', () => {
  it.each(PROCEDURAL_TEXTURES)('%s is deterministic and varies', (kind) => {
    const a = proceduralTexture(kind, 32, 5);
    const b = proceduralTexture(kind, 32, 5);
    expect(same(a.data, b.data)).toBe(true);
    const min = Math.min(...a.data);
    const max = Math.max(...a.data);
    expect(max - min).toBeGreaterThan(1);
    expect(min).toBeGreaterThanOrEqual(0);
    expect(max).toBeLessThanOrEqual(255);
  });

  it('draws user images when given (resized to the training size)', () => {
    const user = { width: 10, height: 6, data: new Uint8Array(180).fill(77) };
    const bank = new TextureBank(16, [user], []);
    const t = bank.draw(new Rng(1));
    expect([t.width, t.height]).toEqual([16, 16]);
    expect(bank.userCount).toBe(1);
  });
});

describe('SimSiam views', () => {
  it('crop boxes stay inside the image with an area in the scale range', () => {
    for (let s = 0; s < 50; s++) {
      const b = randomCropBox(64, 48, new Rng(s), [0.2, 1], [3 / 4, 4 / 3]);
      expect(b.x).toBeGreaterThanOrEqual(0);
      expect(b.y).toBeGreaterThanOrEqual(0);
      expect(b.x + b.w).toBeLessThanOrEqual(64);
      expect(b.y + b.h).toBeLessThanOrEqual(48);
      expect((b.w * b.h) / (64 * 48)).toBeGreaterThan(0.18);
    }
  });

  it('views are deterministic per seed, sized, in range; greyscale gives equal channels', () => {
    const img = testImage(40);
    const a = randomView(img, 32, new Rng(9));
    const b = randomView(img, 32, new Rng(9));
    expect(same(a.data, b.data)).toBe(true);
    expect([a.width, a.height, a.data.length]).toEqual([32, 32, 32 * 32 * 3]);
    expect(Math.min(...a.data)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...a.data)).toBeLessThanOrEqual(255);
    const g = randomView(img, 16, new Rng(1), { ...DEFAULT_VIEWS, greyProbability: 1 });
    for (let i = 0; i < g.data.length; i += 3) expect(g.data[i]).toBe(g.data[i + 2]);
  });
});
