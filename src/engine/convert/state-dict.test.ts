import { describe, expect, it } from 'vitest';
import type { RawTensor } from './dtypes';
import { CheckpointError } from './errors';
import { findStateDict } from './state-dict';

const t = (n = 1): RawTensor => ({ dtype: 'F32', shape: [n], data: new Uint8Array(4 * n) });

describe('findStateDict', () => {
  it('accepts a flat state dict', () => {
    const sd = findStateDict(new Map([['conv1.weight', t()], ['bn1.weight', t()]]), 'x');
    expect([...sd.tensors.keys()]).toEqual(['conv1.weight', 'bn1.weight']);
    expect(sd.path).toEqual([]);
  });

  it('unwraps state_dict and model nesting, also twice', () => {
    const inner = new Map([['backbone.conv1.weight', t()]]);
    const sd = findStateDict(new Map<string, unknown>([['epoch', 3], ['model', new Map([['state_dict', inner]])]]), 'x');
    expect(sd.path).toEqual(['model', 'state_dict']);
    expect([...sd.tensors.keys()]).toEqual(['conv1.weight']);
  });

  it('strips module. and backbone. prefixes, in any combination', () => {
    const sd = findStateDict(new Map([['module.backbone.layer1.0.conv1.weight', t()], ['backbone.module.conv1.weight', t()], ['fc.weight', t()]]), 'x');
    expect([...sd.tensors.keys()]).toEqual(['layer1.0.conv1.weight', 'conv1.weight', 'fc.weight']);
    expect(sd.strippedPrefixes.sort()).toEqual(['backbone.', 'module.']);
  });

  it('lists non-tensor entries beside the weights', () => {
    const sd = findStateDict(new Map<string, unknown>([['conv1.weight', t()], ['version', 2]]), 'x');
    expect(sd.nonTensorKeys).toEqual(['version']);
  });

  it('refuses keys that collide once prefixes are stripped', () => {
    expect(() => findStateDict(new Map([['conv1.weight', t()], ['module.conv1.weight', t()]]), 'x.pth')).toThrow(/keys "conv1\.weight" and "module\.conv1\.weight" both become "conv1\.weight"/);
  });

  it('says where it looked when there is no state dict', () => {
    expect(() => findStateDict(new Map<string, unknown>([['epoch', 3], ['optimizer', new Map()]]), 'ckpt.pth')).toThrow(CheckpointError);
    expect(() => findStateDict(new Map<string, unknown>([['epoch', 3], ['optimizer', new Map()]]), 'ckpt.pth')).toThrow(/ckpt\.pth: no state dict found: expected a dict of tensors, or one under "state_dict" or "model"; the keys are "epoch", "optimizer"/);
    expect(() => findStateDict([1, 2], 'list.pth')).toThrow(/does not hold a dict/);
  });
});
