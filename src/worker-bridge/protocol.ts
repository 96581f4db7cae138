/**
 * The one message protocol between the UI (main thread) and the engine worker.
 *
 * Every request carries an `id`; the worker answers each with exactly one `result` or `error` event
 * of that id, after any number of `progress` events (and, for `train-start`, `train` events). `cancel` aborts the request it names (the
 * answer is then an error named AbortError). `backend` events are unsolicited: the worker sends one
 * whenever the backend it runs on changes (start, user override, fallback after a lost GPU device).
 *
 * Bulk data (image files, memory banks, profile files) travel as ArrayBuffers in the transfer list.
 */
import type { BenchResult } from '../engine/bench';
import type { EvaluationMetrics, ImageResult } from '../engine/evaluate';
import type { SkippedImage } from '../engine/patchcore/memory-bank';
import type { Progress } from '../engine/progress';
import type { ProfileMeta } from '../engine/profile/profile';
import type { StoredBank } from '../engine/profile/stored-bank';
import type { TrainSettings } from '../engine/tocoad/settings';
import type { CalibrationTimes } from '../engine/tocoad/estimate';
import type { BackboneInfo } from '../storage/backbone-store';
import type { EpochReport, StepReport, ToCoADOptions } from '../engine/tocoad/trainer';

export type BackendName = 'webgpu' | 'webgl' | 'wasm' | 'cpu';
export type BackendChoice = BackendName | 'auto';
export const BACKEND_NAMES: readonly BackendName[] = ['webgpu', 'webgl', 'wasm', 'cpu'];

export const BACKEND_LABELS: Record<BackendName, string> = { webgpu: 'WebGPU', webgl: 'WebGL', wasm: 'WASM', cpu: 'CPU' };

/** One calibration measurement: milliseconds of the probe workload, or why the backend is unusable. */
export interface CalibrationEntry {
  ms: number | null;
  error?: string;
}

export interface Calibration {
  /** When it was measured (ISO time); cached by the UI and passed back on the next start. */
  at: string;
  /** What was measured on: the user agent and the GPU adapter, so a cache from another device is not reused. */
  fingerprint: string;
  results: Partial<Record<BackendName, CalibrationEntry>>;
}

/** What the worker runs on, and why: shown in the header badge. */
export interface BackendInfo {
  name: BackendName;
  /** One sentence for people: why this backend was chosen. */
  reason: string;
  how: 'calibration' | 'override' | 'fallback' | 'device-lost';
  /** Backends that initialise here. */
  available: BackendName[];
  calibration: Calibration | null;
  /** WebGPU adapter in words, e.g. "Google SwiftShader (software)". */
  adapter?: string;
  softwareAdapter?: boolean;
  /**
   * `threadedBuild`: the threaded SIMD binary with its pthread pool is running; `threads`: the pool's
   * size (tfjs caps it at half the logical cores); `problem`: why WASM runs without threads, when it does.
   */
  wasm?: { simd: boolean; threads: number; threadedBuild: boolean; crossOriginIsolated: boolean; problem: string | null };
}

/** An image or profile file as bytes; `name` is used in every message about it. */
export interface FileBytes {
  name: string;
  bytes: ArrayBuffer;
}


export interface BuildOptions {
  name: string;
  coresetRatio: number;
  seed: number;
  /** Fraction of the images held out to calibrate the threshold (every n-th, as `fit --holdout`). */
  holdout: number;
  dtype: 'float32' | 'float16';
  /** A converted backbone stored in IndexedDB (src/storage/backbone-store.ts); default: the bundled ResNet50. */
  backboneId?: string;
}

export interface BuildResult {
  meta: ProfileMeta;
  bank: StoredBank;
  skipped: SkippedImage[];
  seconds: { decode: number; backbone: number; coreset: number; calibrate: number; total: number };
  backend: BackendName;
  /** Where the coreset selection ran: on the tfjs backend, or on the CPU (pruned search). */
  coresetOn: 'host' | 'device';
}

export interface ScoreResult {
  name: string;
  /** Raw PatchCore score (max patch distance). */
  score: number;
  /** Patch scores on the grid x grid lattice. */
  patches: Float32Array;
  grid: number;
  /** Anomaly map at the model's input size (size x size, row-major), computed in the worker. */
  map: Float32Array;
  size: number;
  /** What the model saw (resized and centre-cropped, size x size), RGB interleaved: the map lies on it exactly. */
  preview: Uint8Array;
  /** The file's own pixel size. */
  width: number;
  height: number;
  backend: BackendName;
  ms: number;
}

export interface BenchReport extends BenchResult {
  model_load_ms: number;
  at: string;
  backend_reason: string;
  wasm_threads?: number;
  adapter?: string;
  /** Bytes held by tfjs tensors when the run ended. */
  tensor_mb: number;
}

