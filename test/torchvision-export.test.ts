import { relativeError } from '../src/engine/convert/testing';
import * as tf from '../src/engine/tf';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backbone } from '../src/engine/backbones/backbone';
import { loadBackbone } from '../src/engine/backbones/backbone';
import { RESNET50_IMAGENET } from '../src/engine/backbones/spec';
import { TORCHVISION_STRIDE_SNIPPET } from '../src/engine/backbones/torchvision-names';
import { torchvisionResNetKeys } from '../src/engine/backbones/torchvision-resnet';
import { allTensors, readTrainableSource } from '../src/engine/backbones/trainable';
import { readSafetensors } from '../src/engine/convert/safetensors';
import { packFineTuned } from '../src/engine/tocoad/export';
import { seededRandom } from '../src/engine/patchcore/random';
import { runConvert } from '../src/cli/commands/convert';
import { runExportBackbone } from '../src/cli/commands/export-backbone';
import { backboneFolder, loadBackboneArg } from '../src/node/backbones';
import { folderSource } from '../src/node/file-source';
import { initNodeBackend } from '../src/node/tf-backend';

/**
 * The bundled Keras ResNet50 (public/models/resnet50-imagenet, written by `npm run prepare-models`) exported in
 * torchvision names (`export-backbone`, the app's Export button) and converted back (`convert`, the app's drop zone):
 * same layer2 / layer3 features on a fixed image, torchvision's key set, and the same for a model fine-tuned from it.
 */
const TOLERANCE = 1e-5;


async function tapFeatures(backbone: Backbone, rgb: tf.Tensor4D): Promise<Record<'layer2' | 'layer3', Float32Array>> {
  const f = backbone.features(rgb, ['layer2', 'layer3']);
  const out = { layer2: (await f.layer2!.data()) as Float32Array, layer3: (await f.layer3!.data()) as Float32Array };
  f.layer2!.dispose();
  f.layer3!.dispose();
  return out;
}

describe('bundled ResNet50 exported in torchvision names', () => {
  let dir: string;
  let rgb: tf.Tensor4D;
  beforeAll(async () => {
    await initNodeBackend('wasm');
    dir = mkdtempSync(join(tmpdir(), 'ai-tv-export-'));
    const random = seededRandom(7);
    rgb = tf.tensor4d(Float32Array.from({ length: 224 * 224 * 3 }, () => Math.floor(random() * 256)), [1, 224, 224, 3]);
  });
  afterAll(() => {
    rgb?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('export -> convert -> load gives the same layer2 / layer3 features, with torchvision resnet50 keys', async () => {
    const file = join(dir, 'resnet50.safetensors');
    const exported = await runExportBackbone({ out: file });
    const st = readSafetensors(new Uint8Array(readFileSync(file)), file);
    // Every stage, layer4 (the bundled folder's extra group) included, in torchvision's state_dict() order.
    expect(st.tensors.map((t) => t.name)).toEqual(torchvisionResNetKeys(4));
    expect(st.tensors.every((t) => t.dtype === 'F32')).toBe(true);
    expect(st.tensors.find((t) => t.name === 'conv1.weight')!.shape).toEqual([64, 3, 7, 7]);
    expect(st.tensors.find((t) => t.name === 'layer2.0.conv1.weight')!.shape).toEqual([128, 256, 1, 1]);
    expect(st.metadata.stride_on).toBe('conv1');
    expect(st.metadata.bn_eps).toBe('0.00001');
    expect(st.metadata.torchvision_note).toContain(TORCHVISION_STRIDE_SNIPPET);
    expect(JSON.parse(st.metadata.spec)).toEqual(RESNET50_IMAGENET);
    expect(st.metadata.weightsHash).toBe(exported.weightsHash);

    const folder = join(dir, 'reimported');
    runConvert({ in: file, out: folder });
    const manifest = JSON.parse(readFileSync(join(folder, 'model.json'), 'utf8'));
    expect(manifest.weightNaming).toBe('torchvision');
    expect(manifest.strideOn).toBe('conv1');
    expect(manifest.spec.id).toBe('resnet50-imagenet-converted');
    expect(manifest.spec.preprocessing).toEqual(RESNET50_IMAGENET.preprocessing);

    const original = await loadBackboneArg();
    const reimported = await loadBackboneArg(folder);
    expect(reimported.weightsHash).toBe(exported.weightsHash);
    const [a, b] = [await tapFeatures(original, rgb), await tapFeatures(reimported, rgb)];
    for (const tap of ['layer2', 'layer3'] as const) {
      const err = relativeError(b[tap], a[tap]);
      console.log(`bundled ResNet50 export -> convert round trip, ${tap}: max |diff| / max |value| = ${err.toExponential(2)}`);
      expect(err, tap).toBeLessThan(TOLERANCE);
    }
    original.dispose();
    reimported.dispose();
  });

  it('does the same for a model fine-tuned from it (Keras names, layer4 in the extra group)', async () => {
    const base = await readTrainableSource(folderSource(backboneFolder()), 'bundled');
    // A stand-in for training: every batch-norm gamma and the layer3 kernels changed.
    const random = seededRandom(11);
    const tuned = new Map(
      [...allTensors(base)].map(([k, t]) => [k, /\/gamma$|^res4.*\/kernel$/.test(k) ? { shape: t.shape, data: t.data.map((v) => v * (0.9 + 0.2 * random())) } : t]),
    );
    const packed = packFineTuned(base, tuned, { id: 'resnet50-tuned', label: 'ResNet50 tuned', fineTuned: { from: base.weightsHash } });
    const tunedDir = join(dir, 'tuned');
    mkdirSync(tunedDir, { recursive: true });
    for (const f of packed.files) writeFileSync(join(tunedDir, f.path), f.bytes);
    const file = join(dir, 'tuned.safetensors');
    const exported = await runExportBackbone({ backbone: tunedDir, out: file });
    const st = readSafetensors(new Uint8Array(readFileSync(file)), file);
    expect(st.tensors.map((t) => t.name)).toEqual(torchvisionResNetKeys(4));
    expect(JSON.parse(st.metadata.fineTuned)).toEqual({ from: base.weightsHash });
    const folder = join(dir, 'tuned-reimported');
    runConvert({ in: file, out: folder });
    const original = await loadBackbone(folderSource(tunedDir), tunedDir);
    const reimported = await loadBackboneArg(folder);
    expect(reimported.spec.id).toBe('resnet50-tuned');
    expect(reimported.weightsHash).toBe(exported.weightsHash);
    const [a, b] = [await tapFeatures(original, rgb), await tapFeatures(reimported, rgb)];
    for (const tap of ['layer2', 'layer3'] as const) {
      const err = relativeError(b[tap], a[tap]);
      console.log(`fine-tuned ResNet50 export -> convert round trip, ${tap}: ${err.toExponential(2)}`);
      expect(err, tap).toBeLessThan(TOLERANCE);
    }
    original.dispose();
    reimported.dispose();
  });
});
