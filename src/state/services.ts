/** The app's two services: the engine worker (through the bridge) and profile storage. Created once. */
import { EngineBridge } from '../worker-bridge';
import { idbStore } from '../storage/kv';
import { ProfileStore, storageEstimate } from '../storage/profile-store';

let bridge: EngineBridge | null = null;
let profiles: ProfileStore | null = null;

export function engine(): EngineBridge {
  bridge ??= new EngineBridge(() => new Worker(new URL('../../workers/engine.worker.ts', import.meta.url), { type: 'module', name: 'engine' }));
  return bridge;
}

export function profileStore(): ProfileStore {
  profiles ??= new ProfileStore(idbStore(), storageEstimate);
  return profiles;
}

/**
 * A testing aid on window (used by the e2e suite): destroys the WebGPU device as a driver reset or
 * a GPU process crash would, to exercise the fallback. Harmless: the app recovers on its own.
 */
export function installDebugHooks(): void {
  (window as unknown as { __engineDebug?: unknown }).__engineDebug = {
    loseDevice: () => engine().request('debug-lose-device', {}),
  };
}
