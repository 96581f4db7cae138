/**
 * The Evaluate view's per-image table as a file: CSV or JSON with each image's name, label, defect folder, raw score,
 * verdict at the evaluated profile's threshold (its current one while it exists, as the table shows) and region count
 * (when the worker reported regions). One file per request, however fast the clicks come (src/state/download.ts).
 */
import { verdictFor } from '../engine/profile/verdict';
import type { ProfileMeta } from '../engine/profile/profile';
import { useAppStore } from './app-store';
import { csvText, downloadOnce, exportFileName } from './download';
import type { EvaluationRun } from './evaluate-store';
import { useEvaluateStore } from './evaluate-store';

/** The threshold a run's verdicts use: its profile's current one while the profile exists, else the one it had. */
export function runThreshold(run: EvaluationRun, profiles: readonly ProfileMeta[]): number | null {
  const profile = profiles.find((p) => p.id === run.profileId);
  return profile ? profile.threshold.value : run.threshold;
}

export interface EvaluationRow {
  name: string;
  label: 'good' | 'defective';
  defect: string;
  score: number;
  verdict: 'pass' | 'fail' | null;
  /** Defect regions at the threshold; null when the worker did not report them. */
  regions: number | null;
}

export function evaluationRows(run: EvaluationRun, threshold: number | null): EvaluationRow[] {
  return run.images.map((i) => ({
    name: i.name,
    label: i.label ? 'defective' : 'good',
    defect: i.defect,
    score: i.score,
    verdict: threshold === null ? null : verdictFor(i.score, threshold),
    regions: i.regions ? i.regions.length : null,
  }));
}

const COLUMNS = ['name', 'label', 'defect', 'score', 'verdict', 'regions'] as const;

export function evaluationCsv(rows: readonly EvaluationRow[]): string {
  return csvText(
    COLUMNS,
    rows.map((r) => [r.name, r.label, r.defect, r.score, r.verdict ?? '', r.regions]),
  );
}

export function evaluationJson(run: EvaluationRun, threshold: number | null, rows: readonly EvaluationRow[], at = new Date()): string {
  const body = {
    exportedAt: at.toISOString(),
    profile: { id: run.profileId, name: run.profileName },
    dataset: run.dataset,
    threshold,
    metrics: run.metrics,
    images: rows,
    skipped: run.skipped,
  };
  return JSON.stringify(body, null, 2) + '\n';
}

/** Downloads the last result's per-image table; a second request for the same file meanwhile is ignored (`at`: as exportInspection's). */
export function exportEvaluation(format: 'csv' | 'json', at?: number): boolean {
  const run = useEvaluateStore.getState().result;
  if (!run) return false;
  const threshold = runThreshold(run, useAppStore.getState().profiles);
  const saved = downloadOnce(`evaluate-${format}`, [run, threshold], () => {
    const rows = evaluationRows(run, threshold);
    const fileName = exportFileName('evaluation', `${run.dataset}-${run.profileName}`, format);
    return format === 'csv'
      ? { blob: new Blob([evaluationCsv(rows)], { type: 'text/csv' }), fileName }
      : { blob: new Blob([evaluationJson(run, threshold, rows)], { type: 'application/json' }), fileName };
  }, at);
  if (saved) useEvaluateStore.setState({ unexported: false });
  return saved;
}
