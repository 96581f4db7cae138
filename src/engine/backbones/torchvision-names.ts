import { writeSafetensors } from '../convert/safetensors';
import { hashTensors } from './backbone';
import { KERAS_DEFAULT_BN_EPSILON } from './keras-resnet';
import type { HostTensor, NamedTensors } from './named-tensors';
import { take } from './named-tensors';
import { RESNET50_BLOCKS } from './resnet';
import type { BackboneSpec, Preprocessing } from './spec';
import { allTensors, hwioToOihw, stagesPresent } from './trainable';
import type { TrainableManifest } from './trainable';
import { TORCHVISION_BN_EPSILON, torchvisionResNetKeys } from './torchvision-resnet';
import type { StrideOn } from './weights-file';

/**
 * Any backbone this app holds as a torchvision-named state dict, and the `.safetensors` the app and
 * `npm run cli -- export-backbone` write from it.
 *
 * A Keras ResNet50 v1 (the bundled model, and models fine-tuned from it) maps onto torchvision's names exactly:
 *
 *   conv1 / bn_conv1                        -> conv1 / bn1
 *   res{s+1}{a,b,..}_branch2{a,b,c}         -> layer{s}.{0,1,..}.conv{1,2,3}   (bn.. -> bn{1,2,3})
 *   res{s+1}a_branch1 / bn{s+1}a_branch1    -> layer{s}.0.downsample.0 / downsample.1
 *   kernel HWIO                             -> weight OIHW
 *   gamma, beta, moving_mean, moving_variance -> weight, bias, running_mean, running_var
 *
 * torchvision's convolutions have no bias and its batch norm uses eps 1e-5, so both differences are folded into
 * the batch norm that follows, leaving the function unchanged: BN(conv(x) + b) with mean m is BN(conv(x)) with
 * mean m - b, and (v + eps_keras) = (v + eps_keras - 1e-5) + 1e-5.
 *
 * What does not map: Keras v1 strides on the first 1x1 convolution of layer2..layer4's first block, torchvision
 * (v1.5) on the 3x3. The weights are the same shapes either way, so the file records `stride_on: "conv1"` in its
 * `__metadata__`; this app's converter honours it, and stock torchvision needs the stride moved after loading
 * (see {@link TORCHVISION_STRIDE_SNIPPET}).
 */

/** The PyTorch lines that give torchvision's resnet50 the stride placement of a `stride_on: "conv1"` file. */
export const TORCHVISION_STRIDE_SNIPPET =
  'for layer in (model.layer2, model.layer3, model.layer4):\n    layer[0].conv1.stride = (2, 2)\n    layer[0].conv2.stride = (1, 1)';

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

function foldedBatchNorm(
  keras: NamedTensors,
  bn: string,
  bias: HostTensor | undefined,
  epsilon: number,
  out: NamedTensors,
  prefix: string,
  channels: number,
): void {
  const gamma = take(keras, `${bn}/gamma`, [channels]);
  const beta = take(keras, `${bn}/beta`, [channels]);
  const mean = take(keras, `${bn}/moving_mean`, [channels]);
  const variance = take(keras, `${bn}/moving_variance`, [channels]);
  const m = new Float32Array(channels);
  const v = new Float32Array(channels);
  const dEps = epsilon - TORCHVISION_BN_EPSILON;
  for (let i = 0; i < channels; i++) {
    // In float64, rounded once to float32.
    m[i] = mean.data[i] - (bias ? bias.data[i] : 0);
    v[i] = variance.data[i] + dEps;
  }
  out.set(`${prefix}.weight`, { shape: [channels], data: Float32Array.from(gamma.data) });
  out.set(`${prefix}.bias`, { shape: [channels], data: Float32Array.from(beta.data) });
  out.set(`${prefix}.running_mean`, { shape: [channels], data: m });
  out.set(`${prefix}.running_var`, { shape: [channels], data: v });
}

function mapConv(keras: NamedTensors, epsilons: Record<string, number>, conv: string, bn: string, torchConv: string, torchBn: string, out: NamedTensors): void {
  const k = take(keras, `${conv}/kernel`);
  if (k.shape.length !== 4) throw new Error(`weight "${conv}/kernel" must be 4-D, got [${k.shape}]`);
  const channels = k.shape[3];
  const bias = keras.has(`${conv}/bias`) ? take(keras, `${conv}/bias`, [channels]) : undefined;
  out.set(`${torchConv}.weight`, hwioToOihw(k.data, k.shape));
  foldedBatchNorm(keras, bn, bias, epsilons[bn] ?? KERAS_DEFAULT_BN_EPSILON, out, torchBn, channels);
}

