/**
 * The threshold slider: tries a threshold on the batch (verdicts follow at once, nothing is re-scored), with the
 * value and how many images fail. The Threshold panel shows it with Save and Reset; at narrow widths Inspect also
 * shows a compact copy that stays above the results grid while it scrolls, so verdicts can be watched changing
 * while it is dragged. `testPrefix` names the parts ('threshold' -> threshold-slider, threshold-value, ...).
 */
import { useMemo } from 'react';
import { setDraftThreshold } from '../../state/inspect-actions';
import { useInspectStore } from '../../state/inspect-store';
import { derive } from '../inspect/results';
import { useActiveThreshold, useInspectProfile } from '../inspect/useInspect';

const STEPS = 400;
const NO_SCORES: number[] = [];

/** The slider's range (the batch's scores, the held-out normal scores and the saved threshold, padded 5 %) and the fails. */
export function useThresholdScale() {
  const profile = useInspectProfile();
  const items = useInspectStore((s) => s.items);
  const threshold = useActiveThreshold();
  const calibration = profile?.calibrationScores ?? NO_SCORES;
  const scores = useMemo(() => items.filter((i) => i.status === 'done' && i.score !== undefined).map((i) => i.score!), [items]);
  const range = useMemo((): readonly [number, number] => {
    const all = [...scores, ...calibration, ...(profile?.threshold.value != null ? [profile.threshold.value] : [])];
    if (all.length === 0) return [0, 1];
    const min = Math.min(...all), max = Math.max(...all);
    const pad = (max - min) * 0.05 || Math.abs(max) * 0.1 || 1;
    return [Math.max(0, min - pad), max + pad];
  }, [scores, calibration, profile]);
  const [lo, hi] = range;
  const fails = threshold === null ? 0 : scores.filter((s) => derive(s, threshold, calibration).verdict === 'fail').length;
  // `range` keeps its identity while the scores do: charts can defer on it (useDeferredValue).
  return { profile, threshold, scores, calibration, range, lo, hi, step: (hi - lo) / STEPS, fails };
}

export function ThresholdSlider({ testPrefix, className = '' }: { testPrefix: string; className?: string }) {
  const { threshold, scores, lo, hi, step, fails } = useThresholdScale();
  const draft = useInspectStore((s) => s.draftThreshold);
  return (
    <>
      <label className={`threshold-slider ${className}`}>
        <span>
          Threshold <strong data-testid={`${testPrefix}-value`}>{threshold === null ? 'none' : threshold.toPrecision(5)}</strong>
          {draft !== null && <span className="muted small"> (not saved)</span>}
        </span>
        <input
          type="range"
          min={lo}
          max={hi}
          step={step}
          value={threshold ?? lo}
          onChange={(e) => setDraftThreshold(Number(e.target.value))}
          aria-label="Threshold (raw score)"
          aria-valuetext={threshold === null ? 'none' : `${threshold.toPrecision(5)}, ${fails} of ${scores.length} fail`}
          data-testid={`${testPrefix}-slider`}
        />
      </label>
      <span className="small" data-testid={`${testPrefix}-fails`}>
        {fails} of {scores.length} fail
      </span>
    </>
  );
}
