import { describe, expect, it } from 'vitest';
import { checkMegapixels, imageSize, sniffImageKind } from './header';

function png(width: number, height: number): Uint8Array {
  const b = new Uint8Array(33);
  b.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52]);
  new DataView(b.buffer).setUint32(16, width);
  new DataView(b.buffer).setUint32(20, height);
  return b;
}

function jpeg(width: number, height: number): Uint8Array {
  // SOI, an APP0 segment of 16 bytes, then SOF0 with height and width.
  const b = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, ...new Array(14).fill(0), 0xff, 0xc0, 0, 17, 8, height >> 8, height & 255, width >> 8, width & 255, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  return b;
}

describe('image headers', () => {
  it('reads PNG and JPEG sizes without decoding', () => {
    expect(imageSize(png(900, 700))).toEqual({ width: 900, height: 700 });
    expect(imageSize(jpeg(640, 480))).toEqual({ width: 640, height: 480 });
    expect(sniffImageKind(jpeg(1, 1))).toBe('jpeg');
    expect(imageSize(new Uint8Array([1, 2, 3]))).toBeNull();
  });

  it('refuses images over 50 megapixels with the numbers', () => {
    expect(() => checkMegapixels('a.png', 7071, 7071)).not.toThrow();
    expect(() => checkMegapixels('huge.png', 10000, 6000)).toThrow('huge.png: 10000x6000 is 60.0 megapixels; the limit is 50');
    expect(() => checkMegapixels('zero.png', 0, 10)).toThrow('invalid image size');
  });
});
