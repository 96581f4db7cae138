import * as tf from '../tf';
import { beforeAll, describe, expect, it } from 'vitest';
import { initNodeBackend } from '../../node/tf-backend';
import { BANK_BLOCK_ROWS, disposeBank, patchScores, prepareBank } from './nearest';
import { seededRandom } from './random';

function bruteForce(q: Float32Array, b: Float32Array, dim: number, k: number, euclidean: boolean): number[] {
  const nq = q.length / dim, nb = b.length / dim;
  const out: number[] = [];
  for (let i = 0; i < nq; i++) {
    const d: number[] = [];
    for (let j = 0; j < nb; j++) {
      let s = 0;
      for (let e = 0; e < dim; e++) s += (q[i * dim + e] - b[j * dim + e]) ** 2;
      d.push(euclidean ? Math.sqrt(s) : s);
    }
    d.sort((x, y) => x - y);
    out.push(d.slice(0, k).reduce((s, v) => s + v, 0) / k);
  }
  return out;
}

describe('nearest-neighbour patch scores', () => {
  beforeAll(async () => {
    await initNodeBackend('wasm');
  });

  const dim = 24;
  const random = seededRandom(11);
  const bankRows = BANK_BLOCK_ROWS + 700; // spans two blocks
  const bank = Float32Array.from({ length: bankRows * dim }, () => random() * 2 - 1);
  const queries = Float32Array.from({ length: 40 * dim }, () => random() * 2 - 1);
  // A query equal to a bank row has distance 0.
  queries.set(bank.subarray(4500 * dim, 4501 * dim), 0);

  for (const [k, metric] of [[1, 'squared'], [1, 'euclidean'], [3, 'squared'], [3, 'euclidean']] as const) {
    it(`equals brute force for k=${k}, ${metric}`, async () => {
      const mem = prepareBank(tf.tensor2d(bank, [bankRows, dim]));
      const q = tf.tensor2d(queries, [40, dim]);
      const s = patchScores(q, mem, k, metric);
      const got = await s.data();
      const want = bruteForce(queries, bank, dim, k, metric === 'euclidean');
      want.forEach((w, i) => expect(got[i]).toBeCloseTo(w, 3));
      if (k === 1) expect(got[0]).toBeLessThan(1e-3);
      q.dispose();
      s.dispose();
      disposeBank(mem);
    });
  }

  it('refuses k larger than the bank', () => {
    const mem = prepareBank(tf.tensor2d(new Float32Array(4 * dim), [4, dim]));
    expect(() => patchScores(tf.zeros([1, dim]) as tf.Tensor2D, mem, 5)).toThrow(/exceeds the memory bank size/);
    disposeBank(mem);
  });
});
