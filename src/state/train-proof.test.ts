import { beforeEach, describe, expect, it } from 'vitest';
import type { EvaluationMetrics } from '../engine/evaluate';
import { DEFAULT_TRAIN_SETTINGS } from '../engine/tocoad/settings';
import type { BackboneInfo } from '../storage/backbone-store';
import type { EvalFile, ResultMap } from '../worker-bridge/protocol';
import { refreshProfiles } from './actions';
import { useAppStore } from './app-store';
import { useEvaluateStore } from './evaluate-store';
import type { FakeEngine } from './fake-engine';
import { freshServices, testProfile } from './fake-engine';
import { trainingStore } from './services';
import { chooseProofFolder, proveRun } from './train-proof';
import { proofVerdict } from './train-proof-verdict';
import { useTrainStore } from './train-store';

const m = (image_auroc: number, pixel_auroc: number | null = null, aupro: number | null = null): EvaluationMetrics => ({ image_auroc, pixel_auroc, aupro, f1_max: 1, f1_threshold: 1 });
const NAMES = { base: 'glass (resnet50-imagenet)', tuned: 'glass (resnet50-imagenet-tocoad-glass)' };

describe('the before/after verdict', () => {
  it('is "better" with masks only when pixel AUROC rises and AUPRO does not fall, with the figures', () => {
    const v = proofVerdict(m(1, 0.903, 0.8216), m(1, 0.9151, 0.8319), 'glass', NAMES);
    expect(v).toMatchObject({ better: true, basis: 'pixel' });
    expect(v.sentence).toBe('The fine-tuned backbone is better on "glass": pixel AUROC 0.9030 → 0.9151 (+1.21 points), AUPRO 0.8216 → 0.8319 (+1.03 points); image AUROC 1.0000 → 1.0000 (unchanged).');
    const fell = proofVerdict(m(1, 0.903, 0.8216), m(1, 0.9045, 0.8209), 'glass', NAMES);
    expect(fell.better).toBe(false);
    expect(fell.sentence).toBe('The fine-tuned backbone is no better on "glass": pixel AUROC 0.9030 → 0.9045 (+0.15 points), AUPRO 0.8216 → 0.8209 (−0.07 points); image AUROC 1.0000 → 1.0000 (unchanged) (AUPRO fell).');
    // A difference that does not show at 4 decimals is no difference; an equal AUPRO is "not lower".
    expect(proofVerdict(m(1, 0.90301, 0.8), m(1, 0.90304, 0.9), 'glass', NAMES).better).toBe(false);
    expect(proofVerdict(m(1, 0.9, 0.8), m(0.9, 0.91, 0.8), 'glass', NAMES).better).toBe(true);
    expect(proofVerdict(m(1, 0.91, 0.8), m(1, 0.9, 0.9), 'glass', NAMES).sentence).toMatch(/no better .*\(pixel AUROC did not rise\)\.$/);
  });

  it('decides on image AUROC when the folder has no masks', () => {
    const v = proofVerdict(m(0.95), m(0.9712), 'tiles', NAMES);
    expect(v).toMatchObject({ better: true, basis: 'image' });
    expect(v.sentence).toBe('The fine-tuned backbone is better on "tiles": image AUROC 0.9500 → 0.9712 (+2.12 points); the folder has no masks, so the pixel metrics are not measured.');
    expect(proofVerdict(m(0.95), m(0.95), 'tiles', NAMES).sentence).toMatch(/^The fine-tuned backbone is no better on "tiles": image AUROC 0\.9500 → 0\.9500 \(unchanged\)/);
  });
});

const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 16, 0, 0, 0, 16];
const picked = (path: string) => ({ path, file: new File([new Uint8Array(PNG)], path.split('/').pop()!) });
const TUNED: BackboneInfo = { id: 'resnet50-imagenet-tocoad-glass', label: 'ResNet50 + ToCoAD (glass)', architecture: 'resnet50', weightsHash: 'ab'.repeat(32), byteSize: 1, sourceFile: 'x', createdAt: '', warnings: [], tapChannels: [512, 1024] };

