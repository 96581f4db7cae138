/**
 * Starting the engine worker and switching its backend: the backend setting and the cached calibration come from
 * ./settings.ts, the worker answers with what it runs on and why (shown in the header). On the demo's route the
 * start can be quick (WASM at once, the calibration deferred) so the first heatmap comes in seconds.
 */
import type { BackendChoice } from '../worker-bridge/protocol';
import { BACKEND_LABELS } from '../worker-bridge/protocol';
import { forgetLoadedProfiles } from './actions';
import { pushAlert, useAppStore } from './app-store';
import { engine } from './services';
import { saveBackendChoice, saveCalibration, savedBackendChoice, savedCalibration } from './settings';

const set = useAppStore.setState;
const get = useAppStore.getState;
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

let started = false;
/** True after a quick start (see startEngine) until the calibration it skipped has run. */
let calibrationDeferred = false;

/**
 * Starts the engine on the backend setting. `quick` (the demo's route, where the first heatmap should come in
 * seconds): when the setting is 'auto' and this device has no saved calibration, start on WASM at once instead
 * of calibrating first (seconds on a slow machine); `runDeferredCalibration` runs the calibration later.
 */
export async function startEngine(options: { quick?: boolean } = {}): Promise<void> {
  if (started) return;
  started = true;
  const choice = savedBackendChoice();
  const calibration = savedCalibration();
  const quick = options.quick === true && choice === 'auto' && calibration === null;
  set({ backendChoice: choice, engineStatus: 'starting' });
  engine().onBackend((info, notice) => {
    set({ backend: info, backendChoice: get().backendChoice });
    if (notice) pushAlert('info', notice);
  });
  try {
    const info = await engine().request('init', { choice: quick ? 'wasm' : choice, calibration }, { onProgress: (p) => set({ engineProgress: p }) });
    if (info.calibration) saveCalibration(info.calibration);
    calibrationDeferred = quick;
    const reason = quick ? `Started on ${BACKEND_LABELS[info.name]} at once for the demo; the backend calibration runs after it. ${info.reason.replace(/^[^.]*chosen in the backend setting\.\s*/, '')}` : info.reason;
    set({ backend: { ...info, reason }, engineStatus: 'ready', engineProgress: null });
  } catch (e) {
    set({ engineStatus: 'error', engineError: message(e) });
    pushAlert('error', `The engine could not start: ${message(e)}`);
  }
}

/** After a quick start: the calibration the 'auto' setting asks for (the backend may change). */
export async function runDeferredCalibration(): Promise<void> {
  if (!calibrationDeferred || get().engineStatus !== 'ready') return;
  await chooseBackend(get().backendChoice);
}

export async function chooseBackend(choice: BackendChoice): Promise<void> {
  calibrationDeferred = false;
  saveBackendChoice(choice);
  set({ backendChoice: choice, engineStatus: 'switching' });
  try {
    const info = await engine().request('set-backend', { choice }, { onProgress: (p) => set({ engineProgress: p }) });
    if (info.calibration) saveCalibration(info.calibration);
    forgetLoadedProfiles();
    set({ backend: info, engineStatus: 'ready', engineProgress: null });
  } catch (e) {
    set({ engineStatus: 'error', engineError: message(e) });
    pushAlert('error', `Switching the backend failed: ${message(e)}`);
  }
}

