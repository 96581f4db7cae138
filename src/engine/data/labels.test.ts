import { describe, expect, it } from 'vitest';
import { dirsOf, labelFromPath } from './labels';

describe('labels from folders', () => {
  it('reads MVTec-style good/<defect> folders', () => {
    const paths = ['bottle/test/good/000.png', 'bottle/test/broken_large/000.png', 'batch/good/a.png', 'batch/scratch/b.png', 'loose/c.png', 'd.png'];
    const dirs = dirsOf(paths);
    expect(paths.map((p) => labelFromPath(p, dirs))).toEqual(['good', 'defective', 'good', 'defective', null, null]);
    // Without a good/ sibling (and not under test/), a folder name says nothing.
    expect(labelFromPath('batch/scratch/b.png', new Set(['batch/scratch']))).toBeNull();
  });

  it('takes ok/ and normal/ as good, and ok/ as the sibling that makes a folder defective', () => {
    expect(labelFromPath('x/OK/1.png')).toBe('good');
    expect(labelFromPath('x/normal/1.png')).toBe('good');
    expect(labelFromPath('x/dent/1.png', dirsOf(['x/ok/0.png', 'x/dent/1.png']))).toBe('defective');
    expect(dirsOf(['a/b/c.png', 'a/d.png', 'e.png'])).toEqual(new Set(['a/b', 'a']));
  });
});
