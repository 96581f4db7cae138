import * as tf from '../tf';
import { conv, ParamStore, upsample2 } from './params';
import { Rng } from './rng';

/**
 * The discriminative network D (paper §3.1, §4.1.3): a decoder mirroring the extractor. The layer3 features are
 * reduced (1x1 conv), upsampled to the layer2 grid and concatenated with the reduced layer2 features; a 3x3 conv
 * fuses them at stride 8, two (2x bilinear upsampling, 3x3 conv) steps climb to stride 2 while the width halves, and
 * a 1x1 convolution gives two logits (normal, anomalous) that are bilinearly upsampled to the input size.
 *
 * The tapped features are first standardised per channel with statistics measured once on clean training images
 * ({@link Discriminator.calibrate}; kept as non-trainable parameters), so one D works for Caffe- and
 * torchvision-preprocessed extractors alike.
 */
export interface DiscriminatorShape {
  /** Channels of the shallow tap (layer2) and the deep tap (layer3). */
  c2: number;
  c3: number;
  /** Decoder width at stride 8; it halves at each upsampling. */
  width: number;
}

export class Discriminator {
  readonly params: ParamStore;

  constructor(readonly shape: DiscriminatorShape, seed: number) {
    const p = (this.params = new ParamStore(new Rng(seed)));
    const { c2, c3, width: w } = shape;
    const convParam = (name: string, k: number, cin: number, cout: number, gain = Math.SQRT2) => {
      p.normal(`${name}.w`, [k, k, cin, cout], k * k * cin, gain);
      p.constant(`${name}.b`, [cout], 0);
    };
    p.constant('norm2.mean', [c2], 0, false);
    p.constant('norm2.scale', [c2], 1, false);
    p.constant('norm3.mean', [c3], 0, false);
    p.constant('norm3.scale', [c3], 1, false);
    convParam('reduce3', 1, c3, w);
    convParam('reduce2', 1, c2, w);
    convParam('fuse', 3, 2 * w, w);
    convParam('up1', 3, w, w / 2);
    convParam('up2', 3, w / 2, w / 4);
    convParam('head', 1, w / 4, 2, 1);
  }

  /** Sets the per-channel standardisation from clean features (call once, before training). */
  calibrate(f2: tf.Tensor4D, f3: tf.Tensor4D): void {
    tf.tidy(() => {
      for (const [name, f] of [['norm2', f2], ['norm3', f3]] as const) {
        const { mean, variance } = tf.moments(f, [0, 1, 2]);
        this.params.get(`${name}.mean`).assign(mean as tf.Tensor1D);
        // Channels (nearly) silent on these images must not be blown up: floor the variance at 1 % of the mean one.
        const floor = tf.add(tf.mul(tf.mean(variance), 0.01), 1e-6);
        this.params.get(`${name}.scale`).assign(tf.rsqrt(tf.maximum(variance, floor)) as tf.Tensor1D);
      }
    });
  }

  /** Logits [N, size, size, 2] from layer2 [N, size/8, size/8, c2] and layer3 [N, size/16, size/16, c3]. */
  forward(f2: tf.Tensor4D, f3: tf.Tensor4D, size: number): tf.Tensor4D {
    const p = (n: string) => this.params.get(n);
    return tf.tidy(() => {
      const n2 = tf.mul(tf.sub(f2, p('norm2.mean')), p('norm2.scale')) as tf.Tensor4D;
      const n3 = tf.mul(tf.sub(f3, p('norm3.mean')), p('norm3.scale')) as tf.Tensor4D;
      const r3 = upsample2(conv(n3, p('reduce3.w'), p('reduce3.b'), true));
      const r2 = conv(n2, p('reduce2.w'), p('reduce2.b'), true);
      let x = conv(tf.concat([r3, r2], 3), p('fuse.w'), p('fuse.b'), true);
      x = conv(upsample2(x), p('up1.w'), p('up1.b'), true);
      x = conv(upsample2(x), p('up2.w'), p('up2.b'), true);
      const logits = conv(x, p('head.w'), p('head.b'), false);
      return tf.image.resizeBilinear(logits, [size, size], false, true);
    });
  }

  dispose(): void {
    this.params.dispose();
  }
}
