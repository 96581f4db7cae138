import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../tf';
import { initNodeBackend } from '../../node/tf-backend';
import { ensureTrainingSupport } from './gradients';
import { Rng } from './rng';

// The wasm training kernels against the cpu backend's reference kernels, on shapes covering what the ResNets and
// the decoder use (1x1, 3x3, 7x7; strides 1 and 2; 'same', 'valid', numeric and explicit paddings; odd sizes).
beforeAll(async () => {
  await initNodeBackend('wasm');
  await ensureTrainingSupport();
});

interface Case {
  n: number;
  h: number;
  w: number;
  cin: number;
  cout: number;
  k: [number, number];
  stride: number | [number, number];
  pad: 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];
}

const CASES: Case[] = [
  { n: 2, h: 8, w: 8, cin: 5, cout: 7, k: [1, 1], stride: 1, pad: 0 },
  { n: 2, h: 8, w: 8, cin: 5, cout: 7, k: [1, 1], stride: 2, pad: 0 },
  { n: 1, h: 9, w: 7, cin: 3, cout: 4, k: [1, 1], stride: 2, pad: 'valid' },
  { n: 2, h: 8, w: 8, cin: 4, cout: 6, k: [3, 3], stride: 1, pad: 1 },
  { n: 2, h: 9, w: 11, cin: 4, cout: 6, k: [3, 3], stride: 1, pad: 'same' },
  { n: 2, h: 9, w: 11, cin: 4, cout: 6, k: [3, 3], stride: 2, pad: 1 },
  { n: 1, h: 10, w: 10, cin: 4, cout: 5, k: [3, 3], stride: 2, pad: 'same' },
  { n: 1, h: 11, w: 9, cin: 3, cout: 5, k: [3, 3], stride: 1, pad: 'valid' },
  { n: 1, h: 20, w: 18, cin: 3, cout: 8, k: [7, 7], stride: 2, pad: 3 },
  { n: 1, h: 8, w: 9, cin: 3, cout: 4, k: [3, 2], stride: [1, 2], pad: [[0, 0], [1, 0], [0, 1], [0, 0]] },
];

function random(shape: number[], seed: number): Float32Array {
  const rng = new Rng(seed);
  return Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => rng.uniform(-1, 1));
}

function gradsOn(backend: string, c: Case, x: Float32Array, w: Float32Array, dyData: Float32Array, yShape: number[]) {
  tf.setBackend(backend);
  return tf.tidy(() => {
    const xt = tf.tensor4d(x, [c.n, c.h, c.w, c.cin]);
    const wt = tf.tensor4d(w, [...c.k, c.cin, c.cout]);
    const dy = tf.tensor(dyData, yShape);
    const attrs = { strides: c.stride, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: undefined } as unknown as tf.NamedAttrMap;
    const dW = tf.engine().runKernel('Conv2DBackpropFilter', { x: xt, dy }, { ...attrs, filterShape: [...c.k, c.cin, c.cout] }) as tf.Tensor;
    const dX = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: wt }, { ...attrs, inputShape: [c.n, c.h, c.w, c.cin] }) as tf.Tensor;
    return { dW: Float32Array.from(dW.dataSync()), dX: Float32Array.from(dX.dataSync()), dWShape: dW.shape, dXShape: dX.shape };
  });
}

function maxRelDiff(a: Float32Array, b: Float32Array): number {
  let d = 0;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    m = Math.max(m, Math.abs(b[i]));
  }
  return d / Math.max(m, 1e-12);
}

describe('wasm Conv2DBackpropFilter / Conv2DBackpropInput', () => {
  it.each(CASES.map((c, i) => [i, c] as const))('case %i matches the cpu kernels', (i, c) => {
    const x = random([c.n, c.h, c.w, c.cin], 10 + i);
    const w = random([...c.k, c.cin, c.cout], 20 + i);
    tf.setBackend('cpu');
    const yShape = tf.tidy(() => tf.conv2d(tf.tensor4d(x, [c.n, c.h, c.w, c.cin]), tf.tensor4d(w, [...c.k, c.cin, c.cout]), c.stride, c.pad).shape);
    const dy = random(yShape, 30 + i);
    const ref = gradsOn('cpu', c, x, w, dy, yShape);
    const got = gradsOn('wasm', c, x, w, dy, yShape);
    expect(got.dWShape).toEqual(ref.dWShape);
    expect(got.dXShape).toEqual(ref.dXShape);
    expect(maxRelDiff(got.dW, ref.dW)).toBeLessThan(1e-5);
    expect(maxRelDiff(got.dX, ref.dX)).toBeLessThan(1e-5);
    tf.setBackend('wasm');
  });

  it('tf.grads of a small conv net agree between wasm and cpu', () => {
    const x = random([2, 12, 12, 3], 1);
    const w1 = random([3, 3, 3, 8], 2);
    const w2 = random([1, 1, 8, 4], 3);
    const run = (backend: string) => {
      tf.setBackend(backend);
      return tf.tidy(() => {
        const f = (a: tf.Tensor, b: tf.Tensor) => {
          const h = tf.relu(tf.conv2d(tf.tensor4d(x, [2, 12, 12, 3]), a as tf.Tensor4D, 2, 'same'));
          return tf.sum(tf.square(tf.conv2d(h, b as tf.Tensor4D, 1, 'valid')));
        };
        return tf.grads(f)([tf.tensor4d(w1, [3, 3, 3, 8]), tf.tensor4d(w2, [1, 1, 8, 4])]).map((g) => Float32Array.from(g.dataSync()));
      });
    };
    const ref = run('cpu');
    const got = run('wasm');
    expect(maxRelDiff(got[0], ref[0])).toBeLessThan(1e-4);
    expect(maxRelDiff(got[1], ref[1])).toBeLessThan(1e-4);
  });

  it('leaves no tensors behind', () => {
    tf.setBackend('wasm');
    const before = tf.memory().numTensors;
    const g = tf.grad((w: tf.Tensor) => tf.sum(tf.conv2d(tf.ones([1, 6, 6, 2]) as tf.Tensor4D, w as tf.Tensor4D, 2, 'same')))(tf.ones([3, 3, 2, 3]));
    g.dispose();
    expect(tf.memory().numTensors).toBe(before + 1); // the tf.ones filter argument
  });
});
