import type { Command } from 'commander';
import { existsSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { IMAGE_EXTENSIONS } from '../../engine/data/mvtec-layout';
import { readProfile, serializeProfile } from '../../engine/profile/profile';
import { teachProfile } from '../../engine/profile/teach';
import { backboneFolderForProfile, loadBackboneArg } from '../../node/backbones';
import { decodeImageFile } from '../../node/decode';
import { progressBars } from '../progress-bar';
import { addBackendOptions, peakRssMb, setupBackend } from '../shared';
import type { BackendOptions } from '../shared';

/**
 * `update --profile P --add DIR [--out P2]`: teaches a profile the images of DIR as good parts (their patches join
 * the bank by the coreset rule; the calibration and the threshold follow), without refitting. The result is written
 * atomically (to a temporary name, then renamed); an image that cannot be decoded stops the update, naming the
 * file, and leaves the profile as it was.
 */
interface UpdateArgs extends BackendOptions {
  profile: string;
  add: string;
  out?: string;
  backbone?: string;
  quiet?: boolean;
}

/** The images directly in `dir` (or `dir` itself when it is a file), sorted by name. */
function imagesIn(dir: string): string[] {
  if (!existsSync(dir)) throw new Error(`${dir}: not found`);
  if (statSync(dir).isFile()) return [dir];
  const files = readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isFile() && IMAGE_EXTENSIONS.includes(extname(e.name).toLowerCase()))
    .map((e) => join(dir, e.name))
    .sort();
  if (files.length === 0) throw new Error(`${dir}: no images (${IMAGE_EXTENSIONS.join(', ')})`);
  return files;
}

export function register(program: Command): void {
  const cmd = program
    .command('update')
    .description('Teach a profile good images without refitting: their patches join the bank by the coreset rule, and the calibration and threshold are set again.')
    .requiredOption('--profile <file>', 'the profile to teach')
    .requiredOption('--add <dir>', 'a folder of good images (or one image file)')
    .option('--out <file>', 'write the taught profile here (default: replace --profile, atomically)')
    .option('--backbone <id|dir>', 'the backbone folder, when the profile was built on a converted one (default: the id the profile names)')
    .option('--quiet', 'no progress bars');
  addBackendOptions(cmd);
  cmd.action(async (args: UpdateArgs) => {
    await setupBackend(args);
    const profile = readProfile(new Uint8Array(readFileSync(args.profile)), basename(args.profile));
    const files = imagesIn(args.add);
    const backbone = await loadBackboneArg(args.backbone ?? backboneFolderForProfile(profile.meta.backbone.id, args.profile));
    try {
      if (backbone.weightsHash !== profile.meta.backbone.weightsHash) {
        throw new Error(`${args.profile}: the profile was built with backbone weights ${profile.meta.backbone.weightsHash.slice(0, 12)}…, but ${backbone.spec.id} has ${backbone.weightsHash.slice(0, 12)}…; pass the matching --backbone`);
      }
      const bars = progressBars(args.quiet);
      const t0 = performance.now();
      const result = await teachProfile(
        backbone,
        profile,
        files.map((file) => ({ name: file, load: () => decodeImageFile(file) })),
        { onProgress: bars },
      );
      const seconds = (performance.now() - t0) / 1000;
      bars.stop();
      const out = resolve(args.out ?? args.profile);
      const tmp = join(dirname(out), `.${basename(out)}.tmp-${process.pid}`);
      writeFileSync(tmp, serializeProfile(result.profile));
      renameSync(tmp, out);
      console.log(
        JSON.stringify(
          {
            profile: out,
            taught: result.taught.map((t) => ({ name: t.name, score_before: t.scoreBefore, rows_added: t.rowsAdded })),
            threshold_before: result.thresholdBefore,
            threshold_after: result.thresholdAfter,
            bank_size_before: profile.meta.bank.size,
            bank_size_after: result.profile.meta.bank.size,
            seconds,
            seconds_per_image: seconds / files.length,
            peak_rss_mb: peakRssMb(),
          },
          null,
          2,
        ),
      );
    } finally {
      backbone.dispose();
    }
  });
}
