/**
 * The main thread's handle on the engine worker: one promise per request, AbortSignal support
 * (an abort sends `cancel` and rejects at once with an AbortError), progress callbacks, and
 * listeners for backend changes. Modelled on Squoosh's worker-bridge; no tfjs on this side.
 */
import type { Progress } from '../engine/progress';
import type { BackendInfo, EngineEvent, EngineRequest, RequestMap, RequestType, ResultMap, SerializedError, TrainEvent } from './protocol';

export interface RequestOptions {
  signal?: AbortSignal;
  onProgress?: (p: Progress) => void;
  /** A training run's events (losses, samples, checkpoints), in order. */
  onEvent?: (e: TrainEvent) => void;
  /** Buffers to hand over to the worker (they become unusable here). */
  transfer?: Transferable[];
}

/** An error raised in the worker, with its machine-readable code ('abort', 'profile', ...). */
export class EngineError extends Error {
  readonly code?: string;
  constructor(e: SerializedError) {
    super(e.message);
    this.name = e.name;
    this.code = e.code;
  }
}

export function abortError(): DOMException {
  return new DOMException('the task was cancelled', 'AbortError');
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: unknown): void;
  onProgress?: (p: Progress) => void;
  onEvent?: (e: TrainEvent) => void;
  cleanup(): void;
}

export type BackendListener = (info: BackendInfo, notice?: string) => void;

export class EngineBridge {
  private readonly worker: Worker;
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private readonly backendListeners = new Set<BackendListener>();

  constructor(createWorker: () => Worker) {
    this.worker = createWorker();
    this.worker.onmessage = (ev: MessageEvent<EngineEvent>) => this.receive(ev.data);
    this.worker.onerror = (ev: ErrorEvent) => {
      ev.preventDefault();
      this.failAll(new Error(`the engine worker failed: ${ev.message || 'it could not start'}`));
    };
  }

  request<K extends RequestType>(type: K, payload: RequestMap[K], options: RequestOptions = {}): Promise<ResultMap[K]> {
    const { signal, onProgress, onEvent, transfer = [] } = options;
    if (signal?.aborted) return Promise.reject(abortError());
    const id = this.nextId++;
    return new Promise<ResultMap[K]>((resolve, reject) => {
      const onAbort = () => {
        this.pending.delete(id);
        this.worker.postMessage({ id: this.nextId++, type: 'cancel', target: id } satisfies EngineRequest);
        reject(abortError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.pending.set(id, {
        resolve: resolve as (v: unknown) => void,
        reject,
        onProgress,
        onEvent,
        cleanup: () => signal?.removeEventListener('abort', onAbort),
      });
      this.worker.postMessage({ id, type, ...payload } as EngineRequest, transfer);
    });
  }

  onBackend(listener: BackendListener): () => void {
    this.backendListeners.add(listener);
    return () => this.backendListeners.delete(listener);
  }

  terminate(): void {
    this.failAll(new Error('the engine was stopped'));
    this.worker.terminate();
  }

  private receive(event: EngineEvent): void {
    if (event.type === 'backend') {
      this.backendListeners.forEach((l) => l(event.info, event.notice));
      return;
    }
    const p = this.pending.get(event.id);
    if (!p) return;
    if (event.type === 'progress') {
      p.onProgress?.(event.progress);
      return;
    }
    if (event.type === 'train') {
      p.onEvent?.(event.event);
      return;
    }
    this.pending.delete(event.id);
    p.cleanup();
    if (event.type === 'result') p.resolve(event.result);
    else p.reject(new EngineError(event.error));
  }

  private failAll(error: Error): void {
    for (const p of this.pending.values()) {
      p.cleanup();
      p.reject(error);
    }
    this.pending.clear();
  }
}
