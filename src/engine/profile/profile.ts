import { float32ToFloat16 } from '../backbones/weights-file';
import type { BackboneSpec } from '../backbones/spec';
import { toFloat32 } from '../convert/dtypes';
import { readSafetensors, writeSafetensors } from '../convert/safetensors';
import { CORESET_START_POINTS, DEFAULT_SCORING, PROJECTION_DIM } from '../patchcore/defaults';
import { MAX_PROFILE_FILE_BYTES, PROFILE_FORMAT, PROFILE_SCHEMA_VERSION, ProfileError } from './profile-types';
import type { CalibrationRecord, Profile, ProfileMeta } from './profile-types';
import { validateMeta } from './validate';

/**
 * The profile file: one format everywhere (CLI, app, Python), safetensors with the bank as the tensor
 * `memory_bank` [size, dim] and the metadata as JSON under `__metadata__.profile`; reading validates it
 * (./validate.ts). The types live in ./profile-types.ts and are re-exported here.
 */
export * from './profile-types';
export { migrateFromV1, validateMeta } from './validate';

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
  calibration?: CalibrationRecord;
  threshold: ProfileMeta['threshold'];
  regions?: ProfileMeta['regions'];
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
    calibration: p.calibration ?? { method: p.calibrationScores.length ? 'holdout' : 'none', images: [] },
    taught: [],
    ...(p.regions ? { regions: p.regions } : {}),
  };
  return { meta, bank: p.bank.data };
}
