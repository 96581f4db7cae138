/**
 * The profiles loaded in the engine, by the UI's key (its storage revision of the profile): meta, memory bank and
 * a scorer made on first use. At most MAX_LOADED_PROFILES are kept (the least recently loaded is dropped; the UI
 * sends it again when needed). Scorers hold tensors of the current backend: they are dropped when the backend
 * changes or their backbone leaves the cache, and made again lazily.
 */
import type { Backbone } from '../../src/engine/backbones/backbone';
import { PatchCoreScorer } from '../../src/engine/patchcore/scorer';
import type { ProfileMeta } from '../../src/engine/profile/profile';

export interface LoadedProfile {
  meta: ProfileMeta;
  bank: Float32Array;
  scorer: PatchCoreScorer | null;
}

/** Profiles kept ready to score; older ones are dropped (the UI sends them again when needed). */
export const MAX_LOADED_PROFILES = 4;

export class ProfileCache {
  private readonly profiles = new Map<string, LoadedProfile>();

  get(key: string): LoadedProfile | undefined {
    return this.profiles.get(key);
  }

  get size(): number {
    return this.profiles.size;
  }

  remember(key: string, meta: ProfileMeta, bank: Float32Array): void {
    const old = this.profiles.get(key);
    if (old?.scorer) old.scorer.dispose();
    this.profiles.delete(key);
    this.profiles.set(key, { meta, bank, scorer: null });
    while (this.profiles.size > MAX_LOADED_PROFILES) {
      const [oldest, p] = this.profiles.entries().next().value as [string, LoadedProfile];
      p.scorer?.dispose();
      this.profiles.delete(oldest);
    }
  }

  /** The profile's scorer, made on `backbone()` when it has none. */
  scorer(p: LoadedProfile, backbone: () => Backbone): PatchCoreScorer {
    if (!p.scorer) {
      const s = p.meta.scoring;
      p.scorer = new PatchCoreScorer(backbone(), p.bank, p.meta.bank.dim, { k: s.k, metric: s.metric, reweight: s.reweight, sigma: s.sigma });
    }
    return p.scorer;
  }

  /** Drops the scorers of profiles built on a backbone that leaves the cache. */
  dropScorersOn(backboneId: string): void {
    for (const p of this.profiles.values()) {
      if (p.meta.backbone.id === backboneId && p.scorer) {
        p.scorer.dispose();
        p.scorer = null;
      }
    }
  }

  /** Drops every scorer (before a backend switch; tensors of a lost device may fail to dispose). */
  disposeScorers(): void {
    for (const p of this.profiles.values()) {
      try {
        p.scorer?.dispose();
      } catch {
        // tensors of a lost device
      }
      p.scorer = null;
    }
  }
}
