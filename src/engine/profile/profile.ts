import type { BackboneSpec } from '../backbones/spec';
import { float32ToFloat16 } from '../backbones/weights-file';
import { toFloat32 } from '../convert/dtypes';
import { readSafetensors, writeSafetensors } from '../convert/safetensors';
import type { DistanceMetric } from '../patchcore/nearest';
import { CORESET_START_POINTS, DEFAULT_SCORING, PROJECTION_DIM } from '../patchcore/defaults';

/**
 * A profile: a memory bank plus everything needed to score with it and to explain its verdicts.
 * One file format everywhere (CLI, app, Python): safetensors with the bank as the tensor
 * `memory_bank` [size, dim] and this metadata as JSON under `__metadata__.profile`.
 */
export const PROFILE_FORMAT = 'anomaly-inspector/profile';
export const PROFILE_SCHEMA_VERSION = 1;
/** Refuse banks beyond this many rows (a 10 % coreset of 20,000 images is under 1.6 M). */
export const MAX_BANK_ROWS = 4_000_000;
/** Profile files over this size are refused before they are read (a browser tab cannot hold much more). */
export const MAX_PROFILE_FILE_BYTES = 1024 * 1024 * 1024;

export type ThresholdMethod = 'max' | 'percentile' | 'manual' | 'none';

export interface ProfileMeta {
  format: typeof PROFILE_FORMAT;
  schemaVersion: typeof PROFILE_SCHEMA_VERSION;
  id: string;
  name: string;
  createdAt: string;
  updatedAt: string;
  appVersion: string;
  backbone: { id: string; label: string; architecture: BackboneSpec['architecture']; weightsHash: string };
  preprocessing: { resize: number; inputSize: number; kind: BackboneSpec['preprocessing']['kind'] };
  coreset: { ratio: number; seed: number; projectionDim: number; startPoints: number };
  scoring: { k: number; metric: DistanceMetric; reweight: boolean; sigma: number };
  bank: { size: number; dim: number; dtype: 'float32' | 'float16' };
  training: { imageCount: number; patchCount: number; skipped: number };
  /** Raw-score threshold; verdict is "fail" when score >= value. */
  threshold: { value: number | null; method: ThresholdMethod; percentile?: number };
  /** Scores of held-out normal images, used to calibrate the threshold and the normalised score. */
  calibrationScores: number[];
}

export interface Profile {
  meta: ProfileMeta;
  /** [size, dim] row-major float32 (decoded from float16 where stored so). */
  bank: Float32Array;
}

export class ProfileError extends Error {
  constructor(where: string, problem: string) {
    super(`${where}: ${problem}`);
    this.name = 'ProfileError';
  }
}

export function serializeProfile(profile: Profile): Uint8Array {
  const { meta, bank } = profile;
  if (bank.length !== meta.bank.size * meta.bank.dim) throw new Error(`bank holds ${bank.length} values, metadata says ${meta.bank.size} x ${meta.bank.dim}`);
  const data = meta.bank.dtype === 'float16' ? float32ToFloat16(bank) : bank;
  return writeSafetensors([{ name: 'memory_bank', dtype: meta.bank.dtype === 'float16' ? 'F16' : 'F32', shape: [meta.bank.size, meta.bank.dim], data }], {
    format: PROFILE_FORMAT,
    profile: JSON.stringify(meta),
  });
}

function check(cond: unknown, where: string, problem: string): asserts cond {
  if (!cond) throw new ProfileError(where, problem);
}

const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** Validates every field that scoring depends on; anything off is refused with the reason. */
export function validateMeta(meta: unknown, where: string): ProfileMeta {
  check(meta && typeof meta === 'object', where, 'the profile metadata is missing');
  const m = meta as ProfileMeta;
  check(m.format === PROFILE_FORMAT, where, `not an Anomaly Inspector profile (format ${JSON.stringify(m.format)})`);
  check(isNum(m.schemaVersion), where, 'the profile has no schema version');
  check(m.schemaVersion <= PROFILE_SCHEMA_VERSION, where, `profile schema version ${m.schemaVersion} is newer than this app supports (${PROFILE_SCHEMA_VERSION}); update the app`);
  check(m.schemaVersion === PROFILE_SCHEMA_VERSION, where, `profile schema version ${m.schemaVersion} is not supported (expected ${PROFILE_SCHEMA_VERSION})`);
  check(typeof m.name === 'string' && typeof m.id === 'string', where, 'the profile has no name or id');
  check(m.backbone && typeof m.backbone.id === 'string' && typeof m.backbone.weightsHash === 'string', where, 'the profile does not name its backbone');
  check(m.bank && Number.isInteger(m.bank.size) && Number.isInteger(m.bank.dim), where, 'the bank size is missing');
  check(m.bank.size > 0 && m.bank.size <= MAX_BANK_ROWS, where, `bank size ${m.bank.size} is outside 1..${MAX_BANK_ROWS}`);
  check(m.bank.dim === 1024, where, `bank dimension ${m.bank.dim} is not 1024`);
  check(m.bank.dtype === 'float32' || m.bank.dtype === 'float16', where, `bank dtype ${m.bank.dtype} is not float32 or float16`);
  check(m.scoring && Number.isInteger(m.scoring.k) && m.scoring.k >= 1 && ['squared', 'euclidean'].includes(m.scoring.metric), where, 'the scoring settings are invalid');
  check(m.threshold && (m.threshold.value === null || isNum(m.threshold.value)), where, 'the threshold is not a number');
  check(Array.isArray(m.calibrationScores) && m.calibrationScores.every(isNum), where, 'the calibration scores are not numbers');
  return m;
}

