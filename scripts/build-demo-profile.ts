// Build step (run by `npm ci` through prepare-models, and by `npm run prepare-demo`): fits the demo's profile on
// the generated good flanges with the engine's one fit pipeline, in Node, and writes it as a static asset
// (public/demo/, float16), so the demo's first heatmap does not wait for a fit in the browser. Rebuilt when the
// recipe, the backbone weights or the app version change; written to a temporary name, then renamed.
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { demoDataset } from '../src/engine/demo/dataset';
import { DEMO_FIT, DEMO_PROFILE_NAME, DEMO_PROFILE_PATH } from '../src/engine/demo/recipe';
import { fitProfile } from '../src/engine/profile/fit';
import { serializeProfile } from '../src/engine/profile/profile';
import { DEFAULT_THRESHOLD_RULE } from '../src/engine/profile/threshold';
import { APP_VERSION } from '../src/engine/version';
import { loadBackboneArg, REPO_ROOT } from '../src/node/backbones';
import { initNodeBackend } from '../src/node/tf-backend';

const out = join(REPO_ROOT, 'public', DEMO_PROFILE_PATH);
const stampFile = `${out}.json`;

async function main(): Promise<void> {
  await initNodeBackend('wasm');
  const backbone = await loadBackboneArg();
  const stamp = JSON.stringify({ recipe: DEMO_FIT, rule: DEFAULT_THRESHOLD_RULE, weightsHash: backbone.weightsHash, appVersion: APP_VERSION });
  if (existsSync(out) && existsSync(stampFile) && readFileSync(stampFile, 'utf8') === stamp) {
    console.log(`build-demo-profile: ${out} is up to date`);
    return;
  }
  const t0 = performance.now();
  const { train } = demoDataset({ trainCount: DEMO_FIT.trainCount, testGood: 0, testPerDefect: 0, size: DEMO_FIT.size, seed: DEMO_FIT.seed });
  const { profile } = await fitProfile(
    backbone,
    train.map((d) => ({ name: d.name, load: async () => d.render().image })),
    { name: DEMO_PROFILE_NAME, coresetRatio: DEMO_FIT.coresetRatio, seed: DEMO_FIT.seed, dtype: DEMO_FIT.dtype, appVersion: APP_VERSION },
  );
  mkdirSync(dirname(out), { recursive: true });
  const tmp = `${out}.partial`;
  writeFileSync(tmp, serializeProfile(profile));
  renameSync(tmp, out);
  writeFileSync(stampFile, stamp);
  backbone.dispose();
  const mb = (profile.meta.bank.size * profile.meta.bank.dim * 2) / 1e6;
  console.log(`build-demo-profile: wrote ${out} (bank ${profile.meta.bank.size} rows, ${mb.toFixed(1)} MB, threshold ${profile.meta.threshold.value?.toFixed(2)}) in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
}

main().catch((e) => {
  console.error(`build-demo-profile: ${(e as Error).message}`);
  process.exit(1);
});
