import type { Command } from 'commander';
import { Option } from 'commander';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { readTrainableSource } from '../../engine/backbones/trainable';
import type { TapName } from '../../engine/backbones/spec';
import { decodeCheckpoint } from '../../engine/tocoad/checkpoint';
import { fineTunedRecord, packFineTuned } from '../../engine/tocoad/export';
import type { ToCoADOptions } from '../../engine/tocoad/trainer';
import { DEFAULT_TOCOAD, resolveOptions, trainToCoAD } from '../../engine/tocoad/trainer';
import { backboneFolder } from '../../node/backbones';
import { IMAGE_EXTENSIONS } from '../../node/dataset';
import { listDataset } from '../shared';
import { decodeImageFile } from '../../node/decode';
import { folderSource } from '../../node/file-source';
import { initNodeBackend } from '../../node/tf-backend';
import type { NodeBackend } from '../../node/tf-backend';
import { progressBars } from '../progress-bar';
import { DEFAULT_CORESET_RATIO } from '../../engine/patchcore/defaults';
import type { TrainSettings } from '../../engine/tocoad/settings';
import { DEFAULT_TRAIN_SETTINGS } from '../../engine/tocoad/settings';

/**
 * `finetune`: ToCoAD stage I + II on DIR/train/good, writing a backbone folder that `fit`, `eval` and the app load
 * with `--backbone <out>`. Progress bars go to stderr; stdout carries one JSON object per line (start, step, epoch,
 * checkpoint, saved, compare), so runs can be logged and plotted.
 */
/** The flags: the Train view's settings (under the same names, but `--batch` and `--stage1-batch`), and the CLI's own. */
interface FinetuneArgs extends Omit<TrainSettings, 'batchSize' | 'stage1BatchSize'> {
  data: string;
  out: string;
  backbone: string;
  batch: number;
  stage1Batch?: number;
  trainFrom: TapName;
  freezeBnAffine?: boolean;
  textures?: string;
  maxImages?: number;
  checkpoint?: string;
  resume?: string;
  id?: string;
  force?: boolean;
  compare: boolean;
  coresetRatio: number;
  backend: NodeBackend;
  quiet?: boolean;
}

function num(name: string, check: (n: number) => boolean, what: string) {
  return (v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n) || !check(n)) throw new Error(`${name} must be ${what}, got "${v}"`);
    return n;
  };
}

const int = (name: string, min: number) => num(name, (n) => Number.isInteger(n) && n >= min, `an integer >= ${min}`);
const positive = (name: string) => num(name, (n) => n > 0, 'a positive number');

function emit(event: string, body: Record<string, unknown>): void {
  process.stdout.write(JSON.stringify({ event, ...body }) + '\n');
}

function writeAtomic(file: string, bytes: Uint8Array): void {
  const tmp = `${file}.partial`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, file);
}

function listImages(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && IMAGE_EXTENSIONS.includes(extname(e.name).toLowerCase()))
    .map((e) => join(dir, e.name))
    .sort();
}

interface EvalSummary {
  image_auroc: number;
  pixel_auroc: number | null;
  aupro: number | null;
  f1_max: number;
  fit_seconds: number | null;
  backbone: string;
}

