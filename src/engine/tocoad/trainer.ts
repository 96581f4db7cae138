import * as tf from '../tf';
import type { NamedTensors } from '../backbones/named-tensors';
import type { TrainableSource } from '../backbones/trainable';
import { allTensors, resnetNames, unfoldedWeights } from '../backbones/trainable';
import { disposeWeights } from '../backbones/resnet';
import type { RgbImage } from '../image/types';
import { prepareImage } from '../image/prepare';
import type { ProgressListener } from '../progress';
import { stageReporter, throwIfAborted } from '../progress';
import type { ViewOptions } from './augment';
import { DEFAULT_VIEWS, randomView } from './augment';
import type { CheckpointMeta } from './checkpoint';
import { CHECKPOINT_FORMAT, CHECKPOINT_VERSION, decodeCheckpoint, encodeCheckpoint } from './checkpoint';
import { Discriminator } from './discriminator';
import type { ExtractorOptions } from './extractor';
import { TrainableExtractor } from './extractor';
import type { FloatImage } from './float-image';
import { toFloat } from './float-image';
import type { GeneratorOptions, SyntheticSample } from './generator';
import { DEFAULT_GENERATOR, generateAnomaly } from './generator';
import { DEFAULT_TRAIN_SETTINGS } from './settings';
import { ensureTrainingSupport } from './gradients';
import type { FocalOptions } from './losses';
import { DEFAULT_FOCAL, focalLoss } from './losses';
import { Adam, cosineLearningRate, SGD, stage1LearningRate } from './optim';
import { ParamStore } from './params';
import { deriveSeed, Rng, SEED } from './rng';
import { globalPool, SimSiam } from './simsiam';
import { TextureBank } from './textures';

/**
 * ToCoAD fine-tuning (paper §3.1-3.2), host-agnostic: an async function over tfjs tensors with progress and epoch
 * callbacks, an AbortSignal, a pause gate and checkpoints as bytes, so the CLI runs it today and a Web Worker can
 * host it unchanged.
 *
 * Stage I trains the discriminative decoder D (Adam, focal loss) on synthetic anomalies from G with the extractor F
 * frozen. Stage II trains F (from `extractor.trainFrom` on; batch norm in eval mode, see extractor.ts) together with
 * the SimSiam heads C, with D frozen: L = lambda L_sym + (1 - lambda) L_neg (SGD, momentum, weight decay, cosine
 * learning rate). A batch is processed in micro-batches whose gradients are summed (weighted by their share of the
 * batch) before one optimiser step: every loss term is a per-sample mean and nothing normalises across the batch, so
 * this equals the full-batch gradient while WASM memory holds only one micro-batch of activations.
 */
export interface ToCoADOptions {
  /** Training input size (images are resized to size * 256 / 224 and centre-cropped, as for inference). */
  imageSize: number;
  /** Stage I images per optimiser step: the small discriminator learns from many Adam steps. */
  stage1BatchSize: number;
  /** Stage II images per optimiser step: the extractor's SGD steps need the larger batch to stay steady. */
  batchSize: number;
  /** Images per forward/backward pass; gradients are accumulated up to the stage's batch size. */
  microBatch: number;
  stage1Epochs: number;
  stage2Epochs: number;
  stage1Lr: number;
  stage2Lr: number;
  lambda: number;
  momentum: number;
  weightDecay: number;
  focal: FocalOptions;
  generator: GeneratorOptions;
  views: ViewOptions;
  extractor: ExtractorOptions;
  decoderWidth: number;
  projectorDim: number;
  predictorDim: number;
  seed: number;
}

/**
 * The trainer's defaults: the recipe of {@link DEFAULT_TRAIN_SETTINGS} (shared with the Train view and `finetune`)
 * plus the settings no form or flag sets (the paper's).
 */
