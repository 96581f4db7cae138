import { beforeEach, describe, expect, it } from 'vitest';
import { refreshProfiles } from './actions';
import { useAppStore } from './app-store';
import { chooseEvaluationFolder, runEvaluation } from './evaluate-actions';
import { useEvaluateStore } from './evaluate-store';
import { engineError, freshServices, testProfile } from './fake-engine';
import type { FakeEngine } from './fake-engine';
import { profileStore } from './services';

let engine: FakeEngine;
const picked = (path: string) => ({ path, file: new File([new Uint8Array([1, 2])], path.split('/').pop()!) });
const FOLDER = ['glass/test/good/000.png', 'glass/test/good/001.png', 'glass/test/crack/000.png'].map(picked);

beforeEach(async () => {
  ({ engine } = freshServices());
  engine.on('load-profile', ({ key }) => ({ key }));
  const { meta, bank } = testProfile({ name: 'glass' });
  await profileStore().save(meta, bank);
  await refreshProfiles();
  chooseEvaluationFolder(FOLDER);
});

describe('evaluation', () => {
  it('sends the labelled folder to the engine and keeps the result', async () => {
    engine.on('evaluate', ({ files }) => ({
      metrics: { image_auroc: 1, pixel_auroc: null, aupro: null, f1_max: 1, f1_threshold: 2 },
      images: files.map((f) => ({ name: f.name, label: f.label, defect: f.defect, score: f.label ? 3 : 1 })),
      skipped: [],
      bankSize: 2,
      backend: 'wasm',
      msPerImage: 4,
      seconds: 0.1,
    }));
    await runEvaluation();
    const [request] = engine.payloads('evaluate');
    expect(request.files.map((f) => [f.name, f.label, f.defect])).toEqual([
      ['test/crack/000.png', 1, 'crack'],
      ['test/good/000.png', 0, 'good'],
      ['test/good/001.png', 0, 'good'],
    ]);
    const { result, running, error } = useEvaluateStore.getState();
    expect({ running, error }).toEqual({ running: false, error: null });
    expect(result).toMatchObject({ profileName: 'glass', dataset: 'glass', datasetKey: 'glass:3' });
    expect(result!.metrics.image_auroc).toBe(1);
  });

  it('puts an engine error in the store, with an alert', async () => {
    engine.on('evaluate', () => {
      throw engineError('the profile bank does not fit in memory');
    });
    await runEvaluation();
    expect(useEvaluateStore.getState()).toMatchObject({ running: false, result: null, error: 'Evaluation failed: the profile bank does not fit in memory' });
    expect(useAppStore.getState().alerts.at(-1)).toMatchObject({ kind: 'error', text: 'Evaluation failed: the profile bank does not fit in memory' });
  });
});
