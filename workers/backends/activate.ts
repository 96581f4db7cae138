/**
 * Starting tfjs backends in the worker: registration of CPU, WebGL and WASM (SIMD, with a thread pool where the
 * page is cross-origin isolated), a quiet switch that keeps each backend's failure reason for the badge instead of
 * the console, the fallback from threaded to single-threaded WASM, and the WASM build's details.
 */
import * as tf from '../../src/engine/tf';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import { hasWebGpu } from './webgpu';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import type { BackendName } from '../../src/worker-bridge/protocol';
import { BACKEND_LABELS } from '../../src/worker-bridge/protocol';
import type { WasmDetails } from './platform';

// Ask for every core (at most 8). tfjs' C++ side caps the pool at half the logical cores (it assumes
// two hyper-threads per core), so a 2-core machine runs one thread whatever is asked.
setThreadsCount(Math.max(1, Math.min(8, self.navigator.hardwareConcurrency || 1)));
setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlainUrl,
  'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimdUrl,
});

export function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${what} did not finish within ${Math.round(ms / 1000)} s`)), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

const initErrors = new Map<BackendName, string>();

let wasmThreadsProblem: string | null = null;
let wasmThreadedBuild = false;

/** The pool size tfjs' WASM backend settles on: half the logical cores, 1 to 8. */
export function expectedWasmThreads(): number {
  return Math.max(1, Math.min(8, Math.floor((self.navigator.hardwareConcurrency || 1) / 2)));
}

async function setBackendQuietly(name: BackendName, timeoutMs: number): Promise<boolean> {
  // tfjs logs backend failures to the console; keep the reason for the badge instead.
  const warn = console.warn;
  const messages: string[] = [];
  console.warn = (...args: unknown[]) => messages.push(args.map(String).join(' '));
  try {
    const ok = await withTimeout(tf.setBackend(name), timeoutMs, `starting ${BACKEND_LABELS[name]}`);
    if (ok) await tf.ready();
    if (!ok) initErrors.set(name, messages.join('; ').slice(0, 300) || 'it failed to start');
    return ok;
  } catch (e) {
    initErrors.set(name, (e as Error).message);
    return false;
  } finally {
    console.warn = warn;
  }
}

/**
 * Switches tfjs to a backend; false (with the reason in initError) when it cannot start here.
 * Threaded WASM that does not start (no cross-origin isolation, a broken pthread worker) falls back
 * to single-threaded SIMD, and the reason is kept for the badge.
 */
export async function activate(name: BackendName): Promise<boolean> {
  if (name === 'webgpu' && !hasWebGpu()) {
    initErrors.set(name, 'this browser has no WebGPU (navigator.gpu is missing)');
    return false;
  }
  if (name === 'webgl' && typeof OffscreenCanvas === 'undefined') {
    initErrors.set(name, 'no OffscreenCanvas in workers, so no WebGL here');
    return false;
  }
  if (name !== 'wasm') return setBackendQuietly(name, 60_000);
  if (tf.findBackend('wasm')) return setBackendQuietly(name, 10_000);
  if (!self.crossOriginIsolated) {
    tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
    wasmThreadsProblem = 'the page is not cross-origin isolated (COOP/COEP headers missing)';
  }
  const threaded = Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'));
  if (await setBackendQuietly('wasm', threaded ? 20_000 : 30_000)) {
    wasmThreadedBuild = threaded;
    const expected = expectedWasmThreads();
    if (threaded && getThreadsCount() < expected) wasmThreadsProblem = `the thread pool started with ${getThreadsCount()} of ${expected} threads`;
    return true;
  }
  if (!threaded) return false;
  wasmThreadsProblem = `threaded WASM failed to start (${initErrors.get('wasm')})`;
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  wasmThreadedBuild = false;
  return setBackendQuietly('wasm', 30_000);
}

export function initError(name: BackendName): string | undefined {
  return initErrors.get(name);
}

export function wasmDetails(): WasmDetails {
  let threads: number;
  try {
    threads = tf.findBackend('wasm') ? getThreadsCount() : 1;
  } catch {
    threads = 1;
  }
  return { simd: Boolean(tf.env().getBool('WASM_HAS_SIMD_SUPPORT')), threads, threadedBuild: wasmThreadedBuild, crossOriginIsolated: self.crossOriginIsolated, problem: wasmThreadsProblem };
}
