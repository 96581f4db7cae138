/**
 * Which live camera frames go into the inspection log. Live scores several frames a second; logging each would
 * fill the log with near-copies of one part and cost a thumbnail per frame. A frame is logged when what the banner
 * says changes (the first frame of a session, the first fail after passes, the first pass after fails), and
 * otherwise once every LIVE_STEADY_MS while the verdict holds; never two within LIVE_MIN_GAP_MS (a verdict
 * flickering at the threshold logs at most one frame per gap). The thumbnail is taken from the frame before it goes
 * to the worker, and only while a frame could be logged (the gap has passed and the log is on).
 */
import type { ProfileMeta } from '../engine/profile/profile';
import type { Verdict } from '../engine/profile/verdict';
import { shrinkBitmap, thumbnailFromBitmap } from './history-thumbnail';
import { logEnabled, logJudged } from './inspection-logger';

export const LIVE_MIN_GAP_MS = 2_000;
export const LIVE_STEADY_MS = 30_000;

/** The rule above, over a clock in ms. */
export class LiveLogSampler {
  private lastAt = -Infinity;
  private lastVerdict: Verdict | null | undefined = undefined;

  /** Whether a frame judged at `now` could be logged at all. */
  eligible(now: number): boolean {
    return now - this.lastAt >= LIVE_MIN_GAP_MS;
  }

  /** Whether the frame judged at `now` with `verdict` is logged (and, if so, remembers it). */
  take(now: number, verdict: Verdict | null): boolean {
    if (!this.eligible(now)) return false;
    if (verdict === this.lastVerdict && now - this.lastAt < LIVE_STEADY_MS) return false;
    this.lastAt = now;
    this.lastVerdict = verdict;
    return true;
  }
}

export interface LiveFrameLog {
  /** A small copy of the frame when it could be logged (call before the bitmap is transferred), else null. */
  thumbnailOf(bitmap: ImageBitmap): Promise<ImageBitmap | null>;
  /** The frame was judged: logs it when the rule says so (encoding the thumbnail), else drops the thumbnail. */
  judged(frame: { score: number; verdict: Verdict | null }, thumb: ImageBitmap | null): void;
}

/** The log of one live session on one profile (revision). */
export function liveFrameLog(meta: ProfileMeta, now: () => number = () => performance.now()): LiveFrameLog {
  const sampler = new LiveLogSampler();
  return {
    async thumbnailOf(bitmap) {
      if (!logEnabled() || !sampler.eligible(now())) return null;
      return shrinkBitmap(bitmap).catch(() => null);
    },
    judged(frame, thumb) {
      if (!logEnabled() || !sampler.take(now(), frame.verdict)) {
        thumb?.close();
        return;
      }
      logJudged({
        source: 'live',
        fileName: `live frame ${new Date().toLocaleTimeString('en-GB')}`,
        profile: meta,
        threshold: meta.threshold.value,
        score: frame.score,
        regions: null,
        thumbnail: async () => (thumb ? thumbnailFromBitmap(thumb) : null),
      });
    },
  };
}
