/**
 * Inspection: many files scored one after another in the worker (two requests in flight so it never
 * waits for the next file's bytes); a file that cannot be inspected gets a message naming it and the
 * batch goes on. The threshold slider only changes `draftThreshold`; saving writes it to the profile. Each item's
 * file is kept while the item is shown, so an image can be marked as good (taught to the profile) from its detail.
 * Exports (CSV, JSON) save one file per request, however fast the clicks come.
 */
import { isAbortError } from '../engine/progress';
import type { ProfileMeta } from '../engine/profile/profile';
import { dirsOf, labelFromPath } from '../engine/data/labels';
import type { Label } from '../engine/data/labels';
import { EngineError } from '../worker-bridge';
import { ensureLoaded, refreshProfiles } from './actions';
import { pushAlert, useAppStore } from './app-store';
import type { InspectItem, OverlaySettings, ResultOrder, VerdictFilter } from './inspect-store';
import { patchItem, useInspectStore } from './inspect-store';
import { engine, profileStore } from './services';
import { downloadOnce, exportFileName } from './download';
import { buildCsv, buildJson, resultRows } from './inspect-results';
import { logInspected, logLabel } from './inspection-logger';

const set = useInspectStore.setState;
const get = useInspectStore.getState;

/** A file and where it came from (a path relative to the dropped folder, or its name). */
export interface PickedFile {
  file: File;
  path: string;
}

const files = new Map<number, File>();
let nextId = 1;
let controller: AbortController | null = null;
const IN_FLIGHT = 2;

