/**
 * The inspection log's settings beside its rows: keep a log (on by default), retention by count and by age (applied
 * with a button, pruned at once), storage use (the log's own bytes and the site's use of its quota), and clearing
 * the log after a confirmation.
 */
import { useState } from 'react';
import { clearHistory, RETENTION_LIMITS, setLogEnabled, setRetention } from '../../state/history-actions';
import { useHistoryStore } from '../../state/history-store';
import { Fact } from '../shell/Fact';
import { formatBytes } from '../shell/format';

const entriesText = (n: number) => `${n.toLocaleString('en-US')} entr${n === 1 ? 'y' : 'ies'}`;

function RetentionForm() {
  const settings = useHistoryStore((s) => s.settings);
  const [entries, setEntries] = useState(String(settings.maxEntries));
  const [days, setDays] = useState(String(settings.maxDays));
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const changed = entries !== String(settings.maxEntries) || days !== String(settings.maxDays);
  const apply = async () => {
    setBusy(true);
    setProblem(await setRetention({ maxEntries: Number(entries), maxDays: Number(days) }));
    setBusy(false);
  };
  return (
    <form
      className="history-retention"
      onSubmit={(e) => {
        e.preventDefault();
        void apply();
      }}
    >
      <label>
        Entries to keep (newest)
        <input type="number" min={RETENTION_LIMITS.maxEntries[0]} max={RETENTION_LIMITS.maxEntries[1]} step={1} value={entries} onChange={(e) => setEntries(e.target.value)} data-testid="history-max-entries" aria-invalid={problem?.startsWith('Entries') ? true : undefined} />
      </label>
      <label>
        Days to keep
        <input type="number" min={RETENTION_LIMITS.maxDays[0]} max={RETENTION_LIMITS.maxDays[1]} step={1} value={days} onChange={(e) => setDays(e.target.value)} data-testid="history-max-days" aria-invalid={problem?.startsWith('Days') ? true : undefined} />
      </label>
      <button type="submit" disabled={!changed || busy} data-testid="history-retention-apply">
        Apply retention
      </button>
      {problem && (
        <p className="error-text" role="alert" data-testid="history-retention-problem">
          {problem}
        </p>
      )}
    </form>
  );
}

function ClearLog({ count }: { count: number }) {
  const [asking, setAsking] = useState(false);
  if (!asking)
    return (
      <button type="button" onClick={() => setAsking(true)} disabled={count === 0} data-testid="history-clear">
        Clear log…
      </button>
    );
  return (
    <div className="history-confirm" role="group" aria-label="Confirm clearing the log">
      <span>Delete all {entriesText(count)} and their thumbnails? This cannot be undone.</span>
      <button
        type="button"
        className="danger"
        onClick={() => {
          setAsking(false);
          void clearHistory();
        }}
        data-testid="history-clear-confirm"
      >
        Delete the log
      </button>
      <button type="button" onClick={() => setAsking(false)} data-testid="history-clear-cancel">
        Cancel
      </button>
    </div>
  );
}

export function HistorySettings() {
  const enabled = useHistoryStore((s) => s.settings.enabled);
  const storage = useHistoryStore((s) => s.storage);
  const count = useHistoryStore((s) => s.entries.length);
  const settings = useHistoryStore((s) => s.settings);
  return (
    <section className="card history-settings" aria-labelledby="history-settings-title">
      <h2 id="history-settings-title">Log settings</h2>
      <label className="history-check">
        <input type="checkbox" checked={enabled} onChange={(e) => setLogEnabled(e.target.checked)} data-testid="history-enabled" />
        Keep an inspection log
      </label>
      <p className="small muted">
        {enabled
          ? 'Every image inspected, and live frames when the verdict changes (else one every 30 s), is kept on this device with a small thumbnail.'
          : 'Off: nothing more is logged. What is kept stays until it is cleared.'}
      </p>
      <RetentionForm key={`${settings.maxEntries}|${settings.maxDays}`} />
      <p className="small muted">Older entries, and the oldest beyond the count, are deleted as new ones are written.</p>
      <dl className="history-storage">
        <Fact term="Log size" data-testid="history-log-bytes" data-bytes={storage.logBytes}>
          {entriesText(count)}, about {formatBytes(storage.logBytes)}
        </Fact>
        <Fact term="This site's storage" data-testid="history-site-usage">
          {storage.usage !== null && storage.quota !== null ? `${formatBytes(storage.usage)} of ${formatBytes(storage.quota)}` : 'not known'}
        </Fact>
      </dl>
      <ClearLog count={count} />
    </section>
  );
}
