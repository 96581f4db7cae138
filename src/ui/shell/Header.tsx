import { BACKEND_LABELS, useAppStore } from '../../state/app-store';
import { goTo } from './route';
import { ProgressBar } from './ProgressBar';

/**
 * App name and a plain engine status ("Ready", "Starting…"); the backend itself, its reason and the override
 * live on the Advanced page. The status keeps the backend in data attributes (and its tooltip) for those who look.
 */
export function Header() {
  const backend = useAppStore((s) => s.backend);
  const status = useAppStore((s) => s.engineStatus);
  const progress = useAppStore((s) => s.engineProgress);
  const plain = status === 'ready' ? 'Ready' : status === 'error' ? 'Engine unavailable' : 'Starting…';
  return (
    <header className="header">
      <div className="brand">
        <h1>Anomaly Inspector</h1>
        <span className="muted small">Finds defects in photos of parts. No image leaves this device.</span>
      </div>
      <div className="backend">
        <div className="backend-row">
          <button
            type="button"
            className={`badge badge-${backend?.name ?? 'none'}`}
            data-testid="backend-badge"
            data-backend={backend?.name ?? ''}
            data-how={backend?.how ?? ''}
            data-status={status}
            data-wasm-threads={backend?.wasm?.threads ?? ''}
            data-wasm-threaded={backend?.wasm ? String(backend.wasm.threadedBuild) : ''}
            title={backend ? `${BACKEND_LABELS[backend.name]}: ${backend.reason} (Advanced to change)` : undefined}
            onClick={() => goTo('advanced')}
          >
            {plain}
          </button>
        </div>
        {(status === 'starting' || status === 'switching') && progress && <ProgressBar progress={progress} label="Getting ready" testId="engine-progress" />}
      </div>
    </header>
  );
}
