/**
 * The engine worker: hosts src/engine behind the protocol in src/worker-bridge/protocol.ts. All tfjs work of the
 * app happens here; the main thread only sends requests and renders events. This module is the dispatch only: it
 * makes the browser's Session (./session.ts: backend, model, loaded backbones and profiles), routes each request to
 * its handler (./handlers/), keeps the cancel and queue bookkeeping, and turns errors into protocol errors.
 *
 * Requests that use the tfjs backend run one at a time, in order (a backend switch or a lost GPU device in the
 * middle of a build would otherwise corrupt it). Import/export parsing, cancel and pausing/resuming a training run
 * are answered at once.
 */
import { ProfileError } from '../src/engine/profile/profile';
import type { Progress } from '../src/engine/progress';
import { isAbortError, throwIfAborted } from '../src/engine/progress';
import type { EngineEvent, EngineRequest, ResultMap, SerializedError } from '../src/worker-bridge/protocol';
import { transferablesOf } from '../src/worker-bridge/protocol';
import { storedBackboneSource } from './backbones';
import { browserBackends } from './backends/browser';
import { decodeFrame, decodeImageBytes } from './decode';
import { init, setBackend } from './handlers/backend';
import { convert, exportStored } from './handlers/backbones';
import { bench } from './handlers/bench';
import { build } from './handlers/build';
import { demoRender } from './handlers/demo';
import { evaluate } from './handlers/evaluate';
import { loadProfile } from './handlers/load-profile';
import { exportProfile, importProfile } from './handlers/profile-files';
import { score, scoreFrame } from './handlers/score';
import { teach } from './handlers/teach';
import { trainEstimate, trainPause, trainStart } from './handlers/train';
import type { Handler, Req } from './handlers/types';
import { Session } from './session';
import { fetchSource } from './session/model-files';

const scope = self as unknown as DedicatedWorkerGlobalScope;

// An error in a nested worker (tfjs' WASM thread pool) surfaces here; it is handled where it matters
// (the backend falls back), so keep it from failing the whole engine on the main thread.
scope.addEventListener('error', (e) => {
  e.preventDefault();
  console.error('engine worker:', e.message);
});

function post(event: EngineEvent): void {
  scope.postMessage(event, event.type === 'result' ? transferablesOf(event.result) : event.type === 'train' ? transferablesOf(event.event) : []);
}

const MODEL_BASE = `${import.meta.env.BASE_URL}models/resnet50-imagenet/`;

const controllers = new Map<number, AbortController>();
let queue: Promise<unknown> = Promise.resolve();

const session = new Session({
  model: { where: MODEL_BASE, files: fetchSource(MODEL_BASE) },
  images: { decode: decodeImageBytes, decodeFrame },
  storedBackboneSource,
  backends: browserBackends,
  post,
  enqueue: (task) => {
    queue = queue.then(task);
  },
});

type Result = ResultMap[keyof ResultMap];

/** The requests that use the backend, run one at a time from the queue, and their handlers. */
const backendHandlers: { [K in BackendRequestType]: Handler<K> } = {
  init,
  'set-backend': setBackend,
  build,
  'load-profile': loadProfile,
  'convert-backbone': convert,
  score,
  'score-frame': scoreFrame,
  evaluate,
  teach,
  bench,
  'train-start': trainStart,
  'train-estimate': trainEstimate,
};
type BackendRequestType = 'init' | 'set-backend' | 'build' | 'load-profile' | 'convert-backbone' | 'score' | 'score-frame' | 'evaluate' | 'teach' | 'bench' | 'train-start' | 'train-estimate';

async function handle(req: EngineRequest, signal: AbortSignal, onProgress: (p: Progress) => void): Promise<Result> {
  throwIfAborted(signal);
  const handler = backendHandlers[req.type as BackendRequestType] as Handler<BackendRequestType> | undefined;
  if (!handler) throw new Error(`unknown request ${req.type}`);
  return handler(req as Req<BackendRequestType>, session, signal, onProgress);
}

function serializeError(e: unknown): SerializedError {
  const err = e instanceof Error || e instanceof DOMException ? e : new Error(String(e));
  const code = isAbortError(err) ? 'abort' : err instanceof ProfileError ? 'profile' : (err as { code?: string }).code;
  return { name: err.name, message: err.message, ...(code ? { code } : {}) };
}

scope.onmessage = (ev: MessageEvent<EngineRequest>) => {
  const req = ev.data;
  const answer = (run: () => Result | Promise<Result>) => {
    Promise.resolve()
      .then(run)
      .then(
        (result) => post({ type: 'result', id: req.id, result }),
        (e) => post({ type: 'error', id: req.id, error: serializeError(e) }),
      );
  };
  switch (req.type) {
    case 'cancel': {
      const c = controllers.get(req.target);
      c?.abort(new DOMException('the task was cancelled', 'AbortError'));
      answer(() => ({ cancelled: Boolean(c) }));
      return;
    }
    case 'debug-lose-device':
      answer(() => ({ lost: session.backend.loseDevice() }));
      return;
    case 'train-pause':
    case 'train-resume':
      answer(() => trainPause(req));
      return;
    case 'export':
      answer(() => exportProfile(req));
      return;
    case 'import':
      answer(() => importProfile(req));
      return;
    case 'export-backbone':
      answer(() => exportStored(req));
      return;
    case 'demo-render':
      answer(() => demoRender(req));
      return;
  }
  const controller = new AbortController();
  controllers.set(req.id, controller);
  const onProgress = (progress: Progress) => post({ type: 'progress', id: req.id, progress });
  const task = queue.then(() => handle(req, controller.signal, onProgress));
  queue = task.catch(() => undefined);
  answer(() => task.finally(() => controllers.delete(req.id)));
};
