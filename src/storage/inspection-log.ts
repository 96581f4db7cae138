/**
 * The inspection log: one entry per inspected image (time, profile and its revision, verdict, scores, defect regions,
 * the operator's correction) and a small thumbnail, kept in its own IndexedDB database so it never shares a
 * transaction with the profiles. An entry's key is its time and a sequence number (`e:<ms>-<seq>-<tab>`: key order is
 * time order); its thumbnail is a part under the same suffix (`t:...`), written in the same transaction, so a batch of
 * entries lands whole or not at all; a thumbnail without its entry is swept on open (from the keys alone). Retention (count
 * and age) is applied after each write, in one more transaction that deletes entries with their thumbnails.
 */
import type { Label } from '../engine/data/labels';
import type { DefectRegion } from '../engine/profile/regions';
import type { Verdict } from '../engine/profile/verdict';
import { StoreBase } from './store-base';
import type { StoreLayout } from './store-base';

const ENTRY = 'e:';
const THUMB = 't:';
const DAY_MS = 86_400_000;
/** How long a count of the entries stands in for listing them again (see InspectionLog.pruneNow). */
const RECOUNT_MS = 60_000;

/** The database the log lives in (its own, beside the profiles' 'anomaly-inspector'). */
export const LOG_DB_NAME = 'anomaly-inspector-log';
export const LOG_STORE_NAME = 'log';

/** What the operator said about a logged image after its verdict: a label set in Inspect, or taught as good. */
export interface LogCorrection {
  label?: Label | null;
  /** Marked as good and taught to the profile (saved); false again after Undo. */
  taughtGood?: boolean;
  /** When the last correction was made (ISO). */
  at: string;
}

export interface LogRegions {
  count: number;
  /** The largest region's area in pixels of the model's input, and that as % of it (0 when there is none). */
  largestArea: number;
  largestPercent: number;
  /** Largest first, as the inspection results carry them. */
  list: DefectRegion[];
}

export interface InspectionLogEntry {
  key: string;
  /** When the image was judged (ISO). */
  at: string;
  source: 'inspect' | 'live';
  fileName: string;
  /** The profile and its revision (its updatedAt) the image was judged by. */
  profile: { id: string; name: string; revision: string };
  /** null: the profile had no threshold, so nothing was judged. */
  verdict: Verdict | null;
  threshold: number | null;
  score: { raw: number; normalized: number | null };
  /** null when not known (a live frame carries no patch scores). */
  regions: LogRegions | null;
  thumbKey: string | null;
  /** Bytes this entry takes in storage (record and thumbnail, about): the log's byte count is their sum. */
  bytes: number;
  correction: LogCorrection | null;
}

/** An entry to write: its key (from logKey) and thumbnail; the store fills in the thumbnail key and byte count. */
export type NewLogEntry = Omit<InspectionLogEntry, 'thumbKey' | 'bytes'> & { thumbnail: Blob | null };

/** How much of the log is kept: the newest `maxEntries`, none older than `maxDays` days. */
export interface LogRetention {
  maxEntries: number;
  maxDays: number;
}

export const DEFAULT_RETENTION: LogRetention = { maxEntries: 10_000, maxDays: 90 };

const tab = Math.floor(Math.random() * 36 ** 4).toString(36).padStart(4, '0');
let sequence = 0;

/** A fresh entry key for an image judged at `at`: its time, then a sequence number (and this tab's tag). */
export function logKey(at: Date): string {
  sequence = (sequence + 1) % 1_000_000;
  return `${ENTRY}${String(at.getTime()).padStart(15, '0')}-${String(sequence).padStart(6, '0')}-${tab}`;
}

/** The time in an entry key (ms since the epoch). */
export function keyTime(key: string): number {
  return Number(key.slice(ENTRY.length, ENTRY.length + 15));
}

const thumbKeyOf = (key: string) => THUMB + key.slice(ENTRY.length);

/** About the bytes a record takes (its JSON) plus its thumbnail. */
function sizeOf(entry: Omit<InspectionLogEntry, 'bytes'>, thumbnail: Blob | null): number {
  return JSON.stringify(entry).length + 16 + (thumbnail?.size ?? 0);
}

/** Keys to drop under `retention` at `now`, oldest first: older than maxDays, then beyond the newest maxEntries. */
export function keysToPrune(entryKeys: readonly string[], retention: LogRetention, now: number): string[] {
  const sorted = [...entryKeys].sort();
  const cutoff = now - retention.maxDays * DAY_MS;
  let drop = 0;
  while (drop < sorted.length && keyTime(sorted[drop]) < cutoff) drop++;
  drop = Math.max(drop, sorted.length - retention.maxEntries);
  return sorted.slice(0, drop);
}

export class InspectionLog extends StoreBase<InspectionLogEntry> {
  /** The entries counted at `at` (plus this store's writes since) and the oldest one's time; see pruneNow. */
  private known: { count: number; oldest: number; at: number } | null = null;

  /** A thumbnail's key follows from its entry's, so orphans are found from the keys alone (prepare), not by the base. */
  protected readonly layout: StoreLayout<InspectionLogEntry> = {
    isRecord: (k) => k.startsWith(ENTRY),
    partPrefixes: [],
    partsOf: () => [],
  };

