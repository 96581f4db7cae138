// The demo dataset: generated flange images in the MVTec AD structure (train = good parts only; test = good
// parts and each defect type, with masks). Images are rendered lazily, so a worker can stream them.
import type { GrayImage, RgbImage } from '../image/types';
import { mixSeed } from './noise';
import { DEFECT_TYPES, renderPart } from './parts';
import type { DefectType } from './parts';

export interface DemoImage {
  /** The MVTec AD relative path, e.g. `train/good/000.png` or `test/crack/001.png` (unique in the dataset). */
  name: string;
  /** 1 for a defective part. */
  label: 0 | 1;
  /** 'good' or one of {@link DEFECT_TYPES}, as the MVTec test folder name. */
  defect: string;
  /** The part's seed for {@link renderPart}. */
  seed: number;
  /** Renders the image (about 10-30 ms at 256 px) and its mask (all zero for good parts). */
  render(): { image: RgbImage; mask: GrayImage };
}

export interface DemoDataset {
  train: DemoImage[];
  test: DemoImage[];
}

export interface DemoDatasetOptions {
  /** Good training parts (default 40). */
  trainCount?: number;
  /** Good test parts (default 6). */
  testGood?: number;
  /** Test parts per defect type (default 2). */
  testPerDefect?: number;
  /** Dataset seed (default 0): every part's seed derives from it. */
  seed?: number;
  /** Image width and height in pixels (default 256). */
  size?: number;
}

function count(name: string, value: number | undefined, fallback: number): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < 0) throw new Error(`demoDataset: ${name} must be an integer >= 0, got ${v}`);
  return v;
}

/**
 * The demo dataset. Train parts, good test parts and each defect type draw their part seeds from separate streams
 * of the dataset seed, so no test part repeats a training part and changing one count leaves the others' images
 * as they were. Test images are listed good first, then by defect type in {@link DEFECT_TYPES} order.
 */
export function demoDataset(options: DemoDatasetOptions = {}): DemoDataset {
  const trainCount = count('trainCount', options.trainCount, 40);
  const testGood = count('testGood', options.testGood, 6);
  const perDefect = count('testPerDefect', options.testPerDefect, 2);
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed)) throw new Error(`demoDataset: seed must be an integer, got ${seed}`);
  const size = options.size ?? 256;

  const image = (split: 'train' | 'test', defect: 'good' | Exclude<DefectType, 'none'>, index: number, stream: number): DemoImage => {
    const partSeed = mixSeed(mixSeed(seed, stream), index) | 0;
    const kind: DefectType = defect === 'good' ? 'none' : defect;
    return {
      name: `${split}/${defect}/${String(index).padStart(3, '0')}.png`,
      label: defect === 'good' ? 0 : 1,
      defect,
      seed: partSeed,
      render: () => {
        const { image, mask } = renderPart({ seed: partSeed, size, defect: kind });
        return { image, mask };
      },
    };
  };

  const train = Array.from({ length: trainCount }, (_, i) => image('train', 'good', i, 1));
  const test = Array.from({ length: testGood }, (_, i) => image('test', 'good', i, 2));
  DEFECT_TYPES.forEach((defect, d) => {
    for (let i = 0; i < perDefect; i++) test.push(image('test', defect, i, 10 + d));
  });
  return { train, test };
}
