import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import { createRequire } from 'node:module';
import sharp from 'sharp';
import { afterAll, describe, expect, it } from 'vitest';
import { decodeImage, decodeImageFile, decodeMaskFile, ImageDecodeError, sniffFormat } from './decode';
import { listMvtecDataset } from './dataset';
import { prepareImage } from '../engine/image/prepare';
import type { RgbImage } from '../engine/image/types';

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const datasetsRoot = resolve(repoRoot, '../shared/datasets');
const hasDatasets = existsSync(datasetsRoot);
const tmp = mkdtempSync(join(tmpdir(), 'decode-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const bmpJs = createRequire(import.meta.url)('bmp-js') as { encode(img: { data: Buffer; width: number; height: number }): { data: Buffer } };

/** Deterministic pseudo-random bytes. */
function bytes(n: number, seed = 1): Uint8Array {
  const out = new Uint8Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

/** A smooth RGB test image (lossy codecs keep it close). */
function smooth(width: number, height: number): Uint8Array {
  const out = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) out.set([40 + x * 4, 60 + y * 3, 200 - x * 2 - y], (y * width + x) * 3);
  }
  return out;
}

const raw = (data: Uint8Array | Uint16Array, width: number, height: number, channels: 1 | 2 | 3 | 4) =>
  sharp(data, { raw: { width, height, channels } });

async function decodeFile(name: string, data: Uint8Array) {
  const path = join(tmp, name);
  writeFileSync(path, data);
  return decodeImageFile(path);
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

/** Grey values repeated as RGB. */
const greyToRgb = (grey: ArrayLike<number>) => Uint8Array.from({ length: grey.length * 3 }, (_, i) => grey[Math.floor(i / 3)]);

/** PNG IHDR bit depth and colour type, to be sure the fixture is what the test claims. */
const pngKind = (png: Uint8Array) => [png[24], png[25]];

describe('sniffFormat', () => {
  it.each([
    ['png', [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0]],
    ['jpeg', [0xff, 0xd8, 0xff, 0xe0]],
    ['bmp', [...Buffer.from('BM6')]],
    ['webp', [...Buffer.from('RIFF\0\0\0\0WEBPVP8 ')]],
    ['gif', [...Buffer.from('GIF89a')]],
    ['tiff', [0x49, 0x49, 0x2a, 0x00]],
    ['tiff', [0x4d, 0x4d, 0x00, 0x2a]],
    ['pdf', [...Buffer.from('%PDF-1.7')]],
    ['unknown', [...Buffer.from('hello')]],
    ['unknown', []],
  ])('%s', (format, magic) => expect(sniffFormat(Uint8Array.from(magic))).toBe(format));
});

describe('decodeImage: PNG', () => {
  const [w, h] = [7, 5];
  const rgb = bytes(w * h * 3);

  it('8-bit RGB, named .jpg (the name is ignored)', async () => {
    const png = await raw(rgb, w, h, 3).png().toBuffer();
    expect(pngKind(png)).toEqual([8, 2]);
    const img = await decodeFile('really-a-png.jpg', png);
    expect([img.width, img.height]).toEqual([w, h]);
    expect(maxDiff(img.data, rgb)).toBe(0);
  });

  it('16-bit RGB keeps the high byte', async () => {
    const u16 = Uint16Array.from(bytes(w * h * 3 * 2, 2).filter((_, i) => i % 2 === 0), (v, i) => v * 256 + (i % 256));
    const png = await raw(u16, w, h, 3).toColourspace('rgb16').png().toBuffer();
    expect(pngKind(png)).toEqual([16, 2]);
    const img = await decodeFile('rgb16.png', png);
    expect(maxDiff(img.data, Uint8Array.from(u16, (v) => v >> 8))).toBe(0);
  });

  it('16-bit grey becomes three equal 8-bit channels', async () => {
    const u16 = Uint16Array.from({ length: w * h }, (_, i) => (i * 1877 + 0x80ff) & 0xffff);
    const png = await raw(u16, w, h, 1).toColourspace('grey16').png().toBuffer();
    expect(pngKind(png)).toEqual([16, 0]);
    const img = await decodeFile('grey16.png', png);
    expect(maxDiff(img.data, greyToRgb(Uint8Array.from(u16, (v) => v >> 8)))).toBe(0);
  });

  it('8-bit grey and grey+alpha (alpha dropped)', async () => {
    const grey = bytes(w * h, 3);
    const png = await raw(grey, w, h, 1).toColourspace('b-w').png().toBuffer();
    expect(pngKind(png)).toEqual([8, 0]);
    expect(maxDiff((await decodeFile('grey.png', png)).data, greyToRgb(grey))).toBe(0);

    const ga = bytes(w * h * 2, 4);
    const pngA = await raw(ga, w, h, 2).toColourspace('b-w').png().toBuffer();
    expect(pngKind(pngA)).toEqual([8, 4]);
    expect(maxDiff((await decodeFile('grey-alpha.png', pngA)).data, greyToRgb(ga.filter((_, i) => i % 2 === 0)))).toBe(0);
  });

  it('RGBA: alpha is dropped, not composited (as Pillow convert("RGB"))', async () => {
    const rgba = bytes(w * h * 4, 5);
    rgba[3] = 0; // fully transparent pixel keeps its colour
    const png = await raw(rgba, w, h, 4).png().toBuffer();
    expect(pngKind(png)).toEqual([8, 6]);
    const img = await decodeFile('rgba.png', png);
    expect(maxDiff(img.data, rgba.filter((_, i) => i % 4 !== 3))).toBe(0);
  });

  it('palette', async () => {
    const colours = [[255, 0, 0], [0, 128, 255], [20, 200, 30], [250, 250, 250]];
    const px = Uint8Array.from({ length: w * h * 3 }, (_, i) => colours[Math.floor(i / 3) % 4][i % 3]);
    const png = await raw(px, w, h, 3).png({ palette: true, colours: 4, dither: 0 }).toBuffer();
    expect(pngKind(png)[1]).toBe(3);
    expect(maxDiff((await decodeFile('palette.png', png)).data, px)).toBe(0);
  });
});

describe('decodeImage: JPEG, WebP, GIF, TIFF', () => {
  const [w, h] = [24, 16];
  const rgb = smooth(w, h);

  it('RGB JPEG', async () => {
    const img = await decodeFile('rgb.jpg', await raw(rgb, w, h, 3).jpeg({ quality: 100 }).toBuffer());
    expect([img.width, img.height]).toEqual([w, h]);
    expect(maxDiff(img.data, rgb)).toBeLessThanOrEqual(6);
  });

  it('greyscale JPEG becomes three equal channels', async () => {
    const grey = rgb.filter((_, i) => i % 3 === 0);
    const jpg = await raw(grey, w, h, 1).toColourspace('b-w').jpeg({ quality: 100 }).toBuffer();
    expect((await sharp(jpg).metadata()).channels).toBe(1);
    const img = await decodeFile('grey.jpg', jpg);
    expect(maxDiff(img.data, greyToRgb(grey))).toBeLessThanOrEqual(2);
    for (let i = 0; i < img.data.length; i += 3) expect(img.data[i]).toBe(img.data[i + 2]);
  });

  it('CMYK JPEG is converted to sRGB', async () => {
    const colours = [[180, 120, 90], [90, 140, 180], [240, 240, 240]];
    const px = Uint8Array.from({ length: w * h * 3 }, (_, i) => colours[Math.floor((i / 3) % w / 8)][i % 3]);
    const jpg = await raw(px, w, h, 3).toColourspace('cmyk').jpeg({ quality: 100 }).toBuffer();
    expect((await sharp(jpg).metadata()).space).toBe('cmyk');
    const img = await decodeFile('cmyk.jpg', jpg);
    expect([img.width, img.height, img.data.length]).toEqual([w, h, w * h * 3]);
    // An ICC round trip through a CMYK profile, not lossless; away from block edges it stays close.
    for (const [x, c] of [[4, 0], [12, 1], [20, 2]]) {
      const at = ((h >> 1) * w + x) * 3;
      expect(maxDiff(img.data.subarray(at, at + 3), colours[c])).toBeLessThanOrEqual(15);
    }
  });

  it('WebP (lossless and lossy)', async () => {
    expect(maxDiff((await decodeFile('a.webp', await raw(rgb, w, h, 3).webp({ lossless: true }).toBuffer())).data, rgb)).toBe(0);
    expect(maxDiff((await decodeFile('b.webp', await raw(rgb, w, h, 3).webp({ quality: 95 }).toBuffer())).data, rgb)).toBeLessThanOrEqual(12);
  });

  it('GIF and TIFF', async () => {
    const px = Uint8Array.from({ length: w * h * 3 }, (_, i) => [0, 255, 0, 0, 0, 255][i % 6]);
    expect(maxDiff((await decodeFile('a.gif', await raw(px, w, h, 3).gif().toBuffer())).data, px)).toBe(0);
    expect(maxDiff((await decodeFile('a.tif', await raw(rgb, w, h, 3).tiff({ compression: 'lzw' }).toBuffer())).data, rgb)).toBe(0);
  });
});

/** A hand-made BMP; rows are given top first, unpadded. */
function makeBmp(o: {
  width: number; height: number; bpp: number; rows: number[][];
  palette?: number[][]; headerSize?: number; topDown?: boolean; bitfields?: boolean; gap?: number;
}): Buffer {
  const headerSize = o.headerSize ?? 40;
  const palette = o.palette ?? [];
  const masks = o.bitfields && headerSize === 40 ? 12 : 0;
  const offset = 14 + headerSize + masks + palette.length * 4 + (o.gap ?? 0);
  const stride = Math.floor((o.bpp * o.width + 31) / 32) * 4;
  const buf = Buffer.alloc(offset + stride * o.height);
  buf.write('BM', 0, 'latin1');
  buf.writeUInt32LE(buf.length, 2);
  buf.writeUInt32LE(offset, 10);
  buf.writeUInt32LE(headerSize, 14);
  buf.writeInt32LE(o.width, 18);
  buf.writeInt32LE(o.topDown ? -o.height : o.height, 22);
  buf.writeUInt16LE(1, 26);
  buf.writeUInt16LE(o.bpp, 28);
  buf.writeUInt32LE(o.bitfields ? 3 : 0, 30);
  buf.writeUInt32LE(palette.length, 46);
  if (o.bitfields) [0xff0000, 0xff00, 0xff].forEach((m, i) => buf.writeUInt32LE(m, 54 + i * 4));
  palette.forEach(([r, g, b], i) => buf.set([b, g, r, 0], 14 + headerSize + masks + i * 4));
  o.rows.forEach((row, y) => buf.set(row, offset + (o.topDown ? y : o.height - 1 - y) * stride));
  return buf;
}

describe('decodeImage: BMP', () => {
  it('24-bit top-down from bmp-js (ABGR order handled, odd width padding)', async () => {
    const [w, h] = [5, 3];
    const rgb = bytes(w * h * 3, 7);
    const abgr = Buffer.alloc(w * h * 4);
    for (let i = 0; i < w * h; i++) abgr.set([0, rgb[i * 3 + 2], rgb[i * 3 + 1], rgb[i * 3]], i * 4);
    const img = await decodeFile('a.bmp', bmpJs.encode({ data: abgr, width: w, height: h }).data);
    expect([img.width, img.height]).toEqual([w, h]);
    expect(maxDiff(img.data, rgb)).toBe(0);
  });

  it('8-bit palette, bottom-up, 124-byte header, gap before the pixels', async () => {
    const palette = [[0, 0, 0], [255, 0, 0], [10, 20, 30], [200, 150, 100]];
    const rows = [[0, 1, 2, 3, 1], [3, 3, 2, 1, 0], [2, 0, 1, 1, 3]];
    const img = await decodeFile('p.bmp', makeBmp({ width: 5, height: 3, bpp: 8, rows, palette, headerSize: 124, gap: 6 }));
    expect(Array.from(img.data)).toEqual(rows.flat().flatMap((i) => palette[i]));
  });

  it('32-bit BI_RGB and BI_BITFIELDS (alpha / 4th byte dropped)', async () => {
    const px = [[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12], [13, 14, 15], [16, 17, 18]];
    const rows = [px.slice(0, 3), px.slice(3)].map((r) => r.flatMap(([r0, g, b]) => [b, g, r0, 77]));
    for (const [headerSize, bitfields] of [[40, false], [40, true], [108, true]] as const) {
      const img = await decodeFile('x.bmp', makeBmp({ width: 3, height: 2, bpp: 32, rows, headerSize, bitfields }));
      expect(Array.from(img.data)).toEqual(px.flat());
    }
  });

  it('rejects 16-bit and truncated BMPs', async () => {
    const bmp16 = makeBmp({ width: 2, height: 2, bpp: 16, rows: [[0, 0, 0, 0], [0, 0, 0, 0]] });
    await expect(decodeImage(bmp16, 'a.bmp')).rejects.toThrow('a.bmp: unsupported BMP (16 bits per pixel');
    const bmp = makeBmp({ width: 4, height: 4, bpp: 24, rows: Array.from({ length: 4 }, () => Array(12).fill(9)) });
    await expect(decodeImage(bmp.subarray(0, bmp.length - 10), 'b.bmp')).rejects.toThrow('b.bmp: corrupt BMP data (the pixel data is truncated)');
  });
});

function pngChunk(type: string, data: Uint8Array): Buffer {
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  let crc = 0xffffffff;
  for (const b of body) {
    crc ^= b;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
  }
  const out = Buffer.alloc(body.length + 8);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE((crc ^ 0xffffffff) >>> 0, body.length + 4);
  return out;
}

describe('decodeImage: errors', () => {
  const expectError = async (data: Uint8Array, name: string, message: string | RegExp) => {
    const err = await decodeImage(data, name).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ImageDecodeError);
    if (typeof message === 'string') expect((err as Error).message).toBe(message);
    else expect((err as Error).message).toMatch(message);
  };

  it('empty, PDF and unknown files', async () => {
    await expectError(new Uint8Array(0), 'empty.png', 'empty.png: the file is empty');
    await expectError(Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n', 'latin1'), 'scan.pdf', 'scan.pdf: PDF documents are not images');
    await expectError(Buffer.from('just some text'), 'notes.png', /^notes\.png: not a supported image/);
  });

  it('truncated or corrupt data', async () => {
    const jpg = await raw(bytes(64 * 64 * 3), 64, 64, 3).jpeg().toBuffer();
    await expectError(jpg.subarray(0, jpg.length >> 1), 'foo.jpg', /^foo\.jpg: corrupt JPEG data \(.+\)$/);
    const png = await raw(bytes(64 * 64 * 3), 64, 64, 3).png().toBuffer();
    await expectError(png.subarray(0, png.length >> 1), 'foo.png', /^foo\.png: corrupt PNG data \(.+\)$/);
    await expectError(png.subarray(0, 20), 'head.png', /^head\.png: corrupt PNG data \(missing or truncated IHDR header\)$/);
    const webp = await raw(bytes(64 * 64 * 3), 64, 64, 3).webp().toBuffer();
    await expectError(webp.subarray(0, webp.length >> 1), 'foo.webp', /^foo\.webp: corrupt WebP data/);
  });

  it('refuses images above 50 megapixels from the header alone', async () => {
    const ihdr = Buffer.alloc(13);
    ihdr.writeUInt32BE(12000, 0);
    ihdr.writeUInt32BE(12000, 4);
    ihdr.set([8, 2], 8);
    const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), pngChunk('IHDR', ihdr),
      pngChunk('IDAT', deflateSync(Buffer.alloc(36001))), pngChunk('IEND', new Uint8Array(0))]);
    await expectError(png, 'huge.png', 'huge.png: 12000x12000 is 144 megapixels; the limit is 50');

    // A real small JPEG whose SOF header claims 9000x6000.
    const jpg = Buffer.from(await raw(smooth(16, 16), 16, 16, 3).jpeg().toBuffer());
    const sof = jpg.findIndex((b, i) => b === 0xff && (jpg[i + 1] === 0xc0 || jpg[i + 1] === 0xc2));
    jpg.writeUInt16BE(6000, sof + 5);
    jpg.writeUInt16BE(9000, sof + 7);
    await expectError(jpg, 'huge.jpg', 'huge.jpg: 9000x6000 is 54.0 megapixels; the limit is 50');

    const bmp = makeBmp({ width: 1, height: 1, bpp: 24, rows: [[0, 0, 0]] });
    bmp.writeInt32LE(10000, 18);
    bmp.writeInt32LE(-8000, 22);
    await expectError(bmp, 'huge.bmp', 'huge.bmp: 10000x8000 is 80.0 megapixels; the limit is 50');
  });

  it('missing files', async () => {
    await expect(decodeImageFile(join(tmp, 'nope.png'))).rejects.toThrow(/nope\.png: cannot read the file/);
  });
});

