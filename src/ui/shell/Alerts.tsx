import { dismissAlert, useAppStore } from '../../state/app-store';

/** Errors and notices, announced to screen readers; each can be dismissed. */
export function Alerts() {
  const alerts = useAppStore((s) => s.alerts);
  return (
    <div className="alerts" role="alert" aria-live="assertive" data-testid="alerts">
      {alerts.map((a) => (
        <div key={a.id} className={`alert alert-${a.kind}`} data-testid={`alert-${a.kind}`}>
          <span>{a.text}</span>
          <button type="button" className="link" aria-label="Dismiss" onClick={() => dismissAlert(a.id)}>
            ×
          </button>
        </div>
      ))}
    </div>
  );
}
