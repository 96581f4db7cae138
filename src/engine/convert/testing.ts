import { crc32 } from './crc32';

/**
 * Builders for the converter's tests: hand-made pickles and zip archives, so that hostile inputs
 * can be written byte by byte. Not used by the converter itself.
 */

/** Concatenates byte chunks; numbers are single bytes, strings are latin-1. */
export function bytesOf(...parts: (number | string | Uint8Array | readonly number[])[]): Uint8Array {
  const chunks = parts.map((p) => (typeof p === 'number' ? Uint8Array.of(p) : typeof p === 'string' ? Uint8Array.from(p, (c) => c.charCodeAt(0)) : Uint8Array.from(p)));
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}

/** Little-endian unsigned integer of `n` bytes. */
export function le(value: number, n: number): Uint8Array {
  const out = new Uint8Array(n);
  let v = BigInt(value);
  for (let i = 0; i < n; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** Pickle opcodes for building test pickles. */
export const OP = {
  PROTO2: [0x80, 2],
  STOP: 0x2e,
  MARK: 0x28,
  TUPLE: 0x74,
  TUPLE1: 0x85,
  TUPLE2: 0x86,
  EMPTY_DICT: 0x7d,
  EMPTY_TUPLE: 0x29,
  SETITEM: 0x73,
  SETITEMS: 0x75,
  REDUCE: 0x52,
  BUILD: 0x62,
  BININT1: 0x4b,
  BINPUT: 0x71,
  BINGET: 0x68,
  NONE: 0x4e,
  BINPERSID: 0x51,
} as const;

/** BINUNICODE: a pickled str. */
export function pstr(s: string): Uint8Array {
  const b = new TextEncoder().encode(s);
  return bytesOf(0x58, le(b.length, 4), b);
}

/** GLOBAL "module\nname\n". */
export function pglobal(module: string, name: string): Uint8Array {
  return bytesOf(0x63, `${module}\n${name}\n`);
}

/** A stored (uncompressed) zip archive of the given entries, without ZIP64 records. */
export function makeZip(entries: { name: string; data: Uint8Array }[]): Uint8Array {
  const local: Uint8Array[] = [];
  const central: Uint8Array[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = new TextEncoder().encode(e.name);
    const crc = crc32(e.data);
    const header = bytesOf(le(0x04034b50, 4), le(20, 2), le(0, 2), le(0, 2), le(0, 4), le(crc, 4), le(e.data.length, 4), le(e.data.length, 4), le(name.length, 2), le(0, 2), name);
    central.push(bytesOf(le(0x02014b50, 4), le(20, 2), le(20, 2), le(0, 2), le(0, 2), le(0, 4), le(crc, 4), le(e.data.length, 4), le(e.data.length, 4), le(name.length, 2), le(0, 2), le(0, 2), le(0, 2), le(0, 2), le(0, 4), le(offset, 4), name));
    local.push(header, e.data);
    offset += header.length + e.data.length;
  }
  const cd = bytesOf(...central);
  const eocd = bytesOf(le(0x06054b50, 4), le(0, 2), le(0, 2), le(entries.length, 2), le(entries.length, 2), le(cd.length, 4), le(offset, 4), le(0, 2));
  return bytesOf(...local, cd, eocd);
}

/** Largest |a - b| over the largest |b|. */
export function relativeError(a: Float32Array, b: Float32Array): number {
  let err = 0;
  let max = 0;
  for (let i = 0; i < b.length; i++) {
    err = Math.max(err, Math.abs(a[i] - b[i]));
    max = Math.max(max, Math.abs(b[i]));
  }
  return err / max;
}
