/**
 * What a training run sends to the page, shaped for it: checkpoints split into Blobs small enough for one
 * IndexedDB value each (and joined again to resume), and synthetic samples shrunk to thumbnails with their masks.
 */
import { resizeFloat } from '../../src/engine/tocoad/float-image';
import type { SyntheticSample } from '../../src/engine/tocoad/generator';
import type { TrainSample } from '../../src/worker-bridge/protocol';

/** Checkpoint parts sent to the page: each one IndexedDB value, well under Chromium's 128 MB value limit. */
export const CHECKPOINT_PART_BYTES = 16 * 1024 * 1024;
/** Samples are shown small: at most this many pixels a side. */
const SAMPLE_SIDE = 128;

/** Splits bytes into Blobs of at most `size` bytes (one IndexedDB value each; the copy is made here, not on the page). */
export function splitBytes(bytes: Uint8Array, size = CHECKPOINT_PART_BYTES): Blob[] {
  const parts: Blob[] = [];
  for (let o = 0; o < bytes.byteLength || parts.length === 0; o += size) parts.push(new Blob([bytes.subarray(o, Math.min(bytes.byteLength, o + size)) as Uint8Array<ArrayBuffer>]));
  return parts;
}

export async function joinParts(parts: Blob[]): Promise<Uint8Array> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.size, 0));
  let o = 0;
  for (const p of parts) {
    out.set(new Uint8Array(await p.arrayBuffer()), o);
    o += p.size;
  }
  return out;
}

/** A sample at most SAMPLE_SIDE pixels a side, as RGB bytes and a 0/1 mask (nearest). */
export function toTrainSample(name: string, s: SyntheticSample): TrainSample {
  const { width: w, height: h } = s.image;
  const scale = Math.min(1, SAMPLE_SIDE / Math.max(w, h));
  const sw = Math.max(1, Math.round(w * scale));
  const sh = Math.max(1, Math.round(h * scale));
  const img = scale < 1 ? resizeFloat(s.image, sw, sh) : s.image;
  const rgb = new Uint8Array(sw * sh * 3);
  for (let i = 0; i < rgb.length; i++) rgb[i] = Math.round(Math.min(255, Math.max(0, img.data[i])));
  const mask = new Uint8Array(sw * sh);
  for (let y = 0; y < sh; y++) for (let x = 0; x < sw; x++) mask[y * sw + x] = s.mask[Math.min(h - 1, Math.floor(((y + 0.5) * h) / sh)) * w + Math.min(w - 1, Math.floor(((x + 0.5) * w) / sw))];
  return { name, width: sw, height: sh, rgb: rgb.buffer, mask: mask.buffer, anomalous: s.anomalous };
}
