/**
 * What goes into the inspection log, and when. Each judged image becomes an entry with a key (its time and a
 * sequence number) at once; entries wait in a queue and are written together, in one IndexedDB transaction, every
 * FLUSH_MS or as soon as FLUSH_AT wait, so inspecting keeps its pace (thumbnails are made meanwhile, off the scoring
 * path). Writes run one after another; a write that fails (quota) changes nothing stored, drops its batch and shows
 * one alert until a write succeeds again. Corrections (a label set in Inspect, an image taught as good or that
 * undone) find their entry through the image's File: in the queue they patch it there, else they are written after
 * the writes before them. With the log turned off nothing is queued or written.
 */
import type { Label } from '../engine/data/labels';
import type { ProfileMeta } from '../engine/profile/profile';
import type { DefectRegion } from '../engine/profile/regions';
import { judge } from '../engine/profile/verdict';
import { InspectionLog, LOG_DB_NAME, LOG_STORE_NAME, logKey } from '../storage/inspection-log';
import type { LogCorrection, NewLogEntry } from '../storage/inspection-log';
import { idbStore } from '../storage/kv';
import type { ScoreResult } from '../worker-bridge/protocol';
import { storageEstimate } from '../storage/profile-store';
import { pushAlert } from './app-store';
import { useHistoryStore } from './history-store';
import { thumbnailFromFile, thumbnailFromRgb } from './history-thumbnail';
import { itemRegions } from './inspect-results';

export const FLUSH_MS = 500;
export const FLUSH_AT = 32;

let log: InspectionLog | null = null;

/** The log's store (its own IndexedDB database), created on first use. */
export function logStore(): InspectionLog {
  log ??= new InspectionLog(idbStore(LOG_DB_NAME, LOG_STORE_NAME), storageEstimate);
  return log;
}

/** Tests only: the log on another store (e.g. an InspectionLog over a MemoryStore); the queue starts empty. */
export function setInspectionLogForTest(store: InspectionLog): void {
  log = store;
  queue = [];
  refs = new WeakMap();
  if (timer) clearTimeout(timer);
  timer = null;
  failing = false;
  chain = Promise.resolve();
}

interface Queued {
  entry: Omit<NewLogEntry, 'thumbnail'>;
  thumbnail: Promise<Blob | null>;
}

let queue: Queued[] = [];
let refs = new WeakMap<object, string>();
let timer: ReturnType<typeof setTimeout> | null = null;
let chain: Promise<unknown> = Promise.resolve();
let failing = false;

/** Whether judged images are logged: the setting is on and there is somewhere to keep them (IndexedDB, or a test's store). */
export function logEnabled(): boolean {
  return useHistoryStore.getState().settings.enabled && (log !== null || typeof indexedDB !== 'undefined');
}

let hideHooked = false;

/** Leaving the page writes what is queued (best effort: the browser may end the page first). */
function flushOnHide(): void {
  if (hideHooked || typeof window === 'undefined') return;
  hideHooked = true;
  window.addEventListener('pagehide', () => void flushLog());
}

/** What one judged image brings to the log. */
export interface LogInput {
  source: 'inspect' | 'live';
  fileName: string;
  profile: ProfileMeta;
  /** The threshold the verdict shown was judged at (the slider's while one is tried). */
  threshold: number | null;
  score: number;
  /** The defect regions shown (largest first), or null when not known. */
  regions: DefectRegion[] | null;
  /** Makes the thumbnail (started at once; a failure leaves the entry without one). */
  thumbnail: () => Promise<Blob | null>;
  /** The image's File (or any object standing for it), for corrections. */
  ref?: object;
  at?: Date;
}

