/**
 * ToCoAD fine-tuning from the page: the run is stored in IndexedDB (settings and images first, then a checkpoint
 * after every epoch, see src/storage/training-store.ts), trained in the worker ('train-start', with losses, samples
 * and checkpoints as events), paused/resumed/cancelled, resumed after a reload from the stored checkpoint, and its
 * result (a backbone the worker stored) exported or used to build a profile. No tfjs here.
 */
import { isAbortError } from '../engine/progress';
import type { TrainRunRecord } from '../storage/training-store';
import { newRunId } from '../storage/training-store';
import type { FileBytes, TrainEvent, TrainSettings } from '../worker-bridge/protocol';
import { buildProfile } from './actions';
import { pushAlert } from './app-store';
import { BUNDLED_BACKBONE, exportBackbone, refreshBackbones, useBackbones } from './backbones';
import type { PickedFile } from './inspect-actions';
import { engine, trainingStore } from './services';
import { useTrainStore } from './train-store';
import { TRAINING_ELSEWHERE, withTrainingLock } from './training-lock';
import { DEFAULT_CORESET_RATIO } from '../engine/patchcore/defaults';

const set = useTrainStore.setState;
const get = useTrainStore.getState;

/** The images chosen in this page (after a reload they come from IndexedDB). */
let chosen: File[] = [];
/** Anomaly source images chosen for the generator (optional). */
let chosenTextures: File[] = [];
let controller: AbortController | null = null;

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
const stageName = (stage: 1 | 2) => (stage === 1 ? 'I' : 'II');

/** "stage I, 3 of 10 epochs done" for a checkpoint position (stage 2 with 0 epochs = the end of stage I). */
export function describePosition(at: { stage: 1 | 2; epochsDone: number }, settings?: TrainSettings): string {
  if (at.stage === 2 && at.epochsDone === 0) return 'the end of stage I';
  const total = settings ? (at.stage === 1 ? settings.stage1Epochs : settings.stage2Epochs) : at.epochsDone;
  return `stage ${stageName(at.stage)}, ${at.epochsDone}${settings ? ` of ${total}` : ''} epoch${total === 1 ? '' : 's'} done`;
}

export function setTrainSettings(patch: Partial<TrainSettings>): void {
  set({ settings: { ...get().settings, ...patch } });
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

async function toBytes(files: { name: string; data: Blob | ArrayBuffer }[]): Promise<FileBytes[]> {
  return Promise.all(files.map(async (f) => ({ name: f.name, bytes: f.data instanceof ArrayBuffer ? f.data.slice(0) : await f.data.arrayBuffer() })));
}

/** Starts a new run on the chosen images (replacing any stored run). */
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

async function run(record: TrainRunRecord, files: FileBytes[], textures: FileBytes[], resume: Blob[] | undefined): Promise<void> {
  controller = new AbortController();
  const signal = controller.signal;
  const atStart = { history: get().history, steps: get().steps };
  // Checkpoints are stored one after the other, in the order they come; the result waits for the last one.
  let saving: Promise<unknown> = Promise.resolve();
  const onEvent = (e: TrainEvent) => {
    switch (e.kind) {
      case 'start':
        set({ options: e.options, backend: e.backend, resumedAt: e.resumedAt, history: atStart.history, steps: atStart.steps, paused: false });
        break;
      case 'step':
        set({ steps: [...get().steps, e.report] });
        break;
      case 'epoch':
        set({ history: [...get().history, e.report] });
        break;
      case 'samples':
        set({ samples: [...get().samples.filter((s) => s.stage !== e.stage), { stage: e.stage, epoch: e.epoch, samples: e.samples }] });
        break;
      case 'state':
        set({ paused: e.state === 'paused' });
        break;
      case 'checkpoint': {
        const losses = { history: get().history, steps: get().steps };
        const at = { stage: e.stage, epochsDone: e.epochsDone };
        saving = saving
          .then(() => trainingStore().saveCheckpoint(record.id, e.parts, at, losses))
          .then((r) => set({ record: r, checkpoint: r.checkpoint }))
          .catch((err) => pushAlert('error', `The checkpoint at ${describePosition(at)} could not be stored (the previous one is kept): ${message(err)}`));
        break;
      }
    }
  };
  try {
    const transfer = [...files, ...textures].map((f) => f.bytes);
    const result = await engine().request(
      'train-start',
      { settings: record.settings, backboneId: record.backboneId, files, ...(textures.length ? { textures } : {}), resume, dataset: record.dataset },
      { signal, onProgress: (progress) => set({ progress }), onEvent, transfer },
    );
    await saving;
    const done = await trainingStore()
      .finish(record.id, { backbone: result.backbone, seconds: result.seconds.total, backend: result.backend, textures: result.textures }, { history: result.history, steps: get().steps })
      .catch((e) => {
        pushAlert('error', `The finished run could not be recorded: ${message(e)}`);
        return { ...record, status: 'done' as const, result: { backbone: result.backbone, seconds: result.seconds.total, backend: result.backend } };
      });
    set({ record: done, history: result.history, checkpoint: null });
    await refreshBackbones();
    pushAlert('info', `Fine-tuned backbone "${result.backbone.label}" stored (${result.seconds.total.toFixed(0)} s on ${result.backend}).`);
  } catch (e) {
    await saving;
    const cp = get().checkpoint;
    const kept = cp ? ` The checkpoint at ${describePosition(cp, record.settings)} is kept: Resume continues from it.` : ' No epoch was finished, so Resume starts again from the beginning.';
    if (isAbortError(e)) {
      const r = await trainingStore().setStatus(record.id, 'stopped').catch(() => null);
      if (r) set({ record: r });
      pushAlert('info', `Training cancelled; no backbone was saved.${kept}`);
    } else {
      const text = `Training failed: ${message(e)}`;
      const r = await trainingStore().setStatus(record.id, 'failed', { error: text }).catch(() => null);
      if (r) set({ record: r });
      set({ error: text + (cp ? kept : '') });
    }
  } finally {
    controller = null;
    set({ running: false, pauseRequested: false, paused: false, progress: null });
  }
}

export async function pauseTraining(): Promise<void> {
  if (!get().running) return;
  set({ pauseRequested: true });
  await engine().request('train-pause', {});
}

export async function resumeTraining(): Promise<void> {
  set({ pauseRequested: false });
  await engine().request('train-resume', {});
}

export function cancelTraining(): void {
  controller?.abort();
}

/** Deletes the stored run (images and checkpoint); the fine-tuned backbone, if any, stays. */
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

/** Builds a profile from the run's own images on the fine-tuned backbone (the build form's request). */
export async function buildProfileFromRun(): Promise<void> {
  const record = get().record;
  const backbone = record?.result?.backbone;
  if (!record || !backbone) return;
  try {
    const stored = chosen.length === record.images.length ? chosen.map((f) => ({ name: f.name, data: f as Blob })) : await trainingStore().images(record);
    const files = stored.map((f) => (f.data instanceof File ? f.data : new File([f.data], f.name)));
    const meta = await buildProfile(files, { name: `${record.dataset} (${backbone.id})`, coresetRatio: DEFAULT_CORESET_RATIO, dtype: 'float32', backboneId: backbone.id });
    if (meta) set({ profile: { id: meta.id, name: meta.name } });
  } catch (e) {
    pushAlert('error', `Building the profile failed: ${message(e)}`);
  }
}
