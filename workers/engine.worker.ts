/**
 * The engine worker: hosts src/engine behind the protocol in ./protocol.ts. All tfjs work of the app
 * happens here; the main thread only sends requests and renders events.
 *
 * Requests that use the tfjs backend run one at a time, in order (a backend switch or a lost GPU
 * device in the middle of a build would otherwise corrupt it). Import/export parsing, cancel and
 * pausing/resuming a training run are answered at once.
 */
import type { Backbone } from '../src/engine/backbones/backbone';
import { loadBackbone } from '../src/engine/backbones/backbone';
import type { FileSource } from '../src/engine/backbones/weights-file';
import { RESNET50_IMAGENET } from '../src/engine/backbones/spec';
import { convertBackbone, exportBackbone, storedBackboneSource } from './backbones';
import { runTraining, setTrainingPaused } from './training';
import type { TrainingHost } from './training';
import { runBenchmark } from '../src/engine/bench';
import { evaluate, localScoreItem } from '../src/engine/evaluate';
import type { LabelledImage } from '../src/engine/evaluate';
import type { ImageSource } from '../src/engine/patchcore/memory-bank';
import { defaultCoresetPlacement } from '../src/engine/patchcore/memory-bank';
import { PatchCoreScorer } from '../src/engine/patchcore/scorer';
import { prepareImage } from '../src/engine/image/prepare';
import { fitProfile } from '../src/engine/profile/fit';
import type { NamedImage } from '../src/engine/profile/fit';
import type { ProfileMeta } from '../src/engine/profile/profile';
import { checkProfileFileSize, ProfileError, readProfile, serializeProfile } from '../src/engine/profile/profile';
import type { Progress } from '../src/engine/progress';
import { isAbortError, stageReporter, throwIfAborted } from '../src/engine/progress';
import * as tf from '../src/engine/tf';
import { APP_VERSION } from '../src/engine/version';
import {
  activate,
  calibrate,
  describeCalibration,
  fingerprint,
  getAdapterDescription,
  initError,
  loseDevice,
  onDeviceLost,
  ranked,
  resetWebGpu,
  wasmDetails,
} from './backends';
import { bankToFloat32, float32ToBank } from '../src/engine/profile/stored-bank';
import { decodeFrame, decodeImageBytes } from './decode';
import { demoDataset } from '../src/engine/demo/dataset';
import type { GrayImage } from '../src/engine/image/types';
import type {
  BackendChoice,
  BackendInfo,
  BackendName,
  BenchReport,
  BuildOptions,
  BuildResult,
  Calibration,
  EngineEvent,
  EngineRequest,
  EvaluateResult,
  FileBytes,
  FrameScore,
  RequestMap,
  ResultMap,
  ScoreResult,
  SerializedError,
} from '../src/worker-bridge/protocol';
import { BACKEND_LABELS, transferablesOf } from '../src/worker-bridge/protocol';

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

// ---------------------------------------------------------------- model

const MODEL_BASE = `${import.meta.env.BASE_URL}models/resnet50-imagenet/`;
const modelBytes = new Map<string, Uint8Array>();

/** The bundled backbone over fetch; shards are kept so a backend switch reloads without the network. */
const modelSource: FileSource = {
  async readText(path) {
    const r = await fetch(MODEL_BASE + path);
    if (!r.ok) throw new Error(`${MODEL_BASE}${path}: HTTP ${r.status}`);
    return r.text();
  },
  async readBytes(path) {
    let b = modelBytes.get(path);
    if (!b) {
      const r = await fetch(MODEL_BASE + path);
      if (!r.ok) throw new Error(`${MODEL_BASE}${path}: HTTP ${r.status}`);
      b = new Uint8Array(await r.arrayBuffer());
      modelBytes.set(path, b);
    }
    return b;
  },
};

/**
 * The bundled backbone for training: as above, but the training-only layer4 shards (`extra-weights-*`, 60 MB)
 * are fetched each run and not kept: inference never needs them.
 */
const trainingModelSource: FileSource = {
  readText: (path) => modelSource.readText(path),
  async readBytes(path) {
    if (!path.startsWith('extra-weights')) return modelSource.readBytes(path);
    const r = await fetch(MODEL_BASE + path);
    if (!r.ok) throw new Error(`${MODEL_BASE}${path}: HTTP ${r.status}`);
    return new Uint8Array(await r.arrayBuffer());
  },
};

