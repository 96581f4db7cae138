/**
 * The Train view's state (zustand, its own store): the form, the run in progress (progress, losses, samples,
 * the last stored checkpoint), the stored run found after a reload, and the result. The images themselves are
 * kept in train-actions.ts (and, for resuming, in IndexedDB).
 */
import { create } from 'zustand';
import type { Progress } from '../engine/progress';
import type { EpochReport, StepReport, ToCoADOptions } from '../engine/tocoad/trainer';
import type { TrainRunRecord } from '../storage/training-store';
import type { BackendName, TrainSample } from '../worker-bridge/protocol';
import { DEFAULT_TRAIN_SETTINGS } from '../engine/tocoad/settings';
import type { TrainSettings } from '../engine/tocoad/settings';
import type { CalibrationTimes, TrainEstimate } from '../engine/tocoad/estimate';
import type { ProofState } from './train-proof-verdict';

export type { TrainSample };

/**
 * Browser defaults: a short schedule (10 + 5 epochs instead of the paper's 100 + 100) at the paper's image size and
 * batch, in micro-batches of 2 so WASM memory holds little; learning rates 1e-3 / 1e-2, the ones that moved pixel
 * AUROC in the README's short glass runs (the trainer's 1e-4 / 1e-3 are for the paper's long schedule).
 */

export interface SampleSet {
  stage: 1 | 2;
  epoch: number;
  samples: TrainSample[];
}

/** The measured calibration behind the expected duration shown before Start (src/state/train-estimate.ts). */
export interface EstimateState {
  status: 'idle' | 'waiting' | 'measuring' | 'ready' | 'error';
  progress: Progress | null;
  calibration: CalibrationTimes | null;
  /** What the calibration was asked for (see estimateKey). */
  key: string | null;
  /** Where and at what it was measured, and how long measuring took. */
  at: { backend: BackendName; imageSize: number; microBatch: number; seconds: number } | null;
  error: string | null;
}

export const IDLE_ESTIMATE: EstimateState = { status: 'idle', progress: null, calibration: null, key: null, at: null, error: null };

interface TrainState {
  settings: TrainSettings;
  backboneId: string;
  /** The chosen images (the files are in train-actions.ts). */
  images: { count: number; bytes: number; dataset: string; note: string | null };
  /** The chosen anomaly source images (optional). */
  textures: { count: number; bytes: number };
  /** The run stored in IndexedDB (null: none); read when the view opens. */
  record: TrainRunRecord | null;
  recordLoaded: boolean;
  running: boolean;
  /** A pause was asked for / the trainer is waiting at the gate. */
  pauseRequested: boolean;
  paused: boolean;
  progress: Progress | null;
  options: ToCoADOptions | null;
  backend: BackendName | null;
  resumedAt: { stage: 1 | 2; epochsDone: number } | null;
  steps: StepReport[];
  history: EpochReport[];
  samples: SampleSet[];
  /** The last checkpoint stored in IndexedDB. */
  checkpoint: { stage: 1 | 2; epochsDone: number; bytes: number } | null;
  error: string | null;
  /** Start was pressed while an unfinished run is stored: the view asks before it is discarded. */
  confirmDiscard: boolean;
  /** The profile built from the run's images on the new backbone. */
  profile: { id: string; name: string } | null;
  estimate: EstimateState;
  /** When `progress` came (performance.now()), for a time left that counts down between reports. */
  progressAt: number;
  /** The running run's plan from the estimate (null: none was measured for it), for the total ETA. */
  runPlan: TrainEstimate | null;
  /** Before and after: the base and the fine-tuned backbone evaluated on a labelled folder. */
  proof: ProofState;
}

export const useTrainStore = create<TrainState>()(() => ({
  settings: DEFAULT_TRAIN_SETTINGS,
  backboneId: 'resnet50-imagenet',
  images: { count: 0, bytes: 0, dataset: '', note: null },
  textures: { count: 0, bytes: 0 },
  record: null,
  recordLoaded: false,
  running: false,
  pauseRequested: false,
  paused: false,
  progress: null,
  options: null,
  backend: null,
  resumedAt: null,
  steps: [],
  history: [],
  samples: [],
  checkpoint: null,
  error: null,
  confirmDiscard: false,
  profile: null,
  estimate: IDLE_ESTIMATE,
  runPlan: null,
  progressAt: 0,
  proof: { status: 'idle', error: null, verdict: null },
}));
