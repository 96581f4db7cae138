import * as tf from '../tf';
import type { NamedTensors } from './named-tensors';
import { take } from './named-tensors';
import type { Bottleneck, ConvLayer, ResNetWeights } from './resnet';
import { RESNET50_BLOCKS } from './resnet';
import type { StrideOn } from './weights-file';

/**
 * Maps a torchvision ResNet50 / WideResNet50-2 state dict (conv1, bn1, layer{1..4}.{i}.conv{1,2,3},
 * bn{1,2,3}, downsample.{0,1}) onto the canonical layout. In torchvision the stride sits on the 3x3
 * convolution (`strideOn` 'conv2'); a Keras ResNet50 v1 exported in these names keeps it on the first
 * 1x1 (`strideOn` 'conv1'). Kernels are OIHW and are transposed to HWIO here. Widths come from the kernels and
 * block counts from the keys present, so reduced-width variants of the same layout load too.
 */
export const TORCHVISION_BN_EPSILON = 1e-5;

function conv(w: NamedTensors, convName: string, bnName: string, stride: number, pad: number): ConvLayer {
  const k = take(w, `${convName}.weight`);
  if (k.shape.length !== 4) throw new Error(`weight "${convName}.weight" must be 4-D, got [${k.shape}]`);
  const out = k.shape[0];
  const t1 = (name: string) => tf.tensor1d(take(w, name, [out]).data);
  const kernel = tf.tidy(() => tf.transpose(tf.tensor4d(k.data, k.shape as [number, number, number, number]), [2, 3, 1, 0]) as tf.Tensor4D);
  return {
    kernel,
    stride,
    pad,
    bn: {
      gamma: t1(`${bnName}.weight`),
      beta: t1(`${bnName}.bias`),
      mean: t1(`${bnName}.running_mean`),
      variance: t1(`${bnName}.running_var`),
      epsilon: TORCHVISION_BN_EPSILON,
    },
  };
}

/** Blocks per stage, counted from the `layer{s}.{b}.conv1.weight` keys present (0 for an absent stage). */
export function torchvisionBlockCounts(w: NamedTensors, stageCount: number): number[] {
  const counts: number[] = [];
  for (let s = 0; s < stageCount; s++) {
    let b = 0;
    while (w.has(`layer${s + 1}.${b}.conv1.weight`)) b++;
    counts.push(b);
  }
  return counts;
}

/** Names the canonical layout expects, for reporting missing and unexpected keys. */
export function torchvisionResNetKeys(stageCount: number, blocks: readonly number[] = RESNET50_BLOCKS): string[] {
  const keys: string[] = [];
  const bn = (p: string) => ['weight', 'bias', 'running_mean', 'running_var'].map((s) => `${p}.${s}`);
  keys.push('conv1.weight', ...bn('bn1'));
  for (let s = 0; s < stageCount; s++) {
    for (let b = 0; b < blocks[s]; b++) {
      const p = `layer${s + 1}.${b}`;
      for (const i of [1, 2, 3]) keys.push(`${p}.conv${i}.weight`, ...bn(`${p}.bn${i}`));
      if (b === 0) keys.push(`${p}.downsample.0.weight`, ...bn(`${p}.downsample.1`));
    }
  }
  return keys;
}

/** Builds the canonical (unfolded) weights of the first `stageCount` stages. */
export function torchvisionResNetWeights(w: NamedTensors, stageCount: number, strideOn: StrideOn = 'conv2'): ResNetWeights {
  const counts = torchvisionBlockCounts(w, stageCount);
  const stages: Bottleneck[][] = [];
  for (let s = 0; s < stageCount; s++) {
    if (counts[s] === 0) throw new Error(`missing weight "layer${s + 1}.0.conv1.weight"`);
    const blocks: Bottleneck[] = [];
    for (let b = 0; b < counts[s]; b++) {
      const p = `layer${s + 1}.${b}`;
      const stride = b === 0 && s > 0 ? 2 : 1;
      blocks.push({
        conv1: conv(w, `${p}.conv1`, `${p}.bn1`, strideOn === 'conv1' ? stride : 1, 0),
        conv2: conv(w, `${p}.conv2`, `${p}.bn2`, strideOn === 'conv1' ? 1 : stride, 1),
        conv3: conv(w, `${p}.conv3`, `${p}.bn3`, 1, 0),
        // Stride-2 blocks always project; layer1's first block only when its widths change.
        downsample: b === 0 && (stride > 1 || w.has(`${p}.downsample.0.weight`)) ? conv(w, `${p}.downsample.0`, `${p}.downsample.1`, stride, 0) : undefined,
      });
    }
    stages.push(blocks);
  }
  return { stem: conv(w, 'conv1', 'bn1', 2, 3), stages };
}
