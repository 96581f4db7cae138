import { relativeError } from './testing';
import { memorySource } from '../backbones/weights-file';
// Golden test on the committed reduced-width fixtures (scripts/fixtures/make_wrn_fixtures.py --small):
// every checkpoint format goes through convert -> backbone folder -> the tfjs network, and the layer
// outputs must match PyTorch's within 1e-3 of their largest magnitude.
// eslint-disable-next-line no-restricted-imports -- test fixture I/O
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
// eslint-disable-next-line no-restricted-imports -- test fixture I/O
import { tmpdir } from 'node:os';
// eslint-disable-next-line no-restricted-imports -- test fixture I/O
import { join } from 'node:path';
// eslint-disable-next-line no-restricted-imports -- test fixture I/O
import { fileURLToPath } from 'node:url';
import { runConvert } from '../../cli/commands/convert';
import { runEmbed } from '../../cli/commands/embed';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBackbone } from '../backbones/backbone';
import type { TapName } from '../backbones/spec';
import type { RgbImage } from '../image/types';
import { initNodeBackend } from '../../node/tf-backend';
import { toFloat32 } from './dtypes';
import { convertCheckpoint } from './convert';
import type { ConvertOptions } from './convert';
import { loadBackboneAllStages, tapActivations } from './embed';
import { readSafetensors, writeSafetensors } from './safetensors';

const FIXTURES = new URL('../../../test/fixtures/wrn/', import.meta.url);
const load = (name: string) => new Uint8Array(readFileSync(new URL(name, FIXTURES)));
const TAPS: TapName[] = ['layer1', 'layer2', 'layer3', 'layer4'];
const TOLERANCE = 1e-3;



const reference = readSafetensors(load('outputs.safetensors'), 'outputs.safetensors');
const ref = (name: string) => {
  const t = reference.tensors.find((x) => x.name === name)!;
  return { shape: t.shape, data: toFloat32(t) };
};
const inputTensor = reference.tensors.find((t) => t.name === 'input')!;
const input: RgbImage = { height: inputTensor.shape[0], width: inputTensor.shape[1], data: inputTensor.data.slice() };

async function compare(bytes: Uint8Array, name: string, refPrefix: '' | 'fp16.', options: ConvertOptions = {}): Promise<Record<string, number>> {
  const converted = convertCheckpoint(bytes, name, options);
  const backbone = await loadBackboneAllStages(memorySource(converted.files), name);
  const errors: Record<string, number> = {};
  try {
    const acts = tapActivations(backbone, input, TAPS);
    for (const tap of TAPS) {
      const r = ref(refPrefix + tap);
      expect(acts.get(tap)!.shape, tap).toEqual(r.shape);
      errors[tap] = relativeError(acts.get(tap)!.data, r.data);
      expect(errors[tap], `${name} ${tap}`).toBeLessThan(TOLERANCE);
    }
  } finally {
    backbone.dispose();
  }
  return errors;
}

