/**
 * Validation of a profile's metadata, field by field with its range, before anything scores with it: a profile
 * file comes from anywhere (an import, a link, a CLI argument). Unknown keys are refused by name, so nothing
 * unchecked can reach the scorer's options or a file path; a version-1 profile is migrated to the current schema.
 */
import { MAX_BANK_ROWS, PROFILE_FORMAT, PROFILE_SCHEMA_VERSION, ProfileError } from './profile-types';
import type { ProfileMeta } from './profile-types';

/** Limits of the scoring settings: a sigma over 64 px blurs a 224 px map flat, and k over 64 only costs. */
export const MAX_SIGMA = 64;
export const MAX_K = 64;
export const MAX_NAME_LENGTH = 256;
/** A backbone id names a folder under the backbones folder, never a path. */
export const BACKBONE_ID_PATTERN = /^[a-z0-9._-]+$/;
/** Calibration scores and taught images kept at most (a profile file's metadata stays small). */
const MAX_LIST = 100_000;

type Obj = Record<string, unknown>;

class Checker {
  constructor(private readonly where: string) {}

  fail(problem: string): never {
    throw new ProfileError(this.where, problem);
  }

  that(cond: unknown, problem: string): asserts cond {
    if (!cond) this.fail(problem);
  }

  object(v: unknown, field: string): Obj {
    this.that(v !== null && typeof v === 'object' && !Array.isArray(v), `${field} is missing or not an object`);
    return v as Obj;
  }

  /** Refuses keys outside `allowed`, by name. */
  keys(o: Obj, field: string, allowed: readonly string[]): void {
    const unknown = Object.keys(o).filter((k) => !allowed.includes(k));
    this.that(unknown.length === 0, `${field} has unknown ${unknown.length === 1 ? 'key' : 'keys'} ${unknown.map((k) => JSON.stringify(k)).join(', ')}`);
  }

  string(v: unknown, field: string, maxLength = MAX_NAME_LENGTH): string {
    this.that(typeof v === 'string', `${field} is not a string`);
    this.that(v.length <= maxLength, `${field} is longer than ${maxLength} characters`);
    return v;
  }

  number(v: unknown, field: string, min = -Infinity, max = Infinity): number {
    this.that(typeof v === 'number' && Number.isFinite(v), `${field} is not a finite number`);
    this.that(v >= min && v <= max, `${field} = ${v} is outside [${min}, ${max}]`);
    return v;
  }

  integer(v: unknown, field: string, min: number, max: number): number {
    this.that(Number.isInteger(v), `${field} is not an integer`);
    return this.number(v, field, min, max);
  }

  oneOf<T extends string>(v: unknown, field: string, options: readonly T[]): T {
    this.that(typeof v === 'string' && (options as readonly string[]).includes(v), `${field} is ${JSON.stringify(v)}, not one of ${options.join(', ')}`);
    return v as T;
  }

  list(v: unknown, field: string): unknown[] {
    this.that(Array.isArray(v), `${field} is not a list`);
    this.that(v.length <= MAX_LIST, `${field} has more than ${MAX_LIST} entries`);
    return v;
  }
}

const V1_KEYS = ['format', 'schemaVersion', 'id', 'name', 'createdAt', 'updatedAt', 'appVersion', 'backbone', 'preprocessing', 'coreset', 'scoring', 'bank', 'training', 'threshold', 'calibrationScores'];
const V2_KEYS = [...V1_KEYS, 'calibration', 'taught', 'regions'];

