import type { NamedTensors } from '../backbones/named-tensors';
import type { Architecture } from '../backbones/spec';
import type { RawTensor } from './dtypes';
import { FLOAT_DTYPES, toFloat32 } from './dtypes';
import { CheckpointError, guarded, listNames } from './errors';

/**
 * The torchvision bottleneck-ResNet layout (conv1/bn1, layer{1..4}.{b}.conv{1,2,3}/bn{1,2,3},
 * downsample.{0,1}) read off a state dict: stage count, blocks per stage and widths come from the
 * tensors, so ResNet50, WideResNet50-2 and reduced-width test variants share one code path.
 */
export interface ResNetLayout {
  /** ResNet50 family (inner width = output / 4) or WideResNet50-2 family (output / 2). */
  architecture: Architecture;
  /** Exactly torchvision's resnet50 / wide_resnet50_2 (possibly without its deepest stages). */
  canonical: boolean;
  /** Output channels of conv1. */
  stem: number;
  /** Blocks per stage present (layer1 first). */
  blocks: number[];
  /** Bottleneck inner width per stage (conv1/conv2 outputs). */
  widths: number[];
  /** Output channels per stage (conv3 output). */
  outs: number[];
}

/** torchvision's two models, all four stages. */
export const TORCHVISION_LAYOUTS: Record<Architecture, ResNetLayout> = {
  resnet50: { architecture: 'resnet50', canonical: true, stem: 64, blocks: [3, 4, 6, 3], widths: [64, 128, 256, 512], outs: [256, 512, 1024, 2048] },
  wide_resnet50_2: { architecture: 'wide_resnet50_2', canonical: true, stem: 64, blocks: [3, 4, 6, 3], widths: [128, 256, 512, 1024], outs: [256, 512, 1024, 2048] },
};

const ARCH_LABEL: Record<Architecture, string> = { resnet50: 'ResNet50', wide_resnet50_2: 'WideResNet50-2' };

/** Keys a torchvision checkpoint carries that the feature extractor does not need. */
export function isIgnorableKey(key: string): boolean {
  return /(^|\.)num_batches_tracked$/.test(key) || /^fc\.(weight|bias)$/.test(key);
}

/** A human description, e.g. "WideResNet50-2" or "reduced WideResNet50-2-style ResNet (...)". */
export function describeLayout(l: ResNetLayout): string {
  const name = ARCH_LABEL[l.architecture];
  const stages = l.blocks.length < 4 ? ` up to layer${l.blocks.length}` : '';
  if (l.canonical) return `${name}${stages}`;
  return `${name}-style bottleneck ResNet (stem ${l.stem}, blocks ${l.blocks.join('-')}, widths ${l.widths.join('/')}, outputs ${l.outs.join('/')})`;
}

/** Keeps only the first `stages` stages of a layout. */
export function truncateLayout(l: ResNetLayout, stages: number): ResNetLayout {
  return { ...l, blocks: l.blocks.slice(0, stages), widths: l.widths.slice(0, stages), outs: l.outs.slice(0, stages) };
}

/** Every tensor name the layout needs, with its shape, in network order. */
export function expectedShapes(l: ResNetLayout): Map<string, number[]> {
  const m = new Map<string, number[]>();
  const bn = (p: string, c: number) => ['weight', 'bias', 'running_mean', 'running_var'].forEach((s) => m.set(`${p}.${s}`, [c]));
  m.set('conv1.weight', [l.stem, 3, 7, 7]);
  bn('bn1', l.stem);
  let inC = l.stem;
  l.blocks.forEach((count, s) => {
    const w = l.widths[s];
    const out = l.outs[s];
    for (let b = 0; b < count; b++) {
      const p = `layer${s + 1}.${b}`;
      const blockIn = b === 0 ? inC : out;
      m.set(`${p}.conv1.weight`, [w, blockIn, 1, 1]);
      bn(`${p}.bn1`, w);
      m.set(`${p}.conv2.weight`, [w, w, 3, 3]);
      bn(`${p}.bn2`, w);
      m.set(`${p}.conv3.weight`, [out, w, 1, 1]);
      bn(`${p}.bn3`, out);
      if (b === 0 && (s > 0 || inC !== out)) {
        m.set(`${p}.downsample.0.weight`, [out, inC, 1, 1]);
        bn(`${p}.downsample.1`, out);
      }
    }
    inC = out;
  });
  return m;
}

function matches(shapes: Map<string, number[]>, l: ResNetLayout): number {
  let n = 0;
  for (const [k, s] of expectedShapes(l)) if (shapes.get(k)?.join() === s.join()) n++;
  return n;
}

