/**
 * Inspect: drop, paste or choose many images (files or folders), see each verdict in a grid with the batch's counts
 * (passed, failed, could not be read), filter and order them, export CSV/JSON, open one in the detail view. At narrow
 * widths a compact threshold slider stays above the grid. Results live only in this tab until exported: the page
 * asks before unloading while they are not.
 */
import { DropZone } from '../shell/DropZone';
import { FolderPicker } from '../shell/FolderPicker';
import { useDeferredValue, useEffect, useId } from 'react';
import { useAppStore } from '../../state/app-store';
import { cancelInspect, clearInspection, exportInspection, inspectFiles, resumeInspect, setFilter, setSort } from '../../state/inspect-actions';
import type { ResultOrder, VerdictFilter } from '../../state/inspect-store';
import { useInspectStore } from '../../state/inspect-store';
import { installUnloadWarning } from '../../state/inspect-unload';
import { countsText } from './results';
import { DetailView } from './DetailView';
import { fromClipboard, fromDataTransfer, fromFileList } from './pick';
import { ResultCard } from './ResultCard';
import { ShortcutsHelp } from './ShortcutsHelp';
import { TeachPanel } from '../teach/TeachPanel';
import { ThresholdSlider } from '../threshold/ThresholdSlider';
import { useActiveThreshold, useCounts, useInspectProfile, useVisibleItems } from './useInspect';

const NO_SCORES: number[] = [];

const FILTERS: { id: VerdictFilter; label: string }[] = [
  { id: 'all', label: 'All' },
  { id: 'fail', label: 'Fail' },
  { id: 'pass', label: 'Pass' },
  { id: 'error', label: 'Not read' },
];

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
  const unexported = useInspectStore((s) => s.unexported);
  const threshold = useActiveThreshold();
  const shownThreshold = useDeferredValue(threshold);
  const visible = useDeferredValue(useVisibleItems());
  const counts = useCounts();
  const filesId = useId();
  const calibration = profile?.calibrationScores ?? NO_SCORES;
  const canInspect = Boolean(selectedId) && ready;

  useEffect(installUnloadWarning, []);
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
  const exportable = items.some((i) => i.status === 'done' || i.status === 'error');
  const progress = counts.total ? (counts.total - counts.queued) / counts.total : 0;

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
          <input
            id={filesId}
            className="visually-hidden"
            type="file"
            accept="image/*,.pdf"
            multiple
            disabled={!canInspect}
            aria-label="Images to inspect: choose files"
            data-testid="inspect-files"
            onChange={(e) => {
              const picked = e.target.files ? fromFileList(e.target.files) : [];
              e.target.value = '';
              inspectFiles(picked);
            }}
          />
          <label htmlFor={filesId} className={`button-like${canInspect ? '' : ' disabled'}`}>
            Choose images
          </label>
          <FolderPicker disabled={!canInspect} testId="inspect-folder" onPicked={inspectFiles} />
        </div>
      </DropZone>

      {counts.total > 0 && (
        <div className="inspect-status" data-testid="inspect-status" data-running={String(running)}>
          <progress max={1} value={progress} aria-label="Inspection progress" />
          <span className="small" data-testid="inspect-counts" data-passed={counts.passed} data-failed={counts.failed} data-unreadable={counts.unreadable}>
            {countsText(counts)}
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
            <button type="button" disabled={!exportable || !profile} data-testid="export-csv" onClick={(e) => exportInspection('csv', e.timeStamp)}>
              Export CSV
            </button>
            <button type="button" disabled={!exportable || !profile} data-testid="export-json" onClick={(e) => exportInspection('json', e.timeStamp)}>
              Export JSON
            </button>
            <button type="button" onClick={clearInspection} data-testid="inspect-clear">
              Clear
            </button>
          </div>
        </div>
      )}

      {counts.total > 0 && (
        <p className="small muted" data-testid="inspect-keep-note">
          {unexported ? 'Not exported yet: these results live only in this tab and are lost when it closes or reloads; Export CSV or JSON keeps them.' : 'Results live only in this tab until exported (CSV or JSON).'}
        </p>
      )}

      {counts.total > 0 && profile && (
        <div className="threshold-inline" data-testid="inspect-threshold">
          <ThresholdSlider testPrefix="inspect-threshold" />
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
