import * as tf from '../tf';
import { dense, layerNorm, ParamStore } from './params';
import { symmetricLoss } from './losses';

/**
 * The contrastive network C (paper §3.2, Fig. 4; SimSiam). For each tapped layer (layer3 and layer4, kept separate,
 * never concatenated) the globally average-pooled features of both views pass through the same projector (3 linear
 * layers) and predictor (a 1-hidden-layer bottleneck MLP), and Eq. 4's symmetric loss with stop-gradient on z is
 * taken; L_sym is the mean over the layers.
 *
 * Normalisation in the heads is per-sample LayerNorm instead of SimSiam's BatchNorm: the trainer accumulates
 * gradients over micro-batches (a batch of 16 does not fit in WASM memory at 224 px), and with per-sample
 * normalisation the accumulated gradient equals the full-batch one exactly.
 */
export interface SimSiamShape {
  /** Input channels per layer, e.g. { layer3: 1024, layer4: 2048 }. */
  inputs: Record<string, number>;
  projectorDim: number;
  predictorDim: number;
}

export class SimSiam {
  constructor(
    readonly shape: SimSiamShape,
    readonly params: ParamStore,
  ) {
    const p = params;
    const linear = (name: string, din: number, dout: number, gain = Math.SQRT2) => {
      p.normal(`${name}.w`, [din, dout], din, gain);
      p.constant(`${name}.b`, [dout], 0);
    };
    const norm = (name: string, d: number) => {
      p.constant(`${name}.g`, [d], 1);
      p.constant(`${name}.b`, [d], 0);
    };
    const { projectorDim: h, predictorDim: b } = shape;
    for (const [layer, din] of Object.entries(shape.inputs)) {
      linear(`${layer}.proj1`, din, h);
      norm(`${layer}.proj1n`, h);
      linear(`${layer}.proj2`, h, h);
      norm(`${layer}.proj2n`, h);
      linear(`${layer}.proj3`, h, h, 1);
      norm(`${layer}.proj3n`, h);
      linear(`${layer}.pred1`, h, b);
      norm(`${layer}.pred1n`, b);
      linear(`${layer}.pred2`, b, h, 1);
    }
  }

  get layers(): string[] {
    return Object.keys(this.shape.inputs);
  }

  private lin(x: tf.Tensor2D, name: string): tf.Tensor2D {
    return dense(x, this.params.get(`${name}.w`), this.params.get(`${name}.b`));
  }

  private ln(x: tf.Tensor2D, name: string): tf.Tensor2D {
    return layerNorm(x, this.params.get(`${name}.g`), this.params.get(`${name}.b`));
  }

  /** Projector: 3 linear layers, normalised, ReLU between. */
  project(layer: string, x: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => {
      let h = tf.relu(this.ln(this.lin(x, `${layer}.proj1`), `${layer}.proj1n`));
      h = tf.relu(this.ln(this.lin(h, `${layer}.proj2`), `${layer}.proj2n`));
      return this.ln(this.lin(h, `${layer}.proj3`), `${layer}.proj3n`);
    });
  }

  /** Predictor: bottleneck MLP. */
  predict(layer: string, z: tf.Tensor2D): tf.Tensor2D {
    return tf.tidy(() => this.lin(tf.relu(this.ln(this.lin(z, `${layer}.pred1`), `${layer}.pred1n`)), `${layer}.pred2`));
  }

  /** L_sym for one layer's pooled features of view 1 and view 2 ([B, C] each). */
  layerLoss(layer: string, v1: tf.Tensor2D, v2: tf.Tensor2D): tf.Scalar {
    return tf.tidy(() => {
      const z1 = this.project(layer, v1);
      const z2 = this.project(layer, v2);
      return symmetricLoss(this.predict(layer, z1), z1, this.predict(layer, z2), z2);
    });
  }

  /** Mean over layers of L_sym; `pooled[layer]` holds view 1 then view 2 stacked on the batch axis ([2B, C]). */
  loss(pooled: Record<string, tf.Tensor2D>): tf.Scalar {
    return tf.tidy(() => {
      const parts = this.layers.map((layer) => {
        const [v1, v2] = tf.split(pooled[layer], 2, 0) as [tf.Tensor2D, tf.Tensor2D];
        return this.layerLoss(layer, v1, v2);
      });
      return tf.div(tf.addN(parts), parts.length) as tf.Scalar;
    });
  }
}

/** Global average pooling [N, H, W, C] -> [N, C] (the adaptive average pooling of §4.1.3). */
export function globalPool(x: tf.Tensor4D): tf.Tensor2D {
  return tf.mean(x, [1, 2]) as tf.Tensor2D;
}
