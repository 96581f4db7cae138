/**
 * GPU device check: runs the engine's WebGPU path in Node (Dawn's dawn.node, no browser) and reports, as one JSON
 * object on stdout, per-image times of the backbone, the patch search, the device coreset, live-frame scoring (one
 * full `scorer.score(image)` per frame), one ToCoAD training step (forward and backward through layer4), and whether
 * the WebGPU image scores equal the reference backend's (WASM) within a relative tolerance.
 *
 *   npx tsx scripts/device-check/device-check.ts --quick            # here (SwiftShader): a few minutes
 *   npx tsx scripts/device-check/device-check.ts --out              # full preset, writes docs/bench/device-check-<host>.json
 *   bash <packed folder>/run.sh --random-weights --out "$OUT/x.json"  # on a machine without Node (see pack.sh)
 *
 * Progress goes to stderr. Exit status 0 when every stage ran and the scores agree, 1 otherwise (the JSON says why),
 * 2 on bad arguments. See scripts/device-check/README.md.
 */
// Registers tfjs' gradient functions on the same tfjs-core (its CommonJS bundle), statically so that the packed
// bundle carries them too; ensureTrainingSupport() then finds them registered.
import '@tensorflow/tfjs';
import { version_cpu } from '@tensorflow/tfjs-backend-cpu';
import { setWasmPaths, version_wasm } from '@tensorflow/tfjs-backend-wasm';
import { existsSync, mkdirSync, realpathSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus, hostname, totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '../../src/engine/tf';
import type { Backbone } from '../../src/engine/backbones/backbone';
import { allTensors, resnetNames, unfoldedWeights } from '../../src/engine/backbones/trainable';
import { disposeWeights } from '../../src/engine/backbones/resnet';
import { demoDataset } from '../../src/engine/demo/dataset';
import type { RgbImage } from '../../src/engine/image/types';
import { PROJECTION_DIM, selectCoresetDevice, selectCoresetHost } from '../../src/engine/patchcore/coreset';
import { TARGET_DIM } from '../../src/engine/patchcore/embed';
import { embedBatch, imagesToBatch, patchGrid } from '../../src/engine/patchcore/features';
import { sampleWithoutReplacement, seededRandom } from '../../src/engine/patchcore/random';
import type { ScoreTimings } from '../../src/engine/patchcore/scorer';
import { PatchCoreScorer } from '../../src/engine/patchcore/scorer';
import { Discriminator } from '../../src/engine/tocoad/discriminator';
import { TrainableExtractor } from '../../src/engine/tocoad/extractor';
import { ensureTrainingSupport } from '../../src/engine/tocoad/gradients';
import { focalLoss } from '../../src/engine/tocoad/losses';
import { SGD } from '../../src/engine/tocoad/optim';
import { ParamStore } from '../../src/engine/tocoad/params';
import { Rng } from '../../src/engine/tocoad/rng';
import { globalPool, SimSiam } from '../../src/engine/tocoad/simsiam';
import { DEFAULT_TOCOAD } from '../../src/engine/tocoad/trainer';
import type { AdapterReport } from './webgpu-node';
import { installWebGpu, releaseWebGpu, webGpuAdapter, webGpuLost } from './webgpu-node';
import type { HostWeights } from './weights';
import { backboneAvailable, backboneOnCurrentBackend, folderWeights, randomWeights } from './weights';

type BackendName = 'webgpu' | 'wasm' | 'cpu';
const STAGES = ['backbone', 'agreement', 'search', 'live', 'coreset', 'train'] as const;
type Stage = (typeof STAGES)[number];

export interface DeviceCheckOptions {
  backend: BackendName;
  reference: BackendName | 'none';
  preset: 'quick' | 'full';
  weights: 'auto' | 'random' | 'folder';
  backbone?: string;
  seed: number;
  /** Random weights only: narrower layers (see randomResNet50), for a fast correctness check. */
  widthDivisor: number;
  /** Scoring k (nearest bank rows averaged per patch); 1, the app's default, runs the pruned index search. */
  k: number;
  /** Scorer input size (the backbone spec's, 224); smaller only to keep a software GPU's run short. */
  inputSize: number;
  batches: number[];
  backboneRuns: number;
  bankRows: number;
  bank: 'features' | 'random';
  images: number;
  frames: number;
  coresetPoints: number;
  coresetRatio: number;
  /** Device coreset checked against the host selection (on the reference backend) up to this many points. */
  coresetVerifyMax: number;
  trainSize: number;
  trainMicro: number;
  trainSteps: number;
  tolerance: number;
  skip: Stage[];
  dawnFlags: string[];
  out?: string;
  host: string;
}

const PRESETS: Record<'quick' | 'full', Partial<DeviceCheckOptions>> = {
  // SwiftShader (a CPU emulating the GPU) is ~100x slower than a GPU: sizes that finish in a few minutes on 2 cores.
  quick: { inputSize: 64, batches: [1], backboneRuns: 1, bankRows: 1024, images: 2, frames: 1, coresetPoints: 4096, coresetRatio: 0.005, trainSize: 32, trainMicro: 1, trainSteps: 0 },
  // A GPU: the sizes the issue names (batch 1 and 8 at 224 px, 160k x 128 coreset points at the default 10 %).
  full: { inputSize: 224, batches: [1, 8], backboneRuns: 10, bankRows: 16_384, images: 4, frames: 30, coresetPoints: 160_000, coresetRatio: 0.1, trainSize: 224, trainMicro: DEFAULT_TOCOAD.microBatch, trainSteps: 5 },
};

const USAGE = `usage: device-check [options]
  --quick                  small sizes for a software GPU (SwiftShader); default is the full preset
  --backend NAME           backend to time: webgpu (default), wasm, cpu
  --reference NAME         backend the scores are compared with: wasm (default), cpu, none
  --random-weights         a seeded random ResNet50 (the default when the bundled weights are missing)
  --backbone ID|DIR        a bundled backbone id or a converted backbone folder (default: the bundled ResNet50)
  --seed N                 seed of the random weights, images and points (default 0)
  --k N                    scoring k (default 1, the app's: the pruned index search; k > 1: the full blocked search)
  --width-divisor N        random weights only: narrower layers except the layer2/layer3 taps (correctness checks; not ResNet50's times)
  --input-size PX          scorer input size, a multiple of 32 (full 224 as the backbone's spec; quick 64)
  --batches 1,8            backbone batch sizes (full: 1,8; quick: 1)
  --backbone-runs N        timed runs per batch size (full 10, quick 1)
  --bank-rows N            memory bank rows, 1024 columns (full 16384, quick 1024)
  --bank features|random   bank rows from patch features of rendered parts (default) or random normal rows
  --images N               images whose scores are compared (full 4, quick 2)
  --frames N               frames timed for the search and for live scoring (full 30, quick 1)
  --coreset-points N       points of the device coreset, 128 columns (full 160000, quick 4096)
  --coreset-ratio R        fraction selected (full 0.1, quick 0.005)
  --coreset-verify-max N   compare with the host selection up to N points (default 20000; 0 = never)
  --train-size PX          ToCoAD step image size (full 224, quick 32)
  --train-micro M          micro-batch: the step runs 3M images (two views + one synthetic anomaly each; full 2, quick 1)
  --train-steps N          timed steps after the first (full 5; quick 0: the first step only, compilation included)
  --tolerance T            relative score tolerance (default 1e-3)
  --skip a,b               stages to skip: ${STAGES.join(', ')}
  --dawn-flag F            passed to Dawn's create() (repeatable), e.g. backend=vulkan, adapter=NAME
  --host NAME              host label for the default --out file name (default: the hostname)
  --out [FILE]             also write the JSON to FILE (default docs/bench/device-check-<host>.json)
  --help`;

function fail(message: string): never {
  process.stderr.write(`device-check: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function positive(name: string, v: string | undefined, fallback: number, integer = true): number {
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || (integer && !Number.isInteger(n))) fail(`--${name} must be a ${integer ? 'whole ' : ''}number >= 0, got ${v}`);
  return n;
}

/** Repository root when run from the source tree (scripts/device-check/ two levels down), else undefined. */
function repoRoot(): string | undefined {
  const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
  return existsSync(join(root, 'src', 'engine')) && existsSync(join(root, 'package.json')) ? root : undefined;
}

export function parseOptions(argv: string[]): DeviceCheckOptions {
  // `--out` may come without a file: give it the default name's marker.
  const args = argv.flatMap((a, i) => (a === '--out' && (i + 1 >= argv.length || argv[i + 1].startsWith('--')) ? ['--out', ''] : [a]));
  let values;
  try {
    ({ values } = parseArgs({
      args,
      strict: true,
      options: {
        quick: { type: 'boolean' },
        backend: { type: 'string' },
        reference: { type: 'string' },
        'random-weights': { type: 'boolean' },
        backbone: { type: 'string' },
        seed: { type: 'string' },
        'input-size': { type: 'string' },
        k: { type: 'string' },
        'width-divisor': { type: 'string' },
        batches: { type: 'string' },
        'backbone-runs': { type: 'string' },
        'bank-rows': { type: 'string' },
        bank: { type: 'string' },
        images: { type: 'string' },
        frames: { type: 'string' },
        'coreset-points': { type: 'string' },
        'coreset-ratio': { type: 'string' },
        'coreset-verify-max': { type: 'string' },
        'train-size': { type: 'string' },
        'train-micro': { type: 'string' },
        'train-steps': { type: 'string' },
        tolerance: { type: 'string' },
        skip: { type: 'string' },
        'dawn-flag': { type: 'string', multiple: true },
        host: { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean' },
      },
    }));
  } catch (e) {
    fail((e as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const preset = values.quick ? 'quick' : 'full';
  const p = PRESETS[preset] as Required<DeviceCheckOptions>;
  const backend = (values.backend ?? 'webgpu') as BackendName;
  if (!['webgpu', 'wasm', 'cpu'].includes(backend)) fail(`--backend must be webgpu, wasm or cpu, got ${backend}`);
  const reference = (values.reference ?? 'wasm') as BackendName | 'none';
  if (!['webgpu', 'wasm', 'cpu', 'none'].includes(reference)) fail(`--reference must be wasm, cpu, webgpu or none, got ${reference}`);
  if (reference === backend) fail(`--reference ${reference} is the timed backend itself; use another one or none`);
  const bank = (values.bank ?? 'features') as 'features' | 'random';
  if (!['features', 'random'].includes(bank)) fail(`--bank must be features or random, got ${bank}`);
  const skip = (values.skip ?? '').split(',').filter(Boolean) as Stage[];
  for (const s of skip) if (!STAGES.includes(s)) fail(`--skip: unknown stage ${s} (stages: ${STAGES.join(', ')})`);
  const batches = values.batches ? values.batches.split(',').map((b) => positive('batches', b, 1)) : p.batches;
  if (!batches.length || batches.some((b) => b < 1)) fail('--batches needs sizes >= 1');
  const coresetRatio = positive('coreset-ratio', values['coreset-ratio'], p.coresetRatio, false);
  if (!(coresetRatio > 0 && coresetRatio <= 1)) fail(`--coreset-ratio must be in (0, 1], got ${coresetRatio}`);
  const host = (values.host ?? hostname()).replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 64) || 'host';
  let out = values.out;
  if (out === '') out = join(repoRoot() ?? process.cwd(), 'docs', 'bench', `device-check-${host}.json`);
  const trainMicro = Math.max(1, positive('train-micro', values['train-micro'], p.trainMicro));
  const trainSize = positive('train-size', values['train-size'], p.trainSize);
  if (trainSize < 32 || trainSize % 16 !== 0) fail(`--train-size must be a multiple of 16, at least 32; got ${trainSize}`);
  if (values['width-divisor'] && values.backbone) fail('--width-divisor applies to random weights only, not to --backbone');
  const inputSize = positive('input-size', values['input-size'], p.inputSize);
  if (inputSize < 32 || inputSize % 32 !== 0) fail(`--input-size must be a multiple of 32, at least 32; got ${inputSize}`);
  return {
    backend,
    reference,
    preset,
    weights: values['random-weights'] || values['width-divisor'] ? 'random' : values.backbone ? 'folder' : 'auto',
    backbone: values.backbone,
    seed: positive('seed', values.seed, 0),
    inputSize,
    k: Math.max(1, positive('k', values.k, 1)),
    widthDivisor: Math.max(1, positive('width-divisor', values['width-divisor'], 1)),
    batches,
    backboneRuns: Math.max(1, positive('backbone-runs', values['backbone-runs'], p.backboneRuns)),
    bankRows: Math.max(1, positive('bank-rows', values['bank-rows'], p.bankRows)),
    bank,
    images: positive('images', values.images, p.images),
    frames: Math.max(1, positive('frames', values.frames, p.frames)),
    coresetPoints: Math.max(2, positive('coreset-points', values['coreset-points'], p.coresetPoints)),
    coresetRatio,
    coresetVerifyMax: positive('coreset-verify-max', values['coreset-verify-max'], 20_000),
    trainSize,
    trainMicro,
    trainSteps: positive('train-steps', values['train-steps'], p.trainSteps),
    tolerance: positive('tolerance', values.tolerance, 1e-3, false),
    skip,
    dawnFlags: values['dawn-flag'] ?? [],
    out,
    host,
  };
}

// ---------------------------------------------------------------------------------------------------------------

const started = performance.now();
function log(message: string): void {
  process.stderr.write(`[device-check ${((performance.now() - started) / 1000).toFixed(1).padStart(6)} s] ${message}\n`);
}

const round = (v: number, digits = 2) => Number(v.toFixed(digits));

interface Stats {
  runs: number;
  median: number;
  mean: number;
  min: number;
}

function stats(values: number[]): Stats {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  const median = s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
  return { runs: s.length, median: round(median), mean: round(s.reduce((a, b) => a + b, 0) / s.length), min: round(s[0]) };
}

/** Waits for a tensor's producers to finish (reads one element back) without keeping the read tensor. */
async function sync(t: tf.Tensor): Promise<void> {
  const one = tf.slice(t, new Array(t.rank).fill(0), new Array(t.rank).fill(1));
  await one.data();
  one.dispose();
}

function wasmDir(): string {
  // The packed check keeps the .wasm files in wasm/ next to its bundle; the source tree has them in node_modules.
  const packed = join(dirname(fileURLToPath(import.meta.url)), 'wasm');
  if (existsSync(join(packed, 'tfjs-backend-wasm-simd.wasm'))) return `${packed}/`;
  const require = createRequire(import.meta.url);
  return `${dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`;
}

let webGpuInstalled = false;
async function useBackend(name: BackendName, o: DeviceCheckOptions): Promise<void> {
  if (tf.getBackend() === name) return;
  if (name === 'webgpu' && !webGpuInstalled) {
    installWebGpu(o.dawnFlags);
    webGpuInstalled = true;
  }
  if (name === 'wasm' && !tf.findBackend('wasm')) setWasmPaths(wasmDir());
  // tfjs logs a failed backend start to the console: keep the reason for the report instead.
  const warn = console.warn;
  const messages: string[] = [];
  console.warn = (...args: unknown[]) => messages.push(args.map(String).join(' '));
  let ok: boolean;
  try {
    ok = await tf.setBackend(name);
    if (ok) await tf.ready();
  } finally {
    console.warn = warn;
  }
  if (!ok) throw new Error(`the tfjs ${name} backend could not start${messages.length ? `: ${messages.join('; ').slice(0, 500)}` : ''}`);
}

// ---------------------------------------------------------------------------------------------------------------

interface ScoreRecord {
  image: string;
  score: number;
  patches: Float32Array;
}

async function scoreImages(scorer: PatchCoreScorer, images: { name: string; image: RgbImage }[]): Promise<ScoreRecord[]> {
  const out: ScoreRecord[] = [];
  for (const { name, image } of images) {
    const r = await scorer.score(image);
    out.push({ image: name, score: r.score, patches: r.patches });
  }
  return out;
}

/** Bank rows: patch features of rendered good parts (on the current backend), subsampled to `rows`; or random rows. */
async function bankRows(o: DeviceCheckOptions, backbone: Backbone | undefined, train: RgbImage[]): Promise<{ rows: Float32Array; from: string }> {
  const dim = TARGET_DIM;
  if (o.bank === 'random' || !backbone) {
    const random = seededRandom(o.seed + 101);
    const rows = new Float32Array(o.bankRows * dim);
    for (let i = 0; i < rows.length; i += 2) {
      const r = Math.sqrt(-2 * Math.log(1 - random()));
      const a = 2 * Math.PI * random();
      rows[i] = r * Math.cos(a);
      if (i + 1 < rows.length) rows[i + 1] = r * Math.sin(a);
    }
    return { rows, from: 'random normal rows' };
  }
  const perImage = patchGrid(backbone) ** 2;
  const parts: Float32Array[] = [];
  for (const img of train) {
    const e = tf.tidy(() => embedBatch(backbone, imagesToBatch([img], backbone)));
    parts.push((await e.data()) as Float32Array);
    e.dispose();
  }
  const total = parts.length * perImage;
  const pick = sampleWithoutReplacement(total, o.bankRows, seededRandom(o.seed + 7)).sort((a, b) => a - b);
  const rows = new Float32Array(pick.length * dim);
  pick.forEach((p, i) => rows.set(parts[Math.floor(p / perImage)].subarray((p % perImage) * dim, ((p % perImage) + 1) * dim), i * dim));
  return { rows, from: `patch features of ${train.length} rendered good parts (${total} patches, ${pick.length} sampled)` };
}

function coresetPoints(o: DeviceCheckOptions): Float32Array {
  const random = seededRandom(o.seed + 303);
  const x = new Float32Array(o.coresetPoints * PROJECTION_DIM);
  for (let i = 0; i < x.length; i++) x[i] = random() * 2 - 1 + (random() + random() - 1) * 0.5;
  return x;
}

/** One ToCoAD stage II micro-batch step as trainer.ts runs it: frozen prefix, layer2..layer4 forward and backward, SGD. */
async function trainStep(o: DeviceCheckOptions, w: HostWeights): Promise<Record<string, unknown>> {
  await ensureTrainingSupport();
  const base = w.source;
  if (base.stageCount < 4) throw new Error(`the backbone stops at layer${base.stageCount}; the ToCoAD step needs layer4`);
  const size = o.trainSize;
  const m = o.trainMicro;
  const raw = unfoldedWeights(base, 4);
  const [, c2, c3, c4] = raw.stages.map((blocks) => blocks[blocks.length - 1].conv3.kernel.shape[3]);
  const extractor = new TrainableExtractor(base.spec, raw, resnetNames(base.manifest.weightNaming, allTensors(base), 4), DEFAULT_TOCOAD.extractor);
  disposeWeights(raw);
  const D = new Discriminator({ c2, c3, width: DEFAULT_TOCOAD.decoderWidth }, 1);
  const heads = new ParamStore(new Rng(2));
  const C = new SimSiam({ inputs: { layer3: c3, layer4: c4 }, projectorDim: DEFAULT_TOCOAD.projectorDim, predictorDim: DEFAULT_TOCOAD.predictorDim }, heads);
  const sgd = new SGD(DEFAULT_TOCOAD.momentum, DEFAULT_TOCOAD.weightDecay);
  const rng = new Rng(o.seed + 11);
  // Views 1, views 2 and synthetic anomalies: 3m images; one square defect mask per anomaly.
  const x = tf.tensor4d(Float32Array.from({ length: 3 * m * size * size * 3 }, () => rng.uniform(0, 255)), [3 * m, size, size, 3]);
  const maskData = new Float32Array(m * size * size);
  for (let i = 0; i < m; i++) for (let y = 0; y < size / 4; y++) for (let c = 0; c < size / 4; c++) maskData[i * size * size + (y + size / 8) * size + c + size / 2] = 1;
  const masks = tf.tensor3d(maskData, [m, size, size]);
  const vars = [...extractor.variables(), ...heads.trainable()];
  try {
    tf.tidy(() => {
      const f = extractor.features(tf.slice(x, 0, m), ['layer2', 'layer3']);
      D.calibrate(f.layer2!, f.layer3!);
    });
    const lambda = DEFAULT_TOCOAD.lambda;
    const step = async (): Promise<{ ms: number; loss: number }> => {
      const t0 = performance.now();
      const { value, grads } = tf.tidy(() => {
        const prefix = extractor.frozenPrefix(x, ['layer2', 'layer3']);
        return tf.variableGrads(() => {
          const f = extractor.trainedStages(prefix, ['layer2', 'layer3', 'layer4'], 2 * m);
          const lSym = C.loss({ layer3: globalPool(tf.slice(f.layer3!, 0, 2 * m)), layer4: globalPool(f.layer4!) });
          const lNeg = focalLoss(D.forward(tf.slice(f.layer2!, 2 * m, m), tf.slice(f.layer3!, 2 * m, m), size), masks, DEFAULT_TOCOAD.focal);
          return tf.add(tf.mul(lSym, lambda), tf.mul(lNeg, 1 - lambda)) as tf.Scalar;
        }, vars);
      });
      const ordered = vars.map((v) => grads[v.name] ?? tf.zerosLike(v));
      sgd.step(vars, ordered, 1e-3);
      const loss = (await value.data())[0];
      await sync(vars[0]);
      const ms = performance.now() - t0;
      [value, ...ordered].forEach((t) => t.dispose());
      tf.dispose(Object.values(grads));
      return { ms, loss };
    };
    log(`train: first step (${3 * m} images of ${size} px)`);
    const first = await step();
    log(`train: first step ${first.ms.toFixed(0)} ms, loss ${first.loss.toFixed(4)}`);
    const times: number[] = [];
    const losses: number[] = [first.loss];
    for (let i = 0; i < o.trainSteps; i++) {
      const s = await step();
      times.push(s.ms);
      losses.push(s.loss);
      log(`train: step ${i + 1}/${o.trainSteps} ${s.ms.toFixed(0)} ms, loss ${s.loss.toFixed(4)}`);
    }
    const st = times.length ? stats(times) : null;
    return {
      what: 'ToCoAD stage II micro-batch: frozen stem+layer1, layer2..layer4 forward and backward, SimSiam + focal loss, SGD update',
      image_size: size,
      micro_batch: m,
      images_per_step: 3 * m,
      trainable_parameters: vars.reduce((a, v) => a + v.size, 0),
      first_step_ms: round(first.ms),
      step_ms: st,
      // Without timed steps, the first step's (shader compilation included) stands in.
      ms_per_image: round((st ? st.median : first.ms) / (3 * m)),
      ms_per_image_from: st ? 'timed steps (median)' : 'the first step, compilation included',
      losses: losses.map((l) => round(l, 5)),
      finite: losses.every(Number.isFinite),
    };
  } finally {
    tf.dispose([x, masks]);
    extractor.dispose();
    D.dispose();
    heads.dispose();
    sgd.dispose();
  }
}

// ---------------------------------------------------------------------------------------------------------------

export interface DeviceCheckReport {
  tool: 'device-check';
  format: 1;
  date: string;
  host: string;
  ok: boolean;
  preset: 'quick' | 'full';
  environment: Record<string, unknown>;
  backend: BackendName;
  adapter?: AdapterReport;
  reference: BackendName | 'none';
  weights?: string;
  input_size?: number;
  options: Record<string, unknown>;
  backbone?: Record<string, unknown>;
  bank?: Record<string, unknown>;
  agreement?: Record<string, unknown>;
  search?: Record<string, unknown>;
  live?: Record<string, unknown>;
  coreset?: Record<string, unknown>;
  train?: Record<string, unknown>;
  errors: { stage: string; message: string }[];
  seconds: number;
}

export async function runDeviceCheck(o: DeviceCheckOptions): Promise<DeviceCheckReport> {
  tf.env().set('IS_TEST', true); // no advice to install tfjs-node
  const report: DeviceCheckReport = {
    tool: 'device-check',
    format: 1,
    date: new Date().toISOString(),
    host: o.host,
    ok: false,
    preset: o.preset,
    environment: {
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      cpus: cpus().length,
      cpu: cpus()[0]?.model,
      memory_gib: round(totalmem() / 2 ** 30, 1),
      packed: !repoRoot(),
      VK_ICD_FILENAMES: process.env.VK_ICD_FILENAMES ?? null,
      tfjs: { core: tf.version_core, cpu: version_cpu, wasm: version_wasm },
    },
    backend: o.backend,
    reference: o.reference,
    options: { ...o, skip: o.skip.join(',') || undefined, out: undefined },
    errors: [],
    seconds: 0,
  };
  const wants = (s: Stage) => !o.skip.includes(s);
  // Scores are timed after a first one (index build, shader compilation) unless only their agreement is wanted.
  const timingsWanted = wants('search') || wants('live');
  const attempt = async <T>(stage: string, fn: () => Promise<T>): Promise<T | undefined> => {
    try {
      return await fn();
    } catch (e) {
      const message = (e as Error)?.message ?? String(e);
      log(`${stage} FAILED: ${message}`);
      if ((e as Error)?.stack) process.stderr.write(`${(e as Error).stack}\n`);
      report.errors.push({ stage, message: message.slice(0, 2000) });
      return undefined;
    }
  };

  // --- Weights (host tensors) and images.
  const useFolder = o.weights === 'folder' || (o.weights === 'auto' && backboneAvailable(o.backbone));
  if (o.weights === 'auto' && !useFolder) log('the bundled backbone is not here: using a seeded random ResNet50 (--random-weights)');
  const weights = await attempt('weights', async () => (useFolder ? folderWeights(o.backbone) : randomWeights(o.seed, wants('train'), o.widthDivisor)));
  if (!weights) return finish(report);
  report.weights = weights.description;
  const spec = weights.source.spec;
  if (o.inputSize !== spec.inputSize) {
    // The network is fully convolutional: a smaller input only shrinks the patch grid (input / 8 per side).
    weights.source.spec = { ...spec, inputSize: o.inputSize, resize: Math.round((o.inputSize * spec.resize) / spec.inputSize) };
  }
  report.input_size = o.inputSize;
  log(`weights: ${weights.description}`);
  const perImage = (weights.source.spec.inputSize / weights.source.spec.taps[0].stride) ** 2;
  // The bank serves the scoring stages only; a check of the training step alone skips it (and the inference backbone).
  const bankWanted = wants('agreement') || wants('search') || wants('live');
  const backboneWanted = bankWanted || wants('backbone');
  const bankImages = o.bank === 'features' && bankWanted ? Math.ceil(o.bankRows / perImage) : 0;
  const demo = demoDataset({ trainCount: bankImages, testGood: 3, testPerDefect: 1, seed: o.seed });
  const goods = demo.test.filter((d) => d.label === 0);
  const bads = demo.test.filter((d) => d.label === 1);
  const testOrder = goods.flatMap((g, i) => [g, ...(bads[i] ? [bads[i]] : [])]).concat(bads.slice(goods.length));
  const test = testOrder.map((d) => ({ name: d.name, image: d.render().image }));
  const train = demo.train.map((d) => d.render().image);
  const agreementImages = test.slice(0, Math.min(o.images, test.length));
  log(`rendered ${train.length} bank images and ${test.length} test images`);

  // --- Reference pass: bank features, reference scores, host coreset selection.
  let bank: { rows: Float32Array; from: string } | undefined;
  let referenceScores: ScoreRecord[] | undefined;
  let referenceMs = 0;
  let hostSelection: Int32Array | undefined;
  const points = wants('coreset') ? coresetPoints(o) : undefined;
  const verifyCoreset = points && o.reference !== 'none' && o.coresetPoints <= o.coresetVerifyMax;
  if (o.reference !== 'none' && (bankWanted || verifyCoreset)) {
    await attempt(`reference (${o.reference})`, async () => {
      await useBackend(o.reference as BackendName, o);
      log(`reference backend: ${tf.getBackend()}`);
      const backbone = bankWanted ? backboneOnCurrentBackend(weights) : undefined;
      if (backbone) {
        try {
          bank = await bankRows(o, backbone, train);
          log(`bank: ${bank.rows.length / TARGET_DIM} x ${TARGET_DIM} from ${bank.from}`);
          if (wants('agreement') && agreementImages.length) {
            const scorer = new PatchCoreScorer(backbone, bank.rows, TARGET_DIM, { k: o.k });
            try {
              if (timingsWanted) await scorer.score(test[0].image); // the index build, outside the timed scores
              const t0 = performance.now();
              referenceScores = await scoreImages(scorer, agreementImages);
              referenceMs = (performance.now() - t0) / agreementImages.length;
            } finally {
              scorer.dispose();
            }
            log(`reference scores: ${referenceScores.map((s) => s.score.toPrecision(6)).join(', ')} (${referenceMs.toFixed(0)} ms/image)`);
          }
        } finally {
          backbone.dispose();
        }
      }
      if (verifyCoreset) {
        const t0 = performance.now();
        hostSelection = await selectCoresetHost(points.slice(), PROJECTION_DIM, { ratio: o.coresetRatio, seed: o.seed });
        log(`host coreset on ${o.reference}: ${hostSelection.length} of ${o.coresetPoints} in ${(performance.now() - t0).toFixed(0)} ms`);
      }
    });
  }

  // --- The timed backend.
  const mainUp = await attempt(`start ${o.backend}`, async () => {
    await useBackend(o.backend, o);
    if (o.backend === 'webgpu') {
      report.adapter = webGpuAdapter();
      log(`WebGPU adapter: ${report.adapter?.text}`);
    }
    return true;
  });
  if (!mainUp) return finish(report);

  const backbone = backboneWanted ? await attempt('backbone build', async () => backboneOnCurrentBackend(weights)) : undefined;
  if (backbone) {
    try {
      if (!bank && bankWanted) {
        bank = await attempt('bank', () => bankRows(o, backbone, train));
        if (bank) log(`bank: ${bank.rows.length / TARGET_DIM} x ${TARGET_DIM} from ${bank.from}`);
      }
      if (wants('backbone')) {
        report.backbone = await attempt('backbone', async () => {
          const out: Record<string, unknown> = { what: 'backbone.features: preprocessing, stem..layer3 (layer2 and layer3 taps), synchronised on layer3' };
          for (const b of o.batches) {
            const images = Array.from({ length: b }, (_, i) => test[i % test.length].image);
            const batch = imagesToBatch(images, backbone);
            const deepest = backbone.spec.taps[backbone.spec.taps.length - 1].name;
            const once = async () => {
              const t0 = performance.now();
              const taps = backbone.features(batch);
              await sync(taps[deepest]!);
              const ms = performance.now() - t0;
              Object.values(taps).forEach((t) => t?.dispose());
              return ms;
            };
            try {
              const first = await once();
              const times: number[] = [];
              for (let r = 0; r < o.backboneRuns; r++) times.push(await once());
              const st = stats(times);
              out[`batch_${b}`] = { first_run_ms: round(first), batch_ms: st, ms_per_image: round(st.median / b) };
              log(`backbone batch ${b}: ${(st.median / b).toFixed(1)} ms/image (first run ${first.toFixed(0)} ms)`);
            } finally {
              batch.dispose();
            }
          }
          return out;
        });
      }
      if (bank && (wants('agreement') || wants('search') || wants('live'))) {
        const scorer = new PatchCoreScorer(backbone, bank.rows, TARGET_DIM, { k: o.k });
        report.bank = { rows: scorer.bankSize, dim: TARGET_DIM, from: bank.from, patches_per_image: patchGrid(backbone) ** 2 };
        try {
          const warm = !timingsWanted ? undefined : await attempt('scorer warm-up', async () => {
            const t0 = performance.now();
            await scorer.score(test[0].image);
            const ms = performance.now() - t0;
            log(`first score (index build, shader compilation): ${ms.toFixed(0)} ms`);
            return ms;
          });
          if (warm !== undefined) report.bank.first_score_ms = round(warm);
          if (wants('agreement') && referenceScores) {
            report.agreement = await attempt('agreement', async () => {
              const t0 = performance.now();
              const mine = await scoreImages(scorer, agreementImages);
              const ms = (performance.now() - t0) / agreementImages.length;
              const rows = mine.map((s, i) => {
                const ref = referenceScores![i];
                const rel = Math.abs(s.score - ref.score) / Math.max(Math.abs(ref.score), 1e-12);
                let maxDiff = 0, maxRef = 0;
                for (let j = 0; j < ref.patches.length; j++) {
                  maxDiff = Math.max(maxDiff, Math.abs(s.patches[j] - ref.patches[j]));
                  maxRef = Math.max(maxRef, Math.abs(ref.patches[j]));
                }
                return { image: s.image, score: s.score, reference_score: ref.score, relative_difference: rel, patch_max_difference_relative: maxDiff / Math.max(maxRef, 1e-12) };
              });
              const maxRel = Math.max(...rows.map((r) => r.relative_difference));
              const maxPatch = Math.max(...rows.map((r) => r.patch_max_difference_relative));
              const pass = maxRel <= o.tolerance && maxPatch <= o.tolerance;
              log(`agreement with ${o.reference}: max relative score difference ${maxRel.toExponential(2)}, patches ${maxPatch.toExponential(2)} -> ${pass ? 'PASS' : 'FAIL'}`);
              return {
                what: `image scores (and patch scores, relative to the largest) of ${o.backend} against ${o.reference}, same weights and bank`,
                tolerance: o.tolerance,
                images: rows.length,
                max_relative_difference: maxRel,
                max_patch_difference_relative: maxPatch,
                pass,
                // Timed after a first score only when search or live run (else the index build would be in them).
                score_ms_per_image: timingsWanted ? { [o.backend]: round(ms), [o.reference]: round(referenceMs) } : undefined,
                scores: rows,
              };
            });
          }
          if (wants('search')) {
            report.search = await attempt('search', async () => {
              const t: ScoreTimings = { backbone: 0, search: 0, map: 0 };
              for (let i = 0; i < o.frames; i++) await scorer.score(test[i % test.length].image, t);
              const n = o.frames;
              log(`search: ${(t.search / n).toFixed(1)} ms/image against ${scorer.bankSize} x ${TARGET_DIM} (backbone+embedding ${(t.backbone / n).toFixed(1)}, map ${(t.map / n).toFixed(1)})`);
              return {
                what: "the scorer's patch search (pruned exact nearest neighbour, k = 1) per image, from scorer.score's own timings",
                images: n,
                bank_rows: scorer.bankSize,
                ms_per_image: round(t.search / n),
                breakdown_ms_per_image: { preprocess_backbone_embedding: round(t.backbone / n), search: round(t.search / n), map: round(t.map / n) },
              };
            });
          }
          if (wants('live')) {
            report.live = await attempt('live', async () => {
              const times: number[] = [];
              const t0 = performance.now();
              for (let i = 0; i < o.frames; i++) {
                const t1 = performance.now();
                await scorer.score(test[(i + 1) % test.length].image);
                times.push(performance.now() - t1);
              }
              const total = performance.now() - t0;
              const fps = (o.frames * 1000) / total;
              log(`live: ${fps.toFixed(2)} frames/s (${(total / o.frames).toFixed(0)} ms/frame)`);
              return { what: 'one full scorer.score(image) per frame: resize/crop, backbone, embedding, search, anomaly map', frames: o.frames, frame_ms: stats(times), fps: round(fps, 3) };
            });
          }
        } finally {
          scorer.dispose();
        }
      }
    } finally {
      backbone.dispose();
    }
  }

  if (points) {
    report.coreset = await attempt('coreset', async () => {
      const x = tf.tensor2d(points, [o.coresetPoints, PROJECTION_DIM]);
      try {
        // Warm-up: the same kernels on a few points (shader compilation is not selection time).
        const small = tf.slice(x, [0, 0], [Math.min(256, o.coresetPoints), PROJECTION_DIM]) as tf.Tensor2D;
        await selectCoresetDevice(small, { ratio: 4 / small.shape[0], seed: o.seed });
        small.dispose();
        const t0 = performance.now();
        const selected = await selectCoresetDevice(x, { ratio: o.coresetRatio, seed: o.seed });
        const ms = performance.now() - t0;
        log(`coreset: ${selected.length} of ${o.coresetPoints} x ${PROJECTION_DIM} in ${ms.toFixed(0)} ms`);
        const out: Record<string, unknown> = {
          what: 'selectCoresetDevice (greedy k-center, one full pass per iteration on the device) over random projected points',
          points: o.coresetPoints,
          dim: PROJECTION_DIM,
          ratio: o.coresetRatio,
          selected: selected.length,
          ms: round(ms),
          ms_per_iteration: round(ms / selected.length, 4),
        };
        if (hostSelection) {
          let same = 0;
          for (let i = 0; i < selected.length; i++) if (selected[i] === hostSelection[i]) same++;
          const firstDiff = selected.findIndex((v, i) => v !== hostSelection![i]);
          out.host_selection = { backend: o.reference, same_order: same === selected.length, matching_positions: same, first_difference: firstDiff };
          log(`coreset: ${same === selected.length ? 'the same selection as the host' : `differs from the host from position ${firstDiff}`}`);
        }
        return out;
      } finally {
        x.dispose();
      }
    });
  }

  if (wants('train')) report.train = await attempt('train', () => trainStep(o, weights));
  return finish(report);
}

function finish(report: DeviceCheckReport): DeviceCheckReport {
  const lost = webGpuLost();
  if (lost) report.errors.push({ stage: 'device', message: `WebGPU device lost: ${lost}` });
  report.ok = report.errors.length === 0 && (report.agreement === undefined || report.agreement.pass === true);
  report.seconds = round((performance.now() - started) / 1000, 1);
  return report;
}

async function main(): Promise<void> {
  const o = parseOptions(process.argv.slice(2));
  log(`preset ${o.preset}, timing ${o.backend} against ${o.reference}`);
  const report = await runDeviceCheck(o);
  const json = JSON.stringify(report, null, 2);
  if (o.out) {
    mkdirSync(dirname(o.out), { recursive: true });
    writeFileSync(o.out, `${json}\n`);
    log(`wrote ${o.out}`);
  }
  log(report.ok ? 'OK' : `NOT OK: ${report.errors.map((e) => e.stage).join(', ') || 'the scores disagree'}`);
  releaseWebGpu();
  // Dawn keeps the event loop alive; exit once stdout has drained.
  process.stdout.write(`${json}\n`, () => process.exit(report.ok ? 0 : 1));
}

function invokedDirectly(): boolean {
  try {
    return Boolean(process.argv[1]) && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
  } catch {
    return false;
  }
}
if (process.env.DEVICE_CHECK_MAIN === '1' || invokedDirectly()) {
  main().catch((e) => {
    process.stderr.write(`device-check: ${(e as Error)?.stack ?? e}\n`);
    process.exit(1);
  });
}
