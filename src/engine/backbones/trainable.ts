import type { NamedTensors } from './named-tensors';
import type { BackboneManifest, FileSource } from './weights-file';
import { parseManifest, readWeights } from './weights-file';
import type { BackboneSpec } from './spec';
import { RESNET50_IMAGENET } from './spec';
import { hashTensors } from './backbone';
import type { ResNetWeights } from './resnet';
import { RESNET50_BLOCKS } from './resnet';
import { kerasResNetWeights } from './keras-resnet';
import { torchvisionBlockCounts, torchvisionResNetWeights } from './torchvision-resnet';

/**
 * Backbones for training: every stored weight (including an optional `extraWeightsManifest` group, where the
 * bundled ResNet50 keeps layer4, which inference never loads), the network unfolded (batch norm separate), and the
 * source name of every convolution and batch-norm tensor so trained values can be written back under the same names.
 */
export type WeightGroup = BackboneManifest['weightsManifest'][number];

/** model.json as the trainer reads and writes it: the inference manifest plus optional training-only extras. */
export interface TrainableManifest extends BackboneManifest {
  /** Weights the app's inference does not need (layer4 of the bundled model); read only for training. */
  extraWeightsManifest?: WeightGroup[];
  /** Present on fine-tuned models: what they were trained from and how. */
  fineTuned?: Record<string, unknown>;
}

export interface TrainableSource {
  manifest: TrainableManifest;
  spec: BackboneSpec;
  /** Weights of `weightsManifest` (what inference loads, and what its weights hash covers). */
  main: NamedTensors;
  /** Weights of `extraWeightsManifest` (may be empty). */
  extra: NamedTensors;
  /** SHA-256 of the inference weights, as `loadBackbone` computes it. */
  weightsHash: string;
  /** Stages present (3 = up to layer3, 4 = up to layer4). */
  stageCount: number;
}

export function allTensors(src: Pick<TrainableSource, 'main' | 'extra'>): NamedTensors {
  return new Map([...src.main, ...src.extra]);
}

export function stagesPresent(naming: 'keras' | 'torchvision', tensors: NamedTensors): number {
  if (naming === 'torchvision') {
    const missing = torchvisionBlockCounts(tensors, 4).indexOf(0);
    return missing === -1 ? 4 : missing;
  }
  let n = 0;
  while (n < 4 && tensors.has(`res${n + 2}a_branch2a/kernel`)) n++;
  return n;
}

/** Reads a backbone folder with all its weights (inference and extra). */
export async function readTrainableSource(source: FileSource, where: string, onProgress?: (fraction: number) => void): Promise<TrainableSource> {
  const text = await source.readText('model.json');
  const manifest = parseManifest(text, where) as TrainableManifest;
  const spec = manifest.spec ?? (manifest.architecture === 'resnet50' && manifest.weightNaming === 'keras' ? RESNET50_IMAGENET : undefined);
  if (!spec) throw new Error(`${where}: model.json does not describe its backbone (no spec)`);
  const main = await readWeights(manifest, source, where, (f) => onProgress?.(f * 0.8));
  const extra = manifest.extraWeightsManifest?.length
    ? await readWeights({ ...manifest, weightsManifest: manifest.extraWeightsManifest }, source, where, (f) => onProgress?.(0.8 + f * 0.2))
    : new Map();
  const stageCount = stagesPresent(manifest.weightNaming, allTensors({ main, extra }));
  return { manifest, spec, main, extra, weightsHash: await hashTensors(main), stageCount };
}

/** The unfolded network (batch norm kept separate) of the first `stageCount` stages. */
export function unfoldedWeights(src: TrainableSource, stageCount: number): ResNetWeights {
  const tensors = allTensors(src);
  if (src.manifest.weightNaming === 'keras') return kerasResNetWeights(tensors, src.manifest.batchNormEpsilon ?? {}, stageCount);
  return torchvisionResNetWeights(tensors, stageCount, src.manifest.strideOn);
}

/** Source names of one convolution and its batch norm. */
export interface ConvNames {
  kernel: string;
  /** torchvision stores kernels OIHW, Keras HWIO (the canonical layout). */
  kernelLayout: 'HWIO' | 'OIHW';
  gamma: string;
  beta: string;
  mean: string;
  variance: string;
}

export interface BottleneckNames {
  conv1: ConvNames;
  conv2: ConvNames;
  conv3: ConvNames;
  downsample?: ConvNames;
}

export interface ResNetNames {
  stem: ConvNames;
  stages: BottleneckNames[][];
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';

function kerasConv(conv: string, bn: string): ConvNames {
  return { kernel: `${conv}/kernel`, kernelLayout: 'HWIO', gamma: `${bn}/gamma`, beta: `${bn}/beta`, mean: `${bn}/moving_mean`, variance: `${bn}/moving_variance` };
}

function torchConv(conv: string, bn: string): ConvNames {
  return { kernel: `${conv}.weight`, kernelLayout: 'OIHW', gamma: `${bn}.weight`, beta: `${bn}.bias`, mean: `${bn}.running_mean`, variance: `${bn}.running_var` };
}

/** Names in the same order and structure as {@link unfoldedWeights} builds the network. */
export function resnetNames(naming: 'keras' | 'torchvision', tensors: NamedTensors, stageCount: number): ResNetNames {
  const stages: BottleneckNames[][] = [];
  if (naming === 'keras') {
    for (let s = 0; s < stageCount; s++) {
      const blocks: BottleneckNames[] = [];
      for (let b = 0; b < RESNET50_BLOCKS[s]; b++) {
        const id = `${s + 2}${LETTERS[b]}`;
        blocks.push({
          conv1: kerasConv(`res${id}_branch2a`, `bn${id}_branch2a`),
          conv2: kerasConv(`res${id}_branch2b`, `bn${id}_branch2b`),
          conv3: kerasConv(`res${id}_branch2c`, `bn${id}_branch2c`),
          downsample: b === 0 ? kerasConv(`res${id}_branch1`, `bn${id}_branch1`) : undefined,
        });
      }
      stages.push(blocks);
    }
    return { stem: kerasConv('conv1', 'bn_conv1'), stages };
  }
  const counts = torchvisionBlockCounts(tensors, stageCount);
  for (let s = 0; s < stageCount; s++) {
    const blocks: BottleneckNames[] = [];
    for (let b = 0; b < counts[s]; b++) {
      const p = `layer${s + 1}.${b}`;
      blocks.push({
        conv1: torchConv(`${p}.conv1`, `${p}.bn1`),
        conv2: torchConv(`${p}.conv2`, `${p}.bn2`),
        conv3: torchConv(`${p}.conv3`, `${p}.bn3`),
        downsample: tensors.has(`${p}.downsample.0.weight`) ? torchConv(`${p}.downsample.0`, `${p}.downsample.1`) : undefined,
      });
    }
    stages.push(blocks);
  }
  return { stem: torchConv('conv1', 'bn1'), stages };
}

/** HWIO [kh, kw, in, out] -> OIHW [out, in, kh, kw] (host arrays). */
export function hwioToOihw(data: Float32Array, shape: number[]): { data: Float32Array; shape: number[] } {
  const [kh, kw, cin, cout] = shape;
  const out = new Float32Array(data.length);
  for (let i = 0; i < kh; i++)
    for (let j = 0; j < kw; j++)
      for (let c = 0; c < cin; c++) {
        const src = ((i * kw + j) * cin + c) * cout;
        for (let o = 0; o < cout; o++) out[((o * cin + c) * kh + i) * kw + j] = data[src + o];
      }
  return { data: out, shape: [cout, cin, kh, kw] };
}
