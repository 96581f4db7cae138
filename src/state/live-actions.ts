/**
 * Live camera scoring: the Live view hands frames to a session on one profile, which loads the profile in the
 * worker once and scores each frame there ('score-frame', the bitmap transferred), judged against the profile's
 * threshold. When the worker no longer holds the profile (after a backend switch) it is loaded again and that
 * frame is lost: the error says so (`frameLostToReload`) and the next frame is scored as usual. Frames are sampled
 * into the inspection log (history-live.ts: on a change of verdict, else every 30 s).
 */
import { create } from 'zustand';
import type { ProfileMeta } from '../engine/profile/profile';
import { judge } from '../engine/profile/verdict';
import type { Judgement } from '../engine/profile/verdict';
import { EngineError } from '../worker-bridge';
import type { FrameScore } from '../worker-bridge/protocol';
import { ensureLoaded } from './actions';
import { useAppStore } from './app-store';
import type { AppState } from './app-store';
import { liveFrameLog } from './history-live';
import { engine } from './services';
import type { Engine } from './services';
import type { SecondEngine } from './second-engine';

/**
 * The profile the Live view judges with, chosen in the view: null follows the profile selected in the other views
 * (never silently another one: the demo's profile, say, only when the person picks it).
 */
export const useLiveStore = create<{ profileId: string | null }>()(() => ({ profileId: null }));

/** Chooses the Live view's profile (null: follow the selected profile). The selection elsewhere stays as it is. */
export function chooseLiveProfile(id: string | null): void {
  useLiveStore.setState({ profileId: id || null });
}

/** The Live view's profile: its own choice while that profile exists, else the selected one (null when none). */
export function liveProfileOf(s: AppState, choice: string | null): ProfileMeta | null {
  return s.profiles.find((p) => p.id === choice) ?? s.profiles.find((p) => p.id === s.selectedId) ?? null;
}

/** The Live view's profile, as a hook. */
export function useLiveProfile(): ProfileMeta | null {
  const choice = useLiveStore((s) => s.profileId);
  return useAppStore((s) => liveProfileOf(s, choice));
}

/** A scored frame: the worker's score and anomaly map, with the verdict and normalised score under the profile's threshold. */
export type LiveFrame = FrameScore & Judgement;

interface LiveSession {
  /** How many frames may be in flight: one per engine worker that scores (the page's, and the helper's). */
  readonly lanes: number;
  /** Scores one frame: `grab` is called once the profile is loaded, and its bitmap handed to a free worker. */
  score(grab: () => Promise<ImageBitmap>): Promise<LiveFrame>;
}

/** An engine worker that scores frames, with the key it holds the profile under. */
interface Lane {
  engine: Engine;
  load(force: boolean): Promise<string>;
  key: string | null;
  busy: boolean;
}

/**
 * Live scoring on `meta`: on the page's engine, and also on `helper` (a second worker, see second-engine.ts) when
 * given, each frame going to a worker that is free. A helper that cannot load the profile is dropped (that frame's
 * error says so) and the page's engine goes on alone.
 */
export function liveSession(meta: ProfileMeta, helper: SecondEngine | null = null): LiveSession {
  const lanes: Lane[] = [{ engine: engine(), load: (force) => ensureLoaded(meta.id, force), key: null, busy: false }];
  if (helper) lanes.push({ engine: helper.engine, load: (force) => helper.load(meta.id, force), key: null, busy: false });
  const log = liveFrameLog(meta);
  const prepare = async (lane: Lane): Promise<string> => {
    try {
      lane.key ??= await lane.load(false);
      return lane.key;
    } catch (e) {
      if (lane === lanes[0]) throw e;
      lanes.splice(lanes.indexOf(lane), 1);
      throw new Error(`The second engine worker could not load the profile (${(e as Error).message ?? String(e)}); frames are scored by one worker.`, { cause: e });
    }
  };
  return {
    get lanes() {
      return lanes.length;
    },
    async score(grab) {
      const lane = lanes.find((l) => !l.busy) ?? lanes[0];
      lane.busy = true;
      try {
        const key = await prepare(lane);
        const bitmap = await grab();
        const thumb = await log.thumbnailOf(bitmap);
        let r: FrameScore;
        try {
          r = await lane.engine.request('score-frame', { key, frame: { kind: 'bitmap', bitmap } }, { transfer: [bitmap] });
        } catch (e) {
          thumb?.close();
          if (frameLostToReload(e)) lane.key = await lane.load(true);
          throw e;
        }
        const frame = { ...r, ...judge(r.score, meta.threshold.value, meta.calibrationScores) };
        log.judged(frame, thumb);
        return frame;
      } finally {
        lane.busy = false;
      }
    },
  };
}

/** True for the error of a frame lost while the profile was loaded again: nothing to show, the next frame scores. */
export function frameLostToReload(e: unknown): boolean {
  return e instanceof EngineError && e.code === 'not-loaded';
}
