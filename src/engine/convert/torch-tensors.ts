import type { RawTensor, TensorDType } from './dtypes';
import { DTYPE_BYTES, elementCount } from './dtypes';
import { CheckpointError, clip } from './errors';
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

/** Dimensions a tensor may have (PyTorch itself stops well short of this in most operations). */
const MAX_DIMS = 64;

function intList(v: unknown, what: string): number[] {
  if (!Array.isArray(v) || !v.every((d) => Number.isSafeInteger(d))) throw new Error(`${what} is not a list of integers`);
  return v as number[];
}

/** Records the tensor; its geometry (signs, bounds) is checked by planTensors, where its name is known. */
function rebuildTensor(args: unknown[]): TensorRef {
  const [storage, offset, size, stride] = args;
  if (!storage || typeof storage !== 'object' || !('numel' in storage) || !('dtype' in storage)) throw new Error('the tensor does not reference a storage');
  if (!Number.isSafeInteger(offset)) throw new Error('the tensor has an invalid storage offset');
  const shape = intList(size, 'the tensor size');
  const strides = intList(stride, 'the tensor stride');
  if (shape.length !== strides.length) throw new Error('the tensor size and stride differ in length');
  // Each tensor's shape is checked and copied: a huge one shared by many tensors would cost their product.
  if (shape.length > MAX_DIMS) throw new Error(`the tensor has ${shape.length} dimensions; at most ${MAX_DIMS} are supported`);
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
 * reusing one StorageRef per key. A legacy view's offset and size are checked against its storage
 * by planTensors, which knows the name of the tensor that uses it.
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
  if (root.dtype !== type.dtype) throw new Error(`storage ${clip(key)} is used with two element types`);
  if (view === null || view === undefined) {
    root.numel = Math.max(root.numel, numel);
    return root;
  }
  // Legacy storage views: (view_key, offset, view_size).
  if (!Array.isArray(view) || typeof view[0] !== 'string' || !Number.isSafeInteger(view[1]) || !Number.isSafeInteger(view[2])) throw new Error('a malformed storage view');
  root.numel = Math.max(root.numel, numel);
  return { key: view[0], dtype: type.dtype, numel: view[2], viewOf: { key, offset: view[1] } };
}

/** What planTensors found: every tensor once, with the path of its first occurrence, and where it sits in the tree. */
export interface TensorPlan {
  /** Each tensor with its name (e.g. `state_dict.conv1.weight`) and whether it can be a view (no copy). */
  tensors: Map<TensorRef, { name: string; contiguous: boolean }>;
  /** Containers and keys holding a tensor, for the replacement. */
  slots: { container: Map<unknown, unknown> | unknown[]; key: unknown; ref: TensorRef }[];
  /** Bytes that non-contiguous tensors will be copied into. */
  copyBytes: number;
  /** Holds the tree's root (which may itself be a tensor). */
  holder: unknown[];
}

/** Non-contiguous copies may take this many bytes... */
const COPY_BUDGET_BASE = 16 * 1024 * 1024;
/** ...plus this many times the bytes of all storages (disjoint views of a storage copy it once at most). */
const COPY_BUDGET_RATIO = 2;

function keyName(k: unknown): string {
  if (typeof k === 'string') return clip(k, 120);
  if (typeof k === 'number' || typeof k === 'bigint' || typeof k === 'boolean' || k === null) return `[${String(k)}]`;
  return '[?]';
}

/** The root storage a StorageRef lives in, and the element range of it that the reference covers. */
function storageRange(s: StorageRef, storages: ReadonlyMap<string, StorageRef>): { root: StorageRef | undefined; offset: number; numel: number } {
  if (!s.viewOf) return { root: storages.get(s.key), offset: 0, numel: s.numel };
  return { root: storages.get(s.viewOf.key), offset: s.viewOf.offset, numel: s.numel };
}

/**
 * Finds every tensor of an unpickled tree (Maps and arrays, cycles tolerated, no recursion) and
 * checks its view against the storage it names — offset, sizes and strides, stride 0 included —
 * before any storage is read or any tensor is copied. A tensor must stay inside its storage (and a
 * legacy view inside its root storage), and may not materialise more elements than its storage
 * holds from its offset; all copies together must fit the copy budget. Errors name the tensor.
 */
export function planTensors(root: unknown, storages: ReadonlyMap<string, StorageRef>, where: string): TensorPlan {
  const plan: TensorPlan = { tensors: new Map(), slots: [], copyBytes: 0, holder: [root] };
  const seen = new Set<unknown>();
  const pending: { node: unknown; path: string }[] = [];
  const visit = (container: TensorPlan['slots'][number]['container'], key: unknown, value: unknown, path: string) => {
    if (value instanceof TensorRef) {
      plan.slots.push({ container, key, ref: value });
      if (!plan.tensors.has(value)) plan.tensors.set(value, { name: path, contiguous: checkTensor(value, path, storages, where) });
    } else if ((value instanceof Map || Array.isArray(value)) && !seen.has(value)) {
      pending.push({ node: value, path });
    }
  };
  visit(plan.holder, 0, root, '');
  while (pending.length) {
    const { node, path } = pending.pop()!;
    if (seen.has(node)) continue;
    seen.add(node);
    const prefix = path ? `${path}.` : '';
    if (node instanceof Map) for (const [k, v] of node) visit(node, k, v, prefix + keyName(k));
    else if (Array.isArray(node)) for (let i = 0; i < node.length; i++) visit(node, i, node[i], `${prefix}[${i}]`);
  }
  let storageBytes = 0;
  for (const s of storages.values()) storageBytes += s.numel * DTYPE_BYTES[s.dtype];
  for (const [t, { contiguous }] of plan.tensors) if (!contiguous) plan.copyBytes += elementCount(t.shape) * DTYPE_BYTES[t.storage.dtype];
  const budget = COPY_BUDGET_BASE + COPY_BUDGET_RATIO * storageBytes;
  if (plan.copyBytes > budget) {
    throw new CheckpointError(where, `its non-contiguous tensors would be copied into ${plan.copyBytes} bytes, more than the ${budget} bytes their ${storageBytes} bytes of storage can justify (an allocation bomb?)`);
  }
  return plan;
}

