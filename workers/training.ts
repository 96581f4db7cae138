/**
 * ToCoAD fine-tuning hosted in the engine worker (the browser's counterpart of src/cli/commands/finetune.ts):
 * the base backbone with its layer4 read through a FileSource, the images decoded here, trainToCoAD run with
 * progress, losses, samples and checkpoints sent to the page as `train` events, a pause gate the page can close,
 * and the result packed as a backbone folder and stored in IndexedDB, where the build form and the Backbones
 * section find it. The page stores the checkpoints (it owns the run record); this side never writes them.
 */
import { hashTensors } from '../src/engine/backbones/backbone';
import type { NamedTensors } from '../src/engine/backbones/named-tensors';
import type { TrainableSource } from '../src/engine/backbones/trainable';
import { readTrainableSource } from '../src/engine/backbones/trainable';
import type { FileSource } from '../src/engine/backbones/weights-file';
import type { RgbImage } from '../src/engine/image/types';
import type { Progress } from '../src/engine/progress';
import { stageReporter, throwIfAborted } from '../src/engine/progress';
import { decodeCheckpoint } from '../src/engine/tocoad/checkpoint';
import { fineTunedRecord, packFineTuned } from '../src/engine/tocoad/export';
import { resizeFloat } from '../src/engine/tocoad/float-image';
import type { SyntheticSample } from '../src/engine/tocoad/generator';
import type { ToCoADOptions } from '../src/engine/tocoad/trainer';
import { PauseGate, resolveOptions, trainToCoAD } from '../src/engine/tocoad/trainer';
import type { BackboneInfo } from '../src/storage/backbone-store';
import { backbones } from './backbones';
import { checkImageBytes, decodeImageBytes } from './decode';
import type { BackendName, FileBytes, TrainEvent, TrainResult, TrainSample, TrainStart } from '../src/worker-bridge/protocol';

/** Checkpoint parts sent to the page: each one IndexedDB value, well under Chromium's 128 MB value limit. */
export const CHECKPOINT_PART_BYTES = 16 * 1024 * 1024;
/** Samples are shown small: at most this many pixels a side. */
const SAMPLE_SIDE = 128;
const SAMPLE_COUNT = 4;

export interface TrainingHost {
  /** The base backbone's folder: the bundled one over fetch, or a stored one from IndexedDB. */
  baseSource(id: string): Promise<{ source: FileSource; where: string; bundled: boolean }>;
  backend(): BackendName;
  emit(event: TrainEvent): void;
}

/** A pause gate that tells the page when the trainer really waits at it (and when it goes on). */
class ReportingGate extends PauseGate {
  constructor(private readonly report: (state: 'paused' | 'running') => void) {
    super();
  }

  override wait(): Promise<void> {
    if (!this.paused) return Promise.resolve();
    this.report('paused');
    return super.wait().then(() => this.report('running'));
  }
}

/** The run in progress: its gate, and when it has really stopped (a cancelled run finishes its micro-batch first). */
let active: { gate: ReportingGate; done: Promise<unknown> } | null = null;

/** 'train-pause' / 'train-resume': answered at once; false when no training runs. */
export function setTrainingPaused(paused: boolean): { training: boolean } {
  if (!active) return { training: false };
  if (paused) active.gate.pause();
  else active.gate.resume();
  return { training: true };
}

/** Splits bytes into Blobs of at most `size` bytes (one IndexedDB value each; the copy is made here, not on the page). */
export function splitBytes(bytes: Uint8Array, size = CHECKPOINT_PART_BYTES): Blob[] {
  const parts: Blob[] = [];
  for (let o = 0; o < bytes.byteLength || parts.length === 0; o += size) parts.push(new Blob([bytes.subarray(o, Math.min(bytes.byteLength, o + size)) as Uint8Array<ArrayBuffer>]));
  return parts;
}

export async function joinParts(parts: Blob[]): Promise<Uint8Array> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.size, 0));
  let o = 0;
  for (const p of parts) {
    out.set(new Uint8Array(await p.arrayBuffer()), o);
    o += p.size;
  }
  return out;
}

