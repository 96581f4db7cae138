import * as tf from '../tf';
import type { NamedTensors } from '../backbones/named-tensors';
import { ownedVariable } from './params';

/**
 * Optimisers with PyTorch's update rules and plain, serialisable state (so checkpoints are host-agnostic bytes):
 * Adam (stage I) and SGD with momentum and L2 weight decay (stage II); and the two learning-rate schedules of §4.1.3.
 */
export interface Optimizer {
  /** Applies one update with the given gradients (same order as `vars`). Disposes nothing it was given. */
  step(vars: tf.Variable[], grads: tf.Tensor[], lr: number): void;
  /** Slot tensors by name (for checkpoints); `vars` gives the names' order. */
  state(vars: [string, tf.Variable][]): Promise<{ tensors: NamedTensors; meta: Record<string, number> }>;
  load(vars: [string, tf.Variable][], tensors: NamedTensors, meta: Record<string, number>): void;
  dispose(): void;
}

let slotCounter = 0;

class Slots {
  readonly map = new Map<tf.Variable, tf.Variable[]>();

  constructor(private readonly count: number) {}

  get(v: tf.Variable): tf.Variable[] {
    let s = this.map.get(v);
    if (!s) {
      s = Array.from({ length: this.count }, () => ownedVariable(tf.zerosLike(v), false, `${v.name}/slot${slotCounter++}`));
      this.map.set(v, s);
    }
    return s;
  }

  async save(vars: [string, tf.Variable][], suffixes: string[]): Promise<NamedTensors> {
    const out: NamedTensors = new Map();
    for (const [name, v] of vars) {
      const s = this.map.get(v);
      if (!s) continue;
      for (let i = 0; i < this.count; i++) out.set(`${name}#${suffixes[i]}`, { shape: v.shape.slice(), data: (await s[i].data()) as Float32Array });
    }
    return out;
  }

  load(vars: [string, tf.Variable][], tensors: NamedTensors, suffixes: string[]): void {
    for (const [name, v] of vars) {
      const found = suffixes.map((s) => tensors.get(`${name}#${s}`));
      if (found.some((f) => !f)) continue;
      const s = this.get(v);
      found.forEach((f, i) => tf.tidy(() => s[i].assign(tf.tensor(f!.data, v.shape))));
    }
  }

  dispose(): void {
    for (const s of this.map.values()) s.forEach((t) => t.dispose());
    this.map.clear();
  }
}

export class Adam implements Optimizer {
  private t = 0;
  private readonly slots = new Slots(2);

  constructor(
    readonly beta1 = 0.9,
    readonly beta2 = 0.999,
    readonly epsilon = 1e-8,
  ) {}

  step(vars: tf.Variable[], grads: tf.Tensor[], lr: number): void {
    this.t++;
    const bc1 = 1 - this.beta1 ** this.t;
    const bc2 = 1 - this.beta2 ** this.t;
    tf.tidy(() => {
      vars.forEach((v, i) => {
        const [m, s] = this.slots.get(v);
        const g = grads[i];
        m.assign(tf.add(tf.mul(m, this.beta1), tf.mul(g, 1 - this.beta1)));
        s.assign(tf.add(tf.mul(s, this.beta2), tf.mul(tf.square(g), 1 - this.beta2)));
        const denom = tf.add(tf.sqrt(tf.div(s, bc2)), this.epsilon);
        v.assign(tf.sub(v, tf.mul(tf.div(m, denom), lr / bc1)));
      });
    });
  }

  async state(vars: [string, tf.Variable][]) {
    return { tensors: await this.slots.save(vars, ['m', 'v']), meta: { t: this.t } };
  }

  load(vars: [string, tf.Variable][], tensors: NamedTensors, meta: Record<string, number>): void {
    this.t = meta.t ?? 0;
    this.slots.load(vars, tensors, ['m', 'v']);
  }

  dispose(): void {
    this.slots.dispose();
  }
}

/** torch.optim.SGD: g += wd * w; buf = momentum * buf + g (buf = g on the first step); w -= lr * buf. */
export class SGD implements Optimizer {
  private readonly slots = new Slots(1);
  private readonly started = new Set<tf.Variable>();

  constructor(
    readonly momentum = 0.9,
    readonly weightDecay = 1e-4,
  ) {}

  step(vars: tf.Variable[], grads: tf.Tensor[], lr: number): void {
    tf.tidy(() => {
      vars.forEach((v, i) => {
        let g = grads[i];
        if (this.weightDecay) g = tf.add(g, tf.mul(v, this.weightDecay));
        let update = g;
        if (this.momentum) {
          const [buf] = this.slots.get(v);
          buf.assign(this.started.has(v) ? tf.add(tf.mul(buf, this.momentum), g) : g);
          this.started.add(v);
          update = buf;
        }
        v.assign(tf.sub(v, tf.mul(update, lr)));
      });
    });
  }

  async state(vars: [string, tf.Variable][]) {
    return { tensors: await this.slots.save(vars, ['momentum']), meta: {} };
  }

  load(vars: [string, tf.Variable][], tensors: NamedTensors): void {
    this.slots.load(vars, tensors, ['momentum']);
    for (const [, v] of vars) if (this.slots.map.has(v)) this.started.add(v);
  }

  dispose(): void {
    this.slots.dispose();
  }
}

/** MultiStepLR with milestones at 80 % and 90 % of the epochs (the paper's 80 and 90 of 100), factor 0.2. */
export function stage1LearningRate(base: number, epoch: number, epochs: number, gamma = 0.2): number {
  const milestones = [Math.floor(epochs * 0.8), Math.floor(epochs * 0.9)].filter((m) => m > 0);
  return base * gamma ** milestones.filter((m) => epoch >= m).length;
}

/** CosineAnnealingLR (T_max = epochs, eta_min = 0), stepped per epoch. `epoch` counts from 0. */
export function cosineLearningRate(base: number, epoch: number, epochs: number): number {
  return (base * (1 + Math.cos((Math.PI * epoch) / epochs))) / 2;
}
