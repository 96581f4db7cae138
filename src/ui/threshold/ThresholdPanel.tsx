/**
 * The Threshold panel: the slider (./ThresholdSlider.tsx) with Save and Reset, a histogram of the batch's scores and
 * the held-out normal scores with the threshold, and, when images are labelled, the ROC curve and confusion counts.
 */
import { useDeferredValue, useMemo } from 'react';
import { Bar, CartesianGrid, ComposedChart, Legend, Line, LineChart, ReferenceDot, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from 'recharts';
import { confusionAt, rocCurve, auroc } from '../../engine/metrics';
import { saveThreshold, setDraftThreshold } from '../../state/inspect-actions';
import { useInspectStore } from '../../state/inspect-store';
import { histogram } from '../inspect/results';
import { ThresholdSlider, useThresholdScale } from './ThresholdSlider';

const BINS = 24;

/** Try a threshold on the batch (verdicts follow at once, nothing is re-scored) and save it to the profile. */
export function ThresholdPanel() {
  const { profile, threshold: liveThreshold, calibration, range } = useThresholdScale();
  // Charts follow the results and the slider at low priority: React renders them in slices, so
  // results arriving and the slider moving stay smooth (the scale's range too, so no chart renders urgently).
  const [lo, hi] = useDeferredValue(range);
  const items = useDeferredValue(useInspectStore((s) => s.items));
  const draft = useInspectStore((s) => s.draftThreshold);
  const threshold = useDeferredValue(liveThreshold);
  const scored = useMemo(() => items.filter((i) => i.status === 'done' && i.score !== undefined), [items]);
  const scores = useMemo(() => scored.map((i) => i.score!), [scored]);
  const bins = useMemo(() => histogram(scores, calibration, BINS, lo, hi), [scores, calibration, lo, hi]);
  const { labelled, labels, hasBoth, roc } = useMemo(() => {
    const labelled = scored.filter((i) => i.label);
    const labels = labelled.map((i) => i.label === 'defective');
    const hasBoth = labels.some(Boolean) && labels.some((l) => !l);
    if (!hasBoth) return { labelled, labels, hasBoth, roc: null };
    const s = labelled.map((i) => i.score!);
    const c = rocCurve(s, labels);
    return { labelled, labels, hasBoth, roc: { points: c.fpr.map((f, k) => ({ fpr: f, tpr: c.tpr[k] })), auc: auroc(s, labels) } };
  }, [scored]);
  const confusion = hasBoth && threshold !== null ? confusionAt(labelled.map((i) => i.score!), labels, threshold) : null;

  if (!profile) return null;
  const saved = profile.threshold.value;
  return (
    <section className="card" aria-labelledby="threshold-title" data-testid="threshold-panel">
      <h2 id="threshold-title">Threshold</h2>
      <p className="small muted">
        Saved: {saved === null ? 'none' : `${saved.toPrecision(5)} (${profile.threshold.method})`}. Move the slider to see the verdicts change; nothing is re-scored. Verdict is Fail when the raw score is at or above the threshold.
      </p>
      <div className="threshold-row">
        <ThresholdSlider testPrefix="threshold" />
        <div className="actions">
          <button type="button" className="primary" disabled={draft === null} onClick={() => void saveThreshold()} data-testid="threshold-save">
            Save threshold
          </button>
          <button type="button" disabled={draft === null} onClick={() => setDraftThreshold(null)} data-testid="threshold-reset">
            Reset
          </button>
        </div>
      </div>
      {scores.length === 0 && calibration.length === 0 ? (
        <p className="muted">Inspect some images to see their scores here.</p>
      ) : (
        <div className="chart" data-testid="threshold-histogram" aria-label="Histogram of scores with the threshold">
          <ResponsiveContainer width="100%" height={220}>
            <ComposedChart data={bins} margin={{ top: 22, right: 12, bottom: 4, left: 0 }} barGap={0} barCategoryGap={1}>
              <CartesianGrid strokeDasharray="3 3" />
              <XAxis dataKey="x" type="number" domain={[lo, hi]} tickFormatter={(v: number) => v.toPrecision(3)} />
              <YAxis allowDecimals={false} width={32} />
              <Tooltip formatter={(v) => String(v)} labelFormatter={(v) => `score ≈ ${Number(v).toPrecision(4)}`} />
              <Legend />
              <Bar dataKey="batch" name="This batch" fill="#2563eb" isAnimationActive={false} />
              <Bar dataKey="calibration" name="Held-out normals (calibration)" fill="#16a34a" isAnimationActive={false} />
              {threshold !== null && <ReferenceLine x={threshold} stroke="#dc2626" strokeWidth={2} label={{ value: 'threshold', position: 'top', fill: '#dc2626', fontSize: 12 }} />}
            </ComposedChart>
          </ResponsiveContainer>
        </div>
      )}
      {roc ? (
        <div className="roc-row">
          <div className="chart roc" data-testid="roc-chart" aria-label={`ROC curve, AUROC ${roc.auc.toFixed(3)}`}>
            <ResponsiveContainer width="100%" height={220}>
              <LineChart data={roc.points} margin={{ top: 8, right: 12, bottom: 16, left: 0 }}>
                <CartesianGrid strokeDasharray="3 3" />
                <XAxis dataKey="fpr" type="number" domain={[0, 1]} label={{ value: 'false positive rate', position: 'insideBottom', offset: -8, fontSize: 12 }} />
                <YAxis dataKey="tpr" type="number" domain={[0, 1]} width={32} />
                <Tooltip />
                <Line type="stepAfter" dataKey="tpr" stroke="#7c3aed" dot={false} isAnimationActive={false} name="ROC" />
                {confusion && <ReferenceDot x={confusion.fp / Math.max(1, confusion.fp + confusion.tn)} y={confusion.tp / Math.max(1, confusion.tp + confusion.fn)} r={6} fill="#dc2626" stroke="#fff" />}
              </LineChart>
            </ResponsiveContainer>
            <p className="small">AUROC {roc.auc.toFixed(3)} on {labelled.length} labelled images; the red dot is the threshold in use.</p>
          </div>
          {confusion && (
            <table className="confusion" data-testid="confusion" aria-label="Confusion counts at the threshold">
              <caption className="small">At the threshold ({labelled.length} labelled)</caption>
              <thead>
                <tr>
                  <th />
                  <th scope="col">Judged fail</th>
                  <th scope="col">Judged pass</th>
                </tr>
              </thead>
              <tbody>
                <tr>
                  <th scope="row">Defective</th>
                  <td data-testid="tp">{confusion.tp}</td>
                  <td data-testid="fn">{confusion.fn}</td>
                </tr>
                <tr>
                  <th scope="row">Good</th>
                  <td data-testid="fp">{confusion.fp}</td>
                  <td data-testid="tn">{confusion.tn}</td>
                </tr>
              </tbody>
            </table>
          )}
        </div>
      ) : (
        <p className="small muted" data-testid="roc-empty">
          Label some images good and some defective (buttons under each result, or folders good/ and &lt;defect&gt;/) to see the ROC curve and the confusion counts.
        </p>
      )}
    </section>
  );
}
