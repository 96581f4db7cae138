/**
 * The calibration run in the worker: a short probe (the network's middle-layer convolution and the
 * nearest-neighbour product) timed on every backend that starts, so the fastest one can be chosen; and the
 * fingerprint that keeps a cached calibration from being reused on another device.
 */
import * as tf from '../../src/engine/tf';
import type { BackendName, Calibration, CalibrationEntry } from '../../src/worker-bridge/protocol';
import { BACKEND_LABELS } from '../../src/worker-bridge/protocol';
import { activate, initError, withTimeout } from './activate';
import { getAdapterDescription } from './webgpu';

/**
 * The probe: a 3x3 convolution on a 56x56x64 map and a [784, 512] x [512, 256] product (the shapes
 * of the network's middle layers and of the nearest-neighbour search), run once to compile, then
 * timed twice; the faster run counts.
 */
async function probe(): Promise<number> {
  const x = tf.randomUniform([1, 56, 56, 64]) as tf.Tensor4D;
  const w = tf.randomUniform([3, 3, 64, 64]) as tf.Tensor4D;
  const a = tf.randomUniform([784, 512]) as tf.Tensor2D;
  const b = tf.randomUniform([512, 256]) as tf.Tensor2D;
  const run = async () => {
    const t0 = performance.now();
    const y = tf.tidy(() => tf.add(tf.sum(tf.conv2d(x, w, 1, 'same')), tf.sum(tf.matMul(a, b))));
    await y.data();
    y.dispose();
    return performance.now() - t0;
  };
  try {
    await run();
    return Math.min(await run(), await run());
  } finally {
    tf.dispose([x, w, a, b]);
  }
}

export function fingerprint(): string {
  return `${self.navigator.userAgent} | ${self.navigator.hardwareConcurrency} cores`;
}

/**
 * Times the probe on every backend that starts (CPU only when nothing else does: it is always slower
 * than WASM). Leaves tfjs on whichever backend ran last.
 */
export async function calibrate(onStep?: (done: number, total: number) => void): Promise<Calibration> {
  const candidates: BackendName[] = ['webgpu', 'webgl', 'wasm'];
  const results: Partial<Record<BackendName, CalibrationEntry>> = {};
  for (const [i, name] of candidates.entries()) {
    onStep?.(i, candidates.length + 1);
    if (!(await activate(name))) {
      results[name] = { ms: null, error: initError(name) };
      continue;
    }
    try {
      results[name] = { ms: await withTimeout(probe(), 60_000, `the ${BACKEND_LABELS[name]} calibration`) };
    } catch (e) {
      results[name] = { ms: null, error: (e as Error).message };
    }
  }
  if (!Object.values(results).some((r) => r?.ms !== null)) {
    results.cpu = (await activate('cpu')) ? { ms: await probe() } : { ms: null, error: initError('cpu') };
  }
  onStep?.(candidates.length + 1, candidates.length + 1);
  return { at: new Date().toISOString(), fingerprint: `${fingerprint()} | ${getAdapterDescription()?.text ?? 'no adapter'}`, results };
}
