import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN_SETTINGS } from '../engine/tocoad/settings';
import { freshServices } from './fake-engine';
import type { FakeEngine } from './fake-engine';
import { trainingStore } from './services';
import { chooseTrainingImages, discardStoredRun, startTraining } from './train-actions';
import { useTrainStore } from './train-store';
import { TRAINING_ELSEWHERE, TRAINING_LOCK } from './training-lock';

const image = (name: string) => ({ path: `bottle/${name}`, file: new File([new Uint8Array([1, 2, 3])], name, { type: 'image/png' }) });

/** A run stored by an earlier visit: interrupted after stage I's first epoch, its checkpoint kept. */
async function storeUnfinishedRun(): Promise<string> {
  const store = trainingStore();
  const run = await store.begin(
    { id: 'run-old', backboneId: 'resnet50-imagenet', backboneLabel: 'ResNet50', dataset: 'old', settings: DEFAULT_TRAIN_SETTINGS },
    [{ name: 'a.png', data: new ArrayBuffer(4) }],
  );
  await store.saveCheckpoint(run.id, [new ArrayBuffer(8)], { stage: 1, epochsDone: 1 }, { history: [], steps: [] });
  return run.id;
}

describe('starting a training run', () => {
  let engine: FakeEngine;
  beforeEach(() => {
    ({ engine } = freshServices());
    useTrainStore.setState(useTrainStore.getInitialState(), true);
    chooseTrainingImages([image('000.png'), image('001.png')]);
  });
  afterEach(() => {
    delete (globalThis as { navigator?: unknown }).navigator;
  });

  it('asks before discarding an unfinished run with a checkpoint, and discards nothing until told to', async () => {
    const old = await storeUnfinishedRun();
    await startTraining();
    expect(useTrainStore.getState().confirmDiscard).toBe(true);
    expect(engine.payloads('train-start')).toHaveLength(0);
    expect((await trainingStore().current())?.id).toBe(old);
    expect((await trainingStore().current())?.checkpoint).not.toBeNull();

    engine.on('train-start', () => Promise.reject(new Error('stop here')));
    await startTraining(true);
    expect(useTrainStore.getState().confirmDiscard).toBe(false);
    expect(engine.payloads('train-start')).toHaveLength(1);
    expect((await trainingStore().current())?.id).not.toBe(old);
  });

  it('is refused while another tab holds the training lock, leaving that tab\'s stored run alone', async () => {
    const old = await storeUnfinishedRun();
    const asked: string[] = [];
    // Another tab holds the lock: an ifAvailable request is granted no lock.
    (globalThis as { navigator?: unknown }).navigator = {
      locks: { request: async (name: string, _o: unknown, cb: (lock: unknown) => Promise<unknown>) => (asked.push(name), cb(null)) },
    };
    await startTraining(true);
    expect(asked).toEqual([TRAINING_LOCK]);
    await discardStoredRun();
    expect((await trainingStore().current())?.id).toBe(old);
    expect(useTrainStore.getState().error).toBe(TRAINING_ELSEWHERE);
    expect(useTrainStore.getState().running).toBe(false);
    expect(engine.payloads('train-start')).toHaveLength(0);
    expect((await trainingStore().current())?.id).toBe(old);
  });
});
