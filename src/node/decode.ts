// Image decoding for the CLI and tests (Node only). The goal is Pillow's `Image.open(f).convert('RGB')`:
// alpha is dropped (not composited), greyscale becomes three equal channels, embedded ICC profiles and EXIF
// orientation are ignored. PNG, JPEG, WebP, GIF (first frame) and TIFF go through sharp/libvips; BMP through bmp-js.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import sharp, { type SharpOptions } from 'sharp';
import type { GrayImage, RgbImage } from '../engine/image/types';

/** Images with more pixels than this are refused before decoding. */
export const MAX_MEGAPIXELS = 50;
const MAX_PIXELS = MAX_MEGAPIXELS * 1_000_000;

/** A file that cannot be turned into an image; the message reads `"<file>: <problem>"`. */
export class ImageDecodeError extends Error {
  override name = 'ImageDecodeError';
  constructor(
    readonly file: string,
    readonly problem: string,
    options?: ErrorOptions,
  ) {
    super(`${file}: ${problem}`, options);
  }
}

/** What the first bytes of a file say it is. */
export type ImageFormat = 'png' | 'jpeg' | 'bmp' | 'webp' | 'gif' | 'tiff' | 'pdf' | 'unknown';

const LABELS: Record<ImageFormat, string> = {
  png: 'PNG', jpeg: 'JPEG', bmp: 'BMP', webp: 'WebP', gif: 'GIF', tiff: 'TIFF', pdf: 'PDF', unknown: 'unknown',
};

function hasBytes(bytes: Uint8Array, offset: number, expected: ArrayLike<number> | string): boolean {
  const want = typeof expected === 'string' ? Array.from(expected, (ch) => ch.charCodeAt(0)) : Array.from(expected);
  return bytes.length >= offset + want.length && want.every((b, i) => bytes[offset + i] === b);
}

