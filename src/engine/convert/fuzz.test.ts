// Fuzz tests: mutations of small valid files (bytes flipped, set, inserted, deleted, copied,
// truncated; binary integers and header numbers overwritten with awkward values) fed to every
// reader. Each reader must (a) throw only its own error class, (b) finish within 1 s, and
// (c) allocate at most 64 MB + 4x the input (measured as growth of ArrayBuffer memory plus heap).
// 200 runs per reader with a fixed seed inside `npm test`; more with, e.g.:
//   FUZZ_RUNS=20000 npx vitest run src/engine/convert/fuzz.test.ts   (FUZZ_SEED=n for another seed;
//   FUZZ_STATS=1 prints how often each outcome occurred, to see what the mutations reach).
// Besides byte-level mutations of seed files, generated state dicts (every size, stride, offset,
// view and storage length drawn from small and awkward values) check that whatever the .pth reader
// accepts holds exactly the bytes a naive strided gather gives, and generated safetensors headers
// check that whatever is accepted tiles the data section.
import fc from 'fast-check';
import { deflateSync } from 'fflate';
import { afterAll, describe, expect, it } from 'vitest';
import { RESNET50_IMAGENET } from '../backbones/spec';
import { createProfile, readProfile, serializeProfile } from '../profile/profile';
import { readCheckpoint } from './checkpoint';
import { convertCheckpoint } from './convert';
import { crc32 } from './crc32';
import { CheckpointError } from './errors';
import { unpickle } from './pickle';
import { readPth } from './pth';
import { readSafetensors, writeSafetensors } from './safetensors';
import type { RawTensor } from './dtypes';
import {
  OP,
  bytesOf,
  le,
  contiguousStrides,
  legacyPth,
  makeZip,
  pglobal,
  pint,
  pstr,
  rawZip,
  stateDictPickle,
  tinyResNetPth,
  tinyResNetWeights,
  zipLocalHeader,
} from './testing';
import type { StorageRef } from './torch-tensors';
import { storageFromPid, torchGlobals } from './torch-tensors';
import { readZipDirectory, readZipEntry } from './zip';

const RUNS = Number(process.env.FUZZ_RUNS ?? 200);
const SEED = Number(process.env.FUZZ_SEED ?? 0x5eed);
const TIMEOUT_MS = 20_000 + RUNS * 25;
const MiB = 2 ** 20;

// ---------------------------------------------------------------------------------------------
// Mutations

type Mutation =
  | { kind: 'flip'; at: number; bit: number }
  | { kind: 'set'; at: number; value: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; count: number }
  | { kind: 'truncate'; at: number }
  | { kind: 'copy'; from: number; to: number; count: number }
  | { kind: 'int'; at: number; fromEnd: boolean; width: number; value: bigint }
  | { kind: 'text'; which: number; value: string };

/** Integers that make readers' arithmetic interesting: zero, boundaries of every width, 2^53, -1. */
const AWKWARD_INTS = [0n, 1n, 2n, 3n, 4n, 7n, 8n, 46n, 0x7fn, 0x80n, 0xffn, 0x100n, 0x7fffn, 0x8000n, 0xffffn, 0x10000n, 16000n, 1_000_000n,
  0x3fffffffn, 0x7fffffffn, 0x80000000n, 0xfffffffen, 0xffffffffn, 0x100000000n, 2n ** 53n - 1n, 2n ** 53n, 2n ** 63n, 2n ** 64n - 1n];
/** Replacements for decimal numbers in text (safetensors JSON headers, profile metadata, pickle GLOBAL lines). */
const AWKWARD_TEXT = ['0', '1', '-1', '2', '7', '16000', '1024', '4294967295', '4294967296', '9007199254740993', '1e308', '-0', '0.5', '99999999999999999999', '2147483648', '', 'NaN', '[]', '{}', 'null'];

const pos = fc.nat({ max: 2 ** 30 });
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: pos, bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ kind: fc.constant('set' as const), at: pos, value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: pos, bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: pos, count: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: pos }),
  fc.record({ kind: fc.constant('copy' as const), from: pos, to: pos, count: fc.integer({ min: 1, max: 256 }) }),
  fc.record({ kind: fc.constant('int' as const), at: pos, fromEnd: fc.boolean(), width: fc.constantFrom(1, 2, 4, 8), value: fc.constantFrom(...AWKWARD_INTS) }),
  fc.record({ kind: fc.constant('text' as const), which: fc.nat(), value: fc.constantFrom(...AWKWARD_TEXT) }),
);
const mutations = fc.array(mutation, { minLength: 1, maxLength: 4 });

