import { describe, expect, it } from 'vitest';
import { demoDataset } from './dataset';
import { DEFECT_TYPES } from './parts';

describe('demoDataset', () => {
  it('lists the MVTec-like structure with the default counts', () => {
    const { train, test } = demoDataset();
    expect(train.length).toBe(40);
    expect(test.length).toBe(6 + 2 * DEFECT_TYPES.length);
    expect(train.every((t) => t.label === 0 && t.defect === 'good' && /^train\/good\/\d{3}\.png$/.test(t.name))).toBe(true);
    expect(test.filter((t) => t.defect === 'good').every((t) => t.label === 0)).toBe(true);
    for (const d of DEFECT_TYPES) {
      const items = test.filter((t) => t.defect === d);
      expect(items.map((t) => t.name)).toEqual([`test/${d}/000.png`, `test/${d}/001.png`]);
      expect(items.every((t) => t.label === 1)).toBe(true);
    }
    const names = [...train, ...test].map((t) => t.name);
    expect(new Set(names).size).toBe(names.length);
    const seeds = [...train, ...test].map((t) => t.seed);
    expect(new Set(seeds).size).toBe(seeds.length);
  });

  it('renders lazily and deterministically; masks match the labels', () => {
    const a = demoDataset({ trainCount: 2, testGood: 1, testPerDefect: 1, seed: 7, size: 64 });
    const b = demoDataset({ trainCount: 2, testGood: 1, testPerDefect: 1, seed: 7, size: 64 });
    const c = demoDataset({ trainCount: 2, testGood: 1, testPerDefect: 1, seed: 8, size: 64 });
    expect(a.test.length).toBe(1 + DEFECT_TYPES.length);
    for (const [i, item] of a.test.entries()) {
      const r = item.render();
      expect(r.image.width).toBe(64);
      expect(Buffer.from(r.image.data).equals(Buffer.from(b.test[i].render().image.data))).toBe(true);
      expect(Buffer.from(r.image.data).equals(Buffer.from(c.test[i].render().image.data))).toBe(false);
      expect(r.mask.data.some((v) => v > 0)).toBe(item.label === 1);
    }
  });

  it('keeps the other images when one count changes', () => {
    const small = demoDataset({ trainCount: 3, testGood: 1, testPerDefect: 1 });
    const large = demoDataset({ trainCount: 5, testGood: 2, testPerDefect: 2 });
    expect(large.train.slice(0, 3).map((t) => t.seed)).toEqual(small.train.map((t) => t.seed));
    expect(large.test.find((t) => t.name === 'test/dent/000.png')!.seed).toBe(small.test.find((t) => t.name === 'test/dent/000.png')!.seed);
    expect(() => demoDataset({ trainCount: -1 })).toThrow(/trainCount/);
  });
});
