/**
 * ToCoAD fine-tuning from the page: the run is stored in IndexedDB (settings and images first, then a checkpoint
 * after every epoch, see src/storage/training-store.ts), trained in the worker ('train-start', with losses, samples
 * and checkpoints as events), paused/resumed/cancelled, resumed after a reload from the stored checkpoint, and its
 * result (a backbone the worker stored) exported or used to build a profile. No tfjs here.
 */
import type { TrainRunRecord } from '../storage/training-store';
import { newRunId } from '../storage/training-store';
import type { FileBytes, TrainSettings } from '../worker-bridge/protocol';
import { buildProfile } from './actions';
import { pushAlert } from './app-store';
import { BUNDLED_BACKBONE, exportBackbone, useBackbones } from './backbones';
import type { PickedFile } from './inspect-actions';
import { trainingStore } from './services';
import { cancelEstimate, scheduleEstimate } from './train-estimate';
import { run, toBytes } from './train-run';
import { useTrainStore } from './train-store';
import { TRAINING_ELSEWHERE, withTrainingLock } from './training-lock';
import { DEFAULT_CORESET_RATIO } from '../engine/patchcore/defaults';

const set = useTrainStore.setState;
const get = useTrainStore.getState;

/** The images chosen in this page (after a reload they come from IndexedDB). */
let chosen: File[] = [];
/** Anomaly source images chosen for the generator (optional). */
let chosenTextures: File[] = [];

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export { cancelTraining, describePosition, pauseTraining, resumeTraining } from './train-run';

export function setTrainSettings(patch: Partial<TrainSettings>): void {
  set({ settings: { ...get().settings, ...patch } });
}

/** Measures (or, when only the counts changed, recomputes) the expected duration of a run on the chosen images, debounced. */
export function scheduleTrainEstimate(): void {
  scheduleEstimate(chosen);
}

export function setTrainBackbone(id: string): void {
  set({ backboneId: id });
}

/**
 * The images dropped or picked. From a folder in the MVTec AD layout only train/good is used; the dataset name
 * (which names the new backbone) is that folder's name, or the picked folder's.
 */
export function chooseTrainingImages(picked: readonly PickedFile[]): void {
  if (get().running) return;
  const visible = picked.filter((p) => !p.path.split('/').pop()!.startsWith('.'));
  const good = visible.filter((p) => /(^|\/)train\/good\/[^/]+$/.test(p.path));
  const use = good.length ? good : visible;
  chosen = use.map((p) => p.file);
  const root = use[0]?.path.includes('/') ? use[0].path.split('/')[0] : '';
  const mvtecRoot = good.length ? (good[0].path.split('/').slice(-4, -3)[0] ?? root) : root;
  set({
    images: {
      count: chosen.length,
      bytes: chosen.reduce((n, f) => n + f.size, 0),
      dataset: mvtecRoot || 'images',
      note: good.length && good.length < visible.length ? `only train/good of the folder is used (${visible.length - good.length} other files left out)` : null,
    },
    error: null,
  });
}

/** Optional anomaly source images (e.g. a texture set such as DTD), mixed with the procedural textures. */
export function chooseTextureImages(picked: readonly PickedFile[]): void {
  if (get().running) return;
  chosenTextures = picked.filter((p) => !p.path.split('/').pop()!.startsWith('.')).map((p) => p.file);
  set({ textures: { count: chosenTextures.length, bytes: chosenTextures.reduce((n, f) => n + f.size, 0) } });
}

export function clearTextureImages(): void {
  if (get().running) return;
  chosenTextures = [];
  set({ textures: { count: 0, bytes: 0 } });
}

/** Reads the stored run (once the view opens); a run that was going when the page went away is offered to resume. */
export async function loadStoredRun(): Promise<void> {
  try {
    const record = await trainingStore().current();
    if (get().running) return;
    set({
      record,
      recordLoaded: true,
      ...(record ? { history: record.history, steps: record.steps, checkpoint: record.checkpoint, error: null } : {}),
    });
  } catch (e) {
    set({ recordLoaded: true, error: `Reading the stored training run failed: ${message(e)}` });
  }
}

/**
 * Starts a new run. An unfinished run stored in this browser with a checkpoint (interrupted, cancelled or failed
 * after an epoch) would be replaced: unless `discardUnfinished`, the view is asked to confirm first
 * (`confirmDiscard`), and nothing is discarded. One that failed before any checkpoint holds nothing to lose.
 */