/** Start offsets of the runs of ASCII digits in `b`. */
function digitRuns(b: Uint8Array): { start: number; end: number }[] {
  const runs: { start: number; end: number }[] = [];
  for (let i = 0; i < b.length; i++) {
    if (b[i] < 0x30 || b[i] > 0x39) continue;
    let j = i;
    while (j < b.length && b[j] >= 0x30 && b[j] <= 0x39) j++;
    runs.push({ start: i, end: j });
    i = j;
  }
  return runs;
}

function applyMutation(b: Uint8Array, m: Mutation): Uint8Array {
  const at = (n: number) => n % (b.length + 1);
  switch (m.kind) {
    case 'flip': {
      if (!b.length) return b;
      const out = b.slice();
      out[m.at % b.length] ^= 1 << m.bit;
      return out;
    }
    case 'set': {
      if (!b.length) return b;
      const out = b.slice();
      out[m.at % b.length] = m.value;
      return out;
    }
    case 'insert':
      return bytesOf(b.subarray(0, at(m.at)), m.bytes, b.subarray(at(m.at)));
    case 'delete':
      return bytesOf(b.subarray(0, at(m.at)), b.subarray(at(m.at) + m.count));
    case 'truncate':
      return b.slice(0, at(m.at));
    case 'copy': {
      if (!b.length) return b;
      const from = m.from % b.length;
      const out = b.slice();
      out.set(b.subarray(from, from + m.count).subarray(0, Math.max(0, b.length - (m.to % b.length))), m.to % b.length);
      return out;
    }
    case 'int': {
      if (b.length < m.width) return b;
      const span = b.length - m.width + 1;
      // From the end: zip directories and records live there.
      const p = m.fromEnd ? b.length - m.width - (m.at % Math.min(span, 600)) : m.at % span;
      const out = b.slice();
      for (let i = 0, v = m.value; i < m.width; i++, v >>= 8n) out[p + i] = Number(v & 0xffn);
      return out;
    }
    case 'text': {
      const runs = digitRuns(b);
      if (!runs.length) return b;
      const r = runs[m.which % runs.length];
      return bytesOf(b.subarray(0, r.start), new TextEncoder().encode(m.value), b.subarray(r.end));
    }
  }
}

const mutate = (seed: Uint8Array, ms: readonly Mutation[]) => ms.reduce(applyMutation, seed);

// ---------------------------------------------------------------------------------------------
// The check every reader must pass on every input

/**
 * Runs `read` on `input`: it may return or throw an error that `allowed` accepts, nothing else;
 * within 1 s and an allocation budget of 64 MB + 4x the input.
 */
function check(what: string, input: Uint8Array, read: (b: Uint8Array) => unknown, allowed: (e: unknown) => boolean): void {
  const before = process.memoryUsage();
  const t0 = performance.now();
  let error: unknown;
  try {
    read(input);
  } catch (e) {
    error = e;
  }
  const ms = performance.now() - t0;
  const after = process.memoryUsage();
  const growth = after.arrayBuffers - before.arrayBuffers + Math.max(0, after.heapUsed - before.heapUsed);
  if (process.env.FUZZ_STATS) {
    const key = `${what}: ${error === undefined ? 'ok' : ((error as Error).message.replace(/^[^:]*: /, '').replace(/\d+/g, 'N').slice(0, 60))}`;
    stats.set(key, (stats.get(key) ?? 0) + 1);
  }
  if (error !== undefined && !allowed(error)) {
    const e = error as Error;
    throw new Error(`${what} threw ${e?.name ?? typeof e} instead of its own error: ${e?.message ?? String(e)}\n${e?.stack ?? ''}`);
  }
  if (ms > 1000) throw new Error(`${what} took ${ms.toFixed(0)} ms on a ${input.length}-byte input`);
  const budget = 64 * MiB + 4 * input.length;
  if (growth > budget) throw new Error(`${what} allocated ${(growth / MiB).toFixed(1)} MiB on a ${input.length}-byte input (budget ${(budget / MiB).toFixed(1)} MiB)`);
}

const stats = new Map<string, number>();
afterAll(() => {
  if (process.env.FUZZ_STATS) console.log([...stats].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([k, n]) => `${n}\t${k}`).join('\n'));
});

const isCheckpointError = (e: unknown): boolean => e instanceof CheckpointError;
/** ProfileError is matched by name: the profile module is being reorganised around it. */
const isProfileError = (e: unknown) => e instanceof Error && e.name === 'ProfileError';

