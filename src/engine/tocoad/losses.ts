import * as tf from '../tf';

/**
 * Focal loss (Lin et al. 2017; paper Eq. 2) of a 2-channel logit map against a binary mask, averaged over pixels:
 * FL = -alpha_t (1 - p_t)^gamma log p_t with p_t the softmax probability of the true class and alpha_t = alpha for
 * anomalous pixels, 1 - alpha for normal ones. Computed from log-probabilities (softplus) for stability.
 */
export interface FocalOptions {
  alpha: number;
  gamma: number;
}

export const DEFAULT_FOCAL: FocalOptions = { alpha: 0.75, gamma: 2 };

/** logits [N, H, W, 2] (channel 1 = anomalous), mask [N, H, W] of 0/1. */
export function focalLoss(logits: tf.Tensor4D, mask: tf.Tensor3D, o: FocalOptions = DEFAULT_FOCAL): tf.Scalar {
  return tf.tidy(() => {
    const [l0, l1] = tf.split(logits, 2, 3);
    const d = tf.squeeze(tf.sub(l1, l0), [3]); // log-odds of "anomalous"
    const logP1 = tf.neg(tf.softplus(tf.neg(d)));
    const logP0 = tf.neg(tf.softplus(d));
    const y = tf.cast(mask, 'float32');
    const notY = tf.sub(1, y);
    const logPt = tf.add(tf.mul(y, logP1), tf.mul(notY, logP0));
    const oneMinusPt = tf.sub(1, tf.exp(logPt));
    const weight = o.gamma === 2 ? tf.square(oneMinusPt) : o.gamma === 0 ? tf.onesLike(oneMinusPt) : tf.pow(tf.relu(oneMinusPt), o.gamma);
    const alphaT = tf.add(tf.mul(y, o.alpha), tf.mul(notY, 1 - o.alpha));
    return tf.neg(tf.mean(tf.mul(tf.mul(alphaT, weight), logPt))) as tf.Scalar;
  });
}

/**
 * Stop-gradient (SG in Eq. 4): identity forward; backward returns nothing to its input's producers but zeros, so the
 * branch behind it receives no gradient.
 */
export const stopGradient = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
  const x = args[0] as tf.Tensor;
  return { value: tf.clone(x), gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy) };
}) as (x: tf.Tensor) => tf.Tensor;

/** Eq. 3 averaged over the batch: -mean_i cos(p_i, z_i). */
export function negativeCosine(p: tf.Tensor2D, z: tf.Tensor2D, epsilon = 1e-8): tf.Scalar {
  return tf.tidy(() => {
    // x / sqrt(|x|^2 + eps^2): differentiable at 0, unlike tf.norm.
    const pn = tf.mul(p, tf.rsqrt(tf.add(tf.sum(tf.square(p), 1, true), epsilon * epsilon)));
    const zn = tf.mul(z, tf.rsqrt(tf.add(tf.sum(tf.square(z), 1, true), epsilon * epsilon)));
    return tf.neg(tf.mean(tf.sum(tf.mul(pn, zn), 1))) as tf.Scalar;
  });
}

/** Eq. 4 (M = 2): 1/2 D(p1, SG(z2)) + 1/2 D(p2, SG(z1)). */
export function symmetricLoss(p1: tf.Tensor2D, z1: tf.Tensor2D, p2: tf.Tensor2D, z2: tf.Tensor2D): tf.Scalar {
  return tf.tidy(() => {
    const a = negativeCosine(p1, stopGradient(z2) as tf.Tensor2D);
    const b = negativeCosine(p2, stopGradient(z1) as tf.Tensor2D);
    return tf.mul(tf.add(a, b), 0.5) as tf.Scalar;
  });
}
