/**
 * What the UI can do with profiles: build, load into the worker, score, rename, duplicate, delete, export,
 * import, benchmark. Each action talks to the engine worker (tensor work) or to storage, and records the outcome
 * in the store; failures become alerts with the reason. Nothing here touches tfjs. Starting the engine and
 * switching its backend are in ./engine-actions.ts.
 */
import { downloadBlob } from './download';
import type { ProfileMeta } from '../engine/profile/profile';
import { checkProfileFileSize } from '../engine/profile/profile';
import { judge } from '../engine/profile/verdict';
import { isAbortError } from '../engine/progress';
import { requestPersistence } from '../storage/profile-store';
import type { ProfileRecord } from '../storage/profile-store';
import type { BuildOptions, FileBytes, StoredBank } from '../worker-bridge/protocol';
import { EngineError } from '../worker-bridge';
import { pushAlert, useAppStore } from './app-store';
import type { AppState, TaskState } from './app-store';
import { engine, profileStore } from './services';
import type { Engine } from './services';
import { DEFAULT_CORESET_RATIO } from '../engine/patchcore/defaults';
import { DEMO_PROFILE_ID } from '../engine/demo/recipe';

const set = useAppStore.setState;
const get = useAppStore.getState;

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function fail(what: string, e: unknown): void {
  if (isAbortError(e)) {
    pushAlert('info', `${what}: cancelled.`);
    return;
  }
  pushAlert('error', `${what} failed: ${message(e)}`);
}

async function readFiles(files: readonly File[]): Promise<FileBytes[]> {
  return Promise.all(files.map(async (f) => ({ name: f.name, bytes: await f.arrayBuffer() })));
}

function taskPatch(key: 'build' | 'scoring' | 'bench', patch: Partial<TaskState> & Record<string, unknown>): Partial<AppState> {
  return { [key]: { ...get()[key], ...patch } } as Partial<AppState>;
}

// ---------------------------------------------------------------- profiles

/** Profile id -> the revision the worker holds, so a profile is sent to it only when it changed. */
const loaded = new Map<string, string>();

/** After a backend switch the worker holds no profile: each is sent again when next used. */
export function forgetLoadedProfiles(): void {
  loaded.clear();
}

export async function refreshProfiles(): Promise<void> {
  try {
    const profiles = await profileStore().list();
    // The newest profile when none is chosen; never the demo's (it is chosen only by hand).
    const selectedId = profiles.some((p) => p.id === get().selectedId) ? get().selectedId : (profiles.filter((p) => p.id !== DEMO_PROFILE_ID).at(-1)?.id ?? null);
    set({ profiles, profilesLoaded: true, selectedId });
  } catch (e) {
    set({ profilesLoaded: true });
    pushAlert('error', `Reading saved profiles failed: ${message(e)}`);
  }
}

export function selectProfile(id: string): void {
  set({ selectedId: id, scoring: { ...get().scoring, result: null } });
}

/** Loads in flight, per engine cache and profile id: callers that ask at the same time share one transfer of the bank. */
const loading = new WeakMap<Map<string, string>, Map<string, Promise<string>>>();

/**
 * Makes a stored profile scorable in the page's engine (or in `target`, whose loaded profiles `cache` remembers);
 * returns the key it is scored under. Sent again only when the stored profile changed, or with `force`; a call made
 * while the same profile is on its way to the same engine waits for that load instead of sending the bank twice.
 */
export function ensureLoaded(id: string, force = false, target: Engine = engine(), cache: Map<string, string> = loaded): Promise<string> {
  const inFlight = loading.get(cache) ?? new Map<string, Promise<string>>();
  loading.set(cache, inFlight);
  const pending = inFlight.get(id);
  if (pending && !force) return pending;
  const load = sendProfile(id, force, target, cache).finally(() => {
    if (inFlight.get(id) === load) inFlight.delete(id);
  });
  inFlight.set(id, load);
  return load;
}

/** The key a stored profile is scored under: it changes whenever the profile or its bank does. */
const scoringKey = (record: ProfileRecord) => `${record.bankKey}|${record.meta.updatedAt}`;

async function sendProfile(id: string, force: boolean, target: Engine, cache: Map<string, string>): Promise<string> {
  // The record alone says whether the engine holds the current profile; the bank (megabytes) is read only to send it.
  const known = scoringKey(await profileStore().record(id));
  if (!force && cache.get(id) === known) return known;
  const { record, bank } = await profileStore().load(id);
  const key = scoringKey(record);
  await target.request('load-profile', { key, meta: record.meta, bank }, { transfer: [bank.bytes] });
  cache.set(id, key);
  return key;
}

/** Stores a new profile (a fresh id when its id is taken) and selects it; `sourceUrl`: where its file came from. */
export async function saveNew(meta: ProfileMeta, bank: StoredBank, sourceUrl?: string): Promise<ProfileMeta> {
  const store = profileStore();
  const id = await store.freeId(meta.id);
  const saved = { ...meta, id };
  await store.save(saved, bank, { sourceUrl });
  if (get().persistent !== true) set({ persistent: await requestPersistence() });
  await refreshProfiles();
  set({ selectedId: id });
  return saved;
}

let buildController: AbortController | null = null;

