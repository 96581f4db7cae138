/**
 * 'train-start', 'train-pause' and 'train-resume': a ToCoAD fine-tuning run (workers/training/run.ts) on the
 * session's backend, starting from the bundled backbone (its training-only layer4 read each run) or a stored one;
 * its events go to the page under the request's id. Pause and resume are answered at once. 'train-estimate': a short
 * measured calibration of a run before it starts (workers/training/estimate.ts).
 */
import { RESNET50_IMAGENET } from '../../src/engine/backbones/spec';
import type { TrainEstimateResult, TrainResult } from '../../src/worker-bridge/protocol';
import type { Session } from '../session';
import { runEstimate } from '../training/estimate';
import { setTrainingPaused } from '../training/pause';
import type { TrainingHost } from '../training/run';
import { runTraining } from '../training/run';
import type { OnProgress, Req } from './types';

/** The base backbone's files (the bundled one with its training-only layer4, or a stored one), the backend and decoding. */
function baseHost(session: Session): Omit<TrainingHost, 'emit'> {
  return {
    baseSource: async (id) =>
      id === RESNET50_IMAGENET.id
        ? { source: session.model.training, where: session.model.where, bundled: true }
        : { source: await session.storedBackboneSource(id), where: `backbone "${id}"`, bundled: false },
    backend: () => session.backendName,
    decode: (file) => session.decode(file),
  };
}

export function trainStart(req: Req<'train-start'>, session: Session, signal: AbortSignal, onProgress: OnProgress): Promise<TrainResult> {
  const host: TrainingHost = { ...baseHost(session), emit: (event) => session.post({ type: 'train', id: req.id, event }) };
  return session.backend.onBackend(signal, (s) => runTraining(req, s, onProgress, host));
}

/** 'train-pause' / 'train-resume': false when no training runs. */
export function trainPause(req: Req<'train-pause'> | Req<'train-resume'>): { training: boolean } {
  return setTrainingPaused(req.type === 'train-pause');
}

/** 'train-estimate': a short measured calibration of the chosen settings on the session's backend (nothing stored). */
export function trainEstimate(req: Req<'train-estimate'>, session: Session, signal: AbortSignal, onProgress: OnProgress): Promise<TrainEstimateResult> {
  return session.backend.onBackend(signal, (s) => runEstimate(req, s, onProgress, baseHost(session)));
}
