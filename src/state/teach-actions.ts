/**
 * Teaching a profile from the views: an operator marks an image as good (in Inspect, Evaluate or Live), the engine
 * teaches the loaded profile in the worker ('teach') and the answer is kept as a proposal, NOT saved, so the view
 * shows what would change (threshold before -> after, bank rows added). Saving writes it as a new revision
 * (ProfileStore.save, atomic), loads it into the worker again, refreshes the profile list and re-judges what is on
 * screen; the revision before is kept in memory, and Undo saves it back (the same bank bytes) as a new revision.
 * Either step refuses when the stored profile changed meanwhile; any failure leaves the stored profile as it was.
 */
import type { ProfileMeta } from '../engine/profile/profile';
import { judge } from '../engine/profile/verdict';
import { isAbortError } from '../engine/progress';
import type { Progress } from '../engine/progress';
import { EngineError } from '../worker-bridge';
import type { FileBytes, StoredBank, TeachResult } from '../worker-bridge/protocol';
import { ensureLoaded, refreshProfiles } from './actions';
import { useAppStore } from './app-store';
import { profileChanged } from './inspect-actions';
import { logTaught } from './inspection-logger';
import { engine, profileStore } from './services';
import type { TeachProposal, TeachSource } from './teach-store';
import { useTeachStore } from './teach-store';

const set = useTeachStore.setState;
const get = useTeachStore.getState;

/** The taught profile answered by the engine, waiting for Save; `baseKey` names the revision it was taught from. */
let pending: { profileId: string; meta: ProfileMeta; bank: StoredBank; baseKey: string; files: File[] } | null = null;
/** The revision before the last save, for Undo; `savedAt` is the saved revision's updatedAt. */
let previous: { profileId: string; meta: ProfileMeta; bank: StoredBank; savedAt: string; files: File[] } | null = null;
let controller: AbortController | null = null;

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The key `ensureLoaded` gives a stored revision: its bank key and its updatedAt. */
function revisionKey(record: { bankKey: string; meta: ProfileMeta }): string {
  return `${record.bankKey}|${record.meta.updatedAt}`;
}

async function readFiles(files: readonly File[], names: readonly string[]): Promise<FileBytes[]> {
  return Promise.all(files.map(async (f, i) => ({ name: names[i], bytes: await f.arrayBuffer() })));
}

/** Runs 'teach' on the profile as loaded in the worker (sent again when the worker no longer holds it). */
async function teachInWorker(profileId: string, files: readonly File[], names: readonly string[], signal: AbortSignal): Promise<{ result: TeachResult; key: string }> {
  const onProgress = (progress: Progress) => set({ progress });
  let key = await ensureLoaded(profileId);
  let bytes = await readFiles(files, names);
  try {
    return { result: await engine().request('teach', { key, files: bytes }, { signal, onProgress, transfer: bytes.map((b) => b.bytes) }), key };
  } catch (e) {
    if (!(e instanceof EngineError && e.code === 'not-loaded')) throw e;
    key = await ensureLoaded(profileId, true);
    bytes = await readFiles(files, names);
    return { result: await engine().request('teach', { key, files: bytes }, { signal, onProgress, transfer: bytes.map((b) => b.bytes) }), key };
  }
}

export interface TeachOptions {
  /** The view the images were marked in: the Teach panel shows there. */
  source?: TeachSource;
  /** The images' names in messages and in the profile (e.g. their paths); default: the files' names. */
  names?: string[];
}

/** Teaches `files` (marked good) to the profile in the worker and keeps the answer as a proposal; nothing is saved. */
export async function proposeTeach(profileId: string, files: File[], options: TeachOptions = {}): Promise<boolean> {
  const { status } = get();
  if (status === 'teaching' || status === 'saving' || status === 'undoing') return false;
  const meta = useAppStore.getState().profiles.find((p) => p.id === profileId);
  const source = options.source ?? 'inspect';
  pending = null;
  previous = null;
  const names = files.map((f, i) => options.names?.[i] ?? f.name);
  if (!meta || files.length === 0) {
    set({ status: 'idle', source, names, progress: null, proposal: null, notice: null, error: meta ? 'Mark an image as good first.' : 'Select a profile before teaching it.' });
    return false;
  }
  controller = new AbortController();
  set({ status: 'teaching', source, names, progress: null, proposal: null, error: null, notice: null });
  try {
    const { result, key } = await teachInWorker(profileId, files, names, controller.signal);
    pending = { profileId, meta: result.meta, bank: result.bank, baseKey: key, files };
    const proposal: TeachProposal = {
      profileId,
      profileName: meta.name,
      taught: result.taught,
      thresholdBefore: result.thresholdBefore,
      thresholdAfter: result.thresholdAfter,
      thresholdMethod: result.meta.threshold.method,
      bankBefore: result.meta.bank.size - result.taught.reduce((n, t) => n + t.rowsAdded, 0),
      bankAfter: result.meta.bank.size,
    };
    set({ status: 'proposed', progress: null, proposal });
    return true;
  } catch (e) {
    set({ status: 'idle', progress: null, error: isAbortError(e) ? null : `Teaching "${meta.name}" failed: ${message(e).replace(/\.$/, '')}. The profile was not changed.` });
    return false;
  } finally {
    controller = null;
  }
}

