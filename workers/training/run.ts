/**
 * ToCoAD fine-tuning hosted in the engine worker (the browser's counterpart of src/cli/commands/finetune.ts):
 * the base backbone with its layer4 read through a FileSource, the images decoded by the host, trainToCoAD run with
 * progress, losses, samples and checkpoints sent to the page as `train` events, a pause gate the page can close
 * (./pause.ts), and the result stored as a backbone (./save.ts). The page stores the checkpoints (it owns the run
 * record); this side never writes them.
 */
import type { TrainableSource } from '../../src/engine/backbones/trainable';
import { readTrainableSource } from '../../src/engine/backbones/trainable';
import type { RgbImage } from '../../src/engine/image/types';
import type { Progress } from '../../src/engine/progress';
import { stageReporter, throwIfAborted } from '../../src/engine/progress';
import { decodeCheckpoint } from '../../src/engine/tocoad/checkpoint';
import type { ToCoADOptions } from '../../src/engine/tocoad/trainer';
import { resolveOptions, trainToCoAD } from '../../src/engine/tocoad/trainer';
import type { FileBytes, TrainResult, TrainSettings, TrainStart } from '../../src/worker-bridge/protocol';
import { checkImageBytes } from '../decode';
import { ReportingGate, setActiveRun, untilIdle } from './pause';
import { save } from './save';
import { joinParts, splitBytes, toTrainSample } from './transfer';
import type { TrainingHost } from './host';

const SAMPLE_COUNT = 4;

/** Refuses files that are not images before anything is loaded, naming every one. */
export function checkFiles(files: FileBytes[], what: string): void {
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
export async function readBase(host: Pick<TrainingHost, 'baseSource'>, id: string, onProgress: (p: Progress) => void): Promise<TrainableSource> {
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

/** The trainer's options for the Train view's settings (the rest are the trainer's defaults). */
export function requestedOptions(s: TrainSettings): Partial<ToCoADOptions> {
  return {
    imageSize: s.imageSize,
    stage1BatchSize: s.stage1BatchSize,
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
}

/** Runs one fine-tuning; the result is stored as a backbone. Cancel through `signal` (a paused run is released). */
export async function runTraining(req: TrainStart, signal: AbortSignal, onProgress: (p: Progress) => void, host: TrainingHost): Promise<TrainResult> {
  await untilIdle();
  const t0 = performance.now();
  const files = req.files;
  if (files.length === 0) throw new Error('no training images: add normal (defect-free) images of the part first');
  checkFiles(files, 'training images');
  checkFiles(req.textures ?? [], 'texture images');
  const requested = requestedOptions(req.settings);
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
  for (const t of req.textures ?? []) textures.push(await host.decode(t));
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
        // The decoder names the file in its messages; the trainer adds the name again, so it is taken off here.
        load: (i) =>
          host.decode(files[i]).catch((e: Error) => {
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
    setActiveRun({ gate, done: training });
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
    setActiveRun(null);
    signal.removeEventListener('abort', release);
  }
  throwIfAborted(signal);
  return save(req, base, result, files.length, textures.length, host, onProgress, t0);
}

export type { TrainingHost };