export const DEFAULT_TOCOAD: ToCoADOptions = {
  imageSize: DEFAULT_TRAIN_SETTINGS.imageSize,
  stage1BatchSize: DEFAULT_TRAIN_SETTINGS.stage1BatchSize,
  batchSize: DEFAULT_TRAIN_SETTINGS.batchSize,
  microBatch: DEFAULT_TRAIN_SETTINGS.microBatch,
  stage1Epochs: DEFAULT_TRAIN_SETTINGS.stage1Epochs,
  stage2Epochs: DEFAULT_TRAIN_SETTINGS.stage2Epochs,
  stage1Lr: DEFAULT_TRAIN_SETTINGS.stage1Lr,
  stage2Lr: DEFAULT_TRAIN_SETTINGS.stage2Lr,
  lambda: DEFAULT_TRAIN_SETTINGS.lambda,
  momentum: 0.9,
  weightDecay: 1e-4,
  focal: DEFAULT_FOCAL,
  generator: { ...DEFAULT_GENERATOR, kind: DEFAULT_TRAIN_SETTINGS.generator },
  views: DEFAULT_VIEWS,
  extractor: { trainFrom: 'layer2', bnAffine: true },
  decoderWidth: 128,
  projectorDim: 512,
  predictorDim: 128,
  seed: DEFAULT_TRAIN_SETTINGS.seed,
};

/** Training images: the normal (train/good) set. */
export interface TrainingImages {
  count: number;
  name(i: number): string;
  load(i: number): Promise<RgbImage>;
}

export interface EpochReport {
  stage: 1 | 2;
  /** 1-based. */
  epoch: number;
  epochs: number;
  steps: number;
  lr: number;
  /** Stage I: L_dis. Stage II: L_ncl = lambda L_sym + (1 - lambda) L_neg. Means over the epoch's images. */
  loss: number;
  lossSym?: number;
  lossNeg?: number;
  seconds: number;
}

export interface StepReport {
  stage: 1 | 2;
  epoch: number;
  step: number;
  steps: number;
  loss: number;
  lossSym?: number;
  lossNeg?: number;
  lr: number;
  seconds: number;
}

/** Pause/resume between micro-batches: the trainer awaits `wait()`, which blocks while paused. */
export class PauseGate {
  private waiting: Promise<void> | null = null;
  private release: (() => void) | null = null;

  get paused(): boolean {
    return this.waiting !== null;
  }

  pause(): void {
    if (this.waiting) return;
    this.waiting = new Promise((r) => (this.release = r));
  }

  resume(): void {
    this.release?.();
    this.waiting = null;
    this.release = null;
  }

  private waitedMs = 0;

  /** Milliseconds the trainer has spent waiting at the gate (left out of the ETA). */
  get waited(): number {
    return this.waitedMs;
  }

  wait(): Promise<void> {
    if (!this.waiting) return Promise.resolve();
    const from = performance.now();
    return this.waiting.then(() => {
      this.waitedMs += performance.now() - from;
    });
  }
}

export interface TrainHooks {
  onProgress?: ProgressListener;
  onStep?: (s: StepReport) => void;
  onEpoch?: (e: EpochReport) => void;
  /** Called with a checkpoint after every `checkpointEvery` epochs (default 1) and at the end of each stage. */
  onCheckpoint?: (bytes: Uint8Array, at: { stage: 1 | 2; epochsDone: number }) => void | Promise<void>;
  checkpointEvery?: number;
  /**
   * Called at the start of each stage (also a resumed one) with the synthetic anomalies of the first `sampleCount`
   * images (default 4) in that epoch's order: exactly what the trainer then trains on, for hosts to show.
   */
  onSamples?: (s: { stage: 1 | 2; epoch: number; samples: { name: string; sample: SyntheticSample }[] }) => void;
  sampleCount?: number;
  signal?: AbortSignal;
  gate?: PauseGate;
}

export interface ToCoADResult {
  /** Every stored tensor of the base model with the trained values in place (same names and layouts). */
  tensors: NamedTensors;
  history: EpochReport[];
  options: ToCoADOptions;
  seconds: { prepare: number; stage1: number; stage2: number };
  /** Trainable parameter counts. */
  parameters: { extractor: number; discriminator: number; contrastive: number };
}

