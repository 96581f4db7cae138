/**
 * Evaluation: a labelled folder (MVTec AD layout) read and checked (every test image and mask is read: a file that
 * is not a usable image is named as left out, never counted), then scored in the worker against the selected
 * profile, with progress, ETA and cancel; the worker computes the metrics as `eval` does and answers with per-image
 * scores only. An image opened from the table is scored again on its own ('score') for its heatmap and regions.
 */
import { isAbortError } from '../engine/progress';
import type { Progress } from '../engine/progress';
import { imageProblem } from '../engine/image/check';
import { readLayout } from '../engine/data/mvtec-layout';
import type { SkippedImage } from '../engine/patchcore/memory-bank';
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
let reads = 0;
let opened = 0;

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Enough of a file to know whether it is a usable image (its header; an empty file is empty). */
const HEADER_BYTES = 256 * 1024;

/** Why `file` is not a usable image, or null. */
export async function fileProblem(file: Blob): Promise<string | null> {
  return imageProblem(new Uint8Array(await file.slice(0, HEADER_BYTES).arrayBuffer()));
}

/**
 * Reads what was dropped or picked as one MVTec AD folder and checks every test image and mask by its bytes: those
 * that are not usable images are left out and named (in the layout's `ignored`); says why when it is not a folder to
 * evaluate. A folder chosen while the previous one is still being read replaces it.
 */
export async function chooseEvaluationFolder(picked: readonly PickedFile[]): Promise<void> {
  if (get().running) return;
  const read = ++reads;
  const files = picked.map((p) => ({ path: p.path, file: p.file }));
  const first = readLayout(files);
  set({ reading: true });
  const checked = [...first.items.map((i) => i.file), ...first.items.flatMap((i) => (i.mask ? [i.mask] : []))];
  const problems = await Promise.all(checked.map(fileProblem));
  if (read !== reads) return;
  const unusable = new Map<File, string>();
  checked.forEach((f, i) => {
    if (problems[i] !== null) unusable.set(f, problems[i]!);
  });
  const layout = unusable.size ? readLayout(files, unusable) : first;
  set({ layout, error: layout.problem, reading: false });
}

export function clearEvaluationFolder(): void {
  if (get().running) return;
  reads++;
  set({ layout: null, error: null, reading: false, detail: null });
}

/**
 * A skipped image's reason without its name in front (the worker's messages name the file; the views put the name
 * once before the reason): 'test/good/x.png: the file is empty' -> 'the file is empty'.
 */
export function skipReason(s: SkippedImage): string {
  if (!s.reason.startsWith(s.name)) return s.reason;
  const rest = s.reason.slice(s.name.length);
  // 'name (mask): reason' -> 'mask: reason'; 'name: reason' -> 'reason'.
  return rest.replace(/^\s*\(([^)]*)\):\s*/, '$1: ').replace(/^:\s*/, '') || s.reason;
}

async function readSet(): Promise<{ files: EvalFile[]; transfer: ArrayBuffer[] }> {
  const items = get().layout?.items ?? [];
  const files = await Promise.all(
    items.map(async (it) => ({ name: it.name, label: it.label, defect: it.defect, bytes: await it.file.arrayBuffer(), ...(it.mask ? { mask: await it.mask.arrayBuffer() } : {}) })),
  );
  return { files, transfer: files.flatMap((f) => (f.mask ? [f.bytes, f.mask] : [f.bytes])) };
}

/** Scores the folder against the selected profile (or the one named, e.g. by the Train view's before/after) in the worker. */
export async function runEvaluation(which?: string): Promise<void> {
  const { layout, running, reading } = get();
  const profileId = which ?? useAppStore.getState().selectedId;
  const profile = useAppStore.getState().profiles.find((p) => p.id === profileId);
  if (running || reading || !layout || layout.problem) return;
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
    const skipped = r.skipped.map((s) => ({ name: s.name, reason: skipReason(s) }));
    const run = { ...r, skipped, profileId, profileName: profile.name, backboneLabel: profile.backbone.label, threshold: profile.threshold.value, dataset, datasetKey: `${dataset}:${layout.items.length}`, at: new Date().toISOString() };
    set({ result: run, runs: withRun(get().runs, run), unexported: true, detail: null });
    if (skipped.length) pushAlert('error', `${skipped.length} image${skipped.length === 1 ? ' could not be scored and is' : 's could not be scored and are'} left out of the metrics: ${skipped.map((s) => `${s.name}: ${s.reason}`).join('; ')}`);
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

/**
 * Opens an image of the last result (null closes it): its file from the folder read is scored again on the evaluated
 * profile ('score', as Inspect does) for the heatmap, the patch scores and what the model saw.
 */
export async function openEvaluationImage(name: string | null): Promise<void> {
  const ticket = ++opened;
  if (name === null) {
    set({ detail: null });
    return;
  }
  const { result, layout } = get();
  const file = layout?.items.find((i) => i.name === name)?.file;
  const fail = (error: string) => {
    if (ticket === opened) set({ detail: { name, status: 'error', error } });
  };
  set({ detail: { name, status: 'scoring' } });
  if (!result || !useAppStore.getState().profiles.some((p) => p.id === result.profileId)) return fail(`${name}: the evaluated profile no longer exists.`);
  if (!file) return fail(`${name}: choose the folder again to see this image.`);
  try {
    const bytes = await file.arrayBuffer();
    let key = await ensureLoaded(result.profileId);
    let r;
    try {
      r = await engine().request('score', { key, file: { name, bytes: bytes.slice(0) } });
    } catch (e) {
      if (!(e instanceof EngineError && e.code === 'not-loaded')) throw e;
      key = await ensureLoaded(result.profileId, true);
      r = await engine().request('score', { key, file: { name, bytes } }, { transfer: [bytes] });
    }
    if (ticket === opened) set({ detail: { name, status: 'done', result: r } });
  } catch (e) {
    const text = message(e);
    fail(text.includes(name) ? text : `${name}: ${text}`);
  }
}
