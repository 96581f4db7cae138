import { Inflate } from 'fflate';
import { ByteReader } from './byte-reader';
import { crc32 } from './crc32';
import { CheckpointError, clip, guarded } from './errors';

/**
 * A minimal zip reader for PyTorch checkpoints: central directory (with ZIP64 records, which
 * `torch.save` always writes), stored and deflated entries. No encryption, no multi-disk archives.
 *
 * The archive is untrusted, so the directory is checked as a whole before any entry is read:
 * every entry's local header must carry the central directory's name, and no two entries may share
 * bytes (the overlapping-entry zip bomb). Deflated entries are inflated incrementally, never past
 * the size asked for, and all of an archive's inflation draws on one budget (see InflateBudget).
 */
export interface ZipEntry {
  name: string;
  method: number;
  flags: number;
  crc32: number;
  compressedSize: number;
  size: number;
  localHeaderOffset: number;
}

const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;
const U32_MAX = 0xffffffff;
/** Deflate cannot expand data by more than about 1032:1; a larger claimed size is a lie. */
const MAX_DEFLATE_RATIO = 1032;
/** No single entry may claim more than this (2 GiB). */
const MAX_ENTRY_BYTES = 2 ** 31;
/** Inflation of one archive, all entries together: this many bytes... */
export const INFLATE_BUDGET_BASE = 64 * 1024 * 1024;
/** ...plus this many times the archive's size. Real weights deflate by ~1.1:1, so this is generous. */
export const INFLATE_BUDGET_RATIO = 32;

/**
 * How many bytes the deflated entries of one archive may still inflate to. Shared by every
 * readZipEntry call of one read, so that many entries cannot add up to a bomb either.
 */
export class InflateBudget {
  readonly total: number;
  remaining: number;

  constructor(archiveBytes: number, total = INFLATE_BUDGET_BASE + INFLATE_BUDGET_RATIO * archiveBytes) {
    this.total = total;
    this.remaining = total;
  }

  /** Takes `n` bytes from the budget, or throws (before anything is inflated) when they are not there. */
  take(n: number, where: string, label: string): void {
    this.check(n, where, label);
    this.remaining -= n;
  }

  /** Throws unless `n` bytes are left. */
  check(n: number, where: string, label: string): void {
    if (n > this.remaining) {
      throw new CheckpointError(
        where,
        `${label} would decompress to ${n} bytes, beyond the ${this.remaining} bytes left of this archive's decompression budget (${this.total} bytes: ` +
          `${INFLATE_BUDGET_BASE / 1024 / 1024} MiB + ${INFLATE_BUDGET_RATIO}x the file size); refusing what looks like a zip bomb`,
      );
    }
  }
}

export interface ReadEntryOptions {
  /**
   * Read at most this many bytes of the entry (e.g. the size of the storage a checkpoint declares):
   * a deflated entry is inflated no further. The CRC is then checked only if the entry was read whole.
   */
  maxBytes?: number;
  /** The archive's shared decompression budget; by default a fresh one for this call. */
  budget?: InflateBudget;
}

/** True when the bytes start like a zip archive (a local file header). */
export function looksLikeZip(bytes: Uint8Array): boolean {
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04;
}

function findEocd(r: ByteReader): number {
  const min = Math.max(0, r.length - 22 - 0xffff);
  for (let p = r.length - 22; p >= min; p--) {
    if (r.bytes[p] === 0x50 && r.bytes[p + 1] === 0x4b && r.bytes[p + 2] === 0x05 && r.bytes[p + 3] === 0x06) return p;
  }
  throw new CheckpointError(r.where, 'the zip archive has no end-of-central-directory record: the file is truncated or not a zip archive');
}

const label = (e: ZipEntry) => `zip entry "${clip(e.name)}"`;

/**
 * Reads an entry's local header: checks its signature and returns the name it carries and the
 * offset of the entry's data, which is checked to lie inside the file.
 */
function localHeader(bytes: Uint8Array, entry: ZipEntry, where: string): { name: string; dataOffset: number } {
  const what = `the local header of ${label(entry)}`;
  const r = new ByteReader(bytes, where, entry.localHeaderOffset);
  r.need(30, what);
  if (r.u32(what) !== LOCAL) throw new CheckpointError(where, `${what} is corrupt`);
  r.pos += 22;
  const nameLen = r.u16(what);
  const extraLen = r.u16(what);
  const name = r.utf8(nameLen, `the name in ${what}`);
  r.take(extraLen, what);
  r.need(entry.compressedSize, `the data of ${label(entry)}`);
  return { name, dataOffset: r.pos };
}

/** The offset of an entry's data, once its local header is checked to carry the central directory's name. */
function localDataOffset(bytes: Uint8Array, entry: ZipEntry, where: string): number {
  const { name, dataOffset } = localHeader(bytes, entry, where);
  checkLocalName(entry, name, where);
  return dataOffset;
}