function inspectProfile(): ProfileMeta | null {
  const id = get().profileId ?? useAppStore.getState().selectedId;
  return useAppStore.getState().profiles.find((p) => p.id === id) ?? null;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Adds files to the batch and scores them against the selected profile. */
export function inspectFiles(picked: readonly PickedFile[]): void {
  const profileId = useAppStore.getState().selectedId;
  if (!profileId) {
    pushAlert('error', 'Select or build a profile before inspecting images.');
    return;
  }
  if (picked.length === 0) return;
  const state = get();
  if (!state.running && state.profileId !== profileId) {
    files.clear();
    set({ items: [], profileId, draftThreshold: null, detailId: null });
  }
  const dirs = dirsOf([...get().items.map((i) => i.name), ...picked.map((p) => p.path)]);
  const added: InspectItem[] = picked.map(({ file, path }) => {
    const id = nextId++;
    files.set(id, file);
    return { id, name: path || file.name, bytes: file.size, label: labelFromPath(path, dirs), status: 'queued' };
  });
  set({ items: [...get().items, ...added] });
  if (!get().running) void run();
}

async function scoreOne(item: InspectItem, profileId: string, signal: AbortSignal): Promise<void> {
  const file = files.get(item.id);
  if (!file) return;
  patchItem(item.id, { status: 'scoring' });
  try {
    if (file.size === 0) throw new Error(`${item.name}: the file is empty`);
    const bytes = await file.arrayBuffer();
    let key = await ensureLoaded(profileId);
    let r;
    try {
      r = await engine().request('score', { key, file: { name: item.name, bytes: bytes.slice(0) } }, { signal });
    } catch (e) {
      if (!(e instanceof EngineError && e.code === 'not-loaded')) throw e;
      key = await ensureLoaded(profileId, true);
      r = await engine().request('score', { key, file: { name: item.name, bytes } }, { signal, transfer: [bytes] });
    }
    patchItem(item.id, { status: 'done', score: r.score, patches: r.patches, grid: r.grid, map: r.map, mapSize: r.size, preview: r.preview, width: r.width, height: r.height, ms: r.ms, backend: r.backend });
    if (!get().unexported) set({ unexported: true });
    logInspected(file, item.name, inspectProfile(), activeThreshold(), r);
  } catch (e) {
    if (isAbortError(e)) {
      patchItem(item.id, { status: 'queued' });
      throw e;
    }
    const text = message(e);
    patchItem(item.id, { status: 'error', error: text.includes(item.name) ? text : `${item.name}: ${text}` });
  }
}

async function run(): Promise<void> {
  const profileId = get().profileId;
  if (!profileId) return;
  controller = new AbortController();
  const signal = controller.signal;
  set({ running: true, startedAt: performance.now() });
  const claimed = new Set<number>();
  const worker = async () => {
    for (;;) {
      if (signal.aborted) return;
      const next = get().items.find((i) => i.status === 'queued' && !claimed.has(i.id));
      if (!next) return;
      claimed.add(next.id);
      await scoreOne(next, profileId, signal);
    }
  };
  try {
    await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  } catch (e) {
    if (!isAbortError(e)) pushAlert('error', `Inspection failed: ${message(e)}`);
  } finally {
    controller = null;
    set({ running: false, startedAt: null });
    const failed = get().items.filter((i) => i.status === 'error').length;
    if (signal.aborted) pushAlert('info', 'Inspection cancelled; the images not yet scored are still queued.');
    else if (failed) pushAlert('error', `${failed} file${failed === 1 ? '' : 's'} could not be inspected (see the messages above the results); the others were.`);
  }
}

export function cancelInspect(): void {
  controller?.abort();
}

export function resumeInspect(): void {
  if (!get().running && get().items.some((i) => i.status === 'queued')) void run();
}

export function clearInspection(): void {
  controller?.abort();
  files.clear();
  set({ items: [], draftThreshold: null, detailId: null, profileId: null, unexported: false });
}

export function removeItem(id: number): void {
  files.delete(id);
  set((s) => ({ items: s.items.filter((i) => i.id !== id), detailId: s.detailId === id ? null : s.detailId }));
}

export function setLabel(id: number, label: Label | null): void {
  patchItem(id, { label });
  logLabel(files.get(id), label);
}

export function setDraftThreshold(value: number | null): void {
  set({ draftThreshold: value });
}

export function setFilter(filter: VerdictFilter): void {
  set({ filter });
}

export function setSort(sort: ResultOrder): void {
  set({ sort });
}

/** The file of an inspected item (to mark it as good); undefined once the item is gone. */
export function inspectedFile(id: number): File | undefined {
  return files.get(id);
}

/** A profile was saved again (taught, undone): a threshold being tried on it gives way to its new one. */
export function profileChanged(profileId: string): void {
  const state = get();
  if ((state.profileId ?? useAppStore.getState().selectedId) === profileId && state.draftThreshold !== null) set({ draftThreshold: null });
}

export function openDetail(id: number | null): void {
  set({ detailId: id });
}

export function setOverlay(patch: Partial<OverlaySettings>): void {
  set((s) => ({ overlay: { ...s.overlay, ...patch } }));
}

/** The threshold verdicts use now: the slider's while it is being tried, else the profile's. */
export function activeThreshold(): number | null {
  return get().draftThreshold ?? inspectProfile()?.threshold.value ?? null;
}

/**
 * Downloads the batch's results (verdicts at the threshold in use, regions) as CSV or JSON. A second request for the
 * same file while nothing changed (a double click) is ignored; returns whether a file was saved. `at`: when it was
 * asked for (the click's event.timeStamp).
 */
export function exportInspection(format: 'csv' | 'json', at?: number): boolean {
  const profile = inspectProfile();
  const { items } = get();
  const threshold = activeThreshold();
  if (!profile || !items.some((i) => i.status === 'done' || i.status === 'error')) return false;
  const saved = downloadOnce(`inspect-${format}`, [items, threshold, profile], () => {
    const rows = resultRows(items, threshold, profile.regions?.minArea ?? 0);
    const calibration = profile.calibrationScores;
    return format === 'csv'
      ? { blob: new Blob([buildCsv(rows, threshold, profile.name, calibration)], { type: 'text/csv' }), fileName: exportFileName('inspection', profile.name, 'csv') }
      : { blob: new Blob([buildJson(rows, threshold, { id: profile.id, name: profile.name }, calibration)], { type: 'application/json' }), fileName: exportFileName('inspection', profile.name, 'json') };
  }, at);
  if (saved) set({ unexported: false });
  return saved;
}

/** Writes the slider's threshold into the profile (method 'manual'); the bank is untouched. */
export async function saveThreshold(): Promise<boolean> {
  const meta = inspectProfile();
  const value = get().draftThreshold;
  if (!meta || value === null) return false;
  try {
    await profileStore().updateMeta(meta.id, (m) => ({ ...m, threshold: { value, method: 'manual' } }));
    await refreshProfiles();
    set({ draftThreshold: null });
    pushAlert('info', `Threshold of "${meta.name}" saved: ${value.toPrecision(5)} (manual).`);
    return true;
  } catch (e) {
    pushAlert('error', `Saving the threshold failed: ${message(e)}. The profile was not changed.`);
    return false;
  }
}
