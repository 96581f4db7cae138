/**
 * The folder-name labelling rule of a dropped batch, MVTec style: an image under `good/` (or `ok/`, `normal/`) is
 * good; one under `<defect>/` is defective when the batch also holds a `good/` folder beside it, or when the folder
 * sits under `test/`. Any other folder name says nothing. Pure: paths only, no DOM, no file system.
 */

export type Label = 'good' | 'defective';

/** The label the image's folder gives it, or null when its folder says nothing. */
export function labelFromPath(path: string, batchDirs?: ReadonlySet<string>): Label | null {
  const parts = path.split('/').filter(Boolean);
  if (parts.length < 2) return null;
  const dir = parts[parts.length - 2].toLowerCase();
  if (dir === 'good' || dir === 'ok' || dir === 'normal') return 'good';
  const parent = parts.slice(0, -2).join('/');
  if (parts.length >= 3 && parts[parts.length - 3].toLowerCase() === 'test') return 'defective';
  if (batchDirs && (batchDirs.has(`${parent}${parent ? '/' : ''}good`) || batchDirs.has(`${parent}${parent ? '/' : ''}ok`))) return 'defective';
  return null;
}

/** The folders (full relative paths) that hold files of a batch. */
export function dirsOf(paths: readonly string[]): Set<string> {
  return new Set(paths.map((p) => p.split('/').slice(0, -1).join('/')).filter(Boolean));
}
