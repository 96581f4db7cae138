import { crc32 } from './crc32';
import type { ResNetLayout } from './resnet-layout';
import { expectedShapes } from './resnet-layout';

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

/** A pickled int: BININT1, BININT or LONG1, whichever fits. */
export function pint(v: number): Uint8Array {
  if (Number.isInteger(v) && v >= 0 && v < 256) return bytesOf(OP.BININT1, v);
  if (Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31) return bytesOf(0x4a, le(v >>> 0, 4));
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigInt64(0, BigInt(v), true);
  return bytesOf(0x8a, 8, b);
}

/** A pickled tuple of ints. */
export function ptuple(values: readonly number[]): Uint8Array {
  return bytesOf(OP.MARK, ...values.map(pint), OP.TUPLE);
}

/** One tensor of a hand-written torch state-dict pickle. */
export interface PickledTensor {
  name: string;
  /** Storage key (the zip entry `data/<key>`). */
  key: string;
  /** Storage class, e.g. 'FloatStorage'. */
  storage?: string;
  /** Elements the storage reference declares. */
  numel: number;
  offset?: number;
  shape: number[];
  stride: number[];
  /** Legacy storage view metadata: (view key, offset, size). */
  view?: { key: string; offset: number; size: number };
}

/**
 * A state dict pickled the way torch.save writes one (protocol 2): an OrderedDict of
 * `_rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())`, the storages as
 * persistent ids. Every number is taken as given, so hostile ones can be written.
 */
export function stateDictPickle(tensors: readonly PickledTensor[]): Uint8Array {
  const od = bytesOf(pglobal('collections', 'OrderedDict'), OP.EMPTY_TUPLE, OP.REDUCE);
  const items = tensors.map((t) => {
    const view = t.view ? bytesOf(OP.MARK, pstr(t.view.key), pint(t.view.offset), pint(t.view.size), OP.TUPLE) : OP.NONE;
    const pid = bytesOf(OP.MARK, pstr('storage'), pglobal('torch', t.storage ?? 'FloatStorage'), pstr(t.key), pstr('cpu'), pint(t.numel), view, OP.TUPLE, OP.BINPERSID);
    return bytesOf(pstr(t.name), pglobal('torch._utils', '_rebuild_tensor_v2'), OP.MARK, pid, pint(t.offset ?? 0), ptuple(t.shape), ptuple(t.stride), 0x89, od, OP.TUPLE, OP.REDUCE);
  });
  return bytesOf(OP.PROTO2, od, OP.MARK, ...items, OP.SETITEMS, OP.STOP);
}

/** The three header pickles of a legacy (pre-1.6) torch.save file: magic number, protocol 1001, sys info. */
export const LEGACY_HEADER = bytesOf(
  OP.PROTO2, 0x8a, 10, [0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19], OP.STOP,
  OP.PROTO2, 0x4d, [0xe9, 0x03], OP.STOP,
  OP.PROTO2, OP.EMPTY_DICT, pstr('little_endian'), 0x88, OP.SETITEM, OP.STOP,
);

/** A legacy torch.save file: header, the state-dict pickle, the storage key list, then each storage (u64 element count + bytes). */
export function legacyPth(pickle: Uint8Array, storages: readonly { key: string; numel: number; data: Uint8Array }[]): Uint8Array {
  const keys = bytesOf(OP.PROTO2, 0x5d, OP.MARK, ...storages.map((s) => pstr(s.key)), 0x65, OP.STOP);
  return bytesOf(LEGACY_HEADER, pickle, keys, ...storages.flatMap((s) => [le(s.numel, 8), s.data]));
}

/** A zip local file header. */
export function zipLocalHeader(name: string, method: number, crc: number, compressedSize: number, size: number): Uint8Array {
  const n = new TextEncoder().encode(name);
  return bytesOf(le(0x04034b50, 4), le(20, 2), le(0, 2), le(method, 2), le(0, 4), le(crc, 4), le(compressedSize, 4), le(size, 4), le(n.length, 2), le(0, 2), n);
}

