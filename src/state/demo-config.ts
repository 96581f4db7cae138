/**
 * The shareable demo: `/#/demo` (or `/?demo=1`) builds a profile from generated flanges and inspects
 * a few test parts with no interaction. The profile is saved under a reserved id, so a second visit
 * reuses it at once (a saved demo profile built with other counts is rebuilt).
 *
 * Counts were measured on the 2-core development machine, WASM (see README): 30 generated parts (24 learnt, 6 for the threshold) keep the
 * first heatmap well under a minute on a first visit.
 */
import { DEFAULT_CORESET_RATIO } from '../engine/patchcore/defaults';
export const DEMO_PROFILE_ID = 'demo-flanges';
export const DEMO_PROFILE_NAME = 'Demo: machined flanges';
/** Every 5th part is held out to set the threshold (the max of their scores): 6 of 30, steadier than 2-3. */
export const DEMO_SETTINGS = { trainCount: 30, holdout: 0.2, coresetRatio: DEFAULT_CORESET_RATIO, size: 256, seed: 0 };
/** Test parts shown: good ones, then this many of each defect type. */
export const DEMO_TEST = { testGood: 2, perDefect: 1 };
