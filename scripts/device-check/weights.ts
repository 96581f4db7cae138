/**
 * Backbone weights for the device check: the bundled ResNet50 (or any converted backbone folder) read once into host
 * tensors, or a seeded random ResNet50 of the same architecture (Keras naming, as the bundled model), which times the
 * same and needs no files. From the host tensors a Backbone is built on whichever tfjs backend is current, so the
 * WebGPU and the reference backend score with the same weights, and the ToCoAD step gets its trainable source.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Backbone, buildWeights } from '../../src/engine/backbones/backbone';
import type { NamedTensors } from '../../src/engine/backbones/named-tensors';
import { RESNET50_BLOCKS } from '../../src/engine/backbones/resnet';
import { RESNET50_IMAGENET } from '../../src/engine/backbones/spec';
import type { TrainableManifest, TrainableSource } from '../../src/engine/backbones/trainable';
import { readTrainableSource, stagesPresent } from '../../src/engine/backbones/trainable';
import { BACKBONE_FORMAT } from '../../src/engine/backbones/weights-file';
import { seededRandom } from '../../src/engine/patchcore/random';
import { backboneFolder } from '../../src/node/backbones';
import { folderSource } from '../../src/node/file-source';

const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
const STEM = 64;
const WIDTHS = [64, 128, 256, 512];
const OUTS = [256, 512, 1024, 2048];
/** Stages whose outputs are PatchCore's taps (layer2, layer3): their widths never shrink. */
const TAP_STAGES = [1, 2];
/** Keras' ResNet50 batch-norm epsilon. */
const EPSILON = 1.001e-5;

/**
 * A seeded random Keras ResNet50 v1 (conv1, bn_conv1, res{2..5}{a..}_branch2{a,b,c}/branch1 and their batch norms):
 * He-uniform kernels, small biases, batch norms near identity; the last batch norm of each residual branch is scaled
 * down (as a zero-init residual would) so activations stay finite through 16 blocks of random weights.
 *
 * `widthDivisor` > 1 narrows the stem, the bottleneck widths and the layer1/layer4 outputs (layer2 and layer3 keep the
 * 512 and 1024 channels the patch embedding needs): a much cheaper network for a correctness check on a software GPU,
 * whose times are not ResNet50's.
 */
export function randomResNet50(seed: number, stageCount = 4, widthDivisor = 1): { tensors: NamedTensors; epsilons: Record<string, number> } {
  const narrow = (c: number) => Math.max(4, Math.round(c / widthDivisor));
  const stem = narrow(STEM);
  const widths = WIDTHS.map(narrow);
  const outs = OUTS.map((c, s) => (TAP_STAGES.includes(s) ? c : narrow(c)));
  const random = seededRandom(seed);
  const tensors: NamedTensors = new Map();
  const epsilons: Record<string, number> = {};
  const fill = (n: number, f: () => number) => {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = f();
    return a;
  };
  const conv = (name: string, bn: string, k: number, cin: number, cout: number, branchEnd = false) => {
    const fanIn = k * k * cin;
    const bound = Math.sqrt(6 / fanIn);
    tensors.set(`${name}/kernel`, { shape: [k, k, cin, cout], data: fill(fanIn * cout, () => (random() * 2 - 1) * bound) });
    tensors.set(`${name}/bias`, { shape: [cout], data: fill(cout, () => (random() - 0.5) * 0.02) });
    tensors.set(`${bn}/gamma`, { shape: [cout], data: fill(cout, () => (branchEnd ? 0.2 : 1) * (0.8 + 0.4 * random())) });
    tensors.set(`${bn}/beta`, { shape: [cout], data: fill(cout, () => (random() - 0.5) * 0.1) });
    tensors.set(`${bn}/moving_mean`, { shape: [cout], data: fill(cout, () => (random() - 0.5) * 0.1) });
    tensors.set(`${bn}/moving_variance`, { shape: [cout], data: fill(cout, () => 0.8 + 0.4 * random()) });
    epsilons[bn] = EPSILON;
  };
  conv('conv1', 'bn_conv1', 7, 3, stem);
  let inC = stem;
  for (let s = 0; s < stageCount; s++) {
    for (let b = 0; b < RESNET50_BLOCKS[s]; b++) {
      const id = `${s + 2}${LETTERS[b]}`;
      const blockIn = b === 0 ? inC : outs[s];
      conv(`res${id}_branch2a`, `bn${id}_branch2a`, 1, blockIn, widths[s]);
      conv(`res${id}_branch2b`, `bn${id}_branch2b`, 3, widths[s], widths[s]);
      conv(`res${id}_branch2c`, `bn${id}_branch2c`, 1, widths[s], outs[s], true);
      if (b === 0) conv(`res${id}_branch1`, `bn${id}_branch1`, 1, blockIn, outs[s], true);
    }
    inC = outs[s];
  }
  return { tensors, epsilons };
}

/** Host-side weights: what a Backbone (inference) and the ToCoAD extractor (training) are built from. */
export interface HostWeights {
  /** In words, for the report: "bundled resnet50-imagenet (folder)" or "random ResNet50 (seed 0)". */
  description: string;
  source: TrainableSource;
}

/** A TrainableSource over the random network (layer1..3 as the inference group, layer4 as the extra one). */
export function randomWeights(seed: number, withLayer4: boolean, widthDivisor = 1): HostWeights {
  const { tensors, epsilons } = randomResNet50(seed, withLayer4 ? 4 : 3, widthDivisor);
  const main: NamedTensors = new Map([...tensors].filter(([k]) => !/^(res|bn)5/.test(k)));
  const extra: NamedTensors = new Map([...tensors].filter(([k]) => /^(res|bn)5/.test(k)));
  const manifest: TrainableManifest = {
    format: BACKBONE_FORMAT,
    formatVersion: 1,
    architecture: 'resnet50',
    weightNaming: 'keras',
    batchNormEpsilon: epsilons,
    weightsManifest: [],
  };
  return {
    description:
      widthDivisor > 1
        ? `random narrow ResNet50 (seed ${seed}, widths / ${widthDivisor} except the layer2/layer3 taps: not ResNet50's times)`
        : `random ResNet50 (seed ${seed}, Keras layout, same shapes as the bundled model)`,
    source: { manifest, spec: RESNET50_IMAGENET, main, extra, weightsHash: `random-resnet50-seed-${seed}`, stageCount: stagesPresent('keras', tensors) },
  };
}

/** Whether the bundled (or named) backbone folder can be read here. */
export function backboneAvailable(arg?: string): boolean {
  try {
    return existsSync(join(backboneFolder(arg), 'model.json'));
  } catch {
    return false;
  }
}

/** Reads a backbone folder (bundled id or path) with its training-only weights, as `loadBackboneArg` finds it. */
export async function folderWeights(arg?: string): Promise<HostWeights> {
  const dir = backboneFolder(arg);
  const source = await readTrainableSource(folderSource(dir), dir);
  return { description: `${source.spec.id} from ${dir}`, source };
}

/** The inference backbone on the current tfjs backend (as loadBackbone builds it). Dispose it when done. */
export function backboneOnCurrentBackend(w: HostWeights): Backbone {
  const { manifest, spec, main, weightsHash } = w.source;
  return new Backbone(spec, buildWeights(spec, manifest.weightNaming, main, manifest.batchNormEpsilon, manifest.strideOn), weightsHash);
}