function fuzz(seed: Uint8Array, what: string, read: (b: Uint8Array) => unknown, allowed = isCheckpointError): void {
  // The seed itself must be read without error, or the fuzzing would test nothing.
  read(seed);
  fc.assert(
    fc.property(mutations, (ms) => check(what, mutate(seed, ms), read, allowed)),
    { seed: SEED, numRuns: RUNS },
  );
}

// ---------------------------------------------------------------------------------------------
// Small valid seed files

/** A torch-style pickle: an OrderedDict of tensors (one transposed) plus a nested dict of plain values, memo references included. */
const PICKLE = (() => {
  const sd = stateDictPickle([
    { name: 'w', key: '0', numel: 6, shape: [2, 3], stride: [3, 1] },
    { name: 'w_t', key: '0', numel: 6, shape: [3, 2], stride: [1, 3] },
    { name: 'b', key: '1', storage: 'HalfStorage', numel: 2, offset: 1, shape: [1], stride: [1] },
  ]);
  const extra = bytesOf(
    OP.EMPTY_DICT, OP.BINPUT, 9, OP.MARK,
    pstr('epoch'), pint(3), pstr('lr'), 0x47, [0x3f, 0x50, 0x62, 0x4d, 0xd2, 0xf1, 0xa9, 0xfc],
    pstr('big'), pint(2 ** 40), pstr('name'), 0x8c, 4, 'wrn5', pstr('raw'), 0x43, 3, 'abc',
    pstr('again'), OP.BINGET, 9, pstr('tuple'), OP.MARK, OP.BININT1, 1, OP.NONE, 0x88, OP.TUPLE,
    OP.SETITEMS,
  );
  // {'state_dict': <sd>, 'extra': {...}}
  return bytesOf(OP.PROTO2, OP.EMPTY_DICT, OP.MARK, pstr('state_dict'), sd.subarray(2, -1), pstr('extra'), extra, OP.SETITEMS, OP.STOP);
})();

const STORAGE0 = new Uint8Array(Float32Array.of(1, 2, 3, 4, 5, 6).buffer);
const STORAGE1 = new Uint8Array(Uint16Array.of(0x3c00, 0x4000).buffer);

/** A zip .pth with every entry deflated (the seed for the inflater), byteorder and version entries included. */
const DEFLATED_PTH = (() => {
  const entries = [
    { name: 'd/data.pkl', data: PICKLE },
    { name: 'd/byteorder', data: new TextEncoder().encode('little') },
    { name: 'd/data/0', data: STORAGE0 },
    { name: 'd/data/1', data: STORAGE1 },
    { name: 'd/version', data: new TextEncoder().encode('3\n') },
  ];
  const parts: Uint8Array[] = [];
  const central = [];
  let offset = 0;
  for (const e of entries) {
    const z = deflateSync(e.data);
    const header = zipLocalHeader(e.name, 8, crc32(e.data), z.length, e.data.length);
    central.push({ name: e.name, method: 8, crc: crc32(e.data), compressedSize: z.length, size: e.data.length, localHeaderOffset: offset });
    parts.push(header, z);
    offset += header.length + z.length;
  }
  return rawZip(bytesOf(...parts), central);
})();

const STORED_PTH = makeZip([
  { name: 's/data.pkl', data: PICKLE },
  { name: 's/data/0', data: STORAGE0 },
  { name: 's/data/1', data: STORAGE1 },
]);

/** A legacy .pth with a storage view. */
const LEGACY_PTH = legacyPth(
  stateDictPickle([
    { name: 'w', key: 'r', numel: 6, shape: [2, 2], stride: [2, 1], view: { key: 'v', offset: 2, size: 4 } },
    { name: 'all', key: 'r', numel: 6, shape: [6], stride: [1] },
  ]),
  [{ key: 'r', numel: 6, data: STORAGE0 }],
);

const SAFETENSORS = writeSafetensors(
  [
    { name: 'a', dtype: 'F32', shape: [2, 3], data: Float32Array.of(1, 2, 3, 4, 5, 6) },
    { name: 'b', dtype: 'F16', shape: [2], data: Uint16Array.of(0x3c00, 0x4000) },
    { name: 'c', dtype: 'I64', shape: [], data: BigInt64Array.of(7n) },
  ],
  { format: 'pt', note: '12 34' },
);

const TINY_SAFETENSORS = writeSafetensors(tinyResNetWeights().map((w) => ({ name: w.name, dtype: 'F32' as const, shape: w.shape, data: w.data })));
const TINY_PTH = tinyResNetPth();

