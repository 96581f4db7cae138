/**
 * The inspection log's thumbnails: 96 px JPEG blobs made on the page with createImageBitmap (resized by the browser)
 * and an OffscreenCanvas, from what the model saw (the RGB preview the worker returns, so the file is not decoded
 * again) or from a bitmap (a live frame). Where the browser has neither (tests in Node), there is no thumbnail.
 */
export const THUMB_SIZE = 96;
const QUALITY = 0.7;

const canMake = () => typeof OffscreenCanvas !== 'undefined' && typeof createImageBitmap !== 'undefined' && typeof ImageData !== 'undefined';

async function encode(bitmap: ImageBitmap): Promise<Blob> {
  try {
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    canvas.getContext('2d')!.drawImage(bitmap, 0, 0);
    return await canvas.convertToBlob({ type: 'image/jpeg', quality: QUALITY });
  } finally {
    bitmap.close();
  }
}

/** A thumbnail of an RGB image (size x size, 3 bytes a pixel); null where it cannot be made. */
export async function thumbnailFromRgb(rgb: Uint8Array, size: number): Promise<Blob | null> {
  if (!canMake() || rgb.length !== size * size * 3) return null;
  const rgba = new Uint8ClampedArray(size * size * 4);
  for (let i = 0, j = 0; i < rgb.length; i += 3, j += 4) {
    rgba[j] = rgb[i];
    rgba[j + 1] = rgb[i + 1];
    rgba[j + 2] = rgb[i + 2];
    rgba[j + 3] = 255;
  }
  const side = Math.min(THUMB_SIZE, size);
  return encode(await createImageBitmap(new ImageData(rgba, size, size), { resizeWidth: side, resizeHeight: side, resizeQuality: 'medium' }));
}

/** A small copy of a bitmap (aspect kept, THUMB_SIZE wide at most), to encode later with `thumbnailFromBitmap`. */
export async function shrinkBitmap(bitmap: ImageBitmap): Promise<ImageBitmap | null> {
  if (!canMake()) return null;
  const scale = Math.min(1, THUMB_SIZE / Math.max(bitmap.width, bitmap.height));
  return createImageBitmap(bitmap, { resizeWidth: Math.max(1, Math.round(bitmap.width * scale)), resizeHeight: Math.max(1, Math.round(bitmap.height * scale)), resizeQuality: 'medium' });
}

/** Encodes a (small) bitmap as the thumbnail, and closes it. */
export function thumbnailFromBitmap(bitmap: ImageBitmap): Promise<Blob> {
  return encode(bitmap);
}

/** A thumbnail of an image file (decoded by the browser); null where it cannot be made. */
export async function thumbnailFromFile(file: Blob): Promise<Blob | null> {
  if (!canMake()) return null;
  return encode(await createImageBitmap(file, { resizeWidth: THUMB_SIZE, resizeQuality: 'medium' }));
}
