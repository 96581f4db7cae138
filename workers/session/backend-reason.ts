/**
 * The backend badge's sentence: why the engine runs on this backend (calibration, the user's setting, a fallback
 * when the chosen one could not start, or a lost GPU device), followed by what the person should know about it:
 * the GPU adapter, whether it is a software emulation, and the WASM build and its threads.
 */
import type { BackendInfo, BackendName, Calibration } from '../../src/worker-bridge/protocol';
import { BACKEND_LABELS } from '../../src/worker-bridge/protocol';
import type { BackendPlatform } from '../backends/platform';
import { describeCalibration } from '../backends/ranking';

export interface ReasonInput {
  name: BackendName;
  how: BackendInfo['how'];
  /** The backend the setting asked for, when it was an override. */
  wanted: BackendName | null;
  calibration: Calibration | null;
  notes: string[];
}

export function backendReason(platform: BackendPlatform, { name, how, wanted, calibration, notes }: ReasonInput): string {
  const label = BACKEND_LABELS[name];
  const parts: string[] = [];
  if (how === 'calibration' && calibration) parts.push(`${label} was fastest in the calibration run (${describeCalibration(calibration)}).`);
  else if (how === 'override' && wanted === name) parts.push(`${label} was chosen in the backend setting.`);
  else if (how === 'override' && wanted) parts.push(`${BACKEND_LABELS[wanted]} was chosen but could not start (${platform.initError(wanted) ?? 'unknown reason'}); running ${label}.`);
  else if (how !== 'device-lost') parts.push(`${label} is the first backend that started here.`);
  parts.push(...notes);
  const adapter = platform.adapter();
  if (name === 'webgpu' && adapter) parts.push(`GPU adapter: ${adapter.text}.`);
  if (name === 'webgpu' && adapter?.software) parts.push('Profiles select their coreset on the CPU, which is faster than this emulated GPU.');
  if (name !== 'webgpu' && adapter?.software) parts.push(`WebGPU here is ${adapter.text}, a CPU emulation.`);
  if (name === 'wasm') {
    const w = platform.wasmDetails();
    const build = w.threadedBuild ? 'threaded SIMD build' : w.simd ? 'SIMD build without threads' : 'plain build';
    const pool = w.threadedBuild && w.threads === 1 ? ` (tfjs uses half the ${platform.cores()} logical cores)` : '';
    parts.push(`WASM ${build}, ${w.threads} compute thread${w.threads === 1 ? '' : 's'}${pool}${w.problem ? `; no threads: ${w.problem}` : ''}.`);
  }
  return parts.join(' ');
}
