/**
 * The session's tfjs backend: which one runs and why (BackendInfo), the calibration it was chosen by, switching
 * (which loads the bundled backbone on the new backend), and recovery from a lost WebGPU device. Backend work runs
 * through `onBackend`: when the device is lost meanwhile, the session moves to the next backend and runs the work
 * again from its inputs, so the user loses nothing. When the device is lost while nothing runs, the recovery is
 * queued behind the requests already waiting (`enqueue`).
 */
import type { Backbone } from '../../src/engine/backbones/backbone';
import { loadBackbone } from '../../src/engine/backbones/backbone';
import type { Progress } from '../../src/engine/progress';
import { stageReporter, throwIfAborted } from '../../src/engine/progress';
import type { BackendChoice, BackendInfo, BackendName, Calibration, EngineEvent } from '../../src/worker-bridge/protocol';
import { BACKEND_LABELS } from '../../src/worker-bridge/protocol';
import type { BackendPlatform } from '../backends/platform';
import { ranked } from '../backends/ranking';
import { backendReason } from './backend-reason';
import type { ModelFiles } from './model-files';

export interface BackendHooks {
  /** Drops what was made on the current backend besides the bundled backbone (scorers, stored backbones). */
  release(): void;
  post(event: EngineEvent): void;
  /** Runs a task after the requests queued so far. */
  enqueue(task: () => Promise<void>): void;
}

function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

export class BackendManager {
  private calibrationRun: Calibration | null = null;
  private current: BackendInfo | null = null;
  private backbone: Backbone | null = null;
  private loadMs = 0;
  /** Inner controllers of running backend work, aborted when the GPU device is lost. */
  private readonly work = new Set<AbortController>();
  private lostMessage: string | null = null;

  constructor(
    readonly platform: BackendPlatform,
    private readonly model: ModelFiles,
    private readonly hooks: BackendHooks,
  ) {
    platform.onDeviceLost((message) => {
      this.lostMessage = message;
      if (this.work.size > 0) {
        for (const c of this.work) c.abort(new Error('device-lost'));
      } else {
        hooks.enqueue(() => this.recoverFromLoss().catch((e) => hooks.post({ type: 'backend', info: this.current!, notice: `Recovery after the lost device failed: ${(e as Error).message}` })));
      }
    });
  }

  /** What runs now; null until the first start. */
  get info(): BackendInfo | null {
    return this.current;
  }

  /** Milliseconds the bundled backbone took to load on the current backend. */
  get modelLoadMs(): number {
    return this.loadMs;
  }

  /** The bundled backbone on the current backend. */
  requireBackbone(): Backbone {
    if (!this.backbone) throw new Error('the engine is not started yet');
    return this.backbone;
  }

  /** 'init' and 'set-backend': calibrates when asked for 'auto' (or reuses a cached calibration of this device). */
  async applyChoice(next: BackendChoice, onProgress?: (p: Progress) => void, cached?: Calibration | null): Promise<BackendInfo> {
    const notes: string[] = [];
    if (next === 'auto') {
      if (cached && cached.fingerprint.startsWith(this.platform.fingerprint())) {
        this.calibrationRun = cached;
        notes.push(`(Calibration measured ${cached.at.slice(0, 16).replace('T', ' ')}.)`);
      } else if (!this.calibrationRun) {
        const report = stageReporter('calibration', 1, onProgress);
        this.calibrationRun = await this.platform.calibrate((done, total) => report(done / total));
      }
      return this.switchTo(ranked(this.calibrationRun), 'calibration', null, notes, onProgress);
    }
    return this.switchTo([next, ...ranked(this.calibrationRun).filter((n) => n !== next)], 'override', next, notes, onProgress);
  }

  /** Starts on one named backend, without calibration and without falling back (e.g. WASM or CPU in Node). */
  start(name: BackendName, onProgress?: (p: Progress) => void): Promise<BackendInfo> {
    return this.switchTo([name], 'override', name, [], onProgress);
  }

  /** Testing aid: destroys the WebGPU device as a driver reset would. */
  loseDevice(): boolean {
    return this.platform.loseDevice();
  }

  /**
   * Runs backend work; when the GPU device is lost meanwhile, moves to the next backend and runs it
   * again from its inputs (which the worker still holds), so the user loses nothing.
   */
  async onBackend<T>(signal: AbortSignal, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    for (let attempt = 0; ; attempt++) {
      throwIfAborted(signal);
      if (this.lostMessage !== null) await this.recoverFromLoss();
      const inner = new AbortController();
      const forward = () => inner.abort(signal.reason);
      signal.addEventListener('abort', forward, { once: true });
      this.work.add(inner);
      try {
        return await abortable(work(inner.signal), inner.signal);
      } catch (e) {
        if (signal.aborted || attempt >= 2) throw e;
        // A destroyed device fails pending reads (an AbortError from mapAsync) before its `lost`
        // promise settles: give the loss a moment to be reported before treating this as an error.
        for (let i = 0; i < 40 && this.lostMessage === null && this.current?.name === 'webgpu'; i++) await new Promise((r) => setTimeout(r, 50));
        if (this.lostMessage === null) throw e;
        await this.recoverFromLoss();
      } finally {
        this.work.delete(inner);
        signal.removeEventListener('abort', forward);
      }
    }
  }

  /** Starts the first backend of `order` that works and loads the backbone on it. */
  private async switchTo(order: BackendName[], how: BackendInfo['how'], wanted: BackendName | null, notes: string[], onProgress?: (p: Progress) => void): Promise<BackendInfo> {
    this.hooks.release();
    try {
      this.backbone?.dispose();
    } catch {
      // tensors of a lost device
    }
    this.backbone = null;
    const available: BackendName[] = [];
    for (const name of order) {
      if (!(await this.platform.activate(name))) continue;
      available.push(name);
      const report = stageReporter('model', 1, onProgress);
      const t0 = performance.now();
      try {
        this.backbone = await loadBackbone(this.model.inference, this.model.where, (f) => report(f));
      } catch (e) {
        throw new Error(`the backbone could not be loaded: ${(e as Error).message}`, { cause: e });
      }
      this.loadMs = performance.now() - t0;
      const calibration = this.calibrationRun;
      for (const other of order) if (other !== name && calibration?.results[other]?.ms != null) available.push(other);
      const a = this.platform.adapter();
      this.current = {
        name,
        how,
        reason: backendReason(this.platform, { name, how, wanted, calibration, notes }),
        available: [...new Set(available)],
        calibration,
        adapter: a?.text,
        softwareAdapter: a?.software,
        wasm: name === 'wasm' ? this.platform.wasmDetails() : undefined,
      };
      return this.current;
    }
    throw new Error(`no tfjs backend could start here (${order.map((n) => `${n}: ${this.platform.initError(n) ?? 'failed'}`).join('; ')})`);
  }

  /** After a lost device: everything moves to the next backend; loaded profiles are rebuilt lazily. */
  private async recoverFromLoss(): Promise<void> {
    const message = this.lostMessage;
    if (message === null) return;
    this.lostMessage = null;
    const wasOn = this.current?.name;
    this.platform.resetWebGpu();
    if (wasOn !== 'webgpu') return;
    // WASM first: a lost device often means GPU trouble (a driver reset), which WebGL would share.
    const order: BackendName[] = ['wasm', 'webgl', 'cpu'];
    const notice = `The WebGPU device was lost (${message}). Switched to ${BACKEND_LABELS[order[0]]}; work in progress was run again there, nothing was lost.`;
    const next = await this.switchTo(order, 'device-lost', null, [notice]);
    this.hooks.post({ type: 'backend', info: next, notice });
  }
}
