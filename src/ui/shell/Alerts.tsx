import { dismissAlert, useAppStore } from '../../state/app-store';

/**
 * Errors and notices over the page (they never push the layout down), at most three (src/state/app-store.ts):
 * notices leave by themselves after a few seconds, errors stay until dismissed. Errors are announced at once
 * (role alert), notices politely (role status).
 */
export function Alerts() {
  const alerts = useAppStore((s) => s.alerts);
  return (
    <div className="alerts" aria-live="polite" data-testid="alerts">
      {alerts.map((a) => (
        <div key={a.id} className={`alert alert-${a.kind}`} role={a.kind === 'error' ? 'alert' : 'status'} data-testid={`alert-${a.kind}`}>
          <span>{a.text}</span>
          <button type="button" className="link" aria-label="Dismiss" onClick={() => dismissAlert(a.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
