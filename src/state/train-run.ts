/**
 * A training run as the page drives it: the 'train-start' request with its events (losses, samples, checkpoints
 * stored in IndexedDB one after the other), the result recorded, and pause / resume / cancel. Started or resumed from
 * train-actions.ts. No tfjs here.
 */
import { isAbortError } from '../engine/progress';
import type { TrainRunRecord } from '../storage/training-store';
import type { FileBytes, TrainEvent, TrainSettings } from '../worker-bridge/protocol';
import { pushAlert } from './app-store';
import { refreshBackbones } from './backbones';
import { engine, trainingStore } from './services';
import { planForRun } from './train-estimate';
import { useTrainStore } from './train-store';

const set = useTrainStore.setState;
const get = useTrainStore.getState;
let controller: AbortController | null = null;

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
const stageName = (stage: 1 | 2) => (stage === 1 ? 'I' : 'II');

/** "stage I, 3 of 10 epochs done" for a checkpoint position (stage 2 with 0 epochs = the end of stage I). */
export function describePosition(at: { stage: 1 | 2; epochsDone: number }, settings?: TrainSettings): string {
  if (at.stage === 2 && at.epochsDone === 0) return 'the end of stage I';
  const total = settings ? (at.stage === 1 ? settings.stage1Epochs : settings.stage2Epochs) : at.epochsDone;
  return `stage ${stageName(at.stage)}, ${at.epochsDone}${settings ? ` of ${total}` : ''} epoch${total === 1 ? '' : 's'} done`;
}

export async function toBytes(files: { name: string; data: Blob | ArrayBuffer }[]): Promise<FileBytes[]> {
  return Promise.all(files.map(async (f) => ({ name: f.name, bytes: f.data instanceof ArrayBuffer ? f.data.slice(0) : await f.data.arrayBuffer() })));
}

export async function run(record: TrainRunRecord, files: FileBytes[], textures: FileBytes[], resume: Blob[] | undefined): Promise<void> {
  controller = new AbortController();
  const signal = controller.signal;
  const atStart = { history: get().history, steps: get().steps };
  // Checkpoints are stored one after the other, in the order they come; the result waits for the last one.
  let saving: Promise<unknown> = Promise.resolve();
  const onEvent = (e: TrainEvent) => {
    switch (e.kind) {
      case 'start':
        set({ options: e.options, backend: e.backend, resumedAt: e.resumedAt, history: atStart.history, steps: atStart.steps, paused: false, runPlan: planForRun(e.options, e.images, e.backend, e.resumedAt) });
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
      { signal, onProgress: (progress) => set({ progress, progressAt: performance.now() }), onEvent, transfer },
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