/** Reads the layout off a state dict's tensor shapes; throws when it is not a bottleneck ResNet. */
export function inferLayout(shapes: Map<string, number[]>, where: string): ResNetLayout {
  const blocks: number[] = [];
  for (let s = 1; s <= 4; s++) {
    const re = new RegExp(`^layer${s}\\.(\\d+)\\.`);
    let max = -1;
    for (const k of shapes.keys()) {
      const m = re.exec(k);
      if (m) max = Math.max(max, Number(m[1]));
    }
    if (max < 0) break;
    blocks.push(max + 1);
  }
  if (blocks.length === 0) {
    throw new CheckpointError(where, `the state dict does not look like a torchvision ResNet (no layer1.* keys); its keys are ${listNames([...shapes.keys()], 8)}`);
  }
  const stem = shapes.get('conv1.weight')?.[0];
  const canonicalBlocks = TORCHVISION_LAYOUTS.resnet50.blocks.slice(0, blocks.length);
  if (blocks.join() === canonicalBlocks.join() && (stem === undefined || stem === 64)) {
    const candidates = (['wide_resnet50_2', 'resnet50'] as const).map((a) => truncateLayout(TORCHVISION_LAYOUTS[a], blocks.length));
    return matches(shapes, candidates[1]) > matches(shapes, candidates[0]) ? candidates[1] : candidates[0];
  }
  const need = ['conv1.weight', ...blocks.flatMap((_, s) => [`layer${s + 1}.0.conv1.weight`, `layer${s + 1}.0.conv3.weight`])];
  const missing = need.filter((k) => shapes.get(k)?.length !== 4);
  if (missing.length) throw new CheckpointError(where, `cannot work out the network's widths: missing or not 4-D: ${listNames(missing)}`);
  const widths = blocks.map((_, s) => shapes.get(`layer${s + 1}.0.conv1.weight`)![0]);
  const outs = blocks.map((_, s) => shapes.get(`layer${s + 1}.0.conv3.weight`)![0]);
  const ratios = widths.map((w, s) => (4 * w) / outs[s]);
  const architecture = ratios.every((r) => r === 2) ? 'wide_resnet50_2' : ratios.every((r) => r === 1) ? 'resnet50' : undefined;
  if (!architecture) {
    throw new CheckpointError(where, `inner widths ${widths.join('/')} and outputs ${outs.join('/')} match neither ResNet50 (width = output / 4) nor WideResNet50-2 (width = output / 2)`);
  }
  return { architecture, canonical: false, stem: shapes.get('conv1.weight')![0], blocks, widths, outs };
}

export interface ValidatedWeights {
  layout: ResNetLayout;
  /** The tensors the layout needs, as float32, under their torchvision names. */
  tensors: NamedTensors;
  /** Keys dropped because the feature extractor never needs them (fc, num_batches_tracked). */
  ignored: string[];
  /** Keys that belong to no part of the layout (e.g. a fine-tuning head): reported, not used. */
  unexpected: string[];
}

/**
 * Checks a (prefix-stripped) state dict against the torchvision layout it implies and converts
 * its tensors to float32. Missing keys, shape mismatches and non-float weights are all listed by
 * name in one CheckpointError, as are weights holding NaN or infinity; unexpected keys are
 * returned for the caller to report.
 */
export function validateResNet(sd: Map<string, RawTensor>, where: string): ValidatedWeights {
  return guarded(where, () => validate(sd, where));
}

function validate(sd: Map<string, RawTensor>, where: string): ValidatedWeights {
  const shapes = new Map([...sd].map(([k, t]) => [k, t.shape]));
  const layout = inferLayout(shapes, where);
  const expected = expectedShapes(layout);
  const missing: string[] = [];
  const wrongShape: string[] = [];
  const wrongType: string[] = [];
  for (const [k, shape] of expected) {
    const t = sd.get(k);
    if (!t) missing.push(k);
    else if (t.shape.join() !== shape.join()) wrongShape.push(`${k} is [${t.shape}], expected [${shape}]`);
    else if (!FLOAT_DTYPES.has(t.dtype)) wrongType.push(`${k} is ${t.dtype}`);
  }
  const problems: string[] = [];
  if (missing.length) problems.push(`missing keys: ${listNames(missing)}`);
  if (wrongShape.length) problems.push(`wrong shapes: ${listNames(wrongShape, 8)}`);
  if (wrongType.length) problems.push(`not floating point: ${listNames(wrongType, 8)}`);
  if (problems.length) throw new CheckpointError(where, `does not match the torchvision ${describeLayout(layout)} layout; ${problems.join('; ')}`);
  const ignored: string[] = [];
  const unexpected: string[] = [];
  for (const k of sd.keys()) {
    if (expected.has(k)) continue;
    (isIgnorableKey(k) ? ignored : unexpected).push(k);
  }
  const tensors: NamedTensors = new Map();
  const nonFinite: string[] = [];
  for (const [k, shape] of expected) {
    const data = toFloat32(sd.get(k)!);
    let bad = 0;
    for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) bad++;
    if (bad) nonFinite.push(`${k} (${bad} of ${data.length} values)`);
    tensors.set(k, { shape, data });
  }
  if (nonFinite.length) throw new CheckpointError(where, `the weights hold non-finite values (NaN or infinity), which would poison every score: ${listNames(nonFinite, 8)}`);
  return { layout, tensors, ignored, unexpected };
}
