// Lists an MVTec AD style dataset folder (Node only).
import { existsSync, readdirSync, statSync } from 'node:fs';
import { extname, join, parse } from 'node:path';

/** File extensions treated as images (compared case-insensitively). */
export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.bmp', '.webp', '.tif', '.tiff'];

/** One test image: label 0 for the `good` folder, 1 for any defect folder. */
export interface MvtecTestItem {
  path: string;
  label: 0 | 1;
  defect: string;
  /** `ground_truth/<defect>/<stem>_mask.png`, when that file exists. */
  maskPath?: string;
}

/** The files of an MVTec AD style dataset. */
export interface MvtecDataset {
  train: string[];
  test: MvtecTestItem[];
}

function isDir(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Image files directly in `dir`, sorted by name. */
function listImages(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && IMAGE_EXTENSIONS.includes(extname(e.name).toLowerCase()))
    .map((e) => e.name)
    .sort(byName)
    .map((n) => join(dir, n));
}

/**
 * Lists `dir` laid out as MVTec AD: `train/good/*` (training images), `test/<defect>/*` (`good` is label 0, any
 * other folder label 1) and `ground_truth/<defect>/<stem>_mask.png`. Files and folders are sorted by name. `test`
 * may be absent (fit-only use; then `test` is []). Throws an Error naming the path when `dir` or `train/good` is
 * missing or `train/good` has no images.
 */
export function listMvtecDataset(dir: string): MvtecDataset {
  if (!isDir(dir)) throw new Error(`${dir}: dataset folder not found`);
  const trainDir = join(dir, 'train', 'good');
  if (!isDir(trainDir)) {
    throw new Error(`${trainDir}: folder not found (expected the MVTec AD layout: train/good, test/<defect>, ground_truth/<defect>)`);
  }
  const train = listImages(trainDir);
  if (train.length === 0) throw new Error(`${trainDir}: no images (${IMAGE_EXTENSIONS.join(', ')})`);

  const test: MvtecTestItem[] = [];
  const testDir = join(dir, 'test');
  if (isDir(testDir)) {
    const defects = readdirSync(testDir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort(byName);
    for (const defect of defects) {
      for (const path of listImages(join(testDir, defect))) {
        const item: MvtecTestItem = { path, label: defect === 'good' ? 0 : 1, defect };
        const maskPath = join(dir, 'ground_truth', defect, `${parse(path).name}_mask.png`);
        if (existsSync(maskPath)) item.maskPath = maskPath;
        test.push(item);
      }
    }
  }
  return { train, test };
}
