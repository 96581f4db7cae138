import { DropZone } from '../shell/DropZone';
import { FolderPicker } from '../shell/FolderPicker';
import { useDeferredValue, useEffect, useId, useRef } from 'react';
import { useAppStore } from '../../state/app-store';
import { cancelInspect, clearInspection, inspectFiles, openDetail, removeItem, resumeInspect, setFilter, setLabel, setSort } from '../../state/inspect-actions';
import type { InspectItem, ResultOrder, VerdictFilter } from '../../state/inspect-store';
import { useInspectStore } from '../../state/inspect-store';
import { buildCsv, buildJson, derive } from './results';
import type { Label } from '../../state/inspect-store';
import { DetailView } from './DetailView';
import { drawOverlay, slug } from './overlay-draw';
import { downloadBlob } from '../../state/download';
import { fromClipboard, fromDataTransfer, fromFileList } from './pick';
import { ShortcutsHelp } from './ShortcutsHelp';
import { TeachPanel } from '../teach/TeachPanel';
import { useActiveThreshold, useCounts, useInspectProfile, useVisibleItems } from './useInspect';

const NO_SCORES: number[] = [];

const FILTERS: { id: VerdictFilter; label: string }[] = [
  { id: 'all', label: 'All' },
  { id: 'fail', label: 'Fail' },
  { id: 'pass', label: 'Pass' },
  { id: 'error', label: 'Errors' },
];

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

function ResultCard({ item, threshold, calibration }: { item: InspectItem; threshold: number | null; calibration: readonly number[] }) {
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

function exportName(profile: string, ext: string): string {
  return `inspection-${slug(profile)}-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}.${ext}`;
}

/** Drop many images, see each verdict, open one to see where it is anomalous. */
export function InspectPanel() {
  const profile = useInspectProfile();
  const selectedId = useAppStore((s) => s.selectedId);
  const ready = useAppStore((s) => s.engineStatus === 'ready');
  const items = useInspectStore((s) => s.items);
  const running = useInspectStore((s) => s.running);
  const filter = useInspectStore((s) => s.filter);
  const sort = useInspectStore((s) => s.sort);
  const detailId = useInspectStore((s) => s.detailId);
  const threshold = useActiveThreshold();
  const shownThreshold = useDeferredValue(threshold);
  const visible = useDeferredValue(useVisibleItems());
  const counts = useCounts();
  const filesId = useId();
  const calibration = profile?.calibrationScores ?? NO_SCORES;
  const canInspect = Boolean(selectedId) && ready;

  useEffect(() => {
    const onPaste = (e: ClipboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA')) return;
      const picked = fromClipboard(e.clipboardData);
      if (picked.length) {
        e.preventDefault();
        inspectFiles(picked);
      }
    };
    document.addEventListener('paste', onPaste);
    return () => document.removeEventListener('paste', onPaste);
  }, []);

  const errors = items.filter((i) => i.status === 'error');
  const rows = items.filter((i) => i.status === 'done' || i.status === 'error').map((i) => ({ name: i.name, score: i.score ?? null, error: i.error, label: i.label }));
  const progress = counts.total ? (counts.done + counts.failed) / counts.total : 0;

  return (
    <section className="card inspect" aria-labelledby="inspect-title" data-testid="inspect-panel">
      <div className="card-head">
        <h2 id="inspect-title">Inspect</h2>
        <ShortcutsHelp />
      </div>
      <p className="small muted">{profile ? `Images are judged against "${profile.name}" (threshold ${threshold === null ? 'none' : threshold.toPrecision(5)}).` : 'Build or select a profile first; then drop images of parts to inspect.'}</p>
      <DropZone className="inspect-drop" disabled={!canInspect} onDrop={(data) => void fromDataTransfer(data).then(inspectFiles)} testId="inspect-drop">
        <span className="drop-label">Images to inspect</span>
        <span className="muted small">Drop images or folders here, paste with Ctrl+V, or choose. Folders named good/ and &lt;defect&gt;/ label the images.</span>
        <div className="actions">
          <label htmlFor={filesId} className={`button-like${canInspect ? '' : ' disabled'}`}>
            Choose images
          </label>
          <input
            id={filesId}
            className="visually-hidden"
            type="file"
            accept="image/*,.pdf"
            multiple
            disabled={!canInspect}
            data-testid="inspect-files"
            onChange={(e) => {
              const picked = e.target.files ? fromFileList(e.target.files) : [];
              e.target.value = '';
              inspectFiles(picked);
            }}
          />
          <FolderPicker disabled={!canInspect} testId="inspect-folder" onPicked={inspectFiles} />
        </div>
      </DropZone>

      {counts.total > 0 && (
        <div className="inspect-status" data-testid="inspect-status" data-running={String(running)}>
          <progress max={1} value={progress} aria-label="Inspection progress" />
          <span className="small">
            {counts.done} inspected, {counts.failed} failed{counts.queued ? `, ${counts.queued} to go` : ''}
          </span>
          {running ? (
            <button type="button" onClick={cancelInspect} data-testid="inspect-cancel">
              Cancel
            </button>
          ) : counts.queued ? (
            <button type="button" onClick={resumeInspect}>
              Resume
            </button>
          ) : null}
        </div>
      )}

      {errors.length > 0 && (
        <ul className="file-errors" aria-label="Files that could not be inspected" data-testid="file-errors">
          {errors.map((i) => (
            <li key={i.id} data-testid="file-error">
              {i.error}
            </li>
          ))}
        </ul>
      )}

      {counts.total > 0 && (
        <div className="toolbar">
          <div role="radiogroup" aria-label="Filter by verdict" className="segmented">
            {FILTERS.map((f) => (
              <button key={f.id} type="button" role="radio" aria-checked={filter === f.id} onClick={() => setFilter(f.id)} data-testid={`filter-${f.id}`}>
                {f.label}
              </button>
            ))}
          </div>
          <label className="small">
            Order{' '}
            <select value={sort} onChange={(e) => setSort(e.target.value as ResultOrder)} data-testid="sort-severity" aria-label="Order of the results">
              <option value="batch">as added</option>
              <option value="severity">severity, highest first</option>
            </select>
          </label>
          <div className="actions">
            <button type="button" disabled={!rows.length || !profile} data-testid="export-csv" onClick={() => downloadBlob(new Blob([buildCsv(rows, threshold, profile!.name, calibration)], { type: 'text/csv' }), exportName(profile!.name, 'csv'))}>
              Export CSV
            </button>
            <button
              type="button"
              disabled={!rows.length || !profile}
              data-testid="export-json"
              onClick={() => downloadBlob(new Blob([buildJson(rows, threshold, { id: profile!.id, name: profile!.name }, calibration)], { type: 'application/json' }), exportName(profile!.name, 'json'))}
            >
              Export JSON
            </button>
            <button type="button" onClick={clearInspection} data-testid="inspect-clear">
              Clear
            </button>
          </div>
        </div>
      )}

      {counts.total === 0 ? (
        <p className="empty muted" data-testid="inspect-empty">
          No images inspected yet.
        </p>
      ) : visible.length === 0 ? (
        <p className="empty muted">No image matches this filter.</p>
      ) : (
        <ul className="results" aria-label="Inspection results" data-testid="results-grid">
          {visible.map((i) => (
            <ResultCard key={i.id} item={i} threshold={shownThreshold} calibration={calibration} />
          ))}
        </ul>
      )}
      {detailId === null && <TeachPanel where="inspect" />}
      {detailId !== null && <DetailView />}
    </section>
  );
}
