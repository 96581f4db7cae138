// Reads the committed checkpoints written by scripts/fixtures/make_wrn_fixtures.py (--small) and
// hostile variants made from them.
// eslint-disable-next-line no-restricted-imports -- test fixture I/O
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readCheckpoint } from './checkpoint';
import type { RawTensor } from './dtypes';
import { toFloat32 } from './dtypes';
import { CheckpointError } from './errors';
import { readPth } from './pth';
import { findStateDict } from './state-dict';
import { OP, bytesOf, le, makeZip, pglobal, pstr } from './testing';
import { readZipDirectory, readZipEntry } from './zip';

const FIXTURES = new URL('../../../test/fixtures/wrn/', import.meta.url);
const load = (name: string) => new Uint8Array(readFileSync(new URL(name, FIXTURES)));

function stateDict(name: string): Map<string, RawTensor> {
  return findStateDict(readCheckpoint(load(name), name).root, name).tensors;
}

/** Bytes after the legacy file's storage-key pickle: every storage's 8-byte count plus its data. */
function storageSectionBytes(): number {
  const sd = stateDict('wrn-legacy.pth');
  let n = 0;
  for (const t of sd.values()) n += 8 + t.data.byteLength;
  return n;
}

/** The fixture's zip entries with data.pkl replaced. */
function withDataPkl(pkl: Uint8Array): Uint8Array {
  const bytes = load('wrn.pth');
  return makeZip(readZipDirectory(bytes, 'wrn.pth').map((e) => ({ name: e.name, data: e.name.endsWith('/data.pkl') ? pkl : readZipEntry(bytes, e, 'wrn.pth') })));
}

