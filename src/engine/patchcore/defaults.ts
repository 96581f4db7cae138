/**
 * PatchCore's settings and their defaults, defined once for every host and view. This module holds no code that
 * computes, so the page can read the defaults without loading tfjs.
 */
import type { DistanceMetric } from './nearest';

/** Fraction of the patches kept in the memory bank, as the reference's default. */
export const DEFAULT_CORESET_RATIO = 0.1;
/** Dimension of the random projection the coreset selects on. */
export const PROJECTION_DIM = 128;
/** Random points whose mean distance starts the greedy selection, as the reference's approximate sampler. */
export const CORESET_START_POINTS = 10;

export interface ScoringOptions {
  /** Nearest neighbours averaged per patch (default 1). */
  k?: number;
  metric?: DistanceMetric;
  /** Paper Eq. 9: weight the image score by how isolated its nearest bank entry is (off by default). */
  reweight?: boolean;
  /** Neighbourhood size b of Eq. 9. */
  reweightNeighbours?: number;
  /** Sigma of the Gaussian blur of the anomaly map, in pixels of the input. */
  sigma?: number;
}

/** The scoring defaults: k 1, squared distances (as the reference's FAISS), no reweighting, sigma 4. */
export const DEFAULT_SCORING: Readonly<Required<ScoringOptions>> = { k: 1, metric: 'squared', reweight: false, reweightNeighbours: 9, sigma: 4 };
