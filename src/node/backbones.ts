import { existsSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Backbone } from '../engine/backbones/backbone';
import { loadBackbone } from '../engine/backbones/backbone';
import { RESNET50_IMAGENET } from '../engine/backbones/spec';
import { BACKBONE_ID_PATTERN } from '../engine/profile/validate';
import { folderSource } from './file-source';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const BUNDLED_MODELS_DIR = join(REPO_ROOT, 'public', 'models');
export const DEFAULT_BACKBONE = RESNET50_IMAGENET.id;

/** Resolves `--backbone`: the id of a bundled backbone, or a folder holding a converted model. */
export function backboneFolder(arg: string = DEFAULT_BACKBONE): string {
  if (existsSync(arg) && statSync(arg).isDirectory()) return resolve(arg);
  const bundled = join(BUNDLED_MODELS_DIR, arg);
  if (existsSync(join(bundled, 'model.json'))) return bundled;
  if (arg === DEFAULT_BACKBONE) throw new Error(`the bundled backbone is missing at ${bundled}; run \`npm run prepare-models\` (or \`npm ci\`)`);
  throw new Error(`--backbone ${arg}: neither a bundled backbone id nor a folder with a model.json`);
}

/**
 * The folder of the backbone a profile names: its id is looked up under the bundled models folder only, never used
 * as a path (a profile file comes from anywhere). A converted backbone elsewhere is passed with `--backbone DIR`.
 */
export function backboneFolderForProfile(id: string, profileFile: string): string {
  if (!BACKBONE_ID_PATTERN.test(id)) throw new Error(`${profileFile}: backbone id ${JSON.stringify(id)} is not a backbone id`);
  const dir = join(BUNDLED_MODELS_DIR, id);
  if (!existsSync(join(dir, 'model.json'))) throw new Error(`${profileFile}: the profile was built on backbone "${id}", which is not in ${BUNDLED_MODELS_DIR}; pass its folder with --backbone DIR`);
  return dir;
}

export async function loadBackboneArg(arg?: string): Promise<Backbone> {
  const dir = backboneFolder(arg);
  if (!existsSync(join(dir, 'model.json'))) throw new Error(`${dir}: no model.json in this folder`);
  return loadBackbone(folderSource(dir), dir);
}
