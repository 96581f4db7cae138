/**
 * The MVTec AD layout read from a plain list of paths, one reader for every host: the CLI lists a folder on disk
 * (src/node/dataset.ts), the Evaluate view a dropped or picked folder. `train/good/*` are the training images,
 * `test/good/*` label 0, `test/<defect>/*` label 1, and `ground_truth/<defect>/<stem>_mask.png` their masks.
 * Sorted by defect folder, then by file name. Files a host found unusable (empty, not an image: the host reads their
 * bytes) are left out and named with the reason, so they are neither counted nor scored. Pure: no DOM, no file system.
 */

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg', '.bmp', '.webp', '.gif', '.tif', '.tiff'];

export interface LayoutItem<F> {
  /** Path relative to the dataset folder, e.g. `test/angle/000.png`. */
  name: string;
  label: 0 | 1;
  defect: string;
  file: F;
  mask?: F;
}

export interface Layout<F> {
  /** `train/good/*` images, sorted by name (path relative to the dataset folder, e.g. `train/good/000.png`). */
  train: { name: string; file: F }[];
  items: LayoutItem<F>[];
  /** Defect folders (not `good`), sorted. */
  defects: string[];
  goodCount: number;
  maskCount: number;
  /** The dataset folder's own name, when the paths carry it (e.g. `glass`). */
  root: string;
  /** Files left out and why (not in the layout, not an image, mask without its image). */
  ignored: { path: string; reason: string }[];
  /** Why nothing can be evaluated, when so; null when the set is usable. */
  problem: string | null;
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const ext = (name: string) => {
  const i = name.lastIndexOf('.');
  return i > 0 ? name.slice(i).toLowerCase() : '';
};
const stem = (name: string) => {
  const i = name.lastIndexOf('.');
  return i > 0 ? name.slice(0, i) : name;
};

export const LAYOUT_HINT = 'Expected a folder in the MVTec AD layout: test/good/*, test/<defect>/* and, for pixel metrics, ground_truth/<defect>/<name>_mask.png.';

/**
 * Reads `files` (each with a path relative to what was dropped) as one MVTec AD folder. `unusable`: files the host
 * found are not usable images, with the reason (e.g. 'the file is empty'); they are left out and listed in `ignored`.
 */
export function readLayout<F>(files: readonly { path: string; file: F }[], unusable?: ReadonlyMap<F, string>): Layout<F> {
  const ignored: Layout<F>['ignored'] = [];
  const tests: { prefix: string; defect: string; base: string; path: string; file: F }[] = [];
  const masks = new Map<string, F>();
  const train: Layout<F>['train'] = [];
  for (const { path, file } of files) {
    const parts = path.replace(/\\/g, '/').split('/').filter(Boolean);
    const base = parts[parts.length - 1] ?? '';
    if (base.startsWith('.')) continue;
    // The last `test` or `ground_truth` folder two levels above the file decides its role.
    const role = parts.length >= 3 ? parts[parts.length - 3] : '';
    const defect = parts.length >= 3 ? parts[parts.length - 2] : '';
    const prefix = parts.slice(0, -3).join('/');
    const problem = unusable?.get(file);
    if (problem !== undefined && (role === 'train' || role === 'test' || role === 'ground_truth')) {
      ignored.push({ path, reason: `not a usable image: ${problem}` });
      continue;
    }
    if (role === 'train' && defect === 'good') {
      if (IMAGE_EXTENSIONS.includes(ext(base))) train.push({ name: parts.slice(-3).join('/'), file });
      else ignored.push({ path, reason: 'not an image' });
      continue;
    }
    if (parts.slice(0, -1).includes('train')) continue;
    if (role === 'test') {
      if (!IMAGE_EXTENSIONS.includes(ext(base))) ignored.push({ path, reason: 'not an image' });
      else tests.push({ prefix, defect, base, path: parts.slice(-3).join('/'), file });
    } else if (role === 'ground_truth') {
      if (/_mask\.png$/i.test(base)) masks.set(`${prefix}|${defect}|${base.slice(0, -'_mask.png'.length)}`, file);
      else ignored.push({ path, reason: 'not a <name>_mask.png mask' });
    } else ignored.push({ path, reason: 'not under test/<defect>/ or ground_truth/<defect>/' });
  }
  const prefixes = [...new Set(tests.map((t) => t.prefix))];
  train.sort((a, b) => cmp(a.name, b.name));
  const empty = (problem: string): Layout<F> => ({ train, items: [], defects: [], goodCount: 0, maskCount: 0, root: '', ignored, problem });
  if (tests.length === 0) return empty(`No test images found. ${LAYOUT_HINT}`);
  if (prefixes.length > 1) return empty(`These files hold more than one dataset (${prefixes.map((p) => p || '(top level)').join(', ')}); drop one folder at a time.`);
  const prefix = prefixes[0];
  tests.sort((a, b) => cmp(a.defect, b.defect) || cmp(a.base, b.base));
  const used = new Set<string>();
  const items: LayoutItem<F>[] = tests.map((t) => {
    const key = `${prefix}|${t.defect}|${stem(t.base)}`;
    const mask = t.defect === 'good' ? undefined : masks.get(key);
    if (mask) used.add(key);
    return { name: t.path, label: t.defect === 'good' ? 0 : 1, defect: t.defect, file: t.file, ...(mask ? { mask } : {}) };
  });
  for (const key of masks.keys()) if (!used.has(key)) ignored.push({ path: key.split('|').slice(1).join('/') + '_mask.png', reason: 'a mask with no test image of that name' });
  const defects = [...new Set(items.filter((i) => i.label === 1).map((i) => i.defect))];
  const goodCount = items.filter((i) => i.label === 0).length;
  let problem: string | null = null;
  if (goodCount === 0) problem = `No test/good/ images: AUROC needs good and defective images. ${LAYOUT_HINT}`;
  else if (defects.length === 0) problem = `Only test/good/ images: AUROC needs defective images too (test/<defect>/*). ${LAYOUT_HINT}`;
  return { train, items, defects, goodCount, maskCount: used.size, root: prefix.split('/').pop() ?? '', ignored, problem };
}