/**
 * A Keras-named ResNet50 (conv1, bn_conv1, res2a_branch2a, ...) as a torchvision-named state dict, in the order of
 * torchvision's `state_dict()` (without fc and num_batches_tracked). `stageCount` defaults to every stage present;
 * the result's function equals the Keras network's once the stride is placed on conv1 (see the module comment).
 */
export function kerasToTorchvision(keras: NamedTensors, epsilons: Record<string, number>, stageCount = stagesPresent('keras', keras)): NamedTensors {
  if (stageCount < 1) throw new Error('the Keras weights hold no stage (no res2a_branch2a)');
  const out: NamedTensors = new Map();
  mapConv(keras, epsilons, 'conv1', 'bn_conv1', 'conv1', 'bn1', out);
  for (let s = 0; s < stageCount; s++) {
    for (let b = 0; b < RESNET50_BLOCKS[s]; b++) {
      const id = `${s + 2}${LETTERS[b]}`;
      const p = `layer${s + 1}.${b}`;
      (['a', 'b', 'c'] as const).forEach((branch, i) => mapConv(keras, epsilons, `res${id}_branch2${branch}`, `bn${id}_branch2${branch}`, `${p}.conv${i + 1}`, `${p}.bn${i + 1}`, out));
      if (b === 0) mapConv(keras, epsilons, `res${id}_branch1`, `bn${id}_branch1`, `${p}.downsample.0`, `${p}.downsample.1`, out);
    }
  }
  return out;
}

export interface TorchvisionStateDict {
  /** torchvision names, network order, float32. */
  tensors: NamedTensors;
  /** Where layer2..layer4's first block strides in this network. */
  strideOn: StrideOn;
  /** Stages held (3 = up to layer3, 4 = up to layer4). */
  stageCount: number;
}

/**
 * Every stored weight of a backbone (the inference group and the training-only extra group, where the bundled
 * ResNet50 keeps layer4) in torchvision naming. torchvision-named backbones pass through unchanged.
 */
export function torchvisionStateDict(manifest: Pick<TrainableManifest, 'weightNaming' | 'batchNormEpsilon' | 'strideOn'>, main: NamedTensors, extra: NamedTensors = new Map()): TorchvisionStateDict {
  const all = allTensors({ main, extra });
  if (manifest.weightNaming === 'keras') {
    const stageCount = stagesPresent('keras', all);
    return { tensors: kerasToTorchvision(all, manifest.batchNormEpsilon ?? {}, stageCount), strideOn: 'conv1', stageCount };
  }
  return { tensors: all, strideOn: manifest.strideOn ?? 'conv2', stageCount: stagesPresent('torchvision', all) };
}

/** How to feed the network, in words, for the file's readers. */
export function describePreprocessing(spec: Pick<BackboneSpec, 'preprocessing' | 'resize' | 'inputSize'>): string {
  const p: Preprocessing = spec.preprocessing;
  const geometry = `resize ${spec.resize}x${spec.resize} (bilinear), centre crop ${spec.inputSize}x${spec.inputSize}`;
  if (p.kind === 'caffe') return `${geometry}; Caffe/Keras input: channels in BGR order, 0-255 scale, minus the BGR means [${p.meanBgr.join(', ')}] (no division)`;
  return `${geometry}; torchvision input: RGB scaled to 0-1, minus mean [${p.mean.join(', ')}], divided by std [${p.std.join(', ')}]`;
}

export interface BackboneExportSource {
  manifest: TrainableManifest;
  spec: BackboneSpec;
  main: NamedTensors;
  extra: NamedTensors;
  /** SHA-256 of the backbone as stored (`loadBackbone`'s hash of its inference weights). */
  weightsHash: string;
}

export interface BackboneExport {
  bytes: Uint8Array;
  /** Hash of the exported tensors: what a re-import of this file records in profiles. */
  weightsHash: string;
  metadata: Record<string, string>;
  tensorCount: number;
  strideOn: StrideOn;
  stageCount: number;
}

/**
 * One `.safetensors` file of a backbone in torchvision naming (float32), with everything needed to use it again in
 * `__metadata__`: the spec (preprocessing included), `stride_on`, batch-norm eps, and for a `stride_on: "conv1"`
 * network the PyTorch lines that move torchvision's stride. `extraMetadata` entries are added as they are.
 */