// ---------------------------------------------------------------- state

let calibration: Calibration | null = null;
let info: BackendInfo | null = null;
let backbone: Backbone | null = null;
let modelLoadMs = 0;

interface LoadedProfile {
  meta: ProfileMeta;
  bank: Float32Array;
  scorer: PatchCoreScorer | null;
}
const profiles = new Map<string, LoadedProfile>();
/** Profiles kept ready to score; older ones are dropped (the UI sends them again when needed). */
const MAX_LOADED_PROFILES = 4;

const controllers = new Map<number, AbortController>();
/** Inner controllers of running backend work, aborted when the GPU device is lost. */
const backendWork = new Set<AbortController>();
let lostMessage: string | null = null;
let queue: Promise<unknown> = Promise.resolve();

function disposeScorers(): void {
  for (const p of profiles.values()) {
    try {
      p.scorer?.dispose();
    } catch {
      // tensors of a lost device
    }
    p.scorer = null;
  }
}

function disposeBackbone(): void {
  try {
    backbone?.dispose();
  } catch {
    // tensors of a lost device
  }
  backbone = null;
  for (const b of storedBackbones.values()) {
    try {
      b.dispose();
    } catch {
      // tensors of a lost device
    }
  }
  storedBackbones.clear();
}

/** Converted backbones loaded from IndexedDB, by id (most recently used last). */
const storedBackbones = new Map<string, Backbone>();
const MAX_STORED_BACKBONES = 2;

/**
 * The backbone a build or a profile names: the bundled one, or a converted one loaded from IndexedDB
 * (refused with a clear message when it is not stored, or when its weights differ from the profile's).
 */
async function backboneFor(id: string | undefined, weightsHash?: string, onProgress?: (p: Progress) => void): Promise<Backbone> {
  if (!id || id === RESNET50_IMAGENET.id) return requireBackbone();
  let b = storedBackbones.get(id);
  if (!b) {
    const source = await storedBackboneSource(id);
    const report = stageReporter('backbone', 1, onProgress);
    b = await loadBackbone(source, `backbone "${id}"`, (f) => report(f));
    storedBackbones.set(id, b);
    while (storedBackbones.size > MAX_STORED_BACKBONES) {
      const [oldest, old] = storedBackbones.entries().next().value as [string, Backbone];
      for (const p of profiles.values()) {
        if (p.meta.backbone.id === oldest && p.scorer) {
          p.scorer.dispose();
          p.scorer = null;
        }
      }
      old.dispose();
      storedBackbones.delete(oldest);
    }
  } else {
    storedBackbones.delete(id);
    storedBackbones.set(id, b);
  }
  if (weightsHash && b.weightsHash !== weightsHash) {
    throw new Error(`the stored backbone "${id}" has other weights than the ones this profile was built on (weights hash ${b.weightsHash.slice(0, 12)}, the profile needs ${weightsHash.slice(0, 12)}); convert the original checkpoint again or rebuild the profile`);
  }
  return b;
}

function backendReason(name: BackendName, how: BackendInfo['how'], wanted: BackendName | null, notes: string[]): string {
  const label = BACKEND_LABELS[name];
  const parts: string[] = [];
  if (how === 'calibration' && calibration) parts.push(`${label} was fastest in the calibration run (${describeCalibration(calibration)}).`);
  else if (how === 'override' && wanted === name) parts.push(`${label} was chosen in the backend setting.`);
  else if (how === 'override' && wanted) parts.push(`${BACKEND_LABELS[wanted]} was chosen but could not start (${initError(wanted) ?? 'unknown reason'}); running ${label}.`);
  else if (how !== 'device-lost') parts.push(`${label} is the first backend that started here.`);
  parts.push(...notes);
  const adapter = getAdapterDescription();
  if (name === 'webgpu' && adapter) parts.push(`GPU adapter: ${adapter.text}.`);
  if (name === 'webgpu' && adapter?.software) parts.push('Profiles select their coreset on the CPU, which is faster than this emulated GPU.');
  if (name !== 'webgpu' && adapter?.software) parts.push(`WebGPU here is ${adapter.text}, a CPU emulation.`);
  if (name === 'wasm') {
    const w = wasmDetails();
    const build = w.threadedBuild ? 'threaded SIMD build' : w.simd ? 'SIMD build without threads' : 'plain build';
    const pool = w.threadedBuild && w.threads === 1 ? ` (tfjs uses half the ${self.navigator.hardwareConcurrency} logical cores)` : '';
    parts.push(`WASM ${build}, ${w.threads} compute thread${w.threads === 1 ? '' : 's'}${pool}${w.problem ? `; no threads: ${w.problem}` : ''}.`);
  }
  return parts.join(' ');
}