describe('evaluating the base and the fine-tuned backbone after a run', () => {
  let engine: FakeEngine;
  beforeEach(async () => {
    ({ engine } = freshServices());
    useTrainStore.setState(useTrainStore.getInitialState(), true);
    const store = trainingStore();
    const run = await store.begin({ id: 'run-1', backboneId: 'resnet50-imagenet', backboneLabel: 'ResNet50', dataset: 'glass', settings: DEFAULT_TRAIN_SETTINGS }, [
      { name: 'a.png', data: new Uint8Array(PNG).buffer },
      { name: 'b.png', data: new Uint8Array(PNG).buffer },
    ]);
    const record = await store.finish(run.id, { backbone: TUNED, seconds: 10, backend: 'wasm' }, { history: [], steps: [] });
    useTrainStore.setState({ record });
    // Builds answer with a profile on the backbone asked for; evaluations answer by the profile loaded under the key.
    engine.on('build', ({ options, files }) => {
      const { meta, bank } = testProfile({ name: options.name, imageCount: files.length });
      return { meta: { ...meta, backbone: { ...meta.backbone, id: options.backboneId! } }, bank, skipped: [], seconds: { decode: 0, backbone: 0, coreset: 0, calibrate: 0, total: 1 }, backend: 'wasm', coresetOn: 'host' };
    });
    const loaded = new Map<string, string>();
    engine.on('load-profile', ({ key, meta }) => (loaded.set(key, meta.backbone.id), { key }));
    engine.on('evaluate', ({ key, files }: { key: string; files: EvalFile[] }): ResultMap['evaluate'] => ({
      metrics: loaded.get(key) === TUNED.id ? m(1, 0.9151, 0.8319) : m(1, 0.903, 0.8216),
      images: files.map((f) => ({ name: f.name, label: f.label, defect: f.defect, score: f.label })),
      skipped: [],
      bankSize: 2,
      backend: 'wasm',
      msPerImage: 1,
      seconds: 0.1,
    }));
    await refreshProfiles();
  });

  it('builds a profile on each backbone from the run\'s images, evaluates both on the folder and says which is better', async () => {
    await chooseProofFolder(['glass/test/good/000.png', 'glass/test/crack/000.png', 'glass/ground_truth/crack/000_mask.png'].map(picked));
    await proveRun();
    const { proof, profile } = useTrainStore.getState();
    expect(proof.error).toBeNull();
    expect(proof.status).toBe('done');
    expect(engine.payloads('build').map((b) => [b.options.name, b.options.backboneId, b.files.map((f) => f.name)])).toEqual([
      [NAMES.base, 'resnet50-imagenet', ['a.png', 'b.png']],
      [NAMES.tuned, TUNED.id, ['a.png', 'b.png']],
    ]);
    expect(engine.payloads('evaluate')).toHaveLength(2);
    expect(proof.verdict).toMatchObject({ better: true, basis: 'pixel', profiles: NAMES });
    expect(proof.verdict!.sentence).toMatch(/^The fine-tuned backbone is better on "glass": pixel AUROC 0\.9030 → 0\.9151/);
    expect(profile?.name).toBe(NAMES.tuned);
    // Both are in the Evaluate view's side-by-side runs on that folder.
    expect(useEvaluateStore.getState().runs.map((r) => r.profileName)).toEqual([NAMES.base, NAMES.tuned]);

    // Asked again: the two profiles are reused, not built again.
    await proveRun();
    expect(engine.payloads('build')).toHaveLength(2);
    expect(engine.payloads('evaluate')).toHaveLength(4);
    expect(useAppStore.getState().profiles.map((p) => p.name).sort()).toEqual([NAMES.base, NAMES.tuned]);
  });

  it('says what is wrong when there is no usable folder, or when an evaluation fails', async () => {
    await proveRun();
    expect(useTrainStore.getState().proof).toMatchObject({ status: 'error', verdict: null });
    expect(useTrainStore.getState().proof.error).toMatch(/^Choose a labelled folder first/);
    await chooseProofFolder([picked('glass/test/good/000.png'), picked('glass/test/crack/000.png')]);
    engine.on('evaluate', () => {
      throw new Error('the bank does not fit in memory');
    });
    await proveRun();
    expect(useTrainStore.getState().proof).toMatchObject({ status: 'error', error: 'Comparing the backbones failed: Evaluation failed: the bank does not fit in memory', verdict: null });
  });
});
