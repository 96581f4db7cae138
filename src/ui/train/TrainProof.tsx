import { useShallow } from 'zustand/react/shallow';
import { supportsPatchCore } from '../../engine/backbones/spec';
import { useAppStore } from '../../state/app-store';
import { useEvaluateStore } from '../../state/evaluate-store';
import { cancelProof, chooseProofFolder, proveRun } from '../../state/train-proof';
import { useTrainStore } from '../../state/train-store';
import { FolderPicker } from '../shell/FolderPicker';
import { plural } from '../shell/format';
import { ProgressBar } from '../shell/ProgressBar';
import { goTo } from '../shell/route';

/**
 * After a run: did it help? The base and the fine-tuned backbone each get a profile from the run's images, both are
 * evaluated on a labelled folder, and the answer is said plainly, with the figures.
 */
export function TrainProof() {
  const { record, running, proof } = useTrainStore(useShallow((s) => ({ record: s.record, running: s.running, proof: s.proof })));
  const { layout, reading, evalProgress } = useEvaluateStore(useShallow((s) => ({ layout: s.layout, reading: s.reading, evalProgress: s.progress })));
  const { ready, buildProgress, busy } = useAppStore(useShallow((s) => ({ ready: s.engineStatus === 'ready', buildProgress: s.build.progress, busy: s.build.running })));
  const result = record?.status === 'done' ? record.result : undefined;
  if (!result || running || !supportsPatchCore(result.backbone.tapChannels)) return null;
  const going = proof.status === 'running';
  const usable = Boolean(layout && !layout.problem);
  const v = proof.verdict;
  return (
    <section className="card" aria-labelledby="train-proof-title" data-testid="train-proof" data-status={proof.status}>
      <h2 id="train-proof-title">Did it help?</h2>
      <p className="small muted">
        Evaluates the base backbone ({record!.backboneLabel}) and the fine-tuned one on a labelled folder (MVTec AD layout: test/good, test/&lt;defect&gt;, ground_truth masks when there are any): each gets a profile
        from the same {record!.images.length} training images (coreset 0.1; existing ones of the same name are reused), then both are scored as the Evaluate view scores. With masks, pixel AUROC and AUPRO decide;
        without, image AUROC.
      </p>
      <div className="actions">
        <FolderPicker label="Choose a labelled folder" disabled={going} testId="train-proof-folder" onPicked={(picked) => void chooseProofFolder(picked)} />
        <span className="small" data-testid="train-proof-folder-summary">
          {reading
            ? 'Reading the folder…'
            : layout
              ? layout.problem
                ? `"${layout.root || 'folder'}": ${layout.problem}`
                : `"${layout.root || 'folder'}": ${plural(layout.items.length, 'test image')} (${plural(layout.goodCount, 'good one')}, ${plural(layout.defects.length, 'defect type')}), ${plural(layout.maskCount, 'mask')}`
              : 'No folder chosen'}
        </span>
      </div>
      <div className="actions">
        <button type="button" className="primary" disabled={!ready || !usable || reading || going || busy} onClick={() => void proveRun()} data-testid="train-proof-run">
          Evaluate before and after
        </button>
        {going && (
          <button type="button" onClick={cancelProof} data-testid="train-proof-cancel">
            Cancel
          </button>
        )}
      </div>
      {going && (
        <>
          <p className="small muted" data-testid="train-proof-step">
            {proof.step}…
          </p>
          <ProgressBar progress={proof.phase === 'evaluate' ? evalProgress : buildProgress} label="Before and after progress" testId="train-proof-progress" />
        </>
      )}
      {proof.error && (
        <p className="error-text" role="alert" data-testid="train-proof-error">
          {proof.error}
        </p>
      )}
      {v && !going && (
        <div className="train-proof-verdict" data-testid="train-proof-verdict" data-better={String(v.better)} data-basis={v.basis}>
          <p>
            <strong>{v.better ? 'Better.' : 'No better.'}</strong> {v.sentence}
          </p>
          <p className="small">
            Profiles "{v.profiles.base}" and "{v.profiles.tuned}".{' '}
            <a
              href="#/evaluate"
              onClick={(e) => {
                e.preventDefault();
                goTo('evaluate');
              }}
            >
              See them side by side in Evaluate
            </a>
          </p>
        </div>
      )}
    </section>
  );
}
