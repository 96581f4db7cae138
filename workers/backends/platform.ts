/**
 * What the session needs from the place it runs in to start and watch tfjs backends: in the browser worker that is
 * ./browser.ts (WebGPU with its adapter and device loss, WebGL, WASM with SIMD and threads, CPU, and a calibration
 * run); a Node test passes a fixed backend instead (workers/testing/node-session.ts). The session itself
 * (workers/session/backend-manager.ts) holds the state: which backend runs, why, and the recovery after a loss.
 */
import type { BackendInfo, BackendName, Calibration } from '../../src/worker-bridge/protocol';

/** The WebGPU adapter in words, and whether it is a software (CPU) emulation. */
export interface AdapterDescription {
  text: string;
  software: boolean;
}

export type WasmDetails = NonNullable<BackendInfo['wasm']>;

export interface BackendPlatform {
  /** Switches tfjs to a backend; false (with the reason in initError) when it cannot start here. */
  activate(name: BackendName): Promise<boolean>;
  initError(name: BackendName): string | undefined;
  /** Times a probe on every backend that starts; leaves tfjs on whichever ran last. */
  calibrate(onStep?: (done: number, total: number) => void): Promise<Calibration>;
  /** The device in words (a cached calibration is reused only when its fingerprint starts with this). */
  fingerprint(): string;
  adapter(): AdapterDescription | undefined;
  wasmDetails(): WasmDetails;
  /** Logical cores, as the reason sentence names them. */
  cores(): number;
  /** The one listener told when the WebGPU device is lost. */
  onDeviceLost(listener: (message: string) => void): void;
  /** After a loss: drops the dead WebGPU backend so it can be started afresh later. */
  resetWebGpu(): void;
  /** Testing aid: destroys the WebGPU device as a driver reset would; false when there is none. */
  loseDevice(): boolean;
}
