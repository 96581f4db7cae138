/** A flat set of named host tensors: what checkpoint readers produce and weight mappers consume. */
export interface HostTensor {
  shape: number[];
  data: Float32Array;
}

export type NamedTensors = Map<string, HostTensor>;

export function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

export function take(tensors: NamedTensors, name: string, expectedShape?: readonly (number | null)[]): HostTensor {
  const t = tensors.get(name);
  if (!t) throw new Error(`missing weight "${name}"`);
  if (expectedShape) {
    const ok = t.shape.length === expectedShape.length && expectedShape.every((d, i) => d === null || d === t.shape[i]);
    if (!ok) throw new Error(`weight "${name}" has shape [${t.shape}] but [${expectedShape.map((d) => d ?? '?')}] was expected`);
  }
  return t;
}

/** The float32 bytes of the named tensors, concatenated in the given order. */
export function concatTensorBytes(tensors: NamedTensors, names: readonly string[]): Uint8Array<ArrayBuffer> {
  const total = names.reduce((n, k) => n + take(tensors, k).data.byteLength, 0);
  const all = new Uint8Array(total);
  let o = 0;
  for (const k of names) {
    const d = take(tensors, k).data;
    all.set(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), o);
    o += d.byteLength;
  }
  return all;
}
