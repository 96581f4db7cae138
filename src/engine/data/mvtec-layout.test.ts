import { describe, expect, it } from 'vitest';
import { readLayout } from './mvtec-layout';

const f = (...paths: string[]) => paths.map((path) => ({ path, file: path }));

describe('readLayout (MVTec AD folder)', () => {
  it('labels test/good 0 and test/<defect> 1, pairs masks, ignores train/, sorts as the CLI', () => {
    const l = readLayout(
      f(
        'glass/train/good/000.png',
        'glass/test/edge/001.png',
        'glass/test/angle/000.png',
        'glass/test/good/001.png',
        'glass/test/good/000.png',
        'glass/test/edge/000.png',
        'glass/ground_truth/angle/000_mask.png',
        'glass/ground_truth/edge/001_mask.png',
        'glass/license.txt',
      ),
    );
    expect(l.problem).toBeNull();
    expect(l.root).toBe('glass');
    expect(l.items.map((i) => [i.name, i.label, i.mask ?? null])).toEqual([
      ['test/angle/000.png', 1, 'glass/ground_truth/angle/000_mask.png'],
      ['test/edge/000.png', 1, null],
      ['test/edge/001.png', 1, 'glass/ground_truth/edge/001_mask.png'],
      ['test/good/000.png', 0, null],
      ['test/good/001.png', 0, null],
    ]);
    expect(l.defects).toEqual(['angle', 'edge']);
    expect(l.maskCount).toBe(2);
    expect(l.ignored.map((i) => i.path)).toEqual(['glass/license.txt']);
  });

  it('accepts the folder contents dropped at top level', () => {
    const l = readLayout(f('test/good/a.png', 'test/crack/b.png', 'ground_truth/crack/b_mask.png'));
    expect(l.problem).toBeNull();
    expect(l.items).toHaveLength(2);
    expect(l.maskCount).toBe(1);
  });

  it('explains files that are not in the layout', () => {
    expect(readLayout(f('photos/a.png', 'photos/b.png')).problem).toMatch(/No test images found.*MVTec AD layout/);
    expect(readLayout(f('x/train/good/a.png')).problem).toMatch(/No test images/);
    expect(readLayout(f('test/good/a.png')).problem).toMatch(/defective images too/);
    expect(readLayout(f('test/crack/a.png')).problem).toMatch(/No test\/good/);
    expect(readLayout(f('a/test/good/1.png', 'a/test/x/1.png', 'b/test/good/1.png')).problem).toMatch(/more than one dataset/);
  });

  it('lists train/good images sorted, and names files there that are not images', () => {
    const l = readLayout(f('bottle/train/good/010.png', 'bottle/train/good/002.jpg', 'bottle/train/good/notes.txt', 'bottle/train/other/x.png', 'bottle/test/good/0.png', 'bottle/test/crack/0.png'));
    expect(l.train.map((t) => t.name)).toEqual(['train/good/002.jpg', 'train/good/010.png']);
    expect(l.ignored).toEqual([{ path: 'bottle/train/good/notes.txt', reason: 'not an image' }]);
    expect(l.problem).toBeNull();
  });

  it('leaves out files the host found unusable, names them, and does not count them', () => {
    const files = f('glass/test/good/000.png', 'glass/test/good/empty.png', 'glass/test/crack/000.png', 'glass/test/crack/001.png', 'glass/ground_truth/crack/000_mask.png', 'glass/ground_truth/crack/001_mask.png');
    const unusable = new Map([
      ['glass/test/good/empty.png', 'the file is empty'],
      ['glass/ground_truth/crack/001_mask.png', 'not a supported image (expected PNG, JPEG, BMP, WebP or GIF data)'],
    ]);
    const l = readLayout(files, unusable);
    expect(l.problem).toBeNull();
    expect(l.items.map((i) => [i.name, i.mask ?? null])).toEqual([
      ['test/crack/000.png', 'glass/ground_truth/crack/000_mask.png'],
      ['test/crack/001.png', null],
      ['test/good/000.png', null],
    ]);
    expect(l.goodCount).toBe(1);
    expect(l.maskCount).toBe(1);
    expect(l.ignored).toEqual([
      { path: 'glass/test/good/empty.png', reason: 'not a usable image: the file is empty' },
      { path: 'glass/ground_truth/crack/001_mask.png', reason: 'not a usable image: not a supported image (expected PNG, JPEG, BMP, WebP or GIF data)' },
    ]);
    // The only good image unusable: nothing to evaluate, and the reason says why.
    expect(readLayout(f('t/test/good/a.png', 't/test/crack/b.png'), new Map([['t/test/good/a.png', 'the file is empty']])).problem).toMatch(/No test\/good/);
  });
});
