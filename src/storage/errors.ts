/**
 * Storage failures explained for people (quota with the usage figures, a newer schema, a missing part), the
 * guard every write runs under, and the fresh revision suffix that keeps a new version from overwriting the
 * one in use. Shared by the profile, backbone and training stores.
 */
/** A storage failure explained for people; `quota` when the browser ran out of space for this site. */
export class StorageError extends Error {
  constructor(
    message: string,
    readonly kind: 'quota' | 'schema' | 'missing' | 'other',
    options?: ErrorOptions,
  ) {
    super(message, options);
    this.name = 'StorageError';
  }
}

export function isQuotaError(e: unknown): boolean {
  if (!e || typeof e !== 'object') return false;
  const name = (e as { name?: string }).name;
  const inner = (e as { inner?: unknown; cause?: unknown }).inner ?? (e as { cause?: unknown }).cause;
  return name === 'QuotaExceededError' || name === 'NS_ERROR_DOM_QUOTA_REACHED' || (inner !== undefined && inner !== e && isQuotaError(inner));
}

export interface StorageEstimateLike {
  usage?: number;
  quota?: number;
}

const mb = (n: number) => `${(n / 1024 / 1024).toFixed(n < 10 * 1024 * 1024 ? 1 : 0)} MB`;

export function quotaMessage(what: string, bytesNeeded: number, estimate?: StorageEstimateLike): string {
  const usage = estimate?.usage !== undefined && estimate?.quota !== undefined ? ` This site already uses ${mb(estimate.usage)} of the ${mb(estimate.quota)} the browser allows it.` : '';
  return (
    `Not enough storage to save ${what} (about ${mb(bytesNeeded)}).${usage} ` +
    'Nothing was changed. Export and delete profiles you no longer need, store the bank as float16 (half the size), or free space in the browser settings.'
  );
}

/** Runs a write; a failure becomes a StorageError for people (`quota` with the usage figures when space ran out). */
export async function guardWrite<T>(what: string, bytes: number, estimate: () => Promise<StorageEstimateLike | undefined>, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (isQuotaError(e)) throw new StorageError(quotaMessage(what, bytes, await estimate().catch(() => undefined)), 'quota', { cause: e });
    if (e instanceof StorageError) throw e;
    throw new StorageError(`Could not save ${what}: ${(e as Error)?.message ?? String(e)}. Nothing was changed.`, 'other', { cause: e });
  }
}

let counter = 0;
/** A fresh, unique suffix for the keys of one write (so a new version never overwrites the one in use). */
export function revision(): string {
  counter = (counter + 1) % 1_000_000;
  return `${Date.now().toString(36)}${counter.toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
}

