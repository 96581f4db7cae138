/**
 * The Teach panel, shared by Inspect, Evaluate and Live: after an image is marked as good it shows the engine's
 * proposal before anything is saved (threshold before -> after, bank rows added, each image with its score before
 * teaching), with Save and Cancel; after saving, "Taught N images · Undo"; and why a step failed (the stored profile
 * is then as it was). It shows in the view the images were marked in (`where`), and talks to state only.
 */
import type { ThresholdMethod } from '../../engine/profile/profile';
import { cancelTeach, confirmTeach, dismissTeach, undoTeach } from '../../state/teach-actions';
import type { TeachProposal, TeachSource } from '../../state/teach-store';
import { useTeachStore } from '../../state/teach-store';
import { plural } from '../shell/format';
import './teach.css';

/** A threshold as the panel shows it: 4 significant digits ("217.4", "0.3123"), or none. */
export function formatThreshold(t: number | null): string {
  return t === null ? 'none' : t.toPrecision(4);
}

function rowsAdded(p: TeachProposal): number {
  return p.bankAfter - p.bankBefore;
}

/** "Threshold 217.4 → 241.3, +52 bank rows" (a manual threshold is kept, and said so). */
function ThresholdChange({ p, method }: { p: TeachProposal; method: ThresholdMethod }) {
  return (
    <p className="teach-change" data-testid="teach-threshold-change" data-before={p.thresholdBefore ?? ''} data-after={p.thresholdAfter ?? ''} data-rows={rowsAdded(p)} data-bank-after={p.bankAfter}>
      Threshold <strong>{formatThreshold(p.thresholdBefore)}</strong> → <strong>{formatThreshold(p.thresholdAfter)}</strong>
      {method === 'manual' ? ' (manual: kept)' : ''}, +{rowsAdded(p)} bank rows ({p.bankBefore} → {p.bankAfter})
    </p>
  );
}

export function TeachPanel({ where }: { where: TeachSource }) {
  const { status, source, names, progress, proposal, error, notice } = useTeachStore();
  if (source !== where || (status === 'idle' && !error)) return null;
  const busy = status === 'teaching' || status === 'saving' || status === 'undoing';
  return (
    <section className="teach-panel" data-testid="teach-panel" data-status={status} aria-label="Teach the profile" aria-busy={busy}>
      {status === 'teaching' && (
        <div className="teach-row" role="status">
          <span>
            Teaching {names.join(', ')}
            {progress && progress.total > 1 ? ` (${progress.done}/${progress.total})` : ''}…
          </span>
          <button type="button" onClick={cancelTeach} data-testid="teach-cancel">
            Cancel
          </button>
        </div>
      )}
      {(status === 'proposed' || status === 'saving') && proposal && (
        <>
          <h3>Teach "{proposal.profileName}" {plural(proposal.taught.length, 'good image')}?</h3>
          <ThresholdChange p={proposal} method={proposal.thresholdMethod} />
          <ul className="teach-images small">
            {proposal.taught.map((t) => (
              <li key={t.name} data-testid="teach-image" data-name={t.name}>
                {t.name}: scored {t.scoreBefore.toPrecision(4)} before
                {proposal.thresholdBefore !== null ? (t.scoreBefore >= proposal.thresholdBefore ? ' (failed)' : ' (passed)') : ''}, adds {plural(t.rowsAdded, 'row')}
              </li>
            ))}
          </ul>
          <p className="small muted">Nothing is saved until you press Save; the profile's earlier version can be restored with Undo.</p>
          <div className="teach-row">
            <button type="button" className="primary" onClick={() => void confirmTeach()} disabled={status === 'saving'} data-testid="teach-save">
              {status === 'saving' ? 'Saving…' : 'Save'}
            </button>
            <button type="button" onClick={cancelTeach} disabled={status === 'saving'} data-testid="teach-cancel">
              Cancel
            </button>
          </div>
        </>
      )}
      {(status === 'saved' || status === 'undoing') && proposal && (
        <div className="teach-row" role="status">
          <span data-testid="teach-saved">
            Taught {plural(proposal.taught.length, 'image')} · threshold {formatThreshold(proposal.thresholdAfter)}, bank {proposal.bankAfter} rows
          </span>
          <button type="button" onClick={() => void undoTeach()} disabled={status === 'undoing'} data-testid="teach-undo">
            {status === 'undoing' ? 'Undoing…' : 'Undo'}
          </button>
          <button type="button" onClick={dismissTeach} aria-label="Close the teach panel" data-testid="teach-close">
            Close
          </button>
        </div>
      )}
      {status === 'undone' && notice && (
        <div className="teach-row" role="status">
          <span data-testid="teach-notice">{notice}</span>
          <button type="button" onClick={dismissTeach} data-testid="teach-close">
            Close
          </button>
        </div>
      )}
      {error && (
        <div className="teach-row">
          <p className="error-text" role="alert" data-testid="teach-error">
            {error}
          </p>
          {status === 'idle' && (
            <button type="button" onClick={dismissTeach} data-testid="teach-close">
              Close
            </button>
          )}
        </div>
      )}
    </section>
  );
}
