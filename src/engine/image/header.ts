/**
 * Image size from the first bytes of a file, without decoding it, so that oversized images are refused
 * before a decoder allocates their pixels. Knows PNG, JPEG, GIF, BMP and WebP; other formats give null.
 */
export const MAX_MEGAPIXELS = 50;

export type ImageKind = 'png' | 'jpeg' | 'gif' | 'bmp' | 'webp' | 'tiff' | 'unknown';

const ascii = (b: Uint8Array, at: number, s: string) => b.length >= at + s.length && [...s].every((c, i) => b[at + i] === c.charCodeAt(0));

export function sniffImageKind(b: Uint8Array): ImageKind {
  if (b.length >= 8 && b[0] === 0x89 && ascii(b, 1, 'PNG')) return 'png';
  if (b.length >= 3 && b[0] === 0xff && b[1] === 0xd8 && b[2] === 0xff) return 'jpeg';
  if (ascii(b, 0, 'GIF8')) return 'gif';
  if (ascii(b, 0, 'BM')) return 'bmp';
  if (ascii(b, 0, 'RIFF') && ascii(b, 8, 'WEBP')) return 'webp';
  if (ascii(b, 0, 'II*\0') || ascii(b, 0, 'MM\0*')) return 'tiff';
  return 'unknown';
}

export function imageSize(b: Uint8Array): { width: number; height: number } | null {
  const v = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const kind = sniffImageKind(b);
  try {
    switch (kind) {
      case 'png':
        return ascii(b, 12, 'IHDR') ? { width: v.getUint32(16), height: v.getUint32(20) } : null;
      case 'gif':
        return { width: v.getUint16(6, true), height: v.getUint16(8, true) };
      case 'bmp':
        return { width: Math.abs(v.getInt32(18, true)), height: Math.abs(v.getInt32(22, true)) };
      case 'webp': {
        if (ascii(b, 12, 'VP8X')) return { width: 1 + (b[24] | (b[25] << 8) | (b[26] << 16)), height: 1 + (b[27] | (b[28] << 8) | (b[29] << 16)) };
        if (ascii(b, 12, 'VP8L')) {
          const bits = v.getUint32(21, true);
          return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
        }
        if (ascii(b, 12, 'VP8 ')) return { width: v.getUint16(26, true) & 0x3fff, height: v.getUint16(28, true) & 0x3fff };
        return null;
      }
      case 'jpeg': {
        let o = 2;
        while (o + 9 < b.length) {
          if (b[o] !== 0xff) return null;
          const marker = b[o + 1];
          if (marker === 0xff) {
            o++;
            continue;
          }
          const isSof = marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
          if (isSof) return { width: v.getUint16(o + 7), height: v.getUint16(o + 5) };
          if (marker === 0xd9 || marker === 0xda) return null;
          o += 2 + v.getUint16(o + 2);
        }
        return null;
      }
      default:
        return null;
    }
  } catch {
    return null;
  }
}

/** Throws a message naming the file when the image is over the megapixel limit. */
export function checkMegapixels(name: string, width: number, height: number): void {
  if (!(width > 0 && height > 0)) throw new Error(`${name}: invalid image size ${width}x${height}`);
  const mp = (width * height) / 1e6;
  if (mp > MAX_MEGAPIXELS) throw new Error(`${name}: ${width}x${height} is ${mp.toFixed(1)} megapixels; the limit is ${MAX_MEGAPIXELS}`);
}
