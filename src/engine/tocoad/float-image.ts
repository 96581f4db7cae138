import type { RgbImage } from '../image/types';

/** An RGB image as float32, channels interleaved, values on the 0-255 scale (may leave it before clamping). */
export interface FloatImage {
  width: number;
  height: number;
  data: Float32Array;
}

export function toFloat(img: RgbImage): FloatImage {
  return { width: img.width, height: img.height, data: Float32Array.from(img.data) };
}

export function clamp255(img: FloatImage): FloatImage {
  const d = img.data;
  for (let i = 0; i < d.length; i++) d[i] = d[i] < 0 ? 0 : d[i] > 255 ? 255 : d[i];
  return img;
}

export type Border = 'reflect' | 'clamp';

function reflect(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  i = Math.abs(i) % period;
  return i >= n ? period - i : i;
}

function index(i: number, n: number, border: Border): number {
  return border === 'clamp' ? (i < 0 ? 0 : i >= n ? n - 1 : i) : reflect(i, n);
}

/** Bilinear sample of channel-interleaved float data at (x, y) (pixel centres at integers) into out[o..o+c). */
export function sampleBilinear(src: FloatImage, x: number, y: number, out: Float32Array, o: number, border: Border = 'reflect'): void {
  const { width: w, height: h, data } = src;
  const x0 = Math.floor(x);
  const y0 = Math.floor(y);
  const fx = x - x0;
  const fy = y - y0;
  const xa = index(x0, w, border);
  const xb = index(x0 + 1, w, border);
  const ya = index(y0, h, border);
  const yb = index(y0 + 1, h, border);
  const a = (ya * w + xa) * 3;
  const b = (ya * w + xb) * 3;
  const c = (yb * w + xa) * 3;
  const d = (yb * w + xb) * 3;
  for (let k = 0; k < 3; k++) {
    const top = data[a + k] + fx * (data[b + k] - data[a + k]);
    const bottom = data[c + k] + fx * (data[d + k] - data[c + k]);
    out[o + k] = top + fy * (bottom - top);
  }
}

/**
 * Rotates by `quarterTurns` x 90 degrees (exact) and then by `angle` radians about the centre (bilinear, reflected
 * border so no black corners appear). Square images keep their size.
 */
export function rotateImage(img: FloatImage, quarterTurns: number, angle: number): FloatImage {
  let cur = img;
  const q = ((quarterTurns % 4) + 4) % 4;
  for (let t = 0; t < q; t++) cur = rotate90(cur);
  if (angle === 0) return cur === img ? { ...img, data: img.data.slice() } : cur;
  const { width: w, height: h } = cur;
  const out = new Float32Array(w * h * 3);
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const cx = (w - 1) / 2;
  const cy = (h - 1) / 2;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const dx = x - cx;
      const dy = y - cy;
      sampleBilinear(cur, cos * dx + sin * dy + cx, -sin * dx + cos * dy + cy, out, (y * w + x) * 3);
    }
  }
  return { width: w, height: h, data: out };
}

/** 90 degrees clockwise. */
export function rotate90(img: FloatImage): FloatImage {
  const { width: w, height: h, data } = img;
  const out = new Float32Array(data.length);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const s = (y * w + x) * 3;
      const d = (x * h + (h - 1 - y)) * 3;
      out[d] = data[s];
      out[d + 1] = data[s + 1];
      out[d + 2] = data[s + 2];
    }
  }
  return { width: h, height: w, data: out };
}

/** Bilinear resize (no antialiasing; for augmentation, not for the model's input geometry). */
export function resizeFloat(img: FloatImage, width: number, height: number, crop = { x: 0, y: 0, w: img.width, h: img.height }): FloatImage {
  const out = new Float32Array(width * height * 3);
  const sx = crop.w / width;
  const sy = crop.h / height;
  for (let y = 0; y < height; y++) {
    const srcY = crop.y + (y + 0.5) * sy - 0.5;
    for (let x = 0; x < width; x++) sampleBilinear(img, crop.x + (x + 0.5) * sx - 0.5, srcY, out, (y * width + x) * 3, 'clamp');
  }
  return { width, height, data: out };
}
