import { describe, expect, it } from 'vitest';
import { splitHoldout } from './holdout';

const names = (n: number) => Array.from({ length: n }, (_, i) => `${String(i).padStart(3, '0')}.png`);

describe('splitHoldout', () => {
  it('holds out every 10th image at 0.1, as `fit --holdout 0.1`', () => {
    const { fit, holdout } = splitHoldout(names(25), 0.1);
    expect(holdout).toEqual(['009.png', '019.png']);
    expect(fit).toHaveLength(23);
    expect(fit).not.toContain('009.png');
  });

  it('holds out the last image when the every-n-th rule picks none', () => {
    expect(splitHoldout(names(5), 0.1)).toEqual({ fit: names(4), holdout: ['004.png'] });
    expect(splitHoldout(names(2), 0.1)).toEqual({ fit: ['000.png'], holdout: ['001.png'] });
    expect(splitHoldout(names(10), 0.1).holdout).toEqual(['009.png']);
  });

  it('holds out nothing for one image or a zero fraction', () => {
    expect(splitHoldout(names(1), 0.1)).toEqual({ fit: names(1), holdout: [] });
    expect(splitHoldout(names(30), 0)).toEqual({ fit: names(30), holdout: [] });
  });

  it('every image lands on exactly one side', () => {
    for (const n of [2, 3, 9, 11, 57])
      for (const f of [0.05, 0.1, 0.25, 0.5]) {
        const { fit, holdout } = splitHoldout(names(n), f);
        expect([...fit, ...holdout].sort()).toEqual(names(n));
        expect(holdout.length).toBeGreaterThanOrEqual(1);
      }
  });

  it('refuses fractions outside [0, 1)', () => {
    expect(() => splitHoldout(names(3), 1)).toThrow();
    expect(() => splitHoldout(names(3), -0.1)).toThrow();
  });
});
