import * as tf from '../tf';
import { registerWasmTrainingKernels } from './wasm-kernels';

/**
 * tfjs-core registers no gradient functions by itself (the `@tensorflow/tfjs` union package does, as a side effect).
 * Browsers (bundled) get them from core's ES module `register_all_gradients`; Node cannot load core's ES build (its
 * imports lack file extensions), so there the union package's CommonJS bundle registers them on the same core.
 * The Node branch's specifier is hidden from the bundler so the browser build does not pull the union package in.
 */
export async function ensureTrainingSupport(): Promise<void> {
  if (!tf.getGradient('Conv2D')) {
    const isNode = typeof process !== 'undefined' && !!process.versions?.node;
    if (isNode) {
      const unionPackage = '@tensorflow/tfjs';
      await import(/* @vite-ignore */ unionPackage);
    } else {
      await import('@tensorflow/tfjs-core/dist/register_all_gradients');
    }
    if (!tf.getGradient('Conv2D')) throw new Error('tfjs gradient functions could not be registered');
  }
  registerWasmTrainingKernels();
}