/** Queues an entry for a judged image; returns its key, or null when the log is off. */
export function logJudged(input: LogInput): string | null {
  if (!logEnabled()) return null;
  const at = input.at ?? new Date();
  const key = logKey(at);
  const { verdict, normalized } = judge(input.score, input.threshold, input.profile.calibrationScores);
  const largest = input.regions?.[0];
  const entry: Queued['entry'] = {
    key,
    at: at.toISOString(),
    source: input.source,
    fileName: input.fileName,
    profile: { id: input.profile.id, name: input.profile.name, revision: input.profile.updatedAt },
    verdict,
    threshold: input.threshold,
    score: { raw: input.score, normalized },
    regions: input.regions ? { count: input.regions.length, largestArea: largest?.area ?? 0, largestPercent: largest?.areaPercent ?? 0, list: input.regions } : null,
    correction: null,
  };
  const thumbnail = Promise.resolve()
    .then(input.thumbnail)
    .catch(() => null);
  queue.push({ entry, thumbnail });
  flushOnHide();
  if (input.ref) refs.set(input.ref, key);
  if (queue.length >= FLUSH_AT) void flushLog();
  else timer ??= setTimeout(() => void flushLog(), FLUSH_MS);
  return key;
}

/** Writes what is queued now (after the writes before it); resolves when written or dropped. */
export function flushLog(): Promise<void> {
  if (timer) clearTimeout(timer);
  timer = null;
  const batch = queue;
  queue = [];
  if (batch.length === 0) return chain.then(() => undefined);
  const done = chain.then(async () => {
    const thumbs = await Promise.all(batch.map((q) => q.thumbnail));
    const { maxEntries, maxDays } = useHistoryStore.getState().settings;
    try {
      await logStore().append(batch.map((q, i) => ({ ...q.entry, thumbnail: thumbs[i] })), { maxEntries, maxDays });
      failing = false;
      useHistoryStore.setState((s) => ({ written: s.written + 1 }));
    } catch (e) {
      if (!failing) {
        const n = batch.length;
        pushAlert('error', `The inspection log could not save ${n} entr${n === 1 ? 'y' : 'ies'}: ${e instanceof Error ? e.message : String(e)} The log kept so far is unchanged and inspecting goes on; lower the log's retention or clear it in History to make room.`);
      }
      failing = true;
    }
  });
  chain = done;
  return done;
}

/** Records a correction on the entries of these images (those logged in this page). */
function correct(images: readonly (object | undefined)[], patch: Omit<LogCorrection, 'at'>): void {
  const keys = images.map((f) => (f ? refs.get(f) : undefined)).filter((k): k is string => Boolean(k));
  if (keys.length === 0) return;
  const at = new Date().toISOString();
  const queued = new Set<string>();
  for (const q of queue)
    if (keys.includes(q.entry.key)) {
      q.entry = { ...q.entry, correction: { ...q.entry.correction, ...patch, at } };
      queued.add(q.entry.key);
    }
  const stored = keys.filter((k) => !queued.has(k));
  if (stored.length === 0) return;
  chain = chain.then(async () => {
    try {
      await logStore().correct(stored, patch);
      useHistoryStore.setState((s) => ({ written: s.written + 1 }));
    } catch (e) {
      pushAlert('error', `The correction could not be saved in the inspection log: ${e instanceof Error ? e.message : String(e)}`);
    }
  });
}

/** The operator set (or cleared) an image's label in Inspect. */
export function logLabel(image: object | undefined, label: Label | null): void {
  correct([image], { label });
}

/** Images were taught to their profile as good (saved), or that was undone (`taught` false). */
export function logTaught(images: readonly object[], taught: boolean): void {
  correct(images, { taughtGood: taught });
}

/** Resolves once everything queued so far, corrections included, is written (or dropped). */
export async function logSettled(): Promise<void> {
  await flushLog();
  await chain;
}

/** An image scored in Inspect, judged at the threshold shown, with the regions the results show (minArea applied). */
export function logInspected(file: File, name: string, profile: ProfileMeta | null, threshold: number | null, r: Pick<ScoreResult, 'score' | 'patches' | 'grid' | 'size' | 'preview'>): void {
  if (!profile || !logEnabled()) return;
  let regions: DefectRegion[] | null = null;
  try {
    regions = threshold === null ? null : itemRegions({ patches: r.patches, grid: r.grid, mapSize: r.size }, threshold, profile.regions?.minArea ?? 0);
  } catch {
    // malformed patch scores: logged without regions (the result itself is shown as it is)
  }
  const preview = r.preview;
  const thumbnail = () => (preview.length === r.size * r.size * 3 ? thumbnailFromRgb(preview, r.size) : thumbnailFromFile(file));
  logJudged({ source: 'inspect', fileName: name, profile, threshold, score: r.score, regions, thumbnail, ref: file });
}