/** A sample at most SAMPLE_SIDE pixels a side, as RGB bytes and a 0/1 mask (nearest). */
function toTrainSample(name: string, s: SyntheticSample): TrainSample {
  const { width: w, height: h } = s.image;
  const scale = Math.min(1, SAMPLE_SIDE / Math.max(w, h));
  const sw = Math.max(1, Math.round(w * scale));
  const sh = Math.max(1, Math.round(h * scale));
  const img = scale < 1 ? resizeFloat(s.image, sw, sh) : s.image;
  const rgb = new Uint8Array(sw * sh * 3);
  for (let i = 0; i < rgb.length; i++) rgb[i] = Math.round(Math.min(255, Math.max(0, img.data[i])));
  const mask = new Uint8Array(sw * sh);
  for (let y = 0; y < sh; y++) for (let x = 0; x < sw; x++) mask[y * sw + x] = s.mask[Math.min(h - 1, Math.floor(((y + 0.5) * h) / sh)) * w + Math.min(w - 1, Math.floor(((x + 0.5) * w) / sw))];
  return { name, width: sw, height: sh, rgb: rgb.buffer, mask: mask.buffer, anomalous: s.anomalous };
}

/** Refuses files that are not images before anything is loaded, naming every one. */
function checkFiles(files: FileBytes[], what: string): void {
  const bad: string[] = [];
  for (const f of files) {
    try {
      checkImageBytes(f);
    } catch (e) {
      bad.push((e as Error).message);
    }
  }
  if (bad.length) throw new Error(`${bad.length} of the ${files.length} ${what} cannot be used: ${bad.join('; ')}. Remove ${bad.length === 1 ? 'it' : 'them'} and start again.`);
}

const OOM = /out of memory|memory access out of bounds|allocation failed|Array buffer allocation|WebAssembly\.Memory|Aborted\(OOM\)|Failed to allocate/i;

/** Reads the base backbone with its training-only weights, with messages that say what to do. */
async function readBase(host: TrainingHost, id: string, onProgress: (p: Progress) => void): Promise<TrainableSource> {
  const { source, where, bundled } = await host.baseSource(id);
  const report = stageReporter('base model', 100, onProgress);
  try {
    return await readTrainableSource(source, where, (f) => report(Math.round(f * 100)));
  } catch (e) {
    const message = (e as Error).message;
    if (bundled && /extra-weights/.test(message)) {
      throw new Error(`the layer4 weights of the bundled ResNet50 (extra-weights-*.bin, needed by stage II) could not be read: ${message}. Run \`npm run prepare-models\` where the app is built, or set stage II epochs to 0.`, { cause: e });
    }
    throw e;
  }
}

const slug = (s: string) => s.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '').toLowerCase() || 'images';

