import * as tf from '../tf';
import type { NamedTensors } from '../backbones/named-tensors';
import { Rng } from './rng';

/**
 * Named trainable parameters (tf.Variables) with deterministic host-side initialisation, so the same seed gives
 * the same network on every backend and host.
 */
export class ParamStore {
  readonly vars = new Map<string, tf.Variable>();

  constructor(private readonly rng: Rng) {}

  add(name: string, shape: number[], values: Float32Array, trainable = true): tf.Variable {
    if (this.vars.has(name)) throw new Error(`parameter "${name}" defined twice`);
    const v = ownedVariable(tf.tensor(values, shape), trainable, `${name}_${variableCounter++}`);
    this.vars.set(name, v);
    return v;
  }

  /** He (Kaiming) normal: std = gain / sqrt(fanIn). */
  normal(name: string, shape: number[], fanIn: number, gain = Math.SQRT2): tf.Variable {
    const n = shape.reduce((a, b) => a * b, 1);
    const std = gain / Math.sqrt(fanIn);
    const values = new Float32Array(n);
    for (let i = 0; i < n; i++) values[i] = this.rng.normal() * std;
    return this.add(name, shape, values);
  }

  constant(name: string, shape: number[], value: number, trainable = true): tf.Variable {
    return this.add(name, shape, new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(value), trainable);
  }

  get(name: string): tf.Variable {
    const v = this.vars.get(name);
    if (!v) throw new Error(`no parameter "${name}"`);
    return v;
  }

  trainable(): tf.Variable[] {
    return [...this.vars.values()].filter((v) => v.trainable);
  }

  /** Host copies of every parameter, for checkpoints. */
  async toNamed(prefix = ''): Promise<NamedTensors> {
    const out: NamedTensors = new Map();
    for (const [name, v] of this.vars) out.set(prefix + name, { shape: v.shape.slice(), data: (await v.data()) as Float32Array });
    return out;
  }

  /** Restores parameters written by {@link toNamed}; every parameter must be present with its shape. */
  load(named: NamedTensors, prefix = ''): void {
    for (const [name, v] of this.vars) {
      const t = named.get(prefix + name);
      if (!t) throw new Error(`checkpoint has no parameter "${prefix + name}"`);
      if (t.shape.join() !== v.shape.join()) throw new Error(`checkpoint parameter "${prefix + name}" has shape [${t.shape}], expected [${v.shape}]`);
      tf.tidy(() => v.assign(tf.tensor(t.data, v.shape)));
    }
  }

  count(): number {
    let n = 0;
    for (const v of this.vars.values()) n += v.size;
    return n;
  }

  dispose(): void {
    for (const v of this.vars.values()) v.dispose();
    this.vars.clear();
  }
}

let variableCounter = 0;

/** A variable made from `initial`, which is disposed (tf.variable keeps its own reference to the data). */
export function ownedVariable(initial: tf.Tensor, trainable: boolean, name: string): tf.Variable {
  const v = tf.variable(initial, trainable, name);
  initial.dispose();
  return v;
}

/** y = x W + b over the last axis. */
export function dense(x: tf.Tensor2D, w: tf.Tensor, b?: tf.Tensor): tf.Tensor2D {
  const y: tf.Tensor2D = tf.matMul(x, w as tf.Tensor2D);
  return b ? (tf.add(y, b) as tf.Tensor2D) : y;
}

/** Per-sample layer normalisation over the last axis with gain and bias. */
export function layerNorm(x: tf.Tensor2D, gain: tf.Tensor, bias: tf.Tensor, epsilon = 1e-5): tf.Tensor2D {
  const { mean, variance } = tf.moments(x, -1, true);
  return <tf.Tensor2D>tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, epsilon))), gain), bias);
}

/** 2x bilinear upsampling (half-pixel centres, as PyTorch's align_corners=False). */
export function upsample2(x: tf.Tensor4D): tf.Tensor4D {
  return tf.image.resizeBilinear(x, [x.shape[1] * 2, x.shape[2] * 2], false, true);
}

/**
 * Convolution (NHWC, 'same' padding) + bias + optional ReLU, as separate ops: under a gradient tape tfjs runs its
 * fused convolution through a custom-gradient wrapper that its test-mode leak check rejects, and unfuses it anyway.
 */
export function conv(x: tf.Tensor4D, w: tf.Tensor, b: tf.Tensor, relu: boolean): tf.Tensor4D {
  const y = tf.add(tf.conv2d(x, w as tf.Tensor4D, 1, 'same'), b) as tf.Tensor4D;
  return relu ? tf.relu(y) : y;
}
