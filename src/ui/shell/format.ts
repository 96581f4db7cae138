/** Display helpers shared by the panels. */
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
  features: 'Extracting features',
  coreset: 'Selecting the coreset',
  calibrate: 'Calibrating the threshold',
  model: 'Loading the model',
  calibration: 'Measuring backends',
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
