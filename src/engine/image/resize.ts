// Bit-exact ports of Pillow's resize (libImaging/Resample.c and Geometry.c; checked against Pillow 9.4) and of
// torchvision's CenterCrop. All functions work on 8-bit grey or interleaved RGB rasters; the channel count is
// data.length / (width * height). (RGBA is refused: Pillow premultiplies alpha before resampling it.)
import type { GrayImage, RgbImage } from './types';

type Raster = RgbImage | GrayImage;

/** Pillow's fixed-point precision for 8-bit resampling: 32 bits - 8 bits of pixel - 2 bits of headroom. */
const PRECISION_BITS = 32 - 8 - 2;

function channelsOf(img: Raster): number {
  const { width, height, data } = img;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`invalid image size ${width}x${height}`);
  }
  const channels = data.length / (width * height);
  if (channels !== 1 && channels !== 3) {
    throw new RangeError(`image data has ${data.length} bytes, which is not 1 or 3 channels of ${width}x${height}`);
  }
  return channels;
}

function checkSize(width: number, height: number): void {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width <= 0 || height <= 0) {
    throw new RangeError(`invalid target size ${width}x${height}`);
  }
}

function copyOf<T extends Raster>(img: T): T {
  return { ...img, data: img.data.slice() };
}

/** Pillow's bilinear filter (support 1). */
function triangle(x: number): number {
  x = Math.abs(x);
  return x < 1 ? 1 - x : 0;
}

interface Coeffs {
  /** Taps per output sample (the stride of `kk`). */
  ksize: number;
  /** Per output sample: first input index, number of taps. */
  bounds: Int32Array;
  /** Fixed-point weights, `ksize` per output sample. */
  kk: Int32Array;
}

/** Pillow's precompute_coeffs + normalize_coeffs_8bpc for the box [0, inSize) and the bilinear filter. */
function precomputeCoeffs(inSize: number, outSize: number): Coeffs {
  const scale = inSize / outSize;
  const filterscale = Math.max(scale, 1); // antialiasing: widen the filter when downscaling
  const support = 1 * filterscale;
  const ksize = Math.ceil(support) * 2 + 1;
  const bounds = new Int32Array(outSize * 2);
  const kk = new Int32Array(outSize * ksize);
  const weights = new Float64Array(ksize);
  const ss = 1 / filterscale;
  for (let xx = 0; xx < outSize; xx++) {
    const center = (xx + 0.5) * scale;
    // C's (int) cast truncates toward zero.
    const xmin = Math.max(Math.trunc(center - support + 0.5), 0);
    const xmax = Math.min(Math.trunc(center + support + 0.5), inSize) - xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      weights[x] = triangle((x + xmin - center + 0.5) * ss);
      ww += weights[x];
    }
    for (let x = 0; x < xmax; x++) {
      const k = ww !== 0 ? weights[x] / ww : weights[x];
      kk[xx * ksize + x] = Math.trunc((k < 0 ? -0.5 : 0.5) + k * (1 << PRECISION_BITS));
    }
    bounds[xx * 2] = xmin;
    bounds[xx * 2 + 1] = xmax;
  }
  return { ksize, bounds, kk };
}