/** Runs this CLI's own `eval` in a child process (the same measurement a user would make) and returns its JSON. */
async function runEval(data: string, backbone: string, args: FinetuneArgs): Promise<EvalSummary> {
  const dir = mkdtempSync(join(tmpdir(), 'finetune-eval-'));
  const json = join(dir, 'eval.json');
  const cliArgs = [process.argv[1], 'eval', '--data', data, '--backbone', backbone, '--json', json, '--quiet', '--backend', args.backend, '--coreset-ratio', String(args.coresetRatio), '--seed', String(args.seed)];
  try {
    await new Promise<void>((done, fail) => {
      const child = spawn(process.execPath, [...process.execArgv, ...cliArgs], { stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d) => (stderr += String(d)));
      child.on('error', fail);
      child.on('exit', (code) => (code === 0 ? done() : fail(new Error(`eval --backbone ${backbone} failed (exit ${code}): ${stderr.trim().split('\n').slice(-3).join(' ')}`))));
    });
    return JSON.parse(readFileSync(json, 'utf8'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function register(program: Command): void {
  const cmd = program
    .command('finetune')
    .description(
      'ToCoAD fine-tuning of the feature extractor on DIR/train/good (stage I: discriminator on synthetic anomalies; stage II: ' +
        'SimSiam + negative-guided focal loss), written as a backbone folder for `fit`/`eval --backbone <out>`. ' +
        'With labelled DIR/test, image and pixel AUROC before and after are compared.',
    )
    .requiredOption('--data <dir>', 'dataset folder in MVTec AD layout (trains on train/good)')
    .requiredOption('--out <dir>', 'folder to write the fine-tuned backbone to')
    .option('--backbone <id|dir>', 'bundled backbone id or a model folder to start from', 'resnet50-imagenet')
    .option('--stage1-epochs <n>', 'stage I (discriminator) epochs', int('--stage1-epochs', 0), DEFAULT_TRAIN_SETTINGS.stage1Epochs)
    .option('--stage2-epochs <n>', 'stage II (contrastive) epochs', int('--stage2-epochs', 0), DEFAULT_TRAIN_SETTINGS.stage2Epochs)
    .option('--batch <n>', 'images per optimiser step (stage II, and stage I unless --stage1-batch is given)', int('--batch', 1), DEFAULT_TRAIN_SETTINGS.batchSize)
    .option('--stage1-batch <n>', 'stage I (discriminator) images per optimiser step (default: --batch)', int('--stage1-batch', 1))
    .option('--micro-batch <n>', 'images per forward/backward pass (gradients are accumulated to --batch; lower it if memory runs out)', int('--micro-batch', 1), DEFAULT_TRAIN_SETTINGS.microBatch)
    .option('--lambda <x>', 'weight of L_sym in L = lambda L_sym + (1 - lambda) L_neg', num('--lambda', (n) => n >= 0 && n <= 1, 'in [0, 1]'), DEFAULT_TRAIN_SETTINGS.lambda)
    .addOption(new Option('--generator <kind>', 'synthetic anomaly generator').choices(['perlin', 'cutpaste']).default(DEFAULT_TRAIN_SETTINGS.generator))
    .option('--image-size <px>', 'training input size (a multiple of 32); the model keeps its inference size', int('--image-size', 32), DEFAULT_TRAIN_SETTINGS.imageSize)
    .option('--seed <n>', 'seed of every random choice (same seed, same model)', int('--seed', 0), DEFAULT_TRAIN_SETTINGS.seed)
    .option('--stage1-lr <x>', 'Adam learning rate of stage I (decayed x0.2 at 80 % and 90 % of the epochs)', positive('--stage1-lr'), DEFAULT_TRAIN_SETTINGS.stage1Lr)
    .option('--stage2-lr <x>', 'SGD learning rate of stage II (cosine schedule)', positive('--stage2-lr'), DEFAULT_TRAIN_SETTINGS.stage2Lr)
    .addOption(new Option('--train-from <stage>', 'first extractor stage trained in stage II (earlier ones stay frozen)').choices(['layer1', 'layer2', 'layer3']).default(DEFAULT_TOCOAD.extractor.trainFrom))
    .option('--freeze-bn-affine', 'also freeze batch-norm gamma/beta (running statistics are always frozen)')
    .option('--textures <dir>', 'extra anomaly source images (e.g. DTD) mixed with the procedural textures')
    .option('--max-images <n>', 'train on the first n images of train/good only', int('--max-images', 1))
    .option('--checkpoint <file>', 'write a resumable checkpoint here after every epoch (and keep the end of stage I as <file>.stage1)')
    .option('--resume <file>', 'resume from a checkpoint (its options are used; from <checkpoint>.stage1, stage II flags may be changed)')
    .option('--id <id>', 'backbone id of the result (default: <base id>-tocoad-<data folder name>)')
    .option('--force', 'replace --out if it exists')
    .option('--no-compare', 'skip the before/after evaluation on DIR/test')
    .option('--coreset-ratio <r>', 'coreset ratio of the before/after evaluation', positive('--coreset-ratio'), DEFAULT_CORESET_RATIO)
    .addOption(new Option('--backend <name>', 'tfjs backend').choices(['wasm', 'cpu']).default('wasm'))
    .option('--quiet', 'no progress bars');
  cmd.action(async (args: FinetuneArgs) => {
    const out = resolve(args.out);
    if (existsSync(out) && !args.force) throw new Error(`${out} exists; pass --force to replace it`);
    await initNodeBackend(args.backend);
    const bars = progressBars(args.quiet);
    const dataset = listDataset(args.data);
    const files = args.maxImages ? dataset.train.slice(0, args.maxImages) : dataset.train;
    const baseDir = backboneFolder(args.backbone);
    const base = await readTrainableSource(folderSource(baseDir), baseDir);
    const textures = args.textures ? await Promise.all(listImages(args.textures).map((f) => decodeImageFile(f))) : [];
    const requested: Partial<ToCoADOptions> = {
      imageSize: args.imageSize,
      stage1BatchSize: args.stage1Batch ?? args.batch,
      batchSize: args.batch,
      microBatch: args.microBatch,
      stage1Epochs: args.stage1Epochs,
      stage2Epochs: args.stage2Epochs,
      stage1Lr: args.stage1Lr,
      stage2Lr: args.stage2Lr,
      lambda: args.lambda,
      seed: args.seed,
      generator: { kind: args.generator } as ToCoADOptions['generator'],
      extractor: { trainFrom: args.trainFrom, bnAffine: !args.freezeBnAffine },
    };
    const options = resolveOptions(requested);
    const resume = args.resume ? new Uint8Array(readFileSync(args.resume)) : undefined;
    // With --resume, stage II flags given explicitly on the command line override the checkpoint's values.
    const given = (name: string) => cmd.getOptionValueSource(name) === 'cli';
    const override: Partial<ToCoADOptions> = {};
    if (given('stage2Epochs')) override.stage2Epochs = options.stage2Epochs;
    if (given('stage2Lr')) override.stage2Lr = options.stage2Lr;
    if (given('batch')) override.batchSize = options.batchSize;
    if (given('lambda')) override.lambda = options.lambda;
    if (given('trainFrom') || given('freezeBnAffine')) override.extractor = options.extractor;
    // A resumed run trains with the checkpoint's options (plus any stage II overrides): report those.
    const effective = resume ? resolveOptions({ ...(decodeCheckpoint(resume, args.resume).meta.state.options as ToCoADOptions), ...override }) : options;
    emit('start', { data: resolve(args.data), backbone: base.spec.id, backboneFolder: baseDir, images: files.length, textures: textures.length, resume: args.resume ?? null, options: effective });
    const t0 = performance.now();
    const result = await trainToCoAD(
      base,
      { count: files.length, name: (i) => files[i], load: (i) => decodeImageFile(files[i]) },
      options,
      {
        onProgress: bars,
        onStep: (s) => emit('step', { ...s }),
        onEpoch: (e) => emit('epoch', { ...e }),
        onCheckpoint: args.checkpoint
          ? (bytes, at) => {
              writeAtomic(args.checkpoint!, bytes);
              emit('checkpoint', { file: args.checkpoint, ...at });
              // The end of stage I is kept too: stage II can be rerun from it with other settings.
              if (at.stage === 2 && at.epochsDone === 0) {
                writeAtomic(`${args.checkpoint}.stage1`, bytes);
                emit('checkpoint', { file: `${args.checkpoint}.stage1`, ...at });
              }
            }
          : undefined,
      },
      { textures, resume, override: resume ? override : undefined },
    );
    bars.stop();
    const dataName = basename(resolve(args.data));
    const id = args.id ?? `${base.spec.id}-tocoad-${dataName}`;
    const { manifest, files: outFiles } = packFineTuned(base, result.tensors, {
      id,
      label: `${base.spec.label} + ToCoAD (${dataName})`,
      fineTuned: fineTunedRecord(base, result, {
        from: { folder: baseDir },
        data: { folder: resolve(args.data), images: files.length, textures: textures.length },
        backend: args.backend,
        host: 'cli',
      }),
    });
    const tmp = `${out}.partial`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(dirname(out), { recursive: true });
    mkdirSync(tmp);
    for (const f of outFiles) writeFileSync(join(tmp, f.path), f.bytes);
    rmSync(out, { recursive: true, force: true });
    renameSync(tmp, out);
    const saved = await readTrainableSource(folderSource(out), out);
    emit('saved', { out, id: manifest.spec!.id, weightsHash: saved.weightsHash, baseWeightsHash: base.weightsHash, seconds: (performance.now() - t0) / 1000, trainSeconds: result.seconds });

    const labelled = dataset.test.some((t) => t.label === 0) && dataset.test.some((t) => t.label === 1);
    if (args.compare && labelled) {
      if (!args.quiet) process.stderr.write('evaluating the base and the fine-tuned backbone on DIR/test ...\n');
      const before = await runEval(args.data, baseDir, args);
      const after = await runEval(args.data, out, args);
      const pick = (e: EvalSummary) => ({ image_auroc: e.image_auroc, pixel_auroc: e.pixel_auroc, aupro: e.aupro, f1_max: e.f1_max });
      emit('compare', { data: resolve(args.data), before: { backbone: before.backbone, ...pick(before) }, after: { backbone: after.backbone, ...pick(after) } });
      const fmt = (v: number | null) => (v === null ? '   n/a' : v.toFixed(4));
      const rows = (['image_auroc', 'pixel_auroc', 'aupro', 'f1_max'] as const).map((k) => `  ${k.padEnd(12)} ${fmt(before[k])}   ${fmt(after[k])}`);
      process.stderr.write(['metric          before    after', ...rows].join('\n') + '\n');
    }
  });
}
