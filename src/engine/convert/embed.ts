import * as tf from '../tf';
import { Backbone, buildWeights, hashTensors } from '../backbones/backbone';
import type { NamedTensors } from '../backbones/named-tensors';
import type { BackboneSpec, Tap, TapName } from '../backbones/spec';
import { RESNET50_IMAGENET, STAGE_STRIDES } from '../backbones/spec';
import { STAGE_NAMES } from '../backbones/resnet';
import type { FileSource } from '../backbones/weights-file';
import { parseManifest, readWeights } from '../backbones/weights-file';
import type { RgbImage } from '../image/types';
import { writeSafetensors } from './safetensors';

/**
 * Raw tap activations of a backbone folder for one image, as a safetensors file: what `embed`
 * writes to compare the converted network with PyTorch.
 */

/** Output channels of each stage whose weights a folder holds (torchvision or Keras naming). */
export function stagesInWeights(naming: 'keras' | 'torchvision', tensors: NamedTensors): Tap[] {
  const taps: Tap[] = [];
  for (let s = 0; s < 4; s++) {
    const name = STAGE_NAMES[s];
    // The output channels are those of the stage's first block's last convolution.
    const t = naming === 'torchvision' ? tensors.get(`layer${s + 1}.0.conv3.weight`) : tensors.get(`res${s + 2}a_branch2c/kernel`);
    if (!t) break;
    taps.push({ name, stride: STAGE_STRIDES[name], channels: naming === 'torchvision' ? t.shape[0] : t.shape[3] });
  }
  return taps;
}

/**
 * Loads a backbone folder with every stage its weights hold, layer1 to layer4, rather than only up
 * to the spec's deepest tap as loadBackbone does; the spec's taps become those stages.
 */
export async function loadBackboneAllStages(source: FileSource, where: string): Promise<Backbone> {
  const manifest = parseManifest(await source.readText('model.json'), where);
  const base = manifest.spec ?? (manifest.architecture === 'resnet50' && manifest.weightNaming === 'keras' ? RESNET50_IMAGENET : undefined);
  if (!base) throw new Error(`${where}: model.json does not describe its backbone (no spec)`);
  const tensors = await readWeights(manifest, source, where);
  const taps = stagesInWeights(manifest.weightNaming, tensors);
  if (taps.length === 0) throw new Error(`${where}: the weights hold no complete stage`);
  const spec: BackboneSpec = { ...base, taps };
  try {
    return new Backbone(spec, buildWeights(spec, manifest.weightNaming, tensors, manifest.batchNormEpsilon, manifest.strideOn), await hashTensors(tensors));
  } catch (e) {
    throw new Error(`${where}: ${(e as Error).message}`, { cause: e });
  }
}

/** Tap activations as float32 NCHW ([1, C, H, W], PyTorch's layout), keyed by tap name. */
export function tapActivations(backbone: Backbone, image: RgbImage, taps: TapName[]): Map<TapName, { shape: number[]; data: Float32Array }> {
  if (image.data.length !== image.width * image.height * 3) throw new Error(`the image holds ${image.data.length} bytes, not ${image.width}x${image.height}x3`);
  const out = new Map<TapName, { shape: number[]; data: Float32Array }>();
  const x = tf.tensor4d(Float32Array.from(image.data), [1, image.height, image.width, 3]);
  try {
    const feats = backbone.features(x, taps);
    for (const name of taps) {
      const f = feats[name];
      if (!f) continue;
      const nchw = tf.transpose(f, [0, 3, 1, 2]);
      out.set(name, { shape: nchw.shape, data: nchw.dataSync() as Float32Array });
      nchw.dispose();
    }
    for (const f of Object.values(feats)) f?.dispose();
  } finally {
    x.dispose();
  }
  return out;
}

/** Serialises tap activations to safetensors, F32 NCHW, with the layout and backbone in `__metadata__`. */
export function activationsToSafetensors(backbone: Backbone, acts: Map<TapName, { shape: number[]; data: Float32Array }>, extra: Record<string, string> = {}): Uint8Array {
  const tensors = [...acts].map(([name, a]) => ({ name, dtype: 'F32' as const, shape: a.shape, data: a.data }));
  return writeSafetensors(tensors, {
    layout: 'NCHW',
    dtype: 'float32',
    backbone: backbone.spec.id,
    architecture: backbone.spec.architecture,
    preprocessing: backbone.spec.preprocessing.kind,
    taps: [...acts.keys()].join(','),
    ...extra,
  });
}
