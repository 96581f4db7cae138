import type { RawTensor } from './dtypes';
import { CheckpointError, guarded } from './errors';
import type { ProgressCallback } from './pth';
import { looksLikeLegacyPth, readPth } from './pth';
import { looksLikeSafetensors, readSafetensors } from './safetensors';
import { looksLikeZip } from './zip';

/** The checkpoint containers we read. */
export type CheckpointFormat = 'pth-zip' | 'pth-legacy' | 'safetensors';

export interface Checkpoint {
  format: CheckpointFormat;
  /** The saved object: Maps for dicts, arrays for lists/tuples, RawTensors for tensors. */
  root: unknown;
  /** safetensors `__metadata__`; empty for .pth files. */
  metadata: Record<string, string>;
}

/** Recognises the container from its first bytes (never from the file name). */
export function sniffCheckpoint(bytes: Uint8Array): CheckpointFormat | undefined {
  if (looksLikeZip(bytes)) return 'pth-zip';
  if (looksLikeSafetensors(bytes)) return 'safetensors';
  if (looksLikeLegacyPth(bytes)) return 'pth-legacy';
  return undefined;
}

/**
 * Reads a checkpoint file's bytes: PyTorch `.pth` (zip or legacy) or `.safetensors`.
 * Pure (no I/O), so the app's Web Worker can call it on a dropped file.
 */
export function readCheckpoint(bytes: Uint8Array, fileName: string, onProgress?: ProgressCallback): Checkpoint {
  return guarded(fileName, () => read(bytes, fileName, onProgress));
}

function read(bytes: Uint8Array, fileName: string, onProgress?: ProgressCallback): Checkpoint {
  const format = sniffCheckpoint(bytes);
  if (!format) throw new CheckpointError(fileName, 'not a PyTorch (.pth) or safetensors checkpoint: the file starts with neither a zip header, a pickle nor a safetensors header');
  if (format === 'safetensors') {
    const file = readSafetensors(bytes, fileName, { allowTrailingBytes: false });
    const root = new Map<string, RawTensor>(file.tensors.map((t) => [t.name, { dtype: t.dtype, shape: t.shape, data: t.data }]));
    onProgress?.(1);
    return { format, root, metadata: file.metadata };
  }
  return { format, root: readPth(bytes, fileName, onProgress), metadata: {} };
}
