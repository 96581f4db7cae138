/**
 * A second engine worker for the live camera. On WASM (and the CPU backend) one worker computes on at most half
 * the logical cores (tfjs' WASM thread pool takes half; a 2-core machine runs one thread), so the Live view scores
 * alternate frames on the page's engine and on this one, and a frame is scored while the previous one still is.
 * It starts on the page engine's backend when the Live view has a profile to judge with, and ends with the view.
 */
import { create } from 'zustand';
import type { BackendName } from '../worker-bridge/protocol';
import { ensureLoaded } from './actions';
import { createEngine } from './services';
import type { Engine } from './services';

export interface LiveHelper {
  engine: Engine;
  /** Makes the stored profile `id` scorable in the helper (once started); returns its key. */
  load(id: string, force: boolean): Promise<string>;
  close(): void;
}

/**
 * Whether a second worker adds speed here: a backend that computes on the CPU, at least 2 logical cores, and (where
 * the browser tells) 4 GB of memory or more, since the worker holds its own copy of the model and the bank.
 */
export function liveHelperUseful(backend: BackendName | undefined, cores: number, memoryGb?: number): boolean {
  return (backend === 'wasm' || backend === 'cpu') && cores >= 2 && (memoryGb === undefined || memoryGb >= 4);
}

export function openLiveHelper(backend: BackendName): LiveHelper {
  const worker = createEngine('engine-live');
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

const useHelperStore = create<{ helper: LiveHelper | null }>()(() => ({ helper: null }));

/** The running helper, as a hook (null when none runs). */
export function useLiveHelper(): LiveHelper | null {
  return useHelperStore((s) => s.helper);
}

/** Starts a helper on `backend` for the Live view; the returned function ends it. */
export function startLiveHelper(backend: BackendName): () => void {
  const h = openLiveHelper(backend);
  useHelperStore.setState({ helper: h });
  return () => {
    h.close();
    if (useHelperStore.getState().helper === h) useHelperStore.setState({ helper: null });
  };
}
