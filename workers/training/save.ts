/**
 * The end of a training run: the fine-tuned weights packed as a backbone folder (inference weights plus the
 * training-only layer4), described with its weights hash and how it was made, and stored with the other backbones
 * (IndexedDB in the browser), where the build form and the Backbones section find it.
 */
import { hashTensors } from '../../src/engine/backbones/backbone';
import type { NamedTensors } from '../../src/engine/backbones/named-tensors';
import type { TrainableSource } from '../../src/engine/backbones/trainable';
import type { Progress } from '../../src/engine/progress';
import { stageReporter } from '../../src/engine/progress';
import { fineTunedRecord, packFineTuned } from '../../src/engine/tocoad/export';
import type { trainToCoAD } from '../../src/engine/tocoad/trainer';
import type { BackboneInfo } from '../../src/storage/backbone-store';
import type { TrainResult, TrainStart } from '../../src/worker-bridge/protocol';
import { backbones } from '../backbones';
import type { TrainingHost } from './host';

const slug = (s: string) => s.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '').toLowerCase() || 'images';

export async function save(
  req: TrainStart,
  base: TrainableSource,
  result: Awaited<ReturnType<typeof trainToCoAD>>,
  imageCount: number,
  textureCount: number,
  host: TrainingHost,
  onProgress: (p: Progress) => void,
  t0: number,
): Promise<TrainResult> {
  const report = stageReporter('save', 100, onProgress);
  report(0);
  const id = await backbones().freeId(slug(`${base.spec.id}-tocoad-${req.dataset}`));
  const label = `${base.spec.label} + ToCoAD (${req.dataset})`;
  const { manifest, files } = packFineTuned(base, result.tensors, {
    id,
    label,
    fineTuned: fineTunedRecord(base, result, { data: { name: req.dataset, images: imageCount, textures: textureCount }, backend: host.backend(), host: 'browser' }),
  });
  report(30);
  // The weights hash covers the inference weights, as loadBackbone computes it from the stored shards.
  const mainNames = manifest.weightsManifest.flatMap((g) => g.weights.map((w) => w.name));
  const main: NamedTensors = new Map(mainNames.map((n) => [n, result.tensors.get(n)!]));
  const info: BackboneInfo = {
    id,
    label,
    architecture: manifest.architecture,
    weightsHash: await hashTensors(main),
    byteSize: files.reduce((n, f) => n + f.bytes.byteLength, 0),
    sourceFile: `ToCoAD fine-tuning of ${base.spec.id} on ${imageCount} images${textureCount ? ` with ${textureCount} texture images` : ''}`,
    createdAt: new Date().toISOString(),
    warnings: [],
    tapChannels: manifest.spec!.taps.map((t) => t.channels),
  };
  report(50);
  await backbones().save(info, files);
  report(100);
  return {
    backbone: info,
    history: result.history,
    options: result.options,
    seconds: { ...result.seconds, total: (performance.now() - t0) / 1000 },
    backend: host.backend(),
    images: imageCount,
    textures: textureCount,
  };
}
