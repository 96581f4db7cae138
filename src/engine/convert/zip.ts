import { inflateSync } from 'fflate';
import { ByteReader } from './byte-reader';
import { crc32 } from './crc32';
import { CheckpointError } from './errors';

/**
 * A minimal zip reader for PyTorch checkpoints: central directory (with ZIP64 records, which
 * `torch.save` always writes), stored and deflated entries. No encryption, no multi-disk archives.
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

/** Lists the entries of a zip archive from its central directory. */
export function readZipDirectory(bytes: Uint8Array, where: string): ZipEntry[] {
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
  return entries;
}

/**
 * The uncompressed bytes of one entry: a view into `bytes` for stored entries, a new buffer for
 * deflated ones. The CRC is checked unless `verify` is false.
 */
export function readZipEntry(bytes: Uint8Array, entry: ZipEntry, where: string, verify = true): Uint8Array {
  const label = `zip entry "${entry.name}"`;
  if (entry.flags & 1) throw new CheckpointError(where, `${label} is encrypted`);
  const r = new ByteReader(bytes, where, entry.localHeaderOffset);
  if (r.u32(`the local header of ${label}`) !== LOCAL) throw new CheckpointError(where, `the local header of ${label} is corrupt`);
  r.pos += 22;
  const nameLen = r.u16(`the local header of ${label}`);
  const extraLen = r.u16(`the local header of ${label}`);
  r.take(nameLen + extraLen, `the local header of ${label}`);
  const raw = r.take(entry.compressedSize, `the data of ${label}`);
  let data: Uint8Array;
  if (entry.method === 0) {
    if (entry.size !== entry.compressedSize) throw new CheckpointError(where, `${label} is stored but its sizes differ`);
    data = raw;
  } else if (entry.method === 8) {
    if (entry.size > Math.max(1, entry.compressedSize) * MAX_DEFLATE_RATIO || entry.size > 2 ** 31) {
      throw new CheckpointError(where, `${label} claims ${entry.size} bytes from ${entry.compressedSize} compressed bytes, which is impossible`);
    }
    try {
      data = inflateSync(raw, { out: new Uint8Array(entry.size) });
    } catch (e) {
      throw new CheckpointError(where, `${label} does not decompress (${(e as Error).message})`);
    }
    if (data.length !== entry.size) throw new CheckpointError(where, `${label} decompresses to ${data.length} bytes, not ${entry.size}`);
  } else {
    throw new CheckpointError(where, `${label} uses zip compression method ${entry.method}, which is not supported`);
  }
  if (verify && crc32(data) !== entry.crc32) throw new CheckpointError(where, `${label} fails its CRC check: the file is corrupt`);
  return data;
}
