/** What a picker shows of a choice (issue: files picked one by one all read "000.png"; "No file chosen" beside them). */
import { describe, expect, it } from 'vitest';
import { describePicked } from '../shell/format';
import { fromFileList } from './pick';

const file = (name: string, path = '') => Object.assign(new File([new Uint8Array([1])], name), path ? { webkitRelativePath: path } : {});

describe('picked files', () => {
  it('keep the path within the chosen folder', () => {
    expect(fromFileList([file('000.png', 'bottle/train/good/000.png'), file('001.png')]).map((p) => p.path)).toEqual(['bottle/train/good/000.png', '001.png']);
  });

  it('are described by their folder or path, so different choices look different', () => {
    expect(describePicked(['bottle/train/good/000.png'])).toBe('bottle/train/good/000.png');
    expect(describePicked(['bottle/train/good/000.png', 'bottle/train/good/001.png'])).toBe('2 files from bottle/train/good');
    expect(describePicked(['glass/test/good/000.png', 'glass/test/edge/000.png'])).toBe('2 files from glass/test/good, glass/test/edge');
    expect(describePicked(['a/1.png', 'b/1.png', 'c/1.png', 'd/1.png'])).toBe('4 files from a, b and 2 more folders');
    expect(describePicked(['000.png', '001.png'])).toBe('000.png, 001.png');
    expect(describePicked(['000.png', '001.png', '002.png', '003.png'])).toBe('000.png, 001.png and 2 more');
    expect(describePicked([])).toBe('');
  });
});
