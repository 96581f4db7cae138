/**
 * The current ToCoAD training run in IndexedDB (through a KeyValueStore), beside profiles and backbones:
 *
 *   train:run                        -> TrainRunRecord     small: settings, image list, losses, checkpoint keys
 *   trainimg:<run>:<i>               -> the i-th training image (the File itself in the app: a blob, not copied)
 *   trainckpt:<run>:<revision>:<k>   -> part k of the last checkpoint (a Blob made in the worker, at most 16 MB)
 *
 * One run at a time. Nothing is ever half-written: a new run writes its images first and then the record; a
 * checkpoint writes its parts under a fresh revision first, then switches the record to them in one transaction,
 * then deletes the parts of the previous checkpoint. A crash or reload at any point leaves the previous checkpoint
 * or the new one, never a mix; keys no record points to are swept on open.
 */
import type { EpochReport, StepReport } from '../engine/tocoad/trainer';
import type { TrainSettings } from '../engine/tocoad/settings';
import { upgradeSettings } from '../engine/tocoad/settings';
import type { BackboneInfo } from './backbone-store';
import { revision, StorageError } from './errors';
import { StoreBase } from './store-base';
import type { StoreLayout } from './store-base';

const RUN_KEY = 'train:run';
const IMAGE_PREFIX = 'trainimg:';
const CHECKPOINT_PREFIX = 'trainckpt:';
export const TRAINING_RECORD_VERSION = 1;

/**
 * Stored bytes: the app stores Blobs (the File of a training image, the worker's checkpoint parts), which IndexedDB
 * keeps by reference, so the page never copies or serialises them; tests store ArrayBuffers.
 */
export type StoredImageData = Blob | ArrayBuffer;
export type StoredPart = Blob | ArrayBuffer;

export interface StoredCheckpoint {
  keys: string[];
  bytes: number;
  /** Where the run continues from: stage in progress and its epochs done (stage 2, 0 = end of stage I). */
  stage: 1 | 2;
  epochsDone: number;
  at: string;
}

export type TrainRunStatus = 'running' | 'stopped' | 'failed' | 'done';

export interface TrainRunRecord {
  version: typeof TRAINING_RECORD_VERSION;
  id: string;
  createdAt: string;
  updatedAt: string;
  backboneId: string;
  backboneLabel: string;
  /** Names the result (`<base>-tocoad-<dataset>`): the folder the images came from. */
  dataset: string;
  settings: TrainSettings;
  images: { name: string; key: string; bytes: number }[];
  /** Anomaly source images chosen for the generator (absent: none), stored like the training images. */
  textures?: { name: string; key: string; bytes: number }[];
  /** Losses up to the last checkpoint (what a resumed run continues from). */
  history: EpochReport[];
  steps: StepReport[];
  checkpoint: StoredCheckpoint | null;
  /** 'running' is what a reload finds when the page went away mid-run. */
  status: TrainRunStatus;
  error?: string;
  result?: { backbone: BackboneInfo; seconds: number; backend: string; textures?: number };
}

export type NewRun = Omit<TrainRunRecord, 'version' | 'images' | 'textures' | 'history' | 'steps' | 'checkpoint' | 'status' | 'createdAt' | 'updatedAt'>;

export function newRunId(): string {
  return `run-${revision()}`;
}

const LAYOUT: StoreLayout<TrainRunRecord> = {
  isRecord: (k) => k === RUN_KEY,
  partPrefixes: [IMAGE_PREFIX, CHECKPOINT_PREFIX],
  partsOf: (run) => keysOf(run),
};

export class TrainingStore extends StoreBase<TrainRunRecord> {
  protected readonly layout = LAYOUT;

  async current(): Promise<TrainRunRecord | null> {
    await this.open();
    return this.stored();
  }

  private async stored(): Promise<TrainRunRecord | null> {
    const run = await this.kv.get<TrainRunRecord>(RUN_KEY);
    if (run && run.version > TRAINING_RECORD_VERSION) {
      throw new StorageError(`The stored training run was written by a newer version of the app (record version ${run.version}). Update the app or discard the run.`, 'schema');
    }
    return run ? { ...run, settings: upgradeSettings(run.settings) } : null;
  }

  /** Starts a run: its images are stored first, then the record, replacing any earlier run (whose keys go after). */
  async begin(run: NewRun, images: { name: string; data: StoredImageData }[], textures: { name: string; data: StoredImageData }[] = []): Promise<TrainRunRecord> {
    return this.change(async () => {
      const previous = await this.stored();
      const textureEntries: [string, StoredImageData][] = textures.map((im, i) => [`${IMAGE_PREFIX}${run.id}:texture:${i}`, im.data]);
      const entries: [string, StoredImageData][] = [...images.map((im, i): [string, StoredImageData] => [`${IMAGE_PREFIX}${run.id}:${i}`, im.data]), ...textureEntries];
      const at = this.now().toISOString();
      const record: TrainRunRecord = {
        ...run,
        version: TRAINING_RECORD_VERSION,
        createdAt: at,
        updatedAt: at,
        images: images.map((im, i) => ({ name: im.name, key: entries[i][0], bytes: byteSize(im.data) })),
        ...(textures.length ? { textures: textures.map((im, i) => ({ name: im.name, key: textureEntries[i][0], bytes: byteSize(im.data) })) } : {}),
        history: [],
        steps: [],
        checkpoint: null,
        status: 'running',
      };
      const bytes = [...record.images, ...(record.textures ?? [])].reduce((n, im) => n + im.bytes, 0);
      const what = `the ${images.length} training images${textures.length ? ` and ${textures.length} texture images` : ''}`;
      await this.writeVersion(what, bytes, entries, () => this.kv.setMany([[RUN_KEY, record]]));
      if (previous && previous.id !== run.id) await this.drop(keysOf(previous));
      return record;
    });
  }

