import { describe, expect, it } from 'vitest';
import { CheckpointError } from './errors';
import { readSafetensors, writeSafetensors } from './safetensors';
import { bytesOf, le } from './testing';

/** A file with a hand-written header and `data` after it. */
function withHeader(header: string, data: Uint8Array = new Uint8Array(0), claimedLength?: number): Uint8Array {
  const h = new TextEncoder().encode(header);
  return bytesOf(le(claimedLength ?? h.length, 8), h, data);
}

describe('safetensors', () => {
  it('round-trips F32, F16 and U8 tensors with metadata, header padded to 8 bytes', () => {
    const f32 = Float32Array.of(1, -2.5, 3e-8, 4e8, 5, 6);
    const f16 = Uint16Array.of(0x3c00, 0xc000);
    const u8 = Uint8Array.of(1, 2, 3);
    const bytes = writeSafetensors(
      [
        { name: 'a', dtype: 'F32', shape: [2, 3], data: f32 },
        { name: 'b', dtype: 'F16', shape: [2], data: f16 },
        { name: 'c', dtype: 'U8', shape: [3], data: u8 },
      ],
      { layout: 'NCHW' },
    );
    const headerLen = Number(new DataView(bytes.buffer).getBigUint64(0, true));
    expect(headerLen % 8).toBe(0);
    const file = readSafetensors(bytes, 'x.safetensors');
    expect(file.metadata).toEqual({ layout: 'NCHW' });
    expect(file.tensors.map((t) => [t.name, t.dtype, t.shape])).toEqual([
      ['a', 'F32', [2, 3]],
      ['b', 'F16', [2]],
      ['c', 'U8', [3]],
    ]);
    expect(new Float32Array(file.tensors[0].data.slice().buffer)).toEqual(f32);
    expect(new Uint16Array(file.tensors[1].data.slice().buffer)).toEqual(f16);
    expect(file.tensors[2].data).toEqual(u8);
  });

  it('writes a tensor named __proto__ as data, not as a prototype', () => {
    const bytes = writeSafetensors([{ name: '__proto__', dtype: 'U8', shape: [1], data: Uint8Array.of(7) }]);
    expect(readSafetensors(bytes, 'p').tensors[0]).toMatchObject({ name: '__proto__', shape: [1] });
  });

  it('refuses to write data of the wrong size', () => {
    expect(() => writeSafetensors([{ name: 'a', dtype: 'F32', shape: [3], data: new Float32Array(2) }])).toThrow(/needs 12 bytes, got 8/);
  });

  it('refuses a header length claiming 1 TB, without allocating it', () => {
    const bytes = withHeader('{}', new Uint8Array(16), 2 ** 40);
    expect(() => readSafetensors(bytes, 'huge.safetensors')).toThrow(CheckpointError);
    expect(() => readSafetensors(bytes, 'huge.safetensors')).toThrow(/huge\.safetensors: the safetensors header claims 1099511627776 bytes but the file has only 18/);
  });

  it('refuses a header length beyond 2^53 and a file shorter than 8 bytes', () => {
    expect(() => readSafetensors(bytesOf(le(0, 7), 0xff), 'x')).toThrow(/header claims 18374686479671623680 bytes/);
    expect(() => readSafetensors(Uint8Array.of(1, 2, 3), 'x')).toThrow(/at least 8 bytes/);
  });

  it('refuses data offsets outside the data section', () => {
    const bytes = withHeader('{"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}', new Uint8Array(8));
    expect(() => readSafetensors(bytes, 'x')).toThrow(/tensor "w" has data_offsets \[0, 16\] outside the 8-byte data section/);
    const reversed = withHeader('{"w":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}}', new Uint8Array(8));
    expect(() => readSafetensors(reversed, 'x')).toThrow(/outside/);
    const negative = withHeader('{"w":{"dtype":"F32","shape":[1],"data_offsets":[-4,0]}}', new Uint8Array(8));
    expect(() => readSafetensors(negative, 'x')).toThrow(/invalid data_offsets/);
  });

  it('refuses offsets that disagree with the shape and dtype', () => {
    const bytes = withHeader('{"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}', new Uint8Array(8));
    expect(() => readSafetensors(bytes, 'x')).toThrow(/tensor "w" of shape \[3\] and dtype F32 needs 12 bytes but its data_offsets span 8/);
  });

  it('refuses unknown dtypes, bad shapes, bad JSON and non-string metadata', () => {
    expect(() => readSafetensors(withHeader('{"w":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}}', new Uint8Array(1)), 'x')).toThrow(/dtype "F8_E4M3"/);
    expect(() => readSafetensors(withHeader('{"w":{"dtype":"F32","shape":[-1],"data_offsets":[0,0]}}'), 'x')).toThrow(/invalid shape/);
    expect(() => readSafetensors(withHeader('{"w": '), 'x')).toThrow(/not valid JSON/);
    expect(() => readSafetensors(withHeader('[1,2]'), 'x')).toThrow(/not a JSON object/);
    expect(() => readSafetensors(withHeader('{"__metadata__":{"a":1}}'), 'x')).toThrow(/__metadata__\.a is not a string/);
  });
});
