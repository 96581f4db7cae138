import { ByteReader } from './byte-reader';
import { DTYPE_BYTES } from './dtypes';
import { CheckpointError, clip, guarded } from './errors';
import { unpickle } from './pickle';
import type { StorageRef } from './torch-tensors';
import { planTensors, resolveTensors, storageFromPid, torchGlobals } from './torch-tensors';
import type { ZipEntry } from './zip';
import { InflateBudget, looksLikeZip, readZipDirectory, readZipEntry } from './zip';

/**
 * Reads a PyTorch `torch.save` file, zip format (PyTorch >= 1.6) or legacy format (earlier), into
 * the saved object: Maps for dicts, arrays for lists and tuples, RawTensors for tensors.
 * Only tensors, numbers, strings and (ordered) dicts are accepted; see pickle.ts.
 */
export type ProgressCallback = (fraction: number) => void;

const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;
const LEGACY_PROTOCOL = 1001;

/** The byteorder entry holds "little" or "big"; anything longer is not one. */
const MAX_BYTEORDER_BYTES = 16;

function readZipPth(bytes: Uint8Array, where: string, onProgress?: ProgressCallback): unknown {
  const entries = readZipDirectory(bytes, where);
  const pkl = entries.filter((e) => e.name === 'data.pkl' || e.name.endsWith('/data.pkl')).sort((a, b) => a.name.length - b.name.length)[0];
  if (!pkl) {
    const torchscript = entries.some((e) => e.name.endsWith('/constants.pkl') || e.name.includes('/code/'));
    throw new CheckpointError(where, torchscript ? 'this is a TorchScript archive; save the model\'s state_dict() with torch.save instead' : 'a zip archive, but not a PyTorch checkpoint (no data.pkl)');
  }
  const budget = new InflateBudget(bytes.length);
  const prefix = pkl.name.slice(0, -'data.pkl'.length);
  const byName = new Map<string, ZipEntry>(entries.map((e) => [e.name, e]));
  const byteorder = byName.get(`${prefix}byteorder`);
  if (byteorder) {
    if (byteorder.size > MAX_BYTEORDER_BYTES) throw new CheckpointError(where, `the byteorder entry claims ${byteorder.size} bytes; it should hold "little"`);
    const order = new TextDecoder().decode(readZipEntry(bytes, byteorder, where, true, { budget }));
    if (order !== 'little') throw new CheckpointError(where, `the checkpoint was saved on a ${clip(order)}-endian machine, which is not supported`);
  }
  const storages = new Map<string, StorageRef>();
  const { value } = unpickle(readZipEntry(bytes, pkl, where, true, { budget }), {
    where: `${where} (${pkl.name})`,
    globals: torchGlobals(),
    persistentLoad: (pid) => storageFromPid(pid, storages),
  });
  // Everything is checked before any storage is read: each storage's entry and declared size...
  const reads: { s: StorageRef; entry: ZipEntry; size: number }[] = [];
  let inflated = 0;
  for (const s of storages.values()) {
    const entry = byName.get(`${prefix}data/${s.key}`);
    if (!entry) throw new CheckpointError(where, `storage ${clip(s.key)} is missing from the archive (no ${clip(prefix)}data/${clip(s.key)})`);
    const size = s.numel * DTYPE_BYTES[s.dtype];
    if (entry.size < size) throw new CheckpointError(where, `storage ${clip(s.key)} holds ${entry.size} bytes but ${s.numel} elements of ${s.dtype} were declared`);
    if (entry.method !== 0) inflated += size;
    reads.push({ s, entry, size });
  }
  budget.check(inflated, where, `the checkpoint's compressed storages`);
  // ...and every tensor's view of its storage.
  const plan = planTensors(value, storages, where);
  let done = 0;
  for (const { s, entry, size } of reads) {
    // Only the declared elements are inflated, however large the entry claims to be.
    s.bytes = readZipEntry(bytes, entry, where, true, { maxBytes: size, budget });
    onProgress?.(++done / reads.length);
  }
  return resolveTensors(plan, storages);
}

function readLegacyPth(bytes: Uint8Array, where: string, onProgress?: ProgressCallback): unknown {
  const plain = { where, globals: new Map<string, unknown>() };
  const magic = unpickle(bytes, plain, 0);
  if (magic.value !== LEGACY_MAGIC) throw new CheckpointError(where, 'not a PyTorch checkpoint (a pickle without the torch.save magic number)');
  const protocol = unpickle(bytes, plain, magic.end);
  if (protocol.value !== LEGACY_PROTOCOL) throw new CheckpointError(where, `legacy checkpoint protocol ${typeof protocol.value === 'number' || typeof protocol.value === 'bigint' ? String(protocol.value) : typeof protocol.value} is not supported`);
  const sysInfo = unpickle(bytes, plain, protocol.end);
  if (sysInfo.value instanceof Map && sysInfo.value.get('little_endian') === false) throw new CheckpointError(where, 'the checkpoint was saved on a big-endian machine, which is not supported');
  const storages = new Map<string, StorageRef>();
  const main = unpickle(bytes, { where, globals: torchGlobals(), persistentLoad: (pid) => storageFromPid(pid, storages) }, sysInfo.end);
  const keys = unpickle(bytes, plain, main.end);
  if (!Array.isArray(keys.value) || !keys.value.every((k) => typeof k === 'string')) throw new CheckpointError(where, 'the storage key list is malformed');
  const r = new ByteReader(bytes, where, keys.end);
  let done = 0;
  // The storages are views of the file: nothing is allocated for them.
  for (const key of keys.value as string[]) {
    const s = storages.get(key);
    if (!s) throw new CheckpointError(where, `storage ${clip(key)} is listed but never used`);
    if (s.bytes) throw new CheckpointError(where, `storage ${clip(key)} is listed twice`);
    const numel = r.u64(`the size of storage ${clip(key)}`);
    if (numel < s.numel) throw new CheckpointError(where, `storage ${clip(key)} holds ${numel} elements but ${s.numel} are used`);
    s.numel = numel;
    s.bytes = r.take(numel * DTYPE_BYTES[s.dtype], `the data of storage ${clip(key)}`);
    onProgress?.(++done / keys.value.length);
  }
  for (const s of storages.values()) if (!s.bytes) throw new CheckpointError(where, `storage ${clip(s.key)} is used but its data is missing`);
  return resolveTensors(planTensors(main.value, storages, where), storages);
}

/** True when the bytes start like a legacy (pickle protocol 2+) torch.save file. */
export function looksLikeLegacyPth(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x80 && bytes[1] >= 2 && bytes[1] <= 5;
}

/** Reads a `.pth` / `.pt` / `.ckpt` file saved by torch.save, zip or legacy format. */
export function readPth(bytes: Uint8Array, where: string, onProgress?: ProgressCallback): unknown {
  return guarded(where, () => {
    if (looksLikeZip(bytes)) return readZipPth(bytes, where, onProgress);
    if (looksLikeLegacyPth(bytes)) return readLegacyPth(bytes, where, onProgress);
    throw new CheckpointError(where, 'not a PyTorch checkpoint (neither the zip nor the legacy torch.save format)');
  });
}