/** Validates every field; anything off is refused with the reason, naming the field. Migrates version 1. */
export function validateMeta(input: unknown, where: string): ProfileMeta {
  const c: Checker = new Checker(where);
  const m = c.object(input, 'the profile metadata');
  c.that(m.format === PROFILE_FORMAT, `not an Anomaly Inspector profile (format ${JSON.stringify(m.format)})`);
  const version = m.schemaVersion;
  c.that(typeof version === 'number' && Number.isFinite(version), 'the profile has no schema version');
  c.that(version <= PROFILE_SCHEMA_VERSION, `profile schema version ${version} is newer than this app supports (${PROFILE_SCHEMA_VERSION}); update the app`);
  c.that(version === 1 || version === PROFILE_SCHEMA_VERSION, `profile schema version ${version} is not supported (expected 1 or ${PROFILE_SCHEMA_VERSION})`);
  c.keys(m, 'the profile', m.schemaVersion === 1 ? V1_KEYS : V2_KEYS);

  c.string(m.id, 'id', 64);
  c.string(m.name, 'name');
  c.string(m.createdAt, 'createdAt', 64);
  c.string(m.updatedAt, 'updatedAt', 64);
  c.string(m.appVersion, 'appVersion', 64);

  const backbone = c.object(m.backbone, 'backbone');
  c.keys(backbone, 'backbone', ['id', 'label', 'architecture', 'weightsHash']);
  const backboneId = c.string(backbone.id, 'backbone.id', 128);
  c.that(BACKBONE_ID_PATTERN.test(backboneId), `backbone.id ${JSON.stringify(backboneId)} is not a backbone id (letters a-z, digits, ".", "_" and "-")`);
  c.string(backbone.label, 'backbone.label');
  c.oneOf(backbone.architecture, 'backbone.architecture', ['resnet50', 'wide_resnet50_2']);
  c.that(/^[0-9a-f]{1,128}$/.test(c.string(backbone.weightsHash, 'backbone.weightsHash', 128)), 'backbone.weightsHash is not a hex digest');

  const pre = c.object(m.preprocessing, 'preprocessing');
  c.keys(pre, 'preprocessing', ['resize', 'inputSize', 'kind']);
  c.integer(pre.resize, 'preprocessing.resize', 32, 4096);
  c.integer(pre.inputSize, 'preprocessing.inputSize', 32, 4096);
  c.oneOf(pre.kind, 'preprocessing.kind', ['caffe', 'imagenet']);

  const bank = c.object(m.bank, 'bank');
  c.keys(bank, 'bank', ['size', 'dim', 'dtype']);
  const size = c.integer(bank.size, 'bank.size', 1, MAX_BANK_ROWS);
  c.that(bank.dim === 1024, `bank dimension ${bank.dim} is not 1024`);
  c.oneOf(bank.dtype, 'bank.dtype', ['float32', 'float16']);

  const coreset = c.object(m.coreset, 'coreset');
  c.keys(coreset, 'coreset', ['ratio', 'seed', 'projectionDim', 'startPoints']);
  c.number(coreset.ratio, 'coreset.ratio', Number.MIN_VALUE, 1);
  c.integer(coreset.seed, 'coreset.seed', 0, Number.MAX_SAFE_INTEGER);
  c.integer(coreset.projectionDim, 'coreset.projectionDim', 1, 1024);
  c.integer(coreset.startPoints, 'coreset.startPoints', 1, 1024);

  const scoring = c.object(m.scoring, 'scoring');
  c.keys(scoring, 'scoring', ['k', 'metric', 'reweight', 'sigma']);
  const k = c.integer(scoring.k, 'scoring.k', 1, MAX_K);
  c.that(k <= size, `scoring.k = ${k} is larger than the bank (${size} rows)`);
  c.oneOf(scoring.metric, 'scoring.metric', ['squared', 'euclidean']);
  c.that(typeof scoring.reweight === 'boolean', 'scoring.reweight is not true or false');
  c.that(typeof scoring.sigma === 'number' && scoring.sigma > 0 && scoring.sigma <= MAX_SIGMA, `scoring.sigma = ${String(scoring.sigma)} is outside (0, ${MAX_SIGMA}]`);

  const training = c.object(m.training, 'training');
  c.keys(training, 'training', ['imageCount', 'patchCount', 'skipped']);
  c.integer(training.imageCount, 'training.imageCount', 0, Number.MAX_SAFE_INTEGER);
  c.integer(training.patchCount, 'training.patchCount', 0, Number.MAX_SAFE_INTEGER);
  c.integer(training.skipped, 'training.skipped', 0, Number.MAX_SAFE_INTEGER);

  const threshold = c.object(m.threshold, 'threshold');
  c.keys(threshold, 'threshold', ['value', 'method', 'percentile', 'rate']);
  if (threshold.value !== null) c.number(threshold.value, 'threshold.value');
  c.oneOf(threshold.method, 'threshold.method', ['max', 'percentile', 'tail', 'manual', 'none']);
  if (threshold.percentile !== undefined) c.number(threshold.percentile, 'threshold.percentile', 0, 100);
  if (threshold.rate !== undefined) c.number(threshold.rate, 'threshold.rate', Number.MIN_VALUE, 0.5);

  const scores = c.list(m.calibrationScores, 'calibrationScores');
  scores.forEach((s, i) => c.number(s, `calibrationScores[${i}]`));

  if (m.schemaVersion === 1) return migrateFromV1(m as unknown as ProfileMetaV1);

  const calibration = c.object(m.calibration, 'calibration');
  c.keys(calibration, 'calibration', ['method', 'images']);
  c.oneOf(calibration.method, 'calibration.method', ['leave-one-out', 'holdout', 'holdout+leave-one-out', 'none']);
  const names = c.list(calibration.images, 'calibration.images');
  names.forEach((n, i) => c.string(n, `calibration.images[${i}]`, 4096));
  c.that(names.length === 0 || names.length === scores.length, `the calibration names ${names.length} images for ${scores.length} scores`);

  if (m.regions !== undefined) {
    const regions = c.object(m.regions, 'regions');
    c.keys(regions, 'regions', ['minArea']);
    c.number(regions.minArea, 'regions.minArea', 0, 4096 * 4096);
  }

  c.list(m.taught, 'taught').forEach((t, i) => {
    const field = `taught[${i}]`;
    const o = c.object(t, field);
    c.keys(o, field, ['name', 'at', 'scoreBefore', 'rows']);
    c.string(o.name, `${field}.name`, 4096);
    c.string(o.at, `${field}.at`, 64);
    c.number(o.scoreBefore, `${field}.scoreBefore`);
    c.integer(o.rows, `${field}.rows`, 0, MAX_BANK_ROWS);
  });
  return m as unknown as ProfileMeta;
}

/** A version-1 profile's metadata: no calibration record (it always held images out) and nothing taught. */
type ProfileMetaV1 = Omit<ProfileMeta, 'schemaVersion' | 'calibration' | 'taught'> & { schemaVersion: 1 };

export function migrateFromV1(m: ProfileMetaV1): ProfileMeta {
  return { ...m, schemaVersion: PROFILE_SCHEMA_VERSION, calibration: { method: m.calibrationScores.length ? 'holdout' : 'none', images: [] }, taught: [] };
}
