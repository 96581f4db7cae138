/**
 * The key-value operations the stores need. In the app they are idb-keyval's (IndexedDB);
 * tests use the in-memory store below, which can be told to fail or "crash" at a given write.
 */
import { createStore, delMany, get, getMany, keys, set, setMany } from 'idb-keyval';
import type { UseStore } from 'idb-keyval';

export interface KeyValueStore {
  get<T>(key: string): Promise<T | undefined>;
  getMany<T>(keys: string[]): Promise<(T | undefined)[]>;
  set(key: string, value: unknown): Promise<void>;
  /** All or nothing, in one transaction. */
  setMany(entries: [string, unknown][]): Promise<void>;
  /** All or nothing, in one transaction. */
  delMany(keys: string[]): Promise<void>;
  keys(): Promise<string[]>;
  /**
   * Runs `fn` alone among every tab and worker of this origin that uses the same database (a sweep never runs while
   * another tab is half-way through a save): the Web Locks API in the browser, an in-process lock elsewhere.
   */
  exclusive<T>(fn: () => Promise<T>): Promise<T>;
}

/** An in-process lock: calls run one after another, in order (a failure does not stop the next). */
export function inProcessLock(): <T>(fn: () => Promise<T>) => Promise<T> {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>) => {
    const result = tail.then(fn);
    tail = result.catch(() => undefined);
    return result;
  };
}

interface LockManagerLike {
  request<T>(name: string, callback: () => Promise<T>): Promise<T>;
}

/** The origin-wide lock of the Web Locks API where there is one (browsers, workers), else an in-process lock. */
export function originLock(name: string): <T>(fn: () => Promise<T>) => Promise<T> {
  const locks = (globalThis.navigator as { locks?: LockManagerLike } | undefined)?.locks;
  if (!locks) return inProcessLock();
  return <T>(fn: () => Promise<T>) => locks.request(name, fn);
}

export const DB_NAME = 'anomaly-inspector';
export const STORE_NAME = 'kv';

export function idbStore(dbName = DB_NAME, storeName = STORE_NAME): KeyValueStore {
  const store: UseStore = createStore(dbName, storeName);
  const lock = originLock(`${dbName}/${storeName}`);
  return {
    exclusive: (fn) => lock(fn),
    get: (k) => get(k, store),
    getMany: (ks) => getMany(ks, store),
    set: (k, v) => set(k, v, store),
    setMany: (entries) => setMany(entries, store),
    delMany: (ks) => delMany(ks, store),
    keys: async () => (await keys(store)).map(String),
  };
}

/** In memory, for tests. `failOn(write)` makes the n-th following write throw `error` (nothing written). */
export class MemoryStore implements KeyValueStore {
  readonly data = new Map<string, unknown>();
  /** Shared by every store opened on this MemoryStore, as the origin's lock is by every tab. */
  readonly exclusive = inProcessLock();
  private writes = 0;
  private failures = new Map<number, Error>();

  failOn(nthWriteFromNow: number, error: Error): void {
    this.failures.set(this.writes + nthWriteFromNow, error);
  }

  private write(): void {
    this.writes++;
    const e = this.failures.get(this.writes);
    if (e) {
      this.failures.delete(this.writes);
      throw e;
    }
  }

  async get<T>(key: string) {
    return structuredClone(this.data.get(key)) as T | undefined;
  }
  async getMany<T>(keys: string[]) {
    return keys.map((k) => structuredClone(this.data.get(k)) as T | undefined);
  }
  async set(key: string, value: unknown) {
    this.write();
    this.data.set(key, structuredClone(value));
  }
  async setMany(entries: [string, unknown][]) {
    this.write();
    for (const [k, v] of entries) this.data.set(k, structuredClone(v));
  }
  async delMany(keys: string[]) {
    this.write();
    for (const k of keys) this.data.delete(k);
  }
  async keys() {
    return [...this.data.keys()];
  }
}