  /** On open: deletes thumbnails without their entry (entries and thumbnails are written and deleted together, so none should be). */
  protected override async prepare(): Promise<void> {
    const keys = await this.kv.keys();
    const entries = new Set(keys.filter((k) => k.startsWith(ENTRY)));
    const orphans = keys.filter((k) => k.startsWith(THUMB) && !entries.has(ENTRY + k.slice(THUMB.length)));
    if (orphans.length) await this.kv.delMany(orphans);
  }

  /**
   * Writes `entries` (with their thumbnails) in one transaction, then prunes under `retention`. Returns how many
   * entries the pruning deleted. A failed write changes nothing and throws a StorageError (`quota` when space ran out).
   */
  append(entries: readonly NewLogEntry[], retention: LogRetention): Promise<number> {
    if (entries.length === 0) return Promise.resolve(0);
    return this.change(async () => {
      const writes: [string, unknown][] = [];
      let bytes = 0;
      for (const { thumbnail, ...rest } of entries) {
        const thumbKey = thumbnail ? thumbKeyOf(rest.key) : null;
        const record = { ...rest, thumbKey };
        const entry: InspectionLogEntry = { ...record, bytes: sizeOf(record, thumbnail) };
        bytes += entry.bytes;
        writes.push([rest.key, entry]);
        if (thumbnail && thumbKey) writes.push([thumbKey, thumbnail]);
      }
      const n = entries.length;
      await this.guard(`${n} inspection log entr${n === 1 ? 'y' : 'ies'}`, bytes, () => this.kv.setMany(writes));
      if (this.known && this.now().getTime() - this.known.at < RECOUNT_MS) this.known.count += n;
      return this.pruneNow(retention);
    });
  }

  /** Deletes what `retention` no longer keeps (entries with their thumbnails); returns how many entries. */
  prune(retention: LogRetention): Promise<number> {
    return this.change(() => this.pruneNow(retention));
  }

  /**
   * Prunes under `retention`. Listing every key of a full log costs more than the write itself, so after a count this
   * store keeps it (and the oldest entry's time) and counts its own writes: the keys are listed again only when that
   * says something is due, or after RECOUNT_MS (other tabs write too).
   */
  private async pruneNow(retention: LogRetention): Promise<number> {
    const now = this.now().getTime();
    const known = this.known;
    if (known && now - known.at < RECOUNT_MS && known.count <= retention.maxEntries && known.oldest >= now - retention.maxDays * DAY_MS) return 0;
    const entryKeys = (await this.kv.keys()).filter((k) => k.startsWith(ENTRY)).sort();
    const drop = keysToPrune(entryKeys, retention, now);
    if (drop.length) await this.kv.delMany(drop.flatMap((k) => [k, thumbKeyOf(k)]));
    const left = entryKeys.slice(drop.length);
    this.known = { count: left.length, oldest: left.length ? keyTime(left[0]) : Infinity, at: now };
    return drop.length;
  }

  /** Every entry, newest first (without thumbnails). */
  async list(): Promise<InspectionLogEntry[]> {
    await this.open();
    return (await this.records()).sort((a, b) => (a.key < b.key ? 1 : a.key > b.key ? -1 : 0));
  }

  /** The thumbnails of these entries (undefined where there is none). */
  async thumbnails(entries: readonly Pick<InspectionLogEntry, 'thumbKey'>[]): Promise<(Blob | undefined)[]> {
    await this.open();
    const keys = entries.map((e) => e.thumbKey);
    const found = await this.kv.getMany<Blob>(keys.filter((k): k is string => Boolean(k)));
    let i = 0;
    return keys.map((k) => (k ? found[i++] : undefined));
  }

  /**
   * Records a correction on the entries with these keys (merged into what is there, stamped now), in one transaction.
   * Returns how many were found: an entry pruned or cleared meanwhile is skipped.
   */
  correct(keys: readonly string[], patch: Omit<LogCorrection, 'at'>): Promise<number> {
    return this.change(async () => {
      const found = await this.kv.getMany<InspectionLogEntry>([...keys]);
      const at = this.now().toISOString();
      const writes: [string, unknown][] = [];
      for (const e of found) {
        if (!e) continue;
        const correction = { ...e.correction, ...patch, at };
        const bytes = e.bytes - JSON.stringify(e.correction).length + JSON.stringify(correction).length;
        writes.push([e.key, { ...e, correction, bytes }]);
      }
      if (writes.length) await this.guard('a correction in the inspection log', 256, () => this.kv.setMany(writes));
      return writes.length;
    });
  }

  /** Deletes every entry and thumbnail, in one transaction; returns how many entries there were. */
  clear(): Promise<number> {
    return this.change(async () => {
      const keys = (await this.kv.keys()).filter((k) => k.startsWith(ENTRY) || k.startsWith(THUMB));
      this.known = null;
      if (keys.length) await this.kv.delMany(keys);
      return keys.filter((k) => k.startsWith(ENTRY)).length;
    });
  }
}

