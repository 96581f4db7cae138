import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FileSource } from '../engine/backbones/weights-file';

export function folderSource(dir: string): FileSource {
  return {
    readText: (p) => readFile(join(dir, p), 'utf8'),
    readBytes: async (p) => new Uint8Array(await readFile(join(dir, p))),
  };
}