describe('golden: reduced-width WideResNet50-2 fixtures against PyTorch', () => {
  beforeAll(async () => {
    await initNodeBackend('wasm');
  });

  it.each([
    ['wrn.pth', ''],
    ['wrn-legacy.pth', ''],
    ['wrn-finetuned.pth', ''],
    ['wrn.safetensors', ''],
    ['wrn-fp16.pth', 'fp16.'],
  ] as const)('%s: layer1..layer4 match', async (name, prefix) => {
    const errors = await compare(load(name), name, prefix);
    console.log(`${name}: max error / max magnitude ${JSON.stringify(errors)}`);
  });

  it('float16 output weights match PyTorch run with float16-rounded weights', async () => {
    await compare(load('wrn.safetensors'), 'wrn.safetensors', 'fp16.', { fp16: true });
  });

  it('accepts module.-prefixed keys (DataParallel) in safetensors', async () => {
    const file = readSafetensors(load('wrn.safetensors'), 'wrn.safetensors');
    const prefixed = writeSafetensors(file.tensors.map((t) => ({ ...t, name: `module.${t.name}` })));
    const converted = convertCheckpoint(prefixed, 'dp.safetensors');
    expect(converted.report.strippedPrefixes).toEqual(['module.']);
    await compare(prefixed, 'dp.safetensors', '');
  });

  it('loadBackbone (the eval path) builds the spec\'s layer2 + layer3 taps from the converted folder', async () => {
    const converted = convertCheckpoint(load('wrn.pth'), 'wrn.pth');
    const spec = converted.manifest.spec!;
    expect(spec.architecture).toBe('wide_resnet50_2');
    expect(spec.preprocessing.kind).toBe('imagenet');
    expect(spec.taps).toEqual([
      { name: 'layer2', stride: 8, channels: 32 },
      { name: 'layer3', stride: 16, channels: 64 },
    ]);
    const backbone = await loadBackbone(memorySource(converted.files), 'converted');
    try {
      const acts = tapActivations(backbone, input, ['layer2', 'layer3']);
      expect(relativeError(acts.get('layer2')!.data, ref('layer2').data)).toBeLessThan(TOLERANCE);
      expect(relativeError(acts.get('layer3')!.data, ref('layer3').data)).toBeLessThan(TOLERANCE);
      expect(() => tapActivations(backbone, input, ['layer4'])).toThrow(/no layer4/);
    } finally {
      backbone.dispose();
    }
  });

  it('--stages layer3 drops layer4 from the folder', async () => {
    const converted = convertCheckpoint(load('wrn.pth'), 'wrn.pth', { stages: 3 });
    expect(converted.manifest.weightsManifest[0].weights.some((w) => w.name.startsWith('layer4.'))).toBe(false);
    expect(converted.report.ignored).toContain('layer4.0.conv1.weight');
    const backbone = await loadBackboneAllStages(memorySource(converted.files), 'truncated');
    expect(backbone.spec.taps.map((t) => t.name)).toEqual(['layer1', 'layer2', 'layer3']);
    backbone.dispose();
  });

  it('the convert and embed commands: folder on disk, PNG in, safetensors out (with and without --no-resize)', async () => {
    const work = mkdtempSync(join(tmpdir(), 'wrn-cli-'));
    try {
      const out = join(work, 'model');
      const lines: string[] = [];
      runConvert({ in: fileURLToPath(new URL('wrn-legacy.pth', FIXTURES)), out }, (l) => lines.push(l));
      expect(lines.join('\n')).toMatch(/format pth-legacy[\s\S]*wrote .*model\.json \+ 1 shards, 0\.7 MB of float32 weights/);
      // Converting again over a previous backbone folder replaces it.
      runConvert({ in: fileURLToPath(new URL('wrn.safetensors', FIXTURES)), out });
      const image = fileURLToPath(new URL('input.png', FIXTURES));
      const emb = join(work, 'emb.safetensors');
      await runEmbed({ model: out, image, out: emb, resize: false });
      const file = readSafetensors(new Uint8Array(readFileSync(emb)), emb);
      expect(file.metadata).toMatchObject({ layout: 'NCHW', dtype: 'float32', architecture: 'wide_resnet50_2', input: '88x72' });
      expect(file.tensors.map((t) => t.name)).toEqual(['layer2', 'layer3', 'layer4']);
      for (const t of file.tensors) {
        expect(t.dtype).toBe('F32');
        expect(relativeError(toFloat32(t), ref(t.name).data), t.name).toBeLessThan(TOLERANCE);
      }
      const resized = await runEmbed({ model: out, image, out: emb, resize: true, taps: 'layer2' });
      expect(resized.shapes).toEqual({ layer2: [1, 32, 28, 28] });
      await expect(runEmbed({ model: out, image, out: emb, resize: false, taps: 'layer5' })).rejects.toThrow(/unknown tap "layer5"/);
      // A non-empty folder that is not a backbone is never overwritten.
      writeFileSync(join(work, 'keep.txt'), 'x');
      expect(() => runConvert({ in: fileURLToPath(new URL('wrn.pth', FIXTURES)), out: work })).toThrow(/is not empty and holds no backbone/);
      expect(readFileSync(join(work, 'keep.txt'), 'utf8')).toBe('x');
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  });
});