/** The scored image on the home page and the Inspect results follow the profile's new threshold. */
function rejudge(profileId: string): void {
  const meta = useAppStore.getState().profiles.find((p) => p.id === profileId);
  if (!meta) return;
  profileChanged(profileId);
  const { scoring } = useAppStore.getState();
  const r = scoring.result;
  if (r && r.profileId === profileId) {
    const t = meta.threshold.value;
    useAppStore.setState({ scoring: { ...scoring, result: { ...r, ...judge(r.score, t, meta.calibrationScores), threshold: t } } });
  }
}

/** After a save: the list read again, verdicts re-judged, the new revision loaded into the worker. */
async function afterSave(profileId: string): Promise<string | null> {
  await refreshProfiles();
  rejudge(profileId);
  try {
    await ensureLoaded(profileId, true);
    return null;
  } catch (e) {
    return `Saved, but loading it into the engine failed (it is loaded again when next used): ${message(e)}`;
  }
}

/** The stored revision, refused (saying `then`) when it does not match: another save changed the profile meanwhile. */
async function storedRevision(profileId: string, matches: (record: { bankKey: string; meta: ProfileMeta }) => boolean, then: string) {
  const stored = await profileStore().load(profileId);
  if (!matches(stored.record)) throw new Error(`"${stored.record.meta.name}" was changed since (saved again, renamed or re-thresholded); ${then}`);
  return stored;
}

/** Saves the proposal as a new revision of the profile, keeping the revision before for Undo. */
export async function confirmTeach(): Promise<boolean> {
  const p = pending;
  if (!p || get().status !== 'proposed') return false;
  set({ status: 'saving', error: null });
  let before;
  try {
    before = await storedRevision(p.profileId, (r) => revisionKey(r) === p.baseKey && r.meta.name === p.meta.name, 'mark the image as good again');
    await profileStore().save(p.meta, p.bank);
  } catch (e) {
    set({ status: 'proposed', error: `Saving the taught profile failed: ${message(e)}` });
    return false;
  }
  pending = null;
  previous = { profileId: p.profileId, meta: before.record.meta, bank: before.bank, savedAt: p.meta.updatedAt, files: p.files };
  logTaught(p.files, true);
  const problem = await afterSave(p.profileId);
  set({ status: 'saved', error: problem });
  return true;
}

/** Drops the proposal (or stops the teaching under way); nothing was saved. */
export function cancelTeach(): void {
  controller?.abort();
  pending = null;
  set({ status: 'idle', proposal: null, progress: null, error: null, notice: null });
}

/** Saves the revision before the last teaching back, as a new revision: the same meta and the same bank bytes. */
export async function undoTeach(): Promise<boolean> {
  const prev = previous;
  if (!prev || get().status !== 'saved') return false;
  set({ status: 'undoing', error: null });
  try {
    await storedRevision(prev.profileId, (r) => r.meta.updatedAt === prev.savedAt && r.meta.name === prev.meta.name, 'nothing was undone');
    await profileStore().save({ ...prev.meta, updatedAt: new Date().toISOString() }, prev.bank);
  } catch (e) {
    set({ status: 'saved', error: `Undo failed: ${message(e)}` });
    return false;
  }
  previous = null;
  logTaught(prev.files, false);
  const problem = await afterSave(prev.profileId);
  const t = prev.meta.threshold.value;
  set({ status: 'undone', proposal: null, error: problem, notice: `Undone: "${prev.meta.name}" is back to ${prev.meta.bank.size} bank rows, threshold ${t === null ? 'none' : t.toPrecision(4)}.` });
  return true;
}

/** Closes the panel after a save or an undo (Undo is then no longer offered). */
export function dismissTeach(): void {
  if (get().status === 'teaching' || get().status === 'saving' || get().status === 'undoing') return;
  pending = null;
  previous = null;
  set({ status: 'idle', proposal: null, error: null, notice: null, source: null });
}
