import { RESNET50_IMAGENET } from '../backbones/spec';
import type { ExportedBackboneMetadata } from '../backbones/torchvision-names';
import { readExportedMetadata } from '../backbones/torchvision-names';
import type { CheckpointFormat } from './checkpoint';
import { readCheckpoint } from './checkpoint';
import { CheckpointError, guarded } from './errors';
import type { ResNetLayout, ValidatedWeights } from './resnet-layout';
import { describeLayout, truncateLayout, validateResNet } from './resnet-layout';
import { findStateDict } from './state-dict';
import type { PackedBackbone } from './to-backbone';
import { packBackbone } from './to-backbone';

/**
 * Checkpoint bytes in, backbone folder files out: the whole conversion as one pure call, shared
 * by `npm run cli -- convert` and the app's Web Worker.
 */
export interface ConvertOptions {
  /** Spec id; default derived from the file name. */
  id?: string;
  /** Spec label; default "<architecture> (converted from <file>)". */
  label?: string;
  /** float16 weights (half size). Default false: float32, exact. */
  fp16?: boolean;
  /** Keep only layer1..layer<N> (3 drops layer4, which the default taps never use). Default: all. */
  stages?: number;
  /** Reports progress in [0, 1] with the current step. */
  onProgress?: (fraction: number, step: 'read' | 'pack') => void;
}

export interface ConversionReport {
  format: CheckpointFormat;
  /** Where the state dict sat in the file, e.g. ['state_dict']. */
  path: string[];
  strippedPrefixes: string[];
  layout: ResNetLayout;
  description: string;
  /** Keys in the checkpoint that the backbone does not use: fc, num_batches_tracked, deeper stages. */
  ignored: string[];
  /** Keys that fit nowhere in the layout (reported as warnings). */
  unexpected: string[];
  /** Non-tensor entries beside the weights. */
  nonTensorKeys: string[];
}

export interface ConversionResult extends PackedBackbone {
  report: ConversionReport;
}

/** A spec id from a file name: `wide_resnet50_2-my-model`. */
export function defaultBackboneId(fileName: string, architecture: string): string {
  const stem = (fileName.split(/[\\/]/).pop() ?? fileName).replace(/\.(pth|pt|ckpt|bin|safetensors)$/i, '');
  const slug = stem.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 48);
  return slug ? `${architecture}-${slug}` : architecture;
}

export interface CheckpointWeights {
  format: CheckpointFormat;
  /** Where the state dict sat in the file, e.g. ['state_dict']. */
  path: string[];
  strippedPrefixes: string[];
  nonTensorKeys: string[];
  /** safetensors `__metadata__` (empty for .pth files). */
  metadata: Record<string, string>;
  /** The validated layout and its float32 tensors under torchvision names, plus ignored / unexpected keys. */
  weights: ValidatedWeights;
}

/**
 * Bytes in, NamedTensors out: reads a checkpoint (.pth zip / legacy, .safetensors), finds the state
 * dict, strips prefixes and validates it against the torchvision bottleneck-ResNet layout.
 */
export function readResNetCheckpoint(bytes: Uint8Array, fileName: string, onProgress?: (fraction: number) => void): CheckpointWeights {
  return guarded(fileName, () => readResNet(bytes, fileName, onProgress));
}

function readResNet(bytes: Uint8Array, fileName: string, onProgress?: (fraction: number) => void): CheckpointWeights {
  const checkpoint = readCheckpoint(bytes, fileName, onProgress);
  const sd = findStateDict(checkpoint.root, fileName);
  return {
    format: checkpoint.format,
    path: sd.path,
    strippedPrefixes: sd.strippedPrefixes,
    nonTensorKeys: sd.nonTensorKeys,
    metadata: checkpoint.metadata,
    weights: validateResNet(sd.tensors, fileName),
  };
}

/**
 * Converts a PyTorch / safetensors checkpoint of a torchvision (Wide)ResNet50 into backbone files. A safetensors
 * `__metadata__` written by this app's export (src/engine/backbones/torchvision-names.ts) is honoured: `stride_on`
 * (a Keras ResNet50 v1 strides on conv1), and the spec's preprocessing, geometry, id and label (options win over
 * id and label; the bundled model's id is never reused, as the weights hash differs).
 */
export function convertCheckpoint(bytes: Uint8Array, fileName: string, options: ConvertOptions = {}): ConversionResult {
  return guarded(fileName, () => convert(bytes, fileName, options));
}

function convert(bytes: Uint8Array, fileName: string, options: ConvertOptions): ConversionResult {
  const read = readResNetCheckpoint(bytes, fileName, (f) => options.onProgress?.(f, 'read'));
  let exported: ExportedBackboneMetadata;
  try {
    exported = readExportedMetadata(read.metadata);
  } catch (e) {
    throw new CheckpointError(fileName, (e as Error).message, { cause: e });
  }
  const valid = read.weights;
  let layout = valid.layout;
  const ignored = [...valid.ignored];
  if (options.stages !== undefined) {
    if (!Number.isInteger(options.stages) || options.stages < 3 || options.stages > 4) throw new CheckpointError(fileName, `stages must be 3 or 4, not ${options.stages}`);
    if (options.stages < layout.blocks.length) {
      layout = truncateLayout(layout, options.stages);
      ignored.push(...[...valid.tensors.keys()].filter((k) => Number(/^layer(\d)\./.exec(k)?.[1] ?? 0) > options.stages!));
    }
  }
  const description = describeLayout(layout);
  const exportedId = exported.id === RESNET50_IMAGENET.id ? `${exported.id}-converted` : exported.id;
  const id = options.id ?? exportedId ?? defaultBackboneId(fileName, layout.architecture);
  const label = options.label ?? exported.label ?? `${description} (converted from ${fileName.split(/[\\/]/).pop()})`;
  options.onProgress?.(0, 'pack');
  let packed: PackedBackbone;
  try {
    packed = packBackbone(layout, valid.tensors, {
      id,
      label,
      fp16: options.fp16,
      strideOn: exported.strideOn,
      preprocessing: exported.preprocessing,
      ...(exported.resize ? { resize: exported.resize, inputSize: exported.inputSize } : {}),
    });
  } catch (e) {
    throw new CheckpointError(fileName, (e as Error).message, { cause: e });
  }
  options.onProgress?.(1, 'pack');
  return {
    ...packed,
    report: { format: read.format, path: read.path, strippedPrefixes: read.strippedPrefixes, layout, description, ignored, unexpected: valid.unexpected, nonTensorKeys: read.nonTensorKeys },
  };
}
