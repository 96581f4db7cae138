import type { NamedTensors } from '../backbones/named-tensors';
import { readSafetensors, writeSafetensors } from '../convert/safetensors';
import { toFloat32 } from '../convert/dtypes';

/**
 * Training checkpoints as bytes (safetensors: every parameter and optimiser slot as a float32 tensor, the trainer's
 * position, options and loss history as JSON metadata), so any host can store them: a file in the CLI, IndexedDB
 * or a download in the app.
 */
export const CHECKPOINT_FORMAT = 'anomaly-inspector/tocoad-checkpoint';
export const CHECKPOINT_VERSION = 1;

export interface CheckpointMeta {
  format: typeof CHECKPOINT_FORMAT;
  version: typeof CHECKPOINT_VERSION;
  /** Weights hash of the backbone training started from; resuming needs the same one. */
  baseWeightsHash: string;
  /** Stage in progress (1 or 2) and the epochs of it already completed. */
  stage: 1 | 2;
  epochsDone: number;
  /** Everything else the trainer wants back (options, history, optimiser counters). */
  state: Record<string, unknown>;
}

export function encodeCheckpoint(meta: CheckpointMeta, tensors: NamedTensors): Uint8Array {
  const list = [...tensors].map(([name, t]) => ({ name, dtype: 'F32' as const, shape: t.shape, data: t.data }));
  return writeSafetensors(list, { format: CHECKPOINT_FORMAT, checkpoint: JSON.stringify(meta) });
}

export function decodeCheckpoint(bytes: Uint8Array, where = 'checkpoint'): { meta: CheckpointMeta; tensors: NamedTensors } {
  const file = readSafetensors(bytes, where);
  if (file.metadata.format !== CHECKPOINT_FORMAT || !file.metadata.checkpoint) throw new Error(`${where}: not a ToCoAD training checkpoint`);
  let meta: CheckpointMeta;
  try {
    meta = JSON.parse(file.metadata.checkpoint);
  } catch (e) {
    throw new Error(`${where}: the checkpoint metadata is not valid JSON (${(e as Error).message})`, { cause: e });
  }
  if (meta.version !== CHECKPOINT_VERSION) throw new Error(`${where}: checkpoint version ${meta.version} is not supported (expected ${CHECKPOINT_VERSION})`);
  if (meta.stage !== 1 && meta.stage !== 2) throw new Error(`${where}: the checkpoint names no valid stage`);
  const tensors: NamedTensors = new Map();
  for (const t of file.tensors) tensors.set(t.name, { shape: t.shape, data: toFloat32(t) });
  return { meta, tensors };
}
