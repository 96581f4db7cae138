import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { listMvtecDataset } from './dataset';

describe('listing a dataset folder', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ai-dataset-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('lists GIF images too, and names symbolic links and files that are not images instead of skipping them silently', () => {
    for (const sub of ['train/good', 'test/good', 'test/crack', 'ground_truth/crack']) mkdirSync(join(dir, sub), { recursive: true });
    for (const f of ['train/good/000.png', 'train/good/001.gif', 'test/good/000.png', 'test/crack/000.png', 'ground_truth/crack/000_mask.png']) writeFileSync(join(dir, f), 'x');
    writeFileSync(join(dir, 'test/good/readme.txt'), 'x');
    symlinkSync(join(dir, 'train/good/000.png'), join(dir, 'train/good/002.png'));
    const d = listMvtecDataset(dir);
    expect(d.train.map((p) => p.slice(dir.length + 1))).toEqual(['train/good/000.png', 'train/good/001.gif']);
    expect(d.test.map((t) => [t.path.slice(dir.length + 1), t.label, t.maskPath ? 'mask' : ''])).toEqual([
      ['test/crack/000.png', 1, 'mask'],
      ['test/good/000.png', 0, ''],
    ]);
    expect(d.skipped.map((s) => [s.path.slice(dir.length + 1), s.reason])).toEqual([
      ['train/good/002.png', 'a symbolic link (links are not followed)'],
      ['test/good/readme.txt', 'not an image'],
    ]);
  });
});
