/**
 * Runs up to `capacity` frame jobs at a time (one per engine worker) and never queues: a frame offered while all
 * are in flight is dropped (counted), so the live view always scores the newest frame the backend can take.
 * Pure; no DOM.
 */
interface FrameSchedulerStats {
  started: number;
  completed: number;
  failed: number;
  dropped: number;
}

export class FrameScheduler<T, R> {
  private running = 0;
  private stopped = false;
  readonly stats: FrameSchedulerStats = { started: 0, completed: 0, failed: 0, dropped: 0 };

  constructor(
    private readonly run: (frame: T) => Promise<R>,
    private readonly onResult: (result: R, frame: T) => void,
    private readonly onError: (error: unknown, frame: T) => void = () => {},
    /** Called with a frame that was not taken (e.g. to close an ImageBitmap). */
    private readonly onDrop: (frame: T) => void = () => {},
    /** Jobs that may run at once. */
    private readonly capacity = 1,
  ) {}

  /** True when a frame offered now would be taken. Check it before grabbing a frame, to skip the grab. */
  get idle(): boolean {
    return this.running < this.capacity && !this.stopped;
  }

  get inFlight(): boolean {
    return this.running > 0;
  }

  /** Takes the frame when idle (returns true), otherwise drops it (returns false). */
  offer(frame: T): boolean {
    if (!this.idle) {
      this.stats.dropped++;
      this.onDrop(frame);
      return false;
    }
    this.running++;
    this.stats.started++;
    let job: Promise<R>;
    try {
      job = this.run(frame);
    } catch (e) {
      job = Promise.reject(e);
    }
    job.then(
      (r) => {
        this.running--;
        this.stats.completed++;
        if (!this.stopped) this.onResult(r, frame);
      },
      (e) => {
        this.running--;
        this.stats.failed++;
        if (!this.stopped) this.onError(e, frame);
      },
    );
    return true;
  }

  /** No more frames are taken and the result of a job in flight is ignored. */
  stop(): void {
    this.stopped = true;
  }

  resume(): void {
    this.stopped = false;
  }
}
