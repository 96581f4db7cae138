import { CheckpointError } from './errors';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * A bounds-checked little-endian cursor over bytes. Every read checks that the bytes exist, so a
 * truncated or lying file fails with a CheckpointError instead of reading garbage or throwing a
 * RangeError.
 */
export class ByteReader {
  private readonly view: DataView;
  pos: number;

  constructor(
    readonly bytes: Uint8Array,
    readonly where: string,
    start = 0,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.pos = start;
  }

  get length(): number {
    return this.bytes.length;
  }

  get remaining(): number {
    return this.bytes.length - this.pos;
  }

  /** Throws unless `n` bytes are available from `at` (default: the cursor). */
  need(n: number, what: string, at = this.pos): void {
    if (!Number.isSafeInteger(n) || n < 0 || at < 0 || at + n > this.bytes.length) {
      throw new CheckpointError(this.where, `${what} runs past the end of the data (needs ${n} bytes at offset ${at}, ${this.bytes.length} available): the file is truncated or corrupt`);
    }
  }

  u8(what = 'a byte'): number {
    this.need(1, what);
    return this.bytes[this.pos++];
  }

  u16(what = 'a 16-bit integer'): number {
    this.need(2, what);
    const v = this.view.getUint16(this.pos, true);
    this.pos += 2;
    return v;
  }

  u32(what = 'a 32-bit integer'): number {
    this.need(4, what);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  i32(what = 'a 32-bit integer'): number {
    this.need(4, what);
    const v = this.view.getInt32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /** An unsigned 64-bit integer; values beyond 2^53 are refused as implausible. */
  u64(what = 'a 64-bit integer'): number {
    this.need(8, what);
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new CheckpointError(this.where, `${what} is ${v}, which is not a plausible size`);
    return Number(v);
  }

  /** A big-endian IEEE double (the pickle BINFLOAT layout). */
  f64be(what = 'a float'): number {
    this.need(8, what);
    const v = this.view.getFloat64(this.pos, false);
    this.pos += 8;
    return v;
  }

  /** A view (no copy) of the next `n` bytes. */
  take(n: number, what = 'a byte string'): Uint8Array {
    this.need(n, what);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** The next `n` bytes decoded as UTF-8. */
  utf8(n: number, what = 'a string'): string {
    const b = this.take(n, what);
    try {
      return utf8.decode(b);
    } catch {
      throw new CheckpointError(this.where, `${what} is not valid UTF-8`);
    }
  }
}