describe('PyTorch .pth reader', () => {
  const reference = stateDict('wrn.safetensors');

  it.each(['wrn.pth', 'wrn-legacy.pth', 'wrn-finetuned.pth'])('%s holds the same tensors as wrn.safetensors', (name) => {
    const sd = stateDict(name);
    expect([...sd.keys()]).toEqual([...reference.keys()]);
    for (const [k, ref] of reference) {
      const t = sd.get(k)!;
      expect([t.dtype, t.shape], k).toEqual([ref.dtype, ref.shape]);
      expect(Buffer.from(t.data).equals(Buffer.from(ref.data)), k).toBe(true);
    }
  });

  it.each(['misc.pth', 'misc-legacy.pth'])('%s: strides, storage offsets and dtypes decode to the values PyTorch saved', (name) => {
    const expected = JSON.parse(readFileSync(new URL('misc.json', FIXTURES), 'utf8')) as Record<string, { shape: number[]; values: number[] }>;
    const root = readCheckpoint(load(name), name).root as Map<string, RawTensor>;
    expect([...root.keys()]).toEqual(Object.keys(expected));
    for (const [k, e] of Object.entries(expected)) {
      const t = root.get(k)!;
      expect(t.shape, k).toEqual(e.shape);
      if (t.dtype === 'I64') expect([...new BigInt64Array(t.data.slice().buffer)].map(Number), k).toEqual(e.values);
      else expect([...toFloat32(t)], k).toEqual(e.values.map(Math.fround));
    }
    expect(root.get('bf16')!.dtype).toBe('BF16');
    expect(root.get('f64')!.dtype).toBe('F64');
  });

  it('reads float16 checkpoints (num_batches_tracked stays int64)', () => {
    const sd = stateDict('wrn-fp16.pth');
    expect(sd.get('conv1.weight')!.dtype).toBe('F16');
    expect(sd.get('bn1.num_batches_tracked')!.dtype).toBe('I64');
    const half = toFloat32(sd.get('layer1.0.conv2.weight')!);
    const full = toFloat32(reference.get('layer1.0.conv2.weight')!);
    for (let i = 0; i < full.length; i++) expect(Math.abs(half[i] - full[i])).toBeLessThanOrEqual(Math.abs(full[i]) * 2 ** -11 + 1e-7);
  });

  it('finds the nested state dict and reports the stripped prefix', () => {
    const sd = findStateDict(readCheckpoint(load('wrn-finetuned.pth'), 'f').root, 'f');
    expect(sd.path).toEqual(['state_dict']);
    expect(sd.strippedPrefixes).toEqual(['backbone.']);
    const root = readCheckpoint(load('wrn-finetuned.pth'), 'f').root as Map<string, unknown>;
    expect(root.get('epoch')).toBe(3);
  });

  it('reports progress per storage', () => {
    const seen: number[] = [];
    readPth(load('wrn.pth'), 'wrn.pth', (f) => seen.push(f));
    expect(seen.length).toBe(reference.size);
    expect(seen.at(-1)).toBe(1);
  });

  it('gives a clear error for a truncated zip, wherever it is cut', () => {
    const bytes = load('wrn.pth');
    for (const n of [0, 3, 100, 4096, bytes.length >> 1, bytes.length - 100, bytes.length - 23, bytes.length - 1]) {
      const t0 = performance.now();
      expect(() => readCheckpoint(bytes.subarray(0, n), 'cut.pth'), `cut at ${n}`).toThrow(CheckpointError);
      expect(performance.now() - t0).toBeLessThan(2000);
    }
    expect(() => readCheckpoint(bytes.subarray(0, bytes.length >> 1), 'cut.pth')).toThrow(/cut\.pth: the zip archive has no end-of-central-directory record: the file is truncated/);
  });

  it('gives a clear error for a truncated legacy file', () => {
    const bytes = load('wrn-legacy.pth');
    for (const n of [1, 20, 200, bytes.length >> 1, bytes.length - 1]) {
      expect(() => readCheckpoint(bytes.subarray(0, n), 'cut.pth'), `cut at ${n}`).toThrow(CheckpointError);
    }
    expect(() => readCheckpoint(bytes.subarray(0, bytes.length - 1), 'cut.pth')).toThrow(/runs past the end of the data.*truncated/);
  });

  it('detects corrupted tensor data by its CRC', () => {
    const bytes = load('wrn.pth').slice();
    const entry = readZipDirectory(bytes, 'x').find((e) => e.name.endsWith('/data/5'))!;
    const data = readZipEntry(bytes, entry, 'x', false);
    data[3] ^= 0xff;
    expect(() => readCheckpoint(bytes, 'bad.pth')).toThrow(/zip entry "wrn\/data\/5" fails its CRC check/);
  });

  it('refuses a checkpoint whose pickle names os.system, before anything runs', () => {
    const evil = withDataPkl(bytesOf(OP.PROTO2, pglobal('os', 'system'), pstr('touch /tmp/pwned'), OP.TUPLE1, OP.REDUCE, OP.STOP));
    expect(() => readCheckpoint(evil, 'evil.pth')).toThrow(/evil\.pth \(wrn\/data\.pkl\): pickle at offset 2: refusing to load the global "os\.system"/);
  });

  it('refuses a legacy checkpoint whose pickle names os.system', () => {
    const header = bytesOf(OP.PROTO2, 0x8a, 10, [0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19], OP.STOP, OP.PROTO2, 0x4d, [0xe9, 0x03], OP.STOP, OP.PROTO2, OP.EMPTY_DICT, OP.STOP);
    const evil = bytesOf(header, OP.PROTO2, pglobal('posix', 'system'), pstr('id'), OP.TUPLE1, OP.REDUCE, OP.STOP);
    expect(() => readCheckpoint(evil, 'evil.pth')).toThrow(/refusing to load the global "posix\.system"/);
  });

  it('refuses sizes that claim more bytes than the file has (zip entry, legacy storage)', () => {
    const zip = makeZip([{ name: 'x/data.pkl', data: bytesOf(OP.PROTO2, OP.EMPTY_DICT, OP.STOP) }]);
    // Patch the central directory's compressed and uncompressed sizes of the one entry to 0xffffffff.
    const cd = zip.length - 22 - (46 + 10);
    zip.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], cd + 20);
    expect(() => readCheckpoint(zip, 'lie.pth')).toThrow(/lie\.pth: the data of zip entry "x\/data\.pkl" runs past the end of the data/);
    const legacy = load('wrn-legacy.pth');
    // The first storage's element count sits right after the key-list pickle; claim 2^40 elements.
    const keysEnd = legacy.length - storageSectionBytes();
    const lying = legacy.slice(0, keysEnd + 8);
    lying.set(le(2 ** 40, 8), keysEnd);
    expect(() => readCheckpoint(lying, 'lie.pth')).toThrow(/the data of storage \d+ runs past the end of the data \(needs 4398046511104 bytes/);
  });

  it('refuses tensors that reach past their storage', () => {
    // A float tensor of 1000 elements in a 4-element storage.
    const pkl = bytesOf(
      OP.PROTO2, OP.EMPTY_DICT, pstr('w'), pglobal('torch._utils', '_rebuild_tensor_v2'), OP.MARK,
      OP.MARK, pstr('storage'), pglobal('torch', 'FloatStorage'), pstr('0'), pstr('cpu'), OP.BININT1, 4, OP.TUPLE, OP.BINPERSID,
      OP.BININT1, 0, 0x4d, [0xe8, 0x03], OP.TUPLE1, OP.BININT1, 1, OP.TUPLE1, 0x89, OP.NONE, OP.TUPLE, OP.REDUCE, OP.SETITEM, OP.STOP,
    );
    const zip = makeZip([
      { name: 'x/data.pkl', data: pkl },
      { name: 'x/data/0', data: new Uint8Array(16) },
    ]);
    expect(() => readCheckpoint(zip, 'x.pth')).toThrow(/x\.pth: a tensor of shape \[1000\] reaches element 999 of a 4-element storage/);
    const missing = makeZip([{ name: 'x/data.pkl', data: pkl }]);
    expect(() => readCheckpoint(missing, 'x.pth')).toThrow(/storage 0 is missing from the archive/);
  });

  it('says what it is when a zip is not a checkpoint', () => {
    expect(() => readCheckpoint(makeZip([{ name: 'a.txt', data: new Uint8Array(3) }]), 'a.zip')).toThrow(/a zip archive, but not a PyTorch checkpoint/);
    expect(() => readCheckpoint(makeZip([{ name: 'm/constants.pkl', data: new Uint8Array(3) }]), 'm.pt')).toThrow(/TorchScript archive/);
    expect(() => readCheckpoint(new TextEncoder().encode('hello world'), 'h.txt')).toThrow(/h\.txt: not a PyTorch \(\.pth\) or safetensors checkpoint/);
  });
});
