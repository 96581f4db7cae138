import * as tf from '../tf';
import type { BackboneSpec, TapName } from '../backbones/spec';
import type { ConvLayer, ResNetWeights } from '../backbones/resnet';
import { foldConv, STAGE_NAMES } from '../backbones/resnet';
import type { ConvNames, ResNetNames } from '../backbones/trainable';
import { hwioToOihw } from '../backbones/trainable';
import type { NamedTensors } from '../backbones/named-tensors';
import { ownedVariable } from './params';

/**
 * The feature extractor F as a trainable network.
 *
 * Batch norm: evaluation mode throughout. Running mean and variance stay frozen at their pretrained values (a batch
 * of 16, accumulated over micro-batches on a CPU, gives statistics too noisy to replace ImageNet's, and frozen
 * statistics keep training and inference the same function); the affine scale and shift (gamma, beta) are trained
 * unless `bnAffine` is false. Each convolution with its batch norm runs as one convolution with the folded filter
 * W * gamma / sqrt(var + eps) and bias beta + (b - mean) * gamma / sqrt(var + eps), which is exactly eval-mode BN, with
 * gradients flowing to W, gamma and beta through the fold.
 *
 * Stages before `trainFrom` (and the stem) are frozen and run folded, outside the gradient tape.
 */
export interface ExtractorOptions {
  /** First trained stage; the stem and earlier stages stay frozen. */
  trainFrom: TapName;
  /** Train batch-norm gamma and beta (running statistics are always frozen). */
  bnAffine: boolean;
}

interface TrainableConv {
  names: ConvNames;
  kernel: tf.Variable;
  gamma: tf.Variable;
  beta: tf.Variable;
  /** Constants: running statistics folded into a scale and offset base. */
  invStd: tf.Tensor1D;
  mean: tf.Tensor1D;
  bias?: tf.Tensor1D;
  stride: number;
  pad: number;
}

type Frozen = ConvLayer;
type Layer = TrainableConv | Frozen;

interface Block {
  conv1: Layer;
  conv2: Layer;
  conv3: Layer;
  downsample?: Layer;
}

/** Output of the frozen stages: the activation the trained stages start from, plus kept taps of frozen stages. */
export type FrozenPrefix = {
  x: tf.Tensor4D;
  taps: Partial<Record<TapName, tf.Tensor4D>>;
};

function isTrainable(l: Layer): l is TrainableConv {
  return (l as TrainableConv).gamma !== undefined;
}

let counter = 0;

export class TrainableExtractor {
  private readonly stem: Frozen;
  private readonly stages: Block[][];
  private readonly trainables: TrainableConv[] = [];
  readonly firstTrained: number;

  constructor(
    readonly spec: BackboneSpec,
    weights: ResNetWeights,
    names: ResNetNames,
    readonly options: ExtractorOptions,
  ) {
    this.firstTrained = STAGE_NAMES.indexOf(options.trainFrom);
    if (this.firstTrained < 0) throw new Error(`unknown stage ${options.trainFrom}`);
    this.stem = foldConv(weights.stem);
    this.stages = weights.stages.map((blocks, s) =>
      blocks.map((b, i) => {
        const n = names.stages[s][i];
        const make = (l: ConvLayer, nm: ConvNames): Layer => (s >= this.firstTrained ? this.makeTrainable(l, nm) : foldConv(l));
        return {
          conv1: make(b.conv1, n.conv1),
          conv2: make(b.conv2, n.conv2),
          conv3: make(b.conv3, n.conv3),
          downsample: b.downsample && n.downsample ? make(b.downsample, n.downsample) : undefined,
        };
      }),
    );
  }

  private makeTrainable(l: ConvLayer, names: ConvNames): TrainableConv {
    if (!l.bn) throw new Error(`${names.kernel}: trainable layers need their batch norm`);
    const id = counter++;
    const t: TrainableConv = {
      names,
      kernel: ownedVariable(tf.clone(l.kernel), true, `F${id}.kernel`),
      gamma: ownedVariable(tf.clone(l.bn.gamma), this.options.bnAffine, `F${id}.gamma`),
      beta: ownedVariable(tf.clone(l.bn.beta), this.options.bnAffine, `F${id}.beta`),
      invStd: tf.tidy(() => tf.rsqrt(tf.add(l.bn!.variance, l.bn!.epsilon))) as tf.Tensor1D,
      mean: tf.clone(l.bn.mean),
      bias: l.bias ? tf.clone(l.bias) : undefined,
      stride: l.stride,
      pad: l.pad,
    };
    this.trainables.push(t);
    return t;
  }

  /** Deepest stage this network has (3 = layer4). */
  get deepestStage(): number {
    return this.stages.length - 1;
  }

  /** Trainable variables in a fixed order (kernel, gamma, beta per layer). */
  variables(): tf.Variable[] {
    return this.trainables.flatMap((t) => [t.kernel, t.gamma, t.beta]).filter((v) => v.trainable);
  }

  /** Stable names for checkpoints, aligned with {@link variables}' full list (trainable or not). */
  namedVariables(): [string, tf.Variable][] {
    return this.trainables.flatMap((t) => [
      [t.names.kernel, t.kernel],
      [t.names.gamma, t.gamma],
      [t.names.beta, t.beta],
    ]);
  }

