import type { Command } from 'commander';
import { renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { BackboneExport } from '../../engine/backbones/torchvision-names';
import { exportTorchvisionSafetensors } from '../../engine/backbones/torchvision-names';
import { readTrainableSource } from '../../engine/backbones/trainable';
import { backboneFolder, DEFAULT_BACKBONE } from '../../node/backbones';
import { folderSource } from '../../node/file-source';

/**
 * `export-backbone [--backbone ID|DIR] --out FILE.safetensors`: any backbone folder (the bundled Keras ResNet50, one
 * written by `convert` or `finetune`) as one torchvision-named safetensors file, as the app's Export button writes it.
 */
export interface ExportBackboneArgs {
  backbone?: string;
  out: string;
  quiet?: boolean;
}

export async function runExportBackbone(args: ExportBackboneArgs, log: (line: string) => void = () => {}): Promise<BackboneExport & { out: string }> {
  const dir = backboneFolder(args.backbone ?? DEFAULT_BACKBONE);
  const src = await readTrainableSource(folderSource(dir), dir);
  const result = await exportTorchvisionSafetensors(src, { sourceFile: basename(dir) });
  const out = resolve(args.out);
  const tmp = join(dirname(out), `.${basename(out)}.tmp-${process.pid}`);
  writeFileSync(tmp, result.bytes);
  renameSync(tmp, out);
  log(
    `wrote ${out}: ${result.tensorCount} float32 tensors in torchvision names (layer1..layer${result.stageCount}), ${(result.bytes.byteLength / 1e6).toFixed(1)} MB` +
      (src.manifest.weightNaming === 'keras' ? '; mapped from Keras names (conv biases and batch-norm eps folded)' : ''),
  );
  if (result.strideOn === 'conv1') log('stride_on conv1 (Keras ResNet50 v1): stock torchvision resnet50 needs the stride moved after loading, see __metadata__.torchvision_note');
  return { ...result, out };
}

/** Registers `export-backbone` on the CLI. */
export function register(program: Command): void {
  program
    .command('export-backbone')
    .description(
      'Write a backbone (bundled id or folder from `convert` / `finetune`) as one .safetensors in torchvision naming (float32), with the spec and ' +
        '`stride_on` in __metadata__; `convert --in` reads it back to the same features. A Keras ResNet50 v1 keeps its stride on conv1: in stock ' +
        'torchvision, set layer[0].conv1.stride = (2, 2) and layer[0].conv2.stride = (1, 1) for layer2..layer4 after loading.',
    )
    .option('--backbone <id|dir>', 'bundled backbone id or a backbone folder', DEFAULT_BACKBONE)
    .requiredOption('--out <file.safetensors>', 'file to write')
    .option('--quiet', 'print nothing but errors and the JSON summary')
    .action(async (args: ExportBackboneArgs) => {
      const r = await runExportBackbone(args, args.quiet ? undefined : (line) => console.error(line));
      console.log(
        JSON.stringify({ out: r.out, bytes: r.bytes.byteLength, tensors: r.tensorCount, stages: r.stageCount, stride_on: r.strideOn, weights_hash: r.weightsHash }),
      );
    });
}
