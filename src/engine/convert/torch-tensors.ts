import type { RawTensor, TensorDType } from './dtypes';
import { DTYPE_BYTES, elementCount } from './dtypes';
import { PickleFunction } from './pickle';

/**
 * The PyTorch side of unpickling a checkpoint: the allow-listed globals `torch.save` emits for
 * tensors and ordered dicts, as pure stand-ins that record storage references, and the step that
 * turns those references into RawTensors once the storage bytes are known.
 */
export class StorageType {
  constructor(readonly dtype: TensorDType) {}
}

/** A storage as a pickle names it; `bytes` is filled in by the container reader. */
export interface StorageRef {
  key: string;
  dtype: TensorDType;
  numel: number;
  bytes?: Uint8Array;
  /** Legacy views: this storage is `numel` elements of storage `key` from element `offset`. */
  viewOf?: { key: string; offset: number };
}

/** A tensor as `_rebuild_tensor_v2` describes it, before its storage is read. */
export class TensorRef {
  constructor(
    readonly storage: StorageRef,
    readonly offset: number,
    readonly shape: number[],
    readonly stride: number[],
  ) {}
}

const STORAGE_DTYPES: Record<string, TensorDType> = {
  DoubleStorage: 'F64',
  FloatStorage: 'F32',
  HalfStorage: 'F16',
  BFloat16Storage: 'BF16',
  LongStorage: 'I64',
  IntStorage: 'I32',
  ShortStorage: 'I16',
  CharStorage: 'I8',
  ByteStorage: 'U8',
  BoolStorage: 'BOOL',
};

function intList(v: unknown, what: string): number[] {
  if (!Array.isArray(v) || !v.every((d) => Number.isSafeInteger(d) && (d as number) >= 0)) throw new Error(`${what} is not a list of sizes`);
  return v as number[];
}

function rebuildTensor(args: unknown[]): TensorRef {
  const [storage, offset, size, stride] = args;
  if (!storage || typeof storage !== 'object' || !('numel' in storage)) throw new Error('the tensor does not reference a storage');
  if (!Number.isSafeInteger(offset) || (offset as number) < 0) throw new Error('the tensor has an invalid storage offset');
  const shape = intList(size, 'the tensor size');
  const strides = intList(stride, 'the tensor stride');
  if (shape.length !== strides.length) throw new Error('the tensor size and stride differ in length');
  return new TensorRef(storage as StorageRef, offset as number, shape, strides);
}

/** The globals a state-dict checkpoint may name, keyed `module.name`. */
export function torchGlobals(): Map<string, unknown> {
  const g = new Map<string, unknown>();
  g.set('collections.OrderedDict', new PickleFunction('collections.OrderedDict', (args) => {
    const m = new Map<unknown, unknown>();
    if (args.length && Array.isArray(args[0])) for (const kv of args[0]) if (Array.isArray(kv) && kv.length === 2) m.set(kv[0], kv[1]);
    return m;
  }));
  g.set('torch._utils._rebuild_tensor_v2', new PickleFunction('torch._utils._rebuild_tensor_v2', rebuildTensor));
  g.set('torch._utils._rebuild_tensor', new PickleFunction('torch._utils._rebuild_tensor', rebuildTensor));
  g.set('torch._utils._rebuild_parameter', new PickleFunction('torch._utils._rebuild_parameter', (args) => {
    if (!(args[0] instanceof TensorRef)) throw new Error('a parameter without tensor data');
    return args[0];
  }));
  for (const [name, dtype] of Object.entries(STORAGE_DTYPES)) g.set(`torch.${name}`, new StorageType(dtype));
  return g;
}

/**
 * Parses a persistent id `('storage', StorageType, key, location, numel[, view_metadata])`,
 * reusing one StorageRef per key.
 */
export function storageFromPid(pid: unknown, storages: Map<string, StorageRef>): StorageRef {
  if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5) throw new Error('unknown persistent id (only tensor storages are allowed)');
  const [, type, key, , numel, view] = pid;
  if (!(type instanceof StorageType)) throw new Error('a storage of unknown type');
  if (typeof key !== 'string' || !Number.isSafeInteger(numel) || numel < 0) throw new Error('a malformed storage reference');
  let root = storages.get(key);
  if (!root) {
    root = { key, dtype: type.dtype, numel: view ? 0 : numel };
    storages.set(key, root);
  }
  if (root.dtype !== type.dtype) throw new Error(`storage ${key} is used with two element types`);
  if (view === null || view === undefined) {
    root.numel = Math.max(root.numel, numel);
    return root;
  }
  // Legacy storage views: (view_key, offset, view_size).
  if (!Array.isArray(view) || typeof view[0] !== 'string' || !Number.isSafeInteger(view[1]) || !Number.isSafeInteger(view[2])) throw new Error('a malformed storage view');
  root.numel = Math.max(root.numel, numel);
  return { key: view[0], dtype: type.dtype, numel: view[2], viewOf: { key, offset: view[1] } };
}

/** Copies a strided tensor out of its storage into contiguous bytes, or views it if contiguous. */
export function materialize(t: TensorRef, storageBytes: Uint8Array, storageOffset = 0): RawTensor {
  const { dtype } = t.storage;
  const es = DTYPE_BYTES[dtype];
  const n = elementCount(t.shape);
  const start = storageOffset + t.offset;
  const storageNumel = storageBytes.byteLength / es;
  if (n > 0) {
    let last = start;
    for (let i = 0; i < t.shape.length; i++) last += (t.shape[i] - 1) * t.stride[i];
    if (last >= storageNumel) throw new Error(`a tensor of shape [${t.shape}] reaches element ${last} of a ${storageNumel}-element storage`);
  }
  let contiguous = true;
  for (let i = t.shape.length - 1, expect = 1; i >= 0; i--) {
    if (t.shape[i] !== 1 && t.stride[i] !== expect) contiguous = false;
    expect *= t.shape[i];
  }
  if (contiguous || n === 0) return { dtype, shape: [...t.shape], data: storageBytes.subarray(start * es, (start + n) * es) };
  const out = new Uint8Array(n * es);
  const idx = new Array<number>(t.shape.length).fill(0);
  for (let k = 0; k < n; k++) {
    let src = start;
    for (let i = 0; i < idx.length; i++) src += idx[i] * t.stride[i];
    out.set(storageBytes.subarray(src * es, (src + 1) * es), k * es);
    for (let i = idx.length - 1; i >= 0; i--) {
      if (++idx[i] < t.shape[i]) break;
      idx[i] = 0;
    }
  }
  return { dtype, shape: [...t.shape], data: out };
}

/**
 * Replaces every TensorRef in an unpickled tree (Maps and arrays, cycles tolerated) with its
 * RawTensor, using `bytesOf` to find each storage's bytes.
 */
export function resolveTensors(root: unknown, bytesOf: (s: StorageRef) => { bytes: Uint8Array; offset: number }): unknown {
  const seen = new Set<unknown>();
  const fix = (v: unknown): unknown => {
    if (v instanceof TensorRef) {
      const { bytes, offset } = bytesOf(v.storage);
      return materialize(v, bytes, offset);
    }
    if (seen.has(v)) return v;
    if (v instanceof Map) {
      seen.add(v);
      for (const [k, x] of v) v.set(k, fix(x));
    } else if (Array.isArray(v)) {
      seen.add(v);
      for (let i = 0; i < v.length; i++) v[i] = fix(v[i]);
    }
    return v;
  };
  return fix(root);
}
