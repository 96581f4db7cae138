/**
 * Proof that fine-tuning helped, from the Train view once a run has ended: a labelled folder (MVTec AD layout, read
 * and checked as the Evaluate view reads it) and two profiles from the run's own training images, one on the base
 * backbone and one on the fine-tuned backbone (built as "Build a profile with it" builds, or reused when they
 * exist), both evaluated on it by the Evaluate view's actions (so the Evaluate view shows them side by side), then
 * the verdict (train-proof-verdict.ts). Cancellable at every step. No tfjs here.
 */
import type { ProfileMeta } from '../engine/profile/profile';
import { DEFAULT_CORESET_RATIO } from '../engine/patchcore/defaults';
import { buildProfile, cancelBuild } from './actions';
import { useAppStore } from './app-store';
import { cancelEvaluation, chooseEvaluationFolder, runEvaluation } from './evaluate-actions';
import { useEvaluateStore } from './evaluate-store';
import type { PickedFile } from './inspect-actions';
import { runImages } from './train-actions';
import type { ProofState } from './train-proof-verdict';
import { proofVerdict } from './train-proof-verdict';
import { useTrainStore } from './train-store';

const setProof = (patch: Partial<ProofState>) => useTrainStore.setState((s) => ({ proof: { ...s.proof, ...patch } }));
let cancelled = false;

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** The labelled folder to evaluate on (shared with the Evaluate view). */
export async function chooseProofFolder(picked: readonly PickedFile[]): Promise<void> {
  if (useTrainStore.getState().proof.status === 'running') return;
  await chooseEvaluationFolder(picked);
  const layout = useEvaluateStore.getState().layout;
  setProof({ status: 'idle', error: layout?.problem ?? null, verdict: null });
}

/** The profile named `name` on `backboneId`, or one built from `files` under that name. */
async function profileFor(name: string, backboneId: string, files: File[]): Promise<ProfileMeta> {
  const existing = useAppStore.getState().profiles.find((p) => p.name === name && p.backbone.id === backboneId);
  if (existing) return existing;
  const meta = await buildProfile(files, { name, coresetRatio: DEFAULT_CORESET_RATIO, dtype: 'float32', backboneId });
  if (cancelled) throw new DOMException('cancelled', 'AbortError');
  if (!meta) throw new Error(`the profile "${name}" could not be built${useAppStore.getState().profiles.some((p) => p.name === name) ? ' (a profile of that name exists on another backbone: rename it)' : ''}`);
  return meta;
}

/** Evaluates the labelled folder with one profile; its result, or why there is none. */
async function evaluate(profile: ProfileMeta) {
  const before = useEvaluateStore.getState().result;
  await runEvaluation(profile.id);
  if (cancelled) throw new DOMException('cancelled', 'AbortError');
  const { result, error } = useEvaluateStore.getState();
  if (!result || result === before || result.profileId !== profile.id) throw new Error(error ?? `"${profile.name}" was not evaluated`);
  return result;
}

/** Builds (or reuses) the two profiles, evaluates both on the chosen folder, and states whether the new backbone is better. */
export async function proveRun(): Promise<void> {
  const { record, running, proof } = useTrainStore.getState();
  const tuned = record?.status === 'done' ? record.result?.backbone : undefined;
  if (!record || !tuned || running || proof.status === 'running') return;
  const layout = useEvaluateStore.getState().layout;
  if (!layout || layout.problem) {
    setProof({ status: 'error', error: layout?.problem ?? 'Choose a labelled folder first (MVTec AD layout: test/good, test/<defect>, optionally ground_truth/<defect> masks).', verdict: null });
    return;
  }
  cancelled = false;
  const baseName = `${record.dataset} (${record.backboneId})`;
  const tunedName = `${record.dataset} (${tuned.id})`;
  try {
    setProof({ status: 'running', error: null, verdict: null, phase: 'build', step: `Building the profile on ${record.backboneLabel} (1 of 4)` });
    const files = await runImages(record);
    const base = await profileFor(baseName, record.backboneId, files);
    setProof({ step: `Building the profile on ${tuned.label} (2 of 4)` });
    const after = await profileFor(tunedName, tuned.id, files);
    useTrainStore.setState({ profile: { id: after.id, name: after.name } });
    setProof({ phase: 'evaluate', step: `Evaluating "${baseName}" on "${layout.root || 'the folder'}" (3 of 4)` });
    const r0 = await evaluate(base);
    setProof({ step: `Evaluating "${tunedName}" on "${layout.root || 'the folder'}" (4 of 4)` });
    const r1 = await evaluate(after);
    setProof({ status: 'done', step: undefined, phase: undefined, verdict: proofVerdict(r0.metrics, r1.metrics, r1.dataset, { base: baseName, tuned: tunedName }) });
  } catch (e) {
    const stopped = cancelled || (e instanceof Error && e.name === 'AbortError');
    setProof({ status: stopped ? 'idle' : 'error', step: undefined, phase: undefined, error: stopped ? null : `Comparing the backbones failed: ${message(e)}` });
  }
}

export function cancelProof(): void {
  if (useTrainStore.getState().proof.status !== 'running') return;
  cancelled = true;
  cancelBuild();
  cancelEvaluation();
}