/** Options with nested defaults filled in. */
export function resolveOptions(o: Partial<ToCoADOptions> = {}): ToCoADOptions {
  const r: ToCoADOptions = {
    ...DEFAULT_TOCOAD,
    ...o,
    focal: { ...DEFAULT_TOCOAD.focal, ...o.focal },
    generator: { ...DEFAULT_TOCOAD.generator, ...o.generator },
    views: { ...DEFAULT_TOCOAD.views, ...o.views },
    extractor: { ...DEFAULT_TOCOAD.extractor, ...o.extractor },
  };
  if (!Number.isInteger(r.imageSize) || r.imageSize < 32 || r.imageSize % 32 !== 0) throw new Error(`image size must be a multiple of 32 (at least 32), got ${r.imageSize}`);
  if (!Number.isInteger(r.stage1BatchSize) || r.stage1BatchSize < 1) throw new Error(`stage I batch size must be a positive integer, got ${r.stage1BatchSize}`);
  if (!Number.isInteger(r.batchSize) || r.batchSize < 1) throw new Error(`batch size must be a positive integer, got ${r.batchSize}`);
  if (!Number.isInteger(r.microBatch) || r.microBatch < 1) throw new Error(`micro-batch must be a positive integer, got ${r.microBatch}`);
  for (const k of ['stage1Epochs', 'stage2Epochs'] as const) if (!Number.isInteger(r[k]) || r[k] < 0) throw new Error(`${k} must be an integer >= 0, got ${r[k]}`);
  if (!(r.lambda >= 0 && r.lambda <= 1)) throw new Error(`lambda must be in [0, 1], got ${r.lambda}`);
  if (r.decoderWidth % 4 !== 0) throw new Error(`decoder width must be a multiple of 4, got ${r.decoderWidth}`);
  return r;
}

const yieldToHost = () => new Promise<void>((r) => setTimeout(r, 0));

/** Host copy of selected variables. */
async function namedValues(vars: [string, tf.Variable][], prefix: string): Promise<NamedTensors> {
  const out: NamedTensors = new Map();
  for (const [name, v] of vars) out.set(prefix + name, { shape: v.shape.slice(), data: (await v.data()) as Float32Array });
  return out;
}

function loadValues(vars: [string, tf.Variable][], tensors: NamedTensors, prefix: string): void {
  for (const [name, v] of vars) {
    const t = tensors.get(prefix + name);
    if (!t) throw new Error(`the checkpoint has no tensor "${prefix + name}"`);
    if (t.shape.join() !== v.shape.join()) throw new Error(`checkpoint tensor "${prefix + name}" has shape [${t.shape}], expected [${v.shape}]`);
    tf.tidy(() => v.assign(tf.tensor(t.data, v.shape)));
  }
}

function prefixed(store: ParamStore): [string, tf.Variable][] {
  return [...store.vars];
}

/** Sums gradients of micro-batches into a batch gradient, weighted by each micro-batch's share. */
class GradientSum {
  private sums: tf.Tensor[] | null = null;

  add(grads: tf.Tensor[], weight: number): void {
    const prev = this.sums;
    this.sums = tf.tidy(() => grads.map((g, i) => (prev ? tf.add(prev[i], tf.mul(g, weight)) : tf.mul(g, weight))));
    prev?.forEach((t) => t.dispose());
  }

  take(): tf.Tensor[] {
    const s = this.sums ?? [];
    this.sums = null;
    return s;
  }
}

function stack(images: FloatImage[]): tf.Tensor4D {
  const { width: w, height: h } = images[0];
  const data = new Float32Array(images.length * w * h * 3);
  images.forEach((im, i) => data.set(im.data, i * w * h * 3));
  return tf.tensor4d(data, [images.length, h, w, 3]);
}

function masksTensor(samples: SyntheticSample[], size: number): tf.Tensor3D {
  const data = new Float32Array(samples.length * size * size);
  samples.forEach((s, i) => data.set(s.mask, i * size * size));
  return tf.tensor3d(data, [samples.length, size, size]);
}

/** Stage II settings that may be changed when resuming from a checkpoint taken at the end of stage I. */
export const STAGE2_OVERRIDABLE = ['stage2Epochs', 'stage2Lr', 'batchSize', 'lambda', 'momentum', 'weightDecay', 'views', 'projectorDim', 'predictorDim', 'extractor'] as const;