const PROFILE = (() => {
  const make = createProfile as (p: unknown) => Parameters<typeof serializeProfile>[0];
  return serializeProfile(
    make({
      name: 'fuzz',
      spec: RESNET50_IMAGENET,
      weightsHash: 'ab'.repeat(32),
      bank: { data: new Float32Array(1024).map((_, i) => i / 1024), size: 1, dim: 1024, imageCount: 1, patchCount: 784, skipped: 0 },
      coreset: { ratio: 0.1, seed: 0 },
      calibrationScores: [1, 2],
      threshold: { value: 1.5, method: 'max' },
      dtype: 'float16',
      appVersion: '0.1.0',
    }),
  );
})();

const globalsAndStorages = () => {
  const storages = new Map<string, StorageRef>();
  return { where: 'fuzz.pkl', globals: torchGlobals(), persistentLoad: (pid: unknown) => storageFromPid(pid, storages) };
};

// ---------------------------------------------------------------------------------------------
// Structured inputs: state dicts whose every number (sizes, strides, offsets, element counts,
// legacy views, storage lengths) is drawn from small and awkward values, in well-formed files.

const STORAGE_TYPES = { FloatStorage: 4, HalfStorage: 2, DoubleStorage: 8, LongStorage: 8, ByteStorage: 1 } as const;
type StorageTypeName = keyof typeof STORAGE_TYPES;
const awkward = (...values: number[]) => fc.constantFrom(...values);
/** `arb` one time in four, else null. */
const rarely = <T,>(arb: fc.Arbitrary<T>) => fc.oneof({ weight: 3, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: arb });
const strideSpec = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 6 }) }, { weight: 1, arbitrary: awkward(-1, 2 ** 40) });
const tensorSpec = fc.record({
  key: fc.constantFrom('0', '1'),
  /** Mostly the storage type of its key (see stateDictSpec), sometimes another. */
  storage: rarely(fc.constantFrom(...(Object.keys(STORAGE_TYPES) as StorageTypeName[]))),
  /** Mostly (null) the number of elements stored. */
  numel: rarely(fc.oneof(fc.integer({ min: 0, max: 12 }), awkward(2 ** 31, 2 ** 53 - 1))),
  offset: fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 8 }) }, { weight: 1, arbitrary: awkward(-1, -(2 ** 31), 2 ** 40) }),
  geometry: fc
    .array(fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 4 }) }, { weight: 1, arbitrary: awkward(16000, 2 ** 31, 2 ** 53 - 1, -1) }), { maxLength: 3 })
    .chain((shape) =>
      fc.record({
        shape: fc.constant(shape),
        stride: fc.oneof({ weight: 12, arbitrary: fc.array(strideSpec, { minLength: shape.length, maxLength: shape.length }) }, { weight: 1, arbitrary: fc.array(strideSpec, { maxLength: 3 }) }),
      }),
    ),
  view: rarely(fc.record({ offset: fc.integer({ min: -3, max: 12 }), size: fc.integer({ min: -1, max: 12 }) })),
});
const stateDictSpec = fc.record({
  tensors: fc.array(tensorSpec, { minLength: 1, maxLength: 3 }),
  /** Storage type and elements stored for storages '0' and '1'. */
  types: fc.tuple(fc.constantFrom(...(Object.keys(STORAGE_TYPES) as StorageTypeName[])), fc.constantFrom(...(Object.keys(STORAGE_TYPES) as StorageTypeName[]))),
  stored: fc.tuple(fc.integer({ min: 0, max: 14 }), fc.integer({ min: 0, max: 14 })),
  legacy: fc.boolean(),
});
type StateDictSpec = typeof stateDictSpec extends fc.Arbitrary<infer T> ? T : never;

/** Storage bytes with distinct values, so that wrong offsets show. */
const storageBytes = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) & 0xff);

/** The tensors of a spec, each with its name, storage type, element count and shape. */
function specTensors(spec: StateDictSpec) {
  return spec.tensors.map((t, i) => {
    const k = Number(t.key);
    return {
      name: `t${i}`,
      key: t.key,
      storage: t.storage ?? spec.types[k],
      numel: t.numel ?? spec.stored[k],
      offset: t.offset,
      shape: t.geometry.shape,
      stride: t.geometry.stride,
      view: t.view ? { key: `v${i}`, ...t.view } : undefined,
    };
  });
}
type SpecTensor = ReturnType<typeof specTensors>[number];