/** Pillow's clip8: drop the fraction (arithmetic shift, i.e. floor) and clamp to 0..255. */
function clip8(ss: number): number {
  const v = ss >> PRECISION_BITS;
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** ResampleHorizontal_8bpc over input rows [y0, y0 + rows). */
function resampleHorizontal(src: Uint8Array, inW: number, ch: number, y0: number, rows: number, outW: number, c: Coeffs): Uint8Array {
  const out = new Uint8Array(outW * rows * ch);
  const half = 1 << (PRECISION_BITS - 1);
  for (let y = 0; y < rows; y++) {
    const rowIn = (y + y0) * inW * ch;
    for (let xx = 0; xx < outW; xx++) {
      const xmin = c.bounds[xx * 2];
      const xmax = c.bounds[xx * 2 + 1];
      const k0 = xx * c.ksize;
      for (let b = 0; b < ch; b++) {
        let ss = half;
        for (let x = 0; x < xmax; x++) ss += src[rowIn + (x + xmin) * ch + b] * c.kk[k0 + x];
        out[(y * outW + xx) * ch + b] = clip8(ss);
      }
    }
  }
  return out;
}

/** ResampleVertical_8bpc. */
function resampleVertical(src: Uint8Array, w: number, ch: number, outH: number, c: Coeffs): Uint8Array {
  const out = new Uint8Array(w * outH * ch);
  const half = 1 << (PRECISION_BITS - 1);
  const rowLen = w * ch;
  for (let yy = 0; yy < outH; yy++) {
    const ymin = c.bounds[yy * 2];
    const ymax = c.bounds[yy * 2 + 1];
    const k0 = yy * c.ksize;
    for (let i = 0; i < rowLen; i++) {
      let ss = half;
      for (let y = 0; y < ymax; y++) ss += src[(y + ymin) * rowLen + i] * c.kk[k0 + y];
      out[yy * rowLen + i] = clip8(ss);
    }
  }
  return out;
}

/**
 * Pillow's `Image.resize((width, height), Image.BILINEAR)` for 8-bit images, bit-exact: a separable triangle
 * filter whose support grows with the downscale factor (antialiasing), weights normalised and rounded to 22-bit
 * fixed point, horizontal pass first (only over the rows the vertical pass reads), each pass rounded and clipped
 * to 0..255. Same size returns a copy, as Pillow does.
 */
export function resizeBilinearPil<T extends Raster>(img: T, width: number, height: number): T {
  const ch = channelsOf(img);
  checkSize(width, height);
  if (width === img.width && height === img.height) return copyOf(img);
  const needHorizontal = width !== img.width;
  const needVertical = height !== img.height;
  const vert = precomputeCoeffs(img.height, height);
  let data = img.data;
  if (needHorizontal) {
    // Resample only the input rows [first, last) that the vertical pass will read, then shift its bounds.
    const first = needVertical ? vert.bounds[0] : 0;
    const last = needVertical ? vert.bounds[height * 2 - 2] + vert.bounds[height * 2 - 1] : img.height;
    for (let i = 0; i < height; i++) vert.bounds[i * 2] -= first;
    data = resampleHorizontal(data, img.width, ch, first, last - first, width, precomputeCoeffs(img.width, width));
  }
  if (needVertical) data = resampleVertical(data, width, ch, height, vert);
  return { ...img, width, height, data };
}

/**
 * Pillow's `Image.resize((width, height), Image.NEAREST)`, bit-exact (ImagingScaleAffine): source coordinates are
 * accumulated in double precision from `scale / 2` in steps of `scale` and truncated.
 */
export function resizeNearestPil<T extends Raster>(img: T, width: number, height: number): T {
  const ch = channelsOf(img);
  checkSize(width, height);
  if (width === img.width && height === img.height) return copyOf(img);
  const ax = img.width / width;
  const ay = img.height / height;
  // Source column per output column; -1 (outside the image) leaves the pixel 0, as Pillow's fill does.
  const xin = new Int32Array(width);
  for (let x = 0, xo = ax * 0.5; x < width; x++, xo += ax) xin[x] = Math.trunc(xo) < img.width ? Math.trunc(xo) : -1;
  const out = new Uint8Array(width * height * ch);
  for (let y = 0, yo = ay * 0.5; y < height; y++, yo += ay) {
    const yi = Math.trunc(yo);
    if (yi >= img.height) continue;
    for (let x = 0; x < width; x++) {
      if (xin[x] < 0) continue;
      const s = (yi * img.width + xin[x]) * ch;
      const d = (y * width + x) * ch;
      for (let b = 0; b < ch; b++) out[d + b] = img.data[s + b];
    }
  }
  return { ...img, width, height, data: out };
}

/** Python's round(): halves go to the even neighbour. */
function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * torchvision's `CenterCrop(size)`: a size x size window at top = round((height - size) / 2) and
 * left = round((width - size) / 2), rounding halves to even as Python does. The crop must fit in the image
 * (torchvision would pad; that is not needed here).
 */
export function centerCrop<T extends Raster>(img: T, size: number): T {
  const ch = channelsOf(img);
  if (!Number.isInteger(size) || size <= 0 || size > img.width || size > img.height) {
    throw new RangeError(`cannot centre-crop ${size}x${size} from a ${img.width}x${img.height} image`);
  }
  const top = roundHalfEven((img.height - size) / 2);
  const left = roundHalfEven((img.width - size) / 2);
  const out = new Uint8Array(size * size * ch);
  for (let y = 0; y < size; y++) {
    const start = ((top + y) * img.width + left) * ch;
    out.set(img.data.subarray(start, start + size * ch), y * size * ch);
  }
  return { ...img, width: size, height: size, data: out };
}
