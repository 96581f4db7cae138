import { centerCrop, resizeBilinearPil, resizeNearestPil } from './resize';
import type { GrayImage, RgbImage } from './types';

/**
 * The model's input geometry, as torchvision's `Resize((resize, resize))` + `CenterCrop(crop)` on a PIL image:
 * bilinear (antialiased, Pillow-exact) resize to `resize` x `resize` ignoring the aspect ratio, then a centre crop.
 */
export function prepareImage(img: RgbImage, resize = 256, crop = 224): RgbImage {
  return centerCrop(resizeBilinearPil(img, resize, resize), crop);
}

/**
 * A ground-truth mask in the same geometry as {@link prepareImage}: nearest-neighbour resize (Pillow-exact), centre
 * crop, then binarised to 1 where the value is > 0 and 0 elsewhere (any non-zero mask value counts as defect; MVTec
 * masks are 0/255). Returns `crop * crop` values, row-major.
 */
export function prepareMask(mask: GrayImage, resize = 256, crop = 224): Uint8Array {
  const cropped = centerCrop(resizeNearestPil(mask, resize, resize), crop).data;
  const out = new Uint8Array(cropped.length);
  for (let i = 0; i < cropped.length; i++) out[i] = cropped[i] > 0 ? 1 : 0;
  return out;
}
