/**
 * The browser's tfjs backends as one BackendPlatform for the worker's session: WebGPU (./webgpu.ts), WebGL, WASM
 * and CPU (./activate.ts) and the calibration run (./calibrate.ts). Importing this module registers the backends;
 * only the engine worker does.
 */
import { activate, initError, wasmDetails } from './activate';
import { calibrate, fingerprint } from './calibrate';
import type { BackendPlatform } from './platform';
import { getAdapterDescription, loseDevice, onDeviceLost, resetWebGpu } from './webgpu';

export const browserBackends: BackendPlatform = {
  activate,
  initError,
  calibrate,
  fingerprint,
  adapter: getAdapterDescription,
  wasmDetails,
  cores: () => self.navigator.hardwareConcurrency,
  onDeviceLost,
  resetWebGpu,
  loseDevice,
};
