import type { NamedTensors } from '../backbones/named-tensors';
import { sizeOf } from '../backbones/named-tensors';
import type { BackboneSpec, Preprocessing, Tap } from '../backbones/spec';
import { STAGE_STRIDES, wideResNetSpec } from '../backbones/spec';
import type { BackboneManifest, StrideOn, WeightEntry } from '../backbones/weights-file';
import { BACKBONE_FORMAT, float32ToFloat16 } from '../backbones/weights-file';
import type { ResNetLayout } from './resnet-layout';
import { expectedShapes } from './resnet-layout';

/**
 * Packs validated torchvision weights into the app's backbone folder format: a `model.json`
 * (TF.js weights manifest + BackboneSpec, weightNaming 'torchvision') and binary shards.
 */
export interface BackboneFile {
  path: string;
  bytes: Uint8Array;
}

export interface PackedBackbone {
  manifest: BackboneManifest;
  /** `model.json` first, then the shards. */
  files: BackboneFile[];
  /** Bytes of weights written (all shards). */
  weightBytes: number;
}

export interface PackOptions {
  id: string;
  label: string;
  /** Store weights as float16 (half the size; decoded to float32 on load). Default false: float32. */
  fp16?: boolean;
  /** Shard size in bytes (TF.js convention: 4 MiB). */
  shardBytes?: number;
  /** Where downsampling blocks stride; 'conv1' for a Keras ResNet50 v1 exported in torchvision names. Default 'conv2'. */
  strideOn?: StrideOn;
  /** Overrides of the converted spec (default: torchvision ImageNet preprocessing, resize 256, crop 224). */
  preprocessing?: Preprocessing;
  resize?: number;
  inputSize?: number;
}

/** TF.js-style shard size. */
export const SHARD_BYTES = 4 * 1024 * 1024;

/** The spec of a converted torchvision backbone: ImageNet preprocessing, taps layer2 + layer3. */
export function convertedSpec(layout: ResNetLayout, id: string, label: string): BackboneSpec {
  if (layout.blocks.length < 3) throw new Error(`the network needs at least layer1..layer3 for the layer2 + layer3 taps; it has ${layout.blocks.length} stage(s)`);
  const taps: Tap[] = (['layer2', 'layer3'] as const).map((name, i) => ({ name, stride: STAGE_STRIDES[name], channels: layout.outs[i + 1] }));
  return { ...wideResNetSpec(id, label), architecture: layout.architecture, taps };
}

/** Serialises the weights of `layout` (in network order) into shards and a manifest. */
export function packBackbone(layout: ResNetLayout, tensors: NamedTensors, options: PackOptions): PackedBackbone {
  const shapes = expectedShapes(layout);
  const half = options.fp16 ?? false;
  const bytesPer = half ? 2 : 4;
  let total = 0;
  for (const shape of shapes.values()) total += sizeOf(shape) * bytesPer;
  const all = new Uint8Array(total);
  const weights: WeightEntry[] = [];
  let offset = 0;
  for (const [name, shape] of shapes) {
    const t = tensors.get(name);
    if (!t || t.shape.join() !== shape.join()) throw new Error(`weight "${name}" is missing or has the wrong shape`);
    const src = half ? float32ToFloat16(t.data) : t.data;
    all.set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength), offset);
    offset += src.byteLength;
    weights.push(half ? { name, shape, dtype: 'float32', quantization: { dtype: 'float16' } } : { name, shape, dtype: 'float32' });
  }
  const shardBytes = options.shardBytes ?? SHARD_BYTES;
  const count = Math.max(1, Math.ceil(total / shardBytes));
  const width = Math.max(2, String(count).length);
  const shards: BackboneFile[] = [];
  for (let i = 0; i < count; i++) {
    const path = `weights-${String(i + 1).padStart(width, '0')}-of-${String(count).padStart(width, '0')}.bin`;
    shards.push({ path, bytes: all.subarray(i * shardBytes, Math.min(total, (i + 1) * shardBytes)) });
  }
  const manifest: BackboneManifest = {
    format: BACKBONE_FORMAT,
    formatVersion: 1,
    architecture: layout.architecture,
    weightNaming: 'torchvision',
    ...(options.strideOn === 'conv1' ? { strideOn: 'conv1' as const } : {}),
    spec: {
      ...convertedSpec(layout, options.id, options.label),
      ...(options.preprocessing ? { preprocessing: options.preprocessing } : {}),
      ...(options.resize ? { resize: options.resize } : {}),
      ...(options.inputSize ? { inputSize: options.inputSize } : {}),
    },
    weightsManifest: [{ paths: shards.map((s) => s.path), weights }],
  };
  const json = new TextEncoder().encode(JSON.stringify(manifest, null, 1));
  return { manifest, files: [{ path: 'model.json', bytes: json }, ...shards], weightBytes: total };
}
