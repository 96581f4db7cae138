/**
 * Anomaly map from a grid of patch scores: bilinear upsampling (PyTorch's align_corners=False) to
 * the input size, then a Gaussian blur (sigma 4) exactly as scipy.ndimage.gaussian_filter does it
 * (kernel radius int(4 * sigma + 0.5), 'reflect' borders). Plain arrays: it runs on the host.
 */
export function upsampleBilinear(src: Float32Array, h: number, w: number, outH: number, outW: number): Float32Array {
  const out = new Float32Array(outH * outW);
  const sy = h / outH, sx = w / outW;
  const axis = (o: number, scale: number, size: number) => {
    const s = Math.max(0, (o + 0.5) * scale - 0.5);
    const i0 = Math.min(Math.floor(s), size - 1);
    const i1 = Math.min(i0 + 1, size - 1);
    return [i0, i1, s - i0] as const;
  };
  const xs = Array.from({ length: outW }, (_, x) => axis(x, sx, w));
  for (let y = 0; y < outH; y++) {
    const [y0, y1, fy] = axis(y, sy, h);
    for (let x = 0; x < outW; x++) {
      const [x0, x1, fx] = xs[x];
      const top = src[y0 * w + x0] * (1 - fx) + src[y0 * w + x1] * fx;
      const bottom = src[y1 * w + x0] * (1 - fx) + src[y1 * w + x1] * fx;
      out[y * outW + x] = top * (1 - fy) + bottom * fy;
    }
  }
  return out;
}

export function gaussianKernel(sigma: number, truncate = 4): Float64Array {
  const radius = Math.floor(truncate * sigma + 0.5);
  const k = new Float64Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) sum += k[i + radius] = Math.exp((-0.5 * i * i) / (sigma * sigma));
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  return k;
}

/** scipy 'reflect' (half-sample symmetric): d c b a | a b c d | d c b a. */
function reflectIndex(i: number, n: number): number {
  const period = 2 * n;
  let j = ((i % period) + period) % period;
  if (j >= n) j = period - 1 - j;
  return j;
}

export function gaussianBlur(src: Float32Array, h: number, w: number, sigma: number): Float32Array {
  const k = gaussianKernel(sigma);
  const r = (k.length - 1) / 2;
  // Each line is copied once with its reflected borders, so the taps need no index arithmetic (same sums, same order).
  const line = new Float64Array(Math.max(h, w) + 2 * r);
  const tmp = new Float64Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let i = -r; i < w + r; i++) line[i + r] = src[y * w + reflectIndex(i, w)];
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let t = 0; t < k.length; t++) s += k[t] * line[x + t];
      tmp[y * w + x] = s;
    }
  }
  const out = new Float32Array(h * w);
  for (let x = 0; x < w; x++) {
    for (let i = -r; i < h + r; i++) line[i + r] = tmp[reflectIndex(i, h) * w + x];
    for (let y = 0; y < h; y++) {
      let s = 0;
      for (let t = 0; t < k.length; t++) s += k[t] * line[y + t];
      out[y * w + x] = s;
    }
  }
  return out;
}

export function anomalyMap(patchScores: Float32Array, gridH: number, gridW: number, size: number, sigma = 4): Float32Array {
  return gaussianBlur(upsampleBilinear(patchScores, gridH, gridW, size, size), size, size, sigma);
}
