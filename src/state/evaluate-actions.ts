/**
 * Evaluation: a labelled folder (MVTec AD layout) scored in the worker against the selected profile,
 * with progress, ETA and cancel; the worker computes the metrics as `eval` does and answers with
 * per-image scores only.
 */
import { isAbortError } from '../engine/progress';
import type { Progress } from '../engine/progress';
import { readLayout } from '../engine/data/mvtec-layout';
import type { PickedFile } from './inspect-actions';
import { EngineError } from '../worker-bridge';
import type { EvalFile } from '../worker-bridge/protocol';
import { ensureLoaded } from './actions';
import { pushAlert, useAppStore } from './app-store';
import { useEvaluateStore, withRun } from './evaluate-store';
import { engine } from './services';

const set = useEvaluateStore.setState;
const get = useEvaluateStore.getState;
let controller: AbortController | null = null;

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Reads what was dropped or picked as one MVTec AD folder; says why when it is not one. */
export function chooseEvaluationFolder(picked: readonly PickedFile[]): void {
  if (get().running) return;
  const layout = readLayout(picked.map((p) => ({ path: p.path, file: p.file })));
  set({ layout, error: layout.problem });
}

export function clearEvaluationFolder(): void {
  if (!get().running) set({ layout: null, error: null });
}

async function readSet(): Promise<{ files: EvalFile[]; transfer: ArrayBuffer[] }> {
  const items = get().layout?.items ?? [];
  const files = await Promise.all(
    items.map(async (it) => ({ name: it.name, label: it.label, defect: it.defect, bytes: await it.file.arrayBuffer(), ...(it.mask ? { mask: await it.mask.arrayBuffer() } : {}) })),
  );
  return { files, transfer: files.flatMap((f) => (f.mask ? [f.bytes, f.mask] : [f.bytes])) };
}

/** Scores the folder against the selected profile in the worker. */
export async function runEvaluation(): Promise<void> {
  const { layout, running } = get();
  const profileId = useAppStore.getState().selectedId;
  const profile = useAppStore.getState().profiles.find((p) => p.id === profileId);
  if (running || !layout || layout.problem) return;
  if (!profileId || !profile) {
    pushAlert('error', 'Select or build a profile before evaluating.');
    return;
  }
  controller = new AbortController();
  const signal = controller.signal;
  set({ running: true, progress: null, startedAt: performance.now(), error: null });
  try {
    let key = await ensureLoaded(profileId);
    const onProgress = (progress: Progress) => set({ progress });
    let r;
    try {
      const { files, transfer } = await readSet();
      r = await engine().request('evaluate', { key, files }, { signal, onProgress, transfer });
    } catch (e) {
      if (!(e instanceof EngineError && e.code === 'not-loaded')) throw e;
      key = await ensureLoaded(profileId, true);
      const { files, transfer } = await readSet();
      r = await engine().request('evaluate', { key, files }, { signal, onProgress, transfer });
    }
    const dataset = layout.root || 'dataset';
    const run = { ...r, profileId, profileName: profile.name, backboneLabel: profile.backbone.label, threshold: profile.threshold.value, dataset, datasetKey: `${dataset}:${layout.items.length}`, at: new Date().toISOString() };
    set({ result: run, runs: withRun(get().runs, run) });
    if (r.skipped.length) pushAlert('error', `${r.skipped.length} image${r.skipped.length === 1 ? '' : 's'} could not be scored and are left out of the metrics: ${r.skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`);
  } catch (e) {
    if (isAbortError(e)) pushAlert('info', 'Evaluation cancelled.');
    else {
      set({ error: `Evaluation failed: ${message(e)}` });
      pushAlert('error', `Evaluation failed: ${message(e)}`);
    }
  } finally {
    controller = null;
    set({ running: false, startedAt: null });
  }
}

export function cancelEvaluation(): void {
  controller?.abort();
}
