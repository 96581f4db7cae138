/**
 * For the state tests: an engine with the bridge's interface (`request`, `onBackend`) whose answers the test
 * gives per request type, recording every request; and profiles made as the engine makes them, to seed storage
 * or answer a build. No worker, no tfjs: what the actions do with the answers is what the tests see.
 */
import { RESNET50_IMAGENET } from '../engine/backbones/spec';
import { createProfile } from '../engine/profile/profile';
import type { ProfileMeta } from '../engine/profile/profile';
import { abortError, EngineError } from '../worker-bridge';
import type { BackendListener, RequestOptions } from '../worker-bridge';
import type { BackendInfo, RequestMap, RequestType, ResultMap, ScoreResult, StoredBank } from '../worker-bridge/protocol';
import { MemoryStore } from '../storage/kv';
import { useAppStore } from './app-store';
import { useEvaluateStore } from './evaluate-store';
import { useInspectStore } from './inspect-store';
import { setServicesForTest } from './services';
import type { Engine } from './services';

type Handler<K extends RequestType> = (payload: RequestMap[K], options: RequestOptions) => ResultMap[K] | Promise<ResultMap[K]>;

export class FakeEngine implements Engine {
  readonly calls: { type: RequestType; payload: unknown; options: RequestOptions }[] = [];
  terminated = false;
  private readonly handlers: { [K in RequestType]?: Handler<K> } = {};
  private readonly listeners = new Set<BackendListener>();

  /** Answers requests of `type` with `handler` (which may throw, e.g. an EngineError with a code). */
  on<K extends RequestType>(type: K, handler: Handler<K>): this {
    (this.handlers as Record<K, Handler<K>>)[type] = handler;
    return this;
  }

  request<K extends RequestType>(type: K, payload: RequestMap[K], options: RequestOptions = {}): Promise<ResultMap[K]> {
    this.calls.push({ type, payload, options });
    if (options.signal?.aborted) return Promise.reject(abortError());
    const handler = this.handlers[type] as Handler<K> | undefined;
    if (!handler) return Promise.reject(new Error(`the fake engine has no answer for '${type}'`));
    return Promise.resolve().then(() => handler(payload, options));
  }

  onBackend(listener: BackendListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  terminate(): void {
    this.terminated = true;
  }

  emitBackend(info: BackendInfo, notice?: string): void {
    this.listeners.forEach((l) => l(info, notice));
  }

  /** The payloads of the requests of one type, in order. */
  payloads<K extends RequestType>(type: K): RequestMap[K][] {
    return this.calls.filter((c) => c.type === type).map((c) => c.payload as RequestMap[K]);
  }
}

/** An error as the worker reports it ('not-loaded', 'profile', ...). */
export function engineError(message: string, code?: string): EngineError {
  return new EngineError({ name: 'EngineError', message, code });
}

/** A small profile (bank 2 x 4) with a threshold and held-out normal scores. */
export function testProfile(o: { name?: string; threshold?: number | null; calibration?: number[]; imageCount?: number; coresetRatio?: number } = {}): { meta: ProfileMeta; bank: StoredBank } {
  const data = new Float32Array(8).fill(1);
  const { meta } = createProfile({
    name: o.name ?? 'bottle',
    spec: RESNET50_IMAGENET,
    weightsHash: 'test',
    bank: { data, size: 2, dim: 4, imageCount: o.imageCount ?? 10, patchCount: 100, skipped: 0 },
    coreset: { ratio: o.coresetRatio ?? 0.1, seed: 0 },
    calibrationScores: o.calibration ?? [1, 2],
    threshold: { value: o.threshold === undefined ? 2 : o.threshold, method: o.threshold === null ? 'none' : 'max' },
    appVersion: '0.1.0',
  });
  return { meta, bank: { dtype: 'float32', size: 2, dim: 4, bytes: data.buffer } };
}

/** Fresh services for one test: a fake engine, storage in memory, every store back at its start. */
/**
 * Fake services on an in-memory store, with the app's stores reset. Engines started with createEngine (the Live
 * view's second worker) are FakeEngines collected in `created`, each set up by `setUp` when given.
 */
export function freshServices(setUp?: (e: FakeEngine) => void): { engine: FakeEngine; kv: MemoryStore; created: FakeEngine[] } {
  const engine = new FakeEngine();
  const kv = new MemoryStore();
  const created: FakeEngine[] = [];
  const createEngine = () => {
    const e = new FakeEngine();
    setUp?.(e);
    created.push(e);
    return e;
  };
  setServicesForTest({ engine, kv, createEngine });
  useAppStore.setState(useAppStore.getInitialState(), true);
  useInspectStore.setState(useInspectStore.getInitialState(), true);
  useEvaluateStore.setState(useEvaluateStore.getInitialState(), true);
  return { engine, kv, created };
}

/** A 'score' answer: the raw score, with a 2 x 2 map and preview. */
export function scoreResult(name: string, score: number): ScoreResult {
  return { name, score, patches: new Float32Array([score]), grid: 1, map: new Float32Array(4).fill(score), size: 2, preview: new Uint8Array(12), width: 64, height: 48, backend: 'wasm', ms: 5 };
}

/** Resolves once `done` holds, checking after each turn of the event loop (at most `turns`). */
export async function until(done: () => boolean, turns = 200): Promise<void> {
  for (let i = 0; i < turns && !done(); i++) await new Promise((r) => setTimeout(r, 0));
  if (!done()) throw new Error('the condition never held');
}
