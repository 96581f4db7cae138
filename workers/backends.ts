/**
 * tfjs backends in the worker: registration (WebGPU, WebGL, WASM with SIMD and threads, CPU), a short
 * calibration run to pick the fastest, and WebGPU device-loss detection.
 */
import * as tf from '../src/engine/tf';
import '@tensorflow/tfjs-backend-cpu';
import '@tensorflow/tfjs-backend-webgl';
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import wasmPlainUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimdUrl from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import type { BackendName, Calibration, CalibrationEntry } from '../src/worker-bridge/protocol';
import { BACKEND_LABELS, BACKEND_NAMES } from '../src/worker-bridge/protocol';

// Ask for every core (at most 8). tfjs' C++ side caps the pool at half the logical cores (it assumes
// two hyper-threads per core), so a 2-core machine runs one thread whatever is asked.
setThreadsCount(Math.max(1, Math.min(8, self.navigator.hardwareConcurrency || 1)));
setWasmPaths({
  'tfjs-backend-wasm.wasm': wasmPlainUrl,
  'tfjs-backend-wasm-simd.wasm': wasmSimdUrl,
  'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimdUrl,
});

/** The parts of the WebGPU API used here (the project does not pull in @webgpu/types). */
interface GpuAdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}
interface GpuDeviceLike {
  lost: Promise<{ reason?: string; message?: string }>;
  destroy(): void;
}
interface GpuAdapterLike {
  info?: GpuAdapterInfoLike;
  isFallbackAdapter?: boolean;
  features: Set<string>;
  limits: Record<string, number>;
  requestDevice(descriptor: unknown): Promise<GpuDeviceLike>;
}
interface GpuLike {
  requestAdapter(options?: unknown): Promise<GpuAdapterLike | null>;
}

const gpu = (): GpuLike | undefined => (self.navigator as unknown as { gpu?: GpuLike }).gpu;

export interface AdapterDescription {
  text: string;
  software: boolean;
}

let adapterDescription: AdapterDescription | undefined;
let currentDevice: GpuDeviceLike | undefined;
let deviceLostListener: ((message: string) => void) | undefined;

function describeAdapter(adapter: GpuAdapterLike): AdapterDescription {
  const info = adapter.info ?? {};
  const words = [info.vendor, info.architecture, info.device, info.description].filter((s) => s && s.trim()).join(' ').trim();
  const software = Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter) || /swiftshader|llvmpipe|software|warp/i.test(words);
  return { text: `${words || 'unknown adapter'}${software ? ' (software)' : ''}`, software };
}

/**
 * Our own WebGPU factory (replacing the package's): the same device request, plus the adapter in words
 * and a device-lost listener. Re-registered after a loss so WebGPU can be chosen again later.
 */
function registerWebGpu(): void {
  if (!gpu()) return;
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend(
    'webgpu',
    async () => {
      const adapter = await gpu()!.requestAdapter({ powerPreference: 'high-performance' });
      if (!adapter) throw new Error('no WebGPU adapter (navigator.gpu.requestAdapter returned null)');
      adapterDescription = describeAdapter(adapter);
      const limits = adapter.limits;
      const device = await adapter.requestDevice({
        requiredFeatures: adapter.features.has('timestamp-query') ? ['timestamp-query'] : [],
        requiredLimits: {
          maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
          maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
          maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
          maxBufferSize: limits.maxBufferSize,
          maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
          maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
        },
      });
      currentDevice = device;
      void device.lost.then((info) => {
        if (currentDevice !== device) return;
        currentDevice = undefined;
        deviceLostListener?.(info.message || info.reason || 'the GPU device was lost');
      });
      return new WebGPUBackend(device as never, adapter.info as never);
    },
    3,
  );
}
registerWebGpu();

export function onDeviceLost(listener: (message: string) => void): void {
  deviceLostListener = listener;
}

/** Testing aid: destroys the device as a driver reset would (the lost promise then resolves). */
export function loseDevice(): boolean {
  if (!currentDevice) return false;
  currentDevice.destroy();
  return true;
}

/** After a loss: drop the dead backend and register a fresh factory. */
export function resetWebGpu(): void {
  try {
    if (tf.findBackend('webgpu')) tf.removeBackend('webgpu');
  } catch {
    // disposing a lost device's buffers may throw; the backend is gone either way
  }
  registerWebGpu();
}

export function getAdapterDescription(): AdapterDescription | undefined {
  return adapterDescription;
}

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
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
  if (name === 'webgpu' && !gpu()) {
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

export function wasmDetails(): { simd: boolean; threads: number; threadedBuild: boolean; crossOriginIsolated: boolean; problem: string | null } {
  let threads: number;
  try {
    threads = tf.findBackend('wasm') ? getThreadsCount() : 1;
  } catch {
    threads = 1;
  }
  return { simd: Boolean(tf.env().getBool('WASM_HAS_SIMD_SUPPORT')), threads, threadedBuild: wasmThreadedBuild, crossOriginIsolated: self.crossOriginIsolated, problem: wasmThreadsProblem };
}

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
  return { at: new Date().toISOString(), fingerprint: `${fingerprint()} | ${adapterDescription?.text ?? 'no adapter'}`, results };
}

/** The fastest measured backend, then WebGPU > WebGL > WASM > CPU for those not measured. */
export function ranked(calibration: Calibration | null): BackendName[] {
  const measured = calibration
    ? (Object.entries(calibration.results) as [BackendName, CalibrationEntry][]).filter(([, r]) => r.ms !== null).sort((a, b) => a[1].ms! - b[1].ms!).map(([n]) => n)
    : [];
  return [...measured, ...BACKEND_NAMES.filter((n) => !measured.includes(n))];
}

export function describeCalibration(c: Calibration): string {
  return (Object.entries(c.results) as [BackendName, CalibrationEntry][])
    .map(([n, r]) => `${BACKEND_LABELS[n]} ${r.ms === null ? 'unavailable' : `${r.ms.toFixed(0)} ms`}`)
    .join(', ');
}
