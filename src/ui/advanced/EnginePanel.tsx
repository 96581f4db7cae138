import { chooseBackend } from '../../state/engine-actions';
import { BACKEND_LABELS, BACKEND_NAMES, useAppStore } from '../../state/app-store';
import type { BackendChoice } from '../../state/app-store';
import { plural } from '../shell/format';

/** The compute backend: which one runs, why it was chosen, and the override. */
export function EnginePanel() {
  const backend = useAppStore((s) => s.backend);
  const status = useAppStore((s) => s.engineStatus);
  const choice = useAppStore((s) => s.backendChoice);
  const error = useAppStore((s) => s.engineError);
  const busy = useAppStore((s) => s.build.running || s.bench.running || s.scoring.running);
  return (
    <section className="card" aria-labelledby="engine-title" data-testid="engine-panel">
      <h2 id="engine-title">Compute backend</h2>
      <div className="backend-row backend-row-start">
        <span className="small" data-testid="backend-label">
          {backend ? BACKEND_LABELS[backend.name] : status === 'error' ? 'unavailable' : 'starting…'}
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
      <p className="small" data-testid="backend-reason">
        {status === 'error' ? error : backend?.reason ?? 'Starting the engine…'}
      </p>
      <p className="small muted">
        Automatic picks the fastest backend this device offers, measured on a short run: WebGPU on a graphics chip, else
        WebAssembly with SIMD (multi-threaded when the page is cross-origin isolated), else plain JavaScript. The choice is
        remembered; profiles built on one backend score the same on another.
      </p>
    </section>
  );
}
