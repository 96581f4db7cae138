import { relativeError } from '../convert/testing';
// eslint-disable-next-line no-restricted-imports -- test fixture I/O
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../tf';
import { initNodeBackend } from '../../node/tf-backend';
import { seededRandom } from '../patchcore/random';
import { convertCheckpoint } from '../convert/convert';
import { readSafetensors } from '../convert/safetensors';
import type { BackboneFile } from '../convert/to-backbone';
import { packFineTuned } from '../tocoad/export';
import { Backbone, buildWeights, hashTensors, loadBackbone } from './backbone';
import type { NamedTensors } from './named-tensors';
import { RESNET50_BLOCKS } from './resnet';
import type { BackboneSpec } from './spec';
import { RESNET50_IMAGENET } from './spec';
import { exportTorchvisionSafetensors, kerasToTorchvision, readExportedMetadata, TORCHVISION_STRIDE_SNIPPET } from './torchvision-names';
import { torchvisionResNetKeys } from './torchvision-resnet';
import type { TrainableManifest } from './trainable';
import { readTrainableSource } from './trainable';
import { memorySource } from './weights-file';
import { BACKBONE_FORMAT } from './weights-file';

/**
 * Keras -> torchvision naming on a reduced-width Keras ResNet50 v1 (same names, block counts and graph as the bundled
 * model; stem 4, widths 2/4/8/16, outputs 8/16/32/64), with random conv biases and per-layer epsilons far from 1e-5
 * so that both foldings matter: the torchvision-named network with the stride on conv1 computes the same function.
 */
const STEM = 4;
const WIDTHS = [2, 4, 8, 16];
const OUTS = [8, 16, 32, 64];
const LETTERS = 'abcdef';

function smallKeras(seed: number): { tensors: NamedTensors; eps: Record<string, number> } {
  const random = seededRandom(seed);
  const tensors: NamedTensors = new Map();
  const eps: Record<string, number> = {};
  const epsChoices = [1e-3, 1.001e-5, 0.05, 1e-5];
  const conv = (name: string, bn: string, kh: number, cin: number, cout: number) => {
    const fanIn = kh * kh * cin;
    tensors.set(`${name}/kernel`, { shape: [kh, kh, cin, cout], data: Float32Array.from({ length: fanIn * cout }, () => (random() * 2 - 1) * Math.sqrt(3 / fanIn)) });
    tensors.set(`${name}/bias`, { shape: [cout], data: Float32Array.from({ length: cout }, () => random() - 0.5) });
    tensors.set(`${bn}/gamma`, { shape: [cout], data: Float32Array.from({ length: cout }, () => 0.5 + random()) });
    tensors.set(`${bn}/beta`, { shape: [cout], data: Float32Array.from({ length: cout }, () => random() - 0.5) });
    tensors.set(`${bn}/moving_mean`, { shape: [cout], data: Float32Array.from({ length: cout }, () => random() - 0.5) });
    tensors.set(`${bn}/moving_variance`, { shape: [cout], data: Float32Array.from({ length: cout }, () => 0.02 + random()) });
    eps[bn] = epsChoices[Math.floor(random() * epsChoices.length)];
  };
  conv('conv1', 'bn_conv1', 7, 3, STEM);
  let inC = STEM;
  for (let s = 0; s < 4; s++) {
    for (let b = 0; b < RESNET50_BLOCKS[s]; b++) {
      const id = `${s + 2}${LETTERS[b]}`;
      const blockIn = b === 0 ? inC : OUTS[s];
      conv(`res${id}_branch2a`, `bn${id}_branch2a`, 1, blockIn, WIDTHS[s]);
      conv(`res${id}_branch2b`, `bn${id}_branch2b`, 3, WIDTHS[s], WIDTHS[s]);
      conv(`res${id}_branch2c`, `bn${id}_branch2c`, 1, WIDTHS[s], OUTS[s]);
      if (b === 0) conv(`res${id}_branch1`, `bn${id}_branch1`, 1, blockIn, OUTS[s]);
    }
    inC = OUTS[s];
  }
  return { tensors, eps };
}

const SPEC: BackboneSpec = {
  ...RESNET50_IMAGENET,
  id: 'small-keras',
  label: 'small Keras ResNet50 v1',
  taps: (['layer2', 'layer3', 'layer4'] as const).map((name, i) => ({ name, stride: 8 << i, channels: OUTS[i + 1] })),
};



function image(seed: number, size = 64): tf.Tensor4D {
  const random = seededRandom(seed);
  return tf.tensor4d(Float32Array.from({ length: size * size * 3 }, () => Math.floor(random() * 256)), [1, size, size, 3]);
}

async function features(backbone: Backbone, x: tf.Tensor4D): Promise<Record<string, Float32Array>> {
  const f = backbone.features(x);
  const out: Record<string, Float32Array> = {};
  for (const [k, v] of Object.entries(f)) {
    out[k] = (await v!.data()) as Float32Array;
    v!.dispose();
  }
  return out;
}

