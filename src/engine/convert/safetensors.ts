import type { RawTensor, TensorDType } from './dtypes';
import { DTYPE_BYTES, elementCount, isTensorDType } from './dtypes';
import { CheckpointError, clip, guarded } from './errors';

/**
 * The safetensors format (https://github.com/huggingface/safetensors): an 8-byte little-endian
 * header length, a JSON header `{name: {dtype, shape, data_offsets: [begin, end]}, __metadata__?}`
 * padded with spaces, then the tensor bytes, little-endian, row-major.
 */
export interface SafetensorsTensor extends RawTensor {
  name: string;
}

/** What writeSafetensors accepts: `data` is any typed array (or bytes) of the right byte length. */
export interface SafetensorsInput {
  name: string;
  dtype: TensorDType;
  shape: number[];
  data: ArrayBufferView;
}

export interface SafetensorsFile {
  tensors: SafetensorsTensor[];
  metadata: Record<string, string>;
}

/** Headers beyond this are refused, as the reference implementation does. */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;

/** True when the bytes start like a safetensors file (a plausible header length, then '{'). */
export function looksLikeSafetensors(bytes: Uint8Array): boolean {
  if (bytes.length < 10) return false;
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  return n >= 2n && bytes[8] === 0x7b;
}

export interface ReadSafetensorsOptions {
  /**
   * Accept bytes after the last tensor's data (default true, for callers that report them in their
   * own words). The reference implementation refuses them; readCheckpoint passes false.
   */
  allowTrailingBytes?: boolean;
}

/**
 * Parses a safetensors file. Tensor data are views into `bytes` (no copy). `name` identifies the
 * file in error messages. Every offset, size and dtype is checked before it is used and, as the
 * reference implementation requires, the tensors' data_offsets, sorted, must tile the data
 * section from its start without overlap or gap.
 */
export function readSafetensors(bytes: Uint8Array, name: string, options: ReadSafetensorsOptions = {}): SafetensorsFile {
  return guarded(name, () => parse(bytes, name, options.allowTrailingBytes ?? true));
}

function parse(bytes: Uint8Array, name: string, allowTrailingBytes: boolean): SafetensorsFile {
  const fail = (msg: string): never => {
    throw new CheckpointError(name, msg);
  };
  if (bytes.length < 8) fail(`a safetensors file needs at least 8 bytes, this one has ${bytes.length}`);
  const headerLen = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (headerLen > BigInt(bytes.length - 8)) fail(`the safetensors header claims ${headerLen} bytes but the file has only ${bytes.length - 8} after the length: it is truncated or corrupt`);
  if (headerLen > BigInt(MAX_HEADER_BYTES)) fail(`the safetensors header claims ${headerLen} bytes, more than the ${MAX_HEADER_BYTES} allowed`);
  const n = Number(headerLen);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + n)));
  } catch (e) {
    fail(`the safetensors header is not valid JSON (${(e as Error).message})`);
  }
  if (!header || typeof header !== 'object' || Array.isArray(header)) fail('the safetensors header is not a JSON object');
  const dataStart = 8 + n;
  const dataLen = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const tensors: SafetensorsTensor[] = [];
  const spans: { key: string; begin: number; end: number }[] = [];
  for (const [key, value] of Object.entries(header as Record<string, unknown>)) {
    const tensor = `tensor "${clip(key)}"`;
    if (key === '__metadata__') {
      if (!value || typeof value !== 'object' || Array.isArray(value)) fail('__metadata__ is not an object');
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`__metadata__.${clip(k)} is not a string`);
        metadata[k] = v as string;
      }
      continue;
    }
    const info = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    if (!info || typeof info !== 'object') fail(`${tensor} has no description`);
    if (!isTensorDType(info.dtype)) fail(`${tensor} has dtype ${clip(String(JSON.stringify(info.dtype)))}, which is not supported`);
    const dtype = info.dtype as TensorDType;
    const shape = info.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`${tensor} has an invalid shape ${clip(String(JSON.stringify(shape)))}`);
    const offs = info.data_offsets;
    if (!Array.isArray(offs) || offs.length !== 2 || !offs.every((o) => Number.isSafeInteger(o) && o >= 0)) fail(`${tensor} has invalid data_offsets ${clip(String(JSON.stringify(offs)))}`);
    const [begin, end] = offs as number[];
    if (begin > end || end > dataLen) fail(`${tensor} has data_offsets [${begin}, ${end}] outside the ${dataLen}-byte data section`);
    const expected = elementCount(shape as number[]) * DTYPE_BYTES[dtype];
    if (end - begin !== expected) fail(`${tensor} of shape [${shape}] and dtype ${dtype} needs ${expected} bytes but its data_offsets span ${end - begin}`);
    spans.push({ key, begin, end });
    tensors.push({ name: key, dtype, shape: [...(shape as number[])], data: bytes.subarray(dataStart + begin, dataStart + end) });
  }
  // As the reference implementation: sorted by offset, the tensors tile the data section exactly.
  spans.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let at = 0;
  for (let i = 0; i < spans.length; i++) {
    const { key, begin, end } = spans[i];
    if (begin < at) fail(`tensor "${clip(key)}" (data_offsets [${begin}, ${end}]) overlaps tensor "${clip(spans[i - 1].key)}" (which ends at ${at}): tensors may not share bytes`);
    if (begin > at) fail(`tensor "${clip(key)}" starts at data offset ${begin}, but the data before it ends at ${at}: the data section has a ${begin - at}-byte gap`);
    at = end;
  }
  if (!allowTrailingBytes && at !== dataLen) fail(`the tensors' data ends at offset ${at} of the ${dataLen}-byte data section: ${dataLen - at} bytes follow that no tensor describes`);
  return { tensors, metadata };
}

/** Serialises tensors (in the given order) and string metadata to a safetensors file. */
export function writeSafetensors(tensors: SafetensorsInput[], metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = Object.create(null);
  if (Object.keys(metadata).length) header.__metadata__ = metadata;
  let offset = 0;
  const parts: Uint8Array[] = [];
  for (const t of tensors) {
    if (t.name === '__metadata__' || Object.prototype.hasOwnProperty.call(header, t.name)) throw new Error(`safetensors: duplicate or reserved tensor name "${t.name}"`);
    const bytes = new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    const expected = elementCount(t.shape) * DTYPE_BYTES[t.dtype];
    if (bytes.byteLength !== expected) throw new Error(`safetensors: tensor "${t.name}" of shape [${t.shape}] and dtype ${t.dtype} needs ${expected} bytes, got ${bytes.byteLength}`);
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [offset, offset + expected] };
    parts.push(bytes);
    offset += expected;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.length / 8) * 8;
  if (padded !== json.length) {
    const p = new Uint8Array(padded).fill(0x20);
    p.set(json);
    json = p;
  }
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let o = 8 + json.length;
  for (const p of parts) {
    out.set(p, o);
    o += p.byteLength;
  }
  return out;
}
