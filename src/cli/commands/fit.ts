import type { Command } from 'commander';
import { writeFileSync, renameSync } from 'node:fs';
import { basename, resolve } from 'node:path';
import { serializeProfile } from '../../engine/profile/profile';
import { progressBars } from '../progress-bar';
import { addBackendOptions, addFitOptions, fitFromFolder, peakRssMb, setupBackend, trainingFiles, listDataset } from '../shared';
import type { BackendOptions, FitArgs } from '../shared';

interface FitCliArgs extends BackendOptions, FitArgs {
  data: string;
  out: string;
  name?: string;
  holdout: number;
  percentile?: number;
  fp16?: boolean;
  minRegionArea?: number;
  quiet?: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command('fit')
    .description('Build a memory bank from DIR/train/good (MVTec AD layout) and write a profile file (safetensors).')
    .requiredOption('--data <dir>', 'dataset folder in MVTec AD layout')
    .requiredOption('--out <file>', 'profile file to write (e.g. bottle.profile.safetensors)')
    .option('--name <name>', 'profile name (default: the data folder name)')
    .option('--holdout <fraction>', 'fraction of train/good kept out of the bank and scored for calibration, beside every training image scored out of sample (default 0: all images feed the bank)', (v) => {
      const n = Number(v);
      if (!(n >= 0 && n < 1)) throw new Error(`--holdout must be in [0, 1), got "${v}"`);
      return n;
    }, 0)
    .option('--percentile <p>', 'threshold at this percentile of the out-of-sample normal scores instead of the default rule', (v) => {
      const n = Number(v);
      if (!(n > 0 && n <= 100)) throw new Error(`--percentile must be in (0, 100], got "${v}"`);
      return n;
    })
    .option('--fp16', 'store the bank as float16 (half the size)')
    .option('--min-region-area <px>', 'ignore defect regions smaller than this many pixels of the 224 px model input (stored in the profile)', (v) => {
      const n = Number(v);
      if (!(n >= 0 && n <= 224 * 224)) throw new Error(`--min-region-area must be a number of pixels in [0, ${224 * 224}], got "${v}"`);
      return n;
    })
    .option('--quiet', 'no progress bars');
  addFitOptions(cmd);
  addBackendOptions(cmd);
  cmd.action(async (args: FitCliArgs) => {
    await setupBackend(args);
    const bars = progressBars(args.quiet);
    const dataset = listDataset(args.data);
    const fitted = await fitFromFolder(args, trainingFiles(dataset.train, args), bars, {
      name: args.name ?? basename(resolve(args.data)),
      holdout: args.holdout,
      calibration: args.percentile ? { method: 'percentile', percentile: args.percentile } : undefined,
      dtype: args.fp16 ? 'float16' : 'float32',
      minRegionArea: args.minRegionArea,
    });
    bars.stop();
    const { profile, skipped, imageCount, calibrationCount, seconds } = fitted.result;
    // Write beside the target, then rename: an interrupted run never leaves a half-written profile.
    const tmp = `${args.out}.partial`;
    writeFileSync(tmp, serializeProfile(profile));
    renameSync(tmp, args.out);
    for (const s of skipped) console.error(`skipped ${s.name}: ${s.reason}`);
    console.log(
      JSON.stringify(
        {
          profile: args.out,
          name: profile.meta.name,
          backbone: profile.meta.backbone.id,
          bank_size: profile.meta.bank.size,
          images: imageCount,
          /** Images whose out-of-sample scores calibrate the threshold (kept under its old name too). */
          calibration_images: calibrationCount,
          holdout_images: calibrationCount,
          calibration: profile.meta.calibration.method,
          threshold: profile.meta.threshold,
          fit_seconds: fitted.fitSeconds,
          stage_seconds: seconds,
          skipped,
          peak_rss_mb: peakRssMb(),
        },
        null,
        2,
      ),
    );
    fitted.backbone.dispose();
  });
}