  /** NHWC float RGB on the 0-255 scale -> network input (the spec's preprocessing). */
  preprocess(rgb255: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const p = this.spec.preprocessing;
      if (p.kind === 'caffe') return tf.sub(tf.reverse(rgb255, 3), tf.tensor1d(p.meanBgr)) as tf.Tensor4D;
      return tf.div(tf.sub(tf.div(rgb255, 255), tf.tensor1d(p.mean)), tf.tensor1d(p.std)) as tf.Tensor4D;
    });
  }

  private apply(x: tf.Tensor4D, l: Layer, relu: boolean): tf.Tensor4D {
    const activation = relu ? 'relu' : 'linear';
    if (!isTrainable(l)) return tf.fused.conv2d({ x, filter: l.kernel, strides: l.stride, pad: l.pad, bias: l.bias, activation });
    const scale = tf.mul(l.gamma, l.invStd);
    const filter = tf.mul(l.kernel, scale) as tf.Tensor4D;
    const base = l.bias ? tf.sub(l.bias, l.mean) : tf.neg(l.mean);
    const bias = tf.add(tf.mul(base, scale), l.beta);
    // Unfused ops: see conv() in params.ts.
    const y = tf.add(tf.conv2d(x, filter, l.stride, l.pad), bias) as tf.Tensor4D;
    return relu ? tf.relu(y) : y;
  }

  private block(x: tf.Tensor4D, b: Block): tf.Tensor4D {
    let out = this.apply(x, b.conv1, true);
    out = this.apply(out, b.conv2, true);
    out = this.apply(out, b.conv3, false);
    const shortcut = b.downsample ? this.apply(x, b.downsample, false) : x;
    return tf.relu(tf.add(out, shortcut)) as tf.Tensor4D;
  }

  /**
   * The frozen part: preprocessing, stem, max pool and the stages before `trainFrom`, keeping the outputs of frozen
   * stages named in `taps`. Call it outside any gradient tape (it uses fused convolutions, which tfjs unfuses and
   * wraps under a tape).
   */
  frozenPrefix(rgb255: tf.Tensor4D, taps: TapName[] = []): FrozenPrefix {
    return tf.tidy(() => {
      let x = this.apply(this.preprocess(rgb255), this.stem, true);
      x = tf.maxPool(x, 3, 2, 1) as tf.Tensor4D;
      const kept: Partial<Record<TapName, tf.Tensor4D>> = {};
      for (let s = 0; s < this.firstTrained; s++) {
        for (const b of this.stages[s]) x = this.block(x, b);
        if (taps.includes(STAGE_NAMES[s])) kept[STAGE_NAMES[s]] = x;
      }
      return { x, taps: kept };
    });
  }

  /**
   * The trained stages from the prefix, returning the requested taps (taps of frozen stages come from the prefix,
   * which must have kept them). `deepOnly` limits the deepest stage (layer4) to the first `deepOnly` images of the
   * batch (the SimSiam views; synthetic anomalies stop at layer3).
   */
  trainedStages(prefix: FrozenPrefix, taps: TapName[], deepOnly?: number): Partial<Record<TapName, tf.Tensor4D>> {
    const deepest = Math.max(...taps.map((t) => STAGE_NAMES.indexOf(t)));
    if (deepest > this.deepestStage) throw new Error(`the extractor has no ${STAGE_NAMES[deepest]}`);
    const out: Partial<Record<TapName, tf.Tensor4D>> = {};
    for (const t of taps) {
      if (STAGE_NAMES.indexOf(t) >= this.firstTrained) continue;
      if (!prefix.taps[t]) throw new Error(`${t} is frozen: ask frozenPrefix to keep it`);
      out[t] = prefix.taps[t];
    }
    let x = prefix.x;
    for (let s = this.firstTrained; s <= deepest; s++) {
      if (s === deepest && deepOnly !== undefined && deepOnly < x.shape[0]) x = tf.slice(x, 0, deepOnly);
      for (const b of this.stages[s]) x = this.block(x, b);
      if (taps.includes(STAGE_NAMES[s])) out[STAGE_NAMES[s]] = x;
    }
    return out;
  }

  /** Taps without gradients (frozen use, e.g. stage I). */
  features(rgb255: tf.Tensor4D, taps: TapName[]): Partial<Record<TapName, tf.Tensor4D>> {
    return tf.tidy(() => this.trainedStages(this.frozenPrefix(rgb255, taps), taps));
  }

  /**
   * The trained values written back into a copy of the source tensors (same names and layouts); untouched tensors
   * (frozen stages, running statistics, anything else stored) are kept as they are.
   */
  async exportInto(source: NamedTensors): Promise<NamedTensors> {
    const out: NamedTensors = new Map(source);
    for (const t of this.trainables) {
      const kernel = (await t.kernel.data()) as Float32Array;
      const shape = t.kernel.shape.slice();
      out.set(t.names.kernel, t.names.kernelLayout === 'OIHW' ? hwioToOihw(kernel, shape) : { data: kernel, shape });
      out.set(t.names.gamma, { data: (await t.gamma.data()) as Float32Array, shape: t.gamma.shape.slice() });
      out.set(t.names.beta, { data: (await t.beta.data()) as Float32Array, shape: t.beta.shape.slice() });
    }
    return out;
  }

  dispose(): void {
    const frozen: ConvLayer[] = [this.stem];
    for (const blocks of this.stages) for (const b of blocks) for (const l of [b.conv1, b.conv2, b.conv3, b.downsample]) if (l && !isTrainable(l)) frozen.push(l);
    for (const l of frozen) {
      l.kernel.dispose();
      l.bias?.dispose();
    }
    for (const t of this.trainables) [t.kernel, t.gamma, t.beta, t.invStd, t.mean, t.bias].forEach((v) => v?.dispose());
  }
}

