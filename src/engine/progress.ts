/** Progress of a long task: which stage, how far, and an estimate of the time left. */
export interface Progress {
  stage: string;
  done: number;
  total: number;
  fraction: number;
  /** Seconds left in this stage, once there is enough to estimate from. */
  etaSeconds: number | null;
}

export type ProgressListener = (p: Progress) => void;

/** Returns a reporter for one stage that computes the fraction and ETA from elapsed time. */
export function stageReporter(stage: string, total: number, listener?: ProgressListener, now: () => number = () => performance.now()) {
  const started = now();
  return (done: number) => {
    if (!listener) return;
    const fraction = total > 0 ? Math.min(1, done / total) : 1;
    const elapsed = (now() - started) / 1000;
    const etaSeconds = done > 0 && fraction < 1 ? (elapsed / fraction) * (1 - fraction) : fraction >= 1 ? 0 : null;
    listener({ stage, done, total, fraction, etaSeconds });
  };
}

export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new DOMException('the task was cancelled', 'AbortError');
}

export function isAbortError(e: unknown): boolean {
  return e instanceof Error && e.name === 'AbortError';
}
