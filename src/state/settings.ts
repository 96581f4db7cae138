/** Small settings kept in localStorage: the backend override, the last calibration and the inspection log's settings. */
import { DEFAULT_RETENTION } from '../storage/inspection-log';
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

const LOG_KEY = 'anomaly-inspector:inspection-log';

/** The inspection log's settings: whether to keep it, and its retention (the newest maxEntries, none older than maxDays). */
export interface InspectionLogSettings {
  enabled: boolean;
  maxEntries: number;
  maxDays: number;
}

/** Default: on, the newest 10,000 entries, none older than 90 days. */
export const DEFAULT_LOG_SETTINGS: InspectionLogSettings = { enabled: true, ...DEFAULT_RETENTION };

const positiveInt = (v: unknown, fallback: number) => (typeof v === 'number' && Number.isInteger(v) && v >= 1 ? v : fallback);

export function savedLogSettings(): InspectionLogSettings {
  try {
    const s = JSON.parse(read(LOG_KEY) ?? 'null') as Partial<InspectionLogSettings> | null;
    if (!s || typeof s !== 'object') return { ...DEFAULT_LOG_SETTINGS };
    return {
      enabled: typeof s.enabled === 'boolean' ? s.enabled : DEFAULT_LOG_SETTINGS.enabled,
      maxEntries: positiveInt(s.maxEntries, DEFAULT_LOG_SETTINGS.maxEntries),
      maxDays: positiveInt(s.maxDays, DEFAULT_LOG_SETTINGS.maxDays),
    };
  } catch {
    return { ...DEFAULT_LOG_SETTINGS };
  }
}

export function saveLogSettings(s: InspectionLogSettings): void {
  write(LOG_KEY, JSON.stringify(s));
}
