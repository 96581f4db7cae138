// Hostile checkpoints, built byte by byte: each must be refused with a CheckpointError that names
// the file and the reason, quickly and without allocating what the file claims.
// Set HOSTILE_DIR to also write the two big ones (bomb.pth, stride0.pth) there, for measuring the CLI:
//   HOSTILE_DIR=/tmp npx vitest run src/engine/convert/hostile.test.ts
//   /usr/bin/time -v npm run cli -- convert --in /tmp/bomb.pth --out /tmp/x
// eslint-disable-next-line no-restricted-imports -- writes the generated files for a manual check
import { writeFileSync } from 'node:fs';
// eslint-disable-next-line no-restricted-imports -- writes the generated files for a manual check
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCheckpoint } from './checkpoint';
import { crc32 } from './crc32';
import { convertCheckpoint } from './convert';
import { toFloat32 } from './dtypes';
import type { RawTensor } from './dtypes';
import { CheckpointError } from './errors';
import { unpickle } from './pickle';
import { readPth } from './pth';
import { readSafetensors, writeSafetensors } from './safetensors';
import {
  LEGACY_HEADER,
  OP,
  bytesOf,
  contiguousStrides,
  legacyPth,
  le,
  makeZip,
  pstr,
  rawZip,
  stateDictPickle,
  tinyResNetPth,
  tinyResNetWeights,
  zeroDeflateStream,
  zipLocalHeader,
} from './testing';
import { readZipDirectory, readZipEntry } from './zip';

const GiB = 2 ** 30;
const MiB = 2 ** 20;

/** Runs `f`, expecting a CheckpointError; returns it with the time taken and the growth of ArrayBuffer memory. */
function refusal(f: () => unknown): { error: CheckpointError; ms: number; arrayBufferGrowth: number } {
  const before = process.memoryUsage().arrayBuffers;
  const t0 = performance.now();
  let error: unknown;
  try {
    f();
  } catch (e) {
    error = e;
  }
  const ms = performance.now() - t0;
  const arrayBufferGrowth = process.memoryUsage().arrayBuffers - before;
  expect(error, 'expected a CheckpointError').toBeInstanceOf(CheckpointError);
  return { error: error as CheckpointError, ms, arrayBufferGrowth };
}

/**
 * The overlapping-entry zip bomb: a state dict of three float tensors of 2 GiB each, whose three
 * storage entries all point at one local header and one 2 MB deflate stream of 2 GiB of zeros.
 * Read naively that is 6 GiB of output from a 2.1 MB file.
 */
function overlappingZipBomb(entrySize = 2 * GiB): Uint8Array {
  const numel = entrySize / 4;
  const pkl = stateDictPickle(['a', 'b', 'c'].map((name, i) => ({ name, key: String(i), numel, shape: [numel], stride: [1] })));
  const stream = zeroDeflateStream(entrySize);
  const pklHeader = zipLocalHeader('bomb/data.pkl', 0, 0, pkl.length, pkl.length);
  const shared = pklHeader.length + pkl.length;
  const locals = bytesOf(pklHeader, pkl, zipLocalHeader('bomb/data/0', 8, 0, stream.length, entrySize), stream);
  return rawZip(locals, [
    { name: 'bomb/data.pkl', method: 0, crc: 0, compressedSize: pkl.length, size: pkl.length, localHeaderOffset: 0 },
    ...[0, 1, 2].map((i) => ({ name: `bomb/data/${i}`, method: 8, crc: 0, compressedSize: stream.length, size: entrySize, localHeaderOffset: shared })),
  ]);
}

/** A 600-byte checkpoint whose one tensor is a 16000 x 16000 view, strides 0, of a 1-element storage. */
function stride0Pth(): Uint8Array {
  const pkl = stateDictPickle([{ name: 'w', key: '0', numel: 1, shape: [16000, 16000], stride: [0, 0] }]);
  return makeZip([
    { name: 'stride0/data.pkl', data: pkl },
    { name: 'stride0/data/0', data: new Uint8Array(4) },
  ]);
}

/** A zip checkpoint of one FloatStorage `0` holding `values`, and the given tensors over it. */
function zipCheckpoint(values: number[], tensors: Parameters<typeof stateDictPickle>[0]): Uint8Array {
  return makeZip([
    { name: 'x/data.pkl', data: stateDictPickle(tensors) },
    { name: 'x/data/0', data: new Uint8Array(Float32Array.from(values).buffer) },
  ]);
}