describe('decodeMaskFile', () => {
  it('takes the maximum over RGB channels', async () => {
    const path = join(tmp, 'mask.png');
    writeFileSync(path, await raw(Uint8Array.from([0, 0, 0, 255, 0, 0, 0, 0, 9, 255, 255, 255]), 2, 2, 3).png().toBuffer());
    const mask = await decodeMaskFile(path);
    expect([mask.width, mask.height, ...mask.data]).toEqual([2, 2, 0, 255, 9, 255]);
  });
});

interface PilRecord {
  width: number; height: number; pixels: number[][]; channelSums: number[];
  preparedPixels: number[][]; preparedChannelSums: number[];
}

/** Checks `[x, y, r, g, b]` samples and per-channel sums. */
function expectPixels(img: RgbImage, pixels: number[][], channelSums: number[]) {
  for (const [x, y, ...rgb] of pixels) expect(Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3))).toEqual(rgb);
  const sums = [0, 0, 0];
  img.data.forEach((v, i) => (sums[i % 3] += v));
  expect(sums).toEqual(channelSums);
}
const pil = JSON.parse(readFileSync(join(repoRoot, 'test/fixtures/resize/datasets.json'), 'utf8')) as { files: Record<string, PilRecord> };

describe('real dataset files against Pillow (recorded by scripts/fixtures/make_resize_fixtures.py)', () => {
  it.skipIf(!hasDatasets).each(Object.entries(pil.files))(
    `%s decodes and prepares like Pillow${hasDatasets ? '' : ` [skipped: ${datasetsRoot} not found]`}`,
    async (rel, ref) => {
      const img = await decodeImageFile(join(datasetsRoot, rel));
      expect([img.width, img.height]).toEqual([ref.width, ref.height]);
      expectPixels(img, ref.pixels, ref.channelSums);
      expectPixels(prepareImage(img), ref.preparedPixels, ref.preparedChannelSums);
    },
  );
});

