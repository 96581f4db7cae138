/**
 * History (`#/history`): the inspection log kept on this device (src/storage/inspection-log.ts), newest first, with
 * filters by day, verdict and profile, exports of the filtered rows (CSV, JSON), and the log's settings (keep a log,
 * retention, storage use, clear). The log is read when the view opens and again shortly after new entries are
 * written while it is open.
 */
import { useEffect, useMemo, useRef } from 'react';
import { exportHistory, loadHistory, releaseThumbnails, setHistoryFilter } from '../../state/history-actions';
import { filterEntries, logProfiles, useHistoryStore } from '../../state/history-store';
import type { HistoryVerdict } from '../../state/history-store';
import { HistorySettings } from './HistorySettings';
import { HistoryTable } from './HistoryTable';
import './history.css';

/** New entries arriving while the view is open are read after this pause (a batch being inspected writes often). */
const RELOAD_MS = 2000;

function Filters({ profiles }: { profiles: { id: string; name: string }[] }) {
  const filter = useHistoryStore((s) => s.filter);
  return (
    <div className="history-filters" role="group" aria-label="Filter the log">
      <label>
        Day
        <input type="date" value={filter.day} onChange={(e) => setHistoryFilter({ day: e.target.value })} data-testid="history-day" />
      </label>
      <label>
        Verdict
        <select value={filter.verdict} onChange={(e) => setHistoryFilter({ verdict: e.target.value as HistoryVerdict })} data-testid="history-verdict">
          <option value="all">All</option>
          <option value="pass">Pass</option>
          <option value="fail">Fail</option>
        </select>
      </label>
      <label>
        Profile
        <select value={filter.profileId} onChange={(e) => setHistoryFilter({ profileId: e.target.value })} data-testid="history-profile">
          <option value="">All profiles</option>
          {profiles.map((p) => (
            <option key={p.id} value={p.id}>
              {p.name}
            </option>
          ))}
        </select>
      </label>
      {(filter.day || filter.verdict !== 'all' || filter.profileId) && (
        <button type="button" onClick={() => setHistoryFilter({ day: '', verdict: 'all', profileId: '' })} data-testid="history-filter-reset">
          Show all
        </button>
      )}
    </div>
  );
}

export function HistoryView() {
  const entries = useHistoryStore((s) => s.entries);
  const filter = useHistoryStore((s) => s.filter);
  const status = useHistoryStore((s) => s.status);
  const error = useHistoryStore((s) => s.error);
  const written = useHistoryStore((s) => s.written);
  const rows = useMemo(() => filterEntries(entries, filter), [entries, filter]);
  const profiles = useMemo(() => logProfiles(entries), [entries]);

  useEffect(() => {
    void loadHistory();
    return releaseThumbnails;
  }, []);
  // At most one read per RELOAD_MS while entries keep arriving (a batch being inspected, live frames).
  const reload = useRef<ReturnType<typeof setTimeout> | null>(null);
  useEffect(() => {
    if (written === 0 || reload.current) return;
    reload.current = setTimeout(() => {
      reload.current = null;
      void loadHistory();
    }, RELOAD_MS);
  }, [written]);
  useEffect(
    () => () => {
      if (reload.current) clearTimeout(reload.current);
    },
    [],
  );

  return (
    <div className="history" data-testid="history-view" data-status={status}>
      <section className="card history-main" aria-labelledby="history-title">
        <div className="card-head">
          <h2 id="history-title">Inspection history</h2>
          <span className="small muted" data-testid="history-count">
            {status === 'loading' ? 'Reading the log…' : `${rows.length.toLocaleString('en-US')} of ${entries.length.toLocaleString('en-US')} entries match the filters`}
          </span>
        </div>
        <Filters profiles={profiles} />
        <div className="history-actions">
          <button type="button" onClick={(e) => exportHistory('csv', e.timeStamp)} disabled={rows.length === 0} data-testid="history-export-csv">
            Export CSV
          </button>
          <button type="button" onClick={(e) => exportHistory('json', e.timeStamp)} disabled={rows.length === 0} data-testid="history-export-json">
            Export JSON
          </button>
          <span className="small muted">Exports the rows the filters show.</span>
        </div>
        {error && (
          <p className="error-text" role="alert">
            {error}
          </p>
        )}
        {status === 'ready' && entries.length === 0 && (
          <p className="muted" data-testid="history-empty">
            Nothing logged yet. Images inspected in Inspect, and live frames, appear here with their verdicts.
          </p>
        )}
        {status === 'ready' && entries.length > 0 && rows.length === 0 && <p className="muted">No entry matches the filters.</p>}
        <HistoryTable rows={rows} />
      </section>
      <HistorySettings />
    </div>
  );
}
