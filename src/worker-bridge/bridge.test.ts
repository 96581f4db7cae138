import { describe, expect, it } from 'vitest';
import type { EngineEvent, EngineRequest } from './protocol';
import { transferablesOf } from './protocol';
import { EngineBridge, EngineError } from './index';

/** A stand-in for the worker: records what it is sent; the test answers through `emit`. */
class FakeWorker {
  sent: { message: EngineRequest; transfer: Transferable[] }[] = [];
  onmessage: ((ev: MessageEvent<EngineEvent>) => void) | null = null;
  onerror: ((ev: ErrorEvent) => void) | null = null;
  terminated = false;
  postMessage(message: EngineRequest, transfer: Transferable[] = []) {
    this.sent.push({ message, transfer });
  }
  emit(event: EngineEvent) {
    this.onmessage?.({ data: event } as MessageEvent<EngineEvent>);
  }
  terminate() {
    this.terminated = true;
  }
}

function setup() {
  const worker = new FakeWorker();
  const bridge = new EngineBridge(() => worker as unknown as Worker);
  return { worker, bridge };
}

describe('EngineBridge', () => {
  it('resolves each request with its own result and routes progress', async () => {
    const { worker, bridge } = setup();
    const seen: number[] = [];
    const a = bridge.request('cancel', { target: 99 });
    const b = bridge.request('load-profile', { key: 'k', meta: {} as never, bank: {} as never }, { onProgress: (p) => seen.push(p.done) });
    const [ida, idb] = worker.sent.map((s) => s.message.id);
    expect(ida).not.toBe(idb);
    worker.emit({ type: 'progress', id: idb, progress: { stage: 's', done: 1, total: 2, fraction: 0.5, etaSeconds: 3 } });
    worker.emit({ type: 'result', id: idb, result: { key: 'k' } });
    worker.emit({ type: 'result', id: ida, result: { cancelled: false } });
    expect(await b).toEqual({ key: 'k' });
    expect(await a).toEqual({ cancelled: false });
    expect(seen).toEqual([1]);
  });

  it('routes training events to their request only, in order, before the result', async () => {
    const { worker, bridge } = setup();
    const events: string[] = [];
    const other: string[] = [];
    const start = { settings: {} as never, backboneId: 'b', files: [], dataset: 'd' };
    const a = bridge.request('train-start', start, { onEvent: (e) => events.push(e.kind) });
    const b = bridge.request('train-start', start, { onEvent: (e) => other.push(e.kind) });
    const [ida, idb] = worker.sent.map((s) => s.message.id);
    const step = { stage: 1 as const, epoch: 1, step: 1, steps: 1, loss: 0.5, lr: 1e-4, seconds: 1 };
    worker.emit({ type: 'train', id: ida, event: { kind: 'step', report: step } });
    worker.emit({ type: 'train', id: ida, event: { kind: 'checkpoint', stage: 1, epochsDone: 1, parts: [new Blob([new Uint8Array(4)])], bytes: 4 } });
    worker.emit({ type: 'result', id: ida, result: { backbone: {} as never, history: [], options: {} as never, seconds: {} as never, backend: 'wasm', images: 2, textures: 0 } });
    // After the result, a stray event for that id goes nowhere.
    worker.emit({ type: 'train', id: ida, event: { kind: 'state', state: 'paused' } });
    worker.emit({ type: 'train', id: idb, event: { kind: 'state', state: 'paused' } });
    await a;
    expect(events).toEqual(['step', 'checkpoint']);
    expect(other).toEqual(['state']);
    void b;
  });

  it('an abort sends cancel for that request and rejects with an AbortError at once', async () => {
    const { worker, bridge } = setup();
    const controller = new AbortController();
    const p = bridge.request('bench', { files: [], coresetRatio: 0.1 }, { signal: controller.signal });
    const id = worker.sent[0].message.id;
    controller.abort();
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
    expect(worker.sent[1].message).toMatchObject({ type: 'cancel', target: id });
    // A late answer for the cancelled request is ignored.
    worker.emit({ type: 'result', id, result: {} as never });
  });

  it('worker errors become EngineErrors with their code', async () => {
    const { worker, bridge } = setup();
    const p = bridge.request('import', { file: { name: 'x', bytes: new ArrayBuffer(1) } });
    worker.emit({ type: 'error', id: worker.sent[0].message.id, error: { name: 'ProfileError', message: 'x: the file is empty', code: 'profile' } });
    const e = await p.catch((err) => err);
    expect(e).toBeInstanceOf(EngineError);
    expect(e.code).toBe('profile');
    expect(e.message).toBe('x: the file is empty');
  });

  it('hands over the buffers it is told to transfer, and backend events reach listeners', () => {
    const { worker, bridge } = setup();
    const bytes = new ArrayBuffer(8);
    void bridge.request('import', { file: { name: 'x', bytes } }, { transfer: [bytes] });
    expect(worker.sent[0].transfer).toEqual([bytes]);
    const infos: string[] = [];
    bridge.onBackend((info, notice) => infos.push(`${info.name}:${notice}`));
    worker.emit({ type: 'backend', info: { name: 'wasm' } as never, notice: 'lost' });
    expect(infos).toEqual(['wasm:lost']);
  });

  it('a failed worker rejects everything pending', async () => {
    const { worker, bridge } = setup();
    const p = bridge.request('cancel', { target: 1 });
    worker.onerror?.({ message: 'boom', preventDefault() {} } as ErrorEvent);
    await expect(p).rejects.toThrow('the engine worker failed: boom');
  });
});

describe('transferablesOf', () => {
  it('finds each whole buffer once, nested in results', () => {
    const a = new ArrayBuffer(4);
    const f = new Float32Array(3);
    const view = new Uint8Array(new ArrayBuffer(16), 4, 4);
    expect(transferablesOf({ bank: { bytes: a }, patches: f, again: a, partial: view })).toEqual([a, f.buffer]);
  });
});
