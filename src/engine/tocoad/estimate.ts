/**
 * How long a ToCoAD run will take, from a short measured calibration: the arithmetic only (no tfjs, no clock of its
 * own). A calibration run (workers/training/estimate.ts) trains one epoch of two micro-batches per stage at the
 * chosen image size and micro-batch on the active backend; `CalibrationRecorder` turns the trainer's hooks, timed
 * by the clock it is given, into `CalibrationTimes`; `estimateTraining` multiplies them out for the chosen images,
 * batch and epochs; `remainingSeconds` corrects the estimate with the run's own measured rate as it goes;
 * `shorterRuns` says what to change when a run is long.
 */
import type { Progress } from '../progress';

/** One stage's measured seconds. */
export interface StageTiming {
  /** The first micro-batch (forward + backward) with its one-off costs (kernels compiled, memory grown). */
  firstMicroBatch: number;
  /** A later micro-batch. */
  microBatch: number;
  /** The optimiser step that ends a batch. */
  optimizerStep: number;
  /** Encoding one checkpoint and handing it over (after every epoch). */
  checkpoint: number;
}

export interface CalibrationTimes {
  /** Reading the base backbone (layer4 included when stage II runs). */
  load: number;
  /** Decoding and preparing one training image. */
  preparePerImage: number;
  /** Building the networks before the first stage. */
  setup: number;
  stage1: StageTiming | null;
  stage2: StageTiming | null;
  /** Packing, hashing and storing the result. */
  save: number;
}

/** What a run is planned with (the Train view's images and settings). */
export interface PlanInput {
  images: number;
  /** Stage I's batch size. */
  stage1BatchSize: number;
  /** Stage II's batch size. */
  batchSize: number;
  microBatch: number;
  stage1Epochs: number;
  stage2Epochs: number;
}

export interface StageEstimate {
  epochs: number;
  /** Optimiser steps (batches) per epoch. */
  steps: number;
  microBatchesPerEpoch: number;
  seconds: number;
}

export interface TrainEstimate {
  stage1: StageEstimate | null;
  stage2: StageEstimate | null;
  /** Reading the base, preparing the images, building the networks, storing the result. */
  fixed: { load: number; prepare: number; setup: number; save: number; seconds: number };
  total: number;
}

/** Estimates over this are long enough to warn about (30 min). */
export const LONG_RUN_SECONDS = 30 * 60;

/** Micro-batches in one epoch: every batch (the last one may be short) split into micro-batches (the last may be short). */
export function microBatchesPerEpoch(images: number, batchSize: number, microBatch: number): number {
  let count = 0;
  for (let left = images; left > 0; left -= batchSize) count += Math.ceil(Math.min(batchSize, left) / microBatch);
  return count;
}

function stageEstimate(t: StageTiming | null, epochs: number, p: PlanInput, stage: 1 | 2): StageEstimate | null {
  if (epochs <= 0) return null;
  if (!t) throw new Error(`stage ${stage === 1 ? 'I' : 'II'} was not measured`);
  const batch = stage === 1 ? p.stage1BatchSize : p.batchSize;
  const steps = Math.ceil(p.images / batch);
  const mbs = microBatchesPerEpoch(p.images, batch, p.microBatch);
  const seconds = t.firstMicroBatch + (epochs * mbs - 1) * t.microBatch + epochs * steps * t.optimizerStep + epochs * t.checkpoint;
  return { epochs, steps, microBatchesPerEpoch: mbs, seconds };
}

/** Expected seconds of a run: per stage, per-micro-batch time x micro-batches per epoch x epochs, plus the fixed costs. */
export function estimateTraining(c: CalibrationTimes, p: PlanInput): TrainEstimate {
  const stage1 = stageEstimate(c.stage1, p.stage1Epochs, p, 1);
  const stage2 = stageEstimate(c.stage2, p.stage2Epochs, p, 2);
  const fixedParts = { load: c.load, prepare: c.preparePerImage * p.images, setup: c.setup, save: c.save };
  const fixed = { ...fixedParts, seconds: fixedParts.load + fixedParts.prepare + fixedParts.setup + fixedParts.save };
  return { stage1, stage2, fixed, total: fixed.seconds + (stage1?.seconds ?? 0) + (stage2?.seconds ?? 0) };
}