/** Starts the first backend of `order` that works and loads the backbone on it. */
async function switchTo(order: BackendName[], how: BackendInfo['how'], wanted: BackendName | null, notes: string[], onProgress?: (p: Progress) => void): Promise<BackendInfo> {
  disposeScorers();
  disposeBackbone();
  const available: BackendName[] = [];
  for (const name of order) {
    if (!(await activate(name))) continue;
    available.push(name);
    const report = stageReporter('model', 1, onProgress);
    const t0 = performance.now();
    try {
      backbone = await loadBackbone(modelSource, MODEL_BASE, (f) => report(f));
    } catch (e) {
      throw new Error(`the backbone could not be loaded: ${(e as Error).message}`, { cause: e });
    }
    modelLoadMs = performance.now() - t0;
    for (const other of order) if (other !== name && calibration?.results[other]?.ms != null) available.push(other);
    const a = getAdapterDescription();
    info = {
      name,
      how,
      reason: backendReason(name, how, wanted, notes),
      available: [...new Set(available)],
      calibration,
      adapter: a?.text,
      softwareAdapter: a?.software,
      wasm: name === 'wasm' ? wasmDetails() : undefined,
    };
    return info;
  }
  throw new Error(`no tfjs backend could start here (${order.map((n) => `${n}: ${initError(n) ?? 'failed'}`).join('; ')})`);
}

async function applyChoice(next: BackendChoice, onProgress?: (p: Progress) => void, cached?: Calibration | null): Promise<BackendInfo> {
  const notes: string[] = [];
  if (next === 'auto') {
    if (cached && cached.fingerprint.startsWith(fingerprint())) {
      calibration = cached;
      notes.push(`(Calibration measured ${cached.at.slice(0, 16).replace('T', ' ')}.)`);
    } else if (!calibration) {
      const report = stageReporter('calibration', 1, onProgress);
      calibration = await calibrate((done, total) => report(done / total));
    }
    return switchTo(ranked(calibration), 'calibration', null, notes, onProgress);
  }
  return switchTo([next, ...ranked(calibration).filter((n) => n !== next)], 'override', next, notes, onProgress);
}

/** After a lost device: everything moves to the next backend; loaded profiles are rebuilt lazily. */
async function recoverFromLoss(): Promise<void> {
  const message = lostMessage;
  if (message === null) return;
  lostMessage = null;
  const wasOn = info?.name;
  resetWebGpu();
  if (wasOn !== 'webgpu') return;
  // WASM first: a lost device often means GPU trouble (a driver reset), which WebGL would share.
  const order: BackendName[] = ['wasm', 'webgl', 'cpu'];
  const notice = `The WebGPU device was lost (${message}). Switched to ${BACKEND_LABELS[order[0]]}; work in progress was run again there, nothing was lost.`;
  const next = await switchTo(order, 'device-lost', null, [notice]);
  post({ type: 'backend', info: next, notice });
}

onDeviceLost((message) => {
  lostMessage = message;
  if (backendWork.size > 0) {
    for (const c of backendWork) c.abort(new Error('device-lost'));
  } else {
    queue = queue.then(recoverFromLoss).catch((e) => post({ type: 'backend', info: info!, notice: `Recovery after the lost device failed: ${(e as Error).message}` }));
  }
});

function abortable<T>(p: Promise<T>, signal: AbortSignal): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * Runs backend work; when the GPU device is lost meanwhile, moves to the next backend and runs it
 * again from its inputs (which the worker still holds), so the user loses nothing.
 */
async function onBackend<T>(signal: AbortSignal, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    throwIfAborted(signal);
    if (lostMessage !== null) await recoverFromLoss();
    const inner = new AbortController();
    const forward = () => inner.abort(signal.reason);
    signal.addEventListener('abort', forward, { once: true });
    backendWork.add(inner);
    try {
      return await abortable(work(inner.signal), inner.signal);
    } catch (e) {
      if (signal.aborted || attempt >= 2) throw e;
      // A destroyed device fails pending reads (an AbortError from mapAsync) before its `lost`
      // promise settles: give the loss a moment to be reported before treating this as an error.
      for (let i = 0; i < 40 && lostMessage === null && info?.name === 'webgpu'; i++) await new Promise((r) => setTimeout(r, 50));
      if (lostMessage === null) throw e;
      await recoverFromLoss();
    } finally {
      backendWork.delete(inner);
      signal.removeEventListener('abort', forward);
    }
  }
}

