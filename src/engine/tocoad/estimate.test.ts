import { describe, expect, it } from 'vitest';
import type { CalibrationTimes, PlanInput } from './estimate';
import { CalibrationRecorder, estimateTraining, LONG_RUN_SECONDS, microBatchesPerEpoch, remainingSeconds, shorterRuns } from './estimate';
import { Rng } from './rng';

/** What each piece of work costs on the simulated device (seconds; micro-batch costs per image). */
interface Costs {
  load: number;
  prepare: number;
  setup: number;
  stage: Record<1 | 2, { cold: number; perImage: number; perMicroBatch: number; opt: number; checkpoint: number }>;
  save: number;
}

const DEVICE: Costs = {
  load: 2.5,
  prepare: 0.12,
  setup: 0.8,
  stage: {
    1: { cold: 1.5, perImage: 0.35, perMicroBatch: 0.05, opt: 0.02, checkpoint: 0.6 },
    2: { cold: 4, perImage: 1.9, perMicroBatch: 0.1, opt: 0.3, checkpoint: 1.1 },
  },
  save: 1.4,
};

/**
 * A fake clock (milliseconds) and a simulated trainer that advances it as trainToCoAD's work would and calls the
 * recorder's hooks in the trainer's order; every micro-batch's time is jittered by up to +-`jitter`. Returns the
 * seconds the whole run took on the fake clock.
 */
function simulate(costs: Costs, p: PlanInput, jitter: number, seed: number, onClock?: (now: () => number) => CalibrationRecorder): { seconds: number; rec?: CalibrationRecorder } {
  let ms = 1_000_000;
  const now = () => ms;
  const rng = new Rng(seed);
  const spend = (s: number) => (ms += s * 1000);
  const rec = onClock?.(now);
  const t0 = ms;
  spend(costs.load);
  rec?.loaded();
  for (let i = 0; i < p.images; i++) {
    spend(costs.prepare);
    rec?.progress({ stage: 'prepare', done: i + 1, total: p.images });
  }
  spend(costs.setup);
  for (const stage of [1, 2] as const) {
    const epochs = stage === 1 ? p.stage1Epochs : p.stage2Epochs;
    if (epochs === 0) continue;
    const c = costs.stage[stage];
    rec?.stageStart(stage);
    let first = true;
    let seen = 0;
    for (let e = 0; e < epochs; e++) {
      const batchSize = stage === 1 ? p.stage1BatchSize : p.batchSize;
      for (let b = 0; b < p.images; b += batchSize) {
        const batch = Math.min(batchSize, p.images - b);
        for (let m = 0; m < batch; m += p.microBatch) {
          const k = Math.min(p.microBatch, batch - m);
          spend(((first ? c.cold : 0) + c.perMicroBatch + k * c.perImage) * (1 + jitter * (2 * rng.next() - 1)));
          first = false;
          seen += k;
          rec?.progress({ stage: stage === 1 ? 'stage I' : 'stage II', done: seen, total: epochs * p.images });
        }
        spend(c.opt);
        rec?.step(stage);
      }
      rec?.epoch(stage);
      spend(c.checkpoint);
      rec?.checkpoint();
    }
  }
  const ts = ms;
  spend(costs.save);
  rec?.saved(ms - ts);
  return { seconds: (ms - t0) / 1000, rec };
}

/** The calibration as workers/training/estimate.ts runs it: two micro-batches of the settings' size, one epoch per stage. */
function calibrate(costs: Costs, p: PlanInput, seed: number): CalibrationTimes {
  const cal = { images: 2 * p.microBatch, stage1BatchSize: 2 * p.microBatch, batchSize: 2 * p.microBatch, microBatch: p.microBatch, stage1Epochs: p.stage1Epochs > 0 ? 1 : 0, stage2Epochs: p.stage2Epochs > 0 ? 1 : 0 };
  return simulate(costs, cal, 0.15, seed, (now) => new CalibrationRecorder(now)).rec!.result();
}

const TINY: PlanInput = { images: 2, stage1BatchSize: 2, batchSize: 2, microBatch: 2, stage1Epochs: 1, stage2Epochs: 1 };

