/**
 * The Train view's expected duration before Start: a short measured calibration in the worker ('train-estimate':
 * one epoch of two micro-batches per stage at the chosen image size and micro-batch, on the active backend), asked
 * for again (debounced) when what it depends on changes; epochs, batch and the number of images only change the
 * arithmetic (src/engine/tocoad/estimate.ts), done in the view. Never measured while a run is going; Start cancels a
 * measurement in flight. At a run's start the calibration, when it was measured for that run's backend, image size
 * and micro-batch, becomes the run's plan: the total ETA as it runs. No tfjs here.
 */
import { isAbortError } from '../engine/progress';
import type { TrainEstimate } from '../engine/tocoad/estimate';
import { estimateTraining } from '../engine/tocoad/estimate';
import type { TrainSettings } from '../engine/tocoad/settings';
import type { ToCoADOptions } from '../engine/tocoad/trainer';
import type { BackendName } from '../worker-bridge/protocol';
import { useAppStore } from './app-store';
import { engine } from './services';
import type { EstimateState } from './train-store';
import { IDLE_ESTIMATE, useTrainStore } from './train-store';

export const ESTIMATE_DEBOUNCE_MS = 700;

const set = (patch: Partial<EstimateState>) => useTrainStore.setState((s) => ({ estimate: { ...s.estimate, ...patch } }));
const get = () => useTrainStore.getState().estimate;
let timer: ReturnType<typeof setTimeout> | null = null;
let controller: AbortController | null = null;
/** Bumped by every schedule/cancel: an answer for an older ask is dropped. */
let ticket = 0;

/** Settings a calibration can run with (the form shows what is wrong with the others). */
function measurable(s: TrainSettings): boolean {
  const int = (v: number, min: number) => Number.isInteger(v) && v >= min;
  return int(s.imageSize, 32) && s.imageSize % 32 === 0 && int(s.stage1BatchSize, 1) && int(s.batchSize, 1) && int(s.microBatch, 1) && s.microBatch <= Math.min(s.batchSize, s.stage1BatchSize) && int(s.stage1Epochs, 0) && int(s.stage2Epochs, 0) && s.stage1Epochs + s.stage2Epochs > 0;
}

/** The images a calibration uses: two micro-batches' worth (fewer are repeated by the worker). */
const calibrationFiles = (files: readonly File[], s: TrainSettings) => files.slice(0, 2 * s.microBatch);

/** What a calibration depends on: backend, base, image size, micro-batch, which stages train, generator, its images. */
export function estimateKey(s: TrainSettings, backboneId: string, backend: BackendName, files: readonly File[]): string {
  const images = calibrationFiles(files, s).map((f) => `${f.name}:${f.size}`);
  return JSON.stringify([backend, backboneId, s.imageSize, s.microBatch, s.stage1Epochs > 0, s.stage2Epochs > 0, s.generator, images]);
}

/**
 * Asks for an estimate of a run on `files` with the form's settings, after ESTIMATE_DEBOUNCE_MS without another
 * ask. Nothing is measured while a run is going, without images, with settings that cannot run, or when the last
 * calibration was for the same key (the view redoes the arithmetic).
 */
export function scheduleEstimate(files: readonly File[]): void {
  const { settings, backboneId, running } = useTrainStore.getState();
  const app = useAppStore.getState();
  const backend = app.backend?.name;
  if (running) return;
  if (files.length === 0 || !measurable(settings) || app.engineStatus !== 'ready' || !backend) {
    stop();
    useTrainStore.setState({ estimate: IDLE_ESTIMATE });
    return;
  }
  const key = estimateKey(settings, backboneId, backend, files);
  const now = get();
  if (now.key === key && now.status !== 'error') return;
  stop();
  const mine = ++ticket;
  set({ status: 'waiting', key, progress: null, error: null, calibration: null, at: null });
  timer = setTimeout(() => void measure(mine, calibrationFiles(files, settings), settings, backboneId), ESTIMATE_DEBOUNCE_MS);
}

async function measure(mine: number, files: File[], settings: TrainSettings, backboneId: string): Promise<void> {
  timer = null;
  controller = new AbortController();
  const signal = controller.signal;
  set({ status: 'measuring' });
  try {
    const bytes = await Promise.all(files.map(async (f) => ({ name: f.name, bytes: await f.arrayBuffer() })));
    const r = await engine().request(
      'train-estimate',
      { settings, backboneId, files: bytes },
      { signal, onProgress: (progress) => mine === ticket && set({ progress }), transfer: bytes.map((b) => b.bytes) },
    );
    if (mine !== ticket) return;
    set({ status: 'ready', calibration: r.calibration, at: { backend: r.backend, imageSize: settings.imageSize, microBatch: settings.microBatch, seconds: r.seconds }, progress: null });
  } catch (e) {
    if (mine !== ticket) return;
    if (isAbortError(e)) useTrainStore.setState({ estimate: IDLE_ESTIMATE });
    else set({ status: 'error', error: e instanceof Error ? e.message : String(e), progress: null });
  } finally {
    if (mine === ticket) controller = null;
  }
}

function stop(): void {
  ticket++;
  if (timer) clearTimeout(timer);
  timer = null;
  controller?.abort();
  controller = null;
}

/** Cancels a measurement waiting or in flight (Start does, and the view's Cancel); a finished estimate stays. */
export function cancelEstimate(): void {
  const status = get().status;
  if (status !== 'waiting' && status !== 'measuring') return;
  stop();
  useTrainStore.setState({ estimate: IDLE_ESTIMATE });
}

export function estimateFor(estimate: EstimateState, s: TrainSettings, images: number): TrainEstimate | null {
  const { calibration, at } = estimate;
  if (estimate.status !== 'ready' || !calibration || !at || images === 0 || !measurable(s) || at.imageSize !== s.imageSize || at.microBatch !== s.microBatch) return null;
  try {
    return estimateTraining(calibration, { images, stage1BatchSize: s.stage1BatchSize, batchSize: s.batchSize, microBatch: s.microBatch, stage1Epochs: s.stage1Epochs, stage2Epochs: s.stage2Epochs });
  } catch {
    return null;
  }
}

/**
 * A starting (or resumed) run's plan, from the calibration when it was measured on the run's backend at its image
 * size and micro-batch: what is left of each stage after `resumedAt`. Null otherwise (the view then shows the ETA of
 * the running stage only).
 */
export function planForRun(o: ToCoADOptions, images: number, backend: BackendName, resumedAt: { stage: 1 | 2; epochsDone: number } | null): TrainEstimate | null {
  const { calibration, at, status } = get();
  if (status !== 'ready' || !calibration || !at || at.backend !== backend || at.imageSize !== o.imageSize || at.microBatch !== o.microBatch) return null;
  const stage1Epochs = !resumedAt ? o.stage1Epochs : resumedAt.stage === 1 ? o.stage1Epochs - resumedAt.epochsDone : 0;
  const stage2Epochs = !resumedAt || resumedAt.stage === 1 ? o.stage2Epochs : o.stage2Epochs - resumedAt.epochsDone;
  try {
    return estimateTraining(calibration, { images, stage1BatchSize: o.stage1BatchSize, batchSize: o.batchSize, microBatch: o.microBatch, stage1Epochs, stage2Epochs });
  } catch {
    return null;
  }
}