/** A camera frame (or any picture) to score: an ImageBitmap (transferred) or raw RGBA pixels. */
export type FrameInput =
  | { kind: 'bitmap'; bitmap: ImageBitmap }
  | { kind: 'rgba'; width: number; height: number; data: ArrayBuffer };

/** 'score-frame' result: the score and the blurred anomaly map (size x size over the model's centre crop). */
export interface FrameScore {
  score: number;
  map: Float32Array;
  size: number;
  grid: number;
  /** The frame's own size, for placing the map (see src/ui/live/overlay.ts). */
  width: number;
  height: number;
  backend: BackendName;
  ms: number;
}

/** A rendered demo test image. */
export interface DemoImageData {
  name: string;
  defect: string;
  label: 0 | 1;
  width: number;
  height: number;
  rgba: ArrayBuffer;
}

export interface ImportResult {
  meta: ProfileMeta;
  bank: StoredBank;
}

/** A labelled test image for 'evaluate': label 1 is defective; `mask` is its ground-truth PNG, when there is one. */
export interface EvalFile {
  name: string;
  label: 0 | 1;
  defect: string;
  bytes: ArrayBuffer;
  mask?: ArrayBuffer;
}

/** 'evaluate' result: the metrics and per-image raw scores (no maps: they stay in the worker). */
export interface EvaluateResult {
  metrics: EvaluationMetrics;
  images: ImageResult[];
  skipped: SkippedImage[];
  bankSize: number;
  backend: BackendName;
  /** Wall-clock seconds of the whole run, and the mean milliseconds per scored image. */
  seconds: number;
  msPerImage: number;
}

/** One image taught: its score before (out of sample), and how many bank rows it added. */
export interface TaughtImageResult {
  name: string;
  scoreBefore: number;
  rowsAdded: number;
}

/**
 * 'teach' result: the taught profile (meta and bank in its storage dtype), NOT stored: the page shows the change and
 * saves it when the operator confirms. The thresholds before and after are null when the profile has none.
 */
export interface TeachResult {
  meta: ProfileMeta;
  bank: StoredBank;
  taught: TaughtImageResult[];
  thresholdBefore: number | null;
  thresholdAfter: number | null;
}

export interface TrainStart {
  settings: TrainSettings;
  /** The backbone to start from: the bundled 'resnet50-imagenet' or one stored in IndexedDB. */
  backboneId: string;
  /** Normal (defect-free) training images. */
  files: FileBytes[];
  /** Optional anomaly source images, mixed with the procedural textures. */
  textures?: FileBytes[];
  /** A checkpoint of an earlier run (its parts, in order, as stored), to continue from; its options are used. */
  resume?: Blob[];
  /** Names the result: `<base id>-tocoad-<dataset>`, label `<base label> + ToCoAD (<dataset>)`. */
  dataset: string;
}

/** A synthetic anomaly the trainer trains on, for the page to show: RGB bytes and its mask (1 = anomaly). */
export interface TrainSample {
  name: string;
  width: number;
  height: number;
  rgb: ArrayBuffer;
  mask: ArrayBuffer;
  anomalous: boolean;
}

/** What a training run tells the page while it runs (besides progress). Bulk bytes are transferred. */
export type TrainEvent =
  | { kind: 'start'; options: ToCoADOptions; images: number; resumedAt: { stage: 1 | 2; epochsDone: number } | null; backend: BackendName }
  | { kind: 'step'; report: StepReport }
  | { kind: 'epoch'; report: EpochReport }
  | { kind: 'samples'; stage: 1 | 2; epoch: number; samples: TrainSample[] }
  /**
   * After every epoch: the whole trainer state, in parts (each small enough for one IndexedDB value). Blobs, made in
   * the worker: the page stores them in IndexedDB by reference, without copying or serialising 100+ MB itself.
   */
  | { kind: 'checkpoint'; stage: 1 | 2; epochsDone: number; parts: Blob[]; bytes: number }
  /** `paused`: the trainer is now waiting at the pause gate (a pause takes effect between micro-batches). */
  | { kind: 'state'; state: 'paused' | 'running' };

export interface TrainResult {
  backbone: BackboneInfo;
  history: EpochReport[];
  options: ToCoADOptions;
  seconds: { prepare: number; stage1: number; stage2: number; total: number };
  backend: BackendName;
  /** What it was trained on: training images and anomaly source (texture) images. */
  images: number;
  textures: number;
}

/**
 * 'train-estimate': a calibration of a training run (one epoch of two micro-batches per stage, at the settings' image
 * size and micro-batch, on the active backend) on the first images; the page multiplies it out (src/engine/tocoad/estimate.ts).
 */
export interface TrainEstimateRequest {
  settings: TrainSettings;
  backboneId: string;
  /** The first training images (two micro-batches' worth are used; fewer are repeated). */
  files: FileBytes[];
}

