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
import { revision, StorageError } from './errors';
import { oldestFirst, StoreBase } from './store-base';
import type { EstimateStorage, StoreLayout } from './store-base';

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

const LAYOUT: StoreLayout<BackboneRecord> = {
  isRecord: (k) => k.startsWith(RECORD_PREFIX),
  partPrefixes: [FILE_PREFIX],
  partsOf: (r) => Object.values(r.files),
};

export class BackboneStore extends StoreBase<BackboneRecord> {
  protected readonly layout = LAYOUT;

  constructor(kv: KeyValueStore, estimate?: EstimateStorage) {
    super(kv, estimate);
  }

  /** Stored backbones, oldest first. */
  async list(): Promise<BackboneInfo[]> {
    await this.open();
    return (await this.records()).map((r) => r.info).sort(oldestFirst);
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
    return this.change(async () => {
      const previous = await this.kv.get<BackboneRecord>(RECORD_PREFIX + info.id);
      const rev = revision();
      // A shard is often a view into one big buffer: store its own bytes (a view would be cloned with the whole buffer).
      const own = (b: Uint8Array) => (b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b : b.slice());
      const entries: [string, Uint8Array][] = files.map((f) => [`${FILE_PREFIX}${info.id}:${rev}:${f.path}`, own(f.bytes)]);
      const record: BackboneRecord = { info, files: Object.fromEntries(files.map((f, i) => [f.path, entries[i][0]])) };
      const bytes = files.reduce((n, f) => n + f.bytes.byteLength, 0);
      await this.writeVersion(`backbone "${info.label}"`, bytes, entries, () => this.kv.setMany([[RECORD_PREFIX + info.id, record]]));
      if (previous) await this.drop(Object.values(previous.files).filter((k) => !Object.values(record.files).includes(k)));
      return record;
    });
  }

  async remove(id: string): Promise<void> {
    await this.exclusive(async () => {
      const r = await this.record(id);
      await this.kv.delMany([RECORD_PREFIX + id, ...Object.values(r.files)]);
    });
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
