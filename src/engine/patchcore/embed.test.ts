import * as tf from '../tf';
import { initNodeBackend } from '../../node/tf-backend';
import { beforeAll, describe, expect, it } from 'vitest';
import { embedPatches } from './embed';
import { seededRandom } from './random';

/** PyTorch adaptive_avg_pool1d bins: bin i covers [floor(i*L/n), ceil((i+1)*L/n)). */
function adaptivePool(v: Float64Array, n: number): Float64Array {
  const L = v.length;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const a = Math.floor((i * L) / n), b = Math.ceil(((i + 1) * L) / n);
    let s = 0;
    for (let j = a; j < b; j++) s += v[j];
    out[i] = s / (b - a);
  }
  return out;
}

/** Unfolded 3x3 (zero padding) vector of C*9 values in (channel, row, column) order at (y, x). */
function unfoldAt(f: Float32Array, h: number, w: number, c: number, y: number, x: number): Float64Array {
  const v = new Float64Array(c * 9);
  for (let ch = 0; ch < c; ch++)
    for (let dy = 0; dy < 3; dy++)
      for (let dx = 0; dx < 3; dx++) {
        const yy = y + dy - 1, xx = x + dx - 1;
        v[ch * 9 + dy * 3 + dx] = yy < 0 || xx < 0 || yy >= h || xx >= w ? 0 : f[(yy * w + xx) * c + ch];
      }
  return v;
}

/** The reference recipe, literally: unfold, bilinear-resize components, pool each tap, pool the pair. */
function referenceEmbedding(f2: Float32Array, h2: number, c2: number, f3: Float32Array, h3: number, c3: number): Float64Array[] {
  const comps3: Float64Array[][] = [];
  for (let y = 0; y < h3; y++) for (let x = 0; x < h3; x++) (comps3[y] ??= [])[x] = unfoldAt(f3, h3, h3, c3, y, x);
  const out: Float64Array[] = [];
  const scale = h3 / h2;
  const src = (o: number) => Math.max(0, (o + 0.5) * scale - 0.5);
  for (let y = 0; y < h2; y++)
    for (let x = 0; x < h2; x++) {
      const sy = src(y), sx = src(x);
      const y0 = Math.min(Math.floor(sy), h3 - 1), x0 = Math.min(Math.floor(sx), h3 - 1);
      const y1 = Math.min(y0 + 1, h3 - 1), x1 = Math.min(x0 + 1, h3 - 1);
      const fy = sy - y0, fx = sx - x0;
      const v3 = new Float64Array(c3 * 9);
      for (let j = 0; j < v3.length; j++)
        v3[j] = (comps3[y0][x0][j] * (1 - fx) + comps3[y0][x1][j] * fx) * (1 - fy) + (comps3[y1][x0][j] * (1 - fx) + comps3[y1][x1][j] * fx) * fy;
      const p2 = adaptivePool(unfoldAt(f2, h2, h2, c2, y, x), 1024);
      const p3 = adaptivePool(v3, 1024);
      const both = new Float64Array(2048);
      both.set(p2, 0);
      both.set(p3, 1024);
      out.push(adaptivePool(both, 1024));
    }
  return out;
}

describe('embedPatches', () => {
  beforeAll(async () => {
    await initNodeBackend('cpu');
  });

  it('equals the reference unfold / interpolate / adaptive-pool recipe', () => {
    const random = seededRandom(3);
    const h2 = 6, h3 = 3, c2 = 512, c3 = 1024;
    const f2 = Float32Array.from({ length: h2 * h2 * c2 }, () => random() * 2 - 1);
    const f3 = Float32Array.from({ length: h3 * h3 * c3 }, () => random() * 2 - 1);
    const ours = tf.tidy(() => embedPatches([tf.tensor4d(f2, [1, h2, h2, c2]), tf.tensor4d(f3, [1, h3, h3, c3])]));
    expect(ours.shape).toEqual([h2 * h2, 1024]);
    const got = ours.arraySync();
    ours.dispose();
    const want = referenceEmbedding(f2, h2, c2, f3, h3, c3);
    let maxErr = 0;
    for (let p = 0; p < want.length; p++) for (let j = 0; j < 1024; j++) maxErr = Math.max(maxErr, Math.abs(got[p][j] - want[p][j]));
    expect(maxErr).toBeLessThan(1e-5);
  });

  it('refuses taps of unsupported width', () => {
    expect(() => embedPatches([tf.zeros([1, 4, 4, 100]) as tf.Tensor4D, tf.zeros([1, 2, 2, 1024]) as tf.Tensor4D])).toThrow(/512 or 1024/);
  });
});
