import { describe, expect, it } from 'vitest';
import { FpsMeter } from './fps-meter';
import { FrameScheduler } from './frame-scheduler';
import { mapRect } from './overlay';

function deferred<T>() {
  let resolve!: (v: T) => void, reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('FrameScheduler', () => {
  it('keeps at most one frame in flight and drops (never queues) the frames offered meanwhile', async () => {
    const jobs: { frame: number; d: ReturnType<typeof deferred<number>> }[] = [];
    const results: number[] = [];
    const dropped: number[] = [];
    const s = new FrameScheduler<number, number>(
      (frame) => {
        const d = deferred<number>();
        jobs.push({ frame, d });
        return d.promise;
      },
      (r) => results.push(r),
      undefined,
      (f) => dropped.push(f),
    );
    expect(s.offer(1)).toBe(true);
    expect(s.idle).toBe(false);
    for (let f = 2; f <= 10; f++) expect(s.offer(f)).toBe(false);
    expect(jobs.map((j) => j.frame)).toEqual([1]);
    expect(dropped).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10]);
    jobs[0].d.resolve(100);
    await flush();
    expect(results).toEqual([100]);
    // After completion nothing queued runs: the next job is the next frame offered, not frame 2.
    expect(jobs).toHaveLength(1);
    expect(s.idle).toBe(true);
    expect(s.offer(11)).toBe(true);
    expect(jobs.map((j) => j.frame)).toEqual([1, 11]);
    expect(s.stats).toEqual({ started: 2, completed: 1, failed: 0, dropped: 9 });
  });

  it('with a capacity of two, keeps two frames in flight (one per worker) and drops the rest', async () => {
    const jobs: { frame: number; d: ReturnType<typeof deferred<number>> }[] = [];
    const results: number[] = [];
    const s = new FrameScheduler<number, number>(
      (frame) => {
        const d = deferred<number>();
        jobs.push({ frame, d });
        return d.promise;
      },
      (r) => results.push(r),
      undefined,
      undefined,
      2,
    );
    expect(s.offer(1)).toBe(true);
    expect(s.idle).toBe(true);
    expect(s.offer(2)).toBe(true);
    expect(s.idle).toBe(false);
    expect(s.offer(3)).toBe(false);
    jobs[1].d.resolve(20);
    await flush();
    expect(s.idle).toBe(true);
    expect(s.offer(4)).toBe(true);
    expect(s.offer(5)).toBe(false);
    jobs[0].d.resolve(10);
    jobs[2].d.resolve(40);
    await flush();
    expect(results).toEqual([20, 10, 40]);
    expect(jobs.map((j) => j.frame)).toEqual([1, 2, 4]);
    expect(s.inFlight).toBe(false);
    expect(s.stats).toEqual({ started: 3, completed: 3, failed: 0, dropped: 2 });
  });

  it('frees the slot after a failure (sync throw or rejection) and reports it', async () => {
    const errors: unknown[] = [];
    let n = 0;
    const s = new FrameScheduler<number, number>(
      () => {
        n++;
        if (n === 1) throw new Error('sync');
        return Promise.reject(new Error('async'));
      },
      () => {},
      (e) => errors.push((e as Error).message),
    );
    s.offer(1);
    await flush();
    expect(s.idle).toBe(true);
    s.offer(2);
    await flush();
    expect(errors).toEqual(['sync', 'async']);
    expect(s.stats.failed).toBe(2);
  });

  it('ignores the in-flight result after stop and takes no frame', async () => {
    const d = deferred<number>();
    const results: number[] = [];
    const s = new FrameScheduler<number, number>(() => d.promise, (r) => results.push(r));
    s.offer(1);
    s.stop();
    d.resolve(5);
    await flush();
    expect(results).toEqual([]);
    expect(s.offer(2)).toBe(false);
  });
});

describe('FpsMeter', () => {
  it('measures a steady rate and the mean latency', () => {
    const m = new FpsMeter(2000);
    for (let t = 0; t <= 1000; t += 100) m.tick(t, 80);
    expect(m.fps(1000)).toBeCloseTo(10, 5);
    expect(m.latency(1000)).toBe(80);
  });

  it('is 0 with fewer than two frames, and forgets frames outside the window', () => {
    const m = new FpsMeter(1000);
    expect(m.fps(0)).toBe(0);
    m.tick(0, 10);
    expect(m.fps(0)).toBe(0);
    for (let t = 250; t <= 3000; t += 250) m.tick(t, 20);
    expect(m.fps(3000)).toBeCloseTo(4, 5);
    expect(m.latency(3000)).toBe(20);
  });

  it('falls when frames stop arriving instead of freezing at the last rate', () => {
    const m = new FpsMeter(5000);
    for (let t = 0; t <= 1000; t += 200) m.tick(t);
    expect(m.fps(1000)).toBeCloseTo(5, 5);
    expect(m.fps(3000)).toBeLessThan(2);
    expect(m.fps(7000)).toBe(0);
  });
});

describe('overlay geometry', () => {
  it('places the map over the centre 224/256 of the picture', () => {
    expect(mapRect(0, 0, 256, 256)).toEqual({ x: 16, y: 16, width: 224, height: 224 });
    const r = mapRect(10, 20, 640, 480);
    expect(r.x).toBeCloseTo(10 + 40);
    expect(r.y).toBeCloseTo(20 + 30);
    expect(r.width).toBeCloseTo(560);
    expect(r.height).toBeCloseTo(420);
  });
});