/** A central directory entry as written into a hand-made archive (all fields as given, however they lie). */
export interface CentralEntry {
  name: string;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

/** A zip archive from hand-made local data (headers and entry bytes) and central directory entries. */
export function rawZip(locals: Uint8Array, central: readonly CentralEntry[]): Uint8Array {
  const cd = bytesOf(
    ...central.map((e) => {
      const n = new TextEncoder().encode(e.name);
      return bytesOf(le(0x02014b50, 4), le(20, 2), le(20, 2), le(0, 2), le(e.method, 2), le(0, 4), le(e.crc, 4), le(e.compressedSize, 4), le(e.size, 4), le(n.length, 2), le(0, 2), le(0, 2), le(0, 2), le(0, 2), le(0, 4), le(e.localHeaderOffset, 4), n);
    }),
  );
  const eocd = bytesOf(le(0x06054b50, 4), le(0, 2), le(0, 2), le(central.length, 2), le(central.length, 2), le(cd.length, 4), le(locals.length, 4), le(0, 2));
  return bytesOf(locals, cd, eocd);
}

/**
 * A raw deflate stream that inflates to `size` zero bytes at deflate's maximum ratio (~1032:1):
 * one dynamic-Huffman block whose length code 258 and distance code 1 take one bit each, so that
 * each 258 output bytes cost two bits. Written bit by bit, without running a compressor.
 */
export function zeroDeflateStream(size: number): Uint8Array {
  if (!Number.isSafeInteger(size) || size < 1) throw new Error('zeroDeflateStream: size must be a positive integer');
  const matches = Math.floor((size - 1) / 258);
  const literals = size - 258 * matches;
  const out = new Uint8Array(Math.ceil((100 + 2 * literals + 2 * matches + 2) / 8) + 1);
  let bit = 0;
  /** `n` bits of `v`, least significant first (header fields, extra bits). */
  const bits = (v: number, n: number) => {
    for (let i = 0; i < n; i++, bit++) if ((v >> i) & 1) out[bit >> 3] |= 1 << (bit & 7);
  };
  /** A Huffman code of `n` bits, most significant first. */
  const code = (c: number, n: number) => {
    for (let i = n - 1; i >= 0; i--, bit++) if ((c >> i) & 1) out[bit >> 3] |= 1 << (bit & 7);
  };
  bits(1, 1); // BFINAL
  bits(2, 2); // dynamic Huffman
  bits(29, 5); // 286 literal/length codes
  bits(1, 5); // 2 distance codes
  bits(14, 4); // 18 code-length codes, in the order 16,17,18,0,8,7,9,6,10,5,11,4,12,3,13,2,14,1
  for (const sym of [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1]) bits(sym === 18 ? 1 : sym === 1 || sym === 2 ? 2 : 0, 3);
  // Code-length codes: 18 = '0', 1 = '10', 2 = '11'.
  const len2 = () => code(3, 2);
  const len1 = () => code(2, 2);
  const zeros = (n: number) => {
    code(0, 1);
    bits(n - 11, 7);
  };
  len2(); // literal 0: 2 bits
  zeros(138); // literals 1..138
  zeros(117); // literals 139..255
  len2(); // 256 (end of block): 2 bits
  zeros(28); // 257..284
  len1(); // 285 (length 258): 1 bit
  len1(); // distance code 0 (distance 1): 1 bit
  len1(); // distance code 1: 1 bit
  // Literal/length codes: 285 = '0', 0 = '10', 256 = '11'; distance codes: 0 = '0', 1 = '1'.
  for (let i = 0; i < literals; i++) code(2, 2);
  bit += 2 * matches; // each match is '0' (length 258) + '0' (distance 1): zero bits, already zero
  code(3, 2); // end of block
  return out.subarray(0, Math.ceil(bit / 8));
}

/** Row-major strides of a shape. */
export function contiguousStrides(shape: readonly number[]): number[] {
  const out = new Array<number>(shape.length);
  for (let i = shape.length - 1, s = 1; i >= 0; i--) {
    out[i] = s;
    s *= shape[i];
  }
  return out;
}

/** The smallest bottleneck ResNet the converter accepts: stem 1, one block in each of 3 stages, widths 1, outputs 2 (WideResNet-style). */
export const TINY_RESNET: ResNetLayout = { architecture: 'wide_resnet50_2', canonical: false, stem: 1, blocks: [1, 1, 1], widths: [1, 1, 1], outs: [2, 2, 2] };

/** The tiny network's weights as float32 tensors, value i / 64 - 1 at index i of each. */
export function tinyResNetWeights(): { name: string; shape: number[]; data: Float32Array }[] {
  return [...expectedShapes(TINY_RESNET)].map(([name, shape]) => {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    for (let i = 0; i < data.length; i++) data[i] = (i % 128) / 64 - 1;
    return { name, shape, data };
  });
}

/** The tiny network as a zip-format torch.save checkpoint (one stored storage per tensor). */
export function tinyResNetPth(dir = 'tiny'): Uint8Array {
  const weights = tinyResNetWeights();
  const pkl = stateDictPickle(weights.map((w, i) => ({ name: w.name, key: String(i), numel: w.data.length, shape: w.shape, stride: contiguousStrides(w.shape) })));
  return makeZip([{ name: `${dir}/data.pkl`, data: pkl }, ...weights.map((w, i) => ({ name: `${dir}/data/${i}`, data: new Uint8Array(w.data.buffer) }))]);
}