const floats = (t: RawTensor) => [...toFloat32(t)];

if (process.env.HOSTILE_DIR) {
  writeFileSync(join(process.env.HOSTILE_DIR, 'bomb.pth'), overlappingZipBomb());
  writeFileSync(join(process.env.HOSTILE_DIR, 'stride0.pth'), stride0Pth());
}

describe('hostile checkpoints: 1. zip bombs', () => {
  it('refuses the overlapping-entry bomb (3 x 2 GiB from one 2 MB stream) before inflating anything', () => {
    const bomb = overlappingZipBomb();
    expect(bomb.length).toBeGreaterThan(2_000_000);
    expect(bomb.length).toBeLessThan(2_200_000);
    for (const read of [() => readCheckpoint(bomb, 'bomb.pth'), () => convertCheckpoint(bomb, 'bomb.pth')]) {
      const { error, ms, arrayBufferGrowth } = refusal(read);
      expect(error.message).toMatch(/^bomb\.pth: zip entries "bomb\/data\/0" \(bytes \d+\.\.\d+\) and "bomb\/data\/1" \(from byte \d+\) overlap: entries that share bytes are refused/);
      expect(ms).toBeLessThan(5000);
      expect(arrayBufferGrowth).toBeLessThan(64 * MiB);
    }
    expect(() => readZipDirectory(bomb, 'bomb.pth')).toThrow(/overlap/);
  });

  it('refuses entries that overlap even when each local header names its entry', () => {
    // Entry "x/b" lies inside the stored data of entry "x/a".
    const inner = bytesOf(zipLocalHeader('x/b', 0, 0, 4, 4), [1, 2, 3, 4]);
    const a = zipLocalHeader('x/a', 0, 0, inner.length, inner.length);
    const zip = rawZip(bytesOf(a, inner), [
      { name: 'x/a', method: 0, crc: 0, compressedSize: inner.length, size: inner.length, localHeaderOffset: 0 },
      { name: 'x/b', method: 0, crc: 0, compressedSize: 4, size: 4, localHeaderOffset: a.length },
    ]);
    expect(() => readZipDirectory(zip, 'nested.zip')).toThrow(new RegExp(`^nested\\.zip: zip entries "x/a" \\(bytes 0\\.\\.${a.length + inner.length}\\) and "x/b" \\(from byte ${a.length}\\) overlap`));
  });

  it('refuses a local header whose name differs from the central directory\'s, and duplicate names', () => {
    const pkl = bytesOf(OP.PROTO2, OP.EMPTY_DICT, OP.STOP);
    const locals = bytesOf(zipLocalHeader('x/other.pk', 0, 0, pkl.length, pkl.length), pkl);
    const zip = rawZip(locals, [{ name: 'x/data.pkl', method: 0, crc: 0, compressedSize: pkl.length, size: pkl.length, localHeaderOffset: 0 }]);
    expect(() => readCheckpoint(zip, 'names.pth')).toThrow(/^names\.pth: the local header of zip entry "x\/data\.pkl" names it "x\/other\.pk": the local and central names differ/);
    const dup = rawZip(bytesOf(zipLocalHeader('x/data.pkl', 0, 0, pkl.length, pkl.length), pkl), [
      { name: 'x/data.pkl', method: 0, crc: 0, compressedSize: pkl.length, size: pkl.length, localHeaderOffset: 0 },
      { name: 'x/data.pkl', method: 0, crc: 0, compressedSize: pkl.length, size: pkl.length, localHeaderOffset: 0 },
    ]);
    expect(() => readCheckpoint(dup, 'dup.pth')).toThrow(/^dup\.pth: zip entry "x\/data\.pkl" appears twice/);
  });

  /** A zip checkpoint whose storages are separate deflated entries of zeros, `entrySize` bytes each, with tensors declaring `numel` elements. */
  function deflatedZeros(count: number, entrySize: number, numel = entrySize / 4): Uint8Array {
    const pkl = stateDictPickle(Array.from({ length: count }, (_, i) => ({ name: `t${i}`, key: String(i), numel, shape: [numel], stride: [1] })));
    const parts: Uint8Array[] = [zipLocalHeader('z/data.pkl', 0, crc32(pkl), pkl.length, pkl.length), pkl];
    const central = [{ name: 'z/data.pkl', method: 0, crc: crc32(pkl), compressedSize: pkl.length, size: pkl.length, localHeaderOffset: 0 }];
    let offset = parts[0].length + pkl.length;
    for (let i = 0; i < count; i++) {
      const stream = zeroDeflateStream(entrySize);
      const header = zipLocalHeader(`z/data/${i}`, 8, 0, stream.length, entrySize);
      central.push({ name: `z/data/${i}`, method: 8, crc: 0, compressedSize: stream.length, size: entrySize, localHeaderOffset: offset });
      parts.push(header, stream);
      offset += header.length + stream.length;
    }
    return rawZip(bytesOf(...parts), central);
  }

  it('refuses separate entries that together inflate beyond the archive\'s budget, before inflating any', () => {
    const zip = deflatedZeros(3, 64 * MiB);
    expect(zip.length).toBeLessThan(250_000);
    const { error, ms, arrayBufferGrowth } = refusal(() => readCheckpoint(zip, 'many.pth'));
    expect(error.message).toMatch(/^many\.pth: the checkpoint's compressed storages would decompress to 201326592 bytes, beyond the \d+ bytes left of this archive's decompression budget .*zip bomb/);
    expect(ms).toBeLessThan(1000);
    expect(arrayBufferGrowth).toBeLessThan(16 * MiB);
  });

  it('inflates a storage only as far as the elements the checkpoint declares', () => {
    // The entry honestly holds 256 MiB of zeros, but the tensor's storage declares 4 elements.
    const zip = deflatedZeros(1, 256 * MiB, 4);
    const before = process.memoryUsage().arrayBuffers;
    const t0 = performance.now();
    const root = readCheckpoint(zip, 'partial.pth').root as Map<string, RawTensor>;
    expect(performance.now() - t0).toBeLessThan(1000);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(32 * MiB);
    expect(root.get('t0')!.shape).toEqual([4]);
    expect(floats(root.get('t0')!)).toEqual([0, 0, 0, 0]);
  });

  it('stops inflating an entry that produces more than its declared size, and ignores bytes after the stream', () => {
    const stream = zeroDeflateStream(512 * MiB);
    const header = zipLocalHeader('x/e', 8, 0, stream.length, 1000);
    const liar = rawZip(bytesOf(header, stream), [{ name: 'x/e', method: 8, crc: 0, compressedSize: stream.length, size: 1000, localHeaderOffset: 0 }]);
    const entry = readZipDirectory(liar, 'liar.zip')[0];
    const { error, ms, arrayBufferGrowth } = refusal(() => readZipEntry(liar, entry, 'liar.zip'));
    expect(error.message).toMatch(/^liar\.zip: zip entry "x\/e" decompresses to more than the 1000 bytes its directory entry declares/);
    expect(ms).toBeLessThan(1000);
    expect(arrayBufferGrowth).toBeLessThan(64 * MiB);
    // A 1000-byte stream followed by 4 MB of junk inside the entry: read quickly, junk ignored.
    const small = zeroDeflateStream(1000);
    const padded = bytesOf(small, new Uint8Array(4 * MiB).fill(0xa5));
    const junk = rawZip(bytesOf(zipLocalHeader('x/j', 8, 0, padded.length, 1000), padded), [{ name: 'x/j', method: 8, crc: 0, compressedSize: padded.length, size: 1000, localHeaderOffset: 0 }]);
    const t0 = performance.now();
    expect(readZipEntry(junk, readZipDirectory(junk, 'junk.zip')[0], 'junk.zip', false)).toEqual(new Uint8Array(1000));
    expect(performance.now() - t0).toBeLessThan(1000);
  });
});

