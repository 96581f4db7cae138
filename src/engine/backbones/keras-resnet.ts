import * as tf from '../tf';
import type { NamedTensors, HostTensor } from './named-tensors';
import { take } from './named-tensors';
import type { Bottleneck, ConvLayer, ResNetWeights } from './resnet';
import { RESNET50_BLOCKS } from './resnet';

/**
 * Maps a Keras ResNet50 v1 (keras_applications naming: conv1, bn_conv1, res{2..5}{a..}_branch2{a,b,c},
 * branch1) onto the canonical layout. In Keras the stride of a stage sits on the first 1x1 convolution.
 */
const BLOCK_LETTERS = 'abcdefghijklmnopqrstuvwxyz';

/** Keras' BatchNormalization default, used for a layer the manifest gives no epsilon for. */
export const KERAS_DEFAULT_BN_EPSILON = 1e-3;

function t1(h: HostTensor): tf.Tensor1D {
  return tf.tensor1d(h.data);
}

function conv(w: NamedTensors, eps: Record<string, number>, convName: string, bnName: string, stride: number, pad: number): ConvLayer {
  const k = take(w, `${convName}/kernel`);
  if (k.shape.length !== 4) throw new Error(`weight "${convName}/kernel" must be 4-D, got [${k.shape}]`);
  const bias = w.get(`${convName}/bias`);
  const out = k.shape[3];
  return {
    kernel: tf.tensor4d(k.data, k.shape as [number, number, number, number]),
    bias: bias ? t1(take(w, `${convName}/bias`, [out])) : undefined,
    stride,
    pad,
    bn: {
      gamma: t1(take(w, `${bnName}/gamma`, [out])),
      beta: t1(take(w, `${bnName}/beta`, [out])),
      mean: t1(take(w, `${bnName}/moving_mean`, [out])),
      variance: t1(take(w, `${bnName}/moving_variance`, [out])),
      epsilon: eps[bnName] ?? KERAS_DEFAULT_BN_EPSILON,
    },
  };
}

export function kerasResNetWeights(w: NamedTensors, epsilons: Record<string, number>, stageCount: number): ResNetWeights {
  const stages: Bottleneck[][] = [];
  for (let s = 0; s < stageCount; s++) {
    const stage = s + 2;
    const blocks: Bottleneck[] = [];
    for (let b = 0; b < RESNET50_BLOCKS[s]; b++) {
      const id = `${stage}${BLOCK_LETTERS[b]}`;
      const stride = b === 0 && s > 0 ? 2 : 1;
      blocks.push({
        conv1: conv(w, epsilons, `res${id}_branch2a`, `bn${id}_branch2a`, stride, 0),
        conv2: conv(w, epsilons, `res${id}_branch2b`, `bn${id}_branch2b`, 1, 1),
        conv3: conv(w, epsilons, `res${id}_branch2c`, `bn${id}_branch2c`, 1, 0),
        downsample: b === 0 ? conv(w, epsilons, `res${id}_branch1`, `bn${id}_branch1`, stride, 0) : undefined,
      });
    }
    stages.push(blocks);
  }
  return { stem: conv(w, epsilons, 'conv1', 'bn_conv1', 2, 3), stages };
}
