/**
 * The Evaluate view's figures: a metric tile, the verdict figures of a run (the profile's threshold, false-reject
 * rate and miss rate, as the CLI's `eval` reports `threshold`, `false_reject_rate` and `miss_rate`: verdictRates on
 * the run's per-image scores), and every profile evaluated on one folder side by side. The threshold is the
 * profile's current one while the profile exists (so teaching it moves the rates at once), else the one it had
 * when evaluated.
 */
import type { ProfileMeta } from '../../engine/profile/profile';
import { verdictRates } from '../../engine/profile/verdict';
import type { VerdictRates } from '../../engine/profile/verdict';
import { useAppStore } from '../../state/app-store';
import type { EvaluationRun } from '../../state/evaluate-store';

/** As `eval` prints them: 4 decimals, n/a when not computed. */
export function fmtMetric(v: number | null): string {
  return v === null ? 'n/a' : v.toFixed(4);
}

/** A threshold: 5 significant digits, or none. */
export function fmtThreshold(v: number | null): string {
  return v === null ? 'none' : v.toPrecision(5);
}

export function Metric({ id, label, value, note, format = fmtMetric }: { id: string; label: string; value: number | null; note?: string; format?: (v: number | null) => string }) {
  return (
    <div className="metric" data-testid={`metric-${id}`} data-value={value === null ? '' : String(value)}>
      <div className="metric-label">{label}</div>
      <div className="metric-value">{format(value)}</div>
      {note && <div className="small muted">{note}</div>}
    </div>
  );
}

export interface RunVerdicts extends VerdictRates {
  threshold: number | null;
}

/** A run's verdict figures under its profile's threshold (current while the profile exists). */
export function runVerdicts(run: EvaluationRun, profiles: readonly ProfileMeta[]): RunVerdicts {
  const profile = profiles.find((p) => p.id === run.profileId);
  const threshold = profile ? profile.threshold.value : run.threshold;
  return { threshold, ...verdictRates(run.images, threshold) };
}

/** The threshold, false-reject rate and miss rate of one run, as tiles. */
export function VerdictMetrics({ run }: { run: EvaluationRun }) {
  const v = runVerdicts(run, useAppStore((s) => s.profiles));
  const changed = v.threshold !== run.threshold ? `${fmtThreshold(run.threshold)} when evaluated` : undefined;
  return (
    <div className="metrics" data-testid="evaluate-verdicts">
      <Metric id="threshold" label="Threshold" value={v.threshold} format={fmtThreshold} note={changed} />
      <Metric id="false_reject_rate" label="False-reject rate" value={v.falseRejectRate} note="good parts failed" />
      <Metric id="miss_rate" label="Miss rate" value={v.missRate} note="defective parts passed" />
    </div>
  );
}

const COMPARED = [
  ['image_auroc', 'Image AUROC'],
  ['pixel_auroc', 'Pixel AUROC'],
  ['aupro', 'AUPRO'],
  ['f1_max', 'F1-max'],
] as const;

const VERDICT_ROWS = [
  ['threshold', 'Threshold', fmtThreshold],
  ['falseRejectRate', 'False-reject rate', fmtMetric],
  ['missRate', 'Miss rate', fmtMetric],
] as const;

/**
 * Every profile evaluated on this folder, side by side (e.g. the same images before and after fine-tuning the
 * backbone): one column per profile, the best value of each metric in bold; then each one's verdict figures.
 */
export function Comparison({ runs, current }: { runs: EvaluationRun[]; current: EvaluationRun }) {
  const profiles = useAppStore((s) => s.profiles);
  const verdicts = runs.map((r) => runVerdicts(r, profiles));
  return (
    <div className="evaluate-table-wrap">
      <table className="evaluate-table" data-testid="evaluate-compare">
        <thead>
          <tr>
            <th scope="col">Metric</th>
            {runs.map((r) => (
              <th key={r.profileId} scope="col" className="num" data-testid="compare-profile" data-profile={r.profileName}>
                {r.profileName}
                {r === current ? ' (last run)' : ''}
                <div className="small muted">{r.backboneLabel}</div>
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {COMPARED.map(([key, label]) => {
            const values = runs.map((r) => r.metrics[key]);
            const best = Math.max(...values.map((v) => v ?? -Infinity));
            return (
              <tr key={key}>
                <th scope="row">{label}</th>
                {runs.map((r, i) => (
                  <td key={r.profileId} className="num" data-testid={`compare-${key}`} data-value={values[i] === null ? '' : String(values[i])}>
                    {values[i] !== null && values[i] === best && runs.length > 1 ? <strong>{fmtMetric(values[i])}</strong> : fmtMetric(values[i])}
                  </td>
                ))}
              </tr>
            );
          })}
          {VERDICT_ROWS.map(([key, label, format]) => (
            <tr key={key}>
              <th scope="row">{label}</th>
              {runs.map((r, i) => (
                <td key={r.profileId} className="num" data-testid={`compare-${key}`} data-value={verdicts[i][key] === null ? '' : String(verdicts[i][key])}>
                  {format(verdicts[i][key])}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
