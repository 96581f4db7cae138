import * as tf from '../tf';

/**
 * PatchCore's locally aware patch embedding, computed in closed form.
 *
 * The reference (patchcore-inspection) unfolds every 3x3 neighbourhood of each tap (zero padding)
 * into a C*9 vector ordered (channel, row, column), bilinearly resizes the deeper tap's component
 * maps to the first tap's grid, adaptive-average-pools each vector to `pretrainDim` (1024), then
 * pools the concatenation to `targetDim` (1024). All of that is linear, so it equals:
 *  - a tap with C = pretrainDim / 2 (layer2, 512 ch): per channel the mean of the two overlapping
 *    5-value halves of its 3x3 window, i.e. (sum of the window + centre) / 10;
 *  - a tap with C = pretrainDim (layer3, 1024 ch): per channel the 3x3 mean;
 *  - the final 2048 -> 1024 pooling averages adjacent pairs, i.e. adjacent channels of the second
 *    kind and the two halves of the first kind.
 * Tested against a direct implementation of the reference recipe in embed.test.ts.
 */
export const PRETRAIN_DIM = 1024;
export const TARGET_DIM = 1024;

/** Zero-padded 3x3 mean (divides by 9 everywhere, as the unfold + pooling does). */
function boxMean3x3(x: tf.Tensor4D): tf.Tensor4D {
  return tf.avgPool(tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]), 3, 1, 'valid');
}

/** A tap's contribution to the final vector (already including the final pairwise pooling). */
function tapContribution(f: tf.Tensor4D): tf.Tensor4D {
  const c = f.shape[3];
  if (c * 2 === PRETRAIN_DIM) {
    // Two overlapping halves per channel, then the pair average: (window sum + centre) / 10.
    return tf.add(tf.mul(boxMean3x3(f), 0.9), tf.mul(f, 0.1)) as tf.Tensor4D;
  }
  if (c === PRETRAIN_DIM) {
    // One bin per channel (its 3x3 mean), then adjacent channels averaged.
    const [n, h, w] = f.shape;
    return tf.mean(tf.reshape(boxMean3x3(f), [n, h, w, c / 2, 2]), 4) as tf.Tensor4D;
  }
  throw new Error(`patch embedding supports taps of ${PRETRAIN_DIM / 2} or ${PRETRAIN_DIM} channels, got ${c}`);
}

/**
 * Patch embeddings for a batch: taps shallowest first (e.g. layer2 [N,28,28,512], layer3
 * [N,14,14,1024]). Returns [N*H*W, 1024] on the first tap's grid, rows in (image, row, column) order.
 */
export function embedPatches(taps: tf.Tensor4D[]): tf.Tensor2D {
  if (taps.length !== 2) throw new Error(`patch embedding expects two taps, got ${taps.length}`);
  return tf.tidy(() => {
    const [n, h, w] = taps[0].shape;
    const parts = taps.map((f, i) => {
      const part = tapContribution(f);
      if (i === 0) return part;
      return tf.image.resizeBilinear(part, [h, w], false, true);
    });
    return tf.reshape(tf.concat(parts, 3), [n * h * w, TARGET_DIM]) as tf.Tensor2D;
  });
}
