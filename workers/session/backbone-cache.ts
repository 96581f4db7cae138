/**
 * Converted and fine-tuned backbones loaded from storage (IndexedDB in the browser), by id, most recently used
 * last; at most MAX_STORED_BACKBONES are kept on the backend. A backbone that leaves the cache takes the scorers
 * made on it along (`onEvict`). A profile's weights hash is checked against the stored backbone's, so a profile is
 * never scored on other weights than it was built on.
 */
import type { Backbone } from '../../src/engine/backbones/backbone';
import { loadBackbone } from '../../src/engine/backbones/backbone';
import type { FileSource } from '../../src/engine/backbones/weights-file';
import type { Progress } from '../../src/engine/progress';
import { stageReporter } from '../../src/engine/progress';

export const MAX_STORED_BACKBONES = 2;

export class BackboneCache {
  private readonly backbones = new Map<string, Backbone>();

  constructor(
    private readonly source: (id: string) => Promise<FileSource>,
    private readonly onEvict: (id: string) => void,
  ) {}

  has(id: string): boolean {
    return this.backbones.has(id);
  }

  /** The loaded backbone, without counting as a use. */
  peek(id: string): Backbone | undefined {
    return this.backbones.get(id);
  }

  /** The stored backbone `id`, loaded when it is not; refused when its weights are not `weightsHash`. */
  async get(id: string, weightsHash?: string, onProgress?: (p: Progress) => void): Promise<Backbone> {
    let b = this.backbones.get(id);
    if (!b) {
      const source = await this.source(id);
      const report = stageReporter('backbone', 1, onProgress);
      b = await loadBackbone(source, `backbone "${id}"`, (f) => report(f));
      this.backbones.set(id, b);
      while (this.backbones.size > MAX_STORED_BACKBONES) {
        const [oldest, old] = this.backbones.entries().next().value as [string, Backbone];
        this.onEvict(oldest);
        old.dispose();
        this.backbones.delete(oldest);
      }
    } else {
      this.backbones.delete(id);
      this.backbones.set(id, b);
    }
    if (weightsHash && b.weightsHash !== weightsHash) {
      throw new Error(`the stored backbone "${id}" has other weights than the ones this profile was built on (weights hash ${b.weightsHash.slice(0, 12)}, the profile needs ${weightsHash.slice(0, 12)}); convert the original checkpoint again or rebuild the profile`);
    }
    return b;
  }

  /** Drops every backbone (before a backend switch; tensors of a lost device may fail to dispose). */
  disposeAll(): void {
    for (const b of this.backbones.values()) {
      try {
        b.dispose();
      } catch {
        // tensors of a lost device
      }
    }
    this.backbones.clear();
  }
}
