/**
 * Frames per second over a sliding time window, and the mean latency of the same frames. Pure: times
 * are passed in (performance.now() in the app), so tests control the clock.
 */
export class FpsMeter {
  private readonly times: number[] = [];
  private readonly latencies: number[] = [];

  constructor(private readonly windowMs = 2000) {}

  /** Records a completed frame at time `now` (ms) that took `latencyMs` from grab to result. */
  tick(now: number, latencyMs = 0): void {
    this.times.push(now);
    this.latencies.push(latencyMs);
    this.prune(now);
  }

  private prune(now: number): void {
    while (this.times.length && now - this.times[0] > this.windowMs) {
      this.times.shift();
      this.latencies.shift();
    }
  }

  /** Frames per second at time `now`: completed frames in the window over the span they cover; 0 with fewer than 2. */
  fps(now: number): number {
    this.prune(now);
    const n = this.times.length;
    if (n < 2) return 0;
    // n frames give n - 1 intervals; when the wait since the last frame is longer than a mean interval
    // (frames stopped or slowed down), that wait counts too, so the figure falls instead of freezing.
    const span = this.times[n - 1] - this.times[0];
    const gap = now - this.times[n - 1];
    const effective = gap > span / (n - 1) ? span + gap : span;
    return effective > 0 ? (n - 1) / (effective / 1000) : 0;
  }

  /** Mean latency (ms) of the frames in the window; null when there are none. */
  latency(now: number): number | null {
    this.prune(now);
    if (!this.latencies.length) return null;
    return this.latencies.reduce((a, b) => a + b, 0) / this.latencies.length;
  }

  reset(): void {
    this.times.length = 0;
    this.latencies.length = 0;
  }
}
