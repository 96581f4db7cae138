import sharp from 'sharp';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { seededRandom } from '../src/engine/patchcore/random';

/**
 * A small MVTec-layout dataset made in code: a woven texture with noise; defects are dark scratches
 * with masks. Enough for the CLI's end-to-end tests without any third-party data.
 */
export async function writeSyntheticDataset(dir: string, counts = { train: 6, good: 3, defect: 3 }, size = 128): Promise<void> {
  const texture = (seed: number, defect: boolean) => {
    const random = seededRandom(seed);
    const rgb = new Uint8Array(size * size * 3);
    const mask = new Uint8Array(size * size);
    const x0 = 30 + Math.floor(random() * 50), y0 = 30 + Math.floor(random() * 50);
    for (let y = 0; y < size; y++)
      for (let x = 0; x < size; x++) {
        const weave = 128 + 60 * Math.sin(x / 3) * Math.cos(y / 3) + (random() - 0.5) * 20;
        let v = weave;
        if (defect && Math.abs(y - y0 - (x - x0) * 0.5) < 3 && x > x0 && x < x0 + 40) {
          v = 20;
          mask[y * size + x] = 255;
        }
        const i = (y * size + x) * 3;
        rgb[i] = Math.max(0, Math.min(255, v));
        rgb[i + 1] = Math.max(0, Math.min(255, v * 0.9));
        rgb[i + 2] = Math.max(0, Math.min(255, v * 0.8));
      }
    return { rgb, mask };
  };
  const png = (data: Uint8Array, channels: 1 | 3) => sharp(Buffer.from(data), { raw: { width: size, height: size, channels } }).png().toBuffer();
  for (const sub of ['train/good', 'test/good', 'test/scratch', 'ground_truth/scratch']) mkdirSync(join(dir, sub), { recursive: true });
  let seed = 1;
  for (let i = 0; i < counts.train; i++) writeFileSync(join(dir, 'train/good', `${String(i).padStart(3, '0')}.png`), await png(texture(seed++, false).rgb, 3));
  for (let i = 0; i < counts.good; i++) writeFileSync(join(dir, 'test/good', `${String(i).padStart(3, '0')}.png`), await png(texture(seed++, false).rgb, 3));
  for (let i = 0; i < counts.defect; i++) {
    const { rgb, mask } = texture(seed++, true);
    const name = String(i).padStart(3, '0');
    writeFileSync(join(dir, 'test/scratch', `${name}.png`), await png(rgb, 3));
    writeFileSync(join(dir, 'ground_truth/scratch', `${name}_mask.png`), await png(mask, 1));
  }
}
