/**
 * WebGPU for tfjs in Node, outside a browser. Dawn's `dawn.node` (the npm package `webgpu`) gives a GPU object
 * (`create(flags)`) and the WebGPU constants (`globals`: GPUBufferUsage, GPUMapMode, GPUShaderStage, ...); with those
 * made global and `navigator.gpu` set, tfjs-backend-webgpu runs unchanged. Its own factory only registers where
 * `navigator.gpu` exists when the package is first imported, so this module registers the factory itself, with the
 * device request of the worker's (workers/backends/webgpu.ts): the same features and limits.
 *
 * `dawn.node` is found (first match): $DAWN_NODE; `dawn.node` next to this file (the packed device check, see
 * pack.sh); the installed `webgpu` package. It is loaded with require() rather than through the package's ES module so
 * that the bundle can carry it as a plain file and the type checker does not pull in @webgpu/types.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '../../src/engine/tf';
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';

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
interface DawnModule {
  create(flags: string[]): GpuLike;
  globals: Record<string, unknown>;
}

export interface AdapterReport {
  /** The adapter in words, as the app's backend badge shows it. */
  text: string;
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  /** A software emulation (SwiftShader, llvmpipe, WARP): its times say nothing about a GPU. */
  software: boolean;
  timestampQuery: boolean;
  maxBufferSize: number;
  maxStorageBufferBindingSize: number;
  dawnNode: string;
  dawnFlags: string[];
}

const here = dirname(fileURLToPath(import.meta.url));

/** Where dawn.node is loaded from (see the module comment); throws with advice when it is nowhere. */
export function dawnNodePath(): string {
  if (process.env.DAWN_NODE) return process.env.DAWN_NODE;
  const packed = join(here, 'dawn.node');
  if (existsSync(packed)) return packed;
  const require = createRequire(import.meta.url);
  let pkg: string;
  try {
    pkg = dirname(require.resolve('webgpu/package.json'));
  } catch {
    throw new Error('the npm package `webgpu` (Dawn) is not installed: run `npm install --save-dev webgpu`, or set DAWN_NODE to a dawn.node');
  }
  const arch = process.platform === 'darwin' ? 'universal' : process.arch;
  const file = join(pkg, 'dist', `${process.platform}-${arch}`, 'dawn.node');
  if (!existsSync(file)) throw new Error(`the webgpu package has no dawn.node for ${process.platform}-${arch} (${file})`);
  return file;
}

let gpu: GpuLike | undefined;
let adapterReport: AdapterReport | undefined;
let currentDevice: GpuDeviceLike | undefined;
let lostMessage: string | undefined;

function setNavigatorGpu(value: GpuLike | undefined): void {
  const g = globalThis as { navigator?: object };
  if (g.navigator) {
    try {
      Object.defineProperty(g.navigator, 'gpu', { value, configurable: true, writable: true });
      return;
    } catch {
      // Node's own navigator may refuse new properties; replace it below.
    }
  }
  Object.defineProperty(globalThis, 'navigator', { value: { ...(g.navigator ?? {}), gpu: value }, configurable: true, writable: true });
}

/**
 * Loads Dawn, sets the WebGPU globals and `navigator.gpu`, and registers tfjs' 'webgpu' backend factory. Does not
 * create a device: that happens on `tf.setBackend('webgpu')`.
 */
export function installWebGpu(flags: string[] = []): void {
  if (gpu) return;
  const path = dawnNodePath();
  const dawn = createRequire(import.meta.url)(path) as DawnModule;
  Object.assign(globalThis, dawn.globals);
  gpu = dawn.create(flags);
  setNavigatorGpu(gpu);
  if (tf.findBackendFactory('webgpu')) tf.removeBackend('webgpu');
  tf.registerBackend(
    'webgpu',
    async () => {
      const adapter = await gpu!.requestAdapter({ powerPreference: 'high-performance' });
      if (!adapter) throw new Error('no WebGPU adapter (navigator.gpu.requestAdapter returned null): no Vulkan driver or ICD found');
      adapterReport = describeAdapter(adapter, path, flags);
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
        lostMessage = info.message || info.reason || 'the GPU device was lost';
        process.stderr.write(`device-check: WebGPU device lost: ${lostMessage}\n`);
      });
      return new WebGPUBackend(device as never, adapter.info as never);
    },
    3,
  );
}

function describeAdapter(adapter: GpuAdapterLike, dawnNode: string, dawnFlags: string[]): AdapterReport {
  // Dawn's GPUAdapterInfo keeps its fields as prototype getters: read them one by one.
  const info = adapter.info ?? {};
  const vendor = info.vendor ?? '';
  const architecture = info.architecture ?? '';
  const device = info.device ?? '';
  const description = info.description ?? '';
  const words = [vendor, architecture, device, description].filter((s) => s && s.trim()).join(' ').trim();
  const software = Boolean(info.isFallbackAdapter ?? adapter.isFallbackAdapter) || /swiftshader|llvmpipe|lavapipe|software|warp/i.test(words);
  return {
    text: `${words || 'unknown adapter'}${software ? ' (software)' : ''}`,
    vendor,
    architecture,
    device,
    description,
    software,
    timestampQuery: adapter.features.has('timestamp-query'),
    maxBufferSize: adapter.limits.maxBufferSize,
    maxStorageBufferBindingSize: adapter.limits.maxStorageBufferBindingSize,
    dawnNode,
    dawnFlags,
  };
}

export function webGpuAdapter(): AdapterReport | undefined {
  return adapterReport;
}

/** The message of a lost device, if the device was lost. */
export function webGpuLost(): string | undefined {
  return lostMessage;
}

/**
 * Lets the process exit: Dawn keeps Node alive while the GPU object is referenced (see the package's README), so the
 * device is destroyed and navigator.gpu dropped.
 */
export function releaseWebGpu(): void {
  const device = currentDevice;
  currentDevice = undefined;
  try {
    device?.destroy();
  } catch {
    // a lost device may refuse; it is gone either way
  }
  setNavigatorGpu(undefined);
  gpu = undefined;
}
