/** Small settings kept in localStorage: the backend override and the last calibration. */
import type { BackendChoice, Calibration } from '../worker-bridge/protocol';

const BACKEND_KEY = 'anomaly-inspector:backend';
const CALIBRATION_KEY = 'anomaly-inspector:calibration';
const CHOICES: BackendChoice[] = ['auto', 'webgpu', 'webgl', 'wasm', 'cpu'];

function read(key: string): string | null {
  try {
    return localStorage.getItem(key);
  } catch {
    return null;
  }
}

function write(key: string, value: string | null): void {
  try {
    if (value === null) localStorage.removeItem(key);
    else localStorage.setItem(key, value);
  } catch {
    // private mode or storage disabled: the setting lasts for this page only
  }
}

export function savedBackendChoice(): BackendChoice {
  const v = read(BACKEND_KEY) as BackendChoice | null;
  return v && CHOICES.includes(v) ? v : 'auto';
}

export function saveBackendChoice(choice: BackendChoice): void {
  write(BACKEND_KEY, choice === 'auto' ? null : choice);
}

export function savedCalibration(): Calibration | null {
  try {
    const c = JSON.parse(read(CALIBRATION_KEY) ?? 'null') as Calibration | null;
    return c && typeof c.fingerprint === 'string' && c.results ? c : null;
  } catch {
    return null;
  }
}

export function saveCalibration(c: Calibration | null): void {
  write(CALIBRATION_KEY, c ? JSON.stringify(c) : null);
}
