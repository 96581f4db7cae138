/**
 * What is wrong with a file that should be an image, from its bytes alone, before anything decodes it: empty, not
 * a picture format, TIFF (the browser cannot decode it), or over the megapixel limit. The worker refuses such
 * files before decoding, and the page names them as soon as they are dropped.
 */
import { imageSize, MAX_MEGAPIXELS, sniffImageKind } from './header';

/** The reason a file cannot be used as an image (without the file's name), or null when it looks usable. */
export function imageProblem(bytes: Uint8Array, where: 'browser' | 'node' = 'browser'): string | null {
  if (bytes.length === 0) return 'the file is empty';
  const kind = sniffImageKind(bytes);
  if (kind === 'unknown') return 'not a supported image (expected PNG, JPEG, BMP, WebP or GIF data)';
  if (kind === 'tiff' && where === 'browser') return 'TIFF images cannot be decoded in the browser; convert it to PNG (the CLI reads TIFF)';
  const size = imageSize(bytes);
  if (size && size.width * size.height > MAX_MEGAPIXELS * 1e6) {
    return `${size.width}x${size.height} is ${((size.width * size.height) / 1e6).toFixed(1)} megapixels; the limit is ${MAX_MEGAPIXELS}`;
  }
  return null;
}
