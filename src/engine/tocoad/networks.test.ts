import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '../tf';
import { loadBackbone } from '../backbones/backbone';
import type { TrainableSource } from '../backbones/trainable';
import { allTensors, resnetNames, unfoldedWeights } from '../backbones/trainable';
import { disposeWeights } from '../backbones/resnet';
import { initNodeBackend } from '../../node/tf-backend';
import { Discriminator } from './discriminator';
import { TrainableExtractor } from './extractor';
import { ensureTrainingSupport } from './gradients';
import { focalLoss, negativeCosine, stopGradient, symmetricLoss } from './losses';
import { Adam, SGD } from './optim';
import { ParamStore } from './params';
import { Rng } from './rng';
import { globalPool, SimSiam } from './simsiam';
import { memorySource, tinyBackbone, tinyBackboneFiles } from './testing';

let base: TrainableSource;

beforeAll(async () => {
  await initNodeBackend('wasm');
  await ensureTrainingSupport();
  base = await tinyBackbone();
});

function randomImages(n: number, size: number, seed: number): tf.Tensor4D {
  const rng = new Rng(seed);
  return tf.tensor4d(Float32Array.from({ length: n * size * size * 3 }, () => rng.uniform(0, 255)), [n, size, size, 3]);
}

/** A blob mask per image (a square of a quarter of the side), fixed. */
function squareMasks(n: number, size: number): tf.Tensor3D {
  const data = new Float32Array(n * size * size);
  for (let i = 0; i < n; i++)
    for (let y = 0; y < size / 4; y++) for (let x = 0; x < size / 4; x++) data[i * size * size + (y + i * 2) * size + x + size / 2] = 1;
  return tf.tensor3d(data, [n, size, size]);
}

function extractor(trainFrom: 'layer1' | 'layer2' | 'layer3' = 'layer2'): TrainableExtractor {
  const raw = unfoldedWeights(base, 4);
  const e = new TrainableExtractor(base.spec, raw, resnetNames('torchvision', allTensors(base), 4), { trainFrom, bnAffine: true });
  disposeWeights(raw);
  return e;
}

const value = (t: tf.Tensor) => t.dataSync()[0];

describe('discriminator D', () => {
  it.each([32, 64, 96])("outputs a 2-channel map of the input's size (%i px)", (size) => {
    const D = new Discriminator({ c2: 32, c3: 64, width: 16 }, 1);
    const out = tf.tidy(() => D.forward(tf.randomNormal([2, size / 8, size / 8, 32]), tf.randomNormal([2, size / 16, size / 16, 64]), size));
    expect(out.shape).toEqual([2, size, size, 2]);
    out.dispose();
    D.dispose();
  });

  it('L_dis (focal loss) falls on a fixed batch with Adam', () => {
    const ex = extractor();
    const D = new Discriminator({ c2: 32, c3: 64, width: 16 }, 2);
    const x = randomImages(2, 32, 1);
    const masks = squareMasks(2, 32);
    const f = ex.features(x, ['layer2', 'layer3']);
    D.calibrate(f.layer2!, f.layer3!);
    const adam = new Adam();
    const losses: number[] = [];
    for (let s = 0; s < 12; s++) {
      const { value: v, grads } = tf.variableGrads(() => focalLoss(D.forward(f.layer2!, f.layer3!, 32), masks), D.params.trainable());
      losses.push(value(v));
      adam.step(D.params.trainable(), D.params.trainable().map((p) => grads[p.name]), 3e-3);
      tf.dispose([v, grads]);
    }
    expect(losses[11]).toBeLessThan(losses[0] * 0.7);
    tf.dispose([x, masks, f.layer2!, f.layer3!]);
    [ex, D, adam].forEach((o) => o.dispose());
  });
});

