import type { FloatImage } from './float-image';
import { resizeFloat } from './float-image';
import type { Rng } from './rng';

/**
 * SimSiam's view augmentation (Chen & He 2021, as torchvision does it): random resized crop, horizontal flip,
 * colour jitter (brightness, contrast, saturation, hue in random order) with probability 0.8, greyscale with
 * probability 0.2. Gaussian blur is left out (CPU cost; SimSiam uses it at p = 0.5).
 */
export interface ViewOptions {
  scale: [number, number];
  ratio: [number, number];
  flip: boolean;
  jitterProbability: number;
  brightness: number;
  contrast: number;
  saturation: number;
  hue: number;
  greyProbability: number;
}

export const DEFAULT_VIEWS: ViewOptions = {
  scale: [0.2, 1],
  ratio: [3 / 4, 4 / 3],
  flip: true,
  jitterProbability: 0.8,
  brightness: 0.4,
  contrast: 0.4,
  saturation: 0.4,
  hue: 0.1,
  greyProbability: 0.2,
};

/** torchvision's RandomResizedCrop.get_params. */
export function randomCropBox(w: number, h: number, rng: Rng, scale: [number, number], ratio: [number, number]): { x: number; y: number; w: number; h: number } {
  const area = w * h;
  const logRatio = [Math.log(ratio[0]), Math.log(ratio[1])];
  for (let i = 0; i < 10; i++) {
    const target = area * rng.uniform(scale[0], scale[1]);
    const r = Math.exp(rng.uniform(logRatio[0], logRatio[1]));
    const cw = Math.round(Math.sqrt(target * r));
    const ch = Math.round(Math.sqrt(target / r));
    if (cw > 0 && ch > 0 && cw <= w && ch <= h) return { x: rng.int(0, w - cw + 1), y: rng.int(0, h - ch + 1), w: cw, h: ch };
  }
  const r = w / h;
  let cw = w;
  let ch = h;
  if (r < ratio[0]) ch = Math.round(w / ratio[0]);
  else if (r > ratio[1]) cw = Math.round(h * ratio[1]);
  return { x: Math.floor((w - cw) / 2), y: Math.floor((h - ch) / 2), w: cw, h: ch };
}

const luma = (r: number, g: number, b: number) => 0.299 * r + 0.587 * g + 0.114 * b;

function clampAll(d: Float32Array): void {
  for (let i = 0; i < d.length; i++) d[i] = d[i] < 0 ? 0 : d[i] > 255 ? 255 : d[i];
}

function shiftHue(d: Float32Array, shift: number): void {
  for (let i = 0; i < d.length; i += 3) {
    const r = d[i] / 255;
    const g = d[i + 1] / 255;
    const b = d[i + 2] / 255;
    const max = Math.max(r, g, b);
    const min = Math.min(r, g, b);
    const c = max - min;
    if (c === 0) continue;
    let hue = max === r ? ((g - b) / c) % 6 : max === g ? (b - r) / c + 2 : (r - g) / c + 4;
    hue = (((hue / 6 + shift) % 1) + 1) % 1;
    const s = c / max;
    const v = max;
    const h6 = hue * 6;
    const f = h6 - Math.floor(h6);
    const p = v * (1 - s);
    const q = v * (1 - s * f);
    const t = v * (1 - s * (1 - f));
    const [rr, gg, bb] = [[v, t, p], [q, v, p], [p, v, t], [p, q, v], [t, p, v], [v, p, q]][Math.floor(h6) % 6];
    d[i] = rr * 255;
    d[i + 1] = gg * 255;
    d[i + 2] = bb * 255;
  }
}

/** Colour jitter as torchvision's ColorJitter: the four adjustments in a random order, each clamped to [0, 255]. */
export function colourJitter(img: FloatImage, rng: Rng, o: Pick<ViewOptions, 'brightness' | 'contrast' | 'saturation' | 'hue'>): void {
  const d = img.data;
  for (const op of rng.shuffle([0, 1, 2, 3])) {
    if (op === 0 && o.brightness > 0) {
      const f = rng.uniform(1 - o.brightness, 1 + o.brightness);
      for (let i = 0; i < d.length; i++) d[i] *= f;
    } else if (op === 1 && o.contrast > 0) {
      const f = rng.uniform(1 - o.contrast, 1 + o.contrast);
      let mean = 0;
      for (let i = 0; i < d.length; i += 3) mean += luma(d[i], d[i + 1], d[i + 2]);
      mean /= d.length / 3;
      for (let i = 0; i < d.length; i++) d[i] = (d[i] - mean) * f + mean;
    } else if (op === 2 && o.saturation > 0) {
      const f = rng.uniform(1 - o.saturation, 1 + o.saturation);
      for (let i = 0; i < d.length; i += 3) {
        const l = luma(d[i], d[i + 1], d[i + 2]);
        for (let k = 0; k < 3; k++) d[i + k] = (d[i + k] - l) * f + l;
      }
    } else if (op === 3 && o.hue > 0) {
      shiftHue(d, rng.uniform(-o.hue, o.hue));
    }
    clampAll(d);
  }
}

export function toGrey(img: FloatImage): void {
  const d = img.data;
  for (let i = 0; i < d.length; i += 3) {
    const l = luma(d[i], d[i + 1], d[i + 2]);
    d[i] = d[i + 1] = d[i + 2] = l;
  }
}

export function flipHorizontal(img: FloatImage): FloatImage {
  const { width: w, height: h, data } = img;
  const out = new Float32Array(data.length);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) out.set(data.subarray((y * w + x) * 3, (y * w + x) * 3 + 3), (y * w + (w - 1 - x)) * 3);
  return { width: w, height: h, data: out };
}

/** One augmented view of `img` at size x size. */
export function randomView(img: FloatImage, size: number, rng: Rng, o: ViewOptions = DEFAULT_VIEWS): FloatImage {
  const box = randomCropBox(img.width, img.height, rng, o.scale, o.ratio);
  let view = resizeFloat(img, size, size, box);
  if (o.flip && rng.bool()) view = flipHorizontal(view);
  if (rng.bool(o.jitterProbability)) colourJitter(view, rng, o);
  if (rng.bool(o.greyProbability)) toGrey(view);
  return view;
}