/**
 * Seconds left in the whole run, from its progress: the stage that runs is taken at its own measured rate (the
 * trainer's ETA for the stage, from the micro-batches done so far), and the stages still to come at the estimate
 * scaled by how much faster or slower than estimated the running stage goes. Null before anything is known.
 */
export function remainingSeconds(e: TrainEstimate, p: Pick<Progress, 'stage' | 'fraction' | 'etaSeconds'> | null): number | null {
  if (!p) return e.total;
  const f = Math.min(1, Math.max(0, p.fraction));
  const s1 = e.stage1?.seconds ?? 0;
  const s2 = e.stage2?.seconds ?? 0;
  const { load, prepare, setup, save } = e.fixed;
  switch (p.stage) {
    case 'base model':
      return load * (1 - f) + prepare + setup + s1 + s2 + save;
    case 'prepare':
      return prepare * (1 - f) + setup + s1 + s2 + save;
    case 'stage I': {
      const planned = s1 * (1 - f);
      const now = p.etaSeconds ?? planned;
      const ratio = p.etaSeconds !== null && planned > 0 ? Math.min(4, Math.max(0.25, p.etaSeconds / planned)) : 1;
      return now + s2 * ratio + save;
    }
    case 'stage II':
      return (p.etaSeconds ?? s2 * (1 - f)) + save;
    case 'save':
      return save * (1 - f);
    default:
      return null;
  }
}

/** A change that brings a long run under the limit, with what the run would then take. */
export interface ShorterRun {
  kind: 'epochs' | 'imageSize' | 'images';
  text: string;
  seconds: number;
  change: { stage1Epochs?: number; stage2Epochs?: number; imageSize?: number; images?: number };
}

const minutes = (s: number) => `${Math.round(s / 60)} min`;

/**
 * What to change so the run takes at most `limit` seconds: fewer epochs (both stages in proportion), a lower image
 * size (micro-batch time taken to scale with the pixel count: an extrapolation, measured again once chosen), or fewer
 * images. Each is given with its numbers; one that cannot get under the limit on its own is left out.
 */
export function shorterRuns(c: CalibrationTimes, p: PlanInput & { imageSize: number }, limit = LONG_RUN_SECONDS): ShorterRun[] {
  const out: ShorterRun[] = [];
  const total = (q: PlanInput, cal = c) => estimateTraining(cal, q).total;
  if (total(p) <= limit) return out;
  // Epochs: the largest common fraction of both stages' epochs that fits (each stage that trains keeps at least one).
  const epochsAt = (k: number) => ({
    stage1Epochs: p.stage1Epochs > 0 ? Math.max(1, Math.floor(p.stage1Epochs * k)) : 0,
    stage2Epochs: p.stage2Epochs > 0 ? Math.max(1, Math.floor(p.stage2Epochs * k)) : 0,
  });
  let [lo, hi] = [0, 1];
  for (let i = 0; i < 40; i++) {
    const mid = (lo + hi) / 2;
    if (total({ ...p, ...epochsAt(mid) }) <= limit) lo = mid;
    else hi = mid;
  }
  const e = epochsAt(lo);
  const fits = total({ ...p, ...e });
  if (fits <= limit) out.push({ kind: 'epochs', seconds: fits, change: e, text: `${e.stage1Epochs} + ${e.stage2Epochs} epochs instead of ${p.stage1Epochs} + ${p.stage2Epochs}: about ${minutes(fits)}` });
  // Image size: the largest multiple of 32 (64 at least) below the chosen one that fits.
  for (let size = p.imageSize - 32; size >= 64; size -= 32) {
    const r = (size / p.imageSize) ** 2;
    const scale = (t: StageTiming | null) => (t ? { ...t, firstMicroBatch: t.firstMicroBatch * r, microBatch: t.microBatch * r } : null);
    const s = total(p, { ...c, stage1: scale(c.stage1), stage2: scale(c.stage2) });
    if (s <= limit) {
      out.push({ kind: 'imageSize', seconds: s, change: { imageSize: size }, text: `image size ${size} px instead of ${p.imageSize}: about ${minutes(s)} (an extrapolation; measured again once chosen)` });
      break;
    }
  }
  // Images: the most images (fewer than now) that fit.
  for (let n = p.images - 1; n >= 1; n--) {
    const s = total({ ...p, images: n });
    if (s <= limit) {
      out.push({ kind: 'images', seconds: s, change: { images: n }, text: `${n} images instead of ${p.images}: about ${minutes(s)}` });
      break;
    }
  }
  return out;
}