describe('losses', () => {
  it('focal loss: the alpha-weighted cross-entropy when gamma = 0; small for confident correct predictions', () => {
    const logits = tf.tensor4d([0, 2, 1, -1], [1, 1, 2, 2]); // pixel 0: anomalous logit higher; pixel 1: normal higher
    const mask = tf.tensor3d([1, 0], [1, 1, 2]);
    const p1 = 1 / (1 + Math.exp(-2));
    const p0 = 1 / (1 + Math.exp(-2));
    const ce = (-0.75 * Math.log(p1) - 0.25 * Math.log(p0)) / 2;
    expect(value(focalLoss(logits, mask, { alpha: 0.75, gamma: 0 }))).toBeCloseTo(ce, 6);
    const fl = (-0.75 * (1 - p1) ** 2 * Math.log(p1) - 0.25 * (1 - p0) ** 2 * Math.log(p0)) / 2;
    expect(value(focalLoss(logits, mask, { alpha: 0.75, gamma: 2 }))).toBeCloseTo(fl, 6);
  });

  it('no gradient reaches the stop-gradient branch', () => {
    const heads = new SimSiam({ inputs: { a: 6 }, projectorDim: 8, predictorDim: 4 }, new ParamStore(new Rng(1)));
    const v1 = tf.randomNormal([3, 6], 0, 1, 'float32', 1) as tf.Tensor2D;
    const v2 = tf.randomNormal([3, 6], 0, 1, 'float32', 2) as tf.Tensor2D;
    // D(p1, SG(z2)) as a function of view 2 alone: z2 is its only path, behind the stop-gradient.
    const p1 = tf.tidy(() => heads.predict('a', heads.project('a', v1)));
    const g = tf.grad((x: tf.Tensor) => negativeCosine(p1, stopGradient(heads.project('a', x as tf.Tensor2D)) as tf.Tensor2D))(v2);
    expect(Math.max(...g.dataSync().map(Math.abs))).toBe(0);
    // And the projector gets no gradient through z: the symmetric loss's gradient equals the one with z replaced by constants.
    const vars = heads.params.trainable();
    const withSG = tf.variableGrads(() => heads.layerLoss('a', v1, v2), vars).grads;
    const z1c = tf.tensor(heads.project('a', v1).dataSync(), [3, 8]) as tf.Tensor2D;
    const z2c = tf.tensor(heads.project('a', v2).dataSync(), [3, 8]) as tf.Tensor2D;
    const withConst = tf.variableGrads(
      () => symmetricLoss(heads.predict('a', heads.project('a', v1)), z1c, heads.predict('a', heads.project('a', v2)), z2c),
      vars,
    ).grads;
    for (const v of vars) {
      const a = withSG[v.name].dataSync();
      const b = withConst[v.name].dataSync();
      for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i], 5);
    }
    heads.params.dispose();
  });

  it('L_sym falls on fixed views (extractor from layer2 and SimSiam heads, SGD)', () => {
    const ex = extractor();
    const heads = new ParamStore(new Rng(3));
    const C = new SimSiam({ inputs: { layer3: 64, layer4: 128 }, projectorDim: 32, predictorDim: 8 }, heads);
    const views = randomImages(4, 32, 5); // two images x two views
    const prefix = ex.frozenPrefix(views);
    const vars = [...ex.variables(), ...heads.trainable()];
    const sgd = new SGD(0.9, 1e-4);
    const losses: number[] = [];
    for (let s = 0; s < 10; s++) {
      const { value: v, grads } = tf.variableGrads(() => {
        const f = ex.trainedStages(prefix, ['layer3', 'layer4']);
        return C.loss({ layer3: globalPool(f.layer3!), layer4: globalPool(f.layer4!) });
      }, vars);
      losses.push(value(v));
      sgd.step(vars, vars.map((p) => grads[p.name] ?? tf.zerosLike(p)), 0.05);
      tf.dispose([v, grads]);
    }
    expect(losses[9]).toBeLessThan(losses[0] - 0.1);
    expect(losses[9]).toBeGreaterThanOrEqual(-1);
    tf.dispose([views, prefix]);
    [ex, heads, sgd].forEach((o) => o.dispose());
  });

  it('L_neg (focal loss of the frozen D) falls as the extractor trains; D does not change', () => {
    const ex = extractor();
    const D = new Discriminator({ c2: 32, c3: 64, width: 16 }, 4);
    const x = randomImages(2, 32, 7);
    const masks = squareMasks(2, 32);
    tf.tidy(() => {
      const f = ex.features(x, ['layer2', 'layer3']);
      D.calibrate(f.layer2!, f.layer3!);
    });
    const dBefore = D.params.trainable().map((v) => v.dataSync().slice());
    const prefix = ex.frozenPrefix(x);
    const vars = ex.variables();
    const sgd = new SGD(0.9, 1e-4);
    const losses: number[] = [];
    for (let s = 0; s < 10; s++) {
      const { value: v, grads } = tf.variableGrads(() => {
        const f = ex.trainedStages(prefix, ['layer2', 'layer3']);
        return focalLoss(D.forward(f.layer2!, f.layer3!, 32), masks);
      }, vars);
      losses.push(value(v));
      sgd.step(vars, vars.map((p) => grads[p.name] ?? tf.zerosLike(p)), 0.01);
      tf.dispose([v, grads]);
    }
    expect(losses[9]).toBeLessThan(losses[0] * 0.9);
    D.params.trainable().forEach((v, i) => expect(Array.from(v.dataSync())).toEqual(Array.from(dBefore[i])));
    tf.dispose([x, masks, prefix]);
    [ex, D, sgd].forEach((o) => o.dispose());
  });
});

