import * as tf from '../tf';
import type { Backbone } from '../backbones/backbone';
import type { RgbImage } from '../image/types';
import { prepareImage } from '../image/prepare';
import { embedPatches } from './embed';

/** Images prepared for the backbone (resize + centre crop), as an NHWC float batch on the 0-255 scale. */
export function imagesToBatch(images: RgbImage[], backbone: Backbone): tf.Tensor4D {
  const { resize, inputSize } = backbone.spec;
  const size = inputSize * inputSize * 3;
  const data = new Float32Array(images.length * size);
  images.forEach((img, i) => data.set(prepareImage(img, resize, inputSize).data, i * size));
  return tf.tensor4d(data, [images.length, inputSize, inputSize, 3]);
}

/** Grid of patches per image for a backbone (28 x 28 at 224 input). */
export function patchGrid(backbone: Backbone): number {
  return backbone.spec.inputSize / backbone.spec.taps[0].stride;
}

/** Patch embeddings [N * grid^2, 1024] of a prepared batch. */
export function embedBatch(backbone: Backbone, batch: tf.Tensor4D): tf.Tensor2D {
  return tf.tidy(() => {
    const taps = backbone.features(batch);
    return embedPatches(backbone.spec.taps.map((t) => taps[t.name]!));
  });
}
