import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { TARGET_DIM } from '../engine/patchcore/embed';
import { memoryFeatureStore } from '../engine/patchcore/memory-bank';
import { fileFeatureStore } from './feature-file';

function features(image: number, patches: number): Float32Array {
  return Float32Array.from({ length: patches * TARGET_DIM }, (_, i) => image * 1e6 + i + 0.25);
}

describe('fileFeatureStore', () => {
  it('gives back exactly the rows the in-memory store gives, in the order asked, and removes its file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'feature-file-test-'));
    const file = fileFeatureStore(dir);
    const memory = memoryFeatureStore();
    // Images arrive out of order (threads finish in any order); image 1 failed and was never stored.
    for (const image of [2, 0, 3]) {
      await file.put(image, features(image, 5));
      await memory.put(image, features(image, 5));
    }
    expect(readdirSync(dir)).toHaveLength(1);
    for (const [image, rows] of [[0, [4, 0, 2]], [2, [1]], [3, [0, 1, 2, 3, 4]]] as const) {
      expect([...(await file.rows(image, rows))]).toEqual([...(await memory.rows(image, rows))]);
    }
    await expect(file.rows(1, [0])).rejects.toThrow(/no features stored for image 1/);
    await file.dispose();
    expect(readdirSync(dir)).toHaveLength(0);
    expect(existsSync(dir)).toBe(true);
  });
});
