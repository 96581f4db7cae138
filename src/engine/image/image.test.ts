// Compares the resize / crop / mask pipeline with Pillow outputs recorded by scripts/fixtures/make_resize_fixtures.py.
// The engine code must not use Node built-ins; this test only reads its fixtures with them.
// eslint-disable-next-line no-restricted-imports -- test fixture I/O
import { readFileSync } from 'node:fs';
// eslint-disable-next-line no-restricted-imports -- test fixture I/O
import { gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { prepareImage, prepareMask } from './prepare';
import { centerCrop, resizeBilinearPil, resizeNearestPil } from './resize';
import type { RgbImage } from './types';

const FIXTURES = new URL('../../../test/fixtures/resize/', import.meta.url);

interface Case {
  name: string;
  op: 'prepare' | 'resize' | 'nearest' | 'prepareMask';
  input: { kind: 'noise' | 'gradient' | 'blocks' | 'mask'; width: number; height: number; channels: number; seed: number };
  output: { width: number; height: number };
  file: string;
}

/** lowbias32, as hash32 in the fixture script. */
function hash32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x7feb352d);
  x ^= x >>> 15;
  x = Math.imul(x, 0x846ca68b);
  x ^= x >>> 16;
  return x >>> 0;
}

/** The fixture script's synthetic inputs, value for value. */
function synth({ kind, width: w, height: h, channels, seed }: Case['input']): Uint8Array {
  const out = new Uint8Array(w * h * channels);
  const div = (a: number, b: number) => Math.floor(a / Math.max(b, 1));
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      for (let c = 0; c < channels; c++) {
        const i = (y * w + x) * channels + c;
        let v: number;
        if (kind === 'noise') v = hash32((i + Math.imul(seed, 0x9e3779b9)) >>> 0) & 255;
        else if (kind === 'gradient') v = c === 0 ? div(x * 255, w - 1) : c === 1 ? div(y * 255, h - 1) : div((x + y) * 255, w + h - 2);
        else if (kind === 'blocks') v = hash32(div(y, 7) * 7919 + div(x, 5) * 104729 + c * 31 + seed) & 255;
        else v = (hash32(div(y, 9) * 7919 + div(x, 6) * 104729 + seed) & 255) > 190 ? 255 : 0;
        out[i] = v;
      }
    }
  }
  return out;
}

function run(c: Case): Uint8Array {
  const img = { width: c.input.width, height: c.input.height, data: synth(c.input) };
  const { width, height } = c.output;
  switch (c.op) {
    case 'prepare':
      return prepareImage(img).data;
    case 'resize':
      return resizeBilinearPil(img, width, height).data;
    case 'nearest':
      return resizeNearestPil(img, width, height).data;
    case 'prepareMask':
      return prepareMask(img);
  }
}

function maxAbsDiff(a: Uint8Array, b: Uint8Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

const manifest = JSON.parse(readFileSync(new URL('manifest.json', FIXTURES), 'utf8')) as { pillow: string; cases: Case[] };

describe(`Pillow ${manifest.pillow} parity`, () => {
  it.each(manifest.cases.map((c) => [c.name, c] as const))('%s is bit-exact', (_name, c) => {
    const expected = new Uint8Array(gunzipSync(readFileSync(new URL(c.file, FIXTURES))));
    const actual = run(c);
    expect(actual.length).toBe(expected.length);
    expect(maxAbsDiff(actual, expected)).toBe(0);
  });
});

describe('resize helpers', () => {
  const img: RgbImage = { width: 5, height: 4, data: Uint8Array.from({ length: 60 }, (_, i) => i) };

  it('returns a copy for an unchanged size', () => {
    const out = resizeBilinearPil(img, 5, 4);
    expect(out.data).toEqual(img.data);
    expect(out.data).not.toBe(img.data);
  });

  it('keeps constant images constant', () => {
    const flat: RgbImage = { width: 37, height: 23, data: new Uint8Array(37 * 23 * 3).fill(200) };
    expect(resizeBilinearPil(flat, 256, 256).data.every((v) => v === 200)).toBe(true);
    expect(resizeBilinearPil(flat, 3, 2).data.every((v) => v === 200)).toBe(true);
  });

  it('centre-crops with torchvision offsets (Python round: halves to even)', () => {
    // (5 - 2) / 2 = 1.5 -> 2 ; (4 - 2) / 2 = 1 -> 1
    const out = centerCrop(img, 2);
    expect([out.width, out.height]).toEqual([2, 2]);
    expect(Array.from(out.data.subarray(0, 3))).toEqual(Array.from(img.data.subarray((1 * 5 + 2) * 3, (1 * 5 + 2) * 3 + 3)));
    // (6 - 1) / 2 = 2.5 -> 2
    const row = { width: 6, height: 1, data: Uint8Array.from([0, 1, 2, 3, 4, 5]) };
    expect(Array.from(centerCrop(row, 1).data)).toEqual([2]);
  });

  it('rejects bad sizes', () => {
    expect(() => centerCrop(img, 6)).toThrow(RangeError);
    expect(() => resizeBilinearPil(img, 0, 3)).toThrow(RangeError);
    expect(() => resizeNearestPil({ width: 2, height: 2, data: new Uint8Array(5) }, 3, 3)).toThrow(RangeError);
  });

  it('binarises masks with > 0', () => {
    const mask = { width: 2, height: 2, data: Uint8Array.from([0, 1, 127, 255]) };
    expect(Array.from(prepareMask(mask, 2, 2))).toEqual([0, 1, 1, 1]);
  });
});