/**
 * Runs both stages (or what is left of them after `extras.resume`). `base` must have layer4 for stage II. A resumed
 * run takes its options from the checkpoint; `extras.override` may change stage II settings
 * ({@link STAGE2_OVERRIDABLE}) when the checkpoint was taken at the end of stage I, so one discriminator can serve
 * several stage II runs.
 */
export async function trainToCoAD(
  base: TrainableSource,
  images: TrainingImages,
  options: Partial<ToCoADOptions> = {},
  hooks: TrainHooks = {},
  extras: { textures?: RgbImage[]; resume?: Uint8Array; override?: Partial<ToCoADOptions> } = {},
): Promise<ToCoADResult> {
  await ensureTrainingSupport();
  let o = resolveOptions(options);
  let resumed: { meta: CheckpointMeta; tensors: NamedTensors } | null = null;
  if (extras.resume) {
    resumed = decodeCheckpoint(extras.resume);
    if (resumed.meta.baseWeightsHash !== base.weightsHash) throw new Error(`the checkpoint was made from backbone weights ${resumed.meta.baseWeightsHash.slice(0, 12)}…, not these (${base.weightsHash.slice(0, 12)}…)`);
    const saved = resumed.meta.state.options as Partial<ToCoADOptions>;
    // Checkpoints from before stage I had its own batch size trained both stages with `batchSize`.
    o = resolveOptions({ stage1BatchSize: saved.batchSize, ...saved });
    const keys = Object.keys(extras.override ?? {}).filter((k) => JSON.stringify(extras.override![k as keyof ToCoADOptions]) !== JSON.stringify(o[k as keyof ToCoADOptions]));
    if (keys.length) {
      const bad = keys.filter((k) => !(STAGE2_OVERRIDABLE as readonly string[]).includes(k));
      if (bad.length) throw new Error(`${bad.join(', ')} cannot be changed when resuming (the checkpoint's values are used)`);
      if (resumed.meta.stage !== 2 || resumed.meta.epochsDone !== 0) throw new Error(`stage II settings (${keys.join(', ')}) can only be changed when resuming from the end of stage I`);
      o = resolveOptions({ ...o, ...Object.fromEntries(keys.map((k) => [k, extras.override![k as keyof ToCoADOptions]])) });
    }
  }
  const { signal, gate } = hooks;
  const size = o.imageSize;
  const needStages = o.stage2Epochs > 0 ? 4 : 3;
  if (base.stageCount < needStages) {
    throw new Error(
      `stage II needs the extractor's layer4 (SimSiam uses pooled layer3 and layer4 features) but this backbone stops at layer${base.stageCount}` +
        (base.manifest.weightNaming === 'keras' ? '; rebuild the bundled model with `npm run prepare-models`' : ''),
    );
  }
  if (images.count === 0) throw new Error('no training images');
  const t0 = performance.now();

  // Training images, prepared once (resize + centre crop as for inference, at the training size).
  const resize = Math.round((size * base.spec.resize) / base.spec.inputSize);
  const prepared: FloatImage[] = [];
  // The ETA's clock stops while the run is paused.
  const clock = () => performance.now() - (gate?.waited ?? 0);
  const prepReport = stageReporter('prepare', images.count, hooks.onProgress, clock);
  for (let i = 0; i < images.count; i++) {
    throwIfAborted(signal);
    let img: RgbImage;
    try {
      img = await images.load(i);
    } catch (e) {
      throw new Error(`${images.name(i)}: ${(e as Error).message}`, { cause: e });
    }
    prepared.push(toFloat(prepareImage(img, resize, size)));
    prepReport(i + 1);
  }
  const textures = new TextureBank(size, extras.textures ?? []);

  const stageCount = needStages;
  const raw = unfoldedWeights(base, stageCount);
  // Output channels of each stage, read off the last block's conv3 (reduced-width test networks differ from 512/1024/2048).
  const [, c2, c3, c4] = raw.stages.map((blocks) => blocks[blocks.length - 1].conv3.kernel.shape[3]);
  const names = resnetNames(base.manifest.weightNaming, allTensors(base), stageCount);
  const extractor = new TrainableExtractor(base.spec, raw, names, o.extractor);
  disposeWeights(raw);
  const D = new Discriminator({ c2, c3, width: o.decoderWidth }, deriveSeed(o.seed, SEED.init, 1));
  const heads = new ParamStore(new Rng(deriveSeed(o.seed, SEED.init, 2)));
  const C = new SimSiam({ inputs: { layer3: c3, layer4: c4 ?? 2 * c3 }, projectorDim: o.projectorDim, predictorDim: o.predictorDim }, heads);
  const adam = new Adam();
  const sgd = new SGD(o.momentum, o.weightDecay);
  const fVars = extractor.namedVariables();
  const stage2Named: [string, tf.Variable][] = [...fVars.map(([n, v]) => [`F/${n}`, v] as [string, tf.Variable]), ...prefixed(heads).map(([n, v]) => [`C/${n}`, v] as [string, tf.Variable])];
  const dNamed = prefixed(D.params).map(([n, v]) => [`D/${n}`, v] as [string, tf.Variable]);
  const history: EpochReport[] = [];
  const seconds = { prepare: (performance.now() - t0) / 1000, stage1: 0, stage2: 0 };
  let startStage: 1 | 2 = 1;
  let startEpoch = 0;
  let calibrated = false;

  if (resumed) {
    const { meta, tensors } = resumed;
    loadValues(dNamed, tensors, '');
    adam.load(dNamed, tensors, (meta.state.adam as Record<string, number>) ?? {});
    // At the end of stage I, F and C are still as initialised (from the base weights and the seed), so they are
    // rebuilt rather than loaded: that is what lets stage II settings change their shapes or trainable set.
    if (meta.stage === 1 || meta.epochsDone > 0) {
      loadValues(stage2Named, tensors, '');
      sgd.load(stage2Named, tensors);
    }
    history.push(...((meta.state.history as EpochReport[]) ?? []));
    Object.assign(seconds, meta.state.seconds ?? {});
    startStage = meta.stage;
    startEpoch = meta.epochsDone;
    calibrated = true;
  }

  const checkpoint = async (stage: 1 | 2, epochsDone: number, force: boolean) => {
    if (!hooks.onCheckpoint) return;
    if (!force && epochsDone % (hooks.checkpointEvery ?? 1) !== 0) return;
    const tensors: NamedTensors = new Map([...(await namedValues(dNamed, '')), ...(await namedValues(stage2Named, ''))]);
    const a = await adam.state(dNamed);
    const s = await sgd.state(stage2Named);
    for (const [k, v] of [...a.tensors, ...s.tensors]) tensors.set(k, v);
    const meta: CheckpointMeta = {
      format: CHECKPOINT_FORMAT,
      version: CHECKPOINT_VERSION,
      baseWeightsHash: base.weightsHash,
      stage,
      epochsDone,
      state: { options: o, history, adam: a.meta, seconds },
    };
    await hooks.onCheckpoint(encodeCheckpoint(meta, tensors), { stage, epochsDone });
  };

  const n = prepared.length;
  const batchOf = (stage: 1 | 2) => (stage === 1 ? o.stage1BatchSize : o.batchSize);
  const stepsPerEpoch = (stage: 1 | 2) => Math.ceil(n / batchOf(stage));
  const batches = (stage: 1 | 2, epoch: number): number[][] => {
    const order = new Rng(deriveSeed(o.seed, SEED.order, stage, epoch)).shuffle([...Array(n).keys()]);
    const size = batchOf(stage);
    const out: number[][] = [];
    for (let i = 0; i < n; i += size) out.push(order.slice(i, i + size));
    return out;
  };
  const synthetic = (stage: number, epoch: number, idx: number) => generateAnomaly(prepared[idx], new Rng(deriveSeed(o.seed, SEED.anomaly, stage, epoch, idx)), textures, o.generator);
  const microBatches = (batch: number[]) => {
    const out: number[][] = [];
    for (let i = 0; i < batch.length; i += o.microBatch) out.push(batch.slice(i, i + o.microBatch));
    return out;
  };
  const showSamples = (stage: 1 | 2, epoch: number) => {
    if (!hooks.onSamples) return;
    const first = batches(stage, epoch).flat().slice(0, hooks.sampleCount ?? 4);
    hooks.onSamples({ stage, epoch: epoch + 1, samples: first.map((idx) => ({ name: images.name(idx), sample: synthetic(stage, epoch, idx) })) });
  };
  const pause = async () => {
    throwIfAborted(signal);
    await gate?.wait();
    throwIfAborted(signal);
  };

  try {
    // ---- Stage I: discriminative network pre-training, extractor frozen.
    if (startStage === 1 && o.stage1Epochs > 0) {
      const tStage = performance.now() - seconds.stage1 * 1000;
      if (!calibrated) {
        const first = prepared.slice(0, Math.min(n, 8));
        tf.tidy(() => {
          const f = extractor.features(stack(first), ['layer2', 'layer3']);
          D.calibrate(f.layer2!, f.layer3!);
        });
      }
      showSamples(1, startEpoch);
      const report = stageReporter('stage I', (o.stage1Epochs - startEpoch) * n, hooks.onProgress, clock);
      let seen = 0;
      const dVars = D.params.trainable();
      for (let epoch = startEpoch; epoch < o.stage1Epochs; epoch++) {
        const tEpoch = performance.now();
        const lr = stage1LearningRate(o.stage1Lr, epoch, o.stage1Epochs);
        let lossSum = 0;
        const eb = batches(1, epoch);
        for (const [step, batch] of eb.entries()) {
          const sum = new GradientSum();
          let batchLoss = 0;
          for (const mb of microBatches(batch)) {
            await pause();
            const samples = mb.map((idx) => synthetic(1, epoch, idx));
            const { value, grads } = tf.tidy(() => {
              const x = stack(samples.map((s) => s.image));
              const masks = masksTensor(samples, size);
              const f = extractor.features(x, ['layer2', 'layer3']);
              return tf.variableGrads(() => focalLoss(D.forward(f.layer2!, f.layer3!, size), masks, o.focal), dVars);
            });
            const ordered = dVars.map((v) => grads[v.name] ?? tf.zerosLike(v));
            sum.add(ordered, mb.length / batch.length);
            const loss = (await value.data())[0];
            value.dispose();
            ordered.forEach((g) => g.dispose());
            batchLoss += loss * mb.length;
            seen += mb.length;
            report(seen);
            await yieldToHost();
          }
          const g = sum.take();
          adam.step(dVars, g, lr);
          g.forEach((t) => t.dispose());
          lossSum += batchLoss;
          hooks.onStep?.({ stage: 1, epoch: epoch + 1, step: step + 1, steps: eb.length, loss: batchLoss / batch.length, lr, seconds: (performance.now() - tEpoch) / 1000 });
        }
        const e: EpochReport = { stage: 1, epoch: epoch + 1, epochs: o.stage1Epochs, steps: stepsPerEpoch(1), lr, loss: lossSum / n, seconds: (performance.now() - tEpoch) / 1000 };
        history.push(e);
        seconds.stage1 = (performance.now() - tStage) / 1000;
        hooks.onEpoch?.(e);
        await checkpoint(epoch + 1 < o.stage1Epochs ? 1 : 2, epoch + 1 < o.stage1Epochs ? epoch + 1 : 0, epoch + 1 === o.stage1Epochs);
      }
      startEpoch = 0;
    }

    // ---- Stage II: negative-guided contrastive learning; D frozen, F and C trained.
    if (o.stage2Epochs > 0) {
      const tStage = performance.now() - seconds.stage2 * 1000;
      if (startEpoch < o.stage2Epochs) showSamples(2, startEpoch);
      const report = stageReporter('stage II', (o.stage2Epochs - startEpoch) * n, hooks.onProgress, clock);
      let seen = 0;
      const vars = [...extractor.variables(), ...heads.trainable()];
      const allNamed = stage2Named.filter(([, v]) => v.trainable);
      if (allNamed.length !== vars.length) throw new Error('internal: stage II variable lists disagree');
      for (let epoch = startEpoch; epoch < o.stage2Epochs; epoch++) {
        const tEpoch = performance.now();
        const lr = cosineLearningRate(o.stage2Lr, epoch, o.stage2Epochs);
        const sums = { loss: 0, sym: 0, neg: 0 };
        const eb = batches(2, epoch);
        for (const [step, batch] of eb.entries()) {
          const sum = new GradientSum();
          const bs = { loss: 0, sym: 0, neg: 0 };
          for (const mb of microBatches(batch)) {
            await pause();
            const m = mb.length;
            const v1: FloatImage[] = [];
            const v2: FloatImage[] = [];
            for (const idx of mb) {
              const rng = new Rng(deriveSeed(o.seed, SEED.views, 2, epoch, idx));
              v1.push(randomView(prepared[idx], size, rng, o.views));
              v2.push(randomView(prepared[idx], size, rng, o.views));
            }
            const samples = mb.map((idx) => synthetic(2, epoch, idx));
            let symT: tf.Scalar | null = null;
            let negT: tf.Scalar | null = null;
            const { value, grads } = tf.tidy(() => {
              const x = stack([...v1, ...v2, ...samples.map((s) => s.image)]);
              const masks = masksTensor(samples, size);
              const prefix = extractor.frozenPrefix(x, ['layer2', 'layer3']);
              return tf.variableGrads(() => {
                const f = extractor.trainedStages(prefix, ['layer2', 'layer3', 'layer4'], 2 * m);
                const pooled = { layer3: globalPool(tf.slice(f.layer3!, 0, 2 * m)), layer4: globalPool(f.layer4!) };
                const lSym = C.loss(pooled);
                const logits = D.forward(tf.slice(f.layer2!, 2 * m, m), tf.slice(f.layer3!, 2 * m, m), size);
                const lNeg = focalLoss(logits, masks, o.focal);
                symT = tf.keep(tf.clone(lSym));
                negT = tf.keep(tf.clone(lNeg));
                return tf.add(tf.mul(lSym, o.lambda), tf.mul(lNeg, 1 - o.lambda)) as tf.Scalar;
              }, vars);
            });
            const ordered = vars.map((v) => grads[v.name] ?? tf.zerosLike(v));
            sum.add(ordered, m / batch.length);
            const [loss, sym, neg] = [(await value.data())[0], (await symT!.data())[0], (await negT!.data())[0]];
            [value, symT!, negT!, ...ordered].forEach((t) => t.dispose());
            bs.loss += loss * m;
            bs.sym += sym * m;
            bs.neg += neg * m;
            seen += m;
            report(seen);
            await yieldToHost();
          }
          const g = sum.take();
          sgd.step(vars, g, lr);
          g.forEach((t) => t.dispose());
          sums.loss += bs.loss;
          sums.sym += bs.sym;
          sums.neg += bs.neg;
          const k = batch.length;
          hooks.onStep?.({ stage: 2, epoch: epoch + 1, step: step + 1, steps: eb.length, loss: bs.loss / k, lossSym: bs.sym / k, lossNeg: bs.neg / k, lr, seconds: (performance.now() - tEpoch) / 1000 });
        }
        const e: EpochReport = {
          stage: 2,
          epoch: epoch + 1,
          epochs: o.stage2Epochs,
          steps: stepsPerEpoch(2),
          lr,
          loss: sums.loss / n,
          lossSym: sums.sym / n,
          lossNeg: sums.neg / n,
          seconds: (performance.now() - tEpoch) / 1000,
        };
        history.push(e);
        seconds.stage2 = (performance.now() - tStage) / 1000;
        hooks.onEpoch?.(e);
        await checkpoint(2, epoch + 1, epoch + 1 === o.stage2Epochs);
      }
    }

    const tensors = await extractor.exportInto(allTensors(base));
    const count = (vs: tf.Variable[]) => vs.reduce((a, v) => a + v.size, 0);
    return {
      tensors,
      history,
      options: o,
      seconds,
      parameters: { extractor: o.stage2Epochs > 0 ? count(extractor.variables()) : 0, discriminator: count(D.params.trainable()), contrastive: count(heads.trainable()) },
    };
  } finally {
    extractor.dispose();
    D.dispose();
    heads.dispose();
    adam.dispose();
    sgd.dispose();
  }
}
