/**
 * Profiles in IndexedDB (through a KeyValueStore), under a versioned schema:
 *
 *   schema                  -> { version }               (STORAGE_SCHEMA_VERSION)
 *   profile:<id>            -> { meta, bankKey, sourceUrl? }  small: listing reads only these
 *   bank:<id>:<revision>    -> StoredBank                 the memory bank bytes
 *
 * A save writes the bank under a fresh revision key first, then switches the profile record to it
 * in one transaction, then deletes the old bank. A crash or reload at any point leaves either the
 * previous version or the new one, never a mix; a bank left behind by a crash is swept on open.
 */
import type { ProfileMeta } from '../engine/profile/profile';
import { migrateFromV1 } from '../engine/profile/validate';
import type { StoredBank } from '../engine/profile/stored-bank';
import { revision, StorageError } from './errors';
import type { StorageEstimateLike } from './errors';
import { oldestFirst, StoreBase } from './store-base';
import type { StoreLayout } from './store-base';

export const STORAGE_SCHEMA_VERSION = 1;
const SCHEMA_KEY = 'schema';
const PROFILE_PREFIX = 'profile:';
const BANK_PREFIX = 'bank:';

export interface ProfileRecord {
  meta: ProfileMeta;
  bankKey: string;
  /** Where the profile file was opened from (a `?profile=` link), so the link can be shared again; absent otherwise (and in records saved before it existed). */
  sourceUrl?: string;
}

/** What a save may record besides the profile: where its file came from (undefined: keep what the record had). */
export interface SaveOptions {
  sourceUrl?: string;
}

const LAYOUT: StoreLayout<ProfileRecord> = {
  isRecord: (k) => k.startsWith(PROFILE_PREFIX),
  partPrefixes: [BANK_PREFIX],
  partsOf: (r) => [r.bankKey],
};

export function newProfileId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return [...bytes].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** A record saved by an earlier version, its metadata in the current profile schema (version 1 is migrated). */
function current(r: ProfileRecord): ProfileRecord {
  const version: number = r.meta.schemaVersion;
  return version === 1 ? { ...r, meta: migrateFromV1(r.meta as unknown as Parameters<typeof migrateFromV1>[0]) } : r;
}

export class ProfileStore extends StoreBase<ProfileRecord> {
  protected readonly layout = LAYOUT;

  /** On open, before the sweep of banks no profile points to: the schema version (created on first use). */
  protected override async prepare(): Promise<void> {
    const schema = await this.kv.get<{ version: number }>(SCHEMA_KEY);
    if (!schema) await this.kv.set(SCHEMA_KEY, { version: STORAGE_SCHEMA_VERSION });
    else if (schema.version > STORAGE_SCHEMA_VERSION) {
      throw new StorageError(`The saved profiles were written by a newer version of the app (storage schema ${schema.version}, this app reads ${STORAGE_SCHEMA_VERSION}). Update the app; nothing was changed.`, 'schema');
    }
  }

  /** Profiles, oldest first. */
  async list(): Promise<ProfileMeta[]> {
    await this.open();
    return (await this.records()).map((r) => current(r).meta).sort(oldestFirst);
  }

  async record(id: string): Promise<ProfileRecord> {
    await this.open();
    return this.stored(id);
  }

  private async stored(id: string): Promise<ProfileRecord> {
    const r = await this.kv.get<ProfileRecord>(PROFILE_PREFIX + id);
    if (!r) throw new StorageError(`There is no saved profile with id ${id}.`, 'missing');
    return current(r);
  }

  /** Where the profile's file was opened from, or null (built here, imported from a file, or saved before links). */
  async sourceUrl(id: string): Promise<string | null> {
    return (await this.record(id)).sourceUrl ?? null;
  }

  async load(id: string): Promise<{ record: ProfileRecord; bank: StoredBank }> {
    const record = await this.record(id);
    const bank = await this.kv.get<StoredBank>(record.bankKey);
    if (!bank) throw new StorageError(`The memory bank of profile "${record.meta.name}" is missing from storage.`, 'missing');
    return { record, bank };
  }

  /**
   * Creates or replaces a profile and its bank (see the module comment for why this is crash-safe). A replaced
   * profile keeps the source URL it had unless `options.sourceUrl` gives one.
   */
  async save(meta: ProfileMeta, bank: StoredBank, options: SaveOptions = {}): Promise<ProfileRecord> {
    return this.change(async () => {
      const previous = await this.kv.get<ProfileRecord>(PROFILE_PREFIX + meta.id);
      const sourceUrl = options.sourceUrl ?? previous?.sourceUrl;
      const record: ProfileRecord = { meta, bankKey: `${BANK_PREFIX}${meta.id}:${revision()}`, ...(sourceUrl ? { sourceUrl } : {}) };
      await this.writeVersion(`profile "${meta.name}"`, bank.bytes.byteLength, [[record.bankKey, bank]], () => this.kv.setMany([[PROFILE_PREFIX + meta.id, record]]));
      if (previous && previous.bankKey !== record.bankKey) await this.drop([previous.bankKey]);
      return record;
    });
  }

  /** Changes the metadata only (name, threshold); the bank stays where it is. */
  async updateMeta(id: string, change: (meta: ProfileMeta) => ProfileMeta): Promise<ProfileMeta> {
    return this.change(async () => {
      const record = await this.stored(id);
      const meta = { ...change(record.meta), id, updatedAt: this.now().toISOString() };
      await this.guard(`profile "${meta.name}"`, 0, () => this.kv.setMany([[PROFILE_PREFIX + id, { ...record, meta }]]));
      return meta;
    });
  }

  async rename(id: string, name: string): Promise<ProfileMeta> {
    const clean = name.trim();
    if (!clean) throw new StorageError('A profile needs a name.', 'other');
    return this.updateMeta(id, (m) => ({ ...m, name: clean }));
  }

  /** A copy with its own id and bank; named "<name> (copy)" unless a name is given. */
  async duplicate(id: string, name?: string): Promise<ProfileMeta> {
    const { record, bank } = await this.load(id);
    const at = this.now().toISOString();
    const meta: ProfileMeta = { ...record.meta, id: newProfileId(), name: name ?? `${record.meta.name} (copy)`, createdAt: at, updatedAt: at };
    await this.save(meta, bank);
    return meta;
  }

  async remove(id: string): Promise<void> {
    await this.change(async () => {
      const record = await this.stored(id);
      await this.kv.delMany([PROFILE_PREFIX + id, record.bankKey]);
    });
  }

  /** A fresh id when `id` is taken (an imported file may carry the id of a profile already here). */
  async freeId(id: string): Promise<string> {
    await this.open();
    return (await this.kv.get(PROFILE_PREFIX + id)) ? newProfileId() : id;
  }
}

/** Asks the browser to keep this site's storage under pressure; false when it declines or cannot. */
export async function requestPersistence(): Promise<boolean> {
  try {
    if (!navigator.storage?.persist) return false;
    if (await navigator.storage.persisted?.()) return true;
    return await navigator.storage.persist();
  } catch {
    return false;
  }
}

export async function storageEstimate(): Promise<StorageEstimateLike | undefined> {
  try {
    return await navigator.storage?.estimate?.();
  } catch {
    return undefined;
  }
}
