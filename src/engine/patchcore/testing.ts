/** Test images shared by the engine's tests (no data files needed). */
import type { RgbImage } from '../image/types';
import { seededRandom } from './random';

/**
 * A woven texture with noise, different per seed: enough for a bank of normal patches. `defect` paints a bright
 * square into its middle (those pixels draw no noise).
 */
export function wovenTexture(seed: number, options: { defect?: boolean; size?: number } = {}): RgbImage {
  const { defect = false, size = 96 } = options;
  const random = seededRandom(seed);
  const data = new Uint8Array(size * size * 3);
  for (let y = 0; y < size; y++)
    for (let x = 0; x < size; x++)
      for (let c = 0; c < 3; c++) {
        const inside = defect && x >= 36 && x < 60 && y >= 36 && y < 60;
        data[(y * size + x) * 3 + c] = inside ? 250 : Math.max(0, Math.min(255, 128 + 60 * Math.sin(x / 3 + c) * Math.cos(y / 3) + (random() - 0.5) * 40));
      }
  return { width: size, height: size, data };
}
