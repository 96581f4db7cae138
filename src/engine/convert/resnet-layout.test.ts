import { describe, expect, it } from 'vitest';
import type { RawTensor } from './dtypes';
import { describeLayout, expectedShapes, inferLayout, TORCHVISION_LAYOUTS, truncateLayout, validateResNet } from './resnet-layout';
import type { ResNetLayout } from './resnet-layout';

const SMALL: ResNetLayout = { architecture: 'wide_resnet50_2', canonical: false, stem: 8, blocks: [2, 2, 3, 2], widths: [8, 16, 32, 64], outs: [16, 32, 64, 128] };

/** A state dict of zeros with the layout's shapes (plus what torchvision adds). */
function stateDictFor(l: ResNetLayout): Map<string, RawTensor> {
  const sd = new Map<string, RawTensor>();
  for (const [k, shape] of expectedShapes(l)) {
    sd.set(k, { dtype: 'F32', shape, data: new Uint8Array(4 * shape.reduce((a, b) => a * b, 1)) });
    if (k.endsWith('.running_var')) sd.set(k.replace('running_var', 'num_batches_tracked'), { dtype: 'I64', shape: [], data: new Uint8Array(8) });
  }
  return sd;
}

const shapesOf = (l: ResNetLayout) => expectedShapes(l);

describe('torchvision ResNet layout', () => {
  it('tells WideResNet50-2 from ResNet50 by their widths', () => {
    expect(inferLayout(shapesOf(TORCHVISION_LAYOUTS.wide_resnet50_2), 'x')).toEqual(TORCHVISION_LAYOUTS.wide_resnet50_2);
    expect(inferLayout(shapesOf(TORCHVISION_LAYOUTS.resnet50), 'x')).toEqual(TORCHVISION_LAYOUTS.resnet50);
    expect(describeLayout(TORCHVISION_LAYOUTS.wide_resnet50_2)).toBe('WideResNet50-2');
  });

  it('has the key count of torchvision\'s wide_resnet50_2 state dict, without fc and num_batches_tracked', () => {
    // 320 tensors in torchvision's state dict = 265 needed here + 53 num_batches_tracked + fc.weight + fc.bias.
    expect(expectedShapes(TORCHVISION_LAYOUTS.wide_resnet50_2).size).toBe(265);
    expect(expectedShapes(TORCHVISION_LAYOUTS.wide_resnet50_2).get('layer2.0.conv2.weight')).toEqual([256, 256, 3, 3]);
    expect(expectedShapes(TORCHVISION_LAYOUTS.resnet50).get('layer2.0.conv2.weight')).toEqual([128, 128, 3, 3]);
  });

  it('accepts a model truncated after layer3', () => {
    const l = inferLayout(shapesOf(truncateLayout(TORCHVISION_LAYOUTS.wide_resnet50_2, 3)), 'x');
    expect(l.blocks).toEqual([3, 4, 6]);
    expect(describeLayout(l)).toBe('WideResNet50-2 up to layer3');
  });

  it('reads a reduced-width variant off the tensors, and a ResNet50-style one', () => {
    expect(inferLayout(shapesOf(SMALL), 'x')).toEqual(SMALL);
    const narrow: ResNetLayout = { ...SMALL, architecture: 'resnet50', widths: [4, 8, 16, 32] };
    expect(inferLayout(shapesOf(narrow), 'x')).toEqual(narrow);
  });

  it('validates a state dict and sorts the keys it does not need', () => {
    const sd = stateDictFor(SMALL);
    sd.set('fc.weight', { dtype: 'F32', shape: [10, 128], data: new Uint8Array(4 * 1280) });
    sd.set('head.weight', { dtype: 'F32', shape: [2], data: new Uint8Array(8) });
    const v = validateResNet(sd, 'x');
    expect(v.tensors.size).toBe(expectedShapes(SMALL).size);
    expect(v.ignored).toContain('fc.weight');
    expect(v.ignored).toContain('layer1.0.bn1.num_batches_tracked');
    expect(v.unexpected).toEqual(['head.weight']);
    expect(v.tensors.get('conv1.weight')!.data).toBeInstanceOf(Float32Array);
  });

  it('lists missing keys by name', () => {
    const sd = stateDictFor(TORCHVISION_LAYOUTS.wide_resnet50_2);
    sd.delete('layer3.2.bn2.running_var');
    sd.delete('layer1.0.downsample.0.weight');
    expect(() => validateResNet(sd, 'ft.pth')).toThrow(/ft\.pth: does not match the torchvision WideResNet50-2 layout; missing keys: layer1\.0\.downsample\.0\.weight, layer3\.2\.bn2\.running_var$/);
  });

  it('reports wrong shapes by key name, against the layout most keys agree with', () => {
    const sd = stateDictFor(TORCHVISION_LAYOUTS.wide_resnet50_2);
    sd.set('layer2.1.conv2.weight', { dtype: 'F32', shape: [256, 256, 1, 1], data: new Uint8Array(4 * 65536) });
    sd.set('layer4.2.bn3.bias', { dtype: 'F32', shape: [1024], data: new Uint8Array(4096) });
    expect(() => validateResNet(sd, 'x')).toThrow(/WideResNet50-2 layout; wrong shapes: layer2\.1\.conv2\.weight is \[256,256,1,1\], expected \[256,256,3,3\], layer4\.2\.bn3\.bias is \[1024\], expected \[2048\]$/);
  });

  it('refuses integer weights and widths that fit neither family', () => {
    const sd = stateDictFor(SMALL);
    sd.set('bn1.weight', { dtype: 'I64', shape: [8], data: new Uint8Array(64) });
    expect(() => validateResNet(sd, 'x')).toThrow(/not floating point: bn1\.weight is I64/);
    const odd = { ...SMALL, widths: [12, 16, 32, 64] };
    expect(() => inferLayout(shapesOf(odd), 'x')).toThrow(/inner widths 12\/16\/32\/64 and outputs 16\/32\/64\/128 match neither ResNet50/);
  });

  it('says so when the state dict is not a torchvision ResNet at all', () => {
    const keras = new Map([['res2a_branch2a/kernel', [1, 1, 64, 64]]]);
    expect(() => inferLayout(keras, 'k.safetensors')).toThrow(/k\.safetensors: the state dict does not look like a torchvision ResNet \(no layer1\.\* keys\); its keys are res2a_branch2a\/kernel/);
  });
});
