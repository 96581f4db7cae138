/**
 * One result in the Inspect grid: the thumbnail with its heatmap (opens the detail view), the file's path, the verdict
 * and normalised score under the threshold in use, the raw score, and Good / Defect labels; or the message of a file
 * that could not be read, with Remove.
 */
import { useEffect, useRef } from 'react';
import { openDetail, removeItem, setLabel } from '../../state/inspect-actions';
import type { InspectItem, Label } from '../../state/inspect-store';
import { useInspectStore } from '../../state/inspect-store';
import { drawOverlay } from './overlay-draw';
import { derive } from './results';

function Thumb({ item, threshold, calibration }: { item: InspectItem; threshold: number | null; calibration: readonly number[] }) {
  const ref = useRef<HTMLCanvasElement>(null);
  const overlay = useInspectStore((s) => s.overlay);
  useEffect(() => {
    if (ref.current) drawOverlay(ref.current, item, threshold, calibration, { ...overlay, contour: false }, 160 / (item.mapSize ?? 224));
  }, [item, threshold, calibration, overlay]);
  return <canvas ref={ref} className="thumb" width={160} height={160} aria-hidden="true" />;
}

function LabelButtons({ item }: { item: InspectItem }) {
  const toggle = (l: Label) => setLabel(item.id, item.label === l ? null : l);
  return (
    <div className="label-buttons" role="group" aria-label={`Label ${item.name}`}>
      <button type="button" aria-pressed={item.label === 'good'} onClick={() => toggle('good')} data-testid="label-good">
        Good
      </button>
      <button type="button" aria-pressed={item.label === 'defective'} onClick={() => toggle('defective')} data-testid="label-defective">
        Defect
      </button>
    </div>
  );
}

export function ResultCard({ item, threshold, calibration }: { item: InspectItem; threshold: number | null; calibration: readonly number[] }) {
  const d = item.status === 'done' ? derive(item.score!, threshold, calibration) : null;
  const verdict = item.status === 'error' ? 'error' : (d?.verdict ?? '');
  return (
    <li className={`result result-${verdict || item.status}`} data-testid="result-card" data-name={item.name} data-status={item.status} data-verdict={verdict} data-raw-score={item.score ?? ''}>
      {item.status === 'done' ? (
        <button type="button" className="thumb-button" onClick={() => openDetail(item.id)} aria-label={`Open ${item.name} (${verdict === 'fail' ? 'fail' : verdict === 'pass' ? 'pass' : 'no verdict'})`} data-testid="open-detail">
          <Thumb item={item} threshold={threshold} calibration={calibration} />
        </button>
      ) : (
        <div className="thumb thumb-empty" aria-hidden="true">
          {item.status === 'error' ? '!' : item.status === 'scoring' ? '…' : ''}
        </div>
      )}
      <div className="result-name" title={item.name}>
        {item.name}
      </div>
      {item.status === 'done' && d ? (
        <>
          <div className="result-line">
            <span className={`verdict-chip verdict-${d.verdict ?? 'none'}`} data-testid="verdict">
              {d.verdict === 'fail' ? 'Fail' : d.verdict === 'pass' ? 'Pass' : 'No threshold'}
            </span>
            <span className="small" data-testid="normalized">
              {d.normalized === null ? '' : d.normalized.toFixed(3)}
            </span>
          </div>
          <div className="small muted">raw {item.score!.toPrecision(5)}</div>
          <LabelButtons item={item} />
        </>
      ) : item.status === 'error' ? (
        <>
          <p className="result-message small" data-testid="result-error">
            {item.error}
          </p>
          <button type="button" onClick={() => removeItem(item.id)} aria-label={`Remove ${item.name}`}>
            Remove
          </button>
        </>
      ) : (
        <div className="small muted">{item.status === 'scoring' ? 'Scoring…' : 'Queued'}</div>
      )}
    </li>
  );
}
