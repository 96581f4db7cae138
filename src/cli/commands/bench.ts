import type { Command } from 'commander';
import { Option } from 'commander';
import { writeFileSync } from 'node:fs';
import { runBenchmark } from '../../engine/bench';
import { decodeImageFile } from '../../node/decode';
import { loadBackboneArg } from '../../node/backbones';
import { progressBars } from '../progress-bar';
import { addBackendOptions, peakRssMb, setupBackend, listDataset } from '../shared';
import type { BackendOptions } from '../shared';
import { DEFAULT_CORESET_RATIO } from '../../engine/patchcore/defaults';

interface BenchArgs extends BackendOptions {
  data: string;
  backbone?: string;
  images: number;
  coresetRatio: number;
  json?: string;
  quiet?: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command('bench')
    .description('Per-stage timings (decode, preprocess, backbone, embedding, coreset, search, map) and peak memory, as JSON.')
    .requiredOption('--data <dir>', 'dataset folder in MVTec AD layout (uses train/good)')
    .option('--backbone <id|dir>', 'bundled backbone id or a converted model folder', 'resnet50-imagenet')
    .option('--images <n>', 'number of train/good images to use (0 = all)', (v) => {
      const n = Number(v);
      if (!Number.isInteger(n) || n < 0) throw new Error(`--images must be an integer >= 0, got "${v}"`);
      return n;
    }, 0)
    .addOption(new Option('--coreset-ratio <r>', 'coreset ratio').default(DEFAULT_CORESET_RATIO).argParser(Number))
    .option('--json <file>', 'also write the JSON to this file')
    .option('--quiet', 'no progress bars');
  addBackendOptions(cmd);
  cmd.action(async (args: BenchArgs) => {
    await setupBackend(args);
    const bars = progressBars(args.quiet);
    const files = listDataset(args.data).train;
    const used = args.images > 0 ? files.slice(0, args.images) : files;
    const t0 = performance.now();
    const backbone = await loadBackboneArg(args.backbone);
    const loadMs = performance.now() - t0;
    const result = await runBenchmark(backbone, { count: used.length, name: (i) => used[i], load: (i) => decodeImageFile(used[i]) }, { coresetRatio: args.coresetRatio, onProgress: bars });
    bars.stop();
    const json = JSON.stringify({ dataset: args.data, backbone: backbone.spec.id, model_load_ms: loadMs, ...result, peak_rss_mb: peakRssMb() }, null, 2);
    console.log(json);
    if (args.json) writeFileSync(args.json, json + '\n');
    backbone.dispose();
  });
}