  /** The run's training images, in order. */
  images(run: TrainRunRecord): Promise<{ name: string; data: StoredImageData }[]> {
    return this.readImages(run.images, 'training image');
  }

  /** The run's texture images (anomaly sources), in order; none for a run without them. */
  textures(run: TrainRunRecord): Promise<{ name: string; data: StoredImageData }[]> {
    return this.readImages(run.textures ?? [], 'texture image');
  }

  private async readImages(list: { name: string; key: string }[], what: string): Promise<{ name: string; data: StoredImageData }[]> {
    const values = await this.kv.getMany<StoredImageData>(list.map((im) => im.key));
    return list.map((im, i) => {
      const data = values[i];
      if (!data) throw new StorageError(`The ${what} ${im.name} of the stored run is missing from storage; discard the run and start again.`, 'missing');
      return { name: im.name, data };
    });
  }

  /**
   * Stores a checkpoint and the losses up to it: the parts under a fresh revision, then the record switched to them
   * in one step, then the previous parts deleted. Refused (nothing kept) when `runId` is no longer the current run.
   */
  async saveCheckpoint(runId: string, parts: StoredPart[], at: { stage: 1 | 2; epochsDone: number }, losses: { history: EpochReport[]; steps: StepReport[] }): Promise<TrainRunRecord> {
    return this.change(async () => {
      let record = await this.requireRun(runId);
      const rev = revision();
      const keys = parts.map((_, k) => `${CHECKPOINT_PREFIX}${runId}:${rev}:${k}`);
      const bytes = parts.reduce((n, p) => n + byteSize(p), 0);
      let replaced: StoredCheckpoint | null = null;
      await this.writeVersion(
        'the training checkpoint',
        bytes,
        keys.map((key, k) => [key, parts[k]]),
        async () => {
          // Re-read: the run may have been discarded or replaced while the parts were written.
          const latest = await this.requireRun(runId);
          replaced = latest.checkpoint;
          record = {
            ...latest,
            updatedAt: this.now().toISOString(),
            checkpoint: { keys, bytes, stage: at.stage, epochsDone: at.epochsDone, at: this.now().toISOString() },
            history: losses.history,
            steps: losses.steps,
          };
          await this.kv.setMany([[RUN_KEY, record]]);
        },
      );
      const old = replaced as StoredCheckpoint | null;
      if (old) await this.drop(old.keys);
      return record;
    });
  }

  /** The last checkpoint's parts, in order (null when the run has none yet). */
  async checkpointParts(run: TrainRunRecord): Promise<StoredPart[] | null> {
    if (!run.checkpoint) return null;
    const parts = await this.kv.getMany<StoredPart>(run.checkpoint.keys);
    if (parts.some((p) => !p)) throw new StorageError('A part of the stored training checkpoint is missing; discard the run and start again.', 'missing');
    return parts as StoredPart[];
  }

  /** Changes the status (and error or result) only; images and checkpoint stay. */
  async setStatus(runId: string, status: TrainRunStatus, extra: Pick<TrainRunRecord, 'error' | 'result'> = {}): Promise<TrainRunRecord> {
    return this.change(async () => {
      const run = await this.requireRun(runId);
      const record: TrainRunRecord = { ...run, status, error: extra.error, result: extra.result, updatedAt: this.now().toISOString() };
      await this.guard('the training run', 0, () => this.kv.setMany([[RUN_KEY, record]]));
      return record;
    });
  }

  /**
   * A finished run: the record switched to done (with the result and the final losses) and its checkpoint dropped
   * after; the images stay, so a profile can be built from them after a reload.
   */
  async finish(runId: string, result: NonNullable<TrainRunRecord['result']>, losses: { history: EpochReport[]; steps: StepReport[] }): Promise<TrainRunRecord> {
    return this.change(async () => {
      const run = await this.requireRun(runId);
      const record: TrainRunRecord = { ...run, ...losses, status: 'done', result, error: undefined, checkpoint: null, updatedAt: this.now().toISOString() };
      await this.guard('the training run', 0, () => this.kv.setMany([[RUN_KEY, record]]));
      if (run.checkpoint) await this.drop(run.checkpoint.keys);
      return record;
    });
  }

  /** Deletes the run: record, images and checkpoint, in one transaction. */
  async discard(): Promise<void> {
    await this.change(async () => {
      const run = await this.stored();
      if (run) await this.kv.delMany([RUN_KEY, ...keysOf(run)]);
    });
  }

  /** The current run when it is `runId` (read without opening: callers have opened). */
  private async requireRun(runId: string): Promise<TrainRunRecord> {
    const run = await this.stored();
    if (!run || run.id !== runId) throw new StorageError('This training run was discarded or replaced by another one; nothing was saved for it.', 'missing');
    return run;
  }
}

function keysOf(run: TrainRunRecord): string[] {
  return [...run.images.map((im) => im.key), ...(run.textures ?? []).map((im) => im.key), ...(run.checkpoint?.keys ?? [])];
}

function byteSize(data: Blob | ArrayBuffer): number {
  return data instanceof ArrayBuffer ? data.byteLength : data.size;
}
