/**
 * Element types found in checkpoints, named as safetensors names them, and the one raw tensor
 * shape every reader produces.
 */
export type TensorDType = 'F64' | 'F32' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

/** Bytes per element of each dtype. */
export const DTYPE_BYTES: Record<TensorDType, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

/** Floating-point dtypes, which can become float32 weights. */
export const FLOAT_DTYPES: ReadonlySet<TensorDType> = new Set(['F64', 'F32', 'F16', 'BF16']);

/** True for a string naming a dtype we know. */
export function isTensorDType(s: unknown): s is TensorDType {
  return typeof s === 'string' && Object.prototype.hasOwnProperty.call(DTYPE_BYTES, s);
}

/** A tensor as a checkpoint stores it: row-major, little-endian bytes (often a view into the file). */
export interface RawTensor {
  dtype: TensorDType;
  shape: number[];
  data: Uint8Array;
}

/** Number of elements of a shape; [] is a scalar (1). */
export function elementCount(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

let halfTable: Float32Array | undefined;

/** float16 bit pattern -> float32 value, by table (65536 entries, built once). */
function halfToFloatTable(): Float32Array {
  if (halfTable) return halfTable;
  const t = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const exp = (h >> 10) & 0x1f;
    const frac = h & 0x3ff;
    if (exp === 0) t[h] = sign * frac * 2 ** -24;
    else if (exp === 31) t[h] = frac ? NaN : sign * Infinity;
    else t[h] = sign * (1 + frac / 1024) * 2 ** (exp - 15);
  }
  halfTable = t;
  return t;
}

/** A typed-array view of `bytes` when aligned, else of an aligned copy. */
function aligned<T>(bytes: Uint8Array, size: number, make: (b: ArrayBufferLike, off: number, n: number) => T): T {
  const n = bytes.byteLength / size;
  if (bytes.byteOffset % size === 0) return make(bytes.buffer, bytes.byteOffset, n);
  const copy = bytes.slice();
  return make(copy.buffer, 0, n);
}

/**
 * Decodes a floating-point raw tensor to float32. An aligned F32 tensor is returned as a view
 * into its bytes (no copy), so treat the result as read-only.
 */
export function toFloat32(t: RawTensor): Float32Array {
  const n = elementCount(t.shape);
  if (t.data.byteLength !== n * DTYPE_BYTES[t.dtype]) throw new Error(`tensor of shape [${t.shape}] holds ${t.data.byteLength} bytes, expected ${n * DTYPE_BYTES[t.dtype]}`);
  switch (t.dtype) {
    case 'F32':
      return aligned(t.data, 4, (b, o, k) => new Float32Array(b, o, k));
    case 'F64':
      return Float32Array.from(aligned(t.data, 8, (b, o, k) => new Float64Array(b, o, k)));
    case 'F16': {
      const bits = aligned(t.data, 2, (b, o, k) => new Uint16Array(b, o, k));
      const table = halfToFloatTable();
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = table[bits[i]];
      return out;
    }
    case 'BF16': {
      const bits = aligned(t.data, 2, (b, o, k) => new Uint16Array(b, o, k));
      const out = new Float32Array(n);
      const u = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) u[i] = bits[i] << 16;
      return out;
    }
    default:
      throw new Error(`a ${t.dtype} tensor is not floating point`);
  }
}