export interface TrainEstimateResult {
  calibration: CalibrationTimes;
  backend: BackendName;
  /** Seconds the calibration took. */
  seconds: number;
}

/** Requests, by type. */
export interface RequestMap {
  init: { choice: BackendChoice; calibration?: Calibration | null };
  'set-backend': { choice: BackendChoice };
  build: { options: BuildOptions; files: FileBytes[] };
  /** Makes a profile scorable under `key` (the UI's storage revision of it). */
  'load-profile': { key: string; meta: ProfileMeta; bank: StoredBank };
  score: { key: string; file: FileBytes };
  bench: { files: FileBytes[]; coresetRatio: number };
  /** Profile -> one safetensors file. */
  export: { meta: ProfileMeta; bank: StoredBank };
  /** A profile file -> validated profile, or an error naming the problem. */
  import: { file: FileBytes };
  /** Scores one frame against a loaded profile; the live view keeps at most one in flight. */
  'score-frame': { key: string; frame: FrameInput };
  /** Scores a labelled test set (MVTec AD layout) against a loaded profile and computes the metrics. */
  evaluate: { key: string; files: EvalFile[] };
  /** Teaches a loaded profile images marked good (their patches join the bank by the coreset rule); nothing is stored. */
  teach: { key: string; files: FileBytes[] };
  /** Renders demo test images (good first, then `perDefect` of each defect type). */
  'demo-render': { testGood: number; perDefect: number; size: number; seed: number };
  /** A .pth / .safetensors checkpoint -> a converted backbone, stored in IndexedDB by the worker. */
  'convert-backbone': { file: FileBytes };
  /** A stored backbone -> one .safetensors in torchvision naming, its spec in __metadata__. */
  'export-backbone': { backboneId: string };
  /** ToCoAD fine-tuning in the worker; the result is stored as a backbone. One run at a time. */
  'train-start': TrainStart;
  /** Pauses / resumes the running training (answered at once; takes effect between micro-batches). */
  'train-pause': Record<string, never>;
  'train-resume': Record<string, never>;
  /** Measures a training run's cost before it starts (cancellable; runs in the queue like a build). */
  'train-estimate': TrainEstimateRequest;
  /** Aborts request `target`. */
  cancel: { target: number };
  /** Testing aid: destroys the WebGPU device as a driver reset would. */
  'debug-lose-device': Record<string, never>;
}

/** Results, by request type. */
export interface ResultMap {
  init: BackendInfo;
  'set-backend': BackendInfo;
  build: BuildResult;
  'load-profile': { key: string };
  score: ScoreResult;
  bench: BenchReport;
  export: { bytes: ArrayBuffer; fileName: string };
  import: ImportResult;
  'score-frame': FrameScore;
  evaluate: EvaluateResult;
  teach: TeachResult;
  'demo-render': { images: DemoImageData[] };
  'convert-backbone': BackboneInfo;
  'export-backbone': { bytes: ArrayBuffer; fileName: string };
  'train-start': TrainResult;
  'train-pause': { training: boolean };
  'train-resume': { training: boolean };
  'train-estimate': TrainEstimateResult;
  cancel: { cancelled: boolean };
  'debug-lose-device': { lost: boolean };
}

export type RequestType = keyof RequestMap;

export type EngineRequest = { [K in RequestType]: { id: number; type: K } & RequestMap[K] }[RequestType];

export interface SerializedError {
  name: string;
  message: string;
  /** Machine-readable kind for the UI: 'abort', 'profile' (bad profile file), 'not-loaded', ... */
  code?: string;
}

export type EngineEvent =
  | { type: 'progress'; id: number; progress: Progress }
  | { type: 'train'; id: number; event: TrainEvent }
  | { type: 'result'; id: number; result: ResultMap[RequestType] }
  | { type: 'error'; id: number; error: SerializedError }
  | { type: 'backend'; info: BackendInfo; notice?: string };

/** ArrayBuffers to transfer with a message (each once). */
export function transferablesOf(value: unknown, out: Set<ArrayBuffer> = new Set(), depth = 0): ArrayBuffer[] {
  if (depth > 6 || value === null || typeof value !== 'object') return [...out];
  if (value instanceof ArrayBuffer) out.add(value);
  else if (ArrayBuffer.isView(value)) {
    if (value.buffer instanceof ArrayBuffer && value.byteOffset === 0 && value.byteLength === value.buffer.byteLength) out.add(value.buffer);
  } else if (Array.isArray(value)) value.forEach((v) => transferablesOf(v, out, depth + 1));
  else Object.values(value as Record<string, unknown>).forEach((v) => transferablesOf(v, out, depth + 1));
  return [...out];
}

export type { StoredBank, TrainSettings };