/** Runs one fine-tuning; the result is stored as a backbone. Cancel through `signal` (a paused run is released). */
export async function runTraining(req: TrainStart, signal: AbortSignal, onProgress: (p: Progress) => void, host: TrainingHost): Promise<TrainResult> {
  while (active) await active.done.catch(() => undefined);
  const t0 = performance.now();
  const files = req.files;
  if (files.length === 0) throw new Error('no training images: add normal (defect-free) images of the part first');
  checkFiles(files, 'training images');
  checkFiles(req.textures ?? [], 'texture images');
  const s = req.settings;
  const requested: Partial<ToCoADOptions> = {
    imageSize: s.imageSize,
    batchSize: s.batchSize,
    microBatch: s.microBatch,
    stage1Epochs: s.stage1Epochs,
    stage2Epochs: s.stage2Epochs,
    stage1Lr: s.stage1Lr,
    stage2Lr: s.stage2Lr,
    lambda: s.lambda,
    seed: s.seed,
    generator: { ...resolveOptions().generator, kind: s.generator },
  };
  let options = resolveOptions(requested);
  const resume = req.resume?.length ? await joinParts(req.resume) : undefined;
  let resumedAt: { stage: 1 | 2; epochsDone: number } | null = null;
  if (resume) {
    const { meta } = decodeCheckpoint(resume, 'the stored checkpoint');
    options = resolveOptions(meta.state.options as ToCoADOptions);
    resumedAt = { stage: meta.stage, epochsDone: meta.epochsDone };
  }
  const base = await readBase(host, req.backboneId, onProgress);
  throwIfAborted(signal);
  const textures: RgbImage[] = [];
  for (const t of req.textures ?? []) textures.push(await decodeImageBytes(t));
  host.emit({ kind: 'start', options, images: files.length, resumedAt, backend: host.backend() });

  const gate = new ReportingGate((state) => host.emit({ kind: 'state', state }));
  const release = () => gate.resume();
  signal.addEventListener('abort', release, { once: true });
  let result;
  try {
    const training = trainToCoAD(
      base,
      {
        count: files.length,
        name: (i) => files[i].name,
        // decodeImageBytes names the file in its messages; the trainer adds the name again, so it is taken off here.
        load: (i) =>
          decodeImageBytes(files[i]).catch((e: Error) => {
            throw new Error(e.message.startsWith(`${files[i].name}: `) ? e.message.slice(files[i].name.length + 2) : e.message, { cause: e });
          }),
      },
      requested,
      {
        onProgress,
        onStep: (report) => host.emit({ kind: 'step', report }),
        onEpoch: (report) => host.emit({ kind: 'epoch', report }),
        sampleCount: SAMPLE_COUNT,
        onSamples: ({ stage, epoch, samples }) => host.emit({ kind: 'samples', stage, epoch, samples: samples.map((x) => toTrainSample(x.name, x.sample)) }),
        onCheckpoint: (bytes, at) => host.emit({ kind: 'checkpoint', ...at, parts: splitBytes(bytes), bytes: bytes.byteLength }),
        signal,
        gate,
      },
      { textures, resume },
    );
    active = { gate, done: training };
    result = await training;
  } catch (e) {
    const message = (e as Error)?.message ?? String(e);
    if (OOM.test(message)) {
      throw new Error(
        `the engine ran out of memory while training (${message}). Lower the micro-batch (gradients are still summed over the whole batch) or the image size (now ${options.microBatch} and ${options.imageSize} px), then start again.`,
        { cause: e },
      );
    }
    throw e;
  } finally {
    active = null;
    signal.removeEventListener('abort', release);
  }
  throwIfAborted(signal);
  return save(req, base, result, files.length, textures.length, host, onProgress, t0);
}

async function save(
  req: TrainStart,
  base: TrainableSource,
  result: Awaited<ReturnType<typeof trainToCoAD>>,
  imageCount: number,
  textureCount: number,
  host: TrainingHost,
  onProgress: (p: Progress) => void,
  t0: number,
): Promise<TrainResult> {
  const report = stageReporter('save', 100, onProgress);
  report(0);
  const id = await backbones().freeId(slug(`${base.spec.id}-tocoad-${req.dataset}`));
  const label = `${base.spec.label} + ToCoAD (${req.dataset})`;
  const { manifest, files } = packFineTuned(base, result.tensors, {
    id,
    label,
    fineTuned: fineTunedRecord(base, result, { data: { name: req.dataset, images: imageCount, textures: textureCount }, backend: host.backend(), host: 'browser' }),
  });
  report(30);
  // The weights hash covers the inference weights, as loadBackbone computes it from the stored shards.
  const mainNames = manifest.weightsManifest.flatMap((g) => g.weights.map((w) => w.name));
  const main: NamedTensors = new Map(mainNames.map((n) => [n, result.tensors.get(n)!]));
  const info: BackboneInfo = {
    id,
    label,
    architecture: manifest.architecture,
    weightsHash: await hashTensors(main),
    byteSize: files.reduce((n, f) => n + f.bytes.byteLength, 0),
    sourceFile: `ToCoAD fine-tuning of ${base.spec.id} on ${imageCount} images${textureCount ? ` with ${textureCount} texture images` : ''}`,
    createdAt: new Date().toISOString(),
    warnings: [],
    tapChannels: manifest.spec!.taps.map((t) => t.channels),
  };
  report(50);
  await backbones().save(info, files);
  report(100);
  return {
    backbone: info,
    history: result.history,
    options: result.options,
    seconds: { ...result.seconds, total: (performance.now() - t0) / 1000 },
    backend: host.backend(),
    images: imageCount,
    textures: textureCount,
  };
}
