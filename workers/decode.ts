/**
 * Image decoding inside the worker: the browser's own decoders through createImageBitmap, pixels read
 * back from an OffscreenCanvas. Colour management, premultiplication and EXIF rotation are off so PNG and BMP
 * pixels come out as stored (the CLI's decoder, sharp/Pillow, does the same), alpha dropped.
 */
import type { RgbImage } from '../src/engine/image/types';
import type { ImageKind } from '../src/engine/image/header';
import { checkMegapixels, sniffImageKind } from '../src/engine/image/header';
import { imageProblem } from '../src/engine/image/check';
import type { FileBytes, FrameInput } from '../src/worker-bridge/protocol';

/** The checks made before decoding (empty, not an image, TIFF, over the megapixel limit), from the bytes alone. */
export function checkImageBytes(file: FileBytes): ImageKind {
  const bytes = new Uint8Array(file.bytes);
  const problem = imageProblem(bytes);
  if (problem) throw new Error(`${file.name}: ${problem}`);
  return sniffImageKind(bytes);
}

export async function decodeImageBytes(file: FileBytes): Promise<RgbImage> {
  const bytes = new Uint8Array(file.bytes);
  const kind = checkImageBytes(file);
  if (typeof createImageBitmap !== 'function' || typeof OffscreenCanvas === 'undefined') {
    throw new Error(`${file.name}: this browser cannot decode images in a worker (no createImageBitmap/OffscreenCanvas)`);
  }
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes]), { colorSpaceConversion: 'none', premultiplyAlpha: 'none', imageOrientation: 'none' });
  } catch (e) {
    throw new Error(`${file.name}: corrupt or unsupported ${kind.toUpperCase()} data (${(e as Error).message || 'the browser could not decode it'})`, { cause: e });
  }
  try {
    checkMegapixels(file.name, bitmap.width, bitmap.height);
    return rgbaToRgb(bitmapPixels(bitmap, file.name), bitmap.width, bitmap.height);
  } finally {
    bitmap.close();
  }
}

/** The RGBA pixels of a bitmap, drawn on an OffscreenCanvas. `where` names it in errors. */
function bitmapPixels(bitmap: ImageBitmap, where: string): Uint8ClampedArray {
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error(`${where}: no 2D canvas context in this worker`);
  ctx.drawImage(bitmap, 0, 0);
  return ctx.getImageData(0, 0, bitmap.width, bitmap.height).data;
}

/** Drops the alpha channel. */
function rgbaToRgb(rgba: Uint8ClampedArray | Uint8Array, width: number, height: number): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; i < data.length; i += 3, j += 4) {
    data[i] = rgba[j];
    data[i + 1] = rgba[j + 1];
    data[i + 2] = rgba[j + 2];
  }
  return { width, height, data };
}

/** A frame for 'score-frame' as RGB: an ImageBitmap (closed here) drawn on an OffscreenCanvas, or raw RGBA. */
export function decodeFrame(frame: FrameInput): RgbImage {
  let width: number, height: number, rgba: Uint8ClampedArray | Uint8Array;
  if (frame.kind === 'bitmap') {
    const bitmap = frame.bitmap;
    try {
      ({ width, height } = bitmap);
      if (!width || !height) throw new Error('the frame is empty (0 x 0)');
      rgba = bitmapPixels(bitmap, 'frame');
    } finally {
      bitmap.close();
    }
  } else {
    ({ width, height } = frame);
    rgba = new Uint8Array(frame.data);
    if (rgba.length !== width * height * 4) throw new Error(`the frame has ${rgba.length} bytes, expected ${width} x ${height} x 4`);
  }
  checkMegapixels('frame', width, height);
  return rgbaToRgb(rgba, width, height);
}