function requireBackbone(): Backbone {
  if (!backbone) throw new Error('the engine is not started yet');
  return backbone;
}

const byName = (a: FileBytes, b: FileBytes) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

function imageSource(files: FileBytes[]): ImageSource {
  return { count: files.length, name: (i) => files[i].name, load: (i) => decodeImageBytes(files[i]) };
}

function scorerFor(p: LoadedProfile): PatchCoreScorer {
  if (!p.scorer) {
    const s = p.meta.scoring;
    p.scorer = new PatchCoreScorer(p.meta.backbone.id === RESNET50_IMAGENET.id ? requireBackbone() : storedBackbones.get(p.meta.backbone.id)!, p.bank, p.meta.bank.dim, { k: s.k, metric: s.metric, reweight: s.reweight, sigma: s.sigma });
  }
  return p.scorer;
}

function rememberProfile(key: string, meta: ProfileMeta, bank: Float32Array): void {
  const old = profiles.get(key);
  if (old?.scorer) old.scorer.dispose();
  profiles.delete(key);
  profiles.set(key, { meta, bank, scorer: null });
  while (profiles.size > MAX_LOADED_PROFILES) {
    const [oldest, p] = profiles.entries().next().value as [string, LoadedProfile];
    p.scorer?.dispose();
    profiles.delete(oldest);
  }
}

// ---------------------------------------------------------------- handlers

async function build(req: RequestMap['build'], signal: AbortSignal, onProgress: (p: Progress) => void): Promise<BuildResult> {
  const files = [...req.files].sort(byName);
  if (files.length === 0) throw new Error('no images: add some normal (defect-free) images first');
  return buildFrom(req.options, files.map((f) => ({ name: f.name, load: () => decodeImageBytes(f) })), signal, onProgress);
}

async function buildFrom(options: BuildOptions, images: NamedImage[], signal: AbortSignal, onProgress: (p: Progress) => void): Promise<BuildResult> {
  return onBackend(signal, async (s) => {
    const model = await backboneFor(options.backboneId, undefined, onProgress);
    // On a software WebGPU adapter (SwiftShader) the device coreset is a CPU emulation of a GPU loop:
    // the engine's pruned host search picks the same points far faster there.
    const coresetOn = info?.name === 'webgpu' && getAdapterDescription()?.software ? 'host' : defaultCoresetPlacement();
    const { profile, skipped, seconds } = await fitProfile(model, images, { ...options, appVersion: APP_VERSION, coresetOn, onProgress, signal: s });
    const { size, dim, dtype } = profile.meta.bank;
    return {
      meta: profile.meta,
      bank: float32ToBank(profile.bank, size, dim, dtype),
      skipped,
      seconds: { decode: seconds.decode, backbone: seconds.backbone, coreset: seconds.coreset, calibrate: seconds.calibrate, total: seconds.total },
      backend: info!.name,
      coresetOn,
    };
  });
}

async function score(req: RequestMap['score'], signal: AbortSignal): Promise<ScoreResult> {
  const p = profiles.get(req.key);
  if (!p) throw Object.assign(new Error(`profile ${req.key} is not loaded in the engine`), { code: 'not-loaded' });
  const image = await decodeImageBytes(req.file);
  return onBackend(signal, async () => {
    const t0 = performance.now();
    const scorer = scorerFor(p);
    const r = await scorer.score(image);
    const { resize, inputSize } = scorer.backbone.spec;
    const preview = prepareImage(image, resize, inputSize).data;
    const map = r.map.byteOffset === 0 && r.map.byteLength === r.map.buffer.byteLength ? r.map : r.map.slice();
    return {
      name: req.file.name,
      score: r.score,
      patches: r.patches,
      grid: r.grid,
      map,
      size: r.size,
      preview,
      width: image.width,
      height: image.height,
      backend: info!.name,
      ms: performance.now() - t0,
    };
  });
}

