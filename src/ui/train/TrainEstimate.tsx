import { useEffect, useState } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { StageEstimate, StageTiming, TrainEstimate as Estimate } from '../../engine/tocoad/estimate';
import { LONG_RUN_SECONDS, remainingSeconds, shorterRuns } from '../../engine/tocoad/estimate';
import { useAppStore } from '../../state/app-store';
import { scheduleTrainEstimate } from '../../state/train-actions';
import { cancelEstimate, estimateFor } from '../../state/train-estimate';
import { useTrainStore } from '../../state/train-store';
import { BACKEND_LABELS } from '../../worker-bridge/protocol';
import { ProgressBar } from '../shell/ProgressBar';

/** "45 s", "7 min 20 s", "1 h 05 min". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  return `${Math.floor(s / 3600)} h ${String(Math.round((s % 3600) / 60)).padStart(2, '0')} min`;
}

function stageText(name: string, st: StageEstimate | null, t: StageTiming | null): string | null {
  if (!st || !t) return null;
  const mbs = st.epochs * st.microBatchesPerEpoch;
  return `stage ${name} ≈ ${formatDuration(st.seconds)}: ${st.epochs} epoch${st.epochs === 1 ? '' : 's'} × ${st.microBatchesPerEpoch} micro-batch${st.microBatchesPerEpoch === 1 ? '' : 'es'}, the first ${t.firstMicroBatch.toFixed(2)} s${mbs > 1 ? `, then ${t.microBatch.toFixed(2)} s each` : ''}, plus ${st.epochs === 1 ? 'a checkpoint' : `${st.epochs} checkpoints`} at ${t.checkpoint.toFixed(2)} s`;
}

/** The expected duration of the form's run, measured before Start, with what to change when it is long. */
export function TrainEstimate() {
  const { estimate, settings, images, running, backboneId } = useTrainStore(
    useShallow((s) => ({ estimate: s.estimate, settings: s.settings, images: s.images, running: s.running, backboneId: s.backboneId })),
  );
  const backend = useAppStore((s) => s.backend?.name);
  const ready = useAppStore((s) => s.engineStatus === 'ready');
  // Asked again when what it depends on changes (not when a run ends: nothing changed, and the engine is wanted then).
  useEffect(() => {
    if (!useTrainStore.getState().running) scheduleTrainEstimate();
  }, [settings, images, backboneId, backend, ready]);
  if (running || images.count === 0) return null;
  const { status, calibration, at } = estimate;
  const e: Estimate | null = estimateFor(estimate, settings, images.count);
  if (status === 'waiting' || status === 'measuring') {
    return (
      <div className="train-estimate" data-testid="train-estimate" data-status={status}>
        <ProgressBar progress={estimate.progress} label="Measuring the cost of the run" testId="train-estimate-progress" />
        <p className="small muted">
          Measuring the cost on {backend ? BACKEND_LABELS[backend] : 'this device'}: one epoch of two micro-batches per stage at {settings.imageSize} px, micro-batch {settings.microBatch}.{' '}
          <button type="button" onClick={cancelEstimate} data-testid="train-estimate-cancel">
            Cancel
          </button>
        </p>
      </div>
    );
  }
  if (status === 'error') {
    return (
      <p className="small error-text" data-testid="train-estimate" data-status="error">
        The cost could not be measured: {estimate.error}
      </p>
    );
  }
  if (!e || !calibration || !at) return null;
  const long = e.total > LONG_RUN_SECONDS;
  const plan = { images: images.count, stage1BatchSize: settings.stage1BatchSize, batchSize: settings.batchSize, microBatch: settings.microBatch, stage1Epochs: settings.stage1Epochs, stage2Epochs: settings.stage2Epochs, imageSize: settings.imageSize };
  const shorter = long ? shorterRuns(calibration, plan) : [];
  const parts = [stageText('I', e.stage1, calibration.stage1), stageText('II', e.stage2, calibration.stage2)].filter(Boolean);
  return (
    <div className="train-estimate" data-testid="train-estimate" data-status="ready" data-seconds={e.total.toFixed(1)}>
      <p>
        Expected duration: <strong data-testid="train-estimate-total">about {formatDuration(e.total)}</strong>{' '}
        <span className="small muted">
          ({parts.join('; ')}; reading the model, preparing {images.count} images, building the networks and storing the result ≈ {formatDuration(e.fixed.seconds)}). Measured on {BACKEND_LABELS[at.backend]} at {at.imageSize} px, micro-batch {at.microBatch}, in {formatDuration(at.seconds)}.
        </span>
      </p>
      {long && (
        <div className="field-problem" role="alert" data-testid="train-estimate-long">
          <p>This run is expected to take over {LONG_RUN_SECONDS / 60} minutes. To bring it under {LONG_RUN_SECONDS / 60}:</p>
          {shorter.length ? (
            <ul>
              {shorter.map((s) => (
                <li key={s.kind} data-testid={`train-estimate-shorter-${s.kind}`}>
                  {s.text}
                </li>
              ))}
            </ul>
          ) : (
            <p>no single change does it; lower the epochs, the image size and the number of images together.</p>
          )}
        </div>
      )}
    </div>
  );
}

/**
 * While a run goes: the whole run's time left, the running stage at its measured rate and the rest from the estimate,
 * counting down between the trainer's reports (not while paused).
 */
export function TotalEta() {
  const { plan, progress, progressAt, paused } = useTrainStore(useShallow((s) => ({ plan: s.runPlan, progress: s.progress, progressAt: s.progressAt, paused: s.paused })));
  const [now, setNow] = useState(0);
  useEffect(() => {
    const t = setInterval(() => setNow(performance.now()), 1000);
    return () => clearInterval(t);
  }, []);
  if (!plan) return null;
  const reported = remainingSeconds(plan, progress);
  if (reported === null) return null;
  const since = !paused && now > progressAt ? (now - progressAt) / 1000 : 0;
  const left = Math.max(reported > 0 ? 1 : 0, reported - since);
  return (
    <p className="small muted" data-testid="train-total-eta" data-seconds={left.toFixed(1)}>
      About {formatDuration(left)} left in all (expected {formatDuration(plan.total)} before the start; the running stage is timed as it goes).
    </p>
  );
}
