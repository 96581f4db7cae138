/**
 * What the profile, backbone and training stores share: a record per key under the store's own prefix, each
 * pointing to part keys (banks, backbone files, images, checkpoint parts) in the part families the store names.
 * The base opens once and sweeps the parts no record points to (again on the next call when that failed), lists
 * the records, writes a new version's parts before the record switches to them (deleting them when the write
 * fails) and turns write failures into StorageErrors for people. Every change to the stored keys (the sweep,
 * saves, deletes) runs inside `exclusive`, under the database's cross-tab lock (see KeyValueStore.exclusive).
 */
import { guardWrite } from './errors';
import type { StorageEstimateLike } from './errors';
import type { KeyValueStore } from './kv';

export type EstimateStorage = () => Promise<StorageEstimateLike | undefined>;

/** Which keys are a store's records, which key families hold their parts, and which part keys a record uses. */
export interface StoreLayout<R> {
  isRecord(key: string): boolean;
  /** Key prefixes of the parts: a key under one of them that no record uses is swept. */
  partPrefixes: readonly string[];
  partsOf(record: R): string[];
}

/** Oldest first (ties by id), as the stores list their records. */
export function oldestFirst(a: { createdAt: string; id: string }, b: { createdAt: string; id: string }): number {
  return a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : a.id < b.id ? -1 : 1;
}

export abstract class StoreBase<R> {
  private opened: Promise<void> | null = null;
  protected abstract readonly layout: StoreLayout<R>;

  constructor(
    protected readonly kv: KeyValueStore,
    protected readonly estimate: EstimateStorage = async () => undefined,
    /** The clock records are stamped with. */
    protected readonly now: () => Date = () => new Date(),
  ) {}

  /** Runs `prepare` and sweeps orphan parts, once; after a failure the next call tries again. */
  open(): Promise<void> {
    if (!this.opened) {
      const opening = this.exclusive(async () => {
        await this.prepare();
        await this.sweepOrphans();
      });
      this.opened = opening;
      opening.catch(() => {
        if (this.opened === opening) this.opened = null;
      });
    }
    return this.opened;
  }

  /** What a store checks or sets up on open, before the sweep (the profile store's schema version). */
  protected async prepare(): Promise<void> {}

  /** Deletes parts that no record points to (left by a crash between the steps of a save); returns how many. */
  sweep(): Promise<number> {
    return this.exclusive(() => this.sweepOrphans());
  }

  private async sweepOrphans(): Promise<number> {
    const keys = await this.kv.keys();
    const used = new Set((await this.recordsIn(keys)).flatMap((r) => this.layout.partsOf(r)));
    const orphans = keys.filter((k) => this.layout.partPrefixes.some((p) => k.startsWith(p)) && !used.has(k));
    if (orphans.length) await this.kv.delMany(orphans);
    return orphans.length;
  }

  /** Every record, in key order (listing reads only these, not their parts). */
  protected async records(): Promise<R[]> {
    return this.recordsIn(await this.kv.keys());
  }

  private async recordsIn(keys: string[]): Promise<R[]> {
    return (await this.kv.getMany<R>(keys.filter((k) => this.layout.isRecord(k)))).filter((r): r is R => Boolean(r));
  }

  /**
   * Runs a change to the stored keys (the sweep, a save, a delete, with the reads it depends on) under the
   * database's cross-tab lock (KeyValueStore.exclusive): no other tab's sweep can delete the parts of a version this
   * one is still writing. `fn` must not call open(), change() or exclusive() (they would wait for the lock it holds).
   */
  protected exclusive<T>(fn: () => Promise<T>): Promise<T> {
    return this.kv.exclusive(fn);
  }

  /** Opens the store (once), then runs the change `fn` as `exclusive` does. */
  protected async change<T>(fn: () => Promise<T>): Promise<T> {
    await this.open();
    return this.exclusive(fn);
  }

  /** Runs a write; a failure becomes a StorageError for people (`quota` with the usage figures). */
  protected guard<T>(what: string, bytes: number, fn: () => Promise<T>): Promise<T> {
    return guardWrite(what, bytes, this.estimate, fn);
  }

  /**
   * A new version: its parts (under keys no record uses yet) one per transaction, so a large one never makes one
   * huge transaction, then `commit`, which switches the record to them. When anything fails, the parts are deleted
   * (best effort; the sweep gets what is left) and the failure is thrown as a StorageError for people.
   */
  protected writeVersion(what: string, bytes: number, parts: [string, unknown][], commit: () => Promise<void>): Promise<void> {
    return this.guard(what, bytes, async () => {
      try {
        for (const part of parts) await this.kv.setMany([part]);
        await commit();
      } catch (e) {
        await this.kv.delMany(parts.map(([k]) => k)).catch(() => undefined);
        throw e;
      }
    });
  }

  /** Deletes parts a record no longer uses, best effort: what a failure leaves is swept on the next open. */
  protected async drop(keys: string[]): Promise<void> {
    if (keys.length) await this.kv.delMany(keys).catch(() => undefined);
  }
}