describe('hostile checkpoints: 2. views larger than their storage', () => {
  it('refuses the stride-0 16000 x 16000 view of a 1-element storage before allocating, naming the tensor', () => {
    const file = stride0Pth();
    expect(file.length).toBeLessThan(700);
    for (const read of [() => readCheckpoint(file, 'stride0.pth'), () => convertCheckpoint(file, 'stride0.pth')]) {
      const { error, ms, arrayBufferGrowth } = refusal(read);
      expect(error.message).toBe(
        'stride0.pth: a tensor of shape [16000,16000] with strides [0,0] would materialise 256000000 elements from a 1-element storage (1 from its offset 0); ' +
          'refused before allocating (tensor "w", storage 0)',
      );
      expect(ms).toBeLessThan(1000);
      expect(arrayBufferGrowth).toBeLessThan(16 * MiB);
    }
  });

  it('refuses any view that repeats elements beyond its storage\'s size, and views past its end', () => {
    const six = [1, 2, 3, 4, 5, 6];
    expect(() => readCheckpoint(zipCheckpoint(six, [{ name: 'e', key: '0', numel: 6, shape: [4, 2], stride: [0, 1] }]), 'x.pth')).toThrow(/would materialise 8 elements from a 6-element storage .*tensor "e"/);
    expect(() => readCheckpoint(zipCheckpoint(six, [{ name: 'o', key: '0', numel: 6, offset: 3, shape: [4], stride: [0] }]), 'x.pth')).toThrow(/would materialise 4 elements from a 6-element storage \(3 from its offset 3\).*tensor "o"/);
    expect(() => readCheckpoint(zipCheckpoint(six, [{ name: 'p', key: '0', numel: 6, offset: 5, shape: [2], stride: [1] }]), 'x.pth')).toThrow(/reaches element 6 of a 6-element storage \(tensor "p"/);
    expect(() => readCheckpoint(zipCheckpoint(six, [{ name: 'n', key: '0', numel: 6, offset: -1, shape: [2], stride: [1] }]), 'x.pth')).toThrow(/^x\.pth: tensor "n" has a negative storage offset \(-1\)/);
    expect(() => readCheckpoint(zipCheckpoint(six, [{ name: 's', key: '0', numel: 6, shape: [2], stride: [-1] }]), 'x.pth')).toThrow(/^x\.pth: tensor "s" has a negative size or stride/);
    const ones = new Array<number>(65).fill(1);
    expect(() => readCheckpoint(zipCheckpoint(six, [{ name: 'd', key: '0', numel: 6, shape: ones, stride: ones }]), 'x.pth')).toThrow(/the tensor has 65 dimensions; at most 64 are supported/);
  });

  it('still reads strided, offset and empty views, and decodes each tensor once however often it is named', () => {
    const six = [1, 2, 3, 4, 5, 6];
    const root = readCheckpoint(
      zipCheckpoint(six, [
        { name: 't', key: '0', numel: 6, shape: [3, 2], stride: [1, 3] },
        { name: 'tail', key: '0', numel: 6, offset: 4, shape: [2], stride: [1] },
        { name: 'cols', key: '0', numel: 6, offset: 1, shape: [2], stride: [3] },
        { name: 'empty', key: '0', numel: 6, offset: 9, shape: [0, 5], stride: [5, 1] },
      ]),
      'x.pth',
    ).root as Map<string, RawTensor>;
    expect(floats(root.get('t')!)).toEqual([1, 4, 2, 5, 3, 6]);
    expect(floats(root.get('tail')!)).toEqual([5, 6]);
    expect(floats(root.get('cols')!)).toEqual([2, 5]);
    expect(root.get('empty')!.shape).toEqual([0, 5]);
    expect(root.get('empty')!.data.length).toBe(0);
  });
});

describe('hostile checkpoints: 3. legacy storage views', () => {
  const storage = { key: 'root', numel: 4, data: new Uint8Array(Float32Array.of(1, 2, 3, 4).buffer) };
  const viewFile = (offset: number, size: number) => legacyPth(stateDictPickle([{ name: 'w', key: 'root', numel: 4, shape: [size], stride: [1], view: { key: 'v', offset, size } }]), [storage]);

  it('reads a view at a valid offset', () => {
    const root = readCheckpoint(viewFile(1, 2), 'view.pth').root as Map<string, RawTensor>;
    expect(floats(root.get('w')!)).toEqual([2, 3]);
  });

  it('refuses a negative view offset instead of returning the wrong bytes', () => {
    const { error } = refusal(() => readCheckpoint(viewFile(-2, 2), 'neg.pth'));
    expect(error.message).toBe('neg.pth: tensor "w" uses elements -2..0 of the 4-element storage root (a legacy storage view with a negative offset or past its end)');
  });

  it('refuses a view that runs past its storage', () => {
    expect(() => readCheckpoint(viewFile(3, 2), 'past.pth')).toThrow(/^past\.pth: tensor "w" uses elements 3\.\.5 of the 4-element storage root/);
  });
});

describe('hostile checkpoints: 4. safetensors data_offsets', () => {
  const withHeader = (header: object, dataBytes: number) => {
    const h = new TextEncoder().encode(JSON.stringify(header));
    return bytesOf(le(h.length, 8), h, new Uint8Array(dataBytes));
  };
  const f32 = (begin: number, n = 2) => ({ dtype: 'F32', shape: [n], data_offsets: [begin, begin + 4 * n] });

  it('refuses overlapping tensors', () => {
    expect(() => readSafetensors(withHeader({ a: f32(0), b: f32(4) }, 12), 'overlap.safetensors')).toThrow(
      /^overlap\.safetensors: tensor "b" \(data_offsets \[4, 12\]\) overlaps tensor "a" \(which ends at 8\): tensors may not share bytes/,
    );
    expect(() => readSafetensors(withHeader({ a: f32(0), b: f32(0) }, 8), 'same.safetensors')).toThrow(/^same\.safetensors: tensor "b" .*overlaps tensor "a"/);
    expect(() => readSafetensors(withHeader({ big: f32(0, 4), inner: f32(4, 1) }, 16), 'inner.safetensors')).toThrow(/tensor "inner" \(data_offsets \[4, 8\]\) overlaps tensor "big" \(which ends at 16\)/);
  });

  it('refuses gaps between tensors and before the first, as the reference implementation does', () => {
    expect(() => readSafetensors(withHeader({ a: f32(0), b: f32(12) }, 20), 'gap.safetensors')).toThrow(/^gap\.safetensors: tensor "b" starts at data offset 12, but the data before it ends at 8: the data section has a 4-byte gap/);
    expect(() => readSafetensors(withHeader({ a: f32(4) }, 12), 'hole.safetensors')).toThrow(/tensor "a" starts at data offset 4, but the data before it ends at 0/);
  });

  it('accepts tensors listed out of offset order when their data tiles the section, and empty tensors', () => {
    const file = readSafetensors(withHeader({ b: f32(8), e: { dtype: 'F32', shape: [0], data_offsets: [8, 8] }, a: f32(0) }, 16), 'order.safetensors');
    expect(file.tensors.map((t) => [t.name, t.data.byteOffset - file.tensors[2].data.byteOffset])).toEqual([['b', 8], ['e', 8], ['a', 0]]);
  });

  it('refuses bytes after the last tensor when reading a checkpoint (readSafetensors leaves that to its caller)', () => {
    const bytes = bytesOf(writeSafetensors([{ name: 'a', dtype: 'F32', shape: [2], data: new Float32Array(2) }]), [0, 0, 0, 0]);
    expect(readSafetensors(bytes, 't.safetensors').tensors).toHaveLength(1);
    expect(() => readCheckpoint(bytes, 't.safetensors')).toThrow(/^t\.safetensors: the tensors' data ends at offset 8 of the 12-byte data section: 4 bytes follow that no tensor describes/);
  });
});

describe('hostile checkpoints: 5. non-finite weights', () => {
  it.each([
    ['NaN', NaN],
    ['infinity', Infinity],
  ])('convert refuses %s in a weight, naming the tensor', (_, bad) => {
    const weights = tinyResNetWeights();
    weights.find((w) => w.name === 'layer2.0.conv2.weight')!.data[3] = bad;
    weights.find((w) => w.name === 'bn1.running_var')!.data[0] = -bad;
    const file = writeSafetensors(weights.map((w) => ({ name: w.name, dtype: 'F32' as const, shape: w.shape, data: w.data })));
    expect(() => convertCheckpoint(file, 'nf.safetensors')).toThrow(
      /^nf\.safetensors: the weights hold non-finite values \(NaN or infinity\), which would poison every score: bn1\.running_var \(1 of 1 values\), layer2\.0\.conv2\.weight \(1 of 9 values\)$/,
    );
  });

  it('refuses float16 infinity too, and converts the clean tiny network', () => {
    const weights = tinyResNetWeights();
    const file = writeSafetensors(weights.map((w) => ({ name: w.name, dtype: 'F16' as const, shape: w.shape, data: w.name === 'conv1.weight' ? new Uint16Array(w.data.length).fill(0x7c00) : new Uint16Array(w.data.length) })));
    expect(() => convertCheckpoint(file, 'h.safetensors')).toThrow(/non-finite values .*conv1\.weight \(147 of 147 values\)/);
    expect(convertCheckpoint(tinyResNetPth(), 'tiny.pth').report.layout.blocks).toEqual([1, 1, 1]);
  });
});

describe('hostile checkpoints: 6. every pickle error is a CheckpointError naming the file', () => {
  const zipped = (pkl: Uint8Array) => makeZip([{ name: 'p/data.pkl', data: pkl }]);
  /** `n` nested lists, padded (NONE, POP) so that the object budget allows them. */
  const nested = (n: number) => bytesOf(OP.PROTO2, ...Array.from({ length: n + 1 }, () => bytesOf(0x5d, OP.NONE, 0x30, OP.NONE, 0x30)), new Uint8Array(n).fill(0x61), OP.STOP);

  it('reads a 200,000-item APPENDS (it overflowed the call stack with a raw RangeError)', () => {
    const pkl = bytesOf(OP.PROTO2, 0x5d, OP.MARK, new Uint8Array(200_000).fill(OP.NONE), 0x65, OP.STOP);
    expect((unpickle(pkl, { where: 'a.pkl', globals: new Map() }).value as unknown[]).length).toBe(200_000);
    expect(() => convertCheckpoint(zipped(pkl), 'appends.pth')).toThrow(/^appends\.pth: the checkpoint does not hold a dict/);
  });

  it('describes a dict with a bigint key (it escaped as a raw TypeError from JSON.stringify)', () => {
    const pkl = bytesOf(OP.PROTO2, OP.EMPTY_DICT, 0x8a, 9, [0, 0, 0, 0, 0, 0, 0, 0, 0x40], OP.NONE, OP.SETITEM, OP.STOP);
    expect(() => convertCheckpoint(zipped(pkl), 'bigkey.pth')).toThrow(/^bigkey\.pth: no state dict found: .*the keys are 1180591620717411303424$/);
  });

  it('walks 30,000-deep nesting without recursion, in zip and legacy files (it overflowed the stack)', () => {
    expect(() => convertCheckpoint(zipped(nested(30_000)), 'deep.pth')).toThrow(/^deep\.pth: the checkpoint does not hold a dict/);
    // The legacy reader printed the protocol pickle with String(), recursing through it.
    expect(() => readPth(bytesOf(LEGACY_HEADER.subarray(0, 15), nested(30_000)), 'deep-legacy.pth')).toThrow(/^deep-legacy\.pth: legacy checkpoint protocol object is not supported/);
  });

  it('refuses a pickle that creates far more objects than its size justifies', () => {
    const pkl = bytesOf(OP.PROTO2, 0x5d, OP.MARK, new Uint8Array(1_000_000).fill(OP.EMPTY_DICT), 0x65, OP.STOP);
    const { error, arrayBufferGrowth } = refusal(() => readCheckpoint(zipped(pkl), 'dicts.pth'));
    expect(error.message).toMatch(/^dicts\.pth \(p\/data\.pkl\): pickle at offset \d+: the pickle creates more objects than its \d+ bytes can describe in a checkpoint/);
    expect(arrayBufferGrowth).toBeLessThan(64 * MiB);
  });

  it('names the file for errors from persistent ids and REDUCE stand-ins', () => {
    const pid = bytesOf(OP.PROTO2, OP.MARK, pstr('storage'), OP.NONE, pstr('0'), pstr('cpu'), OP.BININT1, 1, OP.TUPLE, OP.BINPERSID, OP.STOP);
    expect(() => readCheckpoint(zipped(pid), 'pid.pth')).toThrow(/^pid\.pth \(p\/data\.pkl\): pickle at offset \d+: a storage of unknown type/);
    const tensor = stateDictPickle([{ name: 'w', key: '0', numel: 1, shape: [1, 2], stride: [1] }]);
    expect(() => readCheckpoint(zipped(tensor), 'rb.pth')).toThrow(/^rb\.pth \(p\/data\.pkl\): pickle at offset \d+: torch\._utils\._rebuild_tensor_v2: the tensor size and stride differ in length/);
    expect(contiguousStrides([2, 3, 4])).toEqual([12, 4, 1]);
  });
});
