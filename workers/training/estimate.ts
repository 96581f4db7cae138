/**
 * 'train-estimate': the calibration behind the Train view's expected duration. The chosen settings are trained for
 * real, on the active backend, at their image size and micro-batch, but for one epoch of one batch of two
 * micro-batches per stage (the first images, repeated when there are fewer): the first micro-batch of each stage
 * carries its one-off costs, the second is the steady rate. The base is read, the images decoded and prepared, one
 * checkpoint per stage encoded and the result packed and hashed as a run does, so those costs are measured too;
 * nothing is stored. The times go to the page (src/engine/tocoad/estimate.ts multiplies them out). Cancellable.
 */
import { hashTensors } from '../../src/engine/backbones/backbone';
import type { NamedTensors } from '../../src/engine/backbones/named-tensors';
import type { Progress } from '../../src/engine/progress';
import { throwIfAborted } from '../../src/engine/progress';
import { CalibrationRecorder } from '../../src/engine/tocoad/estimate';
import { packFineTuned } from '../../src/engine/tocoad/export';
import { trainToCoAD } from '../../src/engine/tocoad/trainer';
import type { TrainEstimateRequest, TrainEstimateResult } from '../../src/worker-bridge/protocol';
import type { TrainingHost } from './host';
import { untilIdle } from './pause';
import { checkFiles, readBase, requestedOptions } from './run';
import { splitBytes } from './transfer';

/** What the page shows while it measures. */
export const MEASURING = 'Measuring…';

export async function runEstimate(
  req: TrainEstimateRequest,
  signal: AbortSignal,
  onProgress: (p: Progress) => void,
  host: Pick<TrainingHost, 'baseSource' | 'backend' | 'decode'>,
  now: () => number = () => performance.now(),
): Promise<TrainEstimateResult> {
  await untilIdle();
  const files = req.files;
  if (files.length === 0) throw new Error('no training images: add normal (defect-free) images of the part first');
  checkFiles(files, 'training images');
  const s = req.settings;
  const count = 2 * s.microBatch;
  // Steps: the base read, each image prepared, two micro-batches per stage that trains, the result packed.
  const stages = (s.stage1Epochs > 0 ? 1 : 0) + (s.stage2Epochs > 0 ? 1 : 0);
  const total = 1 + count + 2 * stages + 1;
  let done = 0;
  const tick = () => {
    done++;
    onProgress({ stage: MEASURING, done, total, fraction: done / total, etaSeconds: null });
  };
  onProgress({ stage: MEASURING, done: 0, total, fraction: 0, etaSeconds: null });
  const rec = new CalibrationRecorder(now);
  const base = await readBase(host, req.backboneId, () => undefined);
  rec.loaded();
  tick();
  throwIfAborted(signal);
  const options = {
    ...requestedOptions(s),
    stage1BatchSize: count,
    batchSize: count,
    stage1Epochs: s.stage1Epochs > 0 ? 1 : 0,
    stage2Epochs: s.stage2Epochs > 0 ? 1 : 0,
  };
  const file = (i: number) => files[i % files.length];
  const result = await trainToCoAD(
    base,
    { count, name: (i) => file(i).name, load: (i) => host.decode(file(i)) },
    options,
    {
      onProgress: (p) => {
        rec.progress(p);
        if (p.stage !== 'prepare' || p.done > 0) tick();
      },
      onSamples: ({ stage }) => rec.stageStart(stage),
      sampleCount: 1,
      onStep: (r) => rec.step(r.stage),
      onEpoch: (e) => rec.epoch(e.stage),
      // As a run hands a checkpoint over: copied into Blobs for the page (then dropped here).
      onCheckpoint: (bytes) => {
        splitBytes(bytes);
        rec.checkpoint();
      },
      signal,
    },
  );
  throwIfAborted(signal);
  // The end of a run: the weights packed and hashed as workers/training/save.ts does (storing them is not measured).
  const t = now();
  const { manifest } = packFineTuned(base, result.tensors, { id: 'estimate', label: 'estimate', fineTuned: {} });
  const main: NamedTensors = new Map(manifest.weightsManifest.flatMap((g) => g.weights.map((w) => [w.name, result.tensors.get(w.name)!] as const)));
  await hashTensors(main);
  rec.saved(now() - t);
  tick();
  return { calibration: rec.result(), backend: host.backend(), seconds: (now() - rec.startedAt) / 1000 };
}