export async function startTraining(discardUnfinished = false): Promise<void> {
  const { settings, backboneId, images, running } = get();
  if (running || chosen.length === 0) return;
  const base = backboneId === BUNDLED_BACKBONE.id ? BUNDLED_BACKBONE : useBackbones.getState().stored.find((b) => b.id === backboneId);
  if (!base) {
    set({ error: `The backbone "${backboneId}" is not available; choose another one.` });
    return;
  }
  const unfinished = await trainingStore()
    .current()
    .catch(() => null);
  if (unfinished && unfinished.status !== 'done' && unfinished.checkpoint && !discardUnfinished) {
    set({ record: unfinished, confirmDiscard: true });
    return;
  }
  set({ confirmDiscard: false });
  const started = await withTrainingLock(() => startLocked(base.label, settings, backboneId, images.dataset));
  if (!started) set({ error: TRAINING_ELSEWHERE });
}

/** Keeps the unfinished run: the confirmation is dismissed and nothing starts. */
export function keepUnfinishedRun(): void {
  set({ confirmDiscard: false });
}

async function startLocked(baseLabel: string, settings: TrainSettings, backboneId: string, dataset: string): Promise<void> {
  cancelEstimate();
  set({ running: true, error: null, history: [], steps: [], samples: [], checkpoint: null, progress: null, profile: null, resumedAt: null });
  let record: TrainRunRecord;
  try {
    record = await trainingStore().begin(
      { id: newRunId(), backboneId, backboneLabel: baseLabel, dataset, settings },
      chosen.map((f) => ({ name: f.name, data: f })),
      chosenTextures.map((f) => ({ name: f.name, data: f })),
    );
  } catch (e) {
    set({ running: false, error: `The training images could not be stored: ${message(e)}` });
    return;
  }
  set({ record });
  await run(record, await toBytes(chosen.map((f) => ({ name: f.name, data: f }))), await toBytes(chosenTextures.map((f) => ({ name: f.name, data: f }))), undefined);
}

/** Continues the stored run from its last checkpoint (or from the start when it has none), on its stored images. */
export async function resumeStoredRun(): Promise<void> {
  if (get().running) return;
  const resumed = await withTrainingLock(resumeLocked);
  if (!resumed) set({ error: TRAINING_ELSEWHERE });
}

async function resumeLocked(): Promise<void> {
  const { running } = get();
  if (running) return;
  cancelEstimate();
  set({ running: true, error: null, samples: [], progress: null, profile: null });
  let record: TrainRunRecord | null;
  let files: FileBytes[];
  let textures: FileBytes[];
  let parts: Blob[] | undefined;
  try {
    record = await trainingStore().current();
    if (!record) throw new Error('there is no stored run to resume');
    files = await toBytes(await trainingStore().images(record));
    textures = await toBytes(await trainingStore().textures(record));
    parts = (await trainingStore().checkpointParts(record))?.map((p) => (p instanceof Blob ? p : new Blob([p])));
    record = await trainingStore().setStatus(record.id, 'running');
  } catch (e) {
    set({ running: false, error: `Resuming failed: ${message(e)}` });
    return;
  }
  set({ record, history: record.history, steps: record.steps, checkpoint: record.checkpoint });
  await run(record, files, textures, parts);
}

/** Discards the stored run; refused while another tab trains (the stored run may be that tab's). */
export async function discardStoredRun(): Promise<void> {
  if (get().running) return;
  const done = await withTrainingLock(async () => {
    try {
      await trainingStore().discard();
      set({ record: null, history: [], steps: [], samples: [], checkpoint: null, error: null, profile: null, options: null, resumedAt: null });
    } catch (e) {
      pushAlert('error', `Discarding the run failed: ${message(e)}`);
    }
  });
  if (!done) set({ error: TRAINING_ELSEWHERE });
}

export function exportTrainedBackbone(): Promise<void> {
  const id = get().record?.result?.backbone.id;
  return id ? exportBackbone(id) : Promise.resolve();
}

/** The run's own training images: the ones chosen in this page, or those stored with the run. */
export async function runImages(record: TrainRunRecord): Promise<File[]> {
  const stored = chosen.length === record.images.length ? chosen.map((f) => ({ name: f.name, data: f as Blob })) : await trainingStore().images(record);
  return stored.map((f) => (f.data instanceof File ? f.data : new File([f.data], f.name)));
}

/** Builds a profile from the run's own images on the fine-tuned backbone (the build form's request). */
export async function buildProfileFromRun(): Promise<void> {
  const record = get().record;
  const backbone = record?.result?.backbone;
  if (!record || !backbone) return;
  try {
    const files = await runImages(record);
    const meta = await buildProfile(files, { name: `${record.dataset} (${backbone.id})`, coresetRatio: DEFAULT_CORESET_RATIO, dtype: 'float32', backboneId: backbone.id });
    if (meta) set({ profile: { id: meta.id, name: meta.name } });
  } catch (e) {
    pushAlert('error', `Building the profile failed: ${message(e)}`);
  }
}
