/**
 * Reading a calibration: the order in which backends are tried (fastest measured first) and the measurements in
 * words for the backend badge. Pure functions of the protocol's Calibration, shared by the browser and Node.
 */
import type { BackendName, Calibration, CalibrationEntry } from '../../src/worker-bridge/protocol';
import { BACKEND_LABELS, BACKEND_NAMES } from '../../src/worker-bridge/protocol';

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