function buildStateDict(spec: StateDictSpec): Uint8Array {
  const tensors = specTensors(spec);
  const pkl = stateDictPickle(tensors);
  const used = [...new Set(tensors.map((t) => t.key))];
  const es = (key: string) => STORAGE_TYPES[tensors.find((t) => t.key === key)!.storage];
  const elements = (key: string) => spec.stored[Number(key)];
  if (spec.legacy) return legacyPth(pkl, used.map((key) => ({ key, numel: elements(key), data: storageBytes(elements(key) * es(key)) })));
  return makeZip([{ name: 'f/data.pkl', data: pkl }, ...used.map((key) => ({ name: `f/data/${key}`, data: storageBytes(elements(key) * es(key)) }))]);
}

/** What a tensor must hold if the reader accepts it: its elements gathered one by one from the storage. */
function expectedBytes(t: SpecTensor, storage: Uint8Array): Uint8Array {
  const es = STORAGE_TYPES[t.storage];
  const start = (t.view?.offset ?? 0) + t.offset;
  const n = t.shape.reduce((a, b) => a * b, 1);
  const out = new Uint8Array(n * es);
  for (let k = 0; k < n; k++) {
    let src = start;
    for (let i = t.shape.length - 1, rest = k; i >= 0; i--) {
      src += (rest % t.shape[i]) * t.stride[i];
      rest = Math.floor(rest / t.shape[i]);
    }
    out.set(storage.subarray(src * es, (src + 1) * es), k * es);
  }
  return out;
}

/** Reads a generated state dict: only CheckpointErrors, and every tensor it accepts holds exactly the right bytes. */
function readStateDict(spec: StateDictSpec): void {
  const file = buildStateDict(spec);
  let root: Map<string, RawTensor> | undefined;
  check('readPth (generated state dict)', file, (b) => (root = readPth(b, 'gen.pth') as Map<string, RawTensor>), isCheckpointError);
  if (!root) return;
  specTensors(spec).forEach((t, i) => {
    const got = root!.get(`t${i}`)!;
    const es = STORAGE_TYPES[t.storage];
    expect(got.shape).toEqual(t.shape);
    expect(got.data.length).toBe(t.shape.reduce((a, b) => a * b, 1) * es);
    expect(got.data).toEqual(expectedBytes(t, storageBytes(spec.stored[Number(t.key)] * es)));
  });
}

const dtypeSpec = fc.constantFrom('F64', 'F32', 'F16', 'BF16', 'I64', 'I32', 'I16', 'I8', 'U8', 'BOOL', 'F8_E4M3', 'f32', '');
const offsetSpec = fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 40 }) }, { weight: 1, arbitrary: awkward(-1, 2 ** 32, 2 ** 53, 0.5, 1e308) });
const safetensorsSpec = fc.record({
  tensors: fc.array(
    fc.record({
      dtype: dtypeSpec,
      shape: fc.array(fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 4 }) }, { weight: 1, arbitrary: awkward(-1, 2 ** 31, 2 ** 53, 0.5) }), { maxLength: 3 }),
      offsets: fc.tuple(offsetSpec, offsetSpec),
    }),
    { maxLength: 4 },
  ),
  dataBytes: fc.integer({ min: 0, max: 48 }),
  metadata: fc.option(fc.dictionary(fc.string({ maxLength: 4 }), fc.oneof({ weight: 8, arbitrary: fc.string({ maxLength: 4 }) }, { weight: 1, arbitrary: fc.integer() })), { freq: 3 }),
});

/** Reads a generated safetensors header: only CheckpointErrors, and what it accepts tiles the data section. */
function readGeneratedSafetensors(spec: typeof safetensorsSpec extends fc.Arbitrary<infer T> ? T : never): void {
  const header: Record<string, unknown> = {};
  if (spec.metadata) header.__metadata__ = spec.metadata;
  spec.tensors.forEach((t, i) => (header[`t${i}`] = { dtype: t.dtype, shape: t.shape, data_offsets: t.offsets }));
  const json = new TextEncoder().encode(JSON.stringify(header));
  const file = bytesOf(le(json.length, 8), json, new Uint8Array(spec.dataBytes));
  let read: ReturnType<typeof readSafetensors> | undefined;
  check('readSafetensors (generated header)', file, (b) => (read = readSafetensors(b, 'gen.safetensors')), isCheckpointError);
  if (!read) return;
  const dataStart = 8 + json.length;
  const spans = read.tensors.map((t) => [t.data.byteOffset - dataStart, t.data.byteOffset - dataStart + t.data.length]).sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  let at = 0;
  for (const [begin, end] of spans) {
    expect(begin).toBe(at);
    at = end;
  }
  expect(at).toBeLessThanOrEqual(spec.dataBytes);
}