function checkLocalName(entry: ZipEntry, local: string, where: string): void {
  if (local !== entry.name) {
    throw new CheckpointError(where, `the local header of ${label(entry)} names it "${clip(local)}": the local and central names differ, so the archive is corrupt or crafted`);
  }
}

/**
 * Lists the entries of a zip archive from its central directory, after checking that every entry
 * has a matching local header, that names are unique and that no two entries' headers and data
 * overlap each other or the central directory.
 */
export function readZipDirectory(bytes: Uint8Array, where: string): ZipEntry[] {
  return guarded(where, () => {
    const r = new ByteReader(bytes, where);
    const eocd = findEocd(r);
    r.pos = eocd + 4;
    const disk = r.u16();
    const cdDisk = r.u16();
    r.u16();
    let count = r.u16();
    let cdSize = r.u32();
    let cdOffset = r.u32();
    if (eocd >= 20 && new DataView(bytes.buffer, bytes.byteOffset + eocd - 20, 4).getUint32(0, true) === ZIP64_LOCATOR) {
      r.pos = eocd - 20 + 8;
      const z64 = r.u64('the ZIP64 record offset');
      r.pos = z64;
      if (r.u32('the ZIP64 end record') !== ZIP64_EOCD) throw new CheckpointError(where, 'the ZIP64 end-of-central-directory record is missing or corrupt');
      r.pos += 8 + 2 + 2 + 4 + 4 + 8;
      count = r.u64('the entry count');
      cdSize = r.u64('the central directory size');
      cdOffset = r.u64('the central directory offset');
    } else if (disk !== 0 || cdDisk !== 0) {
      throw new CheckpointError(where, 'multi-disk zip archives are not supported');
    }
    r.need(cdSize, 'the central directory', cdOffset);
    if (count > cdSize / 46) throw new CheckpointError(where, `the zip archive claims ${count} entries in a ${cdSize}-byte directory: it is corrupt`);
    r.pos = cdOffset;
    const entries: ZipEntry[] = [];
    for (let i = 0; i < count; i++) {
      if (r.u32('a central directory entry') !== CENTRAL) throw new CheckpointError(where, `zip central directory entry ${i} is corrupt`);
      r.pos += 4;
      const flags = r.u16();
      const method = r.u16();
      r.pos += 4;
      const crc = r.u32();
      let compressedSize = r.u32();
      let size = r.u32();
      const nameLen = r.u16();
      const extraLen = r.u16();
      const commentLen = r.u16();
      r.pos += 8;
      let localHeaderOffset = r.u32();
      const name = r.utf8(nameLen, 'a zip entry name');
      const extra = new ByteReader(r.take(extraLen, 'a zip extra field'), where);
      r.take(commentLen, 'a zip entry comment');
      while (extra.remaining >= 4) {
        const id = extra.u16();
        const len = extra.u16();
        const body = new ByteReader(extra.take(len, 'a zip extra field'), where);
        if (id !== 0x0001) continue;
        if (size === U32_MAX) size = body.u64('a ZIP64 size');
        if (compressedSize === U32_MAX) compressedSize = body.u64('a ZIP64 size');
        if (localHeaderOffset === U32_MAX) localHeaderOffset = body.u64('a ZIP64 offset');
      }
      entries.push({ name, method, flags, crc32: crc, compressedSize, size, localHeaderOffset });
    }
    checkLayout(bytes, entries, cdOffset, where);
    return entries;
  });
}

/** Unique names; entries (header + data) disjoint and before the central directory; local names that match. */
function checkLayout(bytes: Uint8Array, entries: ZipEntry[], cdOffset: number, where: string): void {
  const names = new Set<string>();
  const spans: { entry: ZipEntry; local: string; start: number; end: number }[] = [];
  for (const entry of entries) {
    if (names.has(entry.name)) throw new CheckpointError(where, `${label(entry)} appears twice in the zip directory: the archive is corrupt or crafted`);
    names.add(entry.name);
    const { name: local, dataOffset } = localHeader(bytes, entry, where);
    const end = dataOffset + entry.compressedSize;
    if (end > cdOffset) throw new CheckpointError(where, `${label(entry)} runs into the zip central directory (its data ends at ${end}, the directory starts at ${cdOffset}): the archive is corrupt or crafted`);
    spans.push({ entry, local, start: entry.localHeaderOffset, end });
  }
  spans.sort((a, b) => a.start - b.start);
  for (let i = 1; i < spans.length; i++) {
    const [a, b] = [spans[i - 1], spans[i]];
    if (b.start < a.end) {
      throw new CheckpointError(
        where,
        `zip entries "${clip(a.entry.name)}" (bytes ${a.start}..${a.end}) and "${clip(b.entry.name)}" (from byte ${b.start}) overlap: ` +
          'entries that share bytes are refused (this is how overlapping-entry zip bombs are built)',
      );
    }
  }
  for (const { entry, local } of spans) checkLocalName(entry, local, where);
}

