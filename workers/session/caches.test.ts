/**
 * The session's caches without tfjs: the bundled model's shards kept once read (but the training-only layer4
 * shards never), and the loaded profiles kept up to their limit, least recently loaded dropped first.
 */
import { describe, expect, it } from 'vitest';
import type { FileSource } from '../../src/engine/backbones/weights-file';
import type { ProfileMeta } from '../../src/engine/profile/profile';
import { ModelFiles } from './model-files';
import { MAX_LOADED_PROFILES, ProfileCache } from './profile-cache';

function countingSource(): { source: FileSource; reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    source: {
      readText: async (path) => {
        reads.push(path);
        return '{}';
      },
      readBytes: async (path) => {
        reads.push(path);
        return new Uint8Array([path.length]);
      },
    },
  };
}

describe('ModelFiles', () => {
  it('keeps inference shards once read and reads training-only shards each time', async () => {
    const { source, reads } = countingSource();
    const files = new ModelFiles('/models/', source);
    await files.inference.readBytes('group1-shard1of2.bin');
    await files.inference.readBytes('group1-shard1of2.bin');
    await files.training.readBytes('group1-shard1of2.bin');
    await files.training.readBytes('extra-weights-01-of-15.bin');
    await files.training.readBytes('extra-weights-01-of-15.bin');
    await files.inference.readText('model.json');
    await files.training.readText('model.json');
    expect(reads).toEqual(['group1-shard1of2.bin', 'extra-weights-01-of-15.bin', 'extra-weights-01-of-15.bin', 'model.json', 'model.json']);
    expect(files.where).toBe('/models/');
  });
});

describe('ProfileCache', () => {
  const meta = (name: string) => ({ name, backbone: { id: 'resnet50-imagenet' } }) as unknown as ProfileMeta;

  it('keeps the most recently loaded profiles and drops the oldest', () => {
    const cache = new ProfileCache();
    for (let i = 0; i <= MAX_LOADED_PROFILES; i++) cache.remember(`k${i}`, meta(`p${i}`), new Float32Array(1));
    expect(cache.size).toBe(MAX_LOADED_PROFILES);
    expect(cache.get('k0')).toBeUndefined();
    cache.remember('k1', meta('p1 again'), new Float32Array(1));
    cache.remember('k9', meta('p9'), new Float32Array(1));
    expect(cache.get('k1')?.meta.name).toBe('p1 again');
    expect(cache.get('k2')).toBeUndefined();
  });
});
