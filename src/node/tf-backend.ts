import * as tf from '../engine/tf';
import '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export type NodeBackend = 'wasm' | 'cpu';

/** Selects a tfjs backend for Node. WASM (SIMD) is the fast one; cpu is the pure-JS reference. */
export async function initNodeBackend(name: NodeBackend = 'wasm'): Promise<string> {
  // Silences tfjs' advice to install tfjs-node, which cannot be installed here and is not needed.
  tf.env().set('IS_TEST', true);
  if (name === 'wasm') {
    const require = createRequire(import.meta.url);
    const dist = join(dirname(require.resolve('@tensorflow/tfjs-backend-wasm')), '/');
    setWasmPaths(dist.endsWith('/') ? dist : `${dist}/`);
  }
  if (!(await tf.setBackend(name))) throw new Error(`the tfjs ${name} backend could not start`);
  await tf.ready();
  return tf.getBackend();
}
