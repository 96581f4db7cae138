/**
 * Converted backbones in IndexedDB (through a KeyValueStore), beside the profiles:
 *
 *   backbone:<id>                    -> BackboneRecord           small: listing reads only these
 *   bbfile:<id>:<revision>:<path>    -> Uint8Array                model.json and each shard
 *
 * A save writes every file under a fresh revision first, then the record in one transaction, then
 * deletes the previous revision's files: a crash leaves the old backbone or the new one, never a
 * mix; files no record points to are swept on open. The bundled ResNet50 is not stored here.
 */
import type { FileSource } from '../engine/backbones/weights-file';
import type { KeyValueStore } from './kv';
import { isQuotaError, quotaMessage, StorageError } from './errors';
import type { StorageEstimateLike } from './errors';

const RECORD_PREFIX = 'backbone:';
const FILE_PREFIX = 'bbfile:';

/** What the app shows about a stored backbone. */
export interface BackboneInfo {
  id: string;
  label: string;
  architecture: string;
  /** SHA-256 of the float32 weights, as profiles record it. */
  weightsHash: string;
  /** Bytes stored (model.json + shards). */
  byteSize: number;
  /** The file it was converted from. */
  sourceFile: string;
  createdAt: string;
  /** Checkpoint keys that fit nowhere in the layout. */
  warnings: string[];
  /** Channels of the two taps (PatchCore needs 512 + 1024). */
  tapChannels: number[];
}

export interface BackboneRecord {
  info: BackboneInfo;
  /** File path in the backbone folder -> its key. */
  files: Record<string, string>;
}

let counter = 0;
function revision(): string {
  counter = (counter + 1) % 1_000_000;
  return `${Date.now().toString(36)}${counter.toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
}

export class BackboneStore {
  private opened: Promise<void> | null = null;

  constructor(
    private readonly kv: KeyValueStore,
    private readonly estimate: () => Promise<StorageEstimateLike | undefined> = async () => undefined,
  ) {}

  open(): Promise<void> {
    this.opened ??= this.sweep().then(() => undefined);
    this.opened.catch(() => (this.opened = null));
    return this.opened;
  }

  private async records(): Promise<BackboneRecord[]> {
    const keys = (await this.kv.keys()).filter((k) => k.startsWith(RECORD_PREFIX));
    return (await this.kv.getMany<BackboneRecord>(keys)).filter((r): r is BackboneRecord => Boolean(r));
  }

  /** Deletes files that no record points to (left by a crash between the steps of a save). */
  async sweep(): Promise<number> {
    const keys = await this.kv.keys();
    const used = new Set((await this.records()).flatMap((r) => Object.values(r.files)));
    const orphans = keys.filter((k) => k.startsWith(FILE_PREFIX) && !used.has(k));
    if (orphans.length) await this.kv.delMany(orphans);
    return orphans.length;
  }

  /** Stored backbones, oldest first. */
  async list(): Promise<BackboneInfo[]> {
    await this.open();
    return (await this.records()).map((r) => r.info).sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1));
  }

  async has(id: string): Promise<boolean> {
    return Boolean(await this.kv.get(RECORD_PREFIX + id));
  }

  async record(id: string): Promise<BackboneRecord> {
    const r = await this.kv.get<BackboneRecord>(RECORD_PREFIX + id);
    if (!r) throw new StorageError(`The backbone "${id}" is not stored in this browser. Convert its checkpoint again (drop the .pth or .safetensors in Backbones), or use a profile built on another backbone.`, 'missing');
    return r;
  }

  /** An id not yet used: `id`, else `id-2`, `id-3`, ... */
  async freeId(id: string): Promise<string> {
    if (!(await this.has(id))) return id;
    for (let i = 2; ; i++) if (!(await this.has(`${id}-${i}`))) return `${id}-${i}`;
  }

  /** Creates or replaces a backbone with its files (see the module comment for why this is crash-safe). */
  async save(info: BackboneInfo, files: { path: string; bytes: Uint8Array }[]): Promise<BackboneRecord> {
    await this.open();
    const previous = await this.kv.get<BackboneRecord>(RECORD_PREFIX + info.id);
    const rev = revision();
    // A shard is often a view into one big buffer: store its own bytes (a view would be cloned with the whole buffer).
    const own = (b: Uint8Array) => (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b : b.slice());
    const entries: [string, Uint8Array][] = files.map((f) => [`${FILE_PREFIX}${info.id}:${rev}:${f.path}`, own(f.bytes)]);
    const record: BackboneRecord = { info, files: Object.fromEntries(files.map((f, i) => [f.path, entries[i][0]])) };
    const bytes = files.reduce((n, f) => n + f.bytes.byteLength, 0);
    try {
      for (const e of entries) await this.kv.setMany([e]);
      try {
        await this.kv.setMany([[RECORD_PREFIX + info.id, record]]);
      } catch (e) {
        await this.kv.delMany(entries.map(([k]) => k)).catch(() => undefined);
        throw e;
      }
    } catch (e) {
      await this.kv.delMany(entries.map(([k]) => k)).catch(() => undefined);
      if (isQuotaError(e)) throw new StorageError(quotaMessage(`backbone "${info.label}"`, bytes, await this.estimate().catch(() => undefined)), 'quota', { cause: e });
      throw new StorageError(`Could not save backbone "${info.label}": ${(e as Error)?.message ?? String(e)}. Nothing was changed.`, 'other', { cause: e });
    }
    if (previous) {
      const stale = Object.values(previous.files).filter((k) => !Object.values(record.files).includes(k));
      if (stale.length) await this.kv.delMany(stale).catch(() => undefined);
    }
    return record;
  }

  async remove(id: string): Promise<void> {
    const r = await this.record(id);
    await this.kv.delMany([RECORD_PREFIX + id, ...Object.values(r.files)]);
  }

  /** The backbone's folder as a FileSource, for loadBackbone. */
  async source(id: string): Promise<FileSource> {
    const r = await this.record(id);
    const read = async (path: string): Promise<Uint8Array> => {
      const key = r.files[path];
      const v = key ? await this.kv.get<Uint8Array | ArrayBuffer>(key) : undefined;
      if (!v) throw new StorageError(`The file ${path} of backbone "${id}" is missing from storage.`, 'missing');
      return v instanceof Uint8Array ? v : new Uint8Array(v);
    };
    return { readBytes: read, readText: async (path) => new TextDecoder().decode(await read(path)) };
  }
}
