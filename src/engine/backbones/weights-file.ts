import { toFloat32 } from '../convert/dtypes';
import type { NamedTensors } from './named-tensors';
import { sizeOf } from './named-tensors';
import type { BackboneSpec } from './spec';

/**
 * The on-disk backbone format: a `model.json` holding a TF.js weights manifest plus what the
 * engine needs to rebuild the network, and binary shards beside it. Written by the build step for
 * the bundled ResNet50 and by `convert` for PyTorch checkpoints; read by the CLI and the app.
 */
export const BACKBONE_FORMAT = 'anomaly-inspector/backbone';

/** Which convolution of a downsampling bottleneck strides: 'conv1' (1x1, Keras ResNet50 v1) or 'conv2' (3x3, torchvision). */
export type StrideOn = 'conv1' | 'conv2';

export interface WeightEntry {
  name: string;
  shape: number[];
  dtype: 'float32';
  /** Weights stored as IEEE half floats; decoded to float32 on load. */
  quantization?: { dtype: 'float16' };
}

export interface BackboneManifest {
  format: typeof BACKBONE_FORMAT;
  formatVersion: 1;
  architecture: 'resnet50' | 'wide_resnet50_2';
  weightNaming: 'keras' | 'torchvision';
  /** Keras stores an epsilon per batch-norm layer. */
  batchNormEpsilon?: Record<string, number>;
  /**
   * torchvision naming only: which convolution of the first bottleneck of layer2..layer4 carries the stride.
   * Absent or 'conv2' (the 3x3): torchvision's ResNet. 'conv1' (the first 1x1): Keras ResNet50 v1, as in a
   * Keras-named backbone exported in torchvision names (src/engine/backbones/torchvision-names.ts).
   */
  strideOn?: StrideOn;
  /** Present for converted models; the bundled default's spec is built in. */
  spec?: BackboneSpec;
  sourcePackage?: string;
  weightsManifest: { paths: string[]; weights: WeightEntry[] }[];
}

/** Where a backbone's files come from: a folder on disk, a URL, IndexedDB. */
export interface FileSource {
  readText(path: string): Promise<string>;
  readBytes(path: string): Promise<Uint8Array>;
}

/** A FileSource over files held in memory (a just-converted or just-trained backbone, test fixtures). */
export function memorySource(files: readonly { path: string; bytes: Uint8Array }[]): FileSource {
  const byPath = new Map(files.map((f) => [f.path, f.bytes]));
  const get = (path: string) => {
    const bytes = byPath.get(path);
    if (!bytes) throw new Error(`${path} is missing`);
    return bytes;
  };
  return { readBytes: async (path) => get(path), readText: async (path) => new TextDecoder().decode(get(path)) };
}

export function parseManifest(text: string, where: string): BackboneManifest {
  let m: BackboneManifest;
  try {
    m = JSON.parse(text);
  } catch (e) {
    throw new Error(`${where}: model.json is not valid JSON (${(e as Error).message})`, { cause: e });
  }
  if (m?.format !== BACKBONE_FORMAT) throw new Error(`${where}: not an Anomaly Inspector backbone (format is ${JSON.stringify(m?.format)})`);
  if (m.formatVersion !== 1) throw new Error(`${where}: backbone format version ${m.formatVersion} is not supported (expected 1)`);
  if (!Array.isArray(m.weightsManifest)) throw new Error(`${where}: model.json has no weightsManifest`);
  return m;
}

/** IEEE half floats (as bits) to float32. */
export function float16ToFloat32(bits: Uint16Array): Float32Array {
  return toFloat32({ dtype: 'F16', shape: [bits.length], data: new Uint8Array(bits.buffer, bits.byteOffset, bits.byteLength) });
}

/** float32 to IEEE half floats (as bits), rounding to nearest even; overflow becomes infinity. */
export function float32ToFloat16(values: Float32Array): Uint16Array {
  const f = new Float32Array(1);
  const u = new Uint32Array(f.buffer);
  const out = new Uint16Array(values.length);
  for (let i = 0; i < values.length; i++) {
    f[0] = values[i];
    const x = u[0];
    const sign = (x >>> 16) & 0x8000;
    const exp = (x >>> 23) & 0xff;
    let mant = x & 0x7fffff;
    if (exp === 0xff) {
      out[i] = sign | 0x7c00 | (mant ? 0x200 : 0);
      continue;
    }
    const e = exp - 127 + 15;
    if (e >= 31) {
      out[i] = sign | 0x7c00;
      continue;
    }
    if (e <= 0) {
      if (e < -10) {
        out[i] = sign;
        continue;
      }
      mant |= 0x800000;
      const shift = 14 - e;
      let half = mant >> shift;
      const rem = mant & ((1 << shift) - 1);
      const mid = 1 << (shift - 1);
      if (rem > mid || (rem === mid && half & 1)) half++;
      out[i] = sign | half;
      continue;
    }
    let half = (e << 10) | (mant >> 13);
    const rem = mant & 0x1fff;
    if (rem > 0x1000 || (rem === 0x1000 && half & 1)) half++;
    out[i] = sign | half;
  }
  return out;
}

/** Reads every tensor of a manifest; progress is reported per shard. */
export async function readWeights(
  manifest: BackboneManifest,
  source: FileSource,
  where: string,
  onProgress?: (fraction: number) => void,
): Promise<NamedTensors> {
  const tensors: NamedTensors = new Map();
  const totalShards = manifest.weightsManifest.reduce((n, g) => n + g.paths.length, 0);
  let doneShards = 0;
  for (const group of manifest.weightsManifest) {
    const parts: Uint8Array[] = [];
    for (const p of group.paths) {
      parts.push(await source.readBytes(p));
      onProgress?.(++doneShards / totalShards);
    }
    const total = parts.reduce((n, p) => n + p.byteLength, 0);
    const bytes = new Uint8Array(total);
    let o = 0;
    for (const p of parts) {
      bytes.set(p, o);
      o += p.byteLength;
    }
    let offset = 0;
    for (const w of group.weights) {
      const count = sizeOf(w.shape);
      const half = w.quantization?.dtype === 'float16';
      const byteLength = count * (half ? 2 : 4);
      if (offset + byteLength > total) throw new Error(`${where}: weight "${w.name}" runs past the end of its shards`);
      const slice = bytes.slice(offset, offset + byteLength).buffer;
      const data = half ? float16ToFloat32(new Uint16Array(slice)) : new Float32Array(slice);
      tensors.set(w.name, { shape: w.shape, data });
      offset += byteLength;
    }
    if (offset !== total) throw new Error(`${where}: shards hold ${total} bytes but the manifest describes ${offset}`);
  }
  return tensors;
}
