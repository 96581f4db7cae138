/**
 * The bundled backbone's files (ResNet50, ImageNet weights) as the session reads them: over fetch in the worker,
 * from public/models in a Node test. Shards are kept once read, so a backend switch reloads the model without the
 * network; the training-only layer4 shards (`extra-weights-*`, 60 MB) are read again each training run and never
 * kept, since inference does not need them.
 */
import type { FileSource } from '../../src/engine/backbones/weights-file';

/** A folder over fetch: `base` + path, refused with the HTTP status when the server does not answer 2xx. */
export function fetchSource(base: string): FileSource {
  const get = async (path: string) => {
    const r = await fetch(base + path);
    if (!r.ok) throw new Error(`${base}${path}: HTTP ${r.status}`);
    return r;
  };
  return {
    readText: async (path) => (await get(path)).text(),
    readBytes: async (path) => new Uint8Array(await (await get(path)).arrayBuffer()),
  };
}

export class ModelFiles {
  private readonly bytes = new Map<string, Uint8Array>();
  /** For inference: every shard read once and kept. */
  readonly inference: FileSource;
  /** For training: as `inference`, but the `extra-weights-*` shards are read each time and not kept. */
  readonly training: FileSource;

  /** `where` names the folder in messages (the worker's URL, a test's path). */
  constructor(
    readonly where: string,
    files: FileSource,
  ) {
    this.inference = {
      readText: (path) => files.readText(path),
      readBytes: async (path) => {
        let b = this.bytes.get(path);
        if (!b) {
          b = await files.readBytes(path);
          this.bytes.set(path, b);
        }
        return b;
      },
    };
    this.training = {
      readText: (path) => this.inference.readText(path),
      readBytes: (path) => (path.startsWith('extra-weights') ? files.readBytes(path) : this.inference.readBytes(path)),
    };
  }
}
