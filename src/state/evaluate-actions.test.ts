import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { refreshProfiles } from './actions';
import { useAppStore } from './app-store';
import { chooseEvaluationFolder, openEvaluationImage, runEvaluation, skipReason } from './evaluate-actions';
import { evaluationCsv, evaluationRows, exportEvaluation } from './evaluate-export';
import { useEvaluateStore } from './evaluate-store';
import { engineError, freshServices, scoreResult, testProfile } from './fake-engine';
import type { FakeEngine } from './fake-engine';
import { unexportedResults } from './inspect-unload';
import { profileStore } from './services';
import type { EvalFile, ResultMap } from '../worker-bridge/protocol';

let engine: FakeEngine;
const PNG = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, 0x49, 0x48, 0x44, 0x52, 0, 0, 0, 16, 0, 0, 0, 16];
const picked = (path: string, bytes = PNG) => ({ path, file: new File([new Uint8Array(bytes)], path.split('/').pop()!) });
const FOLDER = ['glass/test/good/000.png', 'glass/test/good/001.png', 'glass/test/crack/000.png'].map((p) => picked(p));

const answer = (files: EvalFile[], skipped: ResultMap['evaluate']['skipped'] = []): ResultMap['evaluate'] => ({
  metrics: { image_auroc: 1, pixel_auroc: null, aupro: null, f1_max: 1, f1_threshold: 2 },
  images: files.map((f) => ({ name: f.name, label: f.label, defect: f.defect, score: f.label ? 3 : 1 })),
  skipped,
  bankSize: 2,
  backend: 'wasm',
  msPerImage: 4,
  seconds: 0.1,
});

beforeEach(async () => {
  ({ engine } = freshServices());
  engine.on('load-profile', ({ key }) => ({ key }));
  const { meta, bank } = testProfile({ name: 'glass' });
  await profileStore().save(meta, bank);
  await refreshProfiles();
  await chooseEvaluationFolder(FOLDER);
});

afterEach(() => {
  vi.unstubAllGlobals();
  vi.restoreAllMocks();
});

describe('evaluation', () => {
  it('sends the labelled folder to the engine and keeps the result', async () => {
    engine.on('evaluate', ({ files }) => answer(files));
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

describe('files that are not usable images (issue: an empty file counted as a good test image)', () => {
  it('are named as left out when the folder is read, not counted and not sent', async () => {
    await chooseEvaluationFolder([...FOLDER, picked('glass/test/good/empty.png', []), picked('glass/test/crack/notes.png', [...new TextEncoder().encode('hello')])]);
    const { layout } = useEvaluateStore.getState();
    expect(layout!.items.map((i) => i.name)).toEqual(['test/crack/000.png', 'test/good/000.png', 'test/good/001.png']);
    expect(layout!.goodCount).toBe(2);
    expect(layout!.ignored).toEqual([
      { path: 'glass/test/good/empty.png', reason: 'not a usable image: the file is empty' },
      { path: 'glass/test/crack/notes.png', reason: 'not a usable image: not a supported image (expected PNG, JPEG, BMP, WebP or GIF data)' },
    ]);
    engine.on('evaluate', ({ files }) => answer(files));
    await runEvaluation();
    expect(engine.payloads('evaluate')[0].files.map((f) => f.name)).not.toContain('test/good/empty.png');
  });

  it('an image the worker skips is named once in its message', async () => {
    expect(skipReason({ name: 'test/good/000.png', reason: 'test/good/000.png: corrupt or unsupported PNG data' })).toBe('corrupt or unsupported PNG data');
    expect(skipReason({ name: 'test/crack/000.png', reason: 'test/crack/000.png (mask): the file is empty' })).toBe('mask: the file is empty');
    expect(skipReason({ name: 'a.png', reason: 'out of memory' })).toBe('out of memory');
    engine.on('evaluate', ({ files }) => answer(files.slice(1), [{ name: files[0].name, reason: `${files[0].name}: corrupt or unsupported PNG data` }]));
    await runEvaluation();
    expect(useEvaluateStore.getState().result!.skipped).toEqual([{ name: 'test/crack/000.png', reason: 'corrupt or unsupported PNG data' }]);
    const text = useAppStore.getState().alerts.at(-1)!.text;
    expect(text).toBe('1 image could not be scored and is left out of the metrics: test/crack/000.png: corrupt or unsupported PNG data');
    expect(text.split('test/crack/000.png')).toHaveLength(2);
  });
});

describe('the result table', () => {
  beforeEach(async () => {
    engine.on('evaluate', ({ files }) => answer(files));
    await runEvaluation();
  });

  it('exports as CSV with label, defect, score and verdict; a double click downloads one file', async () => {
    const saved: string[] = [];
    vi.spyOn(URL, 'createObjectURL').mockReturnValue('blob:test');
    vi.spyOn(URL, 'revokeObjectURL').mockImplementation(() => {});
    const anchor = { href: '', download: '', click: () => saved.push(anchor.download), remove: () => {} };
    vi.stubGlobal('document', { createElement: () => anchor, body: { appendChild: () => {} } });
    expect(unexportedResults()).toMatch(/the evaluation of "glass"/);
    expect(exportEvaluation('csv')).toBe(true);
    expect(exportEvaluation('csv')).toBe(false);
    expect(saved).toEqual([expect.stringMatching(/^evaluation-glass-glass-.*\.csv$/)]);
    expect(unexportedResults()).toBeNull();
    const run = useEvaluateStore.getState().result!;
    expect(evaluationCsv(evaluationRows(run, 2)).split('\r\n').slice(0, 3)).toEqual(['name,label,defect,score,verdict,regions', 'test/crack/000.png,defective,crack,3,fail,', 'test/good/000.png,good,good,1,pass,']);
  });

  it('a row opened is scored again on the evaluated profile for its heatmap', async () => {
    engine.on('score', ({ file }) => scoreResult(file.name, 3));
    await openEvaluationImage('test/crack/000.png');
    expect(engine.payloads('score').map((p) => p.file.name)).toEqual(['test/crack/000.png']);
    expect(useEvaluateStore.getState().detail).toMatchObject({ name: 'test/crack/000.png', status: 'done', result: { score: 3, grid: 1 } });
    await openEvaluationImage(null);
    expect(useEvaluateStore.getState().detail).toBeNull();
    await openEvaluationImage('test/none.png');
    expect(useEvaluateStore.getState().detail).toMatchObject({ status: 'error', error: 'test/none.png: choose the folder again to see this image.' });
  });
});