export async function buildProfile(files: readonly File[], options: Omit<BuildOptions, 'seed' | 'holdout'> & Partial<BuildOptions>): Promise<ProfileMeta | null> {
  if (get().build.running) return null;
  if (get().profiles.some((p) => p.name === options.name)) {
    pushAlert('error', `A profile named "${options.name}" exists already; choose another name.`);
    return null;
  }
  buildController = new AbortController();
  const signal = buildController.signal;
  set(taskPatch('build', { running: true, progress: null, startedAt: performance.now(), skipped: [], lastSeconds: null }));
  try {
    const bytes = await readFiles(files);
    const result = await engine().request(
      'build',
      { options: { seed: 0, holdout: 0, ...options }, files: bytes },
      { signal, onProgress: (progress) => set(taskPatch('build', { progress })), transfer: bytes.map((b) => b.bytes) },
    );
    set(taskPatch('build', { resultAt: performance.now() }));
    const meta = await saveNew(result.meta, result.bank);
    set(taskPatch('build', { skipped: result.skipped, lastSeconds: result.seconds.total }));
    const skipped = result.skipped.length ? ` Skipped ${result.skipped.length}: ${result.skipped.map((s) => s.reason).join('; ')}` : '';
    pushAlert('info', `Profile "${meta.name}" built from ${meta.training.imageCount} images on ${result.backend} in ${result.seconds.total.toFixed(1)} s.${skipped}`);
    if (meta.threshold.value === null) {
      pushAlert('error', `Profile "${meta.name}" has no pass/fail threshold: it learnt from ${meta.training.imageCount} readable image${meta.training.imageCount === 1 ? '' : 's'}, and the threshold needs at least 2 (each is checked against the others). Add photos of good parts and build again.`);
    }
    return meta;
  } catch (e) {
    fail('Building the profile', e);
    return null;
  } finally {
    buildController = null;
    set(taskPatch('build', { running: false, progress: null, startedAt: null }));
  }
}

export function cancelBuild(): void {
  buildController?.abort();
}

export async function scoreImage(file: File): Promise<void> {
  const id = get().selectedId;
  if (!id) {
    pushAlert('error', 'Select a profile before scoring an image.');
    return;
  }
  set(taskPatch('scoring', { running: true, startedAt: performance.now(), result: null }));
  try {
    const bytes = await file.arrayBuffer();
    let key = await ensureLoaded(id);
    let r;
    try {
      r = await engine().request('score', { key, file: { name: file.name, bytes: bytes.slice(0) } });
    } catch (e) {
      if (!(e instanceof EngineError && e.code === 'not-loaded')) throw e;
      key = await ensureLoaded(id, true);
      r = await engine().request('score', { key, file: { name: file.name, bytes } });
    }
    const meta = get().profiles.find((p) => p.id === id)!;
    const t = meta.threshold.value;
    set(
      taskPatch('scoring', {
        result: {
          profileId: id,
          fileName: file.name,
          score: r.score,
          ...judge(r.score, t, meta.calibrationScores),
          threshold: t,
          backend: r.backend,
          ms: r.ms,
        },
      }),
    );
  } catch (e) {
    fail(`Scoring ${file.name}`, e);
  } finally {
    set(taskPatch('scoring', { running: false, startedAt: null }));
  }
}

export async function renameProfile(id: string, name: string): Promise<void> {
  try {
    await profileStore().rename(id, name);
    await refreshProfiles();
  } catch (e) {
    fail('Renaming', e);
  }
}

export async function duplicateProfile(id: string): Promise<void> {
  try {
    const meta = await profileStore().duplicate(id);
    await refreshProfiles();
    set({ selectedId: meta.id });
  } catch (e) {
    fail('Duplicating', e);
  }
}

export async function deleteProfile(id: string): Promise<void> {
  try {
    await profileStore().remove(id);
    loaded.delete(id);
    await refreshProfiles();
  } catch (e) {
    fail('Deleting', e);
  }
}

/** The profile as one safetensors file, handed to the browser as a download. */
export async function exportProfile(id: string): Promise<void> {
  try {
    const { record, bank } = await profileStore().load(id);
    const out = await engine().request('export', { meta: record.meta, bank }, { transfer: [bank.bytes] });
    downloadBlob(new Blob([out.bytes], { type: 'application/octet-stream' }), out.fileName);
  } catch (e) {
    fail('Exporting', e);
  }
}

/** Reads, validates (in the worker) and saves a profile file; a bad file changes nothing. */
export async function importProfile(file: File): Promise<ProfileMeta | null> {
  try {
    checkProfileFileSize(file.size, file.name);
    const bytes = await file.arrayBuffer();
    const result = await engine().request('import', { file: { name: file.name, bytes } }, { transfer: [bytes] });
    const meta = await saveNew(result.meta, result.bank);
    pushAlert('info', `Imported profile "${meta.name}" (${meta.bank.size} x ${meta.bank.dim} ${meta.bank.dtype}).`);
    return meta;
  } catch (e) {
    pushAlert('error', `Import refused, nothing was changed. ${message(e)}`);
    return null;
  }
}

// ---------------------------------------------------------------- benchmark

let benchController: AbortController | null = null;

export async function runBench(files: readonly File[], coresetRatio = DEFAULT_CORESET_RATIO): Promise<void> {
  if (get().bench.running) return;
  benchController = new AbortController();
  set(taskPatch('bench', { running: true, progress: null, startedAt: performance.now() }));
  try {
    const bytes = await readFiles(files);
    const report = await engine().request(
      'bench',
      { files: bytes, coresetRatio },
      { signal: benchController.signal, onProgress: (progress) => set(taskPatch('bench', { progress })), transfer: bytes.map((b) => b.bytes) },
    );
    set(taskPatch('bench', { reports: [...get().bench.reports, report] }));
  } catch (e) {
    fail('The benchmark', e);
  } finally {
    benchController = null;
    set(taskPatch('bench', { running: false, progress: null, startedAt: null }));
  }
}

export function cancelBench(): void {
  benchController?.abort();
}
