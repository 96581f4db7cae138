import * as tf from '../tf';
import type { BackboneSpec, TapName } from './spec';
import { RESNET50_IMAGENET } from './spec';
import type { ResNetWeights } from './resnet';
import { disposeWeights, foldWeights, resnetForward, STAGE_NAMES } from './resnet';
import { kerasResNetWeights } from './keras-resnet';
import { torchvisionResNetWeights } from './torchvision-resnet';
import type { FileSource, StrideOn } from './weights-file';
import { parseManifest, readWeights } from './weights-file';
import type { NamedTensors } from './named-tensors';
import { concatTensorBytes } from './named-tensors';

/** A loaded feature extractor: preprocessing plus the network up to its deepest tap. */
export class Backbone {
  constructor(
    readonly spec: BackboneSpec,
    private readonly weights: ResNetWeights,
    /** SHA-256 of the weight bytes, recorded in profiles. */
    readonly weightsHash: string,
  ) {}

  /** NHWC float RGB on the 0-255 scale -> network input. */
  preprocess(rgb255: tf.Tensor4D): tf.Tensor4D {
    return tf.tidy(() => {
      const p = this.spec.preprocessing;
      if (p.kind === 'caffe') return tf.sub(tf.reverse(rgb255, 3), tf.tensor1d(p.meanBgr)) as tf.Tensor4D;
      return tf.div(tf.sub(tf.div(rgb255, 255), tf.tensor1d(p.mean)), tf.tensor1d(p.std)) as tf.Tensor4D;
    });
  }

  /** Tap activations for a batch of RGB 0-255 images (NHWC). The caller disposes them. */
  features(rgb255: tf.Tensor4D, taps: TapName[] = this.spec.taps.map((t) => t.name)): Partial<Record<TapName, tf.Tensor4D>> {
    return tf.tidy(() => resnetForward(this.weights, this.preprocess(rgb255), taps));
  }

  dispose(): void {
    disposeWeights(this.weights);
  }
}

export async function hashTensors(tensors: NamedTensors): Promise<string> {
  const all = concatTensorBytes(tensors, [...tensors.keys()].sort());
  const digest = await crypto.subtle.digest('SHA-256', all);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Builds the canonical network from named tensors, up to the deepest stage the spec taps. */
export function buildWeights(
  spec: BackboneSpec,
  naming: 'keras' | 'torchvision',
  tensors: NamedTensors,
  batchNormEpsilon: Record<string, number> = {},
  /** torchvision naming: where a downsampling block strides (manifest `strideOn`; default the 3x3, as torchvision). */
  strideOn?: StrideOn,
): ResNetWeights {
  const stageCount = Math.max(...spec.taps.map((t) => STAGE_NAMES.indexOf(t.name))) + 1;
  const raw = naming === 'keras' ? kerasResNetWeights(tensors, batchNormEpsilon, stageCount) : torchvisionResNetWeights(tensors, stageCount, strideOn);
  const folded = foldWeights(raw);
  disposeWeights(raw);
  return folded;
}

/** Loads a backbone folder (`model.json` + shards) written by the build step or by `convert`. */
export async function loadBackbone(source: FileSource, where: string, onProgress?: (fraction: number) => void): Promise<Backbone> {
  const manifest = parseManifest(await source.readText('model.json'), where);
  const spec = manifest.spec ?? (manifest.architecture === 'resnet50' && manifest.weightNaming === 'keras' ? RESNET50_IMAGENET : undefined);
  if (!spec) throw new Error(`${where}: model.json does not describe its backbone (no spec)`);
  const tensors = await readWeights(manifest, source, where, onProgress);
  const hash = await hashTensors(tensors);
  try {
    return new Backbone(spec, buildWeights(spec, manifest.weightNaming, tensors, manifest.batchNormEpsilon, manifest.strideOn), hash);
  } catch (e) {
    throw new Error(`${where}: ${(e as Error).message}`, { cause: e });
  }
}