/** A backbone folder (in memory) holding Keras-named weights: layer1..3 for inference, layer4 as the extra group. */
function kerasFolder(tensors: NamedTensors, eps: Record<string, number>): BackboneFile[] {
  const base = {
    manifest: {
      format: BACKBONE_FORMAT,
      formatVersion: 1,
      architecture: 'resnet50',
      weightNaming: 'keras',
      batchNormEpsilon: eps,
      weightsManifest: [{ paths: [], weights: [...tensors].filter(([k]) => !/^(res|bn)5/.test(k)).map(([name, t]) => ({ name, shape: t.shape, dtype: 'float32' })) }],
      extraWeightsManifest: [{ paths: [], weights: [...tensors].filter(([k]) => /^(res|bn)5/.test(k)).map(([name, t]) => ({ name, shape: t.shape, dtype: 'float32' })) }],
    } satisfies TrainableManifest,
    spec: SPEC,
    main: new Map(),
    extra: new Map(),
    weightsHash: '',
    stageCount: 4,
  };
  return packFineTuned(base, tensors, { id: SPEC.id, label: SPEC.label, fineTuned: { note: 'test' } }).files;
}

describe('Keras ResNet50 v1 -> torchvision names', () => {
  beforeAll(async () => {
    await initNodeBackend('cpu');
  });

  it('folds a conv bias into running_mean and the epsilon difference into running_var', () => {
    const { tensors, eps } = smallKeras(1);
    eps.bn2a_branch2b = 0.001;
    const sd = kerasToTorchvision(tensors, eps);
    const get = (k: string) => tensors.get(k)!.data;
    const i = 1;
    expect(sd.get('layer1.0.bn2.running_mean')!.data[i]).toBe(Math.fround(get('bn2a_branch2b/moving_mean')[i] - get('res2a_branch2b/bias')[i]));
    expect(sd.get('layer1.0.bn2.running_var')!.data[i]).toBe(Math.fround(get('bn2a_branch2b/moving_variance')[i] + 0.001 - 1e-5));
    expect(sd.get('layer1.0.bn2.weight')!.data).toEqual(get('bn2a_branch2b/gamma'));
    expect(sd.get('layer1.0.bn2.bias')!.data).toEqual(get('bn2a_branch2b/beta'));
    // HWIO [3, 3, 2, 2] -> OIHW [2, 2, 3, 3]: weight[o][c][h][w] = kernel[h][w][c][o].
    const k = tensors.get('res2a_branch2b/kernel')!;
    const w = sd.get('layer1.0.conv2.weight')!;
    expect(w.shape).toEqual([2, 2, 3, 3]);
    const [o, c, h, x] = [1, 0, 2, 1];
    expect(w.data[((o * 2 + c) * 3 + h) * 3 + x]).toBe(k.data[((h * 3 + x) * 2 + c) * 2 + o]);
    // No biases, torchvision's keys in state_dict() order.
    expect([...sd.keys()]).toEqual(torchvisionResNetKeys(4, RESNET50_BLOCKS));
    expect(kerasToTorchvision(tensors, eps, 3).size).toBe(torchvisionResNetKeys(3).length);
  });

  it('gives the same features with the stride on conv1, and different ones with torchvision\'s stride', async () => {
    const { tensors, eps } = smallKeras(2);
    const keras = new Backbone(SPEC, buildWeights(SPEC, 'keras', tensors, eps), '');
    const sd = kerasToTorchvision(tensors, eps);
    const torch = new Backbone(SPEC, buildWeights(SPEC, 'torchvision', sd, {}, 'conv1'), '');
    const stock = new Backbone(SPEC, buildWeights(SPEC, 'torchvision', sd, {}, 'conv2'), '');
    const x = image(3);
    const [a, b, c] = [await features(keras, x), await features(torch, x), await features(stock, x)];
    for (const tap of ['layer2', 'layer3', 'layer4']) {
      expect(relativeError(b[tap], a[tap]), tap).toBeLessThan(1e-5);
      expect(relativeError(c[tap], a[tap]), tap).toBeGreaterThan(1e-2);
    }
    // Without the folding (biases dropped, epsilons taken as torchvision's) the function would differ.
    const noBias: NamedTensors = new Map([...tensors].filter(([k]) => !k.endsWith('/bias')));
    const naive = new Backbone(SPEC, buildWeights(SPEC, 'torchvision', kerasToTorchvision(noBias, Object.fromEntries(Object.keys(eps).map((k) => [k, 1e-5]))), {}, 'conv1'), '');
    const d = await features(naive, x);
    for (const tap of ['layer2', 'layer3', 'layer4']) expect(relativeError(d[tap], a[tap]), tap).toBeGreaterThan(1e-3);
    x.dispose();
    [keras, torch, stock, naive].forEach((m) => m.dispose());
  });

  it('exports a Keras folder (extra layer4 group) and imports it back to the same features, spec and stride', async () => {
    const { tensors, eps } = smallKeras(4);
    const files = kerasFolder(tensors, eps);
    const src = await readTrainableSource(memorySource(files), 'small');
    const exported = await exportTorchvisionSafetensors(src, { sourceFile: 'small' });
    const file = readSafetensors(exported.bytes, 'small.safetensors');
    expect(file.tensors.map((t) => t.name)).toEqual(torchvisionResNetKeys(4));
    expect(file.metadata.stride_on).toBe('conv1');
    expect(file.metadata.naming).toBe('torchvision');
    expect(file.metadata.torchvision_note).toContain(TORCHVISION_STRIDE_SNIPPET);
    expect(JSON.parse(file.metadata.fineTuned)).toEqual({ note: 'test' });
    expect(JSON.parse(file.metadata.spec).preprocessing.kind).toBe('caffe');

    const back = convertCheckpoint(exported.bytes, 'small.safetensors');
    expect(back.report.unexpected).toEqual([]);
    expect(back.manifest.strideOn).toBe('conv1');
    expect(back.manifest.spec!.id).toBe('small-keras');
    expect(back.manifest.spec!.label).toBe(SPEC.label);
    expect(back.manifest.spec!.preprocessing).toEqual(SPEC.preprocessing);
    const spec3: BackboneSpec = { ...SPEC, taps: SPEC.taps.slice(0, 2) };
    const reloaded = await loadBackbone(memorySource(back.files), 'reimported');
    expect(reloaded.spec.taps.map((t) => t.channels)).toEqual([16, 32]);
    expect(reloaded.weightsHash).toBe(exported.weightsHash);
    const original = new Backbone(spec3, buildWeights(spec3, 'keras', tensors, eps), '');
    const x = image(5);
    const [a, b] = [await features(original, x), await features(reloaded, x)];
    for (const tap of ['layer2', 'layer3']) expect(relativeError(b[tap], a[tap]), tap).toBeLessThan(1e-5);
    x.dispose();
    original.dispose();
    reloaded.dispose();

    // Fine-tuning the re-imported backbone keeps the stride placement.
    const again = await readTrainableSource(memorySource(back.files), 'reimported');
    const tuned = packFineTuned(again, again.main, { id: 'tuned', label: 'tuned', fineTuned: {} });
    expect(tuned.manifest.strideOn).toBe('conv1');
    const reexported = await exportTorchvisionSafetensors(await readTrainableSource(memorySource(tuned.files), 'tuned'));
    expect(reexported.metadata.stride_on).toBe('conv1');
    expect(reexported.weightsHash).toBe(exported.weightsHash);
  });

  it('round-trips a torchvision-named (converted WRN) backbone unchanged', async () => {
    const wrn = convertCheckpoint(new Uint8Array(readFileSync(new URL('../../../test/fixtures/wrn/wrn.pth', import.meta.url))), 'wrn.pth');
    const src = await readTrainableSource(memorySource(wrn.files), 'wrn');
    const exported = await exportTorchvisionSafetensors(src);
    expect(exported.metadata.stride_on).toBe('conv2');
    expect(exported.metadata.torchvision_note).toBeUndefined();
    expect(exported.weightsHash).toBe(src.weightsHash);
    expect(exported.metadata.sourceWeightsHash).toBeUndefined();
    const back = convertCheckpoint(exported.bytes, 'wrn.safetensors');
    expect(back.manifest).toEqual(wrn.manifest);
    expect(back.files.map((f) => [f.path, f.bytes])).toEqual(wrn.files.map((f) => [f.path, f.bytes]));
    expect(await hashTensors((await readTrainableSource(memorySource(back.files), 'back')).main)).toBe(src.weightsHash);
  });

  it('reads stride_on and the spec from __metadata__, refusing an unknown stride', () => {
    expect(readExportedMetadata({})).toEqual({});
    expect(readExportedMetadata({ stride_on: 'conv1', spec: JSON.stringify(RESNET50_IMAGENET) })).toEqual({
      strideOn: 'conv1',
      id: RESNET50_IMAGENET.id,
      label: RESNET50_IMAGENET.label,
      preprocessing: RESNET50_IMAGENET.preprocessing,
      resize: 256,
      inputSize: 224,
    });
    expect(readExportedMetadata({ spec: '{not json' })).toEqual({});
    expect(readExportedMetadata({ spec: JSON.stringify({ preprocessing: { kind: 'caffe', meanBgr: [1, 2] }, resize: 100, inputSize: 224 }) })).toEqual({});
    expect(() => readExportedMetadata({ stride_on: 'conv3' })).toThrow(/stride_on/);
  });
});