/** The file format from its magic bytes (never from its name). */
export function sniffFormat(bytes: Uint8Array): ImageFormat {
  if (hasBytes(bytes, 0, [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return 'png';
  if (hasBytes(bytes, 0, [0xff, 0xd8, 0xff])) return 'jpeg';
  if (hasBytes(bytes, 0, 'BM')) return 'bmp';
  if (hasBytes(bytes, 0, 'RIFF') && hasBytes(bytes, 8, 'WEBP')) return 'webp';
  if (hasBytes(bytes, 0, 'GIF87a') || hasBytes(bytes, 0, 'GIF89a')) return 'gif';
  if (hasBytes(bytes, 0, [0x49, 0x49, 0x2a, 0x00]) || hasBytes(bytes, 0, [0x4d, 0x4d, 0x00, 0x2a])) return 'tiff';
  if (hasBytes(bytes, 0, [0x49, 0x49, 0x2b, 0x00]) || hasBytes(bytes, 0, [0x4d, 0x4d, 0x00, 0x2b])) return 'tiff'; // BigTIFF
  if (hasBytes(bytes, 0, '%PDF-')) return 'pdf';
  return 'unknown';
}

function checkPixelCount(name: string, width: number, height: number): void {
  if (!(width > 0 && height > 0)) throw new ImageDecodeError(name, `invalid image size ${width}x${height}`);
  const pixels = width * height;
  if (pixels > MAX_PIXELS) {
    const mp = pixels / 1e6;
    throw new ImageDecodeError(name, `${width}x${height} is ${mp.toFixed(mp < 100 ? 1 : 0)} megapixels; the limit is ${MAX_MEGAPIXELS}`);
  }
}

function reason(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).trim().split('\n')[0];
}

/**
 * Decodes PNG (1-16 bit grey, grey+alpha, RGB, RGBA, palette), JPEG (grey, RGB, CMYK/YCCK via an ICC transform to
 * sRGB), WebP, GIF (first frame), TIFF and BMP (1/4/8-bit palette, 24- and 32-bit, RLE) to 8-bit RGB.
 * 16-bit samples keep their high byte (Pillow does the same for RGB; for 16-bit grey it clips to 255 instead).
 * Throws {@link ImageDecodeError} for empty files, PDFs, unknown formats, corrupt or truncated data and images above
 * {@link MAX_MEGAPIXELS} (checked from the header, before decoding). `name` is only used in error messages.
 */
export async function decodeImage(bytes: Uint8Array, name: string): Promise<RgbImage> {
  if (bytes.length === 0) throw new ImageDecodeError(name, 'the file is empty');
  const format = sniffFormat(bytes);
  if (format === 'pdf') throw new ImageDecodeError(name, 'PDF documents are not images');
  if (format === 'unknown') {
    throw new ImageDecodeError(name, 'not a supported image (expected PNG, JPEG, BMP, WebP, GIF or TIFF data)');
  }
  return format === 'bmp' ? decodeBmp(bytes, name) : decodeWithSharp(bytes, name, format);
}

/** The size in a PNG's IHDR chunk, which must come first. */
function pngSize(bytes: Uint8Array): { width: number; height: number } {
  if (!hasBytes(bytes, 12, 'IHDR') || bytes.length < 24) throw new Error('missing or truncated IHDR header');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return { width: view.getUint32(16), height: view.getUint32(20) };
}

async function decodeWithSharp(bytes: Uint8Array, name: string, format: ImageFormat): Promise<RgbImage> {
  const corrupt = (err: unknown) => new ImageDecodeError(name, `corrupt ${LABELS[format]} data (${reason(err)})`, { cause: err });
  // failOn 'error' rejects truncated and broken data but, like Pillow, tolerates libjpeg warnings such as
  // "extraneous bytes before marker".
  const options: SharpOptions = { limitInputPixels: MAX_PIXELS, ignoreIcc: true, failOn: 'error' };
  let size: { width?: number; height?: number };
  try {
    // Header only; the pixel limit is checked below with a clearer message.
    size = format === 'png' ? pngSize(bytes) : await sharp(bytes, { ...options, limitInputPixels: false }).metadata();
  } catch (err) {
    throw corrupt(err);
  }
  checkPixelCount(name, size.width ?? 0, size.height ?? 0);
  try {
    const { data, info } = await sharp(bytes, options)
      .removeAlpha()
      .toColourspace('srgb')
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoder returned ${info.channels} channels`);
    return { width: info.width, height: info.height, data: new Uint8Array(data) };
  } catch (err) {
    throw corrupt(err);
  }
}

interface BmpJs {
  decode(buffer: Buffer): { width: number; height: number; data: Buffer };
}
const bmpJs = createRequire(import.meta.url)('bmp-js') as BmpJs;

/**
 * BMP via bmp-js. bmp-js ignores the pixel-data offset, always reads a 40-byte info header and misreads 32-bit
 * BI_BITFIELDS, so the file is first rewritten into the plain layout it understands: 14-byte file header, 40-byte
 * BITMAPINFOHEADER, palette, pixels. Its output is ABGR per pixel; alpha (or the unused 4th byte) is dropped.
 */
function decodeBmp(bytes: Uint8Array, name: string): RgbImage {
  const fail = (problem: string) => new ImageDecodeError(name, problem);
  if (bytes.length < 54) throw fail('corrupt BMP data (the header is truncated)');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dataOffset = view.getUint32(10, true);
  const headerSize = view.getUint32(14, true);
  const width = view.getInt32(18, true);
  const height = Math.abs(view.getInt32(22, true));
  const bpp = view.getUint16(28, true);
  let compression = view.getUint32(30, true);
  if (headerSize < 40) throw fail(`unsupported BMP (OS/2 ${headerSize}-byte header)`);
  checkPixelCount(name, width, height);

  const rle = (compression === 1 && bpp === 8) || (compression === 2 && bpp === 4);
  // 32-bit BI_BITFIELDS with the usual BGRA masks (which follow the first 40 header bytes) is plain BGRX.
  const bgraMasks = bpp === 32 && compression === 3 && bytes.length >= 66
    && view.getUint32(54, true) === 0xff0000 && view.getUint32(58, true) === 0xff00 && view.getUint32(62, true) === 0xff;
  if (bgraMasks) compression = 0;
  if (![1, 4, 8, 24, 32].includes(bpp) || (compression !== 0 && !rle)) {
    throw fail(`unsupported BMP (${bpp} bits per pixel, compression ${compression})`);
  }

  const paletteSize = bpp <= 8 ? view.getUint32(46, true) || 1 << bpp : 0;
  const paletteStart = 14 + headerSize;
  const stride = Math.floor((bpp * width + 31) / 32) * 4;
  if (paletteSize > 1 << bpp || paletteStart + paletteSize * 4 > dataOffset || dataOffset > bytes.length) {
    throw fail('corrupt BMP data (bad palette or pixel-data offset)');
  }
  if (!rle && bytes.length - dataOffset < stride * height) throw fail('corrupt BMP data (the pixel data is truncated)');

  const header = Buffer.alloc(54);
  header.write('BM', 0, 'latin1');
  header.writeUInt32LE(54 + paletteSize * 4, 10);
  Buffer.from(bytes.buffer, bytes.byteOffset + 14, 40).copy(header, 14);
  header.writeUInt32LE(40, 14);
  header.writeUInt32LE(compression, 30);
  header.writeUInt32LE(paletteSize, 46);
  const palette = bytes.subarray(paletteStart, paletteStart + paletteSize * 4);
  let abgr: Buffer;
  try {
    abgr = bmpJs.decode(Buffer.concat([header, palette, bytes.subarray(dataOffset)])).data;
  } catch (err) {
    throw new ImageDecodeError(name, `corrupt BMP data (${reason(err)})`, { cause: err });
  }
  const data = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; i < data.length; i += 3, j += 4) {
    data[i] = abgr[j + 3];
    data[i + 1] = abgr[j + 2];
    data[i + 2] = abgr[j + 1];
  }
  return { width, height, data };
}

async function readBytes(path: string): Promise<Uint8Array> {
  try {
    return new Uint8Array(await readFile(path));
  } catch (err) {
    throw new ImageDecodeError(path, `cannot read the file (${reason(err)})`, { cause: err });
  }
}

/** Reads and decodes an image file to 8-bit RGB (see {@link decodeImage}); errors name the path. */
export async function decodeImageFile(path: string): Promise<RgbImage> {
  return decodeImage(await readBytes(path), path);
}

/**
 * Reads a ground-truth mask as one channel. Masks are often stored as RGB (or grey + alpha): the value is the
 * maximum over the R, G and B channels, so a defect marked in any colour counts; alpha is ignored.
 */
export async function decodeMaskFile(path: string): Promise<GrayImage> {
  const rgb = await decodeImageFile(path);
  const data = new Uint8Array(rgb.width * rgb.height);
  for (let i = 0; i < data.length; i++) data[i] = Math.max(rgb.data[i * 3], rgb.data[i * 3 + 1], rgb.data[i * 3 + 2]);
  return { width: rgb.width, height: rgb.height, data };
}
