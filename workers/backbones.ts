/**
 * Converted backbones in the worker: a dropped .pth / .safetensors becomes a backbone folder
 * (src/engine/convert), stored in IndexedDB (src/storage/backbone-store.ts); a stored one is read
 * back through a FileSource, or exported as one .safetensors in torchvision naming.
 */
import { hashTensors } from '../src/engine/backbones/backbone';
import { RESNET50_IMAGENET } from '../src/engine/backbones/spec';
import { exportTorchvisionSafetensors } from '../src/engine/backbones/torchvision-names';
import { readTrainableSource } from '../src/engine/backbones/trainable';
import type { FileSource } from '../src/engine/backbones/weights-file';
import { memorySource, readWeights } from '../src/engine/backbones/weights-file';
import { convertCheckpoint, readSafetensors } from '../src/engine/convert';
import type { Progress } from '../src/engine/progress';
import { stageReporter, throwIfAborted } from '../src/engine/progress';
import type { BackboneInfo } from '../src/storage/backbone-store';
import { BackboneStore } from '../src/storage/backbone-store';
import { idbStore } from '../src/storage/kv';
import type { FileBytes } from '../src/worker-bridge/protocol';
import { PATCHCORE_TAP_CHANNELS, supportsPatchCore } from '../src/engine/backbones/spec';

let store: BackboneStore | null = null;
/** The worker's handle on the stored backbones (converted, imported and fine-tuned ones). */
export function backbones(): BackboneStore {
  store ??= new BackboneStore(idbStore(), async () => navigator.storage?.estimate?.());
  return store;
}

export function storedBackboneSource(id: string): Promise<FileSource> {
  return backbones().source(id);
}


/** The id and label a file exported by this app carries in its metadata, if any. */
function exportedSpec(bytes: Uint8Array, name: string): { id?: string; label?: string } {
  if (!/\.safetensors$/i.test(name)) return {};
  try {
    const spec = JSON.parse(readSafetensors(bytes, name).metadata.spec ?? 'null');
    return { id: typeof spec?.id === 'string' ? spec.id : undefined, label: typeof spec?.label === 'string' ? spec.label : undefined };
  } catch {
    return {};
  }
}


export async function convertBackbone(file: FileBytes, signal: AbortSignal, onProgress: (p: Progress) => void): Promise<BackboneInfo> {
  const bytes = new Uint8Array(file.bytes);
  const read = stageReporter('read checkpoint', 100, onProgress);
  const pack = stageReporter('pack weights', 100, onProgress);
  read(0);
  const { id: exportedId, label } = exportedSpec(bytes, file.name);
  const result = convertCheckpoint(bytes, file.name, { id: exportedId, label, onProgress: (f, step) => (step === 'read' ? read(Math.round(f * 100)) : pack(Math.round(f * 100))) });
  throwIfAborted(signal);
  const { manifest } = result;
  const spec = manifest.spec!;
  let base = spec.id;
  if (base === RESNET50_IMAGENET.id) base = `${base}-converted`;
  const id = await backbones().freeId(base);
  let files = result.files;
  if (id !== spec.id) {
    manifest.spec = { ...spec, id };
    files = [{ path: 'model.json', bytes: new TextEncoder().encode(JSON.stringify(manifest, null, 1)) }, ...files.filter((f) => f.path !== 'model.json')];
  }
  const hashing = stageReporter('hash weights', 100, onProgress);
  const tensors = await readWeights(manifest, memorySource(files), file.name, (f) => hashing(Math.round(f * 100)));
  const weightsHash = await hashTensors(tensors);
  throwIfAborted(signal);
  const tapChannels = spec.taps.map((t) => t.channels);
  const warnings: string[] = [];
  const unexpected = result.report.unexpected;
  if (unexpected.length) warnings.push(`${unexpected.length} unexpected key${unexpected.length === 1 ? '' : 's'} ignored: ${unexpected.slice(0, 8).join(', ')}${unexpected.length > 8 ? ', ...' : ''}`);
  if (!supportsPatchCore(tapChannels)) {
    warnings.push(`its layer2/layer3 have ${tapChannels.join(' + ')} channels; PatchCore needs ${PATCHCORE_TAP_CHANNELS.join(' + ')} (a standard ResNet50 / Wide ResNet50-2), so profiles cannot be built on it (it can still be exported)`);
  }
  const info: BackboneInfo = {
    id,
    label: manifest.spec!.label,
    architecture: manifest.architecture,
    weightsHash,
    byteSize: files.reduce((n, f) => n + f.bytes.byteLength, 0),
    sourceFile: file.name,
    createdAt: new Date().toISOString(),
    warnings,
    tapChannels,
  };
  const save = stageReporter('store', 100, onProgress);
  save(0);
  await backbones().save(info, files);
  save(100);
  return info;
}

/**
 * A stored backbone as one .safetensors in torchvision naming (float32; the spec, `stride_on` and how to load it in
 * PyTorch in __metadata__). Keras-named backbones (fine-tuned from the bundled ResNet50) are mapped with their
 * layer4 (src/engine/backbones/torchvision-names.ts); importing the file again gives the same features.
 */
export async function exportBackbone(id: string): Promise<{ bytes: ArrayBuffer; fileName: string }> {
  const record = await backbones().record(id);
  const source = await backbones().source(id);
  const src = await readTrainableSource(source, `backbone "${id}"`);
  const { bytes: out } = await exportTorchvisionSafetensors({ ...src, weightsHash: record.info.weightsHash }, { sourceFile: record.info.sourceFile });
  const buffer = out.byteOffset === 0 && out.byteLength === out.buffer.byteLength ? (out.buffer as ArrayBuffer) : (out.slice().buffer as ArrayBuffer);
  return { bytes: buffer, fileName: `${id}.safetensors` };
}