export async function exportTorchvisionSafetensors(src: BackboneExportSource, extraMetadata: Record<string, string> = {}): Promise<BackboneExport> {
  const sd = torchvisionStateDict(src.manifest, src.main, src.extra);
  // Network order for files of the stock layout; other (reduced) layouts keep their stored order.
  const canonical = torchvisionResNetKeys(sd.stageCount);
  const names = canonical.every((k) => sd.tensors.has(k)) && canonical.length === sd.tensors.size ? canonical : [...sd.tensors.keys()];
  const weightsHash = await hashTensors(sd.tensors);
  const spec: BackboneSpec = { ...src.spec };
  const metadata: Record<string, string> = {
    format: 'pt',
    generator: 'anomaly-inspector',
    naming: 'torchvision',
    architecture: src.manifest.architecture,
    spec: JSON.stringify(spec),
    preprocessing: describePreprocessing(spec),
    stride_on: sd.strideOn,
    bn_eps: String(TORCHVISION_BN_EPSILON),
    weightsHash,
    ...(weightsHash !== src.weightsHash ? { sourceWeightsHash: src.weightsHash } : {}),
    ...(src.manifest.weightNaming === 'keras'
      ? { converted_from: 'Keras ResNet50 v1 names (HWIO kernels, conv biases and per-layer batch-norm eps folded into running_mean / running_var)' }
      : {}),
    ...(src.manifest.fineTuned ? { fineTuned: JSON.stringify(src.manifest.fineTuned) } : {}),
    ...(sd.strideOn === 'conv1'
      ? {
          torchvision_note:
            'Weights load 1:1 into torchvision.models.resnet50() (load_state_dict(sd, strict=False): fc and num_batches_tracked are absent), ' +
            'but this network strides on conv1 (1x1) of the first block of layer2..layer4, as Keras ResNet50 v1, where torchvision strides on conv2 (3x3). ' +
            `Move the stride after loading:\n${TORCHVISION_STRIDE_SNIPPET}`,
        }
      : {}),
    ...extraMetadata,
  };
  const bytes = writeSafetensors(
    names.map((name) => {
      const t = take(sd.tensors, name);
      return { name, dtype: 'F32' as const, shape: t.shape, data: t.data };
    }),
    metadata,
  );
  return { bytes, weightsHash, metadata, tensorCount: names.length, strideOn: sd.strideOn, stageCount: sd.stageCount };
}

/** What a file written by {@link exportTorchvisionSafetensors} tells the converter; fields are absent when not given. */
export interface ExportedBackboneMetadata {
  strideOn?: StrideOn;
  id?: string;
  label?: string;
  preprocessing?: Preprocessing;
  resize?: number;
  inputSize?: number;
}

const isTriple = (v: unknown): v is [number, number, number] => Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'number' && Number.isFinite(x));
const isSize = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0 && v <= 4096;

function parsePreprocessing(p: unknown): Preprocessing | undefined {
  const o = p as Record<string, unknown> | null;
  if (o?.kind === 'caffe' && isTriple(o.meanBgr)) return { kind: 'caffe', meanBgr: [...o.meanBgr] };
  if (o?.kind === 'imagenet' && isTriple(o.mean) && isTriple(o.std) && o.std.every((x) => x > 0)) return { kind: 'imagenet', mean: [...o.mean], std: [...o.std] };
  return undefined;
}

/**
 * Reads `stride_on` and the `spec` (id, label, preprocessing, geometry) from a safetensors `__metadata__`. A
 * `stride_on` other than conv1 / conv2 is an error (the network would silently compute something else); a spec that
 * is not valid JSON is ignored, field by field.
 */
export function readExportedMetadata(metadata: Record<string, string>): ExportedBackboneMetadata {
  const out: ExportedBackboneMetadata = {};
  const strideOn = metadata.stride_on;
  if (strideOn !== undefined) {
    if (strideOn !== 'conv1' && strideOn !== 'conv2') throw new Error(`__metadata__.stride_on is "${strideOn}"; expected "conv1" or "conv2"`);
    out.strideOn = strideOn;
  }
  if (metadata.spec === undefined) return out;
  let spec: Record<string, unknown> | null;
  try {
    spec = JSON.parse(metadata.spec);
  } catch {
    return out;
  }
  if (!spec || typeof spec !== 'object') return out;
  if (typeof spec.id === 'string' && spec.id) out.id = spec.id;
  if (typeof spec.label === 'string' && spec.label) out.label = spec.label;
  const preprocessing = parsePreprocessing(spec.preprocessing);
  if (preprocessing) out.preprocessing = preprocessing;
  if (isSize(spec.resize) && isSize(spec.inputSize) && spec.inputSize <= spec.resize) {
    out.resize = spec.resize;
    out.inputSize = spec.inputSize;
  }
  return out;
}