describe('stage II objective', () => {
  it('L = lambda L_sym + (1 - lambda) L_neg falls on a fixed batch (extractor and heads trained, D frozen)', () => {
    const ex = extractor();
    const D = new Discriminator({ c2: 32, c3: 64, width: 16 }, 6);
    const heads = new ParamStore(new Rng(7));
    const C = new SimSiam({ inputs: { layer3: 64, layer4: 128 }, projectorDim: 32, predictorDim: 8 }, heads);
    const m = 2;
    const x = randomImages(3 * m, 32, 11); // views 1, views 2, synthetic anomalies
    const masks = squareMasks(m, 32);
    tf.tidy(() => {
      const f = ex.features(x, ['layer2', 'layer3']);
      D.calibrate(f.layer2!, f.layer3!);
    });
    const prefix = ex.frozenPrefix(x);
    const vars = [...ex.variables(), ...heads.trainable()];
    const sgd = new SGD(0.9, 1e-4);
    const losses: number[] = [];
    for (let s = 0; s < 10; s++) {
      const { value: v, grads } = tf.variableGrads(() => {
        const f = ex.trainedStages(prefix, ['layer2', 'layer3', 'layer4'], 2 * m);
        const lSym = C.loss({ layer3: globalPool(tf.slice(f.layer3!, 0, 2 * m)), layer4: globalPool(f.layer4!) });
        const lNeg = focalLoss(D.forward(tf.slice(f.layer2!, 2 * m, m), tf.slice(f.layer3!, 2 * m, m), 32), masks);
        return tf.add(tf.mul(lSym, 0.5), tf.mul(lNeg, 0.5)) as tf.Scalar;
      }, vars);
      losses.push(value(v));
      sgd.step(vars, vars.map((p) => grads[p.name] ?? tf.zerosLike(p)), 0.02);
      tf.dispose([v, grads]);
    }
    expect(losses[9]).toBeLessThan(losses[0] - 0.05);
    tf.dispose([x, masks, prefix]);
    [ex, D, heads, sgd].forEach((o) => o.dispose());
  });
});

describe('trainable extractor', () => {
  it('computes the same features as the inference backbone (eval-mode BN folded on the fly)', async () => {
    const bb = await loadBackbone(memorySource(tinyBackboneFiles()), 'tiny');
    const ex = extractor('layer1');
    const x = randomImages(2, 64, 9);
    const a = bb.features(x, ['layer2', 'layer3']);
    const b = ex.features(x, ['layer2', 'layer3']);
    for (const tap of ['layer2', 'layer3'] as const) {
      const ra = a[tap]!.dataSync();
      const rb = b[tap]!.dataSync();
      let err = 0;
      let max = 0;
      for (let i = 0; i < ra.length; i++) {
        err = Math.max(err, Math.abs(ra[i] - rb[i]));
        max = Math.max(max, Math.abs(ra[i]));
      }
      expect(err / max).toBeLessThan(1e-4);
    }
    tf.dispose([x, a.layer2!, a.layer3!, b.layer2!, b.layer3!]);
    bb.dispose();
    ex.dispose();
  });

  it('exports untouched weights bit for bit (OIHW round trip) and only trained stages change after a step', async () => {
    const ex = extractor('layer3');
    const src = allTensors(base);
    const out = await ex.exportInto(src);
    for (const [name, t] of src) expect(Array.from(out.get(name)!.data), name).toEqual(Array.from(t.data));
    const vars = ex.variables();
    const x = randomImages(1, 32, 3);
    const prefix = ex.frozenPrefix(x); // frozen stages run outside the tape, as in the trainer
    const { grads } = tf.variableGrads(() => tf.sum(ex.trainedStages(prefix, ['layer4']).layer4!) as tf.Scalar, vars);
    new SGD(0, 0).step(vars, vars.map((v) => grads[v.name]), 0.01);
    const after = await ex.exportInto(src);
    expect(Array.from(after.get('layer4.0.conv1.weight')!.data)).not.toEqual(Array.from(src.get('layer4.0.conv1.weight')!.data));
    expect(Array.from(after.get('layer2.0.conv1.weight')!.data)).toEqual(Array.from(src.get('layer2.0.conv1.weight')!.data));
    expect(Array.from(after.get('layer3.0.bn1.running_mean')!.data)).toEqual(Array.from(src.get('layer3.0.bn1.running_mean')!.data));
    tf.dispose([x, prefix, grads]);
    ex.dispose();
  });
});

describe('optimisers (PyTorch update rules)', () => {
  it('Adam and SGD(momentum, weight decay) match torch.optim on f(w) = sum(w^2)', () => {
    // Reference: torch.optim.Adam(lr=0.1) and torch.optim.SGD(lr=0.1, momentum=0.9, weight_decay=0.01), 3 steps from w = [1, -2].
    const run = (opt: Adam | SGD) => {
      const w = tf.variable(tf.tensor1d([1, -2]));
      for (let i = 0; i < 3; i++) {
        const g = tf.mul(w, 2);
        opt.step([w], [g], 0.1);
        g.dispose();
      }
      const out = Array.from(w.dataSync());
      w.dispose();
      opt.dispose();
      return out;
    };
    const adam = run(new Adam());
    const sgd = run(new SGD(0.9, 0.01));
    [0.7015863060951233, -1.7006233930587769].forEach((v, i) => expect(adam[i]).toBeCloseTo(v, 5));
    [0.05819422006607056, -0.11638844013214111].forEach((v, i) => expect(sgd[i]).toBeCloseTo(v, 5));
  });
});
