import { chooseBackend } from '../../state/engine-actions';
import { BACKEND_LABELS, BACKEND_NAMES, useAppStore } from '../../state/app-store';
import type { BackendChoice } from '../../state/app-store';
import { plural } from './format';
import { ProgressBar } from './ProgressBar';

/** App name, the backend badge with the reason for the choice, and the backend override. */
export function Header() {
  const backend = useAppStore((s) => s.backend);
  const status = useAppStore((s) => s.engineStatus);
  const choice = useAppStore((s) => s.backendChoice);
  const progress = useAppStore((s) => s.engineProgress);
  const error = useAppStore((s) => s.engineError);
  const busy = useAppStore((s) => s.build.running || s.bench.running || s.scoring.running);
  const label = backend ? BACKEND_LABELS[backend.name] : status === 'error' ? 'unavailable' : 'starting…';
  return (
    <header className="header">
      <div className="brand">
        <h1>Anomaly Inspector</h1>
        <span className="muted small">PatchCore in your browser. No image leaves this device.</span>
      </div>
      <div className="backend">
        <div className="backend-row">
          <span
            className={`badge badge-${backend?.name ?? 'none'}`}
            data-testid="backend-badge"
            data-backend={backend?.name ?? ''}
            data-how={backend?.how ?? ''}
            data-status={status}
            data-wasm-threads={backend?.wasm?.threads ?? ''}
            data-wasm-threaded={backend?.wasm ? String(backend.wasm.threadedBuild) : ''}
            title={backend?.reason}
          >
            {label}
            {backend?.name === 'wasm' && backend.wasm ? ` · ${plural(backend.wasm.threads, 'thread')}` : ''}
          </span>
          <label className="inline">
            <span className="muted small">Backend</span>
            <select
              aria-label="Backend"
              data-testid="backend-select"
              value={choice}
              disabled={status === 'starting' || status === 'switching' || busy}
              onChange={(e) => void chooseBackend(e.target.value as BackendChoice)}
            >
              <option value="auto">Automatic (fastest)</option>
              {BACKEND_NAMES.map((n) => (
                <option key={n} value={n}>
                  {BACKEND_LABELS[n]}
                </option>
              ))}
            </select>
          </label>
        </div>
        <p className="reason small" data-testid="backend-reason">
          {status === 'error' ? error : backend?.reason ?? 'Starting the engine…'}
        </p>
        {(status === 'starting' || status === 'switching') && progress && <ProgressBar progress={progress} label="Engine start" testId="engine-progress" />}
      </div>
    </header>
  );
}
