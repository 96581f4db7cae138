// Test helpers: a tiny torchvision-layout backbone (the committed reduced-width WRN fixture, all four stages) as a
// trainable source held in memory. Used by the tests only.
// eslint-disable-next-line no-restricted-imports -- test fixture I/O
import { readFileSync } from 'node:fs';
import { convertCheckpoint } from '../convert/convert';
import { memorySource } from '../backbones/weights-file';
export { memorySource };
import type { TrainableSource } from '../backbones/trainable';
import { readTrainableSource } from '../backbones/trainable';

export interface MemoryFile {
  path: string;
  bytes: Uint8Array;
}


export function tinyBackboneFiles(): MemoryFile[] {
  const bytes = new Uint8Array(readFileSync(new URL('../../../test/fixtures/wrn/wrn.safetensors', import.meta.url)));
  return convertCheckpoint(bytes, 'wrn.safetensors', { id: 'tiny-wrn', label: 'tiny WRN fixture' }).files;
}

export async function tinyBackbone(): Promise<TrainableSource> {
  return readTrainableSource(memorySource(tinyBackboneFiles()), 'tiny-wrn');
}
