/**
 * WebGPU in the worker: our own tfjs backend factory (replacing the package's) that makes the same device request,
 * describes the adapter in words (and whether it is a software emulation such as SwiftShader), and reports a lost
 * device to one listener. After a loss the factory is registered afresh so WebGPU can be chosen again later.
 */
import * as tf from '../../src/engine/tf';
import { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import type { AdapterDescription } from './platform';

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

/** Whether this browser has WebGPU at all (navigator.gpu). */
export function hasWebGpu(): boolean {
  return Boolean(gpu());
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