describe('listMvtecDataset', () => {
  const root = join(tmp, 'ds');
  const touch = (...parts: string[]) => {
    mkdirSync(join(root, ...parts.slice(0, -1)), { recursive: true });
    writeFileSync(join(root, ...parts), '');
  };

  it('lists train, test, labels and masks, sorted by name', () => {
    for (const f of ['b.png', 'a.PNG', 'c.JPEG', 'notes.txt']) touch('train', 'good', f);
    touch('test', 'good', 'x.png');
    for (const f of ['001.jpg', '000.png', '002.bmp']) touch('test', 'crack', f);
    touch('ground_truth', 'crack', '000_mask.png');
    touch('ground_truth', 'crack', '001_mask.png');
    const ds = listMvtecDataset(root);
    expect(ds.train).toEqual(['a.PNG', 'b.png', 'c.JPEG'].map((f) => join(root, 'train', 'good', f)));
    expect(ds.test).toEqual([
      { path: join(root, 'test', 'crack', '000.png'), label: 1, defect: 'crack', maskPath: join(root, 'ground_truth', 'crack', '000_mask.png') },
      { path: join(root, 'test', 'crack', '001.jpg'), label: 1, defect: 'crack', maskPath: join(root, 'ground_truth', 'crack', '001_mask.png') },
      { path: join(root, 'test', 'crack', '002.bmp'), label: 1, defect: 'crack' },
      { path: join(root, 'test', 'good', 'x.png'), label: 0, defect: 'good' },
    ]);
  });

  it('allows a missing test folder and explains layout errors', () => {
    const fitOnly = join(tmp, 'fit-only');
    mkdirSync(join(fitOnly, 'train', 'good'), { recursive: true });
    writeFileSync(join(fitOnly, 'train', 'good', '0.png'), '');
    expect(listMvtecDataset(fitOnly).test).toEqual([]);

    expect(() => listMvtecDataset(join(tmp, 'missing'))).toThrow(`${join(tmp, 'missing')}: dataset folder not found`);
    const noTrain = join(tmp, 'no-train');
    mkdirSync(noTrain);
    expect(() => listMvtecDataset(noTrain)).toThrow(`${join(noTrain, 'train', 'good')}: folder not found`);
    const empty = join(tmp, 'empty');
    mkdirSync(join(empty, 'train', 'good'), { recursive: true });
    expect(() => listMvtecDataset(empty)).toThrow(`${join(empty, 'train', 'good')}: no images`);
  });

  it.skipIf(!hasDatasets)(`real glass set${hasDatasets ? '' : ` [skipped: ${datasetsRoot} not found]`}`, () => {
    const ds = listMvtecDataset(join(datasetsRoot, 'glass'));
    expect(ds.train).toHaveLength(18);
    expect(ds.test.filter((t) => t.label === 0)).toHaveLength(18);
    const defects = ds.test.filter((t) => t.label === 1);
    expect(defects).toHaveLength(80);
    expect(defects.every((t) => t.maskPath !== undefined)).toBe(true);
  });
});