// ---------------------------------------------------------------------------------------------

describe(`fuzz (${RUNS} runs per reader, seed ${SEED})`, () => {
  it('the seeds are small and valid', () => {
    for (const seed of [PICKLE, DEFLATED_PTH, STORED_PTH, LEGACY_PTH, SAFETENSORS, TINY_SAFETENSORS, TINY_PTH, PROFILE]) expect(seed.length).toBeLessThan(32 * 1024);
    const root = readCheckpoint(STORED_PTH, 's.pth').root as Map<string, Map<string, unknown>>;
    expect([...root.get('state_dict')!.keys()]).toEqual(['w', 'w_t', 'b']);
    expect(readCheckpoint(DEFLATED_PTH, 'd.pth').format).toBe('pth-zip');
    expect(readProfile(PROFILE, 'p.safetensors').meta.bank.size).toBe(1);
    expect(contiguousStrides([2, 2])).toEqual([2, 1]);
    expect(pglobal('a', 'b').length).toBe(5);
  });

  it('unpickle', () => fuzz(PICKLE, 'unpickle', (b) => unpickle(b, globalsAndStorages())), TIMEOUT_MS);

  it('readZipDirectory + readZipEntry (deflated entries)', () => {
    fuzz(DEFLATED_PTH, 'zip', (b) => {
      for (const e of readZipDirectory(b, 'fuzz.zip')) readZipEntry(b, e, 'fuzz.zip');
    });
  }, TIMEOUT_MS);

  it('readPth: zip (deflated and stored) and legacy', () => {
    fuzz(DEFLATED_PTH, 'readPth (deflated zip)', (b) => readPth(b, 'fuzz.pth'));
    fuzz(STORED_PTH, 'readPth (stored zip)', (b) => readPth(b, 'fuzz.pth'));
    fuzz(LEGACY_PTH, 'readPth (legacy)', (b) => readPth(b, 'fuzz.pth'));
  }, 3 * TIMEOUT_MS);

  it('readSafetensors and readCheckpoint', () => {
    fuzz(SAFETENSORS, 'readSafetensors', (b) => readSafetensors(b, 'fuzz.safetensors'));
    fuzz(SAFETENSORS, 'readCheckpoint (safetensors)', (b) => readCheckpoint(b, 'fuzz.safetensors'));
  }, 2 * TIMEOUT_MS);

  it('convertCheckpoint (tiny ResNet, .pth and .safetensors)', () => {
    fuzz(TINY_PTH, 'convertCheckpoint (pth)', (b) => convertCheckpoint(b, 'fuzz.pth'));
    fuzz(TINY_SAFETENSORS, 'convertCheckpoint (safetensors)', (b) => convertCheckpoint(b, 'fuzz.safetensors'));
  }, 2 * TIMEOUT_MS);

  it('readPth: generated state dicts (sizes, strides, offsets, views, storage lengths), zip and legacy', () => {
    fc.assert(fc.property(stateDictSpec, readStateDict), { seed: SEED, numRuns: 2 * RUNS });
  }, 2 * TIMEOUT_MS);

  it('readPth: mutated pickles in well-formed zips (the CRCs no longer stop the mutations)', () => {
    const zipOf = (pkl: Uint8Array) => makeZip([{ name: 'm/data.pkl', data: pkl }, { name: 'm/data/0', data: STORAGE0 }, { name: 'm/data/1', data: STORAGE1 }]);
    readPth(zipOf(PICKLE), 'm.pth');
    fc.assert(fc.property(mutations, (ms) => check('readPth (mutated pickle)', zipOf(mutate(PICKLE, ms)), (b) => readPth(b, 'fuzz.pth'), isCheckpointError)), { seed: SEED, numRuns: RUNS });
  }, TIMEOUT_MS);

  it('readSafetensors: generated headers (dtypes, shapes, data_offsets)', () => {
    fc.assert(fc.property(safetensorsSpec, readGeneratedSafetensors), { seed: SEED, numRuns: 2 * RUNS });
  }, 2 * TIMEOUT_MS);

  it('readProfile throws only ProfileError', () => fuzz(PROFILE, 'readProfile', (b) => readProfile(b, 'fuzz.safetensors'), isProfileError), TIMEOUT_MS);
});
