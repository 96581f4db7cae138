import type { Command } from 'commander';
import { writeFileSync } from 'node:fs';
import { evaluate, localScoreItem } from '../../engine/evaluate';
import type { LabelledImage } from '../../engine/evaluate';
import { PatchCoreScorer, withScoringDefaults } from '../../engine/patchcore/scorer';
import { verdictRates } from '../../engine/profile/verdict';
import { decodeImageFile, decodeMaskFile } from '../../node/decode';
import { progressBars } from '../progress-bar';
import { EnginePool } from '../../node/engine-pool';
import { trainingFiles, fitFromFolder, openProfileForScoring, peakRssMb, releaseMemory, addBackendOptions, addFitOptions, addScoringOptions, parseScoringOptions, setupBackend, listDataset } from '../shared';
import type { BackendOptions, FitArgs, FittedBank, ScoringArgs } from '../shared';
import type { FitProfileResult } from '../../engine/profile/fit';

interface EvalArgs extends BackendOptions, FitArgs, ScoringArgs {
  data: string;
  profile?: string;
  json?: string;
  quiet?: boolean;
}

export function register(program: Command): void {
  const cmd = program
    .command('eval')
    .description('Score DIR/test (MVTec AD layout) and report image AUROC, pixel AUROC, AUPRO and F1-max. Fits on DIR/train/good unless --profile is given.')
    .requiredOption('--data <dir>', 'dataset folder in MVTec AD layout')
    .option('--profile <file>', 'a profile written by `fit` or exported by the app')
    .option('--json <file>', 'also write the results as JSON to this file')
    .option('--quiet', 'no progress bars');
  addFitOptions(cmd);
  addScoringOptions(cmd);
  addBackendOptions(cmd);
  cmd.action(async (args: EvalArgs) => {
    await setupBackend(args);
    const bars = progressBars(args.quiet);
    const dataset = listDataset(args.data);
    if (dataset.test.length === 0) throw new Error(`${args.data}: no test images (expected ${args.data}/test/<defect>/*)`);
    const scoring = parseScoringOptions(args);
    const fitted: FittedBank & { result?: FitProfileResult } = args.profile ? await openProfileForScoring(args.profile, args.backbone) : await fitFromFolder(args, trainingFiles(dataset.train, args), bars);
    releaseMemory();
    const options = withScoringDefaults({ ...fitted.scoring, ...scoring });
    const items: LabelledImage[] = dataset.test.map((t) => ({
      name: t.path,
      label: t.label,
      defect: t.defect,
      load: () => decodeImageFile(t.path),
      loadMask: t.maskPath ? () => decodeMaskFile(t.maskPath!) : undefined,
    }));
    const regionOptions = { threshold: fitted.threshold, minRegionArea: fitted.minRegionArea };
    let result;
    let scoringStarted = performance.now();
    let indexMs: number | null = null;
    if ((args.threads ?? 1) > 1) {
      const pool = await EnginePool.start({ backend: args.backend, backbone: fitted.backboneArg, seed: args.seed, size: args.threads });
      try {
        await pool.setBank(fitted.bank, fitted.dim, options);
        indexMs = pool.indexMs;
        scoringStarted = performance.now();
        result = await evaluate(fitted.backbone.spec, items, pool.scorer(dataset.test.map((t) => t.path)), { onProgress: bars, concurrency: pool.size, ...regionOptions });
      } finally {
        await pool.close();
      }
    } else {
      const scorer = new PatchCoreScorer(fitted.backbone, fitted.bank, fitted.dim, options);
      try {
        result = await evaluate(fitted.backbone.spec, items, localScoreItem(scorer), { onProgress: bars, ...regionOptions });
      } finally {
        scorer.dispose();
      }
    }
    const scoringMs = performance.now() - scoringStarted;
    bars.stop();
    const scored = result.images.length;
    const rates = verdictRates(result.images, fitted.threshold);
    const output = {
      dataset: args.data,
      backbone: fitted.backbone.spec.id,
      backend: args.backend,
      distance: options.metric,
      image_auroc: result.metrics.image_auroc,
      pixel_auroc: result.metrics.pixel_auroc,
      aupro: result.metrics.aupro,
      f1_max: result.metrics.f1_max,
      /** The profile's own threshold, and how its verdicts do on the labelled test images. */
      threshold: fitted.threshold,
      false_reject_rate: rates.falseRejectRate,
      miss_rate: rates.missRate,
      calibration_scores: fitted.calibrationScores,
      bank_size: fitted.bank.length / fitted.dim,
      coreset_ratio: fitted.coresetRatio,
      fit_seconds: fitted.fitSeconds,
      fit_stage_seconds: fitted.result?.seconds ?? null,
      /** Wall-clock scoring time per test image (decode, network, search, map; all threads together). */
      infer_ms_per_image: scoringMs / Math.max(1, scored),
      threads: args.threads ?? 1,
      /** Building the shared search index once, before scoring (not in infer_ms_per_image); null on one thread, where the scorer builds it inside the first image. */
      index_ms: indexMs,
      stage_ms_per_image: Object.fromEntries(Object.entries(result.timings).map(([k, v]) => [k, v / Math.max(1, scored)])),
      test_images: scored,
      skipped: [...fitted.skipped, ...result.skipped],
      peak_rss_mb: peakRssMb(),
      /** Per-image raw scores, so a profile's scores can be compared across hosts (CLI, browser). */
      images: result.images.map((r) => ({
        name: r.name,
        defect: r.defect,
        label: r.label,
        score: r.score,
        /** At the profile's threshold: how many defect regions, and the largest (area in input pixels and %, box, peak). */
        regions: r.regions?.length ?? null,
        largest_region: r.regions?.[0] ? { area: r.regions[0].area, area_percent: r.regions[0].areaPercent, box: r.regions[0].box, peak: r.regions[0].peak } : null,
      })),
    };
    for (const s of output.skipped) console.error(`skipped ${s.name}: ${s.reason}`);
    const fmt = (v: number | null) => (v === null ? 'n/a' : v.toFixed(4));
    const pct = (v: number | null) => (v === null ? 'n/a' : `${(100 * v).toFixed(1)} %`);
    console.error(
      `image AUROC ${fmt(output.image_auroc)}  pixel AUROC ${fmt(output.pixel_auroc)}  AUPRO ${fmt(output.aupro)}  F1-max ${fmt(output.f1_max)}  ` +
        `threshold ${output.threshold === null ? 'none' : output.threshold.toFixed(3)}  false rejects ${pct(output.false_reject_rate)}  misses ${pct(output.miss_rate)}  ` +
        `bank ${output.bank_size}  fit ${output.fit_seconds === null ? 'n/a' : output.fit_seconds.toFixed(1) + ' s'}  ${output.infer_ms_per_image.toFixed(0)} ms/image  peak RSS ${output.peak_rss_mb} MB`,
    );
    const json = JSON.stringify(output, null, 2);
    console.log(json);
    if (args.json) writeFileSync(args.json, json + '\n');
    fitted.backbone.dispose();
  });
}