/** Checks one tensor's geometry (see planTensors); returns whether it is contiguous. */
function checkTensor(t: TensorRef, name: string, storages: ReadonlyMap<string, StorageRef>, where: string): boolean {
  const label = `tensor "${name || '(the root)'}"`;
  const fail = (msg: string): never => {
    throw new CheckpointError(where, msg);
  };
  const { root, offset: viewOffset, numel } = storageRange(t.storage, storages);
  const storageName = t.storage.viewOf ? `view ${clip(t.storage.key)} of storage ${clip(t.storage.viewOf.key)}` : `storage ${clip(t.storage.key)}`;
  if (!root) fail(`${label} uses ${storageName}, which the checkpoint does not hold`);
  if (root!.dtype !== t.storage.dtype) fail(`${label} reads ${storageName} as ${t.storage.dtype}, but it holds ${root!.dtype}`);
  if (t.storage.viewOf && (viewOffset < 0 || numel < 0 || viewOffset + numel > root!.numel)) {
    fail(`${label} uses elements ${viewOffset}..${viewOffset + numel} of the ${root!.numel}-element storage ${clip(root!.key)} (a legacy storage view with a negative offset or past its end)`);
  }
  if (t.offset < 0) fail(`${label} has a negative storage offset (${t.offset})`);
  if (t.shape.some((d) => d < 0) || t.stride.some((d) => d < 0)) fail(`${label} has a negative size or stride (shape [${t.shape}], strides [${t.stride}])`);
  if (t.shape.includes(0)) return true;
  let last = t.offset;
  for (let i = 0; i < t.shape.length; i++) last += (t.shape[i] - 1) * t.stride[i];
  if (last >= numel) fail(`a tensor of shape [${t.shape}] reaches element ${last} of a ${numel}-element storage (${label}, ${storageName})`);
  const n = elementCount(t.shape);
  if (n > numel - t.offset) {
    fail(`a tensor of shape [${t.shape}] with strides [${t.stride}] would materialise ${n} elements from a ${numel}-element storage (${numel - t.offset} from its offset ${t.offset}); refused before allocating (${label}, ${storageName})`);
  }
  let contiguous = true;
  for (let i = t.shape.length - 1, expect = 1; i >= 0; i--) {
    if (t.shape[i] !== 1 && t.stride[i] !== expect) contiguous = false;
    expect *= t.shape[i];
  }
  return contiguous;
}

/** The bytes of a (root or view) storage reference, exactly its element count long. */
function storageBytes(s: StorageRef, storages: ReadonlyMap<string, StorageRef>): Uint8Array {
  const es = DTYPE_BYTES[s.dtype];
  const { root, offset, numel } = storageRange(s, storages);
  return root!.bytes!.subarray(offset * es, (offset + numel) * es);
}

/** Copies a strided tensor out of its storage into contiguous bytes, or views it if contiguous. Its geometry must have been checked. */
export function materialize(t: TensorRef, bytes: Uint8Array, contiguous: boolean): RawTensor {
  const { dtype } = t.storage;
  const es = DTYPE_BYTES[dtype];
  const n = elementCount(t.shape);
  const start = t.offset;
  if (contiguous || n === 0) return { dtype, shape: [...t.shape], data: n === 0 ? new Uint8Array(0) : bytes.subarray(start * es, (start + n) * es) };
  const out = new Uint8Array(n * es);
  const dims = t.shape.length;
  const idx = new Array<number>(dims).fill(0);
  let src = start;
  for (let k = 0, o = 0; k < n; k++) {
    for (let b = 0, s = src * es; b < es; b++) out[o++] = bytes[s + b];
    for (let i = dims - 1; i >= 0; i--) {
      src += t.stride[i];
      if (++idx[i] < t.shape[i]) break;
      src -= idx[i] * t.stride[i];
      idx[i] = 0;
    }
  }
  return { dtype, shape: [...t.shape], data: out };
}

/**
 * Replaces every tensor of a planned tree with its RawTensor (each tensor materialised once, even
 * when the tree names it many times) and returns the root. Every storage the plan uses must have its bytes.
 */
export function resolveTensors(plan: TensorPlan, storages: ReadonlyMap<string, StorageRef>): unknown {
  const done = new Map<TensorRef, RawTensor>();
  for (const [t, { contiguous }] of plan.tensors) done.set(t, materialize(t, storageBytes(t.storage, storages), contiguous));
  for (const { container, key, ref } of plan.slots) {
    if (container instanceof Map) container.set(key, done.get(ref));
    else container[key as number] = done.get(ref);
  }
  return plan.holder[0];
}