/**
 * Turns the hooks of a calibration run (one epoch per stage, two micro-batches each, as trainToCoAD calls them) into
 * `CalibrationTimes`, timed by `now` (milliseconds). The host marks what happens outside the trainer: `loaded()`
 * once the base backbone is read, `saved(ms)` with the time packing the result took.
 */
export class CalibrationRecorder {
  /** When it was made (the clock's milliseconds). */
  readonly startedAt: number;
  private loadedAt: number | null = null;
  private preparedAt: number | null = null;
  private prepared = 0;
  private stage: 1 | 2 | null = null;
  private readonly marks: Record<1 | 2, { start: number; micro: number[]; step: number | null; epoch: number | null; checkpoint: number | null }> = {
    1: { start: 0, micro: [], step: null, epoch: null, checkpoint: null },
    2: { start: 0, micro: [], step: null, epoch: null, checkpoint: null },
  };
  private saveMs = 0;

  constructor(private readonly now: () => number) {
    this.startedAt = now();
  }

  loaded(): void {
    this.loadedAt = this.now();
  }

  /** trainToCoAD's onProgress: 'prepare' per image, 'stage I' / 'stage II' per micro-batch. */
  progress(p: Pick<Progress, 'stage' | 'done' | 'total'>): void {
    const t = this.now();
    if (p.stage === 'prepare') {
      this.prepared = p.done;
      this.preparedAt = t;
    } else if (p.stage === 'stage I' || p.stage === 'stage II') this.marks[p.stage === 'stage I' ? 1 : 2].micro.push(t);
  }

  /** onSamples: called as each stage starts. */
  stageStart(stage: 1 | 2): void {
    this.stage = stage;
    this.marks[stage].start = this.now();
  }

  step(stage: 1 | 2): void {
    this.marks[stage].step = this.now();
  }

  epoch(stage: 1 | 2): void {
    this.marks[stage].epoch = this.now();
  }

  /** onCheckpoint (the end-of-stage checkpoint of stage I is marked with stage 2 by the trainer: the stage that ran counts). */
  checkpoint(): void {
    if (this.stage) this.marks[this.stage].checkpoint = this.now();
  }

  saved(ms: number): void {
    this.saveMs = ms;
  }

  private stageTiming(stage: 1 | 2): StageTiming | null {
    const m = this.marks[stage];
    if (m.micro.length === 0) return null;
    if (m.micro.length < 2 || m.step === null || m.epoch === null || m.checkpoint === null) throw new Error(`the calibration of stage ${stage === 1 ? 'I' : 'II'} is incomplete`);
    const [a, b] = m.micro;
    return { firstMicroBatch: (a - m.start) / 1000, microBatch: (b - a) / 1000, optimizerStep: (m.step - b) / 1000, checkpoint: (m.checkpoint - m.epoch) / 1000 };
  }

  result(): CalibrationTimes {
    if (this.loadedAt === null || this.preparedAt === null || this.prepared === 0) throw new Error('the calibration did not read the model and images');
    const firstStage = this.marks[1].micro.length ? 1 : 2;
    return {
      load: (this.loadedAt - this.startedAt) / 1000,
      // Decoding happens between the model read and the last image prepared.
      preparePerImage: (this.preparedAt - this.loadedAt) / 1000 / this.prepared,
      setup: (this.marks[firstStage].start - this.preparedAt) / 1000,
      stage1: this.stageTiming(1),
      stage2: this.stageTiming(2),
      save: this.saveMs / 1000,
    };
  }
}
