import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { PatchFeatures } from '../engine/patchcore/memory-bank';
import type { ScoreItem } from '../engine/evaluate';
import type { ScoringOptions } from '../engine/patchcore/scorer';
import { DEFAULT_SCORING } from '../engine/patchcore/defaults';
import type { SubspaceIndexData } from '../engine/patchcore/pruned-search';
import type { NodeBackend } from './tf-backend';
import type { ThreadRequest } from './engine-thread';

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };
type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

/** One engine per worker thread; requests go to the least busy thread. */
export class EnginePool {
  private readonly threads: { worker: Worker; busy: number }[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  private constructor(readonly size: number) {
    for (let i = 0; i < size; i++) {
      // The CLI runs its TypeScript through tsx; the entry registers it in the thread too.
      const worker = new Worker(new URL('./engine-thread-entry.mjs', import.meta.url));
      worker.on('message', (m: { id: number; ok: boolean; value?: unknown; message?: string }) => {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        if (m.ok) p.resolve(m.value);
        else p.reject(new Error(m.message));
      });
      worker.on('error', (e) => {
        for (const p of this.pending.values()) p.reject(e);
        this.pending.clear();
      });
      this.threads.push({ worker, busy: 0 });
    }
  }

  /** Starts `size` threads (default: one per core), each with its own backend and backbone. */
  static async start(options: { backend: NodeBackend; backbone: string; seed: number; size?: number }): Promise<EnginePool> {
    const pool = new EnginePool(Math.max(1, options.size ?? availableParallelism()));
    await Promise.all(pool.threads.map((_, i) => pool.send({ type: 'init', backend: options.backend, backbone: options.backbone, seed: options.seed }, i)));
    return pool;
  }

  private send(msg: WithoutId<ThreadRequest>, thread?: number): Promise<unknown> {
    const index = thread ?? this.threads.reduce((best, t, i) => (t.busy < this.threads[best].busy ? i : best), 0);
    const t = this.threads[index];
    const id = this.nextId++;
    t.busy++;
    return new Promise<unknown>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      t.worker.postMessage({ ...msg, id });
    }).finally(() => t.busy--);
  }

  embed(file: string): Promise<PatchFeatures> {
    return this.send({ type: 'embed', file }) as Promise<PatchFeatures>;
  }

  /** Milliseconds the last setBank spent building the bank's search index (once, on the first thread); 0 when none was built. */
  indexMs = 0;

  async setBank(bank: Float32Array, dim: number, scoring: ScoringOptions): Promise<void> {
    // One copy shared by every thread (read-only there) instead of one copy each.
    const shared = new Float32Array(new SharedArrayBuffer(bank.byteLength));
    shared.set(bank);
    // The pruned search (k = 1) needs an index of the bank: built once, on the first thread, and shared (not
    // copied) with the others, instead of each thread building its own.
    let index: SubspaceIndexData | undefined;
    this.indexMs = 0;
    if ((scoring.k ?? DEFAULT_SCORING.k) === 1) {
      const built = (await this.send({ type: 'buildIndex', bank: shared, dim }, 0)) as { index: SubspaceIndexData; ms: number };
      index = built.index;
      this.indexMs = built.ms;
    }
    await Promise.all(this.threads.map((_, i) => this.send({ type: 'setBank', bank: shared, dim, scoring, index }, i)));
  }

  scorer(files: string[]): ScoreItem {
    return (_item, index) => this.send({ type: 'score', file: files[index] }) as ReturnType<ScoreItem>;
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.worker.terminate()));
  }
}
