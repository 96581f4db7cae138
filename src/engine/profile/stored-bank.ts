/**
 * A memory bank as it is stored and sent between threads: float32 or float16 (IEEE half) bytes, row-major
 * [size, dim]; and the conversions to and from the float32 values scoring uses.
 */
import { float16ToFloat32, float32ToFloat16 } from '../backbones/weights-file';

/** A memory bank as stored: float32 or float16 (IEEE half, as Uint16) row-major [size, dim]. */
export interface StoredBank {
  dtype: 'float32' | 'float16';
  size: number;
  dim: number;
  bytes: ArrayBuffer;
}

/** Float32 values as scoring uses them. A float16 bank is decoded; a float32 one is copied. */
export function bankToFloat32(bank: StoredBank): Float32Array {
  if (bank.bytes.byteLength !== bank.size * bank.dim * (bank.dtype === 'float16' ? 2 : 4)) {
    throw new Error(`the stored bank holds ${bank.bytes.byteLength} bytes, not ${bank.size} x ${bank.dim} ${bank.dtype}`);
  }
  return bank.dtype === 'float16' ? float16ToFloat32(new Uint16Array(bank.bytes)) : new Float32Array(bank.bytes.slice(0));
}

/** The bank as stored (a fresh buffer, safe to transfer). */
export function float32ToBank(data: Float32Array, size: number, dim: number, dtype: StoredBank['dtype']): StoredBank {
  const bytes = dtype === 'float16' ? float32ToFloat16(data).buffer : data.slice().buffer;
  return { dtype, size, dim, bytes: bytes as ArrayBuffer };
}

/** The values a bank has once stored in `dtype` (float16 rounds). */
export function roundTo(data: Float32Array, dtype: StoredBank['dtype']): Float32Array {
  return dtype === 'float16' ? float16ToFloat32(float32ToFloat16(data)) : data;
}