async function scoreFrame(req: RequestMap['score-frame'], signal: AbortSignal): Promise<FrameScore> {
  const p = profiles.get(req.key);
  if (!p) {
    if (req.frame.kind === 'bitmap') req.frame.bitmap.close();
    throw Object.assign(new Error(`profile ${req.key} is not loaded in the engine`), { code: 'not-loaded' });
  }
  const image = decodeFrame(req.frame);
  return onBackend(signal, async () => {
    const t0 = performance.now();
    const r = await scorerFor(p).score(image);
    return { score: r.score, map: r.map, size: r.size, grid: r.grid, width: image.width, height: image.height, backend: info!.name, ms: performance.now() - t0 };
  });
}

/** The demo profile: good flanges rendered here, every 10th held out for the threshold. */
function demoBuild(req: RequestMap['demo-build'], signal: AbortSignal, onProgress: (p: Progress) => void): Promise<BuildResult> {
  const { options } = req;
  const { train } = demoDataset({ trainCount: options.trainCount, testGood: 0, testPerDefect: 0, size: options.size, seed: options.seed });
  const images = train.map((d) => ({ name: d.name, load: async () => d.render().image }));
  return buildFrom({ name: options.name, coresetRatio: options.coresetRatio, seed: 0, holdout: options.holdout, dtype: 'float32' }, images, signal, onProgress);
}

function demoRender(req: RequestMap['demo-render']): ResultMap['demo-render'] {
  const { test } = demoDataset({ trainCount: 0, testGood: req.testGood, testPerDefect: req.perDefect, size: req.size, seed: req.seed });
  return {
    images: test.map((d) => {
      const { image } = d.render();
      const rgba = new Uint8ClampedArray(image.width * image.height * 4);
      for (let i = 0, j = 0; j < rgba.length; i += 3, j += 4) {
        rgba[j] = image.data[i];
        rgba[j + 1] = image.data[i + 1];
        rgba[j + 2] = image.data[i + 2];
        rgba[j + 3] = 255;
      }
      return { name: d.name, defect: d.defect, label: d.label, width: image.width, height: image.height, rgba: rgba.buffer };
    }),
  };
}

/** A ground-truth mask: the brightest of its RGB channels per pixel (as the CLI's decodeMaskFile). */
async function decodeMaskBytes(file: FileBytes): Promise<GrayImage> {
  const rgb = await decodeImageBytes(file);
  const data = new Uint8Array(rgb.width * rgb.height);
  for (let i = 0; i < data.length; i++) data[i] = Math.max(rgb.data[i * 3], rgb.data[i * 3 + 1], rgb.data[i * 3 + 2]);
  return { width: rgb.width, height: rgb.height, data };
}

/** The labelled test set scored one by one on the loaded profile's scorer; metrics as `eval` computes them. */
async function evaluateSet(req: RequestMap['evaluate'], signal: AbortSignal, onProgress: (p: Progress) => void): Promise<EvaluateResult> {
  const p = profiles.get(req.key);
  if (!p) throw Object.assign(new Error(`profile ${req.key} is not loaded in the engine`), { code: 'not-loaded' });
  if (req.files.length === 0) throw new Error('no test images: expected test/good/* and test/<defect>/*');
  const items: LabelledImage[] = req.files.map((f) => ({
    name: f.name,
    label: f.label,
    defect: f.defect,
    load: () => decodeImageBytes({ name: f.name, bytes: f.bytes }),
    loadMask: f.mask ? () => decodeMaskBytes({ name: `${f.name} (mask)`, bytes: f.mask! }) : undefined,
  }));
  return onBackend(signal, async (s) => {
    const t0 = performance.now();
    const scorer = scorerFor(p);
    const r = await evaluate(scorer.backbone.spec, items, localScoreItem(scorer), { onProgress, signal: s });
    const seconds = (performance.now() - t0) / 1000;
    return { metrics: r.metrics, images: r.images, skipped: r.skipped, bankSize: p.meta.bank.size, backend: info!.name, seconds, msPerImage: (seconds * 1000) / Math.max(1, r.images.length) };
  });
}

