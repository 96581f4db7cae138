/**
 * Lists an MVTec AD style dataset folder on disk (Node only): the folder's files are listed, then read as the
 * layout by the engine's one reader (src/engine/data/mvtec-layout.ts), which the app's Evaluate view uses too.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { IMAGE_EXTENSIONS, readLayout } from '../engine/data/mvtec-layout';

export { IMAGE_EXTENSIONS };

/** One test image: label 0 for the `good` folder, 1 for any defect folder. */
export interface MvtecTestItem {
  path: string;
  label: 0 | 1;
  defect: string;
  /** `ground_truth/<defect>/<stem>_mask.png`, when that file exists. */
  maskPath?: string;
}

/** The files of an MVTec AD style dataset, and the files in its folders that were left out, each with why. */
export interface MvtecDataset {
  train: string[];
  test: MvtecTestItem[];
  skipped: { path: string; reason: string }[];
}

function isDir(path: string): boolean {
  return existsSync(path) && statSync(path).isDirectory();
}

/**
 * Paths (relative to `dir`) of the files directly inside each sub-folder of `dir/<role>`. Symbolic links are not
 * followed (a data folder's link may point anywhere): they are named in `skipped`, as is anything else that is not a
 * plain file or folder.
 */
function filesUnder(dir: string, role: string, skipped: MvtecDataset['skipped']): string[] {
  const roleDir = join(dir, role);
  if (!isDir(roleDir)) return [];
  const out: string[] = [];
  for (const sub of readdirSync(roleDir, { withFileTypes: true })) {
    if (sub.isSymbolicLink()) skipped.push({ path: join(roleDir, sub.name), reason: 'a symbolic link (links are not followed)' });
    if (!sub.isDirectory()) continue;
    for (const e of readdirSync(join(roleDir, sub.name), { withFileTypes: true })) {
      const path = `${role}/${sub.name}/${e.name}`;
      if (e.isFile()) out.push(path);
      else if (e.isSymbolicLink()) skipped.push({ path: join(dir, path), reason: 'a symbolic link (links are not followed)' });
      else if (!e.isDirectory()) skipped.push({ path: join(dir, path), reason: 'not a regular file' });
    }
  }
  return out;
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
  const skipped: MvtecDataset['skipped'] = [];
  const paths = ['train', 'test', 'ground_truth'].flatMap((role) => filesUnder(dir, role, skipped));
  const layout = readLayout(paths.map((path) => ({ path, file: join(dir, path) })));
  for (const i of layout.ignored) skipped.push({ path: join(dir, i.path), reason: i.reason });
  const train = layout.train.map((t) => t.file);
  if (train.length === 0) throw new Error(`${trainDir}: no images (${IMAGE_EXTENSIONS.join(', ')})`);
  const test = layout.items.map((item): MvtecTestItem => ({ path: item.file, label: item.label, defect: item.defect, ...(item.mask ? { maskPath: item.mask } : {}) }));
  return { train, test, skipped };
}
