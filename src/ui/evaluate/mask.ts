/**
 * A ground-truth mask in the picture an evaluation image is shown in: the folder's `<name>_mask.png` decoded by the
 * browser, its brightest channel per pixel (as the worker and the CLI read masks), brought into the model's geometry
 * by the engine's own rule (prepareMask: nearest resize and centre crop, binarised), then tinted and outlined in
 * magenta over the heatmap.
 */
import { prepareMask } from '../../engine/image/prepare';
import { contourSegments } from '../inspect/contour';

/** The brightest of R, G, B per pixel of RGBA data. */
export function rgbaToGray(rgba: ArrayLike<number>, width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height);
  for (let i = 0; i < out.length; i++) out[i] = Math.max(rgba[i * 4], rgba[i * 4 + 1], rgba[i * 4 + 2]);
  return out;
}

/** The mask file as `inputSize` x `inputSize` zeros and ones, in the same geometry as what the model saw. */
export async function readMask(file: Blob, resize: number, inputSize: number): Promise<Uint8Array> {
  const bitmap = await createImageBitmap(file, { colorSpaceConversion: 'none', premultiplyAlpha: 'none', imageOrientation: 'none' });
  try {
    const canvas = document.createElement('canvas');
    canvas.width = bitmap.width;
    canvas.height = bitmap.height;
    const ctx = canvas.getContext('2d')!;
    ctx.drawImage(bitmap, 0, 0);
    const rgba = ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
    return prepareMask({ width: bitmap.width, height: bitmap.height, data: rgbaToGray(rgba, bitmap.width, bitmap.height) }, resize, inputSize);
  } finally {
    bitmap.close();
  }
}

/** RGBA of a mask's tint: magenta at `alpha` where the mask is set, transparent elsewhere. */
export function maskTint(mask: ArrayLike<number>, alpha = 90): Uint8ClampedArray<ArrayBuffer> {
  const out = new Uint8ClampedArray(mask.length * 4);
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    out[i * 4] = 217;
    out[i * 4 + 1] = 70;
    out[i * 4 + 2] = 239;
    out[i * 4 + 3] = alpha;
  }
  return out;
}

/** Tints and outlines the mask (`size` x `size`) over what is drawn in `ctx`, at `scale`. */
export function drawMask(ctx: CanvasRenderingContext2D, mask: Uint8Array, size: number, scale: number): void {
  const tint = document.createElement('canvas');
  tint.width = tint.height = size;
  tint.getContext('2d')!.putImageData(new ImageData(maskTint(mask), size, size), 0, 0);
  ctx.imageSmoothingEnabled = false;
  ctx.drawImage(tint, 0, 0, size * scale, size * scale);
  const segs = contourSegments(mask, size, size, 0.5);
  if (!segs.length) return;
  ctx.beginPath();
  for (const [x0, y0, x1, y1] of segs) {
    ctx.moveTo(x0 * scale, y0 * scale);
    ctx.lineTo(x1 * scale, y1 * scale);
  }
  ctx.strokeStyle = '#d946ef';
  ctx.lineWidth = Math.max(1.5, scale * 0.8);
  ctx.stroke();
}
