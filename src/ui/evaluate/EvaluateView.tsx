/**
 * Evaluate: a profile measured on a labelled folder (MVTec AD layout) as the CLI's `eval` measures it, computed in the
 * worker: metrics, verdict rates, ROC curve, score histogram, a per-image table that opens each image with its
 * heatmap and mask and exports as CSV or JSON, and every profile evaluated on the folder side by side. Files that are
 * not usable images are named as left out when the folder is read. Results live only in this tab until exported.
 */
import { DropZone } from '../shell/DropZone';
import { FolderPicker } from '../shell/FolderPicker';
import { useEffect, useId, useMemo } from 'react';
import { Bar, BarChart, CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { rocCurve } from '../../engine/metrics';
import { selectProfile } from '../../state/actions';
import { selectedProfile, useAppStore } from '../../state/app-store';
import { cancelEvaluation, chooseEvaluationFolder, clearEvaluationFolder, runEvaluation } from '../../state/evaluate-actions';
import type { EvaluationRun } from '../../state/evaluate-store';
import { comparableRuns, useEvaluateStore } from '../../state/evaluate-store';
import { installUnloadWarning } from '../../state/inspect-unload';
import { fromDataTransfer } from '../inspect/pick';
import { plural } from '../shell/format';
import { ProgressBar } from '../shell/ProgressBar';
import { LAYOUT_HINT } from '../../engine/data/mvtec-layout';
import { Comparison, fmtMetric, Metric, VerdictMetrics } from './EvaluateMetrics';
import { ImageTable } from './ImageTable';
import './evaluate.css';

const BINS = 20;
const TICKS = [0, 0.2, 0.4, 0.6, 0.8, 1];

/** Good and defective scores in shared bins. */
function classHistogram(run: EvaluationRun) {
  const scores = run.images.map((i) => i.score);
  const lo = Math.min(...scores), hi = Math.max(...scores);
  const w = (hi - lo) / BINS || 1;
  const bins = Array.from({ length: BINS }, (_, i) => ({ x: lo + (i + 0.5) * w, good: 0, defective: 0 }));
  for (const im of run.images) bins[Math.min(BINS - 1, Math.max(0, Math.floor((im.score - lo) / w)))][im.label ? 'defective' : 'good']++;
  return bins;
}

function Results({ run }: { run: EvaluationRun }) {
  const roc = useMemo(() => {
    const c = rocCurve(
      run.images.map((i) => i.score),
      run.images.map((i) => i.label === 1),
    );
    return c.fpr.map((f, k) => ({ fpr: f, tpr: c.tpr[k] }));
  }, [run]);
  const bins = useMemo(() => classHistogram(run), [run]);
  const m = run.metrics;
  const noMasks = m.pixel_auroc === null ? 'no masks' : undefined;
  return (
    <>
      <div className="metrics" data-testid="evaluate-metrics">
        <Metric id="image_auroc" label="Image AUROC" value={m.image_auroc} />
        <Metric id="pixel_auroc" label="Pixel AUROC" value={m.pixel_auroc} note={noMasks} />
        <Metric id="aupro" label="AUPRO" value={m.aupro} note={noMasks} />
        <Metric id="f1_max" label="F1-max" value={m.f1_max} note={`at score ${m.f1_threshold.toPrecision(4)}`} />
      </div>
      <VerdictMetrics run={run} />
      <p className="small muted" data-testid="evaluate-summary">
        "{run.profileName}" on {run.dataset}: {run.images.length} images scored
        {run.skipped.length ? `, ${run.skipped.length} skipped` : ''} · bank <span data-testid="evaluate-bank">{run.bankSize}</span> patches · {run.backend} · {run.msPerImage.toFixed(0)} ms/image ({run.seconds.toFixed(1)} s)
      </p>
      <div className="evaluate-charts">
        <div className="chart" data-testid="evaluate-roc" aria-label={`ROC curve, image AUROC ${fmtMetric(m.image_auroc)}`}>
          <h3>ROC curve (images): true vs false positive rate</h3>
          <ResponsiveContainer width="100%" height={240}>
            <LineChart data={roc} margin={{ top: 8, right: 12, bottom: 16, left: 0 }}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="fpr" type="number" domain={[0, 1]} ticks={TICKS} tickFormatter={(v: number) => v.toFixed(1)} label={{ value: 'false positive rate', position: 'insideBottom', offset: -8, fontSize: 12 }} />
              <YAxis dataKey="tpr" type="number" domain={[0, 1]} width={36} ticks={TICKS} tickFormatter={(v: number) => v.toFixed(1)} />
              <Tooltip formatter={(v) => Number(v).toFixed(3)} labelFormatter={(v) => `FPR ${Number(v).toFixed(3)}`} />
              <ReferenceLine segment={[{ x: 0, y: 0 }, { x: 1, y: 1 }]} stroke="#9ca3af" strokeDasharray="4 4" />
              <Line type="linear" dataKey="tpr" stroke="#7c3aed" strokeWidth={2} dot={false} isAnimationActive={false} name="TPR" />
            </LineChart>
          </ResponsiveContainer>
          <p className="small muted">
            Image AUROC {fmtMetric(m.image_auroc)} over {run.images.length} images; the dashed diagonal is chance.
          </p>
        </div>
        <div className="chart" data-testid="evaluate-histogram" aria-label="Histogram of scores, good and defective">
          <h3>Raw scores by class</h3>
          <ResponsiveContainer width="100%" height={240}>
            <BarChart data={bins} margin={{ top: 8, right: 12, bottom: 4, left: 0 }} barGap={0} barCategoryGap={1}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="x" tickFormatter={(v: number) => v.toPrecision(3)} />
              <YAxis allowDecimals={false} width={32} />
              <Tooltip labelFormatter={(v) => `score ≈ ${Number(v).toPrecision(4)}`} />
              <Legend />
              <Bar dataKey="good" name="Good" stackId="s" fill="#16a34a" isAnimationActive={false} />
              <Bar dataKey="defective" name="Defective" stackId="s" fill="#dc2626" isAnimationActive={false} />
            </BarChart>
          </ResponsiveContainer>
          <p className="small muted">Good and defective images in {BINS} shared bins; a gap between the colours means a threshold separates them.</p>
        </div>
      </div>
      <ImageTable run={run} />
      {run.skipped.length > 0 && (
        <ul className="file-errors" data-testid="evaluate-skipped">
          {run.skipped.map((s) => (
            <li key={s.name}>
              {s.name}: {s.reason}
            </li>
          ))}
        </ul>
      )}
    </>
  );
}

/** Evaluate a profile on a labelled folder (MVTec AD layout): the metrics the CLI's `eval` prints, computed in the worker. */
export function EvaluateView() {
  const profiles = useAppStore((s) => s.profiles);
  const profile = useAppStore(selectedProfile);
  const ready = useAppStore((s) => s.engineStatus === 'ready');
  const { layout, running, reading, progress, result, runs, error } = useEvaluateStore();
  useEffect(installUnloadWarning, []);
  const compared = comparableRuns(result, runs);
  const profileId = useId();
  const usable = Boolean(layout && !layout.problem);
  const defective = layout ? layout.items.length - layout.goodCount : 0;

  return (
    <main className="evaluate">
      <section className="card" aria-labelledby="evaluate-title" data-testid="evaluate-view">
        <h2 id="evaluate-title">Evaluate</h2>
        <p className="small muted">
          Measure a profile on a labelled folder: image AUROC, pixel AUROC, AUPRO and F1-max, and its threshold's false-reject and miss rates, as <code>anomaly-inspector eval</code> computes them. {LAYOUT_HINT} A train/ folder is ignored.
        </p>
        <div className="evaluate-controls">
          <label htmlFor={profileId}>Profile</label>
          <select id={profileId} value={profile?.id ?? ''} onChange={(e) => selectProfile(e.target.value)} disabled={running || profiles.length === 0} data-testid="evaluate-profile">
            {profiles.length === 0 && <option value="">No profiles: build one first</option>}
            {!profile && profiles.length > 0 && <option value="">Choose a profile</option>}
            {profiles.map((p) => (
              <option key={p.id} value={p.id}>
                {p.name} (bank {p.bank.size})
              </option>
            ))}
          </select>
        </div>
        <DropZone disabled={running} onDrop={(data) => void fromDataTransfer(data).then((picked) => chooseEvaluationFolder(picked))} testId="evaluate-drop">
          <span className="drop-label">Labelled folder</span>
          <span className="muted small">Drop the dataset folder (e.g. one MVTec AD category) here, or choose it.</span>
          <div className="actions">
            <FolderPicker disabled={running} testId="evaluate-folder" onPicked={(picked) => void chooseEvaluationFolder(picked)} />
            {layout && (
              <button type="button" onClick={clearEvaluationFolder} disabled={running}>
                Clear
              </button>
            )}
          </div>
        </DropZone>
        {reading && (
          <p className="small muted" data-testid="evaluate-reading">
            Reading the folder: checking every image…
          </p>
        )}
        {layout && !layout.problem && !reading && (
          <p className="small" data-testid="evaluate-set" data-count={layout.items.length} data-masks={layout.maskCount}>
            {layout.root ? `${layout.root}: ` : ''}
            {layout.items.length} test images: {layout.goodCount} good, {defective} defective in {plural(layout.defects.length, 'folder')} ({layout.defects.join(', ')}); {layout.maskCount} masks
            {layout.maskCount === 0 ? ' (pixel AUROC and AUPRO need ground_truth masks)' : ''}.
            {layout.ignored.length > 0 && ` ${plural(layout.ignored.length, 'file')} left out (listed below).`}
          </p>
        )}
        {error && (
          <p className="error-text" role="alert" data-testid="evaluate-error">
            {error}
          </p>
        )}
        {layout && layout.ignored.length > 0 && !reading && (
          <details className="small" open={Boolean(layout.problem) || layout.ignored.some((f) => f.reason.startsWith('not a usable image'))} data-testid="evaluate-ignored">
            <summary>Files left out ({layout.ignored.length})</summary>
            <ul>
              {layout.ignored.slice(0, 50).map((f) => (
                <li key={f.path} data-testid="evaluate-ignored-file">
                  {f.path}: {f.reason}
                </li>
              ))}
              {layout.ignored.length > 50 && <li>… and {layout.ignored.length - 50} more</li>}
            </ul>
          </details>
        )}
        <div className="actions evaluate-run">
          <button type="button" className="primary" disabled={!usable || reading || !profile || !ready || running} onClick={() => void runEvaluation()} data-testid="evaluate-run">
            Evaluate
          </button>
          {running && (
            <button type="button" onClick={cancelEvaluation} data-testid="evaluate-cancel">
              Cancel
            </button>
          )}
          {!profile && <span className="small muted">Choose a profile.</span>}
          {profile && !ready && <span className="small muted">The engine is starting…</span>}
        </div>
        {running && <ProgressBar progress={progress} label="Evaluation progress" testId="evaluate-progress" />}
      </section>
      {result && (
        <section className="card" aria-labelledby="evaluate-results-title" data-testid="evaluate-results">
          <h2 id="evaluate-results-title">Results</h2>
          {compared.length > 1 && (
            <>
              <h3>Profiles evaluated on {result.dataset}, side by side</h3>
              <Comparison runs={compared} current={result} />
              <h3>Last run: "{result.profileName}"</h3>
            </>
          )}
          <Results run={result} />
        </section>
      )}
    </main>
  );
}