async function bench(req: RequestMap['bench'], signal: AbortSignal, onProgress: (p: Progress) => void): Promise<BenchReport> {
  const files = [...req.files].sort(byName);
  if (files.length === 0) throw new Error('no images: choose a few images for the benchmark');
  return onBackend(signal, async (s) => {
    const result = await runBenchmark(requireBackbone(), imageSource(files), { coresetRatio: req.coresetRatio, onProgress, signal: s });
    return {
      ...result,
      model_load_ms: modelLoadMs,
      at: new Date().toISOString(),
      backend_reason: info!.reason,
      wasm_threads: info!.name === 'wasm' ? wasmDetails().threads : undefined,
      adapter: info!.name === 'webgpu' ? getAdapterDescription()?.text : undefined,
      tensor_mb: tf.memory().numBytes / 1024 / 1024,
    };
  });
}

function exportProfile(req: RequestMap['export']): ResultMap['export'] {
  const bytes = serializeProfile({ meta: req.meta, bank: bankToFloat32(req.bank) });
  const slug = req.meta.name.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '') || 'profile';
  return { bytes: bytes.buffer as ArrayBuffer, fileName: `${slug}.profile.safetensors` };
}

function importProfile(req: RequestMap['import']): ResultMap['import'] {
  checkProfileFileSize(req.file.bytes.byteLength, req.file.name);
  const profile = readProfile(new Uint8Array(req.file.bytes), req.file.name);
  const { size, dim, dtype } = profile.meta.bank;
  return { meta: profile.meta, bank: float32ToBank(profile.bank, size, dim, dtype) };
}

async function handle(req: EngineRequest, signal: AbortSignal, onProgress: (p: Progress) => void): Promise<ResultMap[keyof ResultMap]> {
  throwIfAborted(signal);
  // A loaded profile on a converted backbone: make sure that backbone is loaded (after a backend switch too).
  const keyed = 'key' in req && req.type !== 'load-profile' ? profiles.get(req.key) : undefined;
  if (keyed && keyed.meta.backbone.id !== RESNET50_IMAGENET.id && !storedBackbones.has(keyed.meta.backbone.id)) {
    await backboneFor(keyed.meta.backbone.id, keyed.meta.backbone.weightsHash, onProgress);
  }
  switch (req.type) {
    case 'init':
      return applyChoice(req.choice, onProgress, req.calibration);
    case 'set-backend':
      return applyChoice(req.choice, onProgress);
    case 'build':
      return build(req, signal, onProgress);
    case 'load-profile':
      await backboneFor(req.meta.backbone.id, req.meta.backbone.id === RESNET50_IMAGENET.id ? undefined : req.meta.backbone.weightsHash, onProgress);
      rememberProfile(req.key, req.meta, bankToFloat32(req.bank));
      return { key: req.key };
    case 'convert-backbone':
      return convertBackbone(req.file, signal, onProgress);
    case 'score':
      return score(req, signal);
    case 'score-frame':
      return scoreFrame(req, signal);
    case 'demo-build':
      return demoBuild(req, signal, onProgress);
    case 'evaluate':
      return evaluateSet(req, signal, onProgress);
    case 'bench':
      return bench(req, signal, onProgress);
    case 'train-start': {
      const host: TrainingHost = {
        baseSource: async (id) =>
          id === RESNET50_IMAGENET.id ? { source: trainingModelSource, where: MODEL_BASE, bundled: true } : { source: await storedBackboneSource(id), where: `backbone "${id}"`, bundled: false },
        backend: () => info!.name,
        emit: (event) => post({ type: 'train', id: req.id, event }),
      };
      return onBackend(signal, (s) => runTraining(req, s, onProgress, host));
    }
    default:
      throw new Error(`unknown request ${(req as { type: string }).type}`);
  }
}

function serializeError(e: unknown): SerializedError {
  const err = e instanceof Error || e instanceof DOMException ? e : new Error(String(e));
  const code = isAbortError(err) ? 'abort' : err instanceof ProfileError ? 'profile' : (err as { code?: string }).code;
  return { name: err.name, message: err.message, ...(code ? { code } : {}) };
}

scope.onmessage = (ev: MessageEvent<EngineRequest>) => {
  const req = ev.data;
  const answer = (run: () => ResultMap[keyof ResultMap] | Promise<ResultMap[keyof ResultMap]>) => {
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
      answer(() => ({ lost: loseDevice() }));
      return;
    case 'train-pause':
    case 'train-resume':
      answer(() => setTrainingPaused(req.type === 'train-pause'));
      return;
    case 'export':
      answer(() => exportProfile(req));
      return;
    case 'import':
      answer(() => importProfile(req));
      return;
    case 'export-backbone':
      answer(() => exportBackbone(req.backboneId));
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
