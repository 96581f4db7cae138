import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { basename } from 'node:path';
import type { Backbone } from '../../engine/backbones/backbone';
import type { TapName } from '../../engine/backbones/spec';
import { activationsToSafetensors, loadBackboneAllStages, tapActivations } from '../../engine/convert/embed';
import { prepareImage } from '../../engine/image/prepare';
import { backboneFolder } from '../../node/backbones';
import { decodeImageFile } from '../../node/decode';
import { folderSource } from '../../node/file-source';
import { addBackendOptions, setupBackend } from '../shared';
import type { BackendOptions } from '../shared';

/** `embed --model DIR --image FILE --out FILE.safetensors [--no-resize]`: raw tap activations of one image. */
export interface EmbedArgs extends BackendOptions {
  model: string;
  image: string;
  out: string;
  resize: boolean;
  taps?: string;
  quiet?: boolean;
}

const DEFAULT_TAPS: TapName[] = ['layer2', 'layer3', 'layer4'];
const ALL_TAPS: TapName[] = ['layer1', 'layer2', 'layer3', 'layer4'];

/** Parses `--taps layer2,layer3`; throws on unknown names. */
export function parseTaps(list: string): TapName[] {
  const names = list.split(',').map((s) => s.trim()).filter(Boolean);
  for (const n of names) if (!ALL_TAPS.includes(n as TapName)) throw new Error(`--taps: unknown tap "${n}" (choose from ${ALL_TAPS.join(', ')})`);
  return names as TapName[];
}

/** Loads the model folder (all stages it holds), runs one image, writes the safetensors file. Assumes a tfjs backend is set. */
export async function runEmbed(args: Omit<EmbedArgs, 'backend'>, log: (line: string) => void = () => {}, loaded?: Backbone): Promise<{ taps: TapName[]; shapes: Record<string, number[]> }> {
  const dir = backboneFolder(args.model);
  const backbone = loaded ?? (await loadBackboneAllStages(folderSource(dir), dir));
  try {
    const available = backbone.spec.taps.map((t) => t.name);
    const wanted = args.taps ? parseTaps(args.taps) : DEFAULT_TAPS.filter((t) => available.includes(t));
    const missing = wanted.filter((t) => !available.includes(t));
    if (missing.length) throw new Error(`${dir}: the model has no ${missing.join(', ')} (it holds ${available.join(', ')})`);
    const decoded = await decodeImageFile(args.image);
    const image = args.resize ? prepareImage(decoded, backbone.spec.resize, backbone.spec.inputSize) : decoded;
    const acts = tapActivations(backbone, image, wanted);
    const bytes = activationsToSafetensors(backbone, acts, {
      image: basename(args.image),
      input: `${image.width}x${image.height}`,
      geometry: args.resize ? `resize ${backbone.spec.resize} + centre crop ${backbone.spec.inputSize}` : 'as is (--no-resize)',
    });
    writeFileSync(args.out, bytes);
    const shapes = Object.fromEntries([...acts].map(([k, v]) => [k, v.shape]));
    log(`wrote ${args.out}: ${Object.entries(shapes).map(([k, s]) => `${k} [${s}]`).join(', ')} (float32, NCHW) from a ${image.width}x${image.height} input`);
    return { taps: wanted, shapes };
  } finally {
    if (!loaded) backbone.dispose();
  }
}

/** Registers `embed` on the CLI. */
export function register(program: Command): void {
  const cmd = program
    .command('embed')
    .description('Write the raw tap activations of one image as float32 safetensors (NCHW, [1, C, H, W], like PyTorch), named layer2, layer3 and layer4 where the model has it.')
    .requiredOption('--model <dir|id>', 'backbone folder (e.g. written by `convert`) or bundled backbone id')
    .requiredOption('--image <file>', 'input image (PNG, JPEG, ...)')
    .requiredOption('--out <file.safetensors>', 'output file')
    .option('--no-resize', 'feed the image at its own size, without resize or centre crop')
    .option('--taps <list>', 'comma-separated taps to write (default: layer2,layer3,layer4 where present)')
    .option('--quiet', 'print nothing but errors');
  addBackendOptions(cmd);
  cmd.action(async (args: EmbedArgs) => {
    await setupBackend(args);
    await runEmbed(args, args.quiet ? undefined : (line) => console.error(line));
  });
}
