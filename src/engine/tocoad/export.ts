import type { NamedTensors } from '../backbones/named-tensors';
import { concatTensorBytes, sizeOf } from '../backbones/named-tensors';
import type { TrainableManifest, TrainableSource, WeightGroup } from '../backbones/trainable';
import type { WeightEntry } from '../backbones/weights-file';
import { APP_VERSION } from '../version';
import type { EpochReport, ToCoADResult } from './trainer';

/**
 * Writes a fine-tuned extractor in the backbone folder format (model.json + shards) that `loadBackbone`, the CLI's
 * `--backbone DIR` and the app read: the same weight names and naming scheme as the base (Keras names with their
 * per-layer epsilons for the bundled ResNet50, torchvision names for a converted WRN), the same split between
 * inference weights and the training-only extra group, float32, plus an explicit spec with a new id and a
 * `fineTuned` record (what it was trained from, with which options, and the final losses).
 */
export interface BackboneFileOut {
  path: string;
  bytes: Uint8Array;
}

export const SHARD_BYTES = 4 * 1024 * 1024;

function packGroup(names: string[], tensors: NamedTensors, prefix: string, shardBytes: number): { group: WeightGroup; files: BackboneFileOut[] } {
  const weights: WeightEntry[] = [];
  let total = 0;
  for (const name of names) {
    const t = tensors.get(name);
    if (!t) throw new Error(`the trained model has no tensor "${name}"`);
    if (t.data.length !== sizeOf(t.shape)) throw new Error(`tensor "${name}" holds ${t.data.length} values for shape [${t.shape}]`);
    weights.push({ name, shape: t.shape.slice(), dtype: 'float32' });
    total += t.data.byteLength;
  }
  const all = concatTensorBytes(tensors, names);
  const count = Math.max(1, Math.ceil(total / shardBytes));
  const width = Math.max(2, String(count).length);
  const files: BackboneFileOut[] = [];
  for (let i = 0; i < count; i++) {
    files.push({ path: `${prefix}-${String(i + 1).padStart(width, '0')}-of-${String(count).padStart(width, '0')}.bin`, bytes: all.subarray(i * shardBytes, Math.min(total, (i + 1) * shardBytes)) });
  }
  return { group: { paths: files.map((f) => f.path), weights }, files };
}

export function packFineTuned(
  base: TrainableSource,
  tensors: NamedTensors,
  info: { id: string; label: string; fineTuned: Record<string, unknown> },
  shardBytes = SHARD_BYTES,
): { manifest: TrainableManifest; files: BackboneFileOut[] } {
  const mainNames = base.manifest.weightsManifest.flatMap((g) => g.weights.map((w) => w.name));
  const extraNames = (base.manifest.extraWeightsManifest ?? []).flatMap((g) => g.weights.map((w) => w.name));
  const main = packGroup(mainNames, tensors, 'weights', shardBytes);
  const extra = extraNames.length ? packGroup(extraNames, tensors, 'extra-weights', shardBytes) : null;
  const manifest: TrainableManifest = {
    format: base.manifest.format,
    formatVersion: base.manifest.formatVersion,
    architecture: base.manifest.architecture,
    weightNaming: base.manifest.weightNaming,
    ...(base.manifest.batchNormEpsilon ? { batchNormEpsilon: base.manifest.batchNormEpsilon } : {}),
    ...(base.manifest.strideOn ? { strideOn: base.manifest.strideOn } : {}),
    spec: { ...base.spec, id: info.id, label: info.label },
    fineTuned: info.fineTuned,
    weightsManifest: [main.group],
    ...(extra ? { extraWeightsManifest: [extra.group] } : {}),
  };
  const json = new TextEncoder().encode(JSON.stringify(manifest, null, 1));
  return { manifest, files: [{ path: 'model.json', bytes: json }, ...main.files, ...(extra?.files ?? [])] };
}

/**
 * The `fineTuned` record of model.json, as every host writes it: the method, the base model, the data, the options
 * the run really used, batch-norm handling, final losses and history, parameter counts, timings, backend, app version.
 */
export function fineTunedRecord(
  base: TrainableSource,
  result: Pick<ToCoADResult, 'history' | 'options' | 'parameters' | 'seconds'>,
  where: { from?: Record<string, unknown>; data: Record<string, unknown>; backend: string; host: 'cli' | 'browser' },
): Record<string, unknown> {
  const last = (stage: 1 | 2): EpochReport | undefined => [...result.history].reverse().find((e) => e.stage === stage);
  const l1 = last(1);
  const l2 = last(2);
  return {
    method: 'ToCoAD (stage I: discriminator D with focal loss; stage II: SimSiam on pooled layer3/layer4 + L_neg of frozen D)',
    from: { id: base.spec.id, label: base.spec.label, weightsHash: base.weightsHash, ...where.from },
    data: where.data,
    options: result.options,
    batchNorm: 'eval mode: running mean/variance frozen; gamma/beta ' + (result.options.extractor.bnAffine ? 'trained' : 'frozen'),
    finalLosses: {
      stage1: l1 ? { loss: l1.loss } : null,
      stage2: l2 ? { loss: l2.loss, lossSym: l2.lossSym, lossNeg: l2.lossNeg } : null,
    },
    history: result.history,
    parameters: result.parameters,
    seconds: result.seconds,
    backend: where.backend,
    host: where.host,
    appVersion: APP_VERSION,
    createdAt: new Date().toISOString(),
  };
}
