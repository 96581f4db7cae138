/**
 * The app's services, each created once on first use: the engine worker (through the bridge) and the stores in
 * IndexedDB (profiles, converted backbones, the training run). Actions reach the engine and storage only through
 * these accessors, so tests swap them with `setServicesForTest`: a fake with the bridge's interface, and the
 * stores on an in-memory KeyValueStore.
 */
import { EngineBridge } from '../worker-bridge';
import { BackboneStore } from '../storage/backbone-store';
import { idbStore } from '../storage/kv';
import type { KeyValueStore } from '../storage/kv';
import { ProfileStore, storageEstimate } from '../storage/profile-store';
import { TrainingStore } from '../storage/training-store';

/** What the actions use of the bridge: one promise per request, and backend change notices. */
export type Engine = Pick<EngineBridge, 'request' | 'onBackend'>;

/** An engine worker of its own (the live view's second one), which its owner ends. */
export type OwnedEngine = Engine & Pick<EngineBridge, 'terminate'>;

const newEngineWorker = (name: string) => new Worker(new URL('../../workers/engine.worker.ts', import.meta.url), { type: 'module', name });

let bridge: Engine | null = null;
let profiles: ProfileStore | null = null;
let backbones: BackboneStore | null = null;
let training: TrainingStore | null = null;
/** Where the stores keep their keys: IndexedDB (one handle per store, as idb-keyval hands them out). */
let keyValueStore: () => KeyValueStore = () => idbStore();

export function engine(): Engine {
  bridge ??= new EngineBridge(() => newEngineWorker('engine'));
  return bridge;
}

let makeEngine: (name: string) => OwnedEngine = (name) => new EngineBridge(() => newEngineWorker(name));

/** Starts another engine worker (not started: send it 'init' first), for work that runs beside the page's engine. */
export function createEngine(name: string): OwnedEngine {
  return makeEngine(name);
}

export function profileStore(): ProfileStore {
  profiles ??= new ProfileStore(keyValueStore(), storageEstimate);
  return profiles;
}

export function backboneStore(): BackboneStore {
  backbones ??= new BackboneStore(keyValueStore(), storageEstimate);
  return backbones;
}

export function trainingStore(): TrainingStore {
  training ??= new TrainingStore(keyValueStore(), storageEstimate);
  return training;
}

/**
 * Tests only: the engine becomes `engine` (anything with the bridge's interface) and the stores are made afresh,
 * on first use, over `kv` (e.g. the in-memory store of src/storage/kv.ts).
 */
export function setServicesForTest(services: { engine: Engine; kv: KeyValueStore; createEngine?: (name: string) => OwnedEngine }): void {
  bridge = services.engine;
  if (services.createEngine) makeEngine = services.createEngine;
  keyValueStore = () => services.kv;
  profiles = backbones = training = null;
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
