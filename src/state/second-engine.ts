/**
 * A second engine worker for the Live view: on WASM (and the CPU backend) one worker computes on at most half the
 * logical cores (tfjs' WASM thread pool takes half; a 2-core machine runs one thread), so the view scores alternate
 * frames on the page's engine and on this one. It starts on the page engine's backend while the view has a profile
 * to judge with. (Inspect stays on one worker: on 2 cores a second one gained 11 % on a batch but left the page's
 * thread tasks of 200-500 ms; see the README.)
 */
import { create } from 'zustand';
import type { BackendName } from '../worker-bridge/protocol';
import { ensureLoaded } from './actions';
import { createEngine } from './services';
import type { Engine } from './services';

export interface SecondEngine {
  engine: Engine;
  /** Makes the stored profile `id` scorable in the helper (once started); returns its key. */
  load(id: string, force: boolean): Promise<string>;
  close(): void;
}

/**
 * Whether a second worker adds speed here: a backend that computes on the CPU, at least 2 logical cores, and (where
 * the browser tells) 4 GB of memory or more, since the worker holds its own copy of the model and the bank.
 */
export function secondEngineUseful(backend: BackendName | undefined, cores: number, memoryGb?: number): boolean {
  return (backend === 'wasm' || backend === 'cpu') && cores >= 2 && (memoryGb === undefined || memoryGb >= 4);
}

/** {@link secondEngineUseful} in this browser: its logical cores and, where it tells, its memory. */
export function secondEngineHelpsHere(backend: BackendName | undefined): backend is BackendName {
  if (typeof navigator === 'undefined') return false;
  const memory = (navigator as Navigator & { deviceMemory?: number }).deviceMemory;
  return secondEngineUseful(backend, navigator.hardwareConcurrency || 1, memory);
}

export function openSecondEngine(backend: BackendName): SecondEngine {
  const worker = createEngine('engine-2');
  const loaded = new Map<string, string>();
  const started = worker.request('init', { choice: backend });
  // A helper that cannot start fails its frames' loads; the session then drops it (see liveSession).
  started.catch(() => undefined);
  return {
    engine: worker,
    async load(id, force) {
      await started;
      return ensureLoaded(id, force, worker, loaded);
    },
    close: () => worker.terminate(),
  };
}

const useHelperStore = create<{ helper: SecondEngine | null }>()(() => ({ helper: null }));

/** The running helper, as a hook (null when none runs). */
export function useSecondEngine(): SecondEngine | null {
  return useHelperStore((s) => s.helper);
}

/** Starts a second engine on `backend` for the Live view (`useSecondEngine` gives it); the returned function ends it. */
export function startSecondEngine(backend: BackendName): () => void {
  const h = openSecondEngine(backend);
  useHelperStore.setState({ helper: h });
  return () => {
    h.close();
    if (useHelperStore.getState().helper === h) useHelperStore.setState({ helper: null });
  };
}
