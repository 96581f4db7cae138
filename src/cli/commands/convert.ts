import type { Command } from 'commander';
import { Option } from 'commander';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { ConversionResult } from '../../engine/convert/convert';
import { convertCheckpoint } from '../../engine/convert/convert';
import { listNames } from '../../engine/convert/errors';
import { BACKBONE_FORMAT } from '../../engine/backbones/weights-file';

/** `convert --in FILE --out DIR`: a PyTorch / safetensors (Wide)ResNet50 checkpoint -> backbone folder. */
export interface ConvertArgs {
  in: string;
  out: string;
  fp16?: boolean;
  stages?: string;
  id?: string;
  label?: string;
  quiet?: boolean;
}

export interface ConvertSummary {
  result: ConversionResult;
  outDir: string;
  readSeconds: number;
  totalSeconds: number;
}

/** Refuses to replace anything but an empty folder or a previous backbone folder. */
function checkReplaceable(dir: string): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) throw new Error(`--out ${dir} exists and is not a folder`);
  if (readdirSync(dir).length === 0) return;
  const manifest = join(dir, 'model.json');
  let format: unknown;
  try {
    format = JSON.parse(readFileSync(manifest, 'utf8')).format;
  } catch {
    format = undefined;
  }
  if (format !== BACKBONE_FORMAT) throw new Error(`--out ${dir} is not empty and holds no backbone (model.json); refusing to overwrite it`);
}

/** Converts `args.in` and writes the folder `args.out` (atomically: a temporary folder, then a rename). */
export function runConvert(args: ConvertArgs, log: (line: string) => void = () => {}): ConvertSummary {
  const t0 = performance.now();
  const outDir = resolve(args.out);
  checkReplaceable(outDir);
  const size = statSync(args.in).size;
  const bytes = new Uint8Array(readFileSync(args.in));
  const readSeconds = (performance.now() - t0) / 1000;
  log(`read ${args.in} (${(size / 1e6).toFixed(1)} MB) in ${readSeconds.toFixed(1)} s`);
  const stages = args.stages === undefined ? undefined : Number(args.stages.replace(/^layer/, ''));
  const result = convertCheckpoint(bytes, basename(args.in), { fp16: args.fp16, stages, id: args.id, label: args.label });
  const r = result.report;
  log(`format ${r.format}${r.path.length ? `, state dict under "${r.path.join('.')}"` : ''}${r.strippedPrefixes.length ? `, stripped ${r.strippedPrefixes.map((p) => `"${p}"`).join(' ')}` : ''}`);
  log(`network: ${r.description}`);
  if (r.ignored.length) log(`ignored ${r.ignored.length} keys the feature extractor does not use (${listNames(r.ignored, 4)})`);
  if (r.nonTensorKeys.length) log(`ignored non-tensor entries: ${listNames(r.nonTensorKeys)}`);
  if (r.unexpected.length) log(`warning: ${r.unexpected.length} unexpected keys, not used: ${listNames(r.unexpected, 20)}`);
  const tmp = join(dirname(outDir), `.${basename(outDir)}.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp, { recursive: true });
  try {
    for (const f of result.files) writeFileSync(join(tmp, f.path), f.bytes);
    rmSync(outDir, { recursive: true, force: true });
    renameSync(tmp, outDir);
  } catch (e) {
    rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  const totalSeconds = (performance.now() - t0) / 1000;
  const spec = result.manifest.spec!;
  log(
    `wrote ${outDir}: model.json + ${result.files.length - 1} shards, ${(result.weightBytes / 1e6).toFixed(1)} MB of ${args.fp16 ? 'float16' : 'float32'} weights; ` +
      `spec "${spec.id}", taps ${spec.taps.map((t) => `${t.name} (${t.channels} ch)`).join(', ')}; ${totalSeconds.toFixed(1)} s`,
  );
  return { result, outDir, readSeconds, totalSeconds };
}

/** Registers `convert` on the CLI. */
export function register(program: Command): void {
  program
    .command('convert')
    .description(
      'Convert a torchvision ResNet50 / WideResNet50-2 checkpoint (.pth zip or legacy format, .safetensors; state dicts nested under ' +
        '"state_dict" or "model" and "module." / "backbone." prefixes accepted) into a backbone folder for `--backbone` and the app. Weights are float32 unless --fp16.',
    )
    .requiredOption('--in <file>', 'checkpoint: .pth / .pt / .ckpt (torch.save) or .safetensors')
    .requiredOption('--out <dir>', 'folder to write (model.json + shards); replaced if it already holds a backbone')
    .option('--fp16', 'store float16 weights (half the size; layer outputs then differ by ~2e-3 of their range); default float32, exact')
    .addOption(new Option('--stages <layer>', 'keep stages up to this one; layer3 drops layer4, which the default taps (layer2 + layer3) never use').choices(['layer3', 'layer4']))
    .option('--id <id>', 'backbone id recorded in profiles (default: architecture + file name)')
    .option('--label <text>', 'label shown in the app')
    .option('--quiet', 'print nothing but errors')
    .action((args: ConvertArgs) => {
      runConvert(args, args.quiet ? undefined : (line) => console.error(line));
    });
}
