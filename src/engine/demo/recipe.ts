/**
 * The demo's recipe, one definition for the build step that fits the shipped demo profile
 * (scripts/build-demo-profile.ts) and the app's demo view, which shows the same generated test parts.
 */
import { DEFAULT_CORESET_RATIO } from '../patchcore/defaults';

export const DEMO_PROFILE_ID = 'demo-flanges';
export const DEMO_PROFILE_NAME = 'Demo: machined flanges';
/** Where the build writes the demo profile, under the app's base URL (public/ in the source tree). */
export const DEMO_PROFILE_PATH = 'demo/demo-flanges.profile.safetensors';
/** Good generated parts the profile is fitted on (all of them feed the bank and the calibration). */
export const DEMO_FIT = { trainCount: 30, coresetRatio: DEFAULT_CORESET_RATIO, size: 256, seed: 0, dtype: 'float16' as const };
/** Test parts shown: good ones, then this many of each defect type. */
export const DEMO_TEST = { testGood: 2, perDefect: 1 };