describe('the training estimate (fake clock)', () => {
  it('counts micro-batches per epoch with short last batches and micro-batches', () => {
    expect(microBatchesPerEpoch(2, 2, 2)).toBe(1);
    expect(microBatchesPerEpoch(18, 16, 2)).toBe(8 + 1);
    expect(microBatchesPerEpoch(5, 2, 2)).toBe(3);
    expect(microBatchesPerEpoch(7, 4, 3)).toBe(2 + 1);
    expect(microBatchesPerEpoch(0, 16, 2)).toBe(0);
  });

  it('reads the calibration run: load, per-image preparation, setup, cold and warm micro-batch, step, checkpoint, save', () => {
    const c = simulate(DEVICE, { ...TINY, images: 4, stage1BatchSize: 4, batchSize: 4 }, 0, 1, (now) => new CalibrationRecorder(now)).rec!.result();
    expect(c.load).toBeCloseTo(2.5, 6);
    expect(c.preparePerImage).toBeCloseTo(0.12, 6);
    expect(c.setup).toBeCloseTo(0.8, 6);
    expect(c.stage1).toMatchObject({ firstMicroBatch: expect.closeTo(1.5 + 0.05 + 0.7, 6), microBatch: expect.closeTo(0.75, 6), optimizerStep: expect.closeTo(0.02, 6), checkpoint: expect.closeTo(0.6, 6) });
    expect(c.stage2!.microBatch).toBeCloseTo(0.1 + 3.8, 6);
    expect(c.save).toBeCloseTo(1.4, 6);
  });

  it('is within a factor of 2 of the measured time of the tiny run (2 images, batch 2, one epoch per stage), and of longer runs', () => {
    const plans: PlanInput[] = [TINY, { images: 18, stage1BatchSize: 16, batchSize: 16, microBatch: 2, stage1Epochs: 10, stage2Epochs: 5 }, { images: 5, stage1BatchSize: 2, batchSize: 2, microBatch: 1, stage1Epochs: 4, stage2Epochs: 2 }, { ...TINY, stage2Epochs: 0 }];
    for (const [i, plan] of plans.entries()) {
      for (const seed of [1, 2, 3]) {
        const estimate = estimateTraining(calibrate(DEVICE, plan, seed), plan).total;
        const measured = simulate(DEVICE, plan, 0.3, 100 + seed).seconds;
        const ratio = estimate / measured;
        expect(ratio, `plan ${i}, seed ${seed}: estimated ${estimate.toFixed(1)} s, measured ${measured.toFixed(1)} s`).toBeGreaterThan(0.5);
        expect(ratio).toBeLessThan(2);
      }
    }
    // Without jitter the arithmetic is exact up to the optimiser step counted per batch.
    const plan = plans[1];
    const exact = estimateTraining(simulate(DEVICE, { images: 4, stage1BatchSize: 4, batchSize: 4, microBatch: 2, stage1Epochs: 1, stage2Epochs: 1 }, 0, 1, (now) => new CalibrationRecorder(now)).rec!.result(), plan);
    expect(exact.stage1).toMatchObject({ epochs: 10, steps: 2, microBatchesPerEpoch: 9 });
    expect(exact.total).toBeCloseTo(simulate(DEVICE, plan, 0, 1).seconds, 6);
  });

  it('counts each stage\'s steps with its own batch size', () => {
    const plan: PlanInput = { images: 18, stage1BatchSize: 2, batchSize: 16, microBatch: 2, stage1Epochs: 10, stage2Epochs: 5 };
    const c = simulate(DEVICE, { images: 4, stage1BatchSize: 4, batchSize: 4, microBatch: 2, stage1Epochs: 1, stage2Epochs: 1 }, 0, 1, (now) => new CalibrationRecorder(now)).rec!.result();
    const e = estimateTraining(c, plan);
    expect(e.stage1).toMatchObject({ epochs: 10, steps: 9, microBatchesPerEpoch: 9 });
    expect(e.stage2).toMatchObject({ epochs: 5, steps: 2, microBatchesPerEpoch: 9 });
    expect(e.total).toBeCloseTo(simulate(DEVICE, plan, 0, 1).seconds, 6);
  });

  it('updates the total as the run goes, at the running stage\'s measured rate', () => {
    const c = calibrate(DEVICE, TINY, 1);
    const e = estimateTraining(c, { ...TINY, images: 10, stage1Epochs: 4, stage2Epochs: 2 });
    expect(remainingSeconds(e, null)).toBe(e.total);
    // Stage I half done and running twice as slow as estimated: stage II is expected twice as slow too.
    const half = remainingSeconds(e, { stage: 'stage I', fraction: 0.5, etaSeconds: e.stage1!.seconds })!;
    expect(half).toBeCloseTo(e.stage1!.seconds + 2 * e.stage2!.seconds + e.fixed.save, 6);
    expect(remainingSeconds(e, { stage: 'stage II', fraction: 0.9, etaSeconds: 12 })).toBeCloseTo(12 + e.fixed.save, 6);
    expect(remainingSeconds(e, { stage: 'save', fraction: 1, etaSeconds: 0 })).toBe(0);
  });

  it('says what to change, with the numbers, when a run is over 30 min', () => {
    const plan = { images: 150, stage1BatchSize: 16, batchSize: 16, microBatch: 2, stage1Epochs: 10, stage2Epochs: 5, imageSize: 224 };
    const c = calibrate(DEVICE, plan, 1);
    const total = estimateTraining(c, plan).total;
    expect(total).toBeGreaterThan(LONG_RUN_SECONDS);
    const s = shorterRuns(c, plan);
    expect(s.map((x) => x.kind)).toEqual(['epochs', 'imageSize', 'images']);
    for (const x of s) expect(x.seconds).toBeLessThanOrEqual(LONG_RUN_SECONDS);
    const epochs = s[0].change;
    expect(estimateTraining(c, { ...plan, ...epochs }).total).toBeCloseTo(s[0].seconds, 6);
    expect(s[0].text).toBe(`${epochs.stage1Epochs} + ${epochs.stage2Epochs} epochs instead of 10 + 5: about ${Math.round(s[0].seconds / 60)} min`);
    expect(s[1].change.imageSize! % 32).toBe(0);
    expect(s[1].text).toMatch(/^image size \d+ px instead of 224: about \d+ min/);
    // The image count is the largest that fits.
    const n = s[2].change.images!;
    expect(estimateTraining(c, { ...plan, images: n + 1 }).total).toBeGreaterThan(LONG_RUN_SECONDS);
    expect(shorterRuns(c, { ...plan, images: 5 })).toEqual([]);
  });
});
