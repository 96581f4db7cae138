import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { CalibrationTimes } from '../engine/tocoad/estimate';
import type { TrainSettings } from '../engine/tocoad/settings';
import type { ToCoADOptions } from '../engine/tocoad/trainer';
import type { BackendInfo, TrainEstimateResult } from '../worker-bridge/protocol';
import { useAppStore } from './app-store';
import { freshServices, until } from './fake-engine';
import type { FakeEngine } from './fake-engine';
import { chooseTrainingImages, setTrainSettings, startTraining } from './train-actions';
import { cancelEstimate, ESTIMATE_DEBOUNCE_MS, estimateFor, planForRun, scheduleEstimate } from './train-estimate';
import { useTrainStore } from './train-store';

const CAL: CalibrationTimes = {
  load: 2,
  preparePerImage: 0.1,
  setup: 1,
  stage1: { firstMicroBatch: 3, microBatch: 1, optimizerStep: 0.1, checkpoint: 0.5 },
  stage2: { firstMicroBatch: 6, microBatch: 4, optimizerStep: 0.3, checkpoint: 1 },
  save: 1.5,
};
const image = (name: string) => ({ path: `glass/${name}`, file: new File([new Uint8Array([1, 2, 3])], name, { type: 'image/png' }) });
const wasm = { name: 'wasm', reason: '', how: 'override', available: ['wasm'], calibration: null } as BackendInfo;
/** The run's options as the 'start' event carries them (only the counts and sizes matter here). */
const resolveOptionsForTest = (s: TrainSettings) => ({ ...s }) as unknown as ToCoADOptions;
const files = () => Array.from({ length: 6 }, (_, i) => image(`${i}.png`));

describe('the expected duration before Start', () => {
  let engine: FakeEngine;
  beforeEach(() => {
    vi.useFakeTimers();
    ({ engine } = freshServices());
    useTrainStore.setState(useTrainStore.getInitialState(), true);
    useAppStore.setState({ engineStatus: 'ready', backend: wasm });
    engine.on('train-estimate', (): TrainEstimateResult => ({ calibration: CAL, backend: 'wasm', seconds: 12 }));
  });
  afterEach(() => vi.useRealTimers());

  const settle = async () => {
    await vi.advanceTimersByTimeAsync(ESTIMATE_DEBOUNCE_MS + 1);
    for (let i = 0; i < 10; i++) await Promise.resolve();
  };

  it('measures once the choices settle, sends two micro-batches of images, and redoes only the arithmetic when counts change', async () => {
    chooseTrainingImages(files());
    const chosen = files().map((p) => p.file);
    scheduleEstimate(chosen);
    setTrainSettings({ imageSize: 64, microBatch: 2 });
    scheduleEstimate(chosen);
    expect(useTrainStore.getState().estimate.status).toBe('waiting');
    await settle();
    expect(engine.payloads('train-estimate')).toHaveLength(1);
    const [req] = engine.payloads('train-estimate');
    expect(req.files.map((f) => f.name)).toEqual(['0.png', '1.png', '2.png', '3.png']);
    expect(req.settings.imageSize).toBe(64);
    const { estimate, settings } = useTrainStore.getState();
    expect(estimate).toMatchObject({ status: 'ready', at: { backend: 'wasm', imageSize: 64, microBatch: 2, seconds: 12 } });
    // 6 images, micro-batch 2: 3 micro-batches per epoch (the default batches are at least 2); defaults' epochs.
    const e = estimateFor(estimate, settings, 6)!;
    expect(e.stage1).toMatchObject({ epochs: settings.stage1Epochs, microBatchesPerEpoch: 3 });
    const steps1 = Math.ceil(6 / settings.stage1BatchSize);
    const steps2 = Math.ceil(6 / settings.batchSize);
    expect(e.total).toBeCloseTo(2 + 0.6 + 1 + 1.5 + (3 + (settings.stage1Epochs * 3 - 1) * 1 + settings.stage1Epochs * (steps1 * 0.1 + 0.5)) + (6 + (settings.stage2Epochs * 3 - 1) * 4 + settings.stage2Epochs * (steps2 * 0.3 + 1)), 6);
    // Epochs and batch sizes change only the arithmetic.
    setTrainSettings({ stage1Epochs: 3, stage1BatchSize: 4, batchSize: 2 });
    scheduleEstimate(chosen);
    await settle();
    expect(engine.payloads('train-estimate')).toHaveLength(1);
    const changed = estimateFor(useTrainStore.getState().estimate, useTrainStore.getState().settings, 6)!;
    expect(changed.stage1).toMatchObject({ epochs: 3, steps: 2, microBatchesPerEpoch: 3 });
    expect(changed.stage2).toMatchObject({ steps: 3, microBatchesPerEpoch: 3 });
    // The image size needs a new measurement; until it comes there is no estimate for the form.
    setTrainSettings({ imageSize: 96 });
    scheduleEstimate(chosen);
    expect(estimateFor(useTrainStore.getState().estimate, useTrainStore.getState().settings, 6)).toBeNull();
    await settle();
    expect(engine.payloads('train-estimate')).toHaveLength(2);
  });

  it('is not measured while a run is going, and Start cancels a measurement in flight', async () => {
    const chosen = files().map((p) => p.file);
    chooseTrainingImages(files());
    useTrainStore.setState({ running: true });
    scheduleEstimate(chosen);
    await settle();
    expect(useTrainStore.getState().estimate.status).toBe('idle');
    useTrainStore.setState({ running: false });

    let signal: AbortSignal | undefined;
    engine.on('train-estimate', (_p, o) => new Promise((_, reject) => ((signal = o.signal), o.signal!.addEventListener('abort', () => reject(new DOMException('cancelled', 'AbortError'))))));
    engine.on('train-start', () => Promise.reject(new Error('stop here')));
    scheduleEstimate(chosen);
    await settle();
    expect(useTrainStore.getState().estimate.status).toBe('measuring');
    await startTraining();
    await until(() => engine.payloads('train-start').length === 1);
    expect(signal!.aborted).toBe(true);
    expect(useTrainStore.getState().estimate.status).toBe('idle');
    cancelEstimate();
  });

  it('gives a run its plan when the calibration matches its backend, size and micro-batch, for what is left after a resume', async () => {
    const chosen = files().map((p) => p.file);
    chooseTrainingImages(files());
    scheduleEstimate(chosen);
    await settle();
    const o = resolveOptionsForTest(useTrainStore.getState().settings);
    const plan = planForRun(o, 6, 'wasm', null)!;
    expect(plan.stage1!.epochs).toBe(o.stage1Epochs);
    expect(planForRun(o, 6, 'webgpu', null)).toBeNull();
    expect(planForRun({ ...o, imageSize: o.imageSize + 32 }, 6, 'wasm', null)).toBeNull();
    const resumed = planForRun(o, 6, 'wasm', { stage: 2, epochsDone: 1 })!;
    expect(resumed.stage1).toBeNull();
    expect(resumed.stage2!.epochs).toBe(o.stage2Epochs - 1);
  });
});
