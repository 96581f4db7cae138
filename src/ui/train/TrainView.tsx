import { memo, useDeferredValue, useEffect } from 'react';
import { useShallow } from 'zustand/react/shallow';
import { useAppStore } from '../../state/app-store';
import { refreshBackbones } from '../../state/backbones';
import {
  buildProfileFromRun,
  cancelTraining,
  describePosition,
  discardStoredRun,
  exportTrainedBackbone,
  loadStoredRun,
  pauseTraining,
  resumeStoredRun,
  resumeTraining,
} from '../../state/train-actions';
import { useTrainStore } from '../../state/train-store';
import { goTo } from '../shell/route';
import { formatBytes, plural } from '../shell/format';
import { ProgressBar } from '../shell/ProgressBar';
import { LossCharts } from './LossCharts';
import { SampleStrip } from './SampleStrip';
import { TrainForm } from './TrainForm';
import { TotalEta } from './TrainEstimate';
import { TrainProof } from './TrainProof';
import './train.css';
import { supportsPatchCore } from '../../engine/backbones/spec';

const STATUS_WORDS = { running: 'was interrupted (the page was closed or reloaded)', stopped: 'was cancelled', failed: 'failed', done: 'finished' } as const;

/** A stored run that is not running in this page: resume it from its checkpoint, or discard it. */
function StoredRun() {
  const { record, running } = useTrainStore(useShallow((s) => ({ record: s.record, running: s.running })));
  const ready = useAppStore((s) => s.engineStatus === 'ready');
  if (!record || running || record.status === 'done') return null;
  const cp = record.checkpoint;
  return (
    <section className="card train-stored" aria-labelledby="train-stored-title" data-testid="train-stored-run" data-status={record.status} data-checkpoint={cp ? `${cp.stage}:${cp.epochsDone}` : ''}>
      <h2 id="train-stored-title">Unfinished run</h2>
      {record.status === 'failed' && (
        <p className="error-text" role="alert" data-testid="train-stored-failure">
          The run failed: {record.error ?? 'no reason was recorded'}. Resuming runs it again from the last checkpoint: it fails the same way unless the cause (named here) is fixed first.
        </p>
      )}
      <p className="small">
        Fine-tuning {record.backboneLabel} on {record.images.length} images from "{record.dataset}" {STATUS_WORDS[record.status]}.{' '}
        {cp
          ? `The last checkpoint (${describePosition(cp, record.settings)}, ${formatBytes(cp.bytes)}, ${new Date(cp.at).toLocaleString()}) is stored in this browser: Resume continues from it.`
          : 'No epoch had finished, so Resume starts it again from the beginning.'}{' '}
        The images are stored with the run.
      </p>
      <div className="actions">
        <button type="button" className="primary" onClick={() => void resumeStoredRun()} disabled={!ready} data-testid="train-run-resume">
          {record.status === 'failed' ? 'Try again from the checkpoint' : 'Resume'}
        </button>
        <button type="button" onClick={() => void discardStoredRun()} data-testid="train-run-discard">
          Discard
        </button>
      </div>
    </section>
  );
}

const RunControls = memo(function RunControls() {
  const { running, paused, pauseRequested, progress, checkpoint, options, backend, resumedAt, record } = useTrainStore(
    useShallow((s) => ({ running: s.running, paused: s.paused, pauseRequested: s.pauseRequested, progress: s.progress, checkpoint: s.checkpoint, options: s.options, backend: s.backend, resumedAt: s.resumedAt, record: s.record })),
  );
  if (!running) return null;
  const state = paused ? 'paused' : pauseRequested ? 'pausing' : 'running';
  return (
    <div className="train-run" data-testid="train-running">
      <ProgressBar progress={progress} label="Training progress" testId="train-progress" />
      <TotalEta />
      <p className="small muted" data-testid="train-state" data-state={state}>
        {state === 'paused' ? 'Paused. The engine keeps the run in memory; other engine work waits until it is resumed or cancelled.' : state === 'pausing' ? 'Pausing after the current micro-batch…' : 'Training'}
        {backend && ` on ${backend}`}
        {options && `, ${options.imageSize} px, batch ${options.stage1BatchSize} (stage I) and ${options.batchSize} (stage II) in micro-batches of ${options.microBatch}, ${options.stage1Epochs} + ${options.stage2Epochs} epochs`}
        {resumedAt && `; resumed from ${describePosition(resumedAt, record?.settings)}`}. Other engine work (building, scoring) waits until the run ends.
      </p>
      <div className="actions">
        {pauseRequested ? (
          <button type="button" onClick={() => void resumeTraining()} data-testid="train-resume">
            Resume
          </button>
        ) : (
          <button type="button" onClick={() => void pauseTraining()} data-testid="train-pause">
            Pause
          </button>
        )}
        <button type="button" onClick={cancelTraining} data-testid="train-cancel">
          Cancel
        </button>
      </div>
      <p className="small muted" data-testid="train-checkpoint" data-checkpoint={checkpoint ? `${checkpoint.stage}:${checkpoint.epochsDone}` : ''}>
        {checkpoint ? `Checkpoint stored at ${describePosition(checkpoint, record?.settings)} (${formatBytes(checkpoint.bytes)}, IndexedDB): a reload can resume from there.` : 'A checkpoint is stored after every epoch.'}
      </p>
    </div>
  );
});

