import * as tf from '../tf';
import type { TapName } from './spec';

/**
 * A bottleneck ResNet (ResNet50, WideResNet50-2) as plain tfjs ops over named weights.
 * One graph serves Keras- and torchvision-named checkpoints: loaders map their names onto
 * this canonical layout (kernels HWIO, batch norm kept separate until folded for inference).
 */
export interface BatchNorm {
  gamma: tf.Tensor1D;
  beta: tf.Tensor1D;
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
  epsilon: number;
}

export interface ConvLayer {
  /** [kh, kw, in, out] */
  kernel: tf.Tensor4D;
  bias?: tf.Tensor1D;
  bn?: BatchNorm;
  stride: number;
  pad: number;
}

export interface Bottleneck {
  conv1: ConvLayer;
  conv2: ConvLayer;
  conv3: ConvLayer;
  downsample?: ConvLayer;
}

export interface ResNetWeights {
  stem: ConvLayer;
  /** stages[0] is layer1 ... stages[3] is layer4; trailing stages may be absent (truncated model). */
  stages: Bottleneck[][];
}

export const STAGE_NAMES: TapName[] = ['layer1', 'layer2', 'layer3', 'layer4'];
export const RESNET50_BLOCKS = [3, 4, 6, 3];

/** Folds batch norm into the convolution: w' = w * g / sqrt(v + e), b' = (b - m) * g / sqrt(v + e) + beta. */
export function foldConv(layer: ConvLayer): ConvLayer {
  if (!layer.bn) return { ...layer, kernel: tf.clone(layer.kernel), bias: layer.bias ? tf.clone(layer.bias) : undefined };
  const { gamma, beta, mean, variance, epsilon } = layer.bn;
  return tf.tidy(() => {
    const scale = tf.div(gamma, tf.sqrt(tf.add(variance, epsilon))) as tf.Tensor1D;
    const kernel = tf.mul(layer.kernel, scale) as tf.Tensor4D;
    const bias0 = layer.bias ?? tf.zerosLike(mean);
    const bias = tf.add(tf.mul(tf.sub(bias0, mean), scale), beta) as tf.Tensor1D;
    return { kernel: tf.keep(kernel), bias: tf.keep(bias), stride: layer.stride, pad: layer.pad };
  });
}

export function foldWeights(w: ResNetWeights): ResNetWeights {
  return {
    stem: foldConv(w.stem),
    stages: w.stages.map((blocks) =>
      blocks.map((b) => ({
        conv1: foldConv(b.conv1),
        conv2: foldConv(b.conv2),
        conv3: foldConv(b.conv3),
        downsample: b.downsample ? foldConv(b.downsample) : undefined,
      })),
    ),
  };
}

export function disposeWeights(w: ResNetWeights): void {
  const layers: ConvLayer[] = [w.stem];
  for (const blocks of w.stages) for (const b of blocks) layers.push(b.conv1, b.conv2, b.conv3, ...(b.downsample ? [b.downsample] : []));
  for (const l of layers) {
    l.kernel.dispose();
    l.bias?.dispose();
    if (l.bn) [l.bn.gamma, l.bn.beta, l.bn.mean, l.bn.variance].forEach((t) => t.dispose());
  }
}

function applyConv(x: tf.Tensor4D, layer: ConvLayer, relu: boolean): tf.Tensor4D {
  if (layer.bn) {
    // Unfolded (trainable) path: convolution, batch norm with running statistics, activation.
    let y = tf.conv2d(x, layer.kernel, layer.stride, layer.pad);
    if (layer.bias) y = tf.add(y, layer.bias);
    const { gamma, beta, mean, variance, epsilon } = layer.bn;
    y = tf.batchNorm(y, mean, variance, beta, gamma, epsilon);
    return relu ? tf.relu(y) : y;
  }
  return tf.fused.conv2d({
    x,
    filter: layer.kernel,
    strides: layer.stride,
    pad: layer.pad,
    bias: layer.bias,
    activation: relu ? 'relu' : 'linear',
  });
}

function bottleneck(x: tf.Tensor4D, b: Bottleneck): tf.Tensor4D {
  let out = applyConv(x, b.conv1, true);
  out = applyConv(out, b.conv2, true);
  out = applyConv(out, b.conv3, false);
  const shortcut = b.downsample ? applyConv(x, b.downsample, false) : x;
  return tf.relu(tf.add(out, shortcut)) as tf.Tensor4D;
}

/**
 * Runs the network on a preprocessed NHWC batch and returns the requested stage outputs.
 * Stops after the deepest requested stage. Call inside tf.tidy or dispose the results.
 */
export function resnetForward(w: ResNetWeights, input: tf.Tensor4D, taps: TapName[]): Partial<Record<TapName, tf.Tensor4D>> {
  const deepest = Math.max(...taps.map((t) => STAGE_NAMES.indexOf(t)));
  if (deepest >= w.stages.length) throw new Error(`the backbone has no ${STAGE_NAMES[deepest]}`);
  const out: Partial<Record<TapName, tf.Tensor4D>> = {};
  // A tidy per block frees its inner activations at once; only block outputs reach the caller's scope (tensors a
  // gradient needs are kept by the tape either way).
  let x = tf.tidy(() => tf.maxPool(applyConv(input, w.stem, true), 3, 2, 1) as tf.Tensor4D);
  for (let s = 0; s <= deepest; s++) {
    for (const block of w.stages[s]) {
      const blockInput = x;
      x = tf.tidy(() => bottleneck(blockInput, block));
    }
    if (taps.includes(STAGE_NAMES[s])) out[STAGE_NAMES[s]] = x;
  }
  return out;
}