/** Refuses a profile file by its size alone, before reading it. */
export function checkProfileFileSize(size: number, where: string): void {
  const mb = (n: number) => `${(n / 1024 / 1024).toFixed(0)} MB`;
  check(size <= MAX_PROFILE_FILE_BYTES, where, `the file is ${mb(size)}, over the ${mb(MAX_PROFILE_FILE_BYTES)} limit for a profile`);
}

/** Parses and validates a profile file; throws ProfileError naming the file and the problem. */
export function readProfile(bytes: Uint8Array, where: string): Profile {
  check(bytes.length > 0, where, 'the file is empty');
  checkProfileFileSize(bytes.length, where);
  let file;
  try {
    file = readSafetensors(bytes, where);
  } catch (e) {
    throw new ProfileError(where, `not a readable profile file (${(e as Error).message})`);
  }
  check(file.metadata.format === PROFILE_FORMAT && typeof file.metadata.profile === 'string', where, 'not an Anomaly Inspector profile (no profile metadata)');
  let parsed: unknown;
  try {
    parsed = JSON.parse(file.metadata.profile);
  } catch {
    throw new ProfileError(where, 'the profile metadata is not valid JSON');
  }
  const meta = validateMeta(parsed, where);
  const tensor = file.tensors.find((t) => t.name === 'memory_bank');
  check(tensor, where, 'the file has no memory_bank tensor');
  const wantDtype = meta.bank.dtype === 'float16' ? 'F16' : 'F32';
  check(tensor.dtype === wantDtype, where, `memory_bank is ${tensor.dtype}, metadata says ${meta.bank.dtype}`);
  check(tensor.shape.length === 2 && tensor.shape[0] === meta.bank.size && tensor.shape[1] === meta.bank.dim, where, `memory_bank has shape [${tensor.shape}], metadata says [${meta.bank.size}, ${meta.bank.dim}]`);
  const headerLen = Number(new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true));
  const described = 8 + headerLen + file.tensors.reduce((n, t) => n + t.data.byteLength, 0);
  check(bytes.length === described, where, `the file is ${bytes.length - described} bytes longer than its header describes (oversized or corrupt)`);
  const bank = toFloat32(tensor);
  for (let i = 0; i < bank.length; i++) if (!Number.isFinite(bank[i])) throw new ProfileError(where, `memory_bank holds a non-finite value (${bank[i]}) at row ${Math.floor(i / meta.bank.dim)}`);
  return { meta, bank };
}

export interface NewProfile {
  name: string;
  spec: BackboneSpec;
  weightsHash: string;
  bank: { data: Float32Array; size: number; dim: number; imageCount: number; patchCount: number; skipped: number };
  coreset: { ratio: number; seed: number };
  scoring?: Partial<ProfileMeta['scoring']>;
  calibrationScores: number[];
  threshold: ProfileMeta['threshold'];
  dtype?: 'float32' | 'float16';
  appVersion: string;
  now?: Date;
}

function newId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

export function createProfile(p: NewProfile): Profile {
  const at = (p.now ?? new Date()).toISOString();
  const meta: ProfileMeta = {
    format: PROFILE_FORMAT,
    schemaVersion: PROFILE_SCHEMA_VERSION,
    id: newId(),
    name: p.name,
    createdAt: at,
    updatedAt: at,
    appVersion: p.appVersion,
    backbone: { id: p.spec.id, label: p.spec.label, architecture: p.spec.architecture, weightsHash: p.weightsHash },
    preprocessing: { resize: p.spec.resize, inputSize: p.spec.inputSize, kind: p.spec.preprocessing.kind },
    coreset: { ratio: p.coreset.ratio, seed: p.coreset.seed, projectionDim: PROJECTION_DIM, startPoints: CORESET_START_POINTS },
    scoring: { k: DEFAULT_SCORING.k, metric: DEFAULT_SCORING.metric, reweight: DEFAULT_SCORING.reweight, sigma: DEFAULT_SCORING.sigma, ...p.scoring },
    bank: { size: p.bank.size, dim: p.bank.dim, dtype: p.dtype ?? 'float32' },
    training: { imageCount: p.bank.imageCount, patchCount: p.bank.patchCount, skipped: p.bank.skipped },
    threshold: p.threshold,
    calibrationScores: p.calibrationScores,
  };
  return { meta, bank: p.bank.data };
}