/**
 * Compressed bytes given to the inflater at a time: what is still wanted / 1032, so that one step
 * cannot inflate (much) more than that, within these bounds (one step then makes at most ~1 MB).
 */
const MIN_INFLATE_CHUNK = 1024;
const MAX_INFLATE_CHUNK = 256 * 1024;
/** Compressed input that produced no output: past this, the stream is taken to have ended (a stored block is at most 64 KiB). */
const MAX_IDLE_INPUT = 128 * 1024;

/** True once fflate's streaming inflater has decoded the final block (its state: `f` final, `l` no block open). */
function streamEnded(inflater: Inflate): boolean {
  const state = (inflater as unknown as { s?: { f?: number; l?: unknown } }).s;
  return !!state && !!state.f && !state.l;
}

/**
 * Inflates the raw deflate stream `raw` into `want` bytes, stopping as soon as they are there.
 * `declared` is the entry's full size: a stream seen to produce more is refused, one that produces
 * less than `want` too. Input goes in small chunks, so that no one step can inflate much more than
 * what is still wanted (deflate expands 1032:1 at most). A whole entry is then checked by its CRC.
 */
function inflateCapped(raw: Uint8Array, want: number, declared: number, where: string, name: string): Uint8Array {
  const out = new Uint8Array(want);
  let n = 0;
  let total = 0;
  let ended = false;
  const inflater = new Inflate((chunk, final) => {
    if (n < want) {
      const k = Math.min(chunk.length, want - n);
      out.set(k === chunk.length ? chunk : chunk.subarray(0, k), n);
      n += k;
    }
    total += chunk.length;
    if (final) ended = true;
  });
  try {
    for (let p = 0, idle = 0; ; ) {
      const size = Math.min(MAX_INFLATE_CHUNK, Math.max(MIN_INFLATE_CHUNK, Math.floor((want - n) / MAX_DEFLATE_RATIO)));
      const end = Math.min(raw.length, p + size);
      const last = end === raw.length;
      const before = total;
      inflater.push(raw.subarray(p, end), last);
      idle = total === before ? idle + end - p : 0;
      p = end;
      if (total > declared) throw new CheckpointError(where, `${name} decompresses to more than the ${declared} bytes its directory entry declares: the archive is corrupt or crafted`);
      // Done once the wanted bytes are there; bytes after the end of the stream are ignored (fflate
      // would keep buffering them, so stop at its end, or after much input that makes no output).
      if (last || ended || n === want || streamEnded(inflater) || idle > MAX_IDLE_INPUT) break;
    }
  } catch (e) {
    if (e instanceof CheckpointError) throw e;
    throw new CheckpointError(where, `${name} does not decompress (${(e as Error).message})`, { cause: e });
  }
  if (n !== want) throw new CheckpointError(where, `${name} decompresses to ${total} bytes, not the ${declared} its directory entry declares`);
  return out;
}

/**
 * The uncompressed bytes of one entry: a view into `bytes` for stored entries, a new buffer for
 * deflated ones. The CRC is checked unless `verify` is false (or only part of a deflated entry was
 * read, see ReadEntryOptions.maxBytes).
 */
export function readZipEntry(bytes: Uint8Array, entry: ZipEntry, where: string, verify = true, options: ReadEntryOptions = {}): Uint8Array {
  return guarded(where, () => {
    const name = label(entry);
    if (entry.flags & 1) throw new CheckpointError(where, `${name} is encrypted`);
    const start = localDataOffset(bytes, entry, where);
    const raw = bytes.subarray(start, start + entry.compressedSize);
    const want = options.maxBytes === undefined ? entry.size : Math.max(0, Math.min(entry.size, options.maxBytes));
    if (entry.method === 0) {
      if (entry.size !== entry.compressedSize) throw new CheckpointError(where, `${name} is stored but its sizes differ`);
      if (verify && crc32(raw) !== entry.crc32) throw new CheckpointError(where, `${name} fails its CRC check: the file is corrupt`);
      return raw.subarray(0, want);
    }
    if (entry.method !== 8) throw new CheckpointError(where, `${name} uses zip compression method ${entry.method}, which is not supported`);
    if (entry.size > Math.max(1, entry.compressedSize) * MAX_DEFLATE_RATIO || entry.size > MAX_ENTRY_BYTES) {
      throw new CheckpointError(where, `${name} claims ${entry.size} bytes from ${entry.compressedSize} compressed bytes, which is impossible`);
    }
    (options.budget ?? new InflateBudget(bytes.length)).take(want, where, name);
    const data = inflateCapped(raw, want, entry.size, where, name);
    if (verify && want === entry.size && crc32(data) !== entry.crc32) throw new CheckpointError(where, `${name} fails its CRC check: the file is corrupt`);
    return data;
  });
}