/** Controls, loss curves and samples of the run (live, or the stored one). */
function RunSection() {
  const { steps, history, samples, running, status } = useTrainStore(
    useShallow((s) => ({ steps: s.steps, history: s.history, samples: s.samples, running: s.running, status: s.record?.status })),
  );
  const shownSteps = useDeferredValue(steps);
  const shownHistory = useDeferredValue(history);
  const hasRun = running || steps.length > 0 || samples.length > 0 || history.length > 0;
  return (
    <section className="card" aria-labelledby="train-run-title" data-testid="train-run">
      <h2 id="train-run-title">{running ? 'Training' : !hasRun ? 'Losses' : status === 'done' ? 'Last run' : 'Run so far'}</h2>
      <RunControls />
      <LossCharts steps={shownSteps} history={shownHistory} />
      <SampleStrip sets={samples} />
    </section>
  );
}

function Result() {
  const { record, running, profile } = useTrainStore(useShallow((s) => ({ record: s.record, running: s.running, profile: s.profile })));
  const build = useAppStore((s) => s.build);
  const ready = useAppStore((s) => s.engineStatus === 'ready');
  const result = record?.status === 'done' ? record.result : undefined;
  if (!result || running) return null;
  const b = result.backbone;
  const narrow = !supportsPatchCore(b.tapChannels);
  return (
    <section className="card" aria-labelledby="train-result-title" data-testid="train-result" data-backbone-id={b.id}>
      <h2 id="train-result-title">Fine-tuned backbone</h2>
      <p>
        <strong data-testid="train-result-label">{b.label}</strong> <span className="small muted">({b.id})</span>
      </p>
      <p className="small muted">
        Trained on {record!.images.length} images from "{record!.dataset}"{result.textures ? ` with ${plural(result.textures, 'texture image')}` : ''} in {result.seconds.toFixed(0)} s on {result.backend}; {formatBytes(b.byteSize)} stored in this browser, weights {b.weightsHash.slice(0, 12)}. It is
        offered in the profile form's backbone list and in Backbones.
      </p>
      <div className="actions">
        <button type="button" onClick={() => void exportTrainedBackbone()} data-testid="train-export">
          Export weights (.safetensors)
        </button>
        <button type="button" className="primary" onClick={() => void buildProfileFromRun()} disabled={!ready || build.running || narrow} data-testid="train-build-profile">
          Build a profile with it
        </button>
        <button type="button" onClick={() => void discardStoredRun()} data-testid="train-clear">
          Clear the run (keeps the backbone)
        </button>
      </div>
      {narrow && <p className="small">Its taps have {b.tapChannels.join(' + ')} channels; PatchCore needs 512 + 1024, so no profile can be built on it.</p>}
      {build.running && <ProgressBar progress={build.progress} label="Build progress" testId="train-build-progress" />}
      {profile && (
        <p className="small" data-testid="train-profile" data-profile-id={profile.id}>
          Profile "{profile.name}" built from the same images on this backbone.{' '}
          <a
            href="#/"
            onClick={(e) => {
              e.preventDefault();
              goTo('inspect');
            }}
          >
            Inspect with it
          </a>
        </p>
      )}
    </section>
  );
}

/** `#/train`: ToCoAD fine-tuning in the browser, with live losses, samples, pause/resume, checkpoints and resume after a reload. */
export function TrainView() {
  const { recordLoaded, error } = useTrainStore(useShallow((s) => ({ recordLoaded: s.recordLoaded, error: s.error })));
  useEffect(() => {
    void refreshBackbones();
    void loadStoredRun();
  }, []);
  return (
    <main className="train" data-testid="train-view" data-loaded={String(recordLoaded)}>
      {error && (
        <p className="error-text" role="alert" data-testid="train-error">
          {error}
        </p>
      )}
      <StoredRun />
      <TrainForm />
      <RunSection />
      <Result />
      <TrainProof />
    </main>
  );
}
