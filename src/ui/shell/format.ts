/** Display helpers shared by the panels: times left, sizes, stage names, counts, verdict words, what was picked. */
export function formatEta(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return 'estimating…';
  if (seconds < 1) return 'under a second left';
  if (seconds < 90) return `about ${Math.round(seconds)} s left`;
  return `about ${Math.round(seconds / 60)} min left`;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}

const STAGES: Record<string, string> = {
  features: 'Learning the photos',
  coreset: 'Choosing what to remember',
  calibrate: 'Setting the pass/fail line',
  model: 'Loading',
  calibration: 'Measuring this device',
  benchmark: 'Benchmarking',
  scoring: 'Scoring',
  'base model': 'Reading the base model',
  prepare: 'Preparing the training images',
  'stage I': 'Stage I (discriminator), images',
  'stage II': 'Stage II (extractor), images',
  save: 'Storing the fine-tuned backbone',
};

export function stageLabel(stage: string): string {
  return STAGES[stage] ?? stage;
}

/** "1 image", "3 images": a count with its noun, plural by adding an s. */
export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}

/** The verdict as a banner shows it: FAIL, PASS, or `none` when the profile has no threshold. */
export function verdictWord(verdict: 'pass' | 'fail' | null, none: string): string {
  return verdict === 'fail' ? 'FAIL' : verdict === 'pass' ? 'PASS' : none;
}

/** The score a banner shows: normalised (2 decimals) when there is a threshold, else raw (3 decimals). */
export function bannerScore(r: { score: number; normalized: number | null }): string {
  return r.normalized !== null ? r.normalized.toFixed(2) : r.score.toFixed(3);
}

/**
 * What was just picked, so different choices look different: one file's path; files from folders as "20 files from
 * bottle/train/good"; loose files by name ("a.png, b.png and 3 more").
 */
export function describePicked(paths: readonly string[]): string {
  if (paths.length === 0) return '';
  if (paths.length === 1) return paths[0];
  const folders = [...new Set(paths.map((p) => p.split('/').slice(0, -1).join('/')).filter(Boolean))];
  const n = plural(paths.length, 'file');
  if (folders.length === 1) return `${n} from ${folders[0]}`;
  if (folders.length > 1) return `${n} from ${folders.slice(0, 2).join(', ')}${folders.length > 2 ? ` and ${folders.length - 2} more folders` : ''}`;
  return paths.length <= 3 ? paths.join(', ') : `${paths.slice(0, 2).join(', ')} and ${paths.length - 2} more`;
}
